// "Nothing accepted is ever lost, across crashes too", on the default store: a real `windc serve` on SQLite is
// killed with SIGKILL (no shutdown of any kind) right after an admin change and again in the middle of a rollout,
// restarted on the same data dir, and must have kept everything it had answered for, with an intact database.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { DeviceClient } from '../../src/device/client.ts';
import { TokenIssuer } from '../../src/device/issuer.ts';
import { freePort } from '../device/e2e/support.ts';
import { api, compliantInEventLog, fileDocument } from './admin/support.ts';
import { TestFleet } from './declared/fleet.ts';
import { type ServeProcess, startServe } from './scale-out/serve.ts';

const N = 12;
const FILE = ['C', 'Temp', 'windc', 'hello.txt'];

type Doc = { id: string; checksum: string };

describe(`crash: windc serve on SQLite killed and restarted under ${N} devices`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'windc-crash-'));
  let port: number;
  let args: string[];
  let server: ServeProcess;
  let fleet: TestFleet;
  let admin: { port: number; caPem: string; token: string };
  const call = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => {
    const r = await api<T>(admin, method, path, body);
    assert.ok(r.status < 400, `${method} ${path}: ${r.status} ${r.text}\n${server.output()}`);
    return r.body;
  };
  const compliant = async (doc: Doc) =>
    (await call<{ rollup: { counts: Record<string, number> } }>('GET', `/api/v1/documents/${doc.id}`)).rollup.counts
      .compliant === N;
  const file = (c: DeviceClient) => readFile(join(c.device.paths.sandbox, ...FILE), 'utf8');

  async function crashAndRestart(): Promise<void> {
    server.child.kill('SIGKILL');
    await server.exited;
    // What the kill left on disk, before the restarted server touches it.
    const db = new Database(join(dataDir, 'windc.db'), { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      db.close();
    }
    server = await startServe(port, args);
  }

  async function converge(done: () => Promise<boolean>): Promise<void> {
    for (let round = 0; round < 6; round++) {
      await fleet.syncAll('windc', 6);
      if (await done()) return;
    }
    assert.fail(`did not converge\n${server.output()}`);
  }

  before(async () => {
    const issuer = await TokenIssuer.open(join(dataDir, 'issuer'));
    port = await freePort();
    const url = `https://127.0.0.1:${port}`;
    args = ['--data-dir', dataDir, '--public-url', url, '--enroll-rate', '0', '--log-level', 'warn'];
    args.push(...issuer.serveFlags());
    server = await startServe(port, args);
    const caPem = readFileSync(join(dataDir, 'ca.pem'), 'utf8');
    const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const secret = readFileSync(join(dataDir, 'enroll-secret'), 'utf8').trim();
    admin = { port, caPem, token };
    fleet = new TestFleet({ url, caPem, secret, issuer });
    await fleet.enroll(N, 4);
    await fleet.syncAll('primary', 6);
  });

  after(async () => {
    await fleet?.close().catch(() => undefined);
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  let doc: Doc;
  it('keeps every admin change it answered, though killed the moment after', async () => {
    doc = (await call<{ document: Doc }>('POST', '/api/v1/documents', fileDocument('version one'))).document;
    await call('PUT', '/api/v1/sets/baseline', {});
    await call('PUT', `/api/v1/sets/baseline/documents/${doc.id}`);
    await call('PUT', '/api/v1/groups/all', {});
    await call('PUT', '/api/v1/groups/all/rules', {
      match: 'all',
      conditions: [{ attribute: 'manufacturer', op: 'equals', value: 'windc' }],
    });
    await call('PUT', '/api/v1/sets/baseline/groups/all');
    await crashAndRestart();

    const kept = await call<Doc>('GET', `/api/v1/documents/${doc.id}`);
    assert.equal(kept.checksum, doc.checksum);
    await converge(() => compliant(doc));
    for (const c of fleet.clients) assert.equal(await file(c), 'version one');
  });

  it('killed in the middle of a rollout: after the restart every device converges and the log has every move', async () => {
    const next = (await call<{ document: Doc }>('PUT', `/api/v1/documents/${doc.id}`, fileDocument('version two')))
      .document;
    assert.notEqual(next.checksum, doc.checksum);
    const rollout = fleet.syncAll('windc', 4);
    // Let part of the fleet through first, so the kill lands among sessions in flight.
    for (let i = 0; i < 400; i++) {
      const moved = await Promise.all(fleet.clients.map((c) => file(c).catch(() => '')));
      if (moved.filter((x) => x === 'version two').length >= N / 3) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await crashAndRestart();
    const during = await rollout;
    assert.ok(
      during.some((r) => !r.ok),
      'the kill cut sessions short',
    );

    await converge(() => compliant(next));
    for (const c of fleet.clients) {
      const view = await call<{ status: string; reportedChecksum: string | null; result: unknown }>(
        'GET',
        `/api/v1/devices/${c.device.identity.devId}/documents/${doc.id}`,
      );
      assert.equal(view.status, 'compliant');
      assert.equal(view.reportedChecksum, next.checksum);
      assert.notEqual(view.result, null, 'the result was fetched');
      assert.equal(await file(c), 'version two');
    }
    const reached = await compliantInEventLog(admin, next.checksum);
    assert.equal(reached.size, N, 'every device’s move to the new version is in the event log');
  });
});
