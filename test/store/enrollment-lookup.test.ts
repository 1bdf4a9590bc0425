import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openStore } from '../../src/store/index.ts';
import type { SqlStore } from '../../src/store/sql/store.ts';

describe('enrollment lookups on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'windc-enroll-index-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("find and replace a device's active enrollment through an index, not a table scan", async () => {
    const store = (await openStore({ dataDir: dir, env: {} })) as SqlStore;
    try {
      for (const id of ['A', 'B', 'C']) await store.devices.enroll({ deviceId: id, kind: 'primary' });
      // The statement shapes the store issues: status is bound, so the partial one-active index cannot serve.
      const plans = [
        sql`explain query plan select e.id from enrollments as e inner join devices as d on d.id = e.device_pk
            where d.device_id = ${'A'} and e.kind = ${'primary'} and e.status = ${'active'}`,
        sql`explain query plan update enrollments set status = ${'replaced'}, ended_at = ${1}
            where device_pk = ${1} and kind = ${'primary'} and status = ${'active'}`,
      ];
      for (const q of plans) {
        const detail = (await q.execute(store.db)).rows.map((r) => (r as { detail: string }).detail).join('; ');
        assert.doesNotMatch(detail, /SCAN (e|enrollments)\b/, detail);
      }
    } finally {
      await store.close();
    }
  });
});
