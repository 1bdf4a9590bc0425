import { createHash, type KeyObject, randomBytes, sign } from 'node:crypto';
import { bitString, children, extension, oid, readTlv, seq, TAG, time, tlv, unsignedInteger } from './der.ts';

/**
 * Device certificates assembled directly in DER and signed with node:crypto. They are the one certificate
 * windc issues per enrollment, so their cost bounds enrollments per second: this path is a template fill plus
 * one RSA signature, where a general X.509 builder spent several times the signature on object models.
 *
 * Shape (RFC 5280): v3, 128-bit random serial, sha256WithRSAEncryption, subject CN = DeviceID, the CSR's key as
 * sent, basicConstraints CA:FALSE and keyUsage digitalSignature+keyEncipherment (both critical), extKeyUsage
 * clientAuth, authority and subject key identifiers.
 */
export interface IssuerTemplate {
  /** DER of the CA certificate's subject Name, copied byte for byte into each issuer field. */
  issuerName: Buffer;
  /** keyIdentifier for AuthorityKeyIdentifier: the CA's own SubjectKeyIdentifier. */
  authorityKeyId: Buffer;
  key: KeyObject;
}

const OIDS = {
  sha256WithRsa: '1.2.840.113549.1.1.11',
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  authorityKeyId: '2.5.29.35',
  subjectKeyId: '2.5.29.14',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

const SIGNATURE_ALGORITHM = seq(oid(OIDS.sha256WithRsa), tlv(TAG.null, Buffer.alloc(0)));
const VERSION_3 = tlv(0xa0, tlv(TAG.integer, Buffer.from([2])));
const FIXED_EXTENSIONS = Buffer.concat([
  extension(OIDS.basicConstraints, true, seq()),
  // digitalSignature (bit 0) and keyEncipherment (bit 2): 1010 0000 with 5 unused bits.
  extension(OIDS.keyUsage, true, tlv(TAG.bitString, Buffer.from([5, 0xa0]))),
  extension(OIDS.extKeyUsage, false, seq(oid(OIDS.clientAuth))),
]);

/** Reads what every issued certificate copies from the CA certificate. */
export function issuerTemplate(caDer: Uint8Array, key: KeyObject): IssuerTemplate {
  const cert = readTlv(caDer, 0);
  const tbs = children(caDer, cert)[0];
  if (!tbs) throw new Error('CA certificate has no TBSCertificate');
  const fields = children(caDer, tbs);
  // version [0] is optional; subject is the sixth field after it (serial, signature, issuer, validity, subject).
  const first = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = fields[first + 4];
  const spki = fields[first + 5];
  if (!subject || !spki) throw new Error('CA certificate TBSCertificate is truncated');
  const extensions = fields.find((f) => f.tag === 0xa3);
  return {
    issuerName: Buffer.from(caDer.subarray(subject.offset, subject.end)),
    authorityKeyId:
      (extensions && subjectKeyIdOf(caDer, extensions)) ?? keyIdentifier(caDer.subarray(spki.offset, spki.end)),
    key,
  };
}

/** The CA's SubjectKeyIdentifier extension value, when it has one. */
function subjectKeyIdOf(der: Uint8Array, extensionsTag: { start: number; end: number }): Buffer | undefined {
  const list = children(der, extensionsTag)[0];
  if (!list) return undefined;
  const wanted = oid(OIDS.subjectKeyId);
  for (const ext of children(der, list)) {
    const parts = children(der, ext);
    const id = parts[0];
    const value = parts[parts.length - 1];
    if (!id || !value || !Buffer.from(der.subarray(id.offset, id.end)).equals(wanted)) continue;
    const inner = readTlv(der, value.start); // OCTET STRING inside the extnValue OCTET STRING
    return Buffer.from(der.subarray(inner.start, inner.end));
  }
  return undefined;
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's bits. */
export function keyIdentifier(spkiDer: Uint8Array): Buffer {
  const spki = readTlv(spkiDer, 0);
  const [, key] = children(spkiDer, spki);
  if (!key || key.tag !== TAG.bitString) throw new Error('SubjectPublicKeyInfo has no BIT STRING');
  return createHash('sha1')
    .update(spkiDer.subarray(key.start + 1, key.end))
    .digest();
}

export interface ClientCertificateParams {
  /** SubjectPublicKeyInfo DER of the device key, as the CSR carried it. */
  spki: Uint8Array;
  commonName: string;
  notBefore: Date;
  notAfter: Date;
  /** 16 random bytes unless given (tests pin it). */
  serial?: Uint8Array;
}

/** The certificate's DER and its serial's magnitude bytes (what `openssl x509 -serial` prints, in hex). */
export function buildClientCertificate(
  issuer: IssuerTemplate,
  p: ClientCertificateParams,
): { der: Buffer; serial: Buffer } {
  const serial = Buffer.from(p.serial ?? randomSerial());
  const subject = seq(tlv(TAG.set, seq(oid(OIDS.commonName), tlv(TAG.utf8String, Buffer.from(p.commonName, 'utf8')))));
  const extensions = Buffer.concat([
    FIXED_EXTENSIONS,
    extension(OIDS.authorityKeyId, false, seq(tlv(0x80, issuer.authorityKeyId))),
    extension(OIDS.subjectKeyId, false, tlv(TAG.octetString, keyIdentifier(p.spki))),
  ]);
  const tbs = seq(
    VERSION_3,
    unsignedInteger(serial),
    SIGNATURE_ALGORITHM,
    issuer.issuerName,
    seq(time(p.notBefore), time(p.notAfter)),
    subject,
    p.spki,
    tlv(0xa3, seq(extensions)),
  );
  const signature = sign('sha256', tbs, issuer.key);
  return { der: seq(tbs, SIGNATURE_ALGORITHM, bitString(signature)), serial };
}

/** Positive and never zero-padded to 17 bytes: the top bit is cleared, the first byte never zero. */
function randomSerial(): Buffer {
  const b = randomBytes(16);
  b[0] = ((b[0] as number) & 0x7f) | 0x01;
  return b;
}
