import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { ProtocolError } from '../errors.ts';
import { decodeBase64 } from './base64.ts';
import {
  childrenOf,
  content,
  DER,
  DerError,
  oidOf,
  readTlv,
  smallIntegerOf,
  stringOf,
  type Tlv,
  whole,
} from './der-read.ts';

/**
 * PKCS#10 (RFC 2986) as Windows' enrollment client writes it. A strict parser refuses Windows' CSRs: the CN is a
 * PrintableString holding `!` and a trailing NUL, and the signature OID is the old OIW sha1WithRSA
 * (1.3.14.3.2.29), which @peculiar/x509 cannot verify. So this reads the structure with a strict DER reader
 * (der-read.ts) and verifies over the exact CertificationRequestInfo bytes.
 */
export interface DecodedCsr {
  der: Uint8Array;
  version: number;
  subject: CsrNameAttribute[];
  /** The first CN exactly as encoded, trailing NUL included. */
  commonName?: string;
  /** `<GUID prefix>!<DeviceID>` from the CN, when Windows wrote one. */
  windowsIdentity?: { guidPrefix: string; deviceId: string };
  publicKey: CsrPublicKey;
  signatureAlgorithmOid: string;
  /** Bytes the signature covers: the DER of CertificationRequestInfo as sent. */
  certificationRequestInfo: Uint8Array;
  signature: Uint8Array;
  attributes: Array<{ oid: string; values: Uint8Array[] }>;
  extensions: CsrExtension[];
  /** 1.3.6.1.4.1.311.66.1.0: the DeviceID, which Windows also sends as AdditionalContext DeviceID. */
  deviceIdExtension?: string;
}

export interface CsrNameAttribute {
  oid: string;
  value: string;
  /** ASN.1 universal tag of the string type (19 PrintableString, 12 UTF8String, …). */
  tag: number;
}

export interface CsrPublicKey {
  algorithmOid: string;
  /** SubjectPublicKeyInfo DER: what a CA certifies and WebCrypto imports. */
  spki: Uint8Array;
  rsa?: { modulusBits: number; publicExponent: number };
  ecCurveOid?: string;
}

export interface CsrExtension {
  oid: string;
  critical: boolean;
  value: Uint8Array;
}

export const OID = {
  commonName: '2.5.4.3',
  rsaEncryption: '1.2.840.113549.1.1.1',
  ecPublicKey: '1.2.840.10045.2.1',
  extensionRequest: '1.2.840.113549.1.9.14',
  /** Microsoft's pre-PKCS#9 extension request attribute (szOID_CERT_EXTENSIONS). */
  msCertExtensions: '1.3.6.1.4.1.311.2.1.14',
  windowsDeviceId: '1.3.6.1.4.1.311.66.1.0',
  sha1WithRsaOiw: '1.3.14.3.2.29',
  sha1WithRsa: '1.2.840.113549.1.1.5',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  sha384WithRsa: '1.2.840.113549.1.1.12',
  sha512WithRsa: '1.2.840.113549.1.1.13',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
} as const;

const MAX_CSR_BYTES = 64 * 1024;

function bad(message: string): never {
  throw new ProtocolError('CSR_MALFORMED', message);
}

/** Runs a step of decoding, reporting the reader's structural errors as CSR_MALFORMED about `what`. */
function read<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DerError) return bad(`${what}: ${e.message}`);
    throw e;
  }
}

function seq(der: Uint8Array, t: Tlv | undefined, what: string): Tlv[] {
  if (t?.tag !== DER.sequence) return bad(`${what} is not a SEQUENCE`);
  return read(what, () => childrenOf(der, t));
}

function oid(der: Uint8Array, t: Tlv | undefined, what: string): string {
  if (t?.tag !== DER.oid) return bad(`${what} is not an OBJECT IDENTIFIER`);
  return read(what, () => oidOf(der, t));
}

function bits(der: Uint8Array, t: Tlv | undefined, what: string): Uint8Array {
  if (t?.tag !== DER.bitString || t.end === t.contentStart || der[t.contentStart] !== 0) {
    return bad(`${what} is not a BIT STRING`);
  }
  return der.subarray(t.contentStart + 1, t.end);
}

/** Accepts DER bytes, base64 (whitespace allowed) or PEM. */
export function decodeCsr(input: Uint8Array | string): DecodedCsr {
  const der =
    typeof input === 'string'
      ? decodeBase64(
          input.replace(/-----(BEGIN|END)[^-]*-----/g, ''),
          'CSR_MALFORMED',
          'PKCS#10 request',
          MAX_CSR_BYTES,
        )
      : input;
  if (der.byteLength > MAX_CSR_BYTES) bad(`PKCS#10 request is larger than ${MAX_CSR_BYTES} bytes`);
  const top = read('PKCS#10 request', () => readTlv(der, 0));
  if (top.end !== der.byteLength) bad('PKCS#10 request is not a single valid DER value');
  const [infoBlock, algBlock, sigBlock, ...rest] = seq(der, top, 'CertificationRequest');
  if (!infoBlock || rest.length > 0) bad('CertificationRequest must have exactly three parts');
  const [versionBlock, nameBlock, spkiBlock, attrsBlock, ...more] = seq(der, infoBlock, 'CertificationRequestInfo');
  if (more.length > 0) bad('CertificationRequestInfo has extra parts');
  if (versionBlock?.tag !== DER.integer) bad('version is not an INTEGER');

  const subject = readName(der, nameBlock);
  const cn = subject.find((a) => a.oid === OID.commonName)?.value;
  const { attributes, extensions } = readAttributes(der, attrsBlock);
  const out: DecodedCsr = {
    der,
    version: read('version', () => smallIntegerOf(der, versionBlock)),
    subject,
    publicKey: readSpki(der, spkiBlock),
    signatureAlgorithmOid: oid(der, seq(der, algBlock, 'signatureAlgorithm')[0], 'signatureAlgorithm'),
    certificationRequestInfo: whole(der, infoBlock),
    signature: bits(der, sigBlock, 'signature'),
    attributes,
    extensions,
  };
  if (cn !== undefined) {
    out.commonName = cn;
    const id = parseWindowsCommonName(cn);
    if (id) out.windowsIdentity = id;
  }
  const devExt = extensions.find((e) => e.oid === OID.windowsDeviceId);
  if (devExt) out.deviceIdExtension = decodeDeviceIdExtension(devExt.value);
  return out;
}

function readName(der: Uint8Array, t: Tlv | undefined): CsrNameAttribute[] {
  const out: CsrNameAttribute[] = [];
  for (const rdn of seq(der, t, 'subject')) {
    if (rdn.tag !== DER.set) bad('subject RDN is not a SET');
    for (const atv of read('subject RDN', () => childrenOf(der, rdn))) {
      const [type, value] = seq(der, atv, 'subject attribute');
      const text = value ? read('subject attribute value', () => stringOf(der, value)) : undefined;
      if (!value || text === undefined) bad('subject attribute value is not a string');
      out.push({ oid: oid(der, type, 'subject attribute type'), value: text, tag: value.tag });
    }
  }
  return out;
}

function readSpki(der: Uint8Array, t: Tlv | undefined): CsrPublicKey {
  const [alg, key] = seq(der, t, 'subjectPKInfo');
  const [algOid, params] = seq(der, alg, 'subjectPKInfo algorithm');
  const out: CsrPublicKey = { algorithmOid: oid(der, algOid, 'public key algorithm'), spki: whole(der, t as Tlv) };
  const keyBits = bits(der, key, 'subjectPublicKey');
  if (out.algorithmOid === OID.rsaEncryption) {
    const rsaTop = read('RSA public key', () => readTlv(keyBits, 0));
    if (rsaTop.end !== keyBits.length) bad('RSA public key is not a single valid DER value');
    const [n, e, ...extra] = seq(keyBits, rsaTop, 'RSAPublicKey');
    if (n?.tag !== DER.integer || e?.tag !== DER.integer || extra.length > 0) bad('RSAPublicKey is not two INTEGERs');
    const mod = content(keyBits, n);
    const lead = mod[0] === 0 ? 1 : 0;
    const top = mod[lead] ?? 0;
    out.rsa = {
      modulusBits: (mod.length - lead - 1) * 8 + (top === 0 ? 0 : 32 - Math.clz32(top)),
      publicExponent: read('RSA public exponent', () => smallIntegerOf(keyBits, e)),
    };
  } else if (out.algorithmOid === OID.ecPublicKey) {
    out.ecCurveOid = oid(der, params, 'EC curve');
  }
  return out;
}

function readAttributes(der: Uint8Array, t: Tlv | undefined): Pick<DecodedCsr, 'attributes' | 'extensions'> {
  const attributes: DecodedCsr['attributes'] = [];
  const extensions: CsrExtension[] = [];
  if (t === undefined) return { attributes, extensions };
  // attributes is [0] IMPLICIT SET OF Attribute: context class, constructed, tag 0.
  if (t.tag !== 0xa0) bad('attributes are not [0] IMPLICIT');
  for (const a of read('attributes', () => childrenOf(der, t))) {
    const [type, vals] = seq(der, a, 'attribute');
    if (vals?.tag !== DER.set) bad('attribute values are not a SET');
    const typeOid = oid(der, type, 'attribute type');
    const values = read('attribute values', () => childrenOf(der, vals));
    attributes.push({ oid: typeOid, values: values.map((v) => whole(der, v)) });
    if (typeOid !== OID.extensionRequest && typeOid !== OID.msCertExtensions) continue;
    for (const v of values) {
      for (const ext of seq(der, v, 'Extensions')) {
        const parts = seq(der, ext, 'Extension');
        const flag = parts.length === 3 ? parts[1] : undefined;
        const critical =
          flag?.tag === DER.boolean && flag.end - flag.contentStart === 1 && der[flag.contentStart] !== 0;
        const value = parts[parts.length - 1];
        if (value?.tag !== DER.octetString || parts.length < 2 || parts.length > 3) {
          bad('Extension is not OID, [critical,] OCTET STRING');
        }
        extensions.push({ oid: oid(der, parts[0], 'extension id'), critical, value: content(der, value) });
      }
    }
  }
  return { attributes, extensions };
}

/** `562A7F9A-6CD8-40B0-9E7E-0DBDD8!B5B954E8…\0`: a GUID cut to fit the 64-character CN limit, `!`, DeviceID. */
export function parseWindowsCommonName(cn: string): { guidPrefix: string; deviceId: string } | undefined {
  const clean = cn.replace(/\0+$/, '');
  const bang = clean.lastIndexOf('!');
  if (bang <= 0 || bang === clean.length - 1) return undefined;
  return { guidPrefix: clean.slice(0, bang), deviceId: clean.slice(bang + 1) };
}

/**
 * Windows writes the DeviceID as raw ASCII plus NUL straight into the extension's OCTET STRING rather than as a
 * DER string; a DER-wrapped string is unwrapped too, in case another build does it by the book.
 */
export function decodeDeviceIdExtension(value: Uint8Array): string {
  let bytes = value;
  const tag = bytes[0];
  const len = bytes[1];
  if ((tag === 0x0c || tag === 0x13 || tag === 0x16) && len !== undefined && len < 0x80 && len === bytes.length - 2) {
    bytes = bytes.subarray(2);
  }
  return Buffer.from(bytes).toString('latin1').replace(/\0+$/, '');
}

/** Hash per signature OID, and the key type that may sign with it. */
const SIGNATURES: Record<string, { hash: string; key: 'rsa' | 'ec' }> = {
  [OID.sha1WithRsaOiw]: { hash: 'sha1', key: 'rsa' },
  [OID.sha1WithRsa]: { hash: 'sha1', key: 'rsa' },
  [OID.sha256WithRsa]: { hash: 'sha256', key: 'rsa' },
  [OID.sha384WithRsa]: { hash: 'sha384', key: 'rsa' },
  [OID.sha512WithRsa]: { hash: 'sha512', key: 'rsa' },
  [OID.ecdsaWithSha256]: { hash: 'sha256', key: 'ec' },
  [OID.ecdsaWithSha384]: { hash: 'sha384', key: 'ec' },
};
const EC_CURVES = new Set(['1.2.840.10045.3.1.7', '1.3.132.0.34', '1.3.132.0.35']);

/**
 * Proof of possession: the request is signed by the key it asks to have certified. False means a bad signature;
 * an unreadable key or unsupported algorithm throws, since that is a different answer for the client. It runs
 * on node:crypto directly (synchronously, on the caller's thread): it sits on every enrollment, and a trip
 * through WebCrypto's thread pool cost more than the verification.
 */
export async function verifyCsrSignature(csr: DecodedCsr): Promise<boolean> {
  const alg = SIGNATURES[csr.signatureAlgorithmOid];
  const keyIsEc = csr.publicKey.algorithmOid === OID.ecPublicKey;
  const supported =
    alg !== undefined && (alg.key === 'ec') === keyIsEc && (!keyIsEc || EC_CURVES.has(csr.publicKey.ecCurveOid ?? ''));
  if (!alg || !supported) {
    throw new ProtocolError(
      'CSR_UNSUPPORTED_ALGORITHM',
      `signature algorithm ${csr.signatureAlgorithmOid} with key ${csr.publicKey.algorithmOid} is not supported`,
    );
  }
  let key: KeyObject;
  try {
    key = importPublicKey(csr.publicKey);
  } catch (e) {
    throw new ProtocolError('CSR_MALFORMED', `public key cannot be imported: ${String(e)}`, undefined, { cause: e });
  }
  if (key.asymmetricKeyType !== alg.key) return false;
  try {
    // X.509 carries ECDSA signatures as DER SEQUENCE { r, s }, node's default encoding.
    return verify(alg.hash, csr.certificationRequestInfo, key, csr.signature);
  } catch {
    return false;
  }
}

const JWK_CURVES: Record<string, { crv: string; size: number }> = {
  '1.2.840.10045.3.1.7': { crv: 'P-256', size: 32 },
  '1.3.132.0.34': { crv: 'P-384', size: 48 },
  '1.3.132.0.35': { crv: 'P-521', size: 66 },
};

/**
 * The key as a KeyObject. OpenSSL 3 decodes a DER SubjectPublicKeyInfo an order of magnitude slower than it
 * builds the same key from its numbers, so RSA keys and uncompressed EC points go in as JWK; anything else
 * (a compressed point) takes the DER route.
 */
function importPublicKey(pub: CsrPublicKey): KeyObject {
  const der = pub.spki;
  const [, keyTlv] = childrenOf(der, readTlv(der, 0));
  const bitsOk = keyTlv?.tag === DER.bitString && der[keyTlv.contentStart] === 0;
  if (bitsOk && pub.algorithmOid === OID.rsaEncryption) {
    const body = der.subarray(keyTlv.contentStart + 1, keyTlv.end);
    const [n, e] = childrenOf(body, readTlv(body, 0));
    if (n && e) {
      const b64 = (t: Tlv) => {
        const v = content(body, t);
        return Buffer.from(v[0] === 0 ? v.subarray(1) : v).toString('base64url');
      };
      return createPublicKey({ key: { kty: 'RSA', n: b64(n), e: b64(e) }, format: 'jwk' });
    }
  }
  const curve = JWK_CURVES[pub.ecCurveOid ?? ''];
  if (bitsOk && curve && pub.algorithmOid === OID.ecPublicKey) {
    const point = der.subarray(keyTlv.contentStart + 1, keyTlv.end);
    if (point[0] === 4 && point.length === 1 + 2 * curve.size) {
      const x = Buffer.from(point.subarray(1, 1 + curve.size)).toString('base64url');
      const y = Buffer.from(point.subarray(1 + curve.size)).toString('base64url');
      return createPublicKey({ key: { kty: 'EC', crv: curve.crv, x, y }, format: 'jwk' });
    }
  }
  return createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
}
