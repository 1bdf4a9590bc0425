import { BlockList, isIP } from 'node:net';

/**
 * How the OMA-DM management endpoint authenticates and protects itself; part of ServerConfig, resolved from
 * the flags below.
 */
export interface ManagementConfig {
  /**
   * Application-level MD5 digest (the APPAUTH credentials provisioned at enrollment). `fallback`: only for a
   * request that presents no client certificate at all, i.e. behind a balancer that terminates TLS;
   * `required`: on every message, certificate or not; `off`: certificates only.
   */
  digestAuth: 'off' | 'fallback' | 'required';
  /** Header in which a trusted TLS-terminating proxy forwards the client certificate; undefined = none. */
  trustedProxyHeader: string | undefined;
  /** Peers allowed to set that header. */
  trustedProxies: BlockList;
  /** The CIDRs behind `trustedProxies`, for logs and `--help`. */
  trustedProxyCidrs: string[];
  /** Every message must carry a valid MDM-Signature (DMClient RequireMessageSigning is set on the devices). */
  requireMessageSigning: boolean;
  /** The MaxMsgSize windc advertises: the largest message a device may send it, in bytes. */
  maxMsgSize: number;
  /** The MaxObjSize windc advertises: the largest object a device may send it in chunks, in bytes. */
  maxObjSize: number;
  /** What windc assumes a device accepts when its SyncHdr says nothing (Windows never does), in bytes. */
  deviceMaxMsgSize: number;
  /** Requests processed at once; more get 429 with Retry-After. 0 = unlimited. */
  maxInFlight: number;
  /** Sessions open at once in this process; a new one beyond gets 429. 0 = unlimited. */
  maxSessions: number;
  /** Retry-After in seconds on a 429; each answer adds up to as much again at random, so retries spread. */
  retryAfterSeconds: number;
  /** Raw messages kept in memory for debugging (requests and responses); 0 = none. */
  debugRing: number;
}

export interface ManagementOption {
  flag: string;
  env: string;
  key: string;
  help: string;
  boolean?: true;
}

export const MANAGEMENT_OPTIONS: ManagementOption[] = [
  {
    flag: 'digest-auth',
    env: 'WINDC_DIGEST_AUTH',
    key: 'digestAuth',
    help: 'OMA-DM MD5 digest: fallback (no client certificate presented), required, off (default fallback)',
  },
  {
    flag: 'trusted-proxy-header',
    env: 'WINDC_TRUSTED_PROXY_HEADER',
    key: 'trustedProxyHeader',
    help: 'header carrying the client certificate from a TLS-terminating proxy (URL-encoded PEM or :base64 DER:)',
  },
  {
    flag: 'trusted-proxies',
    env: 'WINDC_TRUSTED_PROXIES',
    key: 'trustedProxies',
    help: 'comma-separated CIDRs of proxies trusted to set --trusted-proxy-header and X-Forwarded-For (the enrollment rate limit then counts the client, not the proxy)',
  },
  {
    flag: 'require-message-signing',
    env: 'WINDC_REQUIRE_MESSAGE_SIGNING',
    key: 'requireMessageSigning',
    help: 'refuse management messages without a valid MDM-Signature',
    boolean: true,
  },
  {
    flag: 'max-msg-size',
    env: 'WINDC_MAX_MSG_SIZE',
    key: 'maxMsgSize',
    help: 'MaxMsgSize advertised to devices, bytes (default: --max-body)',
  },
  {
    flag: 'max-obj-size',
    env: 'WINDC_MAX_OBJ_SIZE',
    key: 'maxObjSize',
    help: 'largest chunked object accepted from a device, bytes (default 4194304)',
  },
  {
    flag: 'device-max-msg-size',
    env: 'WINDC_DEVICE_MAX_MSG_SIZE',
    key: 'deviceMaxMsgSize',
    help: 'message size assumed when a device announces none, bytes (default 524288)',
  },
  {
    flag: 'max-inflight',
    env: 'WINDC_MAX_INFLIGHT',
    key: 'maxInFlight',
    help: 'management requests processed at once, 0 = unlimited (default 1024)',
  },
  {
    flag: 'max-sessions',
    env: 'WINDC_MAX_SESSIONS',
    key: 'maxSessions',
    help: 'OMA-DM sessions open at once per process, 0 = unlimited (default 0)',
  },
  {
    flag: 'retry-after',
    env: 'WINDC_RETRY_AFTER',
    key: 'retryAfter',
    help: 'seconds a refused device is told to wait, plus up to as much at random (default 60)',
  },
  {
    flag: 'debug-ring',
    env: 'WINDC_DEBUG_RING',
    key: 'debugRing',
    help: 'keep the last N raw management messages in memory for debugging (default 0)',
  },
];

/** Thrown for a bad value; server/config.ts reports it as a ConfigError. */
export class ManagementConfigError extends Error {
  override readonly name = 'ManagementConfigError';
}

function count(flag: string, v: string | undefined, fallback: number, min: number, max: number): number {
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ManagementConfigError(`--${flag} must be a whole number in ${min}..${max}, got '${v}'`);
  }
  return n;
}

function flagOn(flag: string, v: string | undefined): boolean {
  if (v === undefined || v === '') return false;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new ManagementConfigError(`--${flag} is a yes/no option, got '${v}'`);
}

/** The proxy header is trusted only from these peers; a bare address is a /32 (or /128). */
export function parseCidrs(flag: string, v: string | undefined): { list: BlockList; cidrs: string[] } {
  const list = new BlockList();
  const cidrs: string[] = [];
  for (const part of (v ?? '').split(',')) {
    const s = part.trim();
    if (s === '') continue;
    const [addr = '', bits, ...rest] = s.split('/');
    const family = isIP(addr);
    const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
    if (
      family === 0 ||
      rest.length > 0 ||
      !Number.isInteger(prefix) ||
      prefix < 0 ||
      prefix > (family === 6 ? 128 : 32)
    ) {
      throw new ManagementConfigError(`--${flag}: '${s}' is not an IPv4 or IPv6 address or CIDR`);
    }
    list.addSubnet(addr, prefix, family === 6 ? 'ipv6' : 'ipv4');
    cidrs.push(`${addr}/${prefix}`);
  }
  return { list, cidrs };
}

const MIB = 1024 * 1024;

export function resolveManagementConfig(
  raw: Record<string, string | undefined>,
  base: { maxBodyBytes: number },
): ManagementConfig {
  const digestAuth = raw.digestAuth || 'fallback';
  if (digestAuth !== 'off' && digestAuth !== 'fallback' && digestAuth !== 'required') {
    throw new ManagementConfigError(`--digest-auth must be fallback, required or off, got '${digestAuth}'`);
  }
  const header = raw.trustedProxyHeader?.trim().toLowerCase() || undefined;
  if (header !== undefined && !/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(header)) {
    throw new ManagementConfigError(`--trusted-proxy-header '${raw.trustedProxyHeader}' is not an HTTP header name`);
  }
  const proxies = parseCidrs('trusted-proxies', raw.trustedProxies);
  if (header !== undefined && proxies.cidrs.length === 0) {
    // Without a peer allow-list any client could claim any certificate by setting the header itself.
    throw new ManagementConfigError('--trusted-proxy-header needs --trusted-proxies');
  }
  // 4096 bytes is far below any real Windows message; it only keeps nonsense out.
  const maxMsgSize = count('max-msg-size', raw.maxMsgSize, base.maxBodyBytes, 4096, base.maxBodyBytes);
  return {
    digestAuth,
    trustedProxyHeader: header,
    trustedProxies: proxies.list,
    trustedProxyCidrs: proxies.cidrs,
    requireMessageSigning: flagOn('require-message-signing', raw.requireMessageSigning),
    maxMsgSize,
    maxObjSize: count('max-obj-size', raw.maxObjSize, 4 * MIB, 1024, 256 * MIB),
    deviceMaxMsgSize: count('device-max-msg-size', raw.deviceMaxMsgSize, 512 * 1024, 2048, 64 * MIB),
    maxInFlight: count('max-inflight', raw.maxInFlight, 1024, 0, 1_000_000),
    maxSessions: count('max-sessions', raw.maxSessions, 0, 0, 100_000_000),
    retryAfterSeconds: count('retry-after', raw.retryAfter, 60, 1, 86_400),
    debugRing: count('debug-ring', raw.debugRing, 0, 0, 100_000),
  };
}
