// Replicas started together on a fresh database and a shared data dir (one volume, `--scale 2`): each made its own
// CA, the database kept the first one registered, the disk the last one written, so one replica refused to start
// and, after that, every restart did.
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import pg from 'pg';
import { freePort } from '../../device/e2e/support.ts';
import { dropSchemas, requirePostgres, throwawaySchema } from '../../support/postgres.ts';
import { type ServeProcess, startServe } from './serve.ts';

const url = await requirePostgres('first start of two windc serve processes together');
if (url) {
  const schema = throwawaySchema();
  const dataDir = mkdtempSync(join(tmpdir(), 'windc-first-start-'));
  const started: ServeProcess[] = [];
  after(async () => {
    await Promise.all(started.map((s) => s.stop()));
    await dropSchemas(url, [schema]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A client per query, closed whatever happens: an open one would keep the test process alive. */
  const query = async <R extends pg.QueryResultRow>(text: string): Promise<R[]> => {
    const db = new pg.Client(url);
    await db.connect();
    try {
      return (await db.query<R>(text)).rows;
    } finally {
      await db.end();
    }
  };

  it('two processes started at once on nothing both serve, from the CA on disk and in the database', async () => {
    await query(`create schema ${schema}`);
    const args = [
      ...['--database-url', `${url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`],
      ...['--data-dir', dataDir, '--public-url', 'https://127.0.0.1:9', '--log-level', 'warn'],
    ];
    const ports = [await freePort(), await freePort()];
    const results = await Promise.allSettled(ports.map((p) => startServe(p, args)));
    for (const r of results) if (r.status === 'fulfilled') started.push(r.value);
    assert.deepEqual(
      results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'ready')),
      ['ready', 'ready'],
    );
    const disk = new X509Certificate(readFileSync(join(dataDir, 'ca.pem')));
    const stored = await query<{ fingerprint: string }>(`select fingerprint from ${schema}.authorities`);
    assert.deepEqual(
      stored.map((r) => r.fingerprint),
      [createHash('sha256').update(disk.raw).digest('hex')],
    );
  });
}
