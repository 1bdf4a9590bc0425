// PostgreSQL runs prebuilt statements as named prepared statements (dialect.ts): they must really be prepared,
// never with a `*` column list, and keep working when a newer process's migration adds a column.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CompiledQuery } from 'kysely';
import pg from 'pg';
import { columnsOf, selectList } from '../../src/store/sql/columns.ts';
import { openPostgres, preparedName, registerPrepared } from '../../src/store/sql/dialect.ts';
import { prebuilt, run } from '../../src/store/sql/prebuilt.ts';
import { dropSchemas, requirePostgres, throwawaySchema } from '../support/postgres.ts';

describe('prepared statement registry', () => {
  it('registers explicit column lists and aggregates, never `*` columns', () => {
    const kept = [
      'select a, b from t where a = $1',
      'select count(*) as n from t',
      'update t set a = $1 returning a, b',
    ];
    const refused = [
      'select * from t where a = $1',
      'select t.*, u.x from t join u on u.a = t.a',
      'select u.x, t.* from t join u on u.a = t.a',
      'insert into t (a) values ($1) on conflict (a) do nothing returning *',
    ];
    for (const text of [...kept, ...refused]) registerPrepared(text);
    for (const text of kept) assert.match(preparedName(text) ?? '', /^windc_\d+$/, text);
    for (const text of refused) assert.equal(preparedName(text), undefined, text);
  });

  it('columnsOf names every column, or does not compile', () => {
    interface T {
      a: number;
      b: string;
    }
    assert.equal(selectList(columnsOf<T>()(['a', 'b']), 'x'), 'x.a, x.b');
    // @ts-expect-error b is missing
    columnsOf<T>()(['a']);
  });
});

const url = await requirePostgres('prepared statements on PostgreSQL');
if (url) {
  describe('prepared statements on PostgreSQL', () => {
    const schema = throwawaySchema();
    // One connection, so what the test asks PostgreSQL about is the connection the statements ran on.
    const db = openPostgres({ url, schema, poolSize: 1 });
    const admin = new pg.Client(url);
    after(async () => {
      await db.destroy();
      await admin.end();
      await dropSchemas(url, [schema]);
    });

    it('runs a prebuilt text by name, and keeps running it after a column is added', async () => {
      await admin.connect();
      await admin.query(`create schema ${schema}`);
      await admin.query(`create table ${schema}.t (a int primary key, b text)`);
      await admin.query(`insert into ${schema}.t values (1, 'one')`);
      const text = prebuilt('postgres', 'test:prepared:t', (p) => `select a, b from t where a = ${p()}`);
      const name = preparedName(text);
      assert.ok(name, 'the prebuilt text is registered');
      assert.deepEqual((await run(db, text, [1])).rows, [{ a: 1, b: 'one' }]);
      const prepared = await db.executeQuery<{ name: string; statement: string }>(
        CompiledQuery.raw('select name, statement from pg_prepared_statements'),
      );
      assert.deepEqual(
        prepared.rows.filter((r) => r.name === name),
        [{ name, statement: text }],
      );

      // What a rolling upgrade does: another process migrates while this one holds the prepared statement.
      await admin.query(`alter table ${schema}.t add column c text`);
      assert.deepEqual((await run(db, text, [1])).rows, [{ a: 1, b: 'one' }]);
    });

    it('shows why `*` is never prepared: PostgreSQL refuses the plan once the table grows', async () => {
      const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
      await client.connect();
      try {
        const star = { name: 'star', text: 'select * from t where a = $1', values: [1] };
        await client.query(star);
        await admin.query(`alter table ${schema}.t add column d text`);
        await assert.rejects(client.query(star), /cached plan must not change result type/);
      } finally {
        await client.end();
      }
    });
  });
}
