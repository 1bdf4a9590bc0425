import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ACTIONS,
  buildDiscoverRequest,
  buildDiscoverResponse,
  NS,
  parseSoapEnvelope,
  readDiscoverRequest,
  readDiscoverResponse,
} from '../../../src/protocol/mde2/index.ts';
import { codeOf, ownFixture, SHARED_MISSING, sharedFile } from './helpers.ts';

describe('mde2 Discover: real captures and Microsoft examples', { skip: SHARED_MISSING }, () => {
  it('Windows 10 21H1 Discover request, field by field', () => {
    assert.deepEqual(readDiscoverRequest(sharedFile('research/samples/fleet/01-discover-request.xml')), {
      messageId: 'urn:uuid:748132ec-a575-4329-b01b-6171a9cf8478',
      to: 'https://EnterpriseEnrollment.fleetdm.ngrok.io:443/EnrollmentServer/Discovery.svc',
      emailAddress: 'demo@fleetdm.ngrok.io',
      requestVersion: '4.0',
      deviceType: 'CIMClient_Windows',
      applicationVersion: '10.0.19043.2364',
      osEdition: 72,
      authPolicies: ['OnPremise', 'Federated'],
    });
  });

  it('MS-MDE2 §4.1.2.2 certificate DiscoverResponse: values unwrapped from their newlines', () => {
    const xml = sharedFile('research/samples/windc/msmde2-doc-discover-response-certificate-auth.xml');
    const env = parseSoapEnvelope(xml);
    assert.deepEqual(env.activityId, { id: 'd9eb2fdd-e38a-46ee-bd93-aea9dc86a3b8' });
    assert.deepEqual(readDiscoverResponse(env), {
      authPolicy: 'Certificate',
      enrollmentVersion: '3.0',
      enrollmentPolicyServiceUrl: 'https://enrolltest.contoso.com/ENROLLMENTSERVER/DEVICEENROLLMENTWEBSERVICE.SVC',
      enrollmentServiceUrl: 'https://enrolltest.contoso.com/ENROLLMENTSERVER/DEVICEENROLLMENTWEBSERVICE.SVC',
      // Kept verbatim, space included: RelatesTo is compared as a string.
      relatesTo: 'urn:uuid: 748132ec-a575-4329-b01b-6171a9cf8478',
    });
  });
});

describe('mde2 Discover: own fixtures and round trips', () => {
  it('Windows 11 style request with three policies', () => {
    const req = readDiscoverRequest(ownFixture('discover-request.xml'));
    assert.equal(req.requestVersion, '5.0');
    assert.equal(req.osEdition, 4);
    assert.deepEqual(req.authPolicies, ['OnPremise', 'Federated', 'Certificate']);
  });

  it("tolerates the quirks of Microsoft's hand-written examples", () => {
    const req = readDiscoverRequest(ownFixture('discover-request-doc-quirks.xml'));
    assert.deepEqual(req, {
      messageId: 'urn:uuid: 2b7c91d4-55aa-4f0e-8e31-c0ffee000001',
      to: 'https://ENROLL.NORTHWIND.TEST/EnrollmentServer/Discovery.svc',
      emailAddress: 'kim@northwind.test',
      osEdition: 48,
      osVersion: '10.0.19045.4717',
      authPolicies: ['Certificate'],
    });
  });

  it('request build → read', () => {
    const xml = buildDiscoverRequest({
      messageId: 'urn:uuid:00000000-0000-4000-8000-000000000001',
      to: 'https://enterpriseenrollment.fabrikam.test/EnrollmentServer/Discovery.svc',
      emailAddress: 'ana&co@fabrikam.test',
      requestVersion: '6.0',
      applicationVersion: '10.0.22631.4460',
      osEdition: 121,
      authPolicies: ['Federated', 'Certificate'],
    });
    assert.deepEqual(readDiscoverRequest(xml), {
      messageId: 'urn:uuid:00000000-0000-4000-8000-000000000001',
      to: 'https://enterpriseenrollment.fabrikam.test/EnrollmentServer/Discovery.svc',
      emailAddress: 'ana&co@fabrikam.test',
      requestVersion: '6.0',
      deviceType: 'CIMClient_Windows',
      applicationVersion: '10.0.22631.4460',
      osEdition: 121,
      authPolicies: ['Federated', 'Certificate'],
    });
  });

  it('response build → read for each policy, RelatesTo and ActivityId echoed', () => {
    const base = {
      enrollmentServiceUrl: 'https://windc.fabrikam.test/EnrollmentServer/Enrollment.svc',
      enrollmentPolicyServiceUrl: 'https://windc.fabrikam.test/EnrollmentServer/Policy.svc',
      enrollmentVersion: '5.0',
    };
    const federated = {
      ...base,
      authPolicy: 'Federated' as const,
      authenticationServiceUrl: 'https://windc.fabrikam.test/auth?x=1&y=2',
    };
    const xml = buildDiscoverResponse({ ...federated, relatesTo: 'urn:uuid:r', activityId: { id: 'a' } });
    const env = parseSoapEnvelope(xml);
    assert.equal(env.addressing.action, ACTIONS.discoverResponse);
    assert.deepEqual(env.activityId, { id: 'a' });
    assert.deepEqual(readDiscoverResponse(env), { ...federated, relatesTo: 'urn:uuid:r' });
    const cert = { ...base, authPolicy: 'Certificate' as const };
    assert.deepEqual(readDiscoverResponse(buildDiscoverResponse(cert)), cert);
    // Element order: AuthPolicy and EnrollmentVersion first, the service URLs after, as Windows is known to accept.
    assert.match(
      xml,
      /<DiscoverResult><AuthPolicy>Federated<\/AuthPolicy><EnrollmentVersion>5\.0<\/EnrollmentVersion><AuthenticationServiceUrl>/,
    );
  });

  it('a Federated response without the STS URL is a programming error', () => {
    assert.throws(
      () => buildDiscoverResponse({ authPolicy: 'Federated', enrollmentServiceUrl: 'https://x.test' }),
      TypeError,
    );
  });
});

describe('mde2 Discover: refusals', () => {
  const discover = (request: string, action: string = ACTIONS.discover, ns: string = NS.discovery) =>
    `<s:Envelope xmlns:s="${NS.soap12}" xmlns:a="${NS.wsa}"><s:Header><a:Action>${action}</a:Action></s:Header>` +
    `<s:Body><Discover xmlns="${ns}">${request}</Discover></s:Body></s:Envelope>`;
  const cases: Array<[string, string, string]> = [
    ['wrong action', discover('<request/>', ACTIONS.getPolicies), 'SOAP_UNEXPECTED_ACTION'],
    ['wrong body namespace', discover('<request/>', ACTIONS.discover, 'urn:other'), 'SOAP_MALFORMED'],
    ['no request element', discover(''), 'SOAP_MALFORMED'],
    ['OSEdition not a number', discover('<request><OSEdition>Pro</OSEdition></request>'), 'SOAP_BAD_VALUE'],
    [
      'RequestVersion not a decimal',
      discover('<request><RequestVersion>v4</RequestVersion></request>'),
      'SOAP_BAD_VALUE',
    ],
  ];
  for (const [name, xml, code] of cases)
    it(name, () =>
      assert.equal(
        codeOf(() => readDiscoverRequest(xml)),
        code,
      ),
    );

  const response = (result: string) =>
    `<s:Envelope xmlns:s="${NS.soap12}" xmlns:a="${NS.wsa}"><s:Header><a:Action>${ACTIONS.discoverResponse}</a:Action></s:Header>` +
    `<s:Body><DiscoverResponse xmlns="${NS.discovery}">${result}</DiscoverResponse></s:Body></s:Envelope>`;
  const responseCases: Array<[string, string, string]> = [
    ['no DiscoverResult', response(''), 'SOAP_MALFORMED'],
    [
      'unknown AuthPolicy',
      response('<DiscoverResult><AuthPolicy>Kerberos</AuthPolicy></DiscoverResult>'),
      'SOAP_BAD_VALUE',
    ],
    [
      'no EnrollmentServiceUrl',
      response('<DiscoverResult><AuthPolicy>Certificate</AuthPolicy></DiscoverResult>'),
      'SOAP_MALFORMED',
    ],
  ];
  for (const [name, xml, code] of responseCases) {
    it(`response: ${name}`, () =>
      assert.equal(
        codeOf(() => readDiscoverResponse(xml)),
        code,
      ));
  }
});
