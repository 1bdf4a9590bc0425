import type { AuthPolicy, BinarySecurityToken, SoapEnvelope } from '../../../protocol/mde2/index.ts';
import { decodeBinarySecurityToken, PASSWORD_TEXT, VALUE_TYPES } from '../../../protocol/mde2/index.ts';
import type { Store, UsedOnceStore } from '../../../store/index.ts';
import { EnrollmentFault, fault } from '../faults.ts';
import { hashSecret } from '../secrets.ts';
import { JwksError } from './jwks.ts';
import { type JwtClaims, JwtError, type JwtPolicy, type KeyLookup, verifyJwt } from './jwt.ts';
import type { UserDirectory } from './users.ts';
import { type SignedBy, type TrustAnchor, verifySignedRequest } from './xmldsig.ts';

/**
 * Which enrollment a request belongs to, and so which policies may authenticate it. `primary`: windc is the
 * device's MDM (classic discovery; OnPremise or Federated). `linked`: the WinDC enrollment Windows opens beside
 * a primary MDM (JSON discovery; Federated for Entra joined, Certificate for Entra registered, seed 003).
 */
export type EnrollmentRole = 'primary' | 'linked';

export const ROLE_POLICIES: Record<EnrollmentRole, readonly AuthPolicy[]> = {
  primary: ['OnPremise', 'Federated'],
  linked: ['Federated', 'Certificate'],
};

export type EnrollAuth =
  | { policy: 'OnPremise'; principal: string; secret?: { name: string; hash: string }; user?: string }
  | { policy: 'Federated'; principal: string; tenantId: string; claims: JwtClaims }
  | { policy: 'Certificate'; principal: string; signer: SignedBy };

export interface AuthDeps {
  store: Store;
  users: UserDirectory;
  federation: { policy: Omit<JwtPolicy, 'now'>; keys: KeyLookup } | undefined;
  anchors: readonly TrustAnchor[];
  /** Signed requests accepted once each; the store's, so every process refuses a replay. */
  replay: UsedOnceStore;
  now: () => number;
}

/** The policy a security header speaks, by what it carries. */
export function policyOf(env: SoapEnvelope): AuthPolicy | undefined {
  const sec = env.security;
  if (!sec) return undefined;
  if (sec.usernameToken) return 'OnPremise';
  if (sec.signature) return 'Certificate';
  if (sec.binarySecurityTokens.some(isFederatedToken)) return 'Federated';
  return undefined;
}

function isFederatedToken(t: BinarySecurityToken): boolean {
  return t.valueType === VALUE_TYPES.userToken || t.valueType === VALUE_TYPES.jwt;
}

/**
 * Authenticates a GetPolicies or RST request. Nothing is recorded here: an OnPremise secret's use is counted
 * inside the enrollment's own transaction, so a request refused later counts nothing.
 */
export async function authenticate(env: SoapEnvelope, role: EnrollmentRole, deps: AuthDeps): Promise<EnrollAuth> {
  const policy = policyOf(env);
  if (!policy) {
    throw fault.invalidSecurity(
      'NO_CREDENTIAL',
      'the WS-Security header carries no UsernameToken, enrollment token or signature',
    );
  }
  if (!ROLE_POLICIES[role].includes(policy)) {
    throw fault.authentication(
      'POLICY_NOT_ALLOWED',
      `${policy} authentication is not accepted for a ${role} enrollment (expected ${ROLE_POLICIES[role].join(' or ')})`,
    );
  }
  if (policy === 'OnPremise') return onPremise(env, deps);
  if (policy === 'Federated') return federated(env, deps);
  const signer = await verifySignedRequest(env, { anchors: deps.anchors, now: deps.now(), replay: deps.replay });
  if (signer.anchor.kind === 'windc') {
    const known = await deps.store.certificates.findByThumbprint(signer.thumbprint);
    if (!known || known.revokedAt !== null) {
      throw fault.authentication('CERT_REVOKED', 'the signing certificate was revoked or never issued by windc');
    }
  }
  return { policy, principal: signer.certificate.subject, signer };
}

async function onPremise(env: SoapEnvelope, deps: AuthDeps): Promise<EnrollAuth> {
  const token = env.security?.usernameToken;
  if (!token) throw new Error('unreachable: OnPremise without UsernameToken');
  if (token.passwordType !== undefined && token.passwordType !== PASSWORD_TEXT) {
    throw fault.invalidSecurity(
      'PASSWORD_TYPE',
      'only PasswordText UsernameTokens are accepted (MS-MDE2 §3.4.4.1.1.1.3)',
    );
  }
  if (token.password === '') throw fault.authentication('NO_PASSWORD', 'the UsernameToken has no password');
  const hash = hashSecret(token.password);
  const secret = await deps.store.secrets.verify(hash);
  if (secret) return { policy: 'OnPremise', principal: token.username, secret: { name: secret.name, hash } };
  if (deps.users.size > 0 && deps.users.verify(token.username, token.password)) {
    return { policy: 'OnPremise', principal: token.username, user: token.username };
  }
  throw fault.authentication('BAD_CREDENTIALS', 'the password is not a valid enrollment secret or user password');
}

async function federated(env: SoapEnvelope, deps: AuthDeps): Promise<EnrollAuth> {
  const fed = deps.federation;
  if (!fed) {
    throw fault.authentication('FEDERATION_OFF', 'Federated enrollment is not configured on this server (--tenants)');
  }
  const tokens = env.security?.binarySecurityTokens.filter(isFederatedToken) ?? [];
  if (tokens.length !== 1) throw fault.invalidSecurity('TOKEN_COUNT', 'expected exactly one enrollment token');
  const jwt = tokenText(tokens[0] as BinarySecurityToken);
  try {
    const verified = await verifyJwt(jwt, fed.keys, { ...fed.policy, now: deps.now() });
    const c = verified.claims;
    const principal = [c.upn, c.unique_name, c.preferred_username, c.sub, c.deviceid].find(
      (v): v is string => typeof v === 'string' && v !== '',
    );
    return { policy: 'Federated', principal: principal ?? verified.tenantId, tenantId: verified.tenantId, claims: c };
  } catch (e) {
    if (e instanceof JwksError) {
      throw new EnrollmentFault('EnrollmentServer', 'JWKS_UNAVAILABLE', 'the token signing keys cannot be loaded', {
        cause: e,
      });
    }
    if (!(e instanceof JwtError)) throw e;
    if (e.reason === 'malformed') throw fault.invalidSecurity(`JWT_${e.reason.toUpperCase()}`, e.message);
    if (e.reason === 'tenant') throw fault.authorization('JWT_TENANT', e.message);
    throw fault.authentication(`JWT_${e.reason.toUpperCase().replace(/-/g, '_')}`, e.message);
  }
}

/**
 * The token's JWT text. MS-MDE2 has the token base64-encoded inside the BinarySecurityToken; a raw compact JWT
 * (whose `.` is not base64) is taken as is, since it cannot be mistaken for anything else.
 */
function tokenText(token: BinarySecurityToken): string {
  const raw = token.value.replace(/\s+/g, '');
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(raw)) return raw;
  return Buffer.from(decodeBinarySecurityToken(token)).toString('utf8').trim();
}
