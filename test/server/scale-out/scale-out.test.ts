// README's scale-out claim, end to end: two real `windc serve` processes on one PostgreSQL database behind a TCP
// round-robin balancer, devices opening a new connection for every message, so the messages of one OMA-DM session
// land on both processes. Then one process is killed mid-rollout and the other must finish it alone.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { DeviceClient } from '../../../src/device/client.ts';
import { TokenIssuer } from '../../../src/device/issuer.ts';
import { HttpTransport } from '../../../src/device/net/transport.ts';
import type { SessionResult } from '../../../src/device/omadm/session.ts';
import { freePort } from '../../device/e2e/support.ts';
import { dropSchemas, requirePostgres, throwawaySchema } from '../../support/postgres.ts';
import { api, compliantInEventLog, fileDocument } from '../admin/support.ts';
import { TestFleet } from '../declared/fleet.ts';
import { EventFollower } from './follower.ts';
import { RoundRobinProxy } from './proxy.ts';
import { type ServeProcess, startServe } from './serve.ts';

const N = 16;
const FILE = ['C', 'Temp', 'windc', 'hello.txt'];

type Counts = Record<string, number>;
type Doc = { id: string; checksum: string };
type DeviceDoc = { status: string; desiredChecksum: string; reportedChecksum: string | null; result: unknown };

const url = await requirePostgres('scale-out: two windc serve processes on PostgreSQL');
if (url) {
  describe(`scale-out: ${N} devices, two windc serve processes on one PostgreSQL, round-robin per connection`, () => {
    const schema = throwawaySchema();
    const dataDir = mkdtempSync(join(tmpdir(), 'windc-scale-out-'));
    const servers: ServeProcess[] = [];
    let proxy: RoundRobinProxy;
    let fleet: TestFleet;
    let follower: EventFollower | undefined;
    let admin: { a: { port: number; caPem: string; token: string }; b: { port: number; caPem: string; token: string } };
    const call = async <T = Record<string, unknown>>(via: 'a' | 'b', method: string, path: string, body?: unknown) => {
      const r = await api<T>(admin[via], method, path, body);
      assert.ok(r.status < 400, `${method} ${path} on ${via}: ${r.status} ${r.text}`);
      return r.body;
    };
    const counts = async (id: string) =>
      (await call<{ rollup: { counts: Counts } }>('b', 'GET', `/api/v1/documents/${id}`)).rollup.counts;
    const deviceDoc = (c: DeviceClient, id: string) =>
      call<DeviceDoc>('b', 'GET', `/api/v1/devices/${c.device.identity.devId}/documents/${id}`);
    const file = (c: DeviceClient) => readFile(join(c.device.paths.sandbox, ...FILE), 'utf8');
    const logs = () => servers.map((s, i) => `--- server ${i} ---\n${s.output()}`).join('\n');

    /** No session may fail: not on a process's own error, nor on a 429 from a session cap counting wrongly. */
    const allOk = (results: SessionResult[]) =>
      assert.deepEqual(
        results.filter((r) => !r.ok).map((r) => r.error?.message),
        [],
        logs(),
      );

    async function converge(done: () => Promise<boolean>, rounds = 5): Promise<void> {
      for (let i = 0; i < rounds; i++) {
        allOk(await fleet.syncAll('windc', 8));
        if (await done()) return;
      }
      assert.fail(`did not converge\n${logs()}`);
    }

    before(async () => {
      // `windc serve` takes its schema from the URL's search_path (README, PostgreSQL), which must exist.
      const db = new pg.Client(url);
      await db.connect();
      await db.query(`create schema ${schema}`).finally(() => db.end());
      const databaseUrl = `${url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
      const issuer = await TokenIssuer.open(join(dataDir, 'issuer'));
      const [pa, pb, pp] = [await freePort(), await freePort(), await freePort()];
      const publicUrl = `https://127.0.0.1:${pp}`;
      const args = [
        ...['--database-url', databaseUrl, '--data-dir', dataDir, '--public-url', publicUrl],
        ...['--enroll-rate', '0', '--log-level', 'warn', ...issuer.serveFlags()],
        // The devices below never run more than 8 sessions at once, so a process counting right refuses none.
        ...['--max-sessions', '8', '--retry-after', '1'],
      ];
      // One after the other: the first makes the CA, TLS key, secret and admin token the second then finds.
      servers.push(await startServe(pa!, args));
      servers.push(await startServe(pb!, args));
      proxy = new RoundRobinProxy([pa!, pb!]);
      await proxy.listen(pp!);
      const caPem = readFileSync(join(dataDir, 'ca.pem'), 'utf8');
      const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
      const secret = readFileSync(join(dataDir, 'enroll-secret'), 'utf8').trim();
      admin = { a: { port: pa!, caPem, token }, b: { port: pb!, caPem, token } };
      // No idle connection is kept, so every message of a session is a new connection the proxy routes afresh.
      fleet = new TestFleet({ url: publicUrl, caPem, secret, issuer }, new HttpTransport({ maxIdlePerKey: 0 }));
    });

    after(async () => {
      await follower?.stop().catch(() => undefined);
      await fleet?.close().catch(() => undefined);
      await proxy?.close().catch(() => undefined);
      await Promise.all(servers.map((s) => s.stop()));
      await dropSchemas(url, [schema]);
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('enrolls and links every device through the balancer', async () => {
      // Follows the log through b while both processes publish, for the last test.
      follower = new EventFollower(admin.b);
      follower.start();
      await fleet.enroll(N, 4);
      allOk(await fleet.syncAll('primary', 8));
      for (const c of fleet.clients) {
        for (let i = 0; i < 100 && !TestFleet.windc(c); i++) await new Promise((r) => setTimeout(r, 20));
        assert.ok(TestFleet.windc(c), `device ${c.device.identity.devId} has its WinDC account`);
      }
      const [a, b] = proxy.counts();
      assert.ok(a! >= 10 && b! >= 10, `both processes served enrollments and sessions: ${a} / ${b}`);
    });

    let doc: Doc;
    it('a document assigned on one process is applied through both and reported compliant on the other', async () => {
      doc = (await call<{ document: Doc }>('a', 'POST', '/api/v1/documents', fileDocument('version one'))).document;
      await call('a', 'PUT', '/api/v1/sets/baseline', {});
      await call('a', 'PUT', `/api/v1/sets/baseline/documents/${doc.id}`);
      await call('a', 'PUT', '/api/v1/groups/all', {});
      const rule = await call<{ evaluated: number }>('a', 'PUT', '/api/v1/groups/all/rules', {
        match: 'all',
        conditions: [{ attribute: 'manufacturer', op: 'equals', value: 'windc' }],
      });
      assert.equal(rule.evaluated, N);
      await call('a', 'PUT', '/api/v1/sets/baseline/groups/all');

      // One device alone: with nothing else on the balancer its connections alternate, so a session of several
      // messages has had them answered by both processes.
      const first = fleet.clients[0]!;
      const from = proxy.log.length;
      const session = await first.sync(TestFleet.windc(first)!.id);
      await first.device.idle();
      assert.ok(session.ok, `session failed: ${session.error?.message}\n${logs()}`);
      assert.ok(session.messages >= 2, `a multi-message session (${session.messages})`);
      assert.deepEqual(
        proxy.counts(from).map((n) => n > 0),
        [true, true],
        `its messages reached both processes: ${proxy.log.slice(from)}`,
      );

      await converge(async () => (await counts(doc.id)).compliant === N);
      for (const c of fleet.clients) {
        const view = await deviceDoc(c, doc.id);
        assert.equal(view.status, 'compliant');
        assert.equal(view.reportedChecksum, doc.checksum);
        assert.notEqual(view.result, null, 'the result was fetched');
        assert.equal(await file(c), 'version one');
      }
      const [a, b] = proxy.counts();
      const total = a! + b!;
      assert.ok(Math.min(a!, b!) >= total * 0.3, `each process served a fair share: ${a} / ${b}`);
    });

    it('a rule group made on one process reaches every device at its next session, on either process', async () => {
      const extra = (
        await call<{ document: Doc }>('a', 'POST', '/api/v1/documents', {
          ...fileDocument('second', 'C:\\Temp\\windc\\second.txt'),
          name: 'second file',
        })
      ).document;
      await call('a', 'PUT', '/api/v1/sets/extra', {});
      await call('a', 'PUT', `/api/v1/sets/extra/documents/${extra.id}`);
      await call('a', 'PUT', '/api/v1/groups/everyone', {});
      await call('a', 'PUT', '/api/v1/sets/extra/groups/everyone');
      // The changes so far reach no device, but they end every device's quiet mark, so these sessions run the
      // reconciler and both processes read the group rules, as they do on any session's first message.
      allOk(await fleet.syncAll('windc', 8));
      const rule = await call<{ evaluated: number }>('a', 'PUT', '/api/v1/groups/everyone/rules', {
        match: 'all',
        conditions: [{ attribute: 'manufacturer', op: 'equals', value: 'windc' }],
      });
      assert.equal(rule.evaluated, N);
      allOk(await fleet.syncAll('windc', 8));
      const missing: string[] = [];
      for (const c of fleet.clients) {
        const got = await readFile(join(c.device.paths.sandbox, 'C', 'Temp', 'windc', 'second.txt'), 'utf8').catch(
          () => undefined,
        );
        if (got !== 'second') missing.push(c.device.identity.devId);
      }
      assert.deepEqual(missing, [], 'devices that did not get the group’s document in their first session after');
      await converge(async () => (await counts(extra.id)).compliant === N);
    });

    it('lost answers and duplicated messages, each copy answered by the other process, lose nothing', async () => {
      // Consecutive connections alternate between the processes, so a resent or duplicated message is handled by
      // the process that did not see the first copy: only what is in the database can make it come out right.
      const faulty = (
        await call<{ document: Doc }>('a', 'POST', '/api/v1/documents', {
          ...fileDocument('third', 'C:\\Temp\\windc\\third.txt'),
          name: 'third file',
        })
      ).document;
      for (const [i, c] of fleet.clients.entries()) {
        c.device.faults.configure({ network: { dropResponseRate: 0.2, duplicateSendRate: 0.2 }, seed: i + 1 });
      }
      await call('a', 'PUT', `/api/v1/sets/extra/documents/${faulty.id}`);
      let failed = 0;
      for (let i = 0; i < 8 && (await counts(faulty.id)).compliant !== N; i++) {
        failed += (await fleet.syncAll('windc', 8)).filter((r) => !r.ok).length;
      }
      for (const c of fleet.clients) c.device.faults.configure({});
      assert.equal((await counts(faulty.id)).compliant, N, `converged despite ${failed} failed sessions\n${logs()}`);
      allOk(await fleet.syncAll('windc', 8));
      for (const c of fleet.clients) {
        const got = await readFile(join(c.device.paths.sandbox, 'C', 'Temp', 'windc', 'third.txt'), 'utf8');
        assert.equal(got, 'third');
        const view = await deviceDoc(c, faulty.id);
        assert.equal(view.status, 'compliant');
        assert.notEqual(view.result, null);
      }
      assert.equal((await compliantInEventLog(admin.b, faulty.checksum)).size, N);
    });

    it('one process killed mid-rollout: the other finishes it and nothing accepted is lost', async () => {
      const next = (
        await call<{ document: Doc }>('a', 'PUT', `/api/v1/documents/${doc.id}`, fileDocument('version two'))
      ).document;
      assert.notEqual(next.checksum, doc.checksum);
      const from = proxy.log.length;
      const rollout = fleet.syncAll('windc', 4);
      while (proxy.log.length - from < N / 2) await new Promise((r) => setTimeout(r, 5));
      servers[0]!.child.kill('SIGKILL');
      await servers[0]!.exited;
      const atKill = proxy.log.length;
      await rollout;

      await converge(async () => (await counts(doc.id)).compliant === N);
      assert.ok(proxy.dead.has(0), 'the balancer noticed the dead process');
      assert.deepEqual(proxy.counts(atKill)[0], 0);
      assert.ok(proxy.counts(from)[0]! > 0, 'the killed process had served part of this rollout');
      for (const c of fleet.clients) {
        const view = await deviceDoc(c, doc.id);
        assert.equal(view.status, 'compliant');
        assert.equal(view.desiredChecksum, next.checksum);
        assert.equal(view.reportedChecksum, next.checksum);
        assert.equal(await file(c), 'version two');
      }
      const reached = await compliantInEventLog(admin.b, next.checksum);
      assert.equal(reached.size, N, 'every device’s move to the new version is in the event log');
    });

    it('a reader following the event log through one process missed none of either’s events', async () => {
      await follower!.stop();
      const all = await EventFollower.all(admin.b);
      assert.ok(all.size >= N * 4, `events: ${all.size}`);
      assert.deepEqual(
        [...all].filter((id) => !follower!.seen.has(id)),
        [],
      );
    });

    it('the surviving process logged no error', () => {
      assert.doesNotMatch(servers[1]!.output(), /"level":(50|60)/, logs());
    });
  });
}
