import 'reflect-metadata';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { before, describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import {
  buildWindowsCsr,
  contextValue,
  decodeCsr,
  decodeDeviceIdExtension,
  OID,
  parseWindowsCommonName,
  readRequestSecurityToken,
  verifyCsrSignature,
  windowsCsrCommonName,
} from '../../../src/protocol/mde2/index.ts';
import { asyncCodeOf, codeOf, SHARED_MISSING, sharedFile } from './helpers.ts';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const rsaKeys = (hash: string) =>
  webcrypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', hash, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ['sign', 'verify'],
  ) as Promise<webcrypto.CryptoKeyPair>;

/** Replaces the first occurrence of `from` with `to` (same length) in a copy of `der`. */
function patch(der: Uint8Array, from: number[], to: number[]): Uint8Array {
  const out = new Uint8Array(der);
  for (let i = 0; i + from.length <= out.length; i++) {
    if (from.every((b, j) => out[i + j] === b)) {
      out.set(to, i);
      return out;
    }
  }
  throw new Error('pattern not found');
}

describe('mde2 CSR: the real Windows 10 request', { skip: SHARED_MISSING }, () => {
  it('decodes every field and verifies its OIW sha1WithRSA signature', async () => {
    const rst = readRequestSecurityToken(sharedFile('research/samples/fleet/03-rst-enroll-request.xml'));
    const csr = decodeCsr(rst.request.der);
    assert.equal(csr.version, 0);
    assert.equal(csr.commonName, '562A7F9A-6CD8-40B0-9E7E-0DBDD8!B5B954E81FBCB94EB79BD08BE625F4EE\0');
    assert.equal(csr.commonName?.length, 64);
    assert.deepEqual(
      csr.subject.map((a) => [a.oid, a.tag]),
      [[OID.commonName, 19]],
    );
    assert.deepEqual(csr.windowsIdentity, {
      guidPrefix: '562A7F9A-6CD8-40B0-9E7E-0DBDD8',
      deviceId: 'B5B954E81FBCB94EB79BD08BE625F4EE',
    });
    assert.equal(csr.publicKey.algorithmOid, OID.rsaEncryption);
    assert.deepEqual(csr.publicKey.rsa, { modulusBits: 2048, publicExponent: 65537 });
    assert.equal(csr.publicKey.spki.length, 294);
    assert.equal(csr.signatureAlgorithmOid, OID.sha1WithRsaOiw);
    assert.deepEqual(
      csr.extensions.map((e) => [e.oid, e.critical, e.value.length]),
      [[OID.windowsDeviceId, false, 33]],
    );
    assert.deepEqual(
      csr.attributes.map((a) => a.oid),
      [OID.extensionRequest],
    );
    assert.equal(csr.deviceIdExtension, 'B5B954E81FBCB94EB79BD08BE625F4EE');
    assert.equal(csr.deviceIdExtension, contextValue(rst.context, 'DeviceID'));
    assert.equal(csr.signature.length, 256);
    assert.equal(await verifyCsrSignature(csr), true);

    const forged = decodeCsr(patch(rst.request.der, [0x42, 0x35, 0x42, 0x39], [0x42, 0x35, 0x42, 0x38]));
    assert.equal(forged.windowsIdentity?.deviceId, 'B5B854E81FBCB94EB79BD08BE625F4EE');
    assert.equal(await verifyCsrSignature(forged), false);
  });
});

describe('mde2 CSR: generated requests', () => {
  let sha1Keys: webcrypto.CryptoKeyPair;
  before(async () => {
    sha1Keys = await rsaKeys('SHA-1');
  });

  it('the emulator writes what Windows writes: 64-character CN with NUL, OIW SHA-1, DeviceID extension', async () => {
    const deviceId = '0123456789ABCDEF0123456789ABCDEF';
    const cn = windowsCsrCommonName('6f1c0a52-3e8d-4b7a-9c21-d04e5f6a7b8c', deviceId);
    assert.equal(cn, '6F1C0A52-3E8D-4B7A-9C21-D04E5F!0123456789ABCDEF0123456789ABCDEF');
    const der = await buildWindowsCsr({ keys: sha1Keys, commonName: cn, deviceId });
    const csr = decodeCsr(Buffer.from(der).toString('base64'));
    assert.equal(csr.commonName, `${cn}\0`);
    assert.equal(csr.commonName?.length, 64);
    assert.equal(csr.signatureAlgorithmOid, OID.sha1WithRsaOiw);
    assert.equal(csr.deviceIdExtension, deviceId);
    assert.deepEqual(csr.windowsIdentity, { guidPrefix: '6F1C0A52-3E8D-4B7A-9C21-D04E5F', deviceId });
    assert.deepEqual(
      new Uint8Array(csr.publicKey.spki),
      new Uint8Array(await webcrypto.subtle.exportKey('spki', sha1Keys.publicKey)),
    );
    assert.equal(await verifyCsrSignature(csr), true);
    // Any change to the signed part breaks the signature.
    const tampered = decodeCsr(patch(der, [0x30, 0x31, 0x32, 0x33], [0x30, 0x31, 0x32, 0x34]));
    assert.equal(await verifyCsrSignature(tampered), false);
  });

  it('SHA-256 keys produce sha256WithRSAEncryption; a CSR without the extension has no DeviceID', async () => {
    const der = await buildWindowsCsr({ keys: await rsaKeys('SHA-256'), commonName: 'plain' });
    const csr = decodeCsr(der);
    assert.equal(csr.signatureAlgorithmOid, OID.sha256WithRsa);
    assert.equal(csr.deviceIdExtension, undefined);
    assert.equal(csr.windowsIdentity, undefined);
    assert.deepEqual(csr.extensions, []);
    assert.equal(await verifyCsrSignature(csr), true);
  });

  it('standard CSRs from @peculiar/x509 (RSA and P-256, PEM input) decode and verify', async () => {
    const rsa = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=Büro Gerät, O=Fabrikam',
      keys: await rsaKeys('SHA-256'),
      signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
    });
    const a = decodeCsr(rsa.toString('pem'));
    assert.equal(a.commonName, 'Büro Gerät');
    assert.deepEqual(
      a.extensions.map((e) => [e.oid, e.critical]),
      [['2.5.29.15', true]],
    );
    assert.equal(await verifyCsrSignature(a), true);

    const ecKeys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as webcrypto.CryptoKeyPair;
    const ec = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=ec-device',
      keys: ecKeys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    });
    const b = decodeCsr(new Uint8Array(ec.rawData));
    assert.equal(b.publicKey.ecCurveOid, '1.2.840.10045.3.1.7');
    assert.equal(b.signatureAlgorithmOid, OID.ecdsaWithSha256);
    assert.equal(await verifyCsrSignature(b), true);
  });

  it('an algorithm windc cannot verify is CSR_UNSUPPORTED_ALGORITHM, not a bad signature', async () => {
    const der = await buildWindowsCsr({ keys: sha1Keys, commonName: 'x' });
    // 1.3.14.3.2.29 (sha1WithRSA) → 1.3.14.3.2.3 (md5WithRSA), same length.
    const md5 = decodeCsr(patch(der, [0x2b, 0x0e, 0x03, 0x02, 0x1d], [0x2b, 0x0e, 0x03, 0x02, 0x03]));
    assert.equal(await asyncCodeOf(() => verifyCsrSignature(md5)), 'CSR_UNSUPPORTED_ALGORITHM');
    // An ECDSA signature OID over an RSA key.
    const mixed = { ...decodeCsr(der), signatureAlgorithmOid: OID.ecdsaWithSha256 };
    assert.equal(await asyncCodeOf(() => verifyCsrSignature(mixed)), 'CSR_UNSUPPORTED_ALGORITHM');
    const badKey = { ...decodeCsr(der), publicKey: { ...decodeCsr(der).publicKey, spki: new Uint8Array([0x30, 0]) } };
    assert.equal(await asyncCodeOf(() => verifyCsrSignature(badKey)), 'CSR_MALFORMED');
  });

  it('refuses what is not a single PKCS#10 structure', async () => {
    const der = await buildWindowsCsr({ keys: sha1Keys, commonName: 'x' });
    const cases: Array<[string, Uint8Array | string]> = [
      ['garbage base64', 'MIIC*zjCC!AboC'],
      ['empty', ''],
      ['base64 of text', Buffer.from('hello world, not DER').toString('base64')],
      ['trailing bytes', new Uint8Array([...der, 0])],
      ['truncated', der.subarray(0, der.length - 10)],
      ['INTEGER instead of SEQUENCE', new Uint8Array([2, 1, 5])],
      ['SEQUENCE of the wrong shape', new Uint8Array([0x30, 3, 2, 1, 5])],
      ['deeply nested', new Uint8Array([...Array(200).fill([0x30, 0x80]).flat(), ...Array(400).fill(0)])],
      ['oversized', new Uint8Array(70 * 1024)],
      ['oversized base64', 'A'.repeat(100_000)],
    ];
    for (const [name, input] of cases)
      assert.equal(
        codeOf(() => decodeCsr(input)),
        'CSR_MALFORMED',
        name,
      );
  });

  it('Windows CN and DeviceID extension helpers', () => {
    assert.equal(parseWindowsCommonName('no-bang'), undefined);
    assert.equal(parseWindowsCommonName('trailing!'), undefined);
    assert.deepEqual(parseWindowsCommonName('A!B\0\0'), { guidPrefix: 'A', deviceId: 'B' });
    assert.equal(decodeDeviceIdExtension(new Uint8Array([0x41, 0x42, 0])), 'AB');
    // A DER UTF8String wrapper (a by-the-book encoder) is unwrapped.
    assert.equal(decodeDeviceIdExtension(new Uint8Array([0x0c, 2, 0x41, 0x42])), 'AB');
  });
});
