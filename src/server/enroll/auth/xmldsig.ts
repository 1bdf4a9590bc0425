import { createHash, timingSafeEqual, verify, X509Certificate } from 'node:crypto';
import {
  canonicalReference,
  canonicalSignedInfo,
  DSIG,
  decodeBinarySecurityToken,
  referenceDigest,
  resolveTokenReference,
  type SoapEnvelope,
  signedParts,
  VALUE_TYPES,
} from '../../../protocol/mde2/index.ts';
import type { UsedOnceStore } from '../../../store/index.ts';
import { fault } from '../faults.ts';

/**
 * The Certificate auth policy (MS-MDE2 §3.4.4.1.1.1.2): an X.509 BinarySecurityToken plus an XML-DSig signature
 * over the request made with its key. This is how an Entra-registered device authenticates its WinDC enrollment,
 * with the certificate of its parent MDM enrollment (seed 003).
 *
 * What must be signed: the wsu:Timestamp, directly or through a whole-envelope reference. WCF-style clients sign
 * only the Timestamp and rely on TLS for the body; MS-MDE2's example signs the whole envelope. Both are accepted,
 * and because a Timestamp-only signature could be lifted onto another body within its lifetime, each signature
 * value is accepted once per operation, across every process on the database (UsedOnceStore).
 */
export interface SignedRequestOptions {
  /** windc's own CA and the configured parent-MDM CAs. */
  anchors: readonly TrustAnchor[];
  now: number;
  replay: UsedOnceStore;
}

export interface TrustAnchor {
  certificate: X509Certificate;
  /** 'windc' for the built-in CA: certificates it issued are also checked against the store. */
  kind: 'windc' | 'parent';
}

export interface SignedBy {
  der: Uint8Array;
  certificate: X509Certificate;
  /** Upper-case SHA-1 hex, as windc stores and Windows shows it. */
  thumbprint: string;
  anchor: TrustAnchor;
}

const SKEW_MS = 5 * 60_000;
const MAX_TIMESTAMP_WINDOW_MS = 60 * 60_000;
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EKU = '2.5.29.37.0';

export async function verifySignedRequest(env: SoapEnvelope, opts: SignedRequestOptions): Promise<SignedBy> {
  const sec = env.security;
  const sig = sec?.signature;
  if (!sec || !sig) throw fault.invalidSecurity('NO_SIGNATURE', 'the Certificate policy needs an XML-DSig Signature');
  const stamp = sec.timestamp;
  if (!stamp?.created || !stamp.expires) {
    throw fault.invalidSecurity('NO_TIMESTAMP', 'a signed request needs a wsu:Timestamp with Created and Expires');
  }
  const created = stamp.created.getTime();
  const expires = stamp.expires.getTime();
  if (expires <= created || expires - created > MAX_TIMESTAMP_WINDOW_MS) {
    throw fault.invalidSecurity('BAD_TIMESTAMP', 'the Timestamp window is empty or longer than an hour');
  }
  if (created > opts.now + SKEW_MS || expires < opts.now - SKEW_MS) {
    throw fault.authentication('STALE_TIMESTAMP', 'the signed request is expired or not yet valid');
  }

  const der = signerCertificate(env);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(der);
  } catch {
    throw fault.invalidSecurity('BAD_CERTIFICATE', 'the signing certificate cannot be decoded');
  }

  const parts = signedParts(env.doc, sig);
  const covers = parts.some(
    (p) => p.element === stamp.element || (p.reference.uri === '' && p.element === env.envelope),
  );
  if (!covers) throw fault.authentication('UNSIGNED_TIMESTAMP', 'the signature does not cover the Timestamp');
  for (const part of parts) {
    const expected = referenceDigest(canonicalReference(env.doc, sig, part), part.reference.digestMethod);
    if (expected === undefined) {
      throw fault.invalidSecurity('BAD_DIGEST_METHOD', `digest method ${part.reference.digestMethod} is not accepted`);
    }
    if (!sameBase64(expected, part.reference.digestValue)) {
      throw fault.authentication('DIGEST_MISMATCH', `reference "${part.reference.uri}" does not match its digest`);
    }
  }
  const method = DSIG.signatures[sig.signatureMethod];
  if (!method)
    throw fault.invalidSecurity('BAD_SIGNATURE_METHOD', `signature method ${sig.signatureMethod} is not accepted`);
  if (certificate.publicKey.asymmetricKeyType !== method.key) {
    throw fault.authentication('KEY_MISMATCH', `a ${method.key} signature cannot come from this certificate's key`);
  }
  const data = Buffer.from(canonicalSignedInfo(env.doc, sig), 'utf8');
  const value = Buffer.from(sig.signatureValue.replace(/\s+/g, ''), 'base64');
  const ok =
    method.key === 'ec'
      ? verify(method.hash, data, { key: certificate.publicKey, dsaEncoding: 'ieee-p1363' }, value)
      : verify(method.hash, data, certificate.publicKey, value);
  if (!ok) throw fault.authentication('BAD_SIGNATURE', 'the request signature does not verify');

  const anchor = chainTo(certificate, opts);
  const seen = createHash('sha256').update(`${env.addressing.action} ${sig.signatureValue}`).digest('base64');
  if (!(await opts.replay.claim(`xmldsig:${seen}`, expires + SKEW_MS))) {
    throw fault.authentication('REPLAYED', 'this signed request was already used');
  }
  return {
    der,
    certificate,
    thumbprint: createHash('sha1').update(der).digest('hex').toUpperCase(),
    anchor,
  };
}

/** The certificate KeyInfo names: a SecurityTokenReference to an X509 token, or an inline X509Certificate. */
function signerCertificate(env: SoapEnvelope): Uint8Array {
  const sec = env.security;
  const keyInfo = sec?.signature?.keyInfo;
  const ref = keyInfo?.tokenReference;
  if (sec && ref) {
    const token = resolveTokenReference(sec, ref.uri);
    if (!token) throw fault.invalidSecurity('BAD_KEY_REFERENCE', `KeyInfo names no single token "${ref.uri}"`);
    // MS-MDE2 §4.3.1.3 labels the certificate token DeviceEnrollmentUserToken; §4.2.1.2 X509v3. Both mean it here.
    if (token.valueType !== VALUE_TYPES.x509v3 && token.valueType !== VALUE_TYPES.userToken) {
      throw fault.invalidSecurity('BAD_KEY_REFERENCE', `KeyInfo points at a ${token.valueType} token`);
    }
    return decodeBinarySecurityToken(token);
  }
  const inline = keyInfo?.x509Certificates[0];
  if (inline) return new Uint8Array(Buffer.from(inline.replace(/\s+/g, ''), 'base64'));
  throw fault.invalidSecurity('NO_KEY_INFO', 'the Signature does not say which certificate signed it');
}

function chainTo(cert: X509Certificate, opts: SignedRequestOptions): TrustAnchor {
  const now = opts.now;
  if (Date.parse(cert.validFrom) > now + SKEW_MS || Date.parse(cert.validTo) < now) {
    throw fault.authentication('CERT_EXPIRED', 'the signing certificate is expired or not yet valid');
  }
  if (cert.ca) throw fault.authentication('CERT_IS_CA', 'a CA certificate cannot authenticate a device');
  const eku = cert.keyUsage;
  if (eku && eku.length > 0 && !eku.includes(CLIENT_AUTH) && !eku.includes(ANY_EKU)) {
    throw fault.authentication('CERT_USAGE', 'the signing certificate is not for client authentication');
  }
  for (const anchor of opts.anchors) {
    const a = anchor.certificate;
    if (cert.checkIssued(a) && cert.verify(a.publicKey)) {
      if (Date.parse(a.validTo) < now) continue;
      return anchor;
    }
  }
  throw fault.authentication('UNTRUSTED_CERT', `certificate ${cert.subject} is not issued by a trusted parent MDM CA`);
}

function sameBase64(a: string, b: string): boolean {
  const x = Buffer.from(a, 'base64');
  const y = Buffer.from(b.replace(/\s+/g, ''), 'base64');
  return x.length === y.length && timingSafeEqual(x, y);
}
