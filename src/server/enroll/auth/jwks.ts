import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { JwtHeader } from './jwt.ts';

/**
 * The issuer's public keys, from a file or a URL. Keys are cached for `ttlMs`; a token whose kid is unknown
 * triggers one early refresh (issuers rotate keys before using them), at most once per `minRefreshMs` so a
 * stream of forged kids cannot turn the server into a request amplifier. When a refresh fails the previous
 * keys stay in use for up to `maxStaleMs`, so an issuer outage does not stop enrollment at once.
 */
export interface JwksOptions {
  ttlMs?: number;
  minRefreshMs?: number;
  maxStaleMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
  /** Told about refresh failures served from stale keys. */
  onStale?: (err: Error) => void;
}

export class JwksError extends Error {
  override readonly name = 'JwksError';
}

const MAX_BYTES = 1024 * 1024;

interface Loaded {
  keys: Array<{ jwk: JsonWebKey; key: KeyObject }>;
  at: number;
}

export class JwksSource {
  readonly #location: string;
  readonly #ttl: number;
  readonly #minRefresh: number;
  readonly #maxStale: number;
  readonly #now: () => number;
  readonly #fetch: typeof fetch;
  readonly #onStale: ((err: Error) => void) | undefined;
  #loaded: Loaded | undefined;
  #lastAttempt = Number.NEGATIVE_INFINITY;
  #inflight: Promise<Loaded> | undefined;

  constructor(location: string, options: JwksOptions = {}) {
    this.#location = location;
    this.#ttl = options.ttlMs ?? 10 * 60_000;
    this.#minRefresh = options.minRefreshMs ?? 30_000;
    this.#maxStale = options.maxStaleMs ?? 24 * 3_600_000;
    this.#now = options.now ?? Date.now;
    this.#fetch = options.fetch ?? fetch;
    this.#onStale = options.onStale;
  }

  /** Public keys that may have signed a token with this header (by kid when it has one). */
  async keysFor(header: JwtHeader): Promise<KeyObject[]> {
    const now = this.#now();
    let loaded = this.#loaded;
    if (!loaded || now - loaded.at >= this.#ttl) loaded = await this.#refresh();
    let found = pick(loaded, header);
    if (found.length === 0 && header.kid !== undefined && now - this.#lastAttempt >= this.#minRefresh) {
      loaded = await this.#refresh();
      found = pick(loaded, header);
    }
    return found;
  }

  #refresh(): Promise<Loaded> {
    this.#inflight ??= this.#load().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #load(): Promise<Loaded> {
    this.#lastAttempt = this.#now();
    try {
      const loaded = { keys: parseJwks(await this.#read()), at: this.#now() };
      this.#loaded = loaded;
      return loaded;
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      const stale = this.#loaded;
      if (stale && this.#now() - stale.at < this.#maxStale) {
        this.#onStale?.(err);
        return stale;
      }
      throw new JwksError(`cannot load the token key set from ${this.#location}: ${err.message}`, { cause: err });
    }
  }

  async #read(): Promise<string> {
    if (!/^https?:\/\//i.test(this.#location)) return readFile(this.#location, 'utf8');
    const res = await this.#fetch(this.#location, {
      signal: AbortSignal.timeout(5000),
      headers: { accept: 'application/json' },
      redirect: 'error',
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const length = Number(res.headers.get('content-length') ?? 0);
    if (length > MAX_BYTES) throw new Error(`key set is larger than ${MAX_BYTES} bytes`);
    const text = await res.text();
    if (text.length > MAX_BYTES) throw new Error(`key set is larger than ${MAX_BYTES} bytes`);
    return text;
  }
}

/** Signature keys only: `oct` (symmetric) entries and keys marked for encryption are dropped. */
export function parseJwks(text: string): Array<{ jwk: JsonWebKey; key: KeyObject }> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error('key set is not JSON');
  }
  const keys = (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new Error('key set has no "keys" array');
  const out: Array<{ jwk: JsonWebKey; key: KeyObject }> = [];
  for (const jwk of keys as JsonWebKey[]) {
    if (typeof jwk !== 'object' || jwk === null) continue;
    if ((jwk.kty !== 'RSA' && jwk.kty !== 'EC') || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
    try {
      // Only the public members are passed: a JWKS that leaked a private key must not turn into a signing key.
      const pub: JsonWebKey =
        jwk.kty === 'RSA' ? { kty: 'RSA', n: jwk.n, e: jwk.e } : { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y };
      out.push({ jwk, key: createPublicKey({ key: pub, format: 'jwk' }) });
    } catch {
      // One malformed entry must not take down the others (issuers publish several).
    }
  }
  return out;
}

function pick(loaded: Loaded, header: JwtHeader): KeyObject[] {
  return loaded.keys
    .filter(({ jwk }) => (header.kid === undefined || jwk.kid === header.kid) && (!jwk.alg || jwk.alg === header.alg))
    .map(({ key }) => key);
}
