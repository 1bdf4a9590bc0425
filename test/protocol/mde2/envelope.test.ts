import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ACTIONS,
  buildSecurityHeader,
  buildSoapEnvelope,
  decodeBinarySecurityToken,
  expectAction,
  findElementById,
  NS,
  outerXml,
  parseSoapEnvelope,
  resolveTokenReference,
  signedParts,
  VALUE_TYPES,
} from '../../../src/protocol/mde2/index.ts';
import { codeOf, ownFixture, SHARED_MISSING, sharedFile } from './helpers.ts';

const ENV = (header: string, body = '<x:Op xmlns:x="urn:op"/>') =>
  `<s:Envelope xmlns:s="${NS.soap12}" xmlns:a="${NS.wsa}"><s:Header>${header}</s:Header><s:Body>${body}</s:Body></s:Envelope>`;
const ACTION = '<a:Action s:mustUnderstand="1">urn:act</a:Action>';

describe('mde2 envelope: real captures', { skip: SHARED_MISSING }, () => {
  it('GetPolicies capture: addressing headers and the OnPremise UsernameToken', () => {
    const env = parseSoapEnvelope(sharedFile('research/samples/fleet/02-getpolicies-request.xml'));
    assert.equal(env.version, '1.2');
    assert.deepEqual(env.addressing, {
      action: ACTIONS.getPolicies,
      messageId: 'urn:uuid:72048B64-0F19-448F-8C2E-B4C661860AA0',
      to: 'https://windows.fleetdm.ngrok.io/EnrollmentServer/Policy.svc',
      replyTo: 'http://www.w3.org/2005/08/addressing/anonymous',
    });
    assert.deepEqual(env.security?.usernameToken, {
      id: 'uuid-cc1ccc1f-2fba-4bcf-b063-ffc0cac77917-4',
      username: 'demio',
      password: 'demo',
      passwordType: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText',
    });
    assert.deepEqual(env.security?.binarySecurityTokens, []);
    assert.deepEqual(env.unknownMustUnderstand, []);
    assert.equal(env.payload.local, 'GetPolicies');
  });

  it('MS-MDE2 certificate example: timestamp, X509 token, signature, reference by bare GUID', () => {
    const env = parseSoapEnvelope(
      sharedFile('research/samples/windc/msmde2-doc-getpolicies-request-certificate-auth.xml'),
    );
    const sec = env.security;
    assert.ok(sec);
    assert.equal(sec.timestamp?.created?.toISOString(), '2015-06-13T21:13:37.000Z');
    assert.equal(sec.timestamp?.expires?.toISOString(), '2015-06-13T21:18:37.000Z');
    const [bst] = sec.binarySecurityTokens;
    assert.equal(bst?.id, 'uuid-29801C2F-F26B-46AD-984B-AFAEFB545FF8');
    assert.equal(bst?.valueType, VALUE_TYPES.x509v3);
    assert.equal(bst?.value, 'B64EncodedSampleBinarySecurityToken');
    const sig = sec.signature;
    assert.ok(sig);
    assert.equal(sig.canonicalizationMethod, 'http://www.w3.org/2001/10/xml-exc-c14n#');
    assert.equal(sig.signatureMethod, 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    assert.deepEqual(
      sig.references.map((r) => [r.uri, r.transforms, r.digestMethod, r.digestValue]),
      [
        [
          '',
          ['http://www.w3.org/2000/09/xmldsig#enveloped-signature'],
          'http://www.w3.org/2001/04/xmlenc#sha256',
          'hash',
        ],
      ],
    );
    assert.equal(sig.signatureValue, 'signature');
    // URI="" signs the whole document: the part is the envelope, from its first `<` to its last `>`.
    const [whole] = signedParts(env.doc, sig);
    assert.equal(whole?.element, env.envelope);
    assert.ok(whole?.source?.startsWith('<s:Envelope') && whole.source.endsWith('</s:Envelope>'));
    assert.equal(sig.keyInfo?.tokenReference?.uri, '29801C2F-F26B-46AD-984B-AFAEFB545FF8');
    // The example's reference omits the token Id's `uuid-` prefix; it still names exactly one token.
    assert.equal(resolveTokenReference(sec, sig.keyInfo?.tokenReference?.uri ?? ''), bst);
    // The sample's token is a placeholder, not base64: decoding it is a security-header error.
    assert.equal(
      codeOf(() => decodeBinarySecurityToken(bst as NonNullable<typeof bst>)),
      'WSSE_MALFORMED',
    );
  });
});

describe('mde2 envelope: own fixtures', () => {
  it('certificate-auth request: exact sources for c14n, Id lookup, unknown mustUnderstand headers', () => {
    const text = ownFixture('getpolicies-request-certificate.xml');
    const env = parseSoapEnvelope(text);
    const sec = env.security;
    assert.ok(sec?.signature && sec.timestamp);
    assert.deepEqual(env.unknownMustUnderstand, ['x:Trace']);
    assert.ok(sec.source.startsWith('<wsse:Security s:mustUnderstand="1">'));
    assert.ok(sec.source.endsWith('</wsse:Security>'));
    assert.equal(text.indexOf(sec.source) >= 0, true);
    assert.match(sec.signature.signedInfoSource, /^<ds:SignedInfo>[\s\S]*<\/ds:SignedInfo>$/);
    const [ref] = sec.signature.references;
    assert.equal(ref?.uri, '#_0');
    assert.equal(findElementById(env.envelope, ref?.uri ?? ''), sec.timestamp.element);
    const [part] = signedParts(env.doc, sec.signature);
    assert.equal(part?.element, sec.timestamp.element);
    assert.equal(part?.source, outerXml(env.doc, sec.timestamp.element));
    assert.equal(
      signedParts(env.doc, { ...sec.signature, references: [{ ...ref!, uri: '#nope' }] })[0]?.element,
      undefined,
    );
    assert.match(outerXml(env.doc, sec.timestamp.element), /^<u:Timestamp u:Id="_0">[\s\S]*<\/u:Timestamp>$/);
    // Self-closing elements have an outer source too.
    const cm = sec.signature.signedInfo.children.find((c) => c.kind === 'element');
    assert.ok(cm?.kind === 'element');
    assert.equal(
      outerXml(env.doc, cm),
      '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>',
    );
    assert.equal(sec.signature.signatureValue.replace(/\s+/g, ''), 'c2lnbmF0dXJlYnl0ZXM=');
    const token = resolveTokenReference(sec, sec.signature.keyInfo?.tokenReference?.uri ?? '');
    assert.deepEqual([...decodeBinarySecurityToken(token as NonNullable<typeof token>)], [1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('federated request: the Entra token is a BinarySecurityToken with the JWT value type', () => {
    const env = parseSoapEnvelope(ownFixture('getpolicies-request-federated.xml'));
    const [bst] = env.security?.binarySecurityTokens ?? [];
    assert.equal(bst?.valueType, VALUE_TYPES.jwt);
    assert.equal(
      Buffer.from(decodeBinarySecurityToken(bst as NonNullable<typeof bst>)).toString(),
      'eyJhbGciOiJSUzI1NiJ9.eyJ1cG4iOiJhbmEifQ.sig',
    );
  });

  it('build → parse keeps every header', () => {
    const xml = buildSoapEnvelope({
      action: ACTIONS.discoverResponse,
      messageId: 'urn:uuid:1',
      relatesTo: 'urn:uuid: with space',
      to: 'https://x.test/a?b=1&c=2',
      replyTo: 'http://www.w3.org/2005/08/addressing/anonymous',
      activityId: { id: 'act', correlationId: 'corr' },
      security: buildSecurityHeader({
        timestamp: { created: new Date(0), expires: new Date(300_000), id: '_0' },
        usernameToken: { username: 'u<1>', password: 'p&"', id: 'uuid-1' },
        binarySecurityToken: { valueType: VALUE_TYPES.userToken, value: new Uint8Array([255, 0, 1]), id: 'tok' },
      }),
      body: '<Op xmlns="urn:op"/>',
    });
    const env = parseSoapEnvelope(xml);
    assert.deepEqual(env.addressing, {
      action: ACTIONS.discoverResponse,
      messageId: 'urn:uuid:1',
      relatesTo: 'urn:uuid: with space',
      to: 'https://x.test/a?b=1&c=2',
      replyTo: 'http://www.w3.org/2005/08/addressing/anonymous',
    });
    assert.deepEqual(env.activityId, { id: 'act', correlationId: 'corr' });
    assert.equal(env.security?.timestamp?.id, '_0');
    assert.equal(env.security?.timestamp?.expires?.getTime(), 300_000);
    assert.deepEqual(
      { ...env.security?.usernameToken },
      {
        id: 'uuid-1',
        username: 'u<1>',
        password: 'p&"',
        passwordType: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText',
      },
    );
    const [bst] = env.security?.binarySecurityTokens ?? [];
    assert.equal(bst?.id, 'tok');
    assert.deepEqual([...decodeBinarySecurityToken(bst as NonNullable<typeof bst>)], [255, 0, 1]);
    assert.equal(env.payload.uri, 'urn:op');
  });

  it('expectAction names both actions when the message went to the wrong operation', () => {
    const env = parseSoapEnvelope(ENV(ACTION));
    expectAction(env, 'urn:act');
    assert.equal(
      codeOf(() => expectAction(env, ACTIONS.discover)),
      'SOAP_UNEXPECTED_ACTION',
    );
  });

  it('accepts a SOAP 1.1 envelope on input', () => {
    const env = parseSoapEnvelope(
      `<e:Envelope xmlns:e="${NS.soap11}" xmlns:a="${NS.wsa}"><e:Header>${ACTION}</e:Header><e:Body><Op/></e:Body></e:Envelope>`,
    );
    assert.equal(env.version, '1.1');
  });
});

describe('mde2 envelope: refusals', () => {
  const cases: Array<[string, string, string]> = [
    ['not an envelope', '<Discover/>', 'XML_UNEXPECTED_ROOT'],
    [
      'unknown envelope namespace',
      '<s:Envelope xmlns:s="urn:nope"><s:Body><x/></s:Body></s:Envelope>',
      'SOAP_MALFORMED',
    ],
    ['no body', `<s:Envelope xmlns:s="${NS.soap12}"><s:Header/></s:Envelope>`, 'SOAP_MALFORMED'],
    ['empty body', ENV(ACTION, ''), 'SOAP_MALFORMED'],
    ['two operations', ENV(ACTION, '<x/><y/>'), 'SOAP_MALFORMED'],
    ['no action', ENV('<a:MessageID>m</a:MessageID>'), 'SOAP_MALFORMED'],
    ['no header at all', `<s:Envelope xmlns:s="${NS.soap12}"><s:Body><x/></s:Body></s:Envelope>`, 'SOAP_MALFORMED'],
    ['two actions', ENV(ACTION + ACTION), 'SOAP_MALFORMED'],
    [
      'stray element',
      `<s:Envelope xmlns:s="${NS.soap12}"><s:Body><x/></s:Body><s:Body/></s:Envelope>`,
      'SOAP_MALFORMED',
    ],
    ['DOCTYPE', `<!DOCTYPE s:Envelope [<!ENTITY x "y">]>${ENV(ACTION)}`, 'XML_DOCTYPE_FORBIDDEN'],
    ['not XML', 'MIICzjCCAboCAQAw', 'XML_MALFORMED'],
    ['oversized', ENV(ACTION, `<x>${'A'.repeat(600 * 1024)}</x>`), 'XML_TOO_LARGE'],
    ['too deep', ENV(ACTION, `${'<d>'.repeat(40)}${'</d>'.repeat(40)}`), 'XML_TOO_DEEP'],
  ];
  for (const [name, xml, code] of cases)
    it(name, () =>
      assert.equal(
        codeOf(() => parseSoapEnvelope(xml)),
        code,
      ),
    );

  const sec = (inner: string) =>
    ENV(`${ACTION}<wsse:Security xmlns:wsse="${NS.wsse}" xmlns:u="${NS.wsu}">${inner}</wsse:Security>`);
  const secCases: Array<[string, string]> = [
    ['UsernameToken without Username', '<wsse:UsernameToken><wsse:Password>p</wsse:Password></wsse:UsernameToken>'],
    ['two UsernameTokens', '<wsse:UsernameToken><wsse:Username>a</wsse:Username></wsse:UsernameToken>'.repeat(2)],
    ['token without ValueType', '<wsse:BinarySecurityToken>AAAA</wsse:BinarySecurityToken>'],
    ['unparsable Created', '<u:Timestamp><u:Created>yesterday</u:Created></u:Timestamp>'],
    ['two Timestamps', '<u:Timestamp/><u:Timestamp/>'],
    ['Signature without SignedInfo', `<Signature xmlns="${NS.ds}"><SignatureValue>x</SignatureValue></Signature>`],
    [
      'Reference without DigestMethod',
      `<Signature xmlns="${NS.ds}"><SignedInfo><CanonicalizationMethod Algorithm="c"/><SignatureMethod Algorithm="s"/><Reference URI="#a"><DigestValue>d</DigestValue></Reference></SignedInfo><SignatureValue>x</SignatureValue></Signature>`,
    ],
    [
      'SignedInfo without Reference',
      `<Signature xmlns="${NS.ds}"><SignedInfo><CanonicalizationMethod Algorithm="c"/><SignatureMethod Algorithm="s"/></SignedInfo><SignatureValue>x</SignatureValue></Signature>`,
    ],
  ];
  for (const [name, inner] of secCases) {
    it(`security header: ${name}`, () =>
      assert.equal(
        codeOf(() => parseSoapEnvelope(sec(inner))),
        'WSSE_MALFORMED',
      ));
  }

  it('a token with a foreign EncodingType or broken base64 is WSSE_MALFORMED when decoded', () => {
    const env = parseSoapEnvelope(
      sec(
        '<wsse:BinarySecurityToken ValueType="v" EncodingType="urn:hex">00ff</wsse:BinarySecurityToken>' +
          '<wsse:BinarySecurityToken ValueType="v">@@@@</wsse:BinarySecurityToken>',
      ),
    );
    for (const t of env.security?.binarySecurityTokens ?? []) {
      assert.equal(
        codeOf(() => decodeBinarySecurityToken(t)),
        'WSSE_MALFORMED',
      );
    }
  });

  it('an ambiguous token reference resolves to nothing', () => {
    const env = parseSoapEnvelope(
      sec(
        '<wsse:BinarySecurityToken ValueType="v" u:Id="t">AAAA</wsse:BinarySecurityToken>' +
          '<wsse:BinarySecurityToken ValueType="v" u:Id="t">AAAA</wsse:BinarySecurityToken>',
      ),
    );
    assert.equal(resolveTokenReference(env.security as NonNullable<typeof env.security>, '#t'), undefined);
    assert.equal(resolveTokenReference(env.security as NonNullable<typeof env.security>, '#missing'), undefined);
  });
});
