import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACTIONS, HASH_OIDS, parseSoapEnvelope, readGetPoliciesResponse } from '../../../src/protocol/mde2/index.ts';
import { generateSecret, hashSecret } from '../../../src/server/enroll/secrets.ts';
import { SHARED_MISSING, sharedFile } from '../../protocol/mde2/helpers.ts';
import {
  assertSoapMessage,
  faultOf,
  getPolicies,
  onPremise,
  soap,
  startTestServer,
  type TestServer,
} from './support.ts';

const PATH = '/EnrollmentServer/Policy.svc';

describe('MS-XCEP GetPolicies', () => {
  let t: TestServer;
  let secret: string;
  before(async () => {
    t = await startTestServer(['--cert-validity-days', '200', '--cert-renew-days', '45']);
    secret = generateSecret();
    await t.server.context.store.secrets.create({ name: 'policy-test', secretHash: hashSecret(secret) });
  });
  after(() => t.close());

  it('replays the real Windows 10 GetPolicies (password adapted) and answers the key and hash policy', {
    skip: SHARED_MISSING,
  }, async () => {
    const capture = sharedFile('research/samples/fleet/02-getpolicies-request.xml');
    const res = await soap(t, PATH, capture.replace('>demo</wsse:Password>', `>${secret}</wsse:Password>`));
    assert.equal(res.status, 200);
    assertSoapMessage(res);
    const env = parseSoapEnvelope(res.body);
    assert.equal(env.addressing.action, ACTIONS.getPoliciesResponse);
    assert.equal(env.addressing.relatesTo, 'urn:uuid:72048B64-0F19-448F-8C2E-B4C661860AA0');
    assert.deepEqual(readGetPoliciesResponse(env), {
      policySchema: 3,
      minimalKeyLength: 2048,
      cryptoProviders: ['Microsoft Platform Crypto Provider', 'Microsoft Software Key Storage Provider'],
      hashAlgorithmOid: HASH_OIDS.SHA256,
      keyAlgorithmOid: '1.2.840.113549.1.1.1',
      templateOid: '1.3.6.1.4.1.311.20.2',
      validityPeriodSeconds: 200 * 86_400,
      renewalPeriodSeconds: 45 * 86_400,
    });
    // The capture as sent ("demo") is no secret of this server.
    const refused = faultOf(await soap(t, PATH, capture));
    assert.equal(refused.subcode, 'Authentication');
    assert.equal(refused.relatesTo, 'urn:uuid:72048B64-0F19-448F-8C2E-B4C661860AA0');
  });

  it('answers an authenticated request and refuses one without credentials', async () => {
    const ok = await soap(t, PATH, getPolicies(onPremise(secret)));
    assert.equal(ok.status, 200);
    assert.equal(readGetPoliciesResponse(ok.body).minimalKeyLength, 2048);
    assert.equal(faultOf(await soap(t, PATH, getPolicies(''))).subcode, 'InvalidSecurity');
    assert.equal(
      faultOf(await soap(t, '/EnrollmentServer/Linked/Policy.svc', getPolicies(onPremise(secret)))).subcode,
      'Authentication',
      'OnPremise is for the primary enrollment only',
    );
    assert.equal((await t.server.context.store.secrets.list())[0]?.useCount, 0, 'a policy request is no enrollment');
  });
});
