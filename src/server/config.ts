import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ENROLLMENT_OPTIONS, type EnrollmentConfig, resolveEnrollmentConfig } from './enroll/config.ts';
import { MANAGEMENT_OPTIONS, type ManagementConfig, resolveManagementConfig } from './management/config.ts';

/** Everything `windc serve` can be told. Flags beat environment variables, which beat the config file. */
export interface ServerConfig {
  listenHost: string;
  listenPort: number;
  /** What devices are told: the base of every URL in discovery and provisioning. No trailing slash. */
  publicUrl: string;
  dataDir: string;
  databaseUrl: string | undefined;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  caCert: string | undefined;
  caKey: string | undefined;
  /** Largest request body accepted on any device endpoint, in bytes. */
  maxBodyBytes: number;
  logLevel: string;
  enrollment: EnrollmentConfig;
  management: ManagementConfig;
}

interface Option {
  flag: string;
  env: string;
  /** The camelCase name, accepted in the config file beside the flag's own spelling. */
  key: string;
  help: string;
  boolean?: true;
}

const OPTIONS: Option[] = [
  { flag: 'listen', env: 'WINDC_LISTEN', key: 'listenHost', help: 'host:port to listen on (default 0.0.0.0:8443)' },
  {
    flag: 'public-url',
    env: 'WINDC_PUBLIC_URL',
    key: 'publicUrl',
    help: 'base URL devices reach (default from --listen)',
  },
  {
    flag: 'data-dir',
    env: 'WINDC_DATA_DIR',
    key: 'dataDir',
    help: 'SQLite file, CA and generated secrets (default ./windc-data)',
  },
  {
    flag: 'database-url',
    env: 'WINDC_DATABASE_URL',
    key: 'databaseUrl',
    help: 'postgres://… to use PostgreSQL instead of SQLite',
  },
  {
    flag: 'tls-cert',
    env: 'WINDC_TLS_CERT',
    key: 'tlsCert',
    help: 'PEM server certificate (default: issued by the built-in CA)',
  },
  { flag: 'tls-key', env: 'WINDC_TLS_KEY', key: 'tlsKey', help: 'PEM key for --tls-cert' },
  {
    flag: 'ca-cert',
    env: 'WINDC_CA_CERT',
    key: 'caCert',
    help: 'PEM CA certificate to issue device certificates with',
  },
  { flag: 'ca-key', env: 'WINDC_CA_KEY', key: 'caKey', help: 'PEM key for --ca-cert' },
  {
    flag: 'max-body',
    env: 'WINDC_MAX_BODY',
    key: 'maxBodyBytes',
    help: 'largest device request body in bytes (default 2097152)',
  },
  {
    flag: 'log-level',
    env: 'WINDC_LOG_LEVEL',
    key: 'logLevel',
    help: 'fatal|error|warn|info|debug|trace (default info)',
  },
  ...ENROLLMENT_OPTIONS,
  ...MANAGEMENT_OPTIONS,
];

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function serveUsage(): string {
  const lines = ['usage: windc serve [options]', '', 'options (each also settable by the environment variable shown):'];
  lines.push(`  --config FILE              JSON file with any of the options below (camelCase or as flags)`);
  for (const o of OPTIONS) lines.push(`  --${o.flag.padEnd(24)} ${o.help} [${o.env}]`);
  return lines.join('\n');
}

/** Resolves the configuration from argv, the environment and an optional JSON config file. */
export function resolveServerConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const { values: parsed0 } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...Object.fromEntries(
        OPTIONS.map((o) => [o.flag, { type: o.boolean ? ('boolean' as const) : ('string' as const) }]),
      ),
    },
    strict: true,
    allowPositionals: false,
  });
  const values = parsed0 as Record<string, string | boolean | undefined>;
  const file = (values.config as string | undefined) ?? env.WINDC_CONFIG;
  const fromFile = file ? readConfigFile(file) : {};
  const raw: Record<string, string | undefined> = {};
  for (const o of OPTIONS) {
    const flag = values[o.flag];
    raw[o.key] = (typeof flag === 'boolean' ? String(flag) : flag) ?? env[o.env] ?? fromFile[o.flag] ?? fromFile[o.key];
  }
  const [listenHost, listenPort] = parseListen(raw.listenHost ?? '0.0.0.0:8443');
  const publicUrl = (raw.publicUrl ?? defaultPublicUrl(listenHost, listenPort)).replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(publicUrl);
  } catch {
    throw new ConfigError(`--public-url is not a URL: ${publicUrl}`);
  }
  if (parsed.protocol !== 'https:') throw new ConfigError('--public-url must be https: Windows enrolls only over TLS');
  const maxBodyBytes = raw.maxBodyBytes === undefined ? 2 * 1024 * 1024 : Number(raw.maxBodyBytes);
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 4096) {
    throw new ConfigError('--max-body must be a whole number of bytes, at least 4096');
  }
  if (!!raw.tlsCert !== !!raw.tlsKey) throw new ConfigError('--tls-cert and --tls-key must be given together');
  if (!!raw.caCert !== !!raw.caKey) throw new ConfigError('--ca-cert and --ca-key must be given together');
  let enrollment: EnrollmentConfig;
  let management: ManagementConfig;
  try {
    enrollment = resolveEnrollmentConfig(raw, publicUrl);
    management = resolveManagementConfig(raw, { maxBodyBytes });
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  return {
    listenHost,
    listenPort,
    publicUrl,
    dataDir: raw.dataDir ?? './windc-data',
    databaseUrl: raw.databaseUrl || undefined,
    tlsCert: raw.tlsCert,
    tlsKey: raw.tlsKey,
    caCert: raw.caCert,
    caKey: raw.caKey,
    maxBodyBytes,
    logLevel: raw.logLevel ?? 'info',
    enrollment,
    management,
  };
}

function readConfigFile(path: string): Record<string, string | undefined> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(`cannot read config file ${path}: ${(e as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError(`config file ${path} must hold a JSON object`);
  }
  const known = new Set(OPTIONS.flatMap((o) => [o.flag, o.key]));
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(data)) {
    if (!known.has(k)) throw new ConfigError(`config file ${path}: unknown option '${k}'`);
    out[k] = v === null || v === undefined ? undefined : String(v);
  }
  return out;
}

function parseListen(s: string): [string, number] {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(s) ?? /^()()(\d{1,5})$/.exec(s);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) throw new ConfigError(`--listen must be host:port or port, got '${s}'`);
  return [m[1] || m[2] || '0.0.0.0', port];
}

function defaultPublicUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return port === 443 ? `https://${h}` : `https://${h}:${port}`;
}
