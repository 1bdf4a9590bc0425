/**
 * The conformance suite against PostgreSQL. Each fresh store gets its own schema (windc_test_<random>) in
 * database `test`, dropped at the end. Without a server the suite skips with the reason, except under
 * CI=true, where an unreachable server is a failure.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/index.ts';
import { conformance } from './conformance.ts';

const url = process.env.WINDC_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const inCi = process.env.CI === 'true';

async function unreachable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (err) {
    return `PostgreSQL at ${url.replace(/:[^:@/]*@/, ':***@')} is unreachable (${(err as Error).message})`;
  } finally {
    await client.end().catch(() => {});
  }
}

const reason = await unreachable();
if (reason && inCi) {
  it('PostgreSQL is reachable (required when CI=true)', () => assert.fail(reason));
} else if (reason) {
  console.log(`# skipping PostgreSQL store tests: ${reason}; set WINDC_TEST_DATABASE_URL to point elsewhere`);
  it('store conformance: postgres', { skip: reason }, () => {});
} else {
  const dataDir = mkdtempSync(join(tmpdir(), 'windc-store-pg-'));
  const schemas = new WeakMap<Store, string>();
  const created: string[] = [];
  after(async () => {
    const admin = new pg.Client(url);
    await admin.connect();
    try {
      for (const s of created) await admin.query(`drop schema if exists ${s} cascade`);
    } finally {
      await admin.end();
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  conformance('postgres', {
    backend: 'postgres',
    async fresh(options) {
      const schema = `windc_test_${randomBytes(6).toString('hex')}`;
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
