import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ACTIONS,
  buildDiscoverRequest,
  parseSoapEnvelope,
  readDiscoverResponse,
} from '../../../src/protocol/mde2/index.ts';
import { ownFixture, SHARED_MISSING, sharedFile } from '../../protocol/mde2/helpers.ts';
import {
  assertSoapMessage,
  faultOf,
  httpsRequest,
  PUBLIC_URL,
  soap,
  startTestServer,
  type TestServer,
} from './support.ts';

const PATH = '/EnrollmentServer/Discovery.svc';

const discover = (policies: Array<'OnPremise' | 'Federated' | 'Certificate'>) =>
  buildDiscoverRequest({
    messageId: 'urn:uuid:11111111-2222-4333-8444-555555555555',
    to: `${PUBLIC_URL}${PATH}`,
    emailAddress: 'ana@contoso.test',
    requestVersion: '5.0',
    applicationVersion: '10.0.26100.1',
    osEdition: 4,
    authPolicies: policies,
  });

describe('classic MS-MDE2 discovery, windc as primary MDM', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  it('answers the empty GET probe with 200 and no body', async () => {
    const res = await httpsRequest(t, PATH, undefined, { headers: { 'user-agent': 'ENROLLClient' } });
    assert.equal(res.status, 200);
    assert.equal(res.body, '');
    assert.equal(res.headers['content-length'], '0');
  });

  it('replays the real Windows 10 Discover: OnPremise, 4.0, primary endpoints, RelatesTo', {
    skip: SHARED_MISSING,
  }, async () => {
    const res = await soap(t, PATH, sharedFile('research/samples/fleet/01-discover-request.xml'));
    assert.equal(res.status, 200);
    assertSoapMessage(res);
    const env = parseSoapEnvelope(res.body);
    assert.equal(env.addressing.action, ACTIONS.discoverResponse);
    assert.match(env.activityId?.id ?? '', /^[0-9a-f-]{36}$/);
    assert.deepEqual(readDiscoverResponse(env), {
      authPolicy: 'OnPremise',
      enrollmentVersion: '4.0',
      enrollmentPolicyServiceUrl: `${PUBLIC_URL}/EnrollmentServer/Policy.svc`,
      enrollmentServiceUrl: `${PUBLIC_URL}/EnrollmentServer/Enrollment.svc`,
      relatesTo: 'urn:uuid:748132ec-a575-4329-b01b-6171a9cf8478',
    });
  });

  it('answers its own fixture (three policies offered) with OnPremise as well', async () => {
    const res = await soap(t, PATH, ownFixture('discover-request.xml'));
    const r = readDiscoverResponse(res.body);
    assert.equal(r.authPolicy, 'OnPremise');
    assert.equal(r.relatesTo, 'urn:uuid:0f3e6a52-7c1d-4b8e-9a20-5d41c7e3b96f');
    assert.equal(r.authenticationServiceUrl, undefined);
  });

  it('faults with the MS-MDE2 subcode when nothing offered can be served, or the message is bad', async () => {
    const none = faultOf(await soap(t, PATH, discover(['Certificate'])));
    assert.equal(none.subcode, 'EnrollmentServer');
    assert.equal(none.detail?.errorType, 'NotSupported');
    assert.equal(none.relatesTo, 'urn:uuid:11111111-2222-4333-8444-555555555555');
    const federatedOnly = faultOf(await soap(t, PATH, discover(['Federated'])));
    assert.equal(federatedOnly.subcode, 'EnrollmentServer', 'no federation configured');

    const cases: Array<[string, string]> = [
      ['<s:Envelope', 'MessageFormat'],
      ['<!DOCTYPE x [<!ENTITY a "b">]><x/>', 'MessageFormat'],
      [discover(['OnPremise']).replace(ACTIONS.discover, ACTIONS.getPolicies), 'MessageFormat'],
      [discover(['OnPremise']).replace('<RequestVersion>5.0', '<RequestVersion>five'), 'MessageFormat'],
    ];
    for (const [body, subcode] of cases)
      assert.equal(faultOf(await soap(t, PATH, body)).subcode, subcode, body.slice(0, 40));
  });
});

describe('classic discovery with federation configured', () => {
  it('offers Federated with the STS when one is configured, or when Federated is all the device offers', async () => {
    const tenant = '11111111-2222-3333-4444-555555555555';
    const withSts = await startTestServer(['--tenants', tenant, '--sts-url', 'https://sts.contoso.test/login']);
    const without = await startTestServer(['--tenants', tenant]);
    try {
      const a = readDiscoverResponse((await soap(withSts, PATH, discover(['OnPremise', 'Federated']))).body);
      assert.equal(a.authPolicy, 'Federated');
      assert.equal(a.authenticationServiceUrl, 'https://sts.contoso.test/login');
      const b = readDiscoverResponse((await soap(without, PATH, discover(['OnPremise', 'Federated']))).body);
      assert.equal(b.authPolicy, 'OnPremise', 'no way to get a token interactively: OnPremise');
      const c = readDiscoverResponse((await soap(without, PATH, discover(['Federated']))).body);
      assert.equal(c.authPolicy, 'Federated');
      assert.equal(c.authenticationServiceUrl, `${PUBLIC_URL}/EnrollmentServer/Auth`);
    } finally {
      await withSts.close();
      await without.close();
    }
  });
});
