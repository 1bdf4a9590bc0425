import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CertificateAuthority } from './ca.ts';
import { claimPair, writeAtomic } from './ca-files.ts';

export interface TlsMaterial {
  certPem: string;
  keyPem: string;
  /** True when windc issued the certificate itself (devices must then trust windc's CA for TLS too). */
  selfIssued: boolean;
}

const RENEW_BEFORE_MS = 30 * 86_400_000;

/**
 * The server's own TLS identity. An operator's certificate is used as given; otherwise windc issues one from
 * its CA for the public host name, and issues a new one when the name changes or expiry is near, so a demo
 * never stops working after a year.
 */
export async function loadServerTls(opts: {
  dataDir: string;
  publicUrl: string;
  ca: CertificateAuthority;
  certPath?: string | undefined;
  keyPath?: string | undefined;
}): Promise<TlsMaterial> {
  if (opts.certPath && opts.keyPath) {
    return {
      certPem: await readFile(opts.certPath, 'utf8'),
      keyPem: await readFile(opts.keyPath, 'utf8'),
      selfIssued: false,
    };
  }
  const certPath = join(opts.dataDir, 'tls-cert.pem');
  const keyPath = join(opts.dataDir, 'tls-key.pem');
  const host = new URL(opts.publicUrl).hostname.replace(/^\[|\]$/g, '');
  const names = [...new Set([host, 'localhost', '127.0.0.1', '::1'])];
  if (existsSync(certPath) && existsSync(keyPath)) {
    const certPem = await readFile(certPath, 'utf8');
    const cert = new X509Certificate(certPem);
    const fresh = new Date(cert.validTo).getTime() - Date.now() > RENEW_BEFORE_MS;
    const covers = /[\d:]/.test(host) && !/[a-z]/i.test(host) ? cert.checkIP(host) : cert.checkHost(host);
    const keyPem = await readFile(keyPath, 'utf8');
    // Two processes renewing at once can leave one's key beside the other's certificate (the pair is two
    // files); such a pair is never served, it is replaced like an expiring one.
    if (fresh && covers && cert.checkIssued(new X509Certificate(opts.ca.certPem)) && matches(cert, keyPem)) {
      return { certPem, keyPem, selfIssued: true };
    }
  }
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const issued = await opts.ca.issueServerCertificate({
    publicKey: publicKey.export({ format: 'der', type: 'spki' }),
    hostnames: names,
    validityDays: 397,
  });
  const keyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  if (!existsSync(keyPath)) {
    // First start: processes starting together must end up with one pair on disk (see claimPair).
    const claimed = await claimPair({ key: keyPath, cert: certPath }, { keyPem, certPem: issued.pem });
    return { certPem: claimed.certPem, keyPem: claimed.keyPem, selfIssued: true };
  }
  await writeAtomic(keyPath, keyPem, 0o600);
  await writeAtomic(certPath, issued.pem, 0o644);
  return { certPem: issued.pem, keyPem, selfIssued: true };
}

function matches(cert: X509Certificate, keyPem: string): boolean {
  try {
    return cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}
