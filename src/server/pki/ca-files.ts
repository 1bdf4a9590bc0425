import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
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
    return { ca: await CertificateAuthority.load(await readPair({ key: keyPath, cert: certPath })), created: false };
  }
  if (existsSync(certPath)) {
    // Half a CA means something went wrong earlier; inventing a new one would orphan every enrolled device.
    throw new Error(`incomplete CA in ${opts.dataDir}: ${CA_CERT_FILE} and ${CA_KEY_FILE} must both exist`);
  }
  if (existsSync(keyPath)) {
    // A key alone is another process half-way through creating the CA: wait for its certificate.
    return { ca: await CertificateAuthority.load(await waitForPair({ key: keyPath, cert: certPath })), created: false };
  }
  await mkdir(opts.dataDir, { recursive: true });
  const mine = await CertificateAuthority.create();
  const claimed = await claimPair({ key: keyPath, cert: certPath }, mine.material());
  return { ca: claimed.won ? mine : await CertificateAuthority.load(claimed), created: claimed.won };
}

export interface PemPair {
  keyPem: string;
  certPem: string;
}

/**
 * Puts a new key and certificate in the data dir unless another process got there first, and says which pair is
 * there now. Processes starting together on one data dir (replicas sharing a volume) each make a pair; the first
 * to link its key wins, the others use the winner's pair. Plain write-then-rename let the last writer win on disk
 * while the first had already registered its CA in the database, so every later start was refused.
 */
export async function claimPair(
  paths: { key: string; cert: string },
  mine: PemPair,
): Promise<PemPair & { won: boolean }> {
  const tag = `${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const [tmpKey, tmpCert] = [`${paths.key}.${tag}`, `${paths.cert}.${tag}`];
  try {
    await writeFile(tmpKey, mine.keyPem, { mode: 0o600 });
    await writeFile(tmpCert, mine.certPem, { mode: 0o644 });
    try {
      // link, unlike rename, never replaces: exactly one process creates the key file.
      await link(tmpKey, paths.key);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      return { ...(await waitForPair(paths)), won: false };
    }
    await rename(tmpCert, paths.cert);
    return { ...mine, won: true };
  } finally {
    await rm(tmpKey, { force: true });
    await rm(tmpCert, { force: true });
  }
}

async function readPair(paths: { key: string; cert: string }): Promise<PemPair> {
  return { keyPem: await readFile(paths.key, 'utf8'), certPem: await readFile(paths.cert, 'utf8') };
}

/** The pair once its certificate is there too; the key's owner writes it right after the key. */
async function waitForPair(paths: { key: string; cert: string }, timeoutMs = 10_000): Promise<PemPair> {
  const until = Date.now() + timeoutMs;
  while (!existsSync(paths.cert)) {
    if (Date.now() > until) throw new Error(`incomplete key pair: ${paths.key} without ${paths.cert}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return readPair(paths);
}

/** Write-then-rename so a crash never leaves a truncated key or certificate behind. */
export async function writeAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, path);
}
