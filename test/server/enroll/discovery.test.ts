import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { httpsRequest, json, PUBLIC_URL, startTestServer, type TestServer } from './support.ts';

const PATH = '/EnrollmentConfiguration?api-version=1.0';
const TENANT = '11111111-2222-3333-4444-555555555555';

describe('WinDC discovery (seed 003) over HTTPS', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer(['--tenants', TENANT, '--jwks', 'https://login.example.test/keys', '--enroll-rate', '0']);
  });
  after(() => t.close());

  const expected = (policy: 'Federated' | 'Certificate') => ({
    EnrollmentServiceUrl: `${PUBLIC_URL}/EnrollmentServer/Linked/Enrollment.svc`,
    EnrollmentPolicyServiceUrl: `${PUBLIC_URL}/EnrollmentServer/Linked/Policy.svc`,
    AuthenticationServiceUrl: `${PUBLIC_URL}/EnrollmentServer/Auth`,
    AuthPolicy: policy,
    ManagementResource: PUBLIC_URL,
  });

  it('answers Entra joined (Device, empty, absent) with Federated, fields and order as seed 003', async () => {
    for (const enrollmentType of ['Device', '', undefined]) {
      const res = await json(t, PATH, {
        userDomain: 'contoso.com',
        upn: 'johndoe@contoso.com',
        tenantId: TENANT,
        emmDeviceId: '00000000-0000-0000-0000-000000000000',
        enrollmentType,
        osVersion: '10.0.19045.4717',
      });
      assert.equal(res.status, 200, String(enrollmentType));
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.deepEqual(JSON.parse(res.body), expected('Federated'));
      assert.deepEqual(Object.keys(JSON.parse(res.body)), Object.keys(expected('Federated')));
    }
  });

  it('answers Entra registered (User) with Certificate on the builds seed 001 lists, a clear error on others', async () => {
    for (const os of ['10.0.26100.1301', '10.0.22631.3958', '10.0.22621.4000', '10.0.19045.4717', '10.0.26200.1']) {
      const res = await json(t, PATH, { enrollmentType: 'User', osVersion: os });
      assert.deepEqual(JSON.parse(res.body), expected('Certificate'), os);
    }
    for (const os of ['10.0.26100.1300', '10.0.22631.3957', '10.0.19044.9999', '10.0.22000.1']) {
      const res = await json(t, PATH, { enrollmentType: 'User', osVersion: os });
      assert.equal(res.status, 200);
      const body = JSON.parse(res.body);
      assert.equal(body.errorCode, 'DeviceNotSupported', os);
      assert.match(body.message, /26100\.1301/);
      assert.equal(body.EnrollmentServiceUrl, undefined);
    }
  });

  it('echoes client-request-id and MS-CV, ignores unknown fields and matches the path in any case', async () => {
    const res = await json(
      t,
      '/enrollmentconfiguration?api-version=1.0',
      { osVersion: '10.0.26100.1', somethingNew: { nested: true } },
      { 'client-request-id': 'c0ffee00-1111-2222-3333-444455556666', 'MS-CV': 'OTrP9+n7GU+OcSEg.0.1' },
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers['client-request-id'], 'c0ffee00-1111-2222-3333-444455556666');
    assert.equal(res.headers['ms-cv'], 'OTrP9+n7GU+OcSEg.0.1');
    assert.equal(JSON.parse(res.body).AuthPolicy, 'Federated');
    assert.equal(res.headers['transfer-encoding'], undefined);
  });

  it('refuses bad requests with the discovery error shape and a specific code', async () => {
    const cases: Array<[() => ReturnType<typeof json>, number, string]> = [
      [() => json(t, PATH, '{"osVersion": '), 400, 'DISCOVERY_BAD_JSON'],
      [() => json(t, PATH, '[1,2]'), 400, 'DISCOVERY_BAD_JSON'],
      [() => json(t, PATH, {}), 400, 'DISCOVERY_MISSING_OS_VERSION'],
      [() => json(t, PATH, { osVersion: 'Windows 11' }), 400, 'DISCOVERY_BAD_OS_VERSION'],
      [() => json(t, PATH, { osVersion: 10 }), 400, 'DISCOVERY_BAD_FIELD'],
      [() => json(t, PATH, { osVersion: '10.0.1.1', enrollmentType: 'Kiosk' }), 400, 'DISCOVERY_BAD_ENROLLMENT_TYPE'],
      [
        () => json(t, '/EnrollmentConfiguration?api-version=2.0', { osVersion: '10.0.1.1' }),
        400,
        'DISCOVERY_BAD_API_VERSION',
      ],
      [
        () => httpsRequest(t, PATH, '{"osVersion":"10.0.1.1"}', { headers: { 'content-type': 'text/plain' } }),
        415,
        'DISCOVERY_BAD_CONTENT_TYPE',
      ],
      [() => httpsRequest(t, PATH, '{"osVersion":"10.0.1.1"}'), 415, 'DISCOVERY_BAD_CONTENT_TYPE'],
      [() => json(t, PATH, { osVersion: '10.0.1.1', pad: 'x'.repeat(70_000) }), 413, 'DISCOVERY_TOO_LARGE'],
      [() => json(t, PATH, { osVersion: '10.0.1.1', pad: 'x'.repeat(200_000) }), 413, 'DISCOVERY_TOO_LARGE'],
    ];
    for (const [send, status, code] of cases) {
      const res = await send();
      assert.equal(res.status, status, code);
      const body = JSON.parse(res.body);
      assert.equal(body.errorCode, code);
      assert.equal(typeof body.message, 'string');
    }
  });
});

describe('WinDC discovery options', () => {
  it('asks for a UPN when configured to require one, and answers once it comes', async () => {
    const t = await startTestServer(['--upn-required', '--tenants', TENANT]);
    try {
      const without = await json(t, PATH, { enrollmentType: 'Device', osVersion: '10.0.26100.1', upn: '' });
      assert.equal(without.status, 200);
      assert.equal(JSON.parse(without.body).errorCode, 'UPNRequired');
      const withUpn = await json(t, PATH, { enrollmentType: 'Device', osVersion: '10.0.26100.1', upn: 'a@b.test' });
      assert.equal(JSON.parse(withUpn.body).AuthPolicy, 'Federated');
    } finally {
      await t.close();
    }
  });

  it('says so when Entra joined enrollment is asked of a server without federation', async () => {
    const t = await startTestServer();
    try {
      const res = await json(t, PATH, { enrollmentType: 'Device', osVersion: '10.0.26100.1' });
      assert.equal(JSON.parse(res.body).errorCode, 'NotSupported');
      const registered = await json(t, PATH, { enrollmentType: 'User', osVersion: '10.0.26100.1301' });
      assert.equal(JSON.parse(registered.body).AuthPolicy, 'Certificate');
    } finally {
      await t.close();
    }
  });

  it('points AuthenticationServiceUrl at a configured STS and serves an explanation page otherwise', async () => {
    const t = await startTestServer(['--tenants', TENANT, '--sts-url', 'https://sts.contoso.test/adfs']);
    try {
      const res = await json(t, PATH, { osVersion: '10.0.26100.1' });
      assert.equal(JSON.parse(res.body).AuthenticationServiceUrl, 'https://sts.contoso.test/adfs');
      const page = await httpsRequest(t, '/EnrollmentServer/Auth?appru=ms-app%3A%2F%2Fx&login_hint=a%40b');
      assert.equal(page.status, 200);
      assert.match(String(page.headers['content-type']), /^text\/html/);
      assert.match(page.body, /does not run a token service/);
    } finally {
      await t.close();
    }
  });

  it('throttles a client over the configured rate with 429 and Retry-After', async () => {
    const t = await startTestServer(['--enroll-rate', '1/2']);
    try {
      const statuses: number[] = [];
      let last: Awaited<ReturnType<typeof json>> | undefined;
      for (let i = 0; i < 4; i++) {
        last = await json(t, PATH, { enrollmentType: 'User', osVersion: '10.0.26100.1301' });
        statuses.push(last.status);
      }
      assert.deepEqual(statuses.slice(0, 2), [200, 200]);
      assert.equal(statuses[3], 429);
      assert.equal(last?.headers['retry-after'], '1');
      assert.equal(JSON.parse(last?.body ?? '{}').errorCode, 'TooManyRequests');
    } finally {
      await t.close();
    }
  });

  it('counts each client behind a trusted proxy on its own, and ignores X-Forwarded-For from anyone else', async () => {
    const body = { enrollmentType: 'User', osVersion: '10.0.26100.1301' };
    const burst = async (t: TestServer, xff: string) => {
      const out: number[] = [];
      for (let i = 0; i < 3; i++) out.push((await json(t, PATH, body, { 'x-forwarded-for': xff })).status);
      return out;
    };
    // A stopped clock: no token comes back during the test, however slow the machine.
    const frozen = () => Date.UTC(2026, 0, 1);
    const behind = await startTestServer(['--enroll-rate', '1/2', '--trusted-proxies', '127.0.0.1,::1'], frozen);
    try {
      assert.deepEqual(await burst(behind, '203.0.113.7'), [200, 200, 429], 'one client, its own limit');
      assert.deepEqual(await burst(behind, '203.0.113.8, 127.0.0.1'), [200, 200, 429], 'another client');
      assert.deepEqual(
        await burst(behind, '203.0.113.8, 198.51.100.1'),
        [200, 200, 429],
        'the right-most untrusted hop',
      );
    } finally {
      await behind.close();
    }
    const direct = await startTestServer(['--enroll-rate', '1/2'], frozen);
    try {
      assert.deepEqual(await burst(direct, '203.0.113.7'), [200, 200, 429]);
      assert.deepEqual(await burst(direct, '203.0.113.8'), [429, 429, 429], 'a client cannot name itself anew');
    } finally {
      await direct.close();
    }
  });
});
