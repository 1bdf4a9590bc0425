import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ACTIONS,
  buildGetPoliciesRequest,
  buildGetPoliciesResponse,
  buildSecurityHeader,
  HASH_OIDS,
  NS,
  parseSoapEnvelope,
  readGetPoliciesRequest,
  readGetPoliciesResponse,
  VALUE_TYPES,
} from '../../../src/protocol/mde2/index.ts';
import { codeOf, ownFixture, SHARED_MISSING, sharedFile } from './helpers.ts';

describe('mde2 GetPolicies: real capture and Microsoft example', { skip: SHARED_MISSING }, () => {
  it('Windows 10 capture: nil client fields and filter', () => {
    assert.deepEqual(readGetPoliciesRequest(sharedFile('research/samples/fleet/02-getpolicies-request.xml')), {
      hasRequestFilter: false,
      messageId: 'urn:uuid:72048B64-0F19-448F-8C2E-B4C661860AA0',
      to: 'https://windows.fleetdm.ngrok.io/EnrollmentServer/Policy.svc',
    });
  });

  it('MS-MDE2 §4.2.1.2 certificate-auth request', () => {
    assert.deepEqual(
      readGetPoliciesRequest(sharedFile('research/samples/windc/msmde2-doc-getpolicies-request-certificate-auth.xml')),
      {
        hasRequestFilter: false,
        messageId: 'urn:uuid:72048B64-0F19-448F-8C2E-B4C661860AA0',
        to: 'https://enrolltest.contoso.com/ENROLLMENTSERVER/DEVICEENROLLMENTWEBSERVICE.SVC',
      },
    );
  });
});

describe('mde2 GetPolicies: own fixtures and round trips', () => {
  it('a client that sends its last update, language and a filter', () => {
    assert.deepEqual(readGetPoliciesRequest(ownFixture('getpolicies-request-certificate.xml')), {
      hasRequestFilter: true,
      messageId: 'urn:uuid:5a6b7c8d-0000-4000-8000-000000000042',
      to: 'https://windc.fabrikam.test/EnrollmentServer/Policy.svc',
      lastUpdate: '2026-02-01T00:00:00',
      preferredLanguage: 'fr-FR',
    });
  });

  it('request build → read, credentials in the security header', () => {
    const xml = buildGetPoliciesRequest({
      messageId: 'urn:uuid:m',
      to: 'https://windc.fabrikam.test/EnrollmentServer/Policy.svc',
      security: buildSecurityHeader({ binarySecurityToken: { valueType: VALUE_TYPES.jwt, value: 'ZXlK' } }),
    });
    const env = parseSoapEnvelope(xml);
    assert.deepEqual(readGetPoliciesRequest(env), {
      hasRequestFilter: false,
      messageId: 'urn:uuid:m',
      to: 'https://windc.fabrikam.test/EnrollmentServer/Policy.svc',
    });
    assert.equal(env.security?.binarySecurityTokens[0]?.valueType, VALUE_TYPES.jwt);
  });

  it('default response: schema 3, 2048-bit RSA, SHA-256, two KSPs, every reference resolvable', () => {
    const xml = buildGetPoliciesResponse({ relatesTo: 'urn:uuid:m' });
    const env = parseSoapEnvelope(xml);
    assert.equal(env.addressing.action, ACTIONS.getPoliciesResponse);
    assert.equal(env.addressing.relatesTo, 'urn:uuid:m');
    assert.deepEqual(readGetPoliciesResponse(env), {
      policySchema: 3,
      minimalKeyLength: 2048,
      hashAlgorithmOid: HASH_OIDS.SHA256,
      keyAlgorithmOid: '1.2.840.113549.1.1.1',
      templateOid: '1.3.6.1.4.1.311.20.2',
      cryptoProviders: ['Microsoft Platform Crypto Provider', 'Microsoft Software Key Storage Provider'],
      validityPeriodSeconds: 365 * 86_400,
      renewalPeriodSeconds: 60 * 86_400,
    });
    // The MS-XCEP Attributes sequence, in schema order, with nil for what windc does not use.
    const order = [...xml.matchAll(/<(\w+)[ />]/g)].map((m) => m[1]);
    const attrs = order.slice(order.indexOf('attributes') + 1, order.indexOf('oIDs'));
    const top = [
      'commonName',
      'policySchema',
      'certificateValidity',
      'permission',
      'privateKeyAttributes',
      'revision',
      'supersededPolicies',
      'privateKeyFlags',
      'subjectNameFlags',
      'enrollmentFlags',
      'generalFlags',
      'hashAlgorithmOIDReference',
      'rARequirements',
      'keyArchivalAttributes',
      'extensions',
    ];
    assert.deepEqual(
      attrs.filter((n) => top.includes(n as string)),
      top,
    );
  });

  it('nil hash and key references leave Windows on its defaults; options are honoured', () => {
    const policy = readGetPoliciesResponse(
      buildGetPoliciesResponse({
        hashAlgorithm: null,
        keyAlgorithm: null,
        cryptoProviders: null,
        minimalKeyLength: 4096,
        nextUpdateHours: 8,
        policyFriendlyName: 'WinDC <devices>',
        validityPeriodSeconds: 86_400,
        renewalPeriodSeconds: 3_600,
      }),
    );
    assert.deepEqual(policy, {
      policySchema: 3,
      minimalKeyLength: 4096,
      templateOid: '1.3.6.1.4.1.311.20.2',
      cryptoProviders: [],
      validityPeriodSeconds: 86_400,
      renewalPeriodSeconds: 3_600,
    });
  });
});

describe('mde2 GetPolicies: refusals', () => {
  const gp = (inner: string, action: string = ACTIONS.getPolicies) =>
    `<s:Envelope xmlns:s="${NS.soap12}" xmlns:a="${NS.wsa}"><s:Header><a:Action>${action}</a:Action></s:Header>` +
    `<s:Body xmlns:xsi="${NS.xsi}"><GetPolicies xmlns="${NS.xcep}">${inner}</GetPolicies></s:Body></s:Envelope>`;
  it('no client', () =>
    assert.equal(
      codeOf(() => readGetPoliciesRequest(gp(''))),
      'SOAP_MALFORMED',
    ));
  it('nil client', () =>
    assert.equal(
      codeOf(() => readGetPoliciesRequest(gp('<client xsi:nil="true"/>'))),
      'SOAP_MALFORMED',
    ));
  it('sent to the wrong operation', () =>
    assert.equal(
      codeOf(() => readGetPoliciesRequest(gp('<client/>', ACTIONS.requestSecurityToken))),
      'SOAP_UNEXPECTED_ACTION',
    ));

  const resp = (inner: string) =>
    `<s:Envelope xmlns:s="${NS.soap12}" xmlns:a="${NS.wsa}"><s:Header><a:Action>${ACTIONS.getPoliciesResponse}</a:Action></s:Header>` +
    `<s:Body><GetPoliciesResponse xmlns="${NS.xcep}">${inner}</GetPoliciesResponse></s:Body></s:Envelope>`;
  it('response without a policy', () =>
    assert.equal(
      codeOf(() => readGetPoliciesResponse(resp('<response/>'))),
      'SOAP_MALFORMED',
    ));
  it('response with a non-numeric key length', () =>
    assert.equal(
      codeOf(() =>
        readGetPoliciesResponse(
          resp(
            '<response><policies><policy><attributes><policySchema>3</policySchema>' +
              '<privateKeyAttributes><minimalKeyLength>big</minimalKeyLength></privateKeyAttributes>' +
              '</attributes></policy></policies></response>',
          ),
        ),
      ),
      'SOAP_BAD_VALUE',
    ));
  it('a dangling reference reads as no requirement', () => {
    const p = readGetPoliciesResponse(
      resp(
        '<response><policies><policy><attributes><policySchema>3</policySchema>' +
          '<hashAlgorithmOIDReference>9</hashAlgorithmOIDReference></attributes></policy></policies></response><oIDs/>',
      ),
    );
    assert.deepEqual(p, { policySchema: 3, minimalKeyLength: 2048, cryptoProviders: [] });
  });
});
