// The PostgreSQL the tests use, and the one rule for when it is missing: skip with the reason, except under
// CI=true, where a missing database would silently drop coverage and so is a failure.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import pg from 'pg';

export const TEST_DATABASE_URL = process.env.WINDC_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

async function unreachable(url: string): Promise<string | undefined> {
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

/**
 * The database URL when the server answers. Otherwise registers one test named `what` that is skipped (printing
 * why) or, under CI=true, fails, and resolves to undefined: the caller then registers nothing else.
 */
export async function requirePostgres(what: string): Promise<string | undefined> {
  const reason = await unreachable(TEST_DATABASE_URL);
  if (reason === undefined) return TEST_DATABASE_URL;
  if (process.env.CI === 'true') {
    it(`${what}: PostgreSQL is reachable (required when CI=true)`, () => assert.fail(reason));
  } else {
    console.log(`# skipping ${what}: ${reason}; set WINDC_TEST_DATABASE_URL to point elsewhere`);
    it(what, { skip: reason }, () => {});
  }
  return undefined;
}

/** A schema name no other run uses. */
export function throwawaySchema(): string {
  return `windc_test_${randomBytes(6).toString('hex')}`;
}

export async function dropSchemas(url: string, schemas: readonly string[]): Promise<void> {
  const admin = new pg.Client(url);
  await admin.connect();
  try {
    for (const s of schemas) await admin.query(`drop schema if exists ${s} cascade`);
  } finally {
    await admin.end();
  }
}
