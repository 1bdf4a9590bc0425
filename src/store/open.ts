import { mkdirSync } from 'node:fs';
import { sql } from 'kysely';
import { describeStore, resolveStoreConfig, type StoreSettings } from './config.ts';
import { StoreError } from './errors.ts';
import { openPostgres, openSqlite } from './sql/dialect.ts';
import { SqlStore } from './sql/store.ts';
import type { Store } from './store.ts';
import type { EpochMs } from './types.ts';

export interface OpenStoreOptions extends StoreSettings {
  /**
   * 'apply' (default): apply pending migrations, as `windc serve` does. 'verify': fail with SCHEMA_MISMATCH
   * if any are pending, for processes that must not change the schema. 'none': open as is, for tools that
   * report on or run migrations themselves (`windc migrate`).
   */
  migrate?: 'apply' | 'verify' | 'none' | undefined;
  /** PostgreSQL: schema to work in, first on the search_path. Tests use a throwaway one. */
  schema?: string | undefined;
  /** PostgreSQL: connections per process for durable writes (default 10); check-ins get a pool half as big. */
  poolSize?: number | undefined;
  /** The clock; tests pin it. */
  now?: (() => EpochMs) | undefined;
  onPoolError?: ((err: Error) => void) | undefined;
  env?: NodeJS.ProcessEnv | undefined;
}

export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const config = resolveStoreConfig(options, options.env);
  // The data dir also holds the CA key, so nobody else gets to read it.
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const now = options.now ?? Date.now;
  let store: SqlStore;
  if (config.backend === 'sqlite') {
    store = new SqlStore({ db: openSqlite(config.sqlitePath), backend: 'sqlite', now }, describeStore(config));
  } else {
    const pg = {
      url: config.databaseUrl,
      schema: options.schema,
      onPoolError: options.onPoolError,
    };
    const poolSize = options.poolSize ?? 10;
    store = new SqlStore(
      {
        db: openPostgres({ ...pg, poolSize }),
        relaxed: openPostgres({ ...pg, poolSize: Math.max(2, Math.ceil(poolSize / 2)), synchronousCommit: false }),
        backend: 'postgres',
        now,
      },
      options.schema ? `${describeStore(config)} (schema ${options.schema})` : describeStore(config),
    );
  }
  try {
    if (config.backend === 'postgres' && options.schema) {
      await sql`create schema if not exists ${sql.id(options.schema)}`.execute(store.db);
    }
    const mode = options.migrate ?? 'apply';
    if (mode === 'verify') {
      const pending = await store.pendingMigrations();
      if (pending.length > 0) {
        throw new StoreError(
          'SCHEMA_MISMATCH',
          `the database needs migrations ${pending.join(', ')}: run windc migrate`,
        );
      }
    } else if (mode === 'apply') {
      await store.migrate();
    }
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
