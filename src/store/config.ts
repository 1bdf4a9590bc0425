/**
 * Where the data lives. Shared by `windc serve` and `windc migrate`, so both read the same flags and
 * environment and can never disagree about which database they touch.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { StoreError } from './errors.ts';

export const DEFAULT_DATA_DIR = './windc-data';
/** The SQLite database inside the data dir. */
export const SQLITE_FILE = 'windc.db';

export type StoreConfig =
  | { backend: 'sqlite'; dataDir: string; sqlitePath: string }
  | { backend: 'postgres'; dataDir: string; databaseUrl: string };

export interface StoreSettings {
  dataDir?: string | undefined;
  databaseUrl?: string | undefined;
}

/** Flags beat environment variables, which beat defaults. An empty value counts as unset. */
export function resolveStoreConfig(settings: StoreSettings = {}, env: NodeJS.ProcessEnv = process.env): StoreConfig {
  const dataDir = resolve(settings.dataDir || env.WINDC_DATA_DIR || DEFAULT_DATA_DIR);
  const databaseUrl = settings.databaseUrl || env.WINDC_DATABASE_URL || undefined;
  if (databaseUrl === undefined) return { backend: 'sqlite', dataDir, sqlitePath: resolve(dataDir, SQLITE_FILE) };
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    // Not echoed: an unparseable URL cannot be redacted reliably, and it may hold a password.
    throw new StoreError('INVALID', '--database-url is not a URL (expected postgres://user:password@host:5432/db)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new StoreError('INVALID', `--database-url must be postgres://…, got ${url.protocol}`);
  }
  return { backend: 'postgres', dataDir, databaseUrl };
}

export const STORE_OPTIONS_USAGE = [
  `  --data-dir DIR              SQLite file, CA and generated keys (default ${DEFAULT_DATA_DIR}) [WINDC_DATA_DIR]`,
  '  --database-url URL          postgres://… to use PostgreSQL instead of SQLite [WINDC_DATABASE_URL]',
].join('\n');

/** For commands whose only options are the store's (e.g. `windc migrate`). Throws StoreError('INVALID'). */
export function parseStoreArgs(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): { config: StoreConfig; help: boolean } {
  let values: { 'data-dir'?: string | undefined; 'database-url'?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'data-dir': { type: 'string' },
        'database-url': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new StoreError('INVALID', (err as Error).message);
  }
  return {
    config: resolveStoreConfig({ dataDir: values['data-dir'], databaseUrl: values['database-url'] }, env),
    help: values.help === true,
  };
}

/** The URL without its password, for logs and messages. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable URL)';
  }
}

export function describeStore(config: StoreConfig): string {
  return config.backend === 'sqlite' ? `sqlite:${config.sqlitePath}` : redactUrl(config.databaseUrl);
}
