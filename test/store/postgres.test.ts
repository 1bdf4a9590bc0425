/**
 * The conformance suite against PostgreSQL. Each fresh store gets its own schema (windc_test_<random>) in
 * database `test`, dropped at the end. Without a server the suite skips with the reason, except under
 * CI=true, where an unreachable server is a failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { openStore, type Store } from '../../src/store/index.ts';
import { dropSchemas, requirePostgres, throwawaySchema } from '../support/postgres.ts';
import { conformance } from './conformance.ts';

const url = await requirePostgres('store conformance: postgres');
if (url) {
  const dataDir = mkdtempSync(join(tmpdir(), 'windc-store-pg-'));
  const schemas = new WeakMap<Store, string>();
  const created: string[] = [];
  after(async () => {
    await dropSchemas(url, created);
    rmSync(dataDir, { recursive: true, force: true });
  });

  conformance('postgres', {
    backend: 'postgres',
    async fresh(options) {
      const schema = throwawaySchema();
      created.push(schema);
      const store = await openStore({ dataDir, databaseUrl: url, schema, poolSize: 4, env: {}, ...options });
      schemas.set(store, schema);
      return store;
    },
    async sibling(store, options) {
      const schema = schemas.get(store)!;
      const other = await openStore({ dataDir, databaseUrl: url, schema, poolSize: 4, env: {}, ...options });
      schemas.set(other, schema);
      return other;
    },
    locate(store) {
      return { dataDir, databaseUrl: url, schema: schemas.get(store)!, poolSize: 4, env: {} };
    },
  });
}
