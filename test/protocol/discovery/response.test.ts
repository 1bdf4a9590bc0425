import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  buildWinDcDiscoveryError,
  buildWinDcDiscoveryResponse,
  readWinDcDiscoveryResponse,
  UPN_REQUIRED,
  type WinDcDiscoveryResponse,
} from '../../../src/protocol/discovery/index.ts';
import { codeOf, ownFixture, SHARED, SHARED_MISSING, sharedFile } from '../mde2/helpers.ts';

const FULL: WinDcDiscoveryResponse = {
  EnrollmentServiceUrl: 'https://windc.fabrikam.test/EnrollmentServer/Enrollment.svc',
  EnrollmentPolicyServiceUrl: 'https://windc.fabrikam.test/EnrollmentServer/Policy.svc',
  AuthenticationServiceUrl: 'https://windc.fabrikam.test/EnrollmentServer/Auth',
  AuthPolicy: 'Certificate',
  EnrollmentVersion: '5.0',
  ManagementResource: 'https://windc.fabrikam.test',
  TouUrl: 'https://windc.fabrikam.test/tou',
};

describe('WinDC discovery response', () => {
  it('writes the seed field names in the seed order', () => {
    const json = buildWinDcDiscoveryResponse({
      AuthPolicy: 'Federated',
      TouUrl: 'https://t.test',
      EnrollmentServiceUrl: 'https://e.test',
      AuthenticationServiceUrl: 'https://a.test',
      EnrollmentPolicyServiceUrl: 'https://p.test',
    });
    assert.equal(
      json,
      '{"EnrollmentServiceUrl":"https://e.test","EnrollmentPolicyServiceUrl":"https://p.test",' +
        '"AuthenticationServiceUrl":"https://a.test","AuthPolicy":"Federated","TouUrl":"https://t.test"}',
    );
  });

  it('build → read, and reads the own fixture', () => {
    assert.deepEqual(readWinDcDiscoveryResponse(buildWinDcDiscoveryResponse(FULL)), { kind: 'enroll', ...FULL });
    assert.deepEqual(readWinDcDiscoveryResponse(ownFixture('discovery-response.json')), { kind: 'enroll', ...FULL });
  });

  it('the error shape: errorCode and message, UPNRequired spelled as in the seed', () => {
    assert.equal(buildWinDcDiscoveryError({ errorCode: UPN_REQUIRED }), '{"errorCode":"UPNRequired"}');
    const json = buildWinDcDiscoveryError({ errorCode: UPN_REQUIRED, message: 'Send the UPN' });
    assert.equal(json, '{"errorCode":"UPNRequired","message":"Send the UPN"}');
    assert.deepEqual(readWinDcDiscoveryResponse(json), {
      kind: 'error',
      errorCode: 'UPNRequired',
      message: 'Send the UPN',
    });
    // errorCode wins over URLs in the same body.
    assert.equal(readWinDcDiscoveryResponse(JSON.stringify({ ...FULL, errorCode: 'X' })).kind, 'error');
  });

  it('refuses answers a device cannot act on', () => {
    const { AuthenticationServiceUrl: _, ...noAuth } = FULL;
    const cases: Array<[string, string]> = [
      ['not JSON', '<html>'],
      ['an array', '[]'],
      ['missing URL', JSON.stringify(noAuth)],
      ['unknown policy', JSON.stringify({ ...FULL, AuthPolicy: 'OnPremise' })],
      ['URL of the wrong type', JSON.stringify({ ...FULL, EnrollmentServiceUrl: 1 })],
    ];
    for (const [name, text] of cases)
      assert.equal(
        codeOf(() => readWinDcDiscoveryResponse(text)),
        'DISCOVERY_BAD_RESPONSE',
        name,
      );
  });
});

describe('WinDC discovery response: the seed 003 examples', { skip: SHARED_MISSING }, () => {
  it('both response examples read as enrollment answers with their policies', () => {
    const name = readdirSync(`${SHARED}/seeds`).find((n) => n.startsWith('003_')) as string;
    const blocks = [...sharedFile(`seeds/${name}`).matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1] as string);
    const answers = blocks.filter((b) => b.includes('EnrollmentServiceUrl')).map(readWinDcDiscoveryResponse);
    assert.deepEqual(
      answers.map((a) => (a.kind === 'enroll' ? [a.AuthPolicy, a.ManagementResource, a.TouUrl] : a.kind)),
      [
        ['Federated', 'https://manage.contoso.com', 'https://manage.contoso.com/Enrollment/tou.aspx'],
        ['Certificate', 'https://manage.contoso.com', 'https://manage.contoso.com/Enrollment/tou.aspx'],
      ],
    );
  });
});
