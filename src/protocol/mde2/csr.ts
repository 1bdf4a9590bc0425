import { webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import { ProtocolError } from '../errors.ts';
import { decodeBase64 } from './base64.ts';

/**
 * PKCS#10 (RFC 2986) as Windows' enrollment client writes it. A strict parser refuses Windows' CSRs: the CN is a
 * PrintableString holding `!` and a trailing NUL, and the signature OID is the old OIW sha1WithRSA
 * (1.3.14.3.2.29), which @peculiar/x509 cannot verify. So this reads the structure with asn1js directly and
 * verifies with WebCrypto over the exact CertificationRequestInfo bytes.
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
const BER_LIMITS = { maxDepth: 16, maxNodes: 4096, parseEmbedded: false } as const;

function bad(message: string): never {
  throw new ProtocolError('CSR_MALFORMED', message);
}

function parseBer(bytes: Uint8Array, what: string): asn1js.AsnType {
  let res: ReturnType<typeof asn1js.fromBER>;
  try {
    res = asn1js.fromBER(bytes, BER_LIMITS);
  } catch (e) {
    return bad(`${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (res.offset !== bytes.byteLength || res.result.error) bad(`${what} is not a single valid DER value`);
  return res.result;
}

function seq(b: asn1js.AsnType | undefined, what: string): asn1js.AsnType[] {
  if (!(b instanceof asn1js.Sequence)) return bad(`${what} is not a SEQUENCE`);
  return b.valueBlock.value;
}

function oid(b: asn1js.AsnType | undefined, what: string): string {
  if (!(b instanceof asn1js.ObjectIdentifier)) return bad(`${what} is not an OBJECT IDENTIFIER`);
  return b.valueBlock.toString();
}

function bits(b: asn1js.AsnType | undefined, what: string): Uint8Array {
  if (!(b instanceof asn1js.BitString) || b.valueBlock.unusedBits !== 0) return bad(`${what} is not a BIT STRING`);
  return b.valueBlock.valueHexView;
}

function raw(b: asn1js.AsnType): Uint8Array {
  return b.valueBeforeDecodeView;
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
  const [infoBlock, algBlock, sigBlock, ...rest] = seq(parseBer(der, 'PKCS#10 request'), 'CertificationRequest');
  if (!infoBlock || rest.length > 0) bad('CertificationRequest must have exactly three parts');
  const [versionBlock, nameBlock, spkiBlock, attrsBlock, ...more] = seq(infoBlock, 'CertificationRequestInfo');
  if (more.length > 0) bad('CertificationRequestInfo has extra parts');
  if (!(versionBlock instanceof asn1js.Integer)) bad('version is not an INTEGER');

  const subject = readName(nameBlock);
  const cn = subject.find((a) => a.oid === OID.commonName)?.value;
  const { attributes, extensions } = readAttributes(attrsBlock);
  const out: DecodedCsr = {
    der,
    version: versionBlock.valueBlock.valueDec,
    subject,
    publicKey: readSpki(spkiBlock),
    signatureAlgorithmOid: oid(seq(algBlock, 'signatureAlgorithm')[0], 'signatureAlgorithm'),
    certificationRequestInfo: raw(infoBlock),
    signature: bits(sigBlock, 'signature'),
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

function readName(b: asn1js.AsnType | undefined): CsrNameAttribute[] {
  const out: CsrNameAttribute[] = [];
  for (const rdn of seq(b, 'subject')) {
    if (!(rdn instanceof asn1js.Set)) bad('subject RDN is not a SET');
    for (const atv of rdn.valueBlock.value) {
      const [t, v] = seq(atv, 'subject attribute');
      if (!(v instanceof asn1js.BaseStringBlock)) bad('subject attribute value is not a string');
      out.push({ oid: oid(t, 'subject attribute type'), value: v.getValue(), tag: v.idBlock.tagNumber });
    }
  }
  return out;
}

function readSpki(b: asn1js.AsnType | undefined): CsrPublicKey {
  const [alg, key] = seq(b, 'subjectPKInfo');
  const [algOid, params] = seq(alg, 'subjectPKInfo algorithm');
  const out: CsrPublicKey = { algorithmOid: oid(algOid, 'public key algorithm'), spki: raw(b as asn1js.AsnType) };
  const keyBits = bits(key, 'subjectPublicKey');
  if (out.algorithmOid === OID.rsaEncryption) {
    const [n, e] = seq(parseBer(keyBits, 'RSA public key'), 'RSAPublicKey');
    if (!(n instanceof asn1js.Integer) || !(e instanceof asn1js.Integer)) bad('RSAPublicKey is not two INTEGERs');
    const mod = n.valueBlock.valueHexView;
    const lead = mod[0] === 0 ? 1 : 0;
    const top = mod[lead] ?? 0;
    out.rsa = {
      modulusBits: (mod.length - lead - 1) * 8 + (top === 0 ? 0 : 32 - Math.clz32(top)),
      publicExponent: e.valueBlock.valueDec,
    };
  } else if (out.algorithmOid === OID.ecPublicKey) {
    out.ecCurveOid = oid(params, 'EC curve');
  }
  return out;
}

function readAttributes(b: asn1js.AsnType | undefined): Pick<DecodedCsr, 'attributes' | 'extensions'> {
  const attributes: DecodedCsr['attributes'] = [];
  const extensions: CsrExtension[] = [];
  if (b === undefined) return { attributes, extensions };
  // attributes is [0] IMPLICIT SET OF Attribute: context class 3, tag 0, constructed.
  if (b.idBlock.tagClass !== 3 || b.idBlock.tagNumber !== 0 || !(b instanceof asn1js.Constructed)) {
    bad('attributes are not [0] IMPLICIT');
  }
  for (const a of b.valueBlock.value) {
    const [t, vals] = seq(a, 'attribute');
    if (!(vals instanceof asn1js.Set)) bad('attribute values are not a SET');
    const type = oid(t, 'attribute type');
    attributes.push({ oid: type, values: vals.valueBlock.value.map(raw) });
    if (type !== OID.extensionRequest && type !== OID.msCertExtensions) continue;
    for (const v of vals.valueBlock.value) {
      for (const ext of seq(v, 'Extensions')) {
        const parts = seq(ext, 'Extension');
        const critical = parts.length === 3 && parts[1] instanceof asn1js.Boolean ? parts[1].valueBlock.value : false;
        const value = parts[parts.length - 1];
        if (!(value instanceof asn1js.OctetString) || parts.length < 2 || parts.length > 3) {
          bad('Extension is not OID, [critical,] OCTET STRING');
        }
        extensions.push({ oid: oid(parts[0], 'extension id'), critical, value: value.valueBlock.valueHexView });
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

interface VerifyParams {
  key: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams;
  verify: webcrypto.AlgorithmIdentifier | webcrypto.EcdsaParams;
}

function verifyParams(csr: DecodedCsr): VerifyParams {
  const rsa = (hash: string): VerifyParams => ({
    key: { name: 'RSASSA-PKCS1-v1_5', hash },
    verify: { name: 'RSASSA-PKCS1-v1_5' },
  });
  const curve = { '1.2.840.10045.3.1.7': 'P-256', '1.3.132.0.34': 'P-384', '1.3.132.0.35': 'P-521' }[
    csr.publicKey.ecCurveOid ?? ''
  ];
  const ec = (hash: string): VerifyParams | undefined =>
    curve ? { key: { name: 'ECDSA', namedCurve: curve }, verify: { name: 'ECDSA', hash } } : undefined;
  const byOid: Record<string, VerifyParams | undefined> = {
    [OID.sha1WithRsaOiw]: rsa('SHA-1'),
    [OID.sha1WithRsa]: rsa('SHA-1'),
    [OID.sha256WithRsa]: rsa('SHA-256'),
    [OID.sha384WithRsa]: rsa('SHA-384'),
    [OID.sha512WithRsa]: rsa('SHA-512'),
    [OID.ecdsaWithSha256]: ec('SHA-256'),
    [OID.ecdsaWithSha384]: ec('SHA-384'),
  };
  const p = byOid[csr.signatureAlgorithmOid];
  const keyMatches = p !== undefined && (p.key.name === 'ECDSA') === (csr.publicKey.algorithmOid === OID.ecPublicKey);
  if (!p || !keyMatches) {
    throw new ProtocolError(
      'CSR_UNSUPPORTED_ALGORITHM',
      `signature algorithm ${csr.signatureAlgorithmOid} with key ${csr.publicKey.algorithmOid} is not supported`,
    );
  }
  return p;
}

/**
 * Proof of possession: the request is signed by the key it asks to have certified. False means a bad signature;
 * an unreadable key or unsupported algorithm throws, since that is a different answer for the client.
 */
export async function verifyCsrSignature(csr: DecodedCsr): Promise<boolean> {
  const p = verifyParams(csr);
  let key: webcrypto.CryptoKey;
  try {
    key = await webcrypto.subtle.importKey('spki', csr.publicKey.spki, p.key, false, ['verify']);
  } catch (e) {
    throw new ProtocolError('CSR_MALFORMED', `public key cannot be imported: ${String(e)}`, undefined, { cause: e });
  }
  const sig = p.key.name === 'ECDSA' ? ecdsaDerToRaw(csr.signature, key) : csr.signature;
  if (!sig) return false;
  return webcrypto.subtle.verify(p.verify, key, sig, csr.certificationRequestInfo);
}

/** X.509 carries ECDSA signatures as DER SEQUENCE { r, s }; WebCrypto wants fixed-width r || s. */
function ecdsaDerToRaw(der: Uint8Array, key: webcrypto.CryptoKey): Uint8Array | undefined {
  const curve = (key.algorithm as webcrypto.EcKeyAlgorithm).namedCurve;
  const size = curve === 'P-256' ? 32 : curve === 'P-384' ? 48 : 66;
  let parts: asn1js.AsnType[];
  try {
    parts = seq(parseBer(der, 'ECDSA signature'), 'ECDSA signature');
  } catch {
    return undefined;
  }
  const out = new Uint8Array(size * 2);
  for (const [i, p] of parts.entries()) {
    if (i > 1 || !(p instanceof asn1js.Integer)) return undefined;
    let v = p.valueBlock.valueHexView;
    while (v.length > size && v[0] === 0) v = v.subarray(1);
    if (v.length > size) return undefined;
    out.set(v, i * size + size - v.length);
  }
  return parts.length === 2 ? out : undefined;
}
