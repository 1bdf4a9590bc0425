/**
 * Admin API authentication: `Authorization: Bearer <token>`. Tokens are stored as SHA-256 digests only, so a
 * database dump holds no usable credential. A presented token is hashed and looked up by its digest: whatever
 * the index lookup's timing reveals is about digests of guesses, and learning a digest prefix brings an attacker
 * no closer to a token (that would take a SHA-256 preimage), which is what a constant-time comparison of the
 * secret itself guarantees. Raw secrets are never compared.
 *
 * The first token: WINDC_ADMIN_TOKEN when set (stored hashed, replacing an earlier one from the environment),
 * else, when the database has no token at all, a generated one written to `<data-dir>/admin-token` (mode 0600)
 * for the operator and the CLI to read.
 */
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import { type AdminToken, type Store, StoreError } from '../../store/index.ts';
import { ApiError } from './errors.ts';

export const ADMIN_TOKEN_FILE = 'admin-token';
const ENV_TOKEN_NAME = 'environment';
const GENERATED_TOKEN_NAME = 'bootstrap';

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function generateToken(): string {
  return `wdc_${randomBytes(32).toString('base64url')}`;
}

/**
 * Makes sure an admin can get in. Returns where the generated token was written, if one was. Several processes
 * starting at once on one database race harmlessly: the name is unique, so one wins and the others keep theirs.
 */
export async function bootstrapToken(
  store: Store,
  opts: { envToken: string | undefined; dataDir: string },
): Promise<{ generatedFile?: string }> {
  const tokens = await store.tokens.list();
  if (opts.envToken) {
    if (opts.envToken.length < 16) throw new Error('WINDC_ADMIN_TOKEN must be at least 16 characters');
    const hash = hashToken(opts.envToken);
    if (await store.tokens.authenticate(hash)) return {};
    for (const t of tokens) {
      if (t.name.startsWith(ENV_TOKEN_NAME) && t.revokedAt === null) await store.tokens.revoke(t.id);
    }
    await createQuietly(store, `${ENV_TOKEN_NAME}-${Date.now()}`, hash);
    return {};
  }
  if (tokens.length > 0) return {};
  const token = generateToken();
  if (!(await createQuietly(store, GENERATED_TOKEN_NAME, hashToken(token)))) return {};
  const file = join(opts.dataDir, ADMIN_TOKEN_FILE);
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return { generatedFile: file };
}

async function createQuietly(store: Store, name: string, tokenHash: string): Promise<boolean> {
  try {
    await store.tokens.create({ name, tokenHash, scopes: ['admin'] });
    return true;
  } catch (e) {
    if (e instanceof StoreError && e.code === 'CONFLICT') return false;
    throw e;
  }
}

/** The token a request presents, authenticated; throws AUTH_REQUIRED or AUTH_INVALID. */
export async function authenticate(store: Store, req: FastifyRequest): Promise<AdminToken> {
  const header = req.headers.authorization;
  const m = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!m) throw new ApiError('AUTH_REQUIRED', 'send Authorization: Bearer <token>');
  const token = await store.tokens.authenticate(hashToken(m[1] as string));
  if (!token) throw new ApiError('AUTH_INVALID', 'the token is unknown, revoked or expired');
  return token;
}
