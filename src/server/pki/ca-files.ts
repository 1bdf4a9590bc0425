import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CertificateAuthority } from './ca.ts';

export const CA_CERT_FILE = 'ca.pem';
export const CA_KEY_FILE = 'ca-key.pem';

/**
 * Loads the CA from the data dir, or creates one on first start. Explicit paths (an operator-supplied CA) win
 * and are never overwritten.
 */
export async function loadOrCreateCa(opts: {
  dataDir: string;
  certPath?: string | undefined;
  keyPath?: string | undefined;
}): Promise<{ ca: CertificateAuthority; created: boolean }> {
  if (opts.certPath || opts.keyPath) {
    if (!opts.certPath || !opts.keyPath) throw new Error('--ca-cert and --ca-key must be given together');
    const ca = await CertificateAuthority.load({
      certPem: await readFile(opts.certPath, 'utf8'),
      keyPem: await readFile(opts.keyPath, 'utf8'),
    });
    return { ca, created: false };
  }
  const certPath = join(opts.dataDir, CA_CERT_FILE);
  const keyPath = join(opts.dataDir, CA_KEY_FILE);
  if (existsSync(certPath) && existsSync(keyPath)) {
    const ca = await CertificateAuthority.load({
      certPem: await readFile(certPath, 'utf8'),
      keyPem: await readFile(keyPath, 'utf8'),
    });
    return { ca, created: false };
  }
  if (existsSync(certPath) !== existsSync(keyPath)) {
    // Half a CA means something went wrong earlier; inventing a new one would orphan every enrolled device.
    throw new Error(`incomplete CA in ${opts.dataDir}: ${CA_CERT_FILE} and ${CA_KEY_FILE} must both exist`);
  }
  await mkdir(opts.dataDir, { recursive: true });
  const ca = await CertificateAuthority.create();
  const { certPem, keyPem } = ca.material();
  await writeAtomic(keyPath, keyPem, 0o600);
  await writeAtomic(certPath, certPem, 0o644);
  return { ca, created: true };
}

/** Write-then-rename so a crash never leaves a truncated key or certificate behind. */
export async function writeAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, path);
}
