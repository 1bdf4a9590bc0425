import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, mock } from 'node:test';
import { run } from '../../src/cli/migrate.ts';
import { MIGRATION_NAMES } from '../../src/store/sql/migrations/index.ts';

describe('windc migrate', () => {
  const root = mkdtempSync(join(tmpdir(), 'windc-migrate-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  function capture() {
    const out: string[] = [];
    const err: string[] = [];
    const log = mock.method(console, 'log', (...a: unknown[]) => out.push(a.join(' ')));
    const error = mock.method(console, 'error', (...a: unknown[]) => err.push(a.join(' ')));
    return {
      out,
      err,
      restore() {
        log.mock.restore();
        error.mock.restore();
      },
    };
  }

  it('creates the data dir, applies every migration, then has nothing to do', async () => {
    const dataDir = join(root, 'fresh');
    let io = capture();
    try {
      assert.equal(await run(['--data-dir', dataDir]), 0);
    } finally {
      io.restore();
    }
    assert.match(io.out[0]!, /^database: sqlite:.*windc\.db$/);
    assert.deepEqual(
      io.out.slice(1),
      MIGRATION_NAMES.map((n) => `applied ${n}`),
    );
    assert.equal(statSync(dataDir).mode & 0o777, 0o700, 'the data dir holds keys: owner only');

    io = capture();
    try {
      assert.equal(await run([`--data-dir=${dataDir}`]), 0);
    } finally {
      io.restore();
    }
    assert.equal(io.out[1], `up to date (${MIGRATION_NAMES.length} migrations)`);
  });

  it('answers usage errors with 2 and a database it cannot reach with 1', async () => {
    let io = capture();
    try {
      assert.equal(await run(['--bogus']), 2);
      assert.equal(await run(['--database-url', 'mysql://x/y']), 2);
      assert.equal(await run(['--help']), 0);
    } finally {
      io.restore();
    }
    assert.match(io.err[0]!, /usage: windc migrate/);
    io = capture();
    try {
      const code = await run([
        '--data-dir',
        join(root, 'pg'),
        '--database-url',
        'postgres://nobody:pw@127.0.0.1:1/none',
      ]);
      assert.equal(code, 1);
    } finally {
      io.restore();
    }
    assert.match(io.err[0]!, /^windc migrate: /);
    assert.ok(!io.err.join('\n').includes('pw@'), 'no password in the message');
  });
});
