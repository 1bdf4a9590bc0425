import { webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { ProtocolError } from '../errors.ts';
import { decodeBase64 } from './base64.ts';

/**
 * The PKCS#7 (CMS SignedData) token of an MS-WSTEP Renew request: the new PKCS#10, signed with the key of the
 * certificate being renewed, which proves the requester still holds it (Learn, "Certificate Renewal"). For
 * automatic renewal (ROBO) the content is the DER request; for manual renewal Windows base64-encodes it first.
 */
export interface RenewalRequest {
  /** The PKCS#10 inside, as DER. */
  csr: Uint8Array;
  signedData: pkijs.SignedData;
}

// An explicit engine instead of pkijs' process-global one, so nothing here depends on who set that up first.
const ENGINE = new pkijs.CryptoEngine({
  name: 'node',
  crypto: webcrypto as unknown as ConstructorParameters<typeof pkijs.CryptoEngine>[0]['crypto'],
});
const MAX_BYTES = 64 * 1024;

function bad(message: string): never {
  throw new ProtocolError('CSR_MALFORMED', message);
}

export function decodeRenewalRequest(der: Uint8Array): RenewalRequest {
  if (der.byteLength > MAX_BYTES) bad(`PKCS#7 request is larger than ${MAX_BYTES} bytes`);
  const asn = asn1js.fromBER(der);
  if (asn.offset === -1 || asn.offset !== der.byteLength) bad('PKCS#7 request is not a single valid DER value');
  let signedData: pkijs.SignedData;
  try {
    const info = new pkijs.ContentInfo({ schema: asn.result });
    if (info.contentType !== pkijs.ContentInfo.SIGNED_DATA)
      bad(`PKCS#7 content type ${info.contentType} is not signedData`);
    signedData = new pkijs.SignedData({ schema: info.content });
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    return bad(`PKCS#7 request cannot be decoded: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (signedData.signerInfos.length !== 1) bad(`PKCS#7 request has ${signedData.signerInfos.length} signers, not one`);
  const content = signedData.encapContentInfo.eContent;
  if (!content) bad('PKCS#7 request carries no content');
  return { csr: unwrapContent(octets(content)), signedData };
}

/** A constructed (BER, chunked) OCTET STRING is the concatenation of its parts. */
function octets(s: asn1js.OctetString): Uint8Array {
  if (!s.idBlock.isConstructed) return s.valueBlock.valueHexView;
  const parts = s.valueBlock.value.map((p) => (p instanceof asn1js.OctetString ? octets(p) : bad('bad OCTET STRING')));
  return new Uint8Array(Buffer.concat(parts));
}

/** DER starts with a SEQUENCE tag; anything else must be the base64 text manual renewal sends. */
function unwrapContent(bytes: Uint8Array): Uint8Array {
  if (bytes[0] === 0x30) return bytes;
  const text = Buffer.from(bytes).toString('latin1');
  return decodeBase64(text.replace(/-----(BEGIN|END)[^-]*-----/g, ''), 'CSR_MALFORMED', 'PKCS#7 content', MAX_BYTES);
}

/**
 * Verifies the signature (and the signed messageDigest attribute, when present) with the signer's certificate,
 * looked up among the certificates the SignedData carries plus `extraCertificates` (the TLS client certificate
 * of a ROBO request, which Windows need not repeat inside). Returns the signer's DER, or undefined when the
 * signature does not verify or no certificate matches the signer. Chain and validity are the caller's to judge.
 */
export async function verifyRenewalRequest(
  req: RenewalRequest,
  extraCertificates: readonly Uint8Array[] = [],
): Promise<Uint8Array | undefined> {
  const sd = req.signedData;
  const extra = extraCertificates.map((d) => pkijs.Certificate.fromBER(d));
  const original = sd.certificates;
  sd.certificates = [...(original ?? []), ...extra];
  try {
    const result = await sd.verify({ signer: 0, checkChain: false, extendedMode: true }, ENGINE);
    if (!result.signatureVerified || !result.signerCertificate) return undefined;
    return new Uint8Array(result.signerCertificate.toSchema().toBER(false));
  } catch {
    // pkijs reports a wrong signature, an unknown signer and unsupported algorithms alike by throwing.
    return undefined;
  } finally {
    sd.certificates = original;
  }
}

export interface RenewalRequestInput {
  csr: Uint8Array;
  /** The certificate being renewed, and its private key (RSASSA-PKCS1-v1_5). */
  certificate: Uint8Array;
  privateKey: webcrypto.CryptoKey;
  /** Manual renewal: the PKCS#10 travels as base64 text inside the SignedData. */
  base64Content?: boolean;
  /** Leave the signer's certificate out, as a ROBO request may (the server has it from TLS). */
  omitCertificate?: boolean;
}

/** A Renew token in the shape described above, for the device emulator and tests. */
export async function buildRenewalRequest(input: RenewalRequestInput): Promise<Uint8Array> {
  const cert = pkijs.Certificate.fromBER(input.certificate);
  const content = input.base64Content
    ? new Uint8Array(Buffer.from(Buffer.from(input.csr).toString('base64')))
    : input.csr;
  const sd = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({
      eContentType: pkijs.ContentInfo.DATA,
      eContent: new asn1js.OctetString({ valueHex: content }),
    }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }),
      }),
    ],
    certificates: input.omitCertificate ? [] : [cert],
  });
  await sd.sign(input.privateKey, 0, 'SHA-256', undefined, ENGINE);
  const info = new pkijs.ContentInfo({ contentType: pkijs.ContentInfo.SIGNED_DATA, content: sd.toSchema(true) });
  return new Uint8Array(info.toSchema().toBER(false));
}
