import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ErrorCode } from '../../../src/protocol/errors.ts';
import {
  ACTIONS,
  buildSoapFault,
  ENROLLMENT_ERROR_TYPES,
  expectPayload,
  FAULT_SUBCODES,
  type FaultSubcode,
  faultSubcodeFor,
  NS,
  parseSoapEnvelope,
  readSoapFault,
} from '../../../src/protocol/mde2/index.ts';
import { codeOf, ownFixture } from './helpers.ts';

describe('mde2 faults', () => {
  it('reads an Intune-style fault with a CustomServerError detail', () => {
    const env = parseSoapEnvelope(ownFixture('fault-detail.xml'));
    assert.deepEqual(readSoapFault(env), {
      code: 'Receiver',
      subcode: 'Authorization',
      rawSubcode: 's:Authorization',
      reason: 'Devices of this tenant may not join the declared configuration service',
      detail: {
        errorType: 'CustomServerError',
        message: 'Ask the service desk to add this PC to the pilot group.',
        traceId: '7d9e1f20-3a4b-4c5d-8e6f-708192a3b4c5',
      },
    });
    assert.deepEqual(env.activityId, {
      id: '11111111-2222-4333-8444-555555555555',
      correlationId: '11111111-2222-4333-8444-555555555555',
    });
  });

  it('reads the all-lower-case spelling of Fleet and of MS-MDE2 §2.2.10', () => {
    const env = parseSoapEnvelope(ownFixture('fault-lowercase.xml'));
    const f = readSoapFault(env);
    assert.equal(f?.code, 'receiver');
    assert.equal(f?.subcode, 'MessageFormat');
    assert.equal(f?.rawSubcode, 's:messageformat');
    assert.deepEqual(f?.detail, { errorType: 'NotSupported', message: 'invalid discover message' });
    // A reader handed a fault says so instead of reporting a missing element.
    assert.equal(
      codeOf(() => expectPayload(env, 'DiscoverResponse', NS.discovery)),
      'SOAP_UNEXPECTED_ACTION',
    );
  });

  it('every subcode builds and reads back with its qualified name', () => {
    for (const sub of Object.keys(FAULT_SUBCODES) as FaultSubcode[]) {
      const xml = buildSoapFault({
        subcode: sub,
        reason: `reason <${sub}> & more`,
        relatesTo: 'urn:uuid:abc',
        activityId: { id: 'a1', correlationId: 'c1' },
      });
      const env = parseSoapEnvelope(xml);
      assert.equal(env.addressing.action, ACTIONS.fault);
      assert.equal(env.addressing.relatesTo, 'urn:uuid:abc');
      const f = readSoapFault(env);
      assert.deepEqual(f, {
        code: 'Receiver',
        subcode: sub,
        rawSubcode: FAULT_SUBCODES[sub].qname,
        reason: `reason <${sub}> & more`,
        detail: undefined,
      });
    }
    assert.equal(FAULT_SUBCODES.InvalidSecurity.qname, 'a:InvalidSecurity');
    assert.equal(FAULT_SUBCODES.MessageFormat.hresult, 0x80180001);
  });

  it('a CustomServerError detail carries the user-facing message and trace id', () => {
    const xml = buildSoapFault({
      subcode: 'Authorization',
      reason: 'not allowed',
      action: ACTIONS.requestSecurityTokenResponse,
      detail: { errorType: 'CustomServerError', message: 'Call IT on 1234.', traceId: 't-1' },
      lang: 'de-DE',
    });
    assert.match(xml, /<s:Text xml:lang="de-DE">not allowed<\/s:Text>/);
    assert.match(xml, new RegExp(`<DeviceEnrollmentServiceError xmlns="${NS.enrollment}">`));
    const f = readSoapFault(parseSoapEnvelope(xml));
    assert.deepEqual(f?.detail, { errorType: 'CustomServerError', message: 'Call IT on 1234.', traceId: 't-1' });
    assert.equal(ENROLLMENT_ERROR_TYPES.CustomServerError, 0x80180032);
  });

  it('a detail without a message repeats the reason', () => {
    const f = readSoapFault(
      parseSoapEnvelope(
        buildSoapFault({ subcode: 'Authentication', reason: 'who?', detail: { errorType: 'UserLicense' } }),
      ),
    );
    assert.deepEqual(f?.detail, { errorType: 'UserLicense', message: 'who?' });
  });

  it('a body that is not a fault reads as undefined; a SOAP 1.1 fault reads without subcode', () => {
    const ok = parseSoapEnvelope(ownFixture('discover-request.xml'));
    assert.equal(readSoapFault(ok), undefined);
    const soap11 = parseSoapEnvelope(
      `<e:Envelope xmlns:e="${NS.soap11}" xmlns:a="${NS.wsa}"><e:Header><a:Action>x</a:Action></e:Header>` +
        '<e:Body><e:Fault><faultcode>e:Server</faultcode><faultstring>boom</faultstring></e:Fault></e:Body></e:Envelope>',
    );
    assert.deepEqual(readSoapFault(soap11), {
      code: 'Server',
      subcode: undefined,
      rawSubcode: undefined,
      reason: 'boom',
      detail: undefined,
    });
  });

  it('maps refusal codes to the subcode Windows turns into the right HRESULT', () => {
    const cases: Array<[ErrorCode, FaultSubcode]> = [
      ['WSSE_MALFORMED', 'InvalidSecurity'],
      ['CSR_MALFORMED', 'CertificateRequest'],
      ['CSR_UNSUPPORTED_ALGORITHM', 'CertificateRequest'],
      ['SOAP_MALFORMED', 'MessageFormat'],
      ['SOAP_BAD_VALUE', 'MessageFormat'],
      ['XML_DOCTYPE_FORBIDDEN', 'MessageFormat'],
      ['PROVISIONING_MALFORMED', 'InternalServiceFault'],
    ];
    for (const [code, sub] of cases) assert.equal(faultSubcodeFor(code), sub, code);
  });
});
