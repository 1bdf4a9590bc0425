import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../../src/store/index.ts';
import { enrolled, type StoreHarness, uniq } from './harness.ts';
import { inChildren } from './processes.ts';

/**
 * Concurrent callers. On PostgreSQL `a` and `b` are two stores with their own pools, which is all a second
 * server process is to the database. SQLite serves one process through one connection, so there both names
 * are the same store and the tests check that its transactions never interleave; separate SQLite processes
 * are covered by the child-process test at the end.
 */
export function concurrencySuite(h: StoreHarness): void {
  describe('concurrent callers on one database', () => {
    let a: Store;
    let b: Store;
    before(async () => {
      a = await h.fresh();
      b = h.backend === 'postgres' ? await h.sibling(a) : a;
    });
    after(async () => {
      await Promise.all([...new Set([a, b])].map((s) => s.close()));
    });

    it('never deliver one command twice in a session when racing to dequeue', async () => {
      const e = await enrolled(a);
      const { session } = await a.sessions.arrive({ enrollmentId: e.id, sessionId: '1', msgId: 1 });
      const total = 60;
      for (let i = 0; i < total; i++) await a.queue.enqueue({ enrollmentIds: [e.id], payload: i });
      const delivered: number[][] = [[], []];
      // Each process answers different messages of the same session (odd and even MsgIDs).
      await Promise.all(
        [a, b].map(async (store, p) => {
          for (let msgId = 2 + p; ; msgId += 2) {
            const r = await store.queue.dequeue({
              enrollmentId: e.id,
              sessionSeq: session.seq,
              msgId,
              limit: 3,
            });
            if (r.commands.length === 0) return;
            delivered[p]!.push(...r.commands.map((c) => c.id));
          }
        }),
      );
      const all = [...delivered[0]!, ...delivered[1]!];
      assert.equal(new Set(all).size, all.length, 'no command delivered twice');
      assert.equal(all.length, total, 'every command delivered once');
    });

    it('never deliver one command twice in a session across separate processes', async () => {
      const e = await enrolled(a);
      const { session } = await a.sessions.arrive({ enrollmentId: e.id, sessionId: '1', msgId: 1 });
      const total = 200;
      await a.transaction(async (tx) => {
        for (let i = 0; i < total; i++) await tx.queue.enqueue({ enrollmentIds: [e.id], payload: i });
      });
      const task = { kind: 'dequeue' as const, enrollmentId: e.id, sessionSeq: session.seq, msgStep: 2, limit: 2 };
      const [x, y] = await inChildren<number[]>(h.locate(a), [
        { ...task, firstMsgId: 2 },
        { ...task, firstMsgId: 3 },
      ]);
      const all = [...x!, ...y!];
      assert.equal(new Set(all).size, all.length, 'no command delivered twice');
      assert.equal(all.length, total, 'every command delivered once');
      const again = await a.queue.dequeue({ enrollmentId: e.id, sessionSeq: session.seq, msgId: 999 });
      assert.deepEqual(again.commands, []);
    });

    it('lose no ack when both record replies for the same rows at once', async () => {
      const e = await enrolled(a);
      const { session } = await a.sessions.arrive({ enrollmentId: e.id, sessionId: '1', msgId: 1 });
      for (let i = 0; i < 20; i++) await a.queue.enqueue({ enrollmentIds: [e.id], payload: i });
      const { commands } = await a.queue.dequeue({
        enrollmentId: e.id,
        sessionSeq: session.seq,
        msgId: 2,
        limit: 20,
      });
      await Promise.all(
        commands.flatMap((c) => [
          a.queue.recordReplies({
            enrollmentId: e.id,
            sessionSeq: session.seq,
            replies: [{ kind: 'status', msgRef: 2, cmdRef: c.commandUuid, code: 200 }],
          }),
          b.queue.recordReplies({
            enrollmentId: e.id,
            sessionSeq: session.seq,
            replies: [
              { kind: 'results', msgRef: 2, cmdRef: c.commandUuid, items: [{ source: './x', data: c.commandUuid }] },
            ],
          }),
        ]),
      );
      for (const c of commands) {
        const row = await b.queue.get(c.id);
        assert.equal(row?.state, 'acked');
        assert.equal(row?.itemStatuses.length, 1);
        assert.equal(row?.results.length, 1, 'the Results written beside the Status survived');
      }
    });

    it('append one transition when both take the same check-in at once', async () => {
      const e = await enrolled(a);
      const report = (state: number) => ({
        enrollmentId: e.id,
        documents: [{ documentId: 'A', checksum: 'c', resultChecksum: null, state }],
      });
      for (const state of [10, 20, 60, 61, 60]) {
        await Promise.all([a.reports.checkIn(report(state)), b.reports.checkIn(report(state))]);
      }
      assert.deepEqual((await a.reports.history(e.id, 'A')).map((t) => t.toState).reverse(), [10, 20, 60, 61, 60]);
    });

    it('serialise two enrollments of one device: one replaces the other', async () => {
      const deviceId = uniq('RACE');
      const [x, y] = await Promise.all([
        a.devices.enroll({ deviceId, kind: 'linked' }),
        b.devices.enroll({ deviceId, kind: 'linked' }),
      ]);
      assert.notEqual(x.id, y.id);
      const active = await a.devices.listEnrollments({ deviceId, status: 'active' });
      assert.equal(active.length, 1);
    });

    it('claim disjoint webhook deliveries', async () => {
      const url = `https://hooks.example/${uniq('race')}`;
      for (let i = 0; i < 30; i++) await a.webhooks.enqueue({ event: 'e', url, payload: i });
      const claims = await Promise.all(
        Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).webhooks.claimDue({ limit: 5, leaseMs: 60_000 })),
      );
      const ids = claims.flat().map((c) => c.id);
      assert.equal(new Set(ids).size, ids.length);
      assert.equal(ids.length, 30);
    });
  });
}
