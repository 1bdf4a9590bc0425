import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { before, describe, it } from 'node:test';
import {
  ACTIONS,
  buildRequestSecurityToken,
  buildRequestSecurityTokenResponse,
  buildSecurityHeader,
  buildWindowsCsr,
  contextValue,
  contextValues,
  decodeCsr,
  NS,
  parseProvisioningDoc,
  parseSoapEnvelope,
  REQUEST_TYPES,
  readRequestSecurityToken,
  readRequestSecurityTokenResponse,
  TOKEN_TYPES,
  VALUE_TYPES,
  verifyCsrSignature,
} from '../../../src/protocol/mde2/index.ts';
import { codeOf, ownFixture, SHARED_MISSING, sharedFile } from './helpers.ts';

describe('mde2 RST: the real Windows 10 request', { skip: SHARED_MISSING }, () => {
  it('reads token type, request type, the PKCS#10 and all 18 context items in order', () => {
    const rst = readRequestSecurityToken(sharedFile('research/samples/fleet/03-rst-enroll-request.xml'));
    assert.equal(rst.messageId, 'urn:uuid:0d5a1441-5891-453b-becf-a2e5f6ea3749');
    assert.equal(rst.to, 'https://windows.fleetdm.ngrok.io/EnrollmentServer/Enrollment.svc');
    assert.equal(rst.tokenType, TOKEN_TYPES.deviceEnrollment);
    assert.equal(rst.requestType, 'Issue');
    assert.equal(rst.request.format, 'PKCS10');
    assert.equal(rst.request.valueType, VALUE_TYPES.pkcs10);
    assert.equal(rst.request.der.length, 722);
    assert.deepEqual(rst.context, [
      { name: 'UXInitiated', value: 'true' },
      { name: 'HWDevID', value: '3B3ED6D0EA88CBFCF37D36F90F22FE61172348C0162FC3840D6703149870CE76' },
      { name: 'Locale', value: 'en-US' },
      { name: 'TargetedUserLoggedIn', value: 'true' },
      { name: 'OSEdition', value: '72' },
      { name: 'DeviceName', value: 'DESKTOP-28FGAI6' },
      { name: 'MAC', value: '00-0C-29-51-60-9D' },
      { name: 'MAC', value: '1A-77-20-52-41-53' },
      { name: 'MAC', value: '1A-77-20-52-41-53' },
      { name: 'MAC', value: '00-0C-29-51-60-A7' },
      { name: 'MAC', value: '18-14-20-52-41-53' },
      { name: 'MAC', value: '00-0C-29-51-60-93' },
      { name: 'DeviceID', value: 'B5B954E81FBCB94EB79BD08BE625F4EE' },
      { name: 'EnrollmentType', value: 'Full' },
      { name: 'DeviceType', value: 'CIMClient_Windows' },
      { name: 'OSVersion', value: '10.0.19043.2364' },
      { name: 'ApplicationVersion', value: '10.0.19043.2364' },
      { name: 'NotInOobe', value: 'false' },
    ]);
    assert.equal(contextValues(rst.context, 'MAC').length, 6);
  });

  it('the real RST survives build → read unchanged (the emulator can replay a Windows request)', () => {
    const text = sharedFile('research/samples/fleet/03-rst-enroll-request.xml');
    const real = readRequestSecurityToken(text);
    const env = parseSoapEnvelope(text);
    const rebuilt = readRequestSecurityToken(
      buildRequestSecurityToken({
        messageId: real.messageId ?? '',
        to: real.to ?? '',
        security: buildSecurityHeader({
          usernameToken: { username: env.security?.usernameToken?.username ?? '', password: 'demo' },
        }),
        request: real.request,
        context: real.context,
      }),
    );
    assert.deepEqual(rebuilt, real);
  });
});

describe('mde2 RST: own fixture with a generated CSR', () => {
  let csrB64: string;
  before(async () => {
    const keys = (await webcrypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
      true,
      ['sign', 'verify'],
    )) as webcrypto.CryptoKeyPair;
    const der = await buildWindowsCsr({
      keys,
      commonName: '6F1C0A52-3E8D-4B7A-9C21-D04E5F!0123456789ABCDEF0123456789ABCDEF',
      deviceId: '0123456789ABCDEF0123456789ABCDEF',
    });
    // Wrapped at 64 columns like a pretty-printer would: the reader must not care.
    csrB64 = (
      Buffer.from(der)
        .toString('base64')
        .match(/.{1,64}/g) ?? []
    ).join('\n          ');
  });

  it('Federated RST with attestation-era context items', async () => {
    const env = parseSoapEnvelope(ownFixture('rst-request.xml').replace('__CSR__', csrB64));
    assert.equal(env.security?.binarySecurityTokens[0]?.valueType, VALUE_TYPES.userToken);
    const rst = readRequestSecurityToken(env);
    assert.equal(rst.context.length, 18);
    assert.equal(contextValue(rst.context, 'EnrollmentType'), 'Device');
    assert.equal(contextValue(rst.context, 'EmmDeviceId'), '6f1c0a52-3e8d-4b7a-9c21-d04e5f6a7b8c');
    assert.equal(contextValue(rst.context, 'AzureAttestationBlob'), '');
    assert.equal(contextValue(rst.context, 'Missing'), undefined);
    // A repeated name keeps both values, the pretty-printed one trimmed.
    assert.deepEqual(contextValues(rst.context, 'DeviceName'), ['LAB-PC-07', 'LAB-PC-07-ALT']);
    const csr = decodeCsr(rst.request.der);
    assert.equal(csr.deviceIdExtension, contextValue(rst.context, 'DeviceID'));
    assert.equal(await verifyCsrSignature(csr), true);
  });

  it('Renew and Recovery request types; a PKCS#7 renewal token', () => {
    for (const [requestType, format] of [
      ['Renew', 'PKCS7'],
      ['Recovery', 'PKCS10'],
    ] as const) {
      const xml = buildRequestSecurityToken({
        messageId: 'urn:uuid:r',
        to: 'https://windc.fabrikam.test/EnrollmentServer/Enrollment.svc',
        security: '',
        requestType,
        request: { format, der: new Uint8Array([0x30, 0x00]) },
        context: [{ name: 'DeviceID', value: 'a&b' }],
      });
      const rst = readRequestSecurityToken(xml);
      assert.equal(rst.requestType, requestType);
      assert.equal(rst.request.format, format);
      assert.deepEqual(rst.context, [{ name: 'DeviceID', value: 'a&b' }]);
    }
  });
});

describe('mde2 RSTR', () => {
  it('own fixture: Microsoft-style response with timestamp, disposition and a wrapped base64 document', () => {
    const env = parseSoapEnvelope(ownFixture('rstr-response.xml'));
    assert.equal(env.security?.timestamp?.id, '_0');
    const r = readRequestSecurityTokenResponse(env);
    assert.equal(r.tokenType, TOKEN_TYPES.deviceEnrollment);
    assert.equal(r.dispositionMessage, 'Issued');
    assert.equal(r.requestId, '0');
    assert.equal(r.relatesTo, 'urn:uuid:c4d5e6f7-1a2b-4c3d-9e8f-706050403020');
    const doc = parseProvisioningDoc(r.provisioningDoc);
    assert.equal(doc.characteristics[0]?.type, 'APPLICATION');
  });

  it('build → read: UTF-8 document text survives base64, timestamp present when asked', () => {
    const provisioningDoc =
      '<wap-provisioningdoc version="1.1"><characteristic type="Ünïcode ✓"/></wap-provisioningdoc>';
    const xml = buildRequestSecurityTokenResponse({
      provisioningDoc,
      relatesTo: 'urn:uuid:x',
      timestamp: { created: new Date('2026-03-01T10:00:00Z'), expires: new Date('2026-03-01T10:05:00Z') },
    });
    const env = parseSoapEnvelope(xml);
    assert.equal(env.addressing.action, ACTIONS.requestSecurityTokenResponse);
    assert.equal(env.security?.timestamp?.created?.toISOString(), '2026-03-01T10:00:00.000Z');
    assert.deepEqual(readRequestSecurityTokenResponse(env), {
      tokenType: TOKEN_TYPES.deviceEnrollment,
      provisioningDoc,
      requestId: '0',
      relatesTo: 'urn:uuid:x',
    });
    assert.equal(parseSoapEnvelope(buildRequestSecurityTokenResponse({ provisioningDoc })).security, undefined);
  });
});

describe('mde2 WSTEP: refusals', () => {
  const rst = (inner: string, action: string = ACTIONS.requestSecurityToken) =>
    `<s:Envelope xmlns:s="${NS.soap12}" xmlns:a="${NS.wsa}" xmlns:wst="${NS.wst}" xmlns:wsse="${NS.wsse}" xmlns:ac="${NS.ac}">` +
    `<s:Header><a:Action>${action}</a:Action></s:Header><s:Body><wst:RequestSecurityToken>${inner}</wst:RequestSecurityToken></s:Body></s:Envelope>`;
  const tt = `<wst:TokenType>${TOKEN_TYPES.deviceEnrollment}</wst:TokenType>`;
  const issue = `<wst:RequestType>${REQUEST_TYPES.Issue}</wst:RequestType>`;
  const bst = (value: string, vt: string = VALUE_TYPES.pkcs10) =>
    `<wsse:BinarySecurityToken ValueType="${vt}">${value}</wsse:BinarySecurityToken>`;
  const cases: Array<[string, string, string]> = [
    ['wrong action', rst(tt + issue + bst('MAA='), ACTIONS.getPolicies), 'SOAP_UNEXPECTED_ACTION'],
    ['no TokenType', rst(issue + bst('MAA=')), 'SOAP_MALFORMED'],
    ['foreign TokenType', rst(`<wst:TokenType>urn:x</wst:TokenType>${issue}${bst('MAA=')}`), 'SOAP_BAD_VALUE'],
    ['no RequestType', rst(tt + bst('MAA=')), 'SOAP_MALFORMED'],
    [
      'unknown RequestType',
      rst(
        `${tt}<wst:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Validate</wst:RequestType>${bst('MAA=')}`,
      ),
      'SOAP_BAD_VALUE',
    ],
    ['no token', rst(tt + issue), 'SOAP_MALFORMED'],
    ['unknown token ValueType', rst(tt + issue + bst('MAA=', VALUE_TYPES.jwt)), 'SOAP_BAD_VALUE'],
    ['garbage base64 CSR', rst(tt + issue + bst('not*base64')), 'CSR_MALFORMED'],
    ['oversized CSR', rst(tt + issue + bst('A'.repeat(100_000))), 'CSR_MALFORMED'],
    [
      'context item without Name',
      rst(
        `${tt}${issue}${bst('MAA=')}<ac:AdditionalContext><ac:ContextItem><ac:Value>v</ac:Value></ac:ContextItem></ac:AdditionalContext>`,
      ),
      'SOAP_MALFORMED',
    ],
  ];
  for (const [name, xml, code] of cases)
    it(name, () =>
      assert.equal(
        codeOf(() => readRequestSecurityToken(xml)),
        code,
      ),
    );

  const rstr = (token: string, vt: string = VALUE_TYPES.provisionDoc) =>
    `<s:Envelope xmlns:s="${NS.soap12}" xmlns:a="${NS.wsa}"><s:Header><a:Action>${ACTIONS.requestSecurityTokenResponse}</a:Action></s:Header>` +
    `<s:Body><RequestSecurityTokenResponseCollection xmlns="${NS.wst}"><RequestSecurityTokenResponse><RequestedSecurityToken>` +
    `<BinarySecurityToken xmlns="${NS.wsse}" ValueType="${vt}">${token}</BinarySecurityToken>` +
    '</RequestedSecurityToken></RequestSecurityTokenResponse></RequestSecurityTokenResponseCollection></s:Body></s:Envelope>';
  const rstrCases: Array<[string, string, string]> = [
    ['not a provisioning document', rstr('AAAA', VALUE_TYPES.pkcs7), 'SOAP_BAD_VALUE'],
    ['garbage base64', rstr('%%%%'), 'PROVISIONING_MALFORMED'],
    ['not UTF-8', rstr(Buffer.from([0xff, 0xfe, 0xfd]).toString('base64')), 'PROVISIONING_MALFORMED'],
  ];
  for (const [name, xml, code] of rstrCases) {
    it(`response: ${name}`, () =>
      assert.equal(
        codeOf(() => readRequestSecurityTokenResponse(xml)),
        code,
      ));
  }
});
