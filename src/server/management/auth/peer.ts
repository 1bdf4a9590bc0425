/**
 * The client certificate behind a request: from the TLS handshake, or from a header a trusted TLS-terminating
 * proxy sets. Either way the result is the certificate's thumbprint (lower-case SHA-1 of the DER, as the store
 * keys certificates) once it is proven to be issued by windc's CA; which enrollment it belongs to, and whether
 * it is still valid, is the store's answer, asked per message.
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { normalizeAddress } from '../../http/client-address.ts';

export type PresentedCertificate =
  | { ok: true; thumbprint: string; source: 'tls' | 'proxy' }
  | { ok: false; source: 'tls' | 'proxy'; reason: string };

/**
 * Per connection: reading the peer certificate costs tens of microseconds and keep-alive connections carry
 * every message of many sessions. The certificate cannot change on a TLS 1.3 connection, and a TLS 1.2
 * renegotiation could only swap in another certificate whose key the same client holds; validity and
 * revocation are still checked against the store on every message.
 */
const byConnection = new WeakMap<Socket, PresentedCertificate | null>();

export function thumbprintOf(der: Uint8Array): string {
  return createHash('sha1').update(der).digest('hex');
}

/** The certificate the TLS layer verified against windc's CA, or undefined when none was presented. */
export function tlsCertificate(socket: Socket): PresentedCertificate | undefined {
  const cached = byConnection.get(socket);
  if (cached !== undefined) return cached ?? undefined;
  const tls = socket as TLSSocket;
  let found: PresentedCertificate | null = null;
  // The legacy object form, for its DER only: building an X509Certificate costs twice as much (about 220 µs
  // against 100 µs per connection here), and every device session opens a connection.
  const cert = typeof tls.getPeerCertificate === 'function' ? tls.getPeerCertificate(false) : undefined;
  if (cert?.raw) {
    found = tls.authorized
      ? { ok: true, thumbprint: thumbprintOf(cert.raw), source: 'tls' }
      : { ok: false, source: 'tls', reason: `client certificate refused by TLS: ${String(tls.authorizationError)}` };
  }
  byConnection.set(socket, found);
  return found ?? undefined;
}

/** Header certificates verified recently, so a busy proxy does not cost an RSA verification per message. */
const fromHeader = new Map<string, { thumbprint: string; notBefore: number; notAfter: number } | string>();
const HEADER_CACHE = 4096;

function decodeHeader(value: string): Buffer | undefined {
  const v = value.trim();
  // RFC 9440 Client-Cert: a structured-field byte sequence, base64 DER between colons.
  if (v.startsWith(':') && v.endsWith(':')) return Buffer.from(v.slice(1, -1), 'base64');
  // nginx $ssl_client_escaped_cert and most others: URL-encoded PEM.
  let pem: string;
  try {
    pem = decodeURIComponent(v);
  } catch {
    return undefined;
  }
  const m = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(pem);
  return m ? Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64') : undefined;
}

/**
 * The certificate a trusted proxy forwarded. The proxy may pass certificates through unverified (nginx
 * `optional_no_ca`), so the signature is checked against windc's CA here, and the validity period too.
 */
export function proxyCertificate(value: string, ca: X509Certificate, now: number): PresentedCertificate {
  let entry = fromHeader.get(value);
  if (entry === undefined) {
    entry = inspect(value, ca);
    if (fromHeader.size >= HEADER_CACHE) fromHeader.delete(fromHeader.keys().next().value as string);
    fromHeader.set(value, entry);
  }
  if (typeof entry === 'string') return { ok: false, source: 'proxy', reason: entry };
  if (now < entry.notBefore || now > entry.notAfter) {
    return { ok: false, source: 'proxy', reason: 'forwarded client certificate is outside its validity period' };
  }
  return { ok: true, thumbprint: entry.thumbprint, source: 'proxy' };
}

function inspect(
  value: string,
  ca: X509Certificate,
): { thumbprint: string; notBefore: number; notAfter: number } | string {
  const der = decodeHeader(value);
  if (!der || der.length === 0) return 'forwarded client certificate is neither URL-encoded PEM nor :base64:';
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch (e) {
    return `forwarded client certificate cannot be parsed: ${(e as Error).message}`;
  }
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) {
    return "forwarded client certificate is not issued by windc's CA";
  }
  return {
    thumbprint: thumbprintOf(cert.raw),
    notBefore: Date.parse(cert.validFrom),
    notAfter: Date.parse(cert.validTo),
  };
}

export function peerAddress(socket: Socket): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const a = socket.remoteAddress;
  return a ? normalizeAddress(a) : undefined;
}
