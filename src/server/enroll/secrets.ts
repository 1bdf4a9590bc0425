import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Store } from '../../store/index.ts';
import { StoreError } from '../../store/index.ts';
import { writeAtomic } from '../pki/ca-files.ts';

/**
 * Enrollment secrets are what a person types into Windows' "Access work or school" password box, so they are
 * made to be typed: 25 characters of Crockford's base32 (no I, L, O, U) in groups of five, 125 bits. Case,
 * dashes and spaces are ignored when checking, and the store only sees the SHA-256 of the normalised form.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const LENGTH = 25;

export const SECRET_FILE = 'enroll-secret';
export const INITIAL_SECRET_NAME = 'initial';

export function generateSecret(): string {
  const bytes = randomBytes(LENGTH);
  let s = '';
  // 256 is a multiple of 32, so taking each byte mod 32 is unbiased.
  for (const b of bytes) s += ALPHABET[b & 31];
  return (s.match(/.{5}/g) as string[]).join('-');
}

export function normaliseSecret(typed: string): string {
  return typed.replace(/[\s-]/g, '').toUpperCase();
}

export function hashSecret(typed: string): string {
  return createHash('sha256').update(normaliseSecret(typed), 'utf8').digest('hex');
}

export function secretNameOk(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name);
}

export interface InitialSecret {
  /** The secret when it was created now (print it once); undefined when one already existed. */
  created?: string;
  path: string;
}

/**
 * On a fresh install, makes one secret so a demo enrolls at once: written to `<data-dir>/enroll-secret`
 * (owner-only) for the operator to read. Nothing happens once any secret has ever existed, so a revoked
 * initial secret stays revoked. Several processes starting together on one database race on the name; the
 * loser simply finds the winner's secret.
 */
export async function ensureInitialSecret(store: Store, dataDir: string): Promise<InitialSecret> {
  const path = join(dataDir, SECRET_FILE);
  if ((await store.secrets.list()).length > 0) return { path };
  const secret = generateSecret();
  try {
    await store.secrets.create({ name: INITIAL_SECRET_NAME, secretHash: hashSecret(secret) });
  } catch (e) {
    if (e instanceof StoreError && e.code === 'CONFLICT') return { path };
    throw e;
  }
  await writeAtomic(path, `${secret}\n`, 0o600);
  return { created: secret, path };
}
