import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * OnPremise enrollment users configured by file, for sites that want a per-person credential instead of a
 * shared enrollment secret. One `name:scrypt$N$r$p$salt$hash` line each (salt and hash base64); blank lines and
 * `#` comments are ignored. `windc secrets hash-user` prints such a line. Names are matched case-insensitively,
 * since Windows users type them as e-mail addresses.
 */
export interface UserDirectory {
  /** True when the password is right for the user; false for a wrong password or an unknown user alike. */
  verify(username: string, password: string): boolean;
  readonly size: number;
}

const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 32 };
// Spent on unknown names too, so response time does not tell which user names exist.
const DUMMY = hashPassword('windc-timing-equaliser');

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function parseHash(encoded: string): ParsedHash | undefined {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(encoded);
  if (!m) return undefined;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Bounds keep a hostile file from making each login cost gigabytes or minutes.
  if (N < 2 || N > 1 << 20 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return undefined;
  const key = Buffer.from(m[5] as string, 'base64');
  if (key.length < 16) return undefined;
  return { N, r, p, salt: Buffer.from(m[4] as string, 'base64'), key };
}

export function verifyPassword(password: string, encoded: string): boolean {
  const h = parseHash(encoded);
  if (!h) return false;
  const got = scryptSync(password, h.salt, h.key.length, { N: h.N, r: h.r, p: h.p, maxmem: 256 * h.N * h.r + 1024 });
  return timingSafeEqual(got, h.key);
}

export function parseUsers(text: string, source = 'users file'): UserDirectory {
  const users = new Map<string, string>();
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.lastIndexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const hash = line.slice(colon + 1).trim();
    if (colon <= 0 || name === '' || !parseHash(hash)) {
      throw new Error(`${source} line ${i + 1}: expected name:scrypt$N$r$p$salt$hash`);
    }
    if (users.has(name)) throw new Error(`${source} line ${i + 1}: user ${name} appears twice`);
    users.set(name, hash);
  }
  return {
    size: users.size,
    verify(username, password) {
      const hash = users.get(username.trim().toLowerCase());
      const ok = verifyPassword(password, hash ?? DUMMY);
      return hash !== undefined && ok;
    },
  };
}

export function loadUsers(path: string | undefined): UserDirectory {
  if (!path) return parseUsers('');
  return parseUsers(readFileSync(path, 'utf8'), path);
}
