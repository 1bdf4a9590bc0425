import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  buildSecurityHeader,
  parseProvisioningDoc,
  readMdmProvisioning,
  readRequestSecurityTokenResponse,
  VALUE_TYPES,
} from '../../../src/protocol/mde2/index.ts';
import { generateSecret, hashSecret } from '../../../src/server/enroll/secrets.ts';
import {
  contextFor,
  faultOf,
  getPolicies,
  onPremise,
  rst,
  soap,
  startTestServer,
  TestIssuer,
  type TestServer,
  windowsCsr,
} from './support.ts';

const TENANT = '3b8f1c2d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const ISSUER = 'https://issuer.windc.test';
const AUDIENCE = 'https://windc.test';
const LINKED = '/EnrollmentServer/Linked/Enrollment.svc';
const PRIMARY = '/EnrollmentServer/Enrollment.svc';

const issuer = new TestIssuer();
const claims = (over: Record<string, unknown> = {}) => ({
  iss: ISSUER,
  aud: AUDIENCE,
  tid: TENANT,
  upn: 'alice@contoso.test',
  deviceid: '8d1b4c2a-0000-4000-8000-00000000abcd',
  exp: Math.floor(Date.now() / 1000) + 3600,
  nbf: Math.floor(Date.now() / 1000) - 60,
  ...over,
});
const federated = (token: string, valueType: string = VALUE_TYPES.jwt) =>
  buildSecurityHeader({ binarySecurityToken: { valueType, value: Buffer.from(token).toString('base64') } });

function provisioning(body: string) {
  return readMdmProvisioning(parseProvisioningDoc(readRequestSecurityTokenResponse(body).provisioningDoc));
}

describe('Federated enrollment with a local token issuer (file JWKS)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'windc-fed-'));
  let t: TestServer;
  const argv = () => [
    '--tenants',
    TENANT,
    '--jwks',
    issuer.writeJwks(dir),
    '--token-issuer',
    ISSUER,
    '--token-audience',
    AUDIENCE,
    '--enroll-rate',
    '0',
  ];
  before(async () => {
    t = await startTestServer(argv());
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('enrolls a WinDC (linked) device under its primary windc enrollment, with a second account', async () => {
    const deviceId = '0123456789ABCDEF0123456789ABCDEF';
    const secret = generateSecret();
    await t.server.context.store.secrets.create({ name: 'fed-primary', secretHash: hashSecret(secret) });
    const primary = await soap(
      t,
      PRIMARY,
      rst({ security: onPremise(secret), csr: await windowsCsr(deviceId), context: contextFor(deviceId) }),
    );
    assert.equal(primary.status, 200, primary.body);

    const policies = await soap(
      t,
      '/EnrollmentServer/Linked/Policy.svc',
      getPolicies(federated(issuer.token(claims()))),
    );
    assert.equal(policies.status, 200, policies.body);
    const res = await soap(
      t,
      LINKED,
      rst({
        security: federated(issuer.token(claims())),
        csr: await windowsCsr(deviceId),
        context: contextFor(deviceId),
      }),
    );
    assert.equal(res.status, 200, res.body);
    const store = t.server.context.store;
    const parent = await store.devices.findActiveEnrollment(deviceId, 'primary');
    const linked = await store.devices.findActiveEnrollment(deviceId, 'linked');
    assert.ok(parent && linked);
    assert.equal(linked.parentEnrollmentId, parent.id);
    assert.equal(linked.context?.['windc.authPolicy'], 'Federated');
    assert.equal(linked.context?.['windc.tenant'], TENANT);
    assert.equal(linked.context?.['windc.principal'], 'alice@contoso.test');

    const mdm = provisioning(res.body);
    assert.equal(mdm.application?.parms.get('PROVIDER-ID'), 'windc-declared', 'a provider of its own');
    assert.equal(mdm.dmClient?.providerId, 'windc-declared');
    assert.equal(mdm.dmClient?.parms.get('UPN'), 'alice@contoso.test');
    const appsrv = mdm.application?.appAuth.find((a) => a.get('AAUTHLEVEL') === 'APPSRV');
    assert.equal(appsrv?.get('AAUTHNAME'), `${deviceId}-linked`);
    assert.equal((await store.deviceCredentials.get(linked.id))?.deviceName, `${deviceId}-linked`);
    assert.equal((await store.devices.findActiveEnrollment(deviceId, 'primary'))?.id, parent.id, 'primary untouched');
  });

  it('accepts the DeviceEnrollmentUserToken ValueType and a raw JWT, and records a linked enrollment without parent', async () => {
    const deviceId = 'AAAABBBBCCCCDDDDEEEEFFFF00001111';
    const body = rst({
      security: federated(issuer.token(claims()), VALUE_TYPES.userToken),
      csr: await windowsCsr(deviceId),
      context: contextFor(deviceId),
    });
    assert.equal((await soap(t, LINKED, body)).status, 200);
    const e = await t.server.context.store.devices.findActiveEnrollment(deviceId, 'linked');
    assert.equal(e?.parentEnrollmentId, null);
    const raw = buildSecurityHeader({
      binarySecurityToken: { valueType: VALUE_TYPES.jwt, value: issuer.token(claims()) },
    });
    const again = await soap(
      t,
      LINKED,
      rst({ security: raw, csr: await windowsCsr(deviceId), context: contextFor(deviceId) }),
    );
    assert.equal(again.status, 200, again.body);
  });

  it('enrolls a primary device with an Entra token too (auto-enrollment)', async () => {
    const deviceId = '99998888777766665555444433332222';
    const res = await soap(
      t,
      PRIMARY,
      rst({
        security: federated(issuer.token(claims())),
        csr: await windowsCsr(deviceId),
        context: contextFor(deviceId),
      }),
    );
    assert.equal(res.status, 200, res.body);
    assert.equal(provisioning(res.body).application?.parms.get('PROVIDER-ID'), 'windc');
  });

  it('refuses a wrong signature, issuer, audience, tenant, an expired token or none at all, storing nothing', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const deviceId = 'DEADBEEFDEADBEEFDEADBEEFDEADBEEF';
    const cases: Array<[string, string, string]> = [
      [issuer.token(claims(), {}, stranger), 'Authentication', 'JWT_SIGNATURE'],
      [issuer.token(claims({ iss: 'https://evil.test' })), 'Authentication', 'JWT_ISSUER'],
      [issuer.token(claims({ aud: 'https://other.test' })), 'Authentication', 'JWT_AUDIENCE'],
      [issuer.token(claims({ tid: '00000000-0000-0000-0000-000000000000' })), 'Authorization', 'JWT_TENANT'],
      [issuer.token(claims({ exp: Math.floor(Date.now() / 1000) - 3600 })), 'Authentication', 'JWT_EXPIRED'],
      [issuer.token(claims({ nbf: Math.floor(Date.now() / 1000) + 3600 })), 'Authentication', 'JWT_NOT_YET_VALID'],
      [issuer.token(claims(), { alg: 'none' }), 'Authentication', 'JWT_ALGORITHM'],
      ['not-a-jwt', 'InvalidSecurity', 'JWT_MALFORMED'],
    ];
    for (const [token, subcode, why] of cases) {
      const body = rst({ security: federated(token), csr: await windowsCsr(deviceId), context: contextFor(deviceId) });
      const f = faultOf(await soap(t, LINKED, body));
      assert.equal(f.subcode, subcode, `${why}: ${f.reason}`);
    }
    assert.equal(await t.server.context.store.devices.getDevice({ deviceId }), undefined);
  });
});

describe('Federated enrollment with the key set served over HTTP', () => {
  let keys: Server;
  let t: TestServer;
  let fetched = 0;
  before(async () => {
    keys = createServer((_req, res) => {
      fetched += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(issuer.jwks);
    });
    await new Promise<void>((r) => keys.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(keys.address() as { port: number }).port}/discovery/keys`;
    t = await startTestServer([
      '--tenants',
      TENANT,
      '--jwks',
      url,
      '--token-issuer',
      ISSUER,
      '--token-audience',
      AUDIENCE,
    ]);
  });
  after(async () => {
    await t.close();
    keys.close();
  });

  it('fetches the keys once and verifies tokens with them', async () => {
    for (const deviceId of ['11112222333344445555666677778888', '88887777666655554444333322221111']) {
      const res = await soap(
        t,
        LINKED,
        rst({
          security: federated(issuer.token(claims())),
          csr: await windowsCsr(deviceId),
          context: contextFor(deviceId),
        }),
      );
      assert.equal(res.status, 200, res.body);
    }
    assert.equal(fetched, 1);
    const other = new TestIssuer();
    const f = faultOf(
      await soap(
        t,
        LINKED,
        rst({
          security: federated(other.token(claims())),
          csr: await windowsCsr('ABABABAB'),
          context: contextFor('ABABABAB'),
        }),
      ),
    );
    assert.equal(f.subcode, 'Authentication');
    assert.equal(fetched, 1, 'an unknown kid right after a fetch does not make the server fetch again');
  });
});
