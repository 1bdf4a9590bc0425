import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import type { MigrationReport } from '../../../src/store/index.ts';
import { MIGRATION_NAMES, MIGRATION_TABLE } from '../../../src/store/sql/migrations/index.ts';
import type { SqlStore } from '../../../src/store/sql/store.ts';
import { rejectsWith, type StoreHarness } from './harness.ts';
import { inChildren } from './processes.ts';

export function migrationsSuite(h: StoreHarness): void {
  describe('migrations', () => {
    it('migrates an empty database to the latest schema, once', async () => {
      const store = await h.fresh({ migrate: 'none' });
      try {
        assert.deepEqual(await store.pendingMigrations(), MIGRATION_NAMES);
        const first = await store.migrate();
        assert.deepEqual(first.applied, MIGRATION_NAMES);
        assert.deepEqual(first.current, MIGRATION_NAMES);
        const again = await store.migrate();
        assert.deepEqual(again.applied, []);
        assert.deepEqual(await store.pendingMigrations(), []);
        // The schema is usable: a write round-trips.
        const d = await store.devices.upsertDevice({ deviceId: 'after-migrate' });
        assert.equal((await store.devices.getDevice({ pk: d.pk }))?.deviceId, 'after-migrate');
      } finally {
        await store.close();
      }
    });

    it("refuses to open an unmigrated database in 'verify' mode", async () => {
      const store = await h.fresh({ migrate: 'none' });
      try {
        await rejectsWith(h.sibling(store, { migrate: 'verify' }), 'SCHEMA_MISMATCH');
        await store.migrate();
        await (await h.sibling(store, { migrate: 'verify' })).close();
      } finally {
        await store.close();
      }
    });

    it('refuses a database migrated by a newer build', async () => {
      const store = await h.fresh();
      try {
        const db = (store as SqlStore).db;
        await sql`insert into ${sql.table(MIGRATION_TABLE)} (name, timestamp) values ('9999-from-the-future', 'x')`.execute(
          db,
        );
        await rejectsWith(store.pendingMigrations(), 'SCHEMA_MISMATCH');
        await rejectsWith(store.migrate(), 'SCHEMA_MISMATCH');
      } finally {
        await store.close();
      }
    });

    it('lets several processes migrate the same empty database at once', async () => {
      const store = await h.fresh({ migrate: 'none' });
      try {
        const reports = await inChildren<MigrationReport>(h.locate(store), [
          { kind: 'migrate' },
          { kind: 'migrate' },
          { kind: 'migrate' },
        ]);
        const applied = reports.flatMap((r) => r.applied).sort();
        assert.deepEqual(applied, [...MIGRATION_NAMES].sort(), 'each migration applied exactly once');
        for (const r of reports) assert.deepEqual(r.current, MIGRATION_NAMES);
        assert.deepEqual(await store.pendingMigrations(), []);
      } finally {
        await store.close();
      }
    });
  });
}
