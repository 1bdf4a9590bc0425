import { checkPollSchedule, type PollSchedule } from '../../protocol/csp/index.ts';

/** How enrollment behaves; part of ServerConfig, resolved from the flags below. */
export interface EnrollmentConfig {
  /** DMClient Provider name and w7 PROVIDER-ID. */
  providerId: string;
  /** Answer WinDC discovery without a UPN with errorCode UPNRequired (seed 003). */
  upnRequired: boolean;
  /** Requests per second per client address on the enrollment endpoints; undefined = unlimited. */
  rateLimit: { perSecond: number; burst: number } | undefined;
  certValidityDays: number;
  /** Days before expiry that Windows starts renewing (CertificateStore/My/WSTEP/Renew/RenewPeriod). */
  certRenewDays: number;
  poll: PollSchedule;
  /** Entra (or any OIDC issuer's) JWT checks for the Federated policy; undefined = Federated refused. */
  federation: FederationConfig | undefined;
  /** An external STS for classic Federated discovery (AuthenticationServiceUrl); none: windc's own page. */
  stsUrl: string | undefined;
  /** PEM files of parent-MDM CAs whose certificates may authenticate a linked (Certificate policy) enrollment. */
  parentCaFiles: string[];
  /** A file of `name:scrypt$…` lines: OnPremise users besides enrollment secrets. */
  usersFile: string | undefined;
}

export interface FederationConfig {
  /** A JWKS file path or an https (or loopback http) URL. */
  jwks: string;
  /** Allowed `iss` values; `{tenantid}` stands for the token's own tid. */
  issuers: string[];
  audiences: string[];
  tenants: string[];
}

/** Entra ID's multi-tenant key set and its two token issuers; the tenant allow-list narrows them. */
export const ENTRA_JWKS = 'https://login.microsoftonline.com/common/discovery/v2.0/keys';
export const ENTRA_ISSUERS = [
  'https://sts.windows.net/{tenantid}/',
  'https://login.microsoftonline.com/{tenantid}/v2.0',
];

/** 15 minutes eight times after enrollment, then every 8 hours for ever. */
export const DEFAULT_POLL = '15x8,480';

export interface EnrollmentOption {
  flag: string;
  env: string;
  key: string;
  help: string;
  boolean?: true;
}

export const ENROLLMENT_OPTIONS: EnrollmentOption[] = [
  { flag: 'provider-id', env: 'WINDC_PROVIDER_ID', key: 'providerId', help: 'DMClient ProviderID (default windc)' },
  {
    flag: 'tenants',
    env: 'WINDC_TENANTS',
    key: 'tenants',
    help: 'comma-separated Entra tenant IDs allowed to enroll with a Federated token; enables Federated auth',
  },
  {
    flag: 'jwks',
    env: 'WINDC_JWKS',
    key: 'jwks',
    help: `JWKS file or URL for token signatures (default ${ENTRA_JWKS})`,
  },
  {
    flag: 'token-issuer',
    env: 'WINDC_TOKEN_ISSUER',
    key: 'tokenIssuer',
    help: 'comma-separated allowed iss values, {tenantid} = the token tid (default: Entra v1 and v2)',
  },
  {
    flag: 'token-audience',
    env: 'WINDC_TOKEN_AUDIENCE',
    key: 'tokenAudience',
    help: 'comma-separated allowed aud values (default: the public URL)',
  },
  { flag: 'sts-url', env: 'WINDC_STS_URL', key: 'stsUrl', help: 'external STS for classic Federated enrollment' },
  {
    flag: 'parent-ca',
    env: 'WINDC_PARENT_CA',
    key: 'parentCa',
    help: 'comma-separated PEM files of parent-MDM CAs trusted for Certificate auth',
  },
  { flag: 'enroll-users', env: 'WINDC_ENROLL_USERS', key: 'enrollUsers', help: 'file of OnPremise user:hash lines' },
  {
    flag: 'upn-required',
    env: 'WINDC_UPN_REQUIRED',
    key: 'upnRequired',
    help: 'answer WinDC discovery without a UPN with UPNRequired',
    boolean: true,
  },
  {
    flag: 'enroll-rate',
    env: 'WINDC_ENROLL_RATE',
    key: 'enrollRate',
    help: 'enrollment requests per second per client address, RATE or RATE/BURST, 0 = off (default 50/100)',
  },
  {
    flag: 'cert-validity-days',
    env: 'WINDC_CERT_VALIDITY_DAYS',
    key: 'certValidityDays',
    help: 'device certificate lifetime (default 365)',
  },
  {
    flag: 'cert-renew-days',
    env: 'WINDC_CERT_RENEW_DAYS',
    key: 'certRenewDays',
    help: 'days before expiry Windows renews (default 60)',
  },
  {
    flag: 'poll-schedule',
    env: 'WINDC_POLL_SCHEDULE',
    key: 'pollSchedule',
    help: `DMClient poll: MINUTESxCOUNT sets, a bare MINUTES repeats for ever (default ${DEFAULT_POLL})`,
  },
];

/** Thrown for a bad value; server/config.ts reports it as a ConfigError. */
export class EnrollmentConfigError extends Error {
  override readonly name = 'EnrollmentConfigError';
}

const list = (v: string | undefined): string[] =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

function days(flag: string, v: string | undefined, fallback: number, max: number): number {
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new EnrollmentConfigError(`--${flag} must be 1..${max} days`);
  return n;
}

function flagOn(v: string | undefined): boolean {
  if (v === undefined || v === '') return false;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new EnrollmentConfigError(`a boolean option has the value '${v}'`);
}

export function resolveEnrollmentConfig(raw: Record<string, string | undefined>, publicUrl: string): EnrollmentConfig {
  const providerId = raw.providerId ?? 'windc';
  // The ProviderID names a DMClient CSP node: no slash, nothing a LocURI would need escaped.
  if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/.test(providerId)) {
    throw new EnrollmentConfigError('--provider-id must be 1-64 letters, digits, spaces, dots, dashes, underscores');
  }
  const certValidityDays = days('cert-validity-days', raw.certValidityDays, 365, 3650);
  const certRenewDays = days(
    'cert-renew-days',
    raw.certRenewDays,
    Math.min(60, Math.floor(certValidityDays / 3)),
    3650,
  );
  if (certRenewDays >= certValidityDays) {
    throw new EnrollmentConfigError('--cert-renew-days must be less than --cert-validity-days');
  }
  const stsUrl = raw.stsUrl || undefined;
  if (stsUrl !== undefined && !/^https:\/\//.test(stsUrl)) throw new EnrollmentConfigError('--sts-url must be https');
  return {
    providerId,
    upnRequired: flagOn(raw.upnRequired),
    rateLimit: parseRate(raw.enrollRate ?? '50/100'),
    certValidityDays,
    certRenewDays,
    poll: parsePollSchedule(raw.pollSchedule ?? DEFAULT_POLL),
    federation: resolveFederation(raw, publicUrl),
    stsUrl,
    parentCaFiles: list(raw.parentCa),
    usersFile: raw.enrollUsers || undefined,
  };
}

function resolveFederation(raw: Record<string, string | undefined>, publicUrl: string): FederationConfig | undefined {
  const tenants = list(raw.tenants);
  if (tenants.length === 0) {
    if (raw.jwks || raw.tokenIssuer || raw.tokenAudience) {
      // Checking signatures without a tenant allow-list is how Fleet accepted any Entra tenant (CVE-2026-24899).
      throw new EnrollmentConfigError('--tenants is required with --jwks/--token-issuer/--token-audience');
    }
    return undefined;
  }
  const jwks = raw.jwks || ENTRA_JWKS;
  if (/^http:\/\//i.test(jwks) && !isLoopbackUrl(jwks)) {
    throw new EnrollmentConfigError('--jwks over http is allowed for loopback addresses only');
  }
  const issuers = list(raw.tokenIssuer);
  const audiences = list(raw.tokenAudience);
  return {
    jwks,
    issuers: issuers.length > 0 ? issuers : ENTRA_ISSUERS,
    audiences: audiences.length > 0 ? audiences : [publicUrl],
    tenants: tenants.map((t) => t.toLowerCase()),
  };
}

export function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

function parseRate(v: string): EnrollmentConfig['rateLimit'] {
  const m = /^(\d+)(?:\/(\d+))?$/.exec(v.trim());
  if (!m) throw new EnrollmentConfigError(`--enroll-rate must be RATE or RATE/BURST, got '${v}'`);
  const perSecond = Number(m[1]);
  if (perSecond === 0) return undefined;
  const burst = m[2] === undefined ? perSecond * 2 : Number(m[2]);
  if (burst < 1) throw new EnrollmentConfigError('--enroll-rate burst must be at least 1');
  return { perSecond, burst };
}

/**
 * `15x8,480`: up to three sets of `MINUTESxCOUNT`, a bare `MINUTES` repeating for ever. The result must pass
 * seed 004's rules; a set the device would switch off behind an endless one is refused rather than sent.
 */
export function parsePollSchedule(text: string): PollSchedule {
  const sets = text.split(',').map((s) => s.trim());
  if (sets.length === 0 || sets.length > 3 || sets.some((s) => !/^\d+(x\d+)?$/.test(s))) {
    throw new EnrollmentConfigError(`--poll-schedule must be up to three MINUTESxCOUNT or MINUTES sets, got '${text}'`);
  }
  const pairs = sets.map((s) => {
    const [interval, count] = s.split('x');
    return [Number(interval), count === undefined ? 0 : Number(count)] as const;
  });
  const at = (i: number) => pairs[i] ?? ([0, 0] as const);
  const schedule: PollSchedule = {
    intervalForFirstSetOfRetries: at(0)[0],
    numberOfFirstRetries: at(0)[1],
    intervalForSecondSetOfRetries: at(1)[0],
    numberOfSecondRetries: at(1)[1],
    intervalForRemainingScheduledRetries: at(2)[0],
    numberOfRemainingScheduledRetries: at(2)[1],
  };
  const check = checkPollSchedule(schedule);
  const problem = check.findings.find((f) => f.severity !== 'note');
  if (problem) throw new EnrollmentConfigError(`--poll-schedule: ${problem.message}`);
  return schedule;
}
