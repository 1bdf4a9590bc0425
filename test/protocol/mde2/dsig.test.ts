import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign, verify, webcrypto } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  canonicalReference,
  canonicalSignedInfo,
  DIGEST_SHA256,
  DSIG,
  referenceDigest,
} from '../../../src/protocol/mde2/dsig.ts';
import { signEnvelope } from '../../../src/protocol/mde2/dsig-sign.ts';
import {
  buildGetPoliciesRequest,
  buildSecurityHeader,
  buildWindowsCsr,
  decodeCsr,
  parseSoapEnvelope,
  signedParts,
  VALUE_TYPES,
  windowsCsrCommonName,
} from '../../../src/protocol/mde2/index.ts';
import { buildRenewalRequest, decodeRenewalRequest, verifyRenewalRequest } from '../../../src/protocol/mde2/pkcs7.ts';
import { CertificateAuthority } from '../../../src/server/pki/ca.ts';
import { codeOf } from './helpers.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

function unsignedRequest(): string {
  return buildGetPoliciesRequest({
    messageId: 'urn:uuid:00000000-0000-4000-8000-000000000001',
    to: 'https://windc.test/EnrollmentServer/Policy.svc',
    security: buildSecurityHeader({
      timestamp: { created: new Date('2026-01-02T03:04:05Z'), expires: new Date('2026-01-02T03:09:05Z'), id: '_0' },
      binarySecurityToken: { valueType: VALUE_TYPES.x509v3, value: 'AAAA', id: 'uuid-cert' },
    }),
  });
}

function signed(referenceIds: string[]): string {
  return signEnvelope({
    envelope: unsignedRequest(),
    referenceIds,
    keyTokenId: 'uuid-cert',
    sign: (data) => sign('sha256', data, privateKey),
  });
}

describe('XML-DSig over a SOAP envelope', () => {
  it('signs a Timestamp so that each reference digest and the SignedInfo signature check out', () => {
    const env = parseSoapEnvelope(signed(['_0']));
    const sig = env.security?.signature;
    assert.ok(sig);
    assert.equal(sig.keyInfo?.tokenReference?.uri, '#uuid-cert');
    const [part] = signedParts(env.doc, sig);
    assert.equal(part?.element?.local, 'Timestamp');
    const canonical = canonicalReference(env.doc, sig, part!);
    assert.match(canonical, /^<u:Timestamp xmlns:u="[^"]+" u:Id="_0"><u:Created>/);
    assert.equal(referenceDigest(canonical, part!.reference.digestMethod), part!.reference.digestValue);
    const signedInfo = canonicalSignedInfo(env.doc, sig);
    assert.match(signedInfo, /^<SignedInfo xmlns="http:\/\/www\.w3\.org\/2000\/09\/xmldsig#">/);
    assert.ok(verify('sha256', Buffer.from(signedInfo), publicKey, Buffer.from(sig.signatureValue, 'base64')));
  });

  it('signs the whole envelope (enveloped) and digests the same bytes with the signature inside', () => {
    const env = parseSoapEnvelope(signed(['']));
    const sig = env.security!.signature!;
    const [part] = signedParts(env.doc, sig);
    assert.deepEqual(part?.reference.transforms, [DSIG.envelopedSignature, DSIG.excC14n]);
    const canonical = canonicalReference(env.doc, sig, part!);
    assert.doesNotMatch(canonical, /SignatureValue/);
    assert.equal(referenceDigest(canonical, part!.reference.digestMethod), part!.reference.digestValue);
  });

  it('detects a changed signed element', () => {
    const text = signed(['_0']).replace('2026-01-02T03:09:05', '2027-01-02T03:09:05');
    const env = parseSoapEnvelope(text);
    const sig = env.security!.signature!;
    const [part] = signedParts(env.doc, sig);
    assert.notEqual(
      referenceDigest(canonicalReference(env.doc, sig, part!), DIGEST_SHA256),
      part!.reference.digestValue,
    );
  });

  it('falls back to Canonical XML 1.0 for a reference with no canonicalization transform (MS-MDE2 §4.2.1.2)', () => {
    const text = signed(['']).replace(/<Transform Algorithm="http:\/\/www\.w3\.org\/2001\/10\/xml-exc-c14n#"\/>/, '');
    const env = parseSoapEnvelope(text);
    const sig = env.security!.signature!;
    const [part] = signedParts(env.doc, sig);
    assert.deepEqual(part?.reference.transforms, [DSIG.envelopedSignature]);
    // The root declares every prefix it uses, so inclusive and exclusive agree on the root, and both differ
    // from the source only by the expanded empty elements and removed signature.
    const canonical = canonicalReference(env.doc, sig, part!);
    assert.match(canonical, /^<s:Envelope xmlns:a=/);
  });

  it('refuses transforms and canonicalizations outside the WS-Security profile', () => {
    const text = signed(['_0']).replace(
      'http://www.w3.org/2001/10/xml-exc-c14n#"/></Transforms>',
      'http://www.w3.org/TR/1999/REC-xslt-19991116"/></Transforms>',
    );
    const env = parseSoapEnvelope(text);
    const sig = env.security!.signature!;
    assert.equal(
      codeOf(() => canonicalReference(env.doc, sig, signedParts(env.doc, sig)[0]!)),
      'WSSE_MALFORMED',
    );
    assert.equal(referenceDigest('x', 'http://www.w3.org/2000/09/xmldsig#sha1'), undefined, 'no SHA-1');
  });
});

describe('PKCS#7 renewal token', () => {
  it('round-trips a CSR signed with the old certificate, DER or base64 content, signer found inside or from TLS', async () => {
    const ca = await CertificateAuthority.create('pkcs7 test');
    const oldKeys = (await webcrypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
      true,
      ['sign', 'verify'],
    )) as webcrypto.CryptoKeyPair;
    const oldSpki = new Uint8Array(await webcrypto.subtle.exportKey('spki', oldKeys.publicKey));
    const old = await ca.issueClientCertificate({ publicKey: oldSpki, deviceId: 'DEV1', validityDays: 30 });
    const csr = await buildWindowsCsr({
      keys: oldKeys,
      commonName: windowsCsrCommonName('6f1c0d6e-2b1a-4a1e-9d5e-0a1b2c3d4e5f', 'DEV1'),
    });
    for (const base64Content of [false, true]) {
      for (const omitCertificate of [false, true]) {
        const token = await buildRenewalRequest({
          csr,
          certificate: old.der,
          privateKey: oldKeys.privateKey,
          base64Content,
          omitCertificate,
        });
        const req = decodeRenewalRequest(token);
        assert.deepEqual(
          decodeCsr(req.csr).commonName?.replace(/\0$/, ''),
          decodeCsr(csr).commonName?.replace(/\0$/, ''),
        );
        const signer = await verifyRenewalRequest(req, omitCertificate ? [old.der] : []);
        assert.ok(signer, `base64=${base64Content} omit=${omitCertificate}`);
        assert.equal(createHash('sha1').update(signer).digest('hex').toUpperCase(), old.thumbprint);
      }
    }
    const token = await buildRenewalRequest({
      csr,
      certificate: old.der,
      privateKey: oldKeys.privateKey,
      omitCertificate: true,
    });
    assert.equal(await verifyRenewalRequest(decodeRenewalRequest(token), []), undefined, 'no signer certificate');
    const tampered = Buffer.from(token);
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 5) ^ 0xff, tampered.length - 5);
    assert.equal(await verifyRenewalRequest(decodeRenewalRequest(tampered), [old.der]), undefined, 'bad signature');
    assert.equal(
      codeOf(() => decodeRenewalRequest(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]))),
      'CSR_MALFORMED',
    );
  });
});
