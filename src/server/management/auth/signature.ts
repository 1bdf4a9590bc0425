/**
 * `MDM-Signature`: a base64 CMS SignedData, detached, over the request body ([MS-MDM] §2.1; DMClient
 * RequireMessageSigning). It proves the body came from whoever holds the signer certificate's key, which
 * matters when TLS ends at a proxy: the signer must then be the very enrollment the message claims to be.
 * This module checks the signature and returns the signer; whether that signer may speak for the enrollment is
 * auth/index.ts's decision.
 */
import { createHash, webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

export const SIGNATURE_HEADER = 'mdm-signature';

// An explicit engine, so nothing depends on who set pkijs' process-global one first.
const ENGINE = new pkijs.CryptoEngine({
  name: 'node',
  crypto: webcrypto as unknown as ConstructorParameters<typeof pkijs.CryptoEngine>[0]['crypto'],
});
/** A signature with a certificate chain is a few kB; anything far beyond is not one. */
const MAX_SIGNATURE_CHARS = 64 * 1024;

export type SignatureCheck = { ok: true; signerDer: Uint8Array } | { ok: false; reason: string };

function toArrayBuffer(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** Verifies a detached signature over `body`; the signer's certificate must travel inside the SignedData. */
export async function verifyMessageSignature(header: string, body: Uint8Array): Promise<SignatureCheck> {
  const text = header.trim();
  if (text.length > MAX_SIGNATURE_CHARS || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
    return { ok: false, reason: 'MDM-Signature is not base64' };
  }
  const der = Buffer.from(text, 'base64');
  const asn = asn1js.fromBER(der);
  if (asn.offset === -1 || asn.offset !== der.byteLength) {
    return { ok: false, reason: 'MDM-Signature is not a single DER value' };
  }
  let sd: pkijs.SignedData;
  try {
    const info = new pkijs.ContentInfo({ schema: asn.result });
    if (info.contentType !== pkijs.ContentInfo.SIGNED_DATA)
      return { ok: false, reason: 'MDM-Signature is not CMS SignedData' };
    sd = new pkijs.SignedData({ schema: info.content });
  } catch (e) {
    return { ok: false, reason: `MDM-Signature cannot be decoded: ${(e as Error).message}` };
  }
  if (sd.signerInfos.length !== 1)
    return { ok: false, reason: `MDM-Signature has ${sd.signerInfos.length} signers, not one` };
  if (sd.encapContentInfo.eContent) return { ok: false, reason: 'MDM-Signature is not detached: it carries content' };
  try {
    const result = await sd.verify(
      { signer: 0, data: toArrayBuffer(body), checkChain: false, extendedMode: true },
      ENGINE,
    );
    if (!result.signatureVerified || !result.signerCertificate) {
      return { ok: false, reason: 'MDM-Signature does not verify over the body' };
    }
    return { ok: true, signerDer: new Uint8Array(result.signerCertificate.toSchema().toBER(false)) };
  } catch (e) {
    // pkijs reports a wrong digest, an unknown signer and unsupported algorithms alike by throwing.
    const why = (e as { message?: unknown })?.message;
    return { ok: false, reason: `MDM-Signature does not verify: ${typeof why === 'string' ? why : 'rejected'}` };
  }
}

/**
 * A detached signature the way a device makes one: SHA-256, signed contentType and messageDigest attributes,
 * the signer certificate included. For the device emulator and tests.
 */
export async function signMessage(
  body: Uint8Array,
  certificateDer: Uint8Array,
  privateKey: webcrypto.CryptoKey,
): Promise<string> {
  const cert = pkijs.Certificate.fromBER(certificateDer);
  const digest = createHash('sha256').update(body).digest();
  const signedAttrs = new pkijs.SignedAndUnsignedAttributes({
    type: 0,
    attributes: [
      new pkijs.Attribute({
        type: '1.2.840.113549.1.9.3',
        values: [new asn1js.ObjectIdentifier({ value: pkijs.ContentInfo.DATA })],
      }),
      new pkijs.Attribute({ type: '1.2.840.113549.1.9.4', values: [new asn1js.OctetString({ valueHex: digest })] }),
    ],
  });
  const sd = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: pkijs.ContentInfo.DATA }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }),
        signedAttrs,
      }),
    ],
    certificates: [cert],
  });
  await sd.sign(privateKey, 0, 'SHA-256', undefined, ENGINE);
  const info = new pkijs.ContentInfo({ contentType: pkijs.ContentInfo.SIGNED_DATA, content: sd.toSchema(true) });
  return Buffer.from(info.toSchema().toBER(false)).toString('base64');
}
