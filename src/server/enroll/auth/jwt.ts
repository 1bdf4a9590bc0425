import { constants, type KeyObject, verify } from 'node:crypto';

/**
 * JWS compact tokens as the Federated policy delivers them (an Entra device or user token), verified the way
 * Fleet's CVE-2026-24899 shows is necessary: signature against the configured key set, then iss, aud, tid,
 * exp and nbf, every one of them required to pass. Symmetric algorithms and `none` are refused outright: a
 * public key set would otherwise double as an HMAC secret.
 */
export type JwtFailure =
  | 'malformed'
  | 'algorithm'
  | 'key'
  | 'signature'
  | 'expired'
  | 'not-yet-valid'
  | 'issuer'
  | 'audience'
  | 'tenant';

export class JwtError extends Error {
  override readonly name = 'JwtError';
  constructor(
    readonly reason: JwtFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface JwtHeader {
  alg: string;
  kid?: string;
  typ?: string;
}

export type JwtClaims = Record<string, unknown>;

export interface JwtPolicy {
  /** Allowed `iss`; `{tenantid}` in a value stands for the token's own `tid`. */
  issuers: readonly string[];
  audiences: readonly string[];
  /** Lower-case tenant IDs. */
  tenants: readonly string[];
  now: number;
  /** Tolerance for clock differences, applied to exp and nbf. */
  skewSeconds?: number;
}

export interface VerifiedJwt {
  header: JwtHeader;
  claims: JwtClaims;
  tenantId: string;
  issuer: string;
}

/** Finds the candidate public keys for a header; the JWKS source decides by kid and kty. */
export type KeyLookup = (header: JwtHeader) => Promise<KeyObject[]>;

const ALGORITHMS: Record<string, { hash: string; kind: 'rsa' | 'pss' | 'ec'; curve?: string }> = {
  RS256: { hash: 'sha256', kind: 'rsa' },
  RS384: { hash: 'sha384', kind: 'rsa' },
  RS512: { hash: 'sha512', kind: 'rsa' },
  PS256: { hash: 'sha256', kind: 'pss' },
  PS384: { hash: 'sha384', kind: 'pss' },
  PS512: { hash: 'sha512', kind: 'pss' },
  ES256: { hash: 'sha256', kind: 'ec', curve: 'prime256v1' },
  ES384: { hash: 'sha384', kind: 'ec', curve: 'secp384r1' },
  ES512: { hash: 'sha512', kind: 'ec', curve: 'secp521r1' },
};

export const JWT_ALGORITHMS = Object.keys(ALGORITHMS);
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const MAX_TOKEN = 16 * 1024;

export interface DecodedJwt {
  header: JwtHeader;
  claims: JwtClaims;
  signingInput: string;
  signature: Buffer;
}

export function decodeJwt(token: string): DecodedJwt {
  if (token.length > MAX_TOKEN) throw new JwtError('malformed', `token is longer than ${MAX_TOKEN} characters`);
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) {
    throw new JwtError('malformed', 'token is not three base64url segments (JWE and unsigned tokens are refused)');
  }
  const [h, c, s] = parts as [string, string, string];
  const json = (seg: string, what: string): Record<string, unknown> => {
    let v: unknown;
    try {
      v = JSON.parse(Buffer.from(seg, 'base64url').toString('utf8'));
    } catch {
      throw new JwtError('malformed', `token ${what} is not JSON`);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw new JwtError('malformed', `token ${what} is not an object`);
    }
    return v as Record<string, unknown>;
  };
  const header = json(h, 'header');
  if (typeof header.alg !== 'string') throw new JwtError('malformed', 'token header has no alg');
  if (header.crit !== undefined) throw new JwtError('malformed', 'token header has critical extensions');
  const out: JwtHeader = { alg: header.alg };
  if (typeof header.kid === 'string') out.kid = header.kid;
  if (typeof header.typ === 'string') out.typ = header.typ;
  return { header: out, claims: json(c, 'claims'), signingInput: `${h}.${c}`, signature: Buffer.from(s, 'base64url') };
}

export async function verifyJwt(token: string, keys: KeyLookup, policy: JwtPolicy): Promise<VerifiedJwt> {
  const jwt = decodeJwt(token);
  const alg = ALGORITHMS[jwt.header.alg];
  if (!alg) throw new JwtError('algorithm', `algorithm ${jwt.header.alg} is not accepted`);
  const candidates = (await keys(jwt.header)).filter((k) => keyFits(k, alg));
  if (candidates.length === 0) {
    throw new JwtError(
      'key',
      `no ${jwt.header.alg} key${jwt.header.kid ? ` with kid ${jwt.header.kid}` : ''} in the key set`,
    );
  }
  const data = Buffer.from(jwt.signingInput, 'ascii');
  const ok = candidates.some((key) => verifyWith(key, alg, data, jwt.signature));
  if (!ok) throw new JwtError('signature', 'token signature does not verify');
  return checkClaims(jwt, policy);
}

function keyFits(key: KeyObject, alg: { kind: string; curve?: string }): boolean {
  if (alg.kind === 'ec') return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === alg.curve;
  // RSA keys under 2048 bits are refused even when the issuer publishes them.
  return key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048;
}

function verifyWith(key: KeyObject, alg: { hash: string; kind: string }, data: Buffer, sig: Buffer): boolean {
  try {
    if (alg.kind === 'ec') return verify(alg.hash, data, { key, dsaEncoding: 'ieee-p1363' }, sig);
    if (alg.kind === 'pss') {
      return verify(
        alg.hash,
        data,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST },
        sig,
      );
    }
    return verify(alg.hash, data, key, sig);
  } catch {
    return false;
  }
}

/** The claim checks, separate from the signature so each can be tested alone. */
export function checkClaims(jwt: Pick<DecodedJwt, 'header' | 'claims'>, policy: JwtPolicy): VerifiedJwt {
  const c = jwt.claims;
  const skew = (policy.skewSeconds ?? 300) * 1000;
  const time = (name: string): number | undefined => {
    const v = c[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new JwtError('malformed', `claim ${name} is not a number`);
    return v * 1000;
  };
  const exp = time('exp');
  if (exp === undefined) throw new JwtError('malformed', 'token has no exp');
  if (policy.now - skew >= exp) throw new JwtError('expired', `token expired at ${new Date(exp).toISOString()}`);
  const nbf = time('nbf');
  if (nbf !== undefined && policy.now + skew < nbf) {
    throw new JwtError('not-yet-valid', `token is not valid before ${new Date(nbf).toISOString()}`);
  }

  const rawTid = typeof c.tid === 'string' ? c.tid : undefined;
  const tid = rawTid?.toLowerCase();
  const iss = typeof c.iss === 'string' ? c.iss : undefined;
  if (!iss) throw new JwtError('issuer', 'token has no iss');
  // The placeholder takes the tid exactly as the token spells it: Entra writes both in the same case.
  const issuerOk = policy.issuers.some((t) =>
    t.includes('{tenantid}') ? rawTid !== undefined && t.replace('{tenantid}', rawTid) === iss : t === iss,
  );
  if (!issuerOk) throw new JwtError('issuer', `issuer ${iss} is not accepted`);

  const aud =
    typeof c.aud === 'string' ? [c.aud] : Array.isArray(c.aud) ? c.aud.filter((a) => typeof a === 'string') : [];
  if (!aud.some((a) => policy.audiences.includes(a))) {
    throw new JwtError('audience', `audience ${aud.join(', ') || '(none)'} is not accepted`);
  }
  if (!tid) throw new JwtError('tenant', 'token has no tid');
  if (!policy.tenants.includes(tid)) throw new JwtError('tenant', `tenant ${tid} may not enroll here`);
  return { header: jwt.header, claims: c, tenantId: tid, issuer: iss };
}
