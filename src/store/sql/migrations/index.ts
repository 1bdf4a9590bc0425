import type { Kysely, Migration, MigrationProvider } from 'kysely';
import type { Backend } from '../../store.ts';
import * as initial from './0001-initial.ts';
import * as enrollmentCredentials from './0002-enrollment-credentials.ts';
import * as wireCmdIds from './0003-wire-cmdids.ts';
import * as declaredManagement from './0004-declared-management.ts';
import * as enrollmentLookupIndex from './0005-enrollment-lookup-index.ts';
import * as declaredQuiet from './0006-declared-quiet.ts';
import * as usedOnce from './0007-used-once.ts';

/**
 * Migrations are code, listed here in order, so they ship inside the build and run the same on both backends.
 * They only ever move forward: a bad migration is fixed by the next one, never by a `down`.
 */
const MIGRATIONS: { name: string; up: (db: Kysely<unknown>, backend: Backend) => Promise<void> }[] = [
  { name: '0001-initial', up: initial.up },
  { name: '0002-enrollment-credentials', up: enrollmentCredentials.up },
  { name: '0003-wire-cmdids', up: wireCmdIds.up },
  { name: '0004-declared-management', up: declaredManagement.up },
  { name: '0005-enrollment-lookup-index', up: enrollmentLookupIndex.up },
  { name: '0006-declared-quiet', up: declaredQuiet.up },
  { name: '0007-used-once', up: usedOnce.up },
];

export const MIGRATION_NAMES: readonly string[] = MIGRATIONS.map((m) => m.name);
export const MIGRATION_TABLE = 'windc_migrations';
export const MIGRATION_LOCK_TABLE = 'windc_migrations_lock';

export function migrationProvider(backend: Backend): MigrationProvider {
  return {
    getMigrations: async () =>
      Object.fromEntries(MIGRATIONS.map((m): [string, Migration] => [m.name, { up: (db) => m.up(db, backend) }])),
  };
}
