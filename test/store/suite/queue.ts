import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../../src/store/index.ts';
import { Clock, enrolled, rejectsWith, type StoreHarness } from './harness.ts';

export function queueSuite(h: StoreHarness): void {
  describe('command queue', () => {
    const clock = new Clock();
    let store: Store;
    before(async () => {
      store = await h.fresh({ now: clock.now });
    });
    after(() => store.close());

    /** A fresh enrollment with its first session open. */
    async function device() {
      const e = await enrolled(store);
      const { session } = await store.sessions.arrive({ enrollmentId: e.id, sessionId: '1', msgId: 1 });
      return { e, seq: session.seq };
    }

    it('fans a command out to one row per enrollment, sharing its uuid', async () => {
      const [a, b] = [await enrolled(store), await enrolled(store)];
      const r = await store.queue.enqueue({
        enrollmentIds: [a.id, b.id, a.id],
        payload: { verb: 'Replace', uri: './Vendor/MSFT/DMClient/Provider/windc/Poll' },
        locUri: './Vendor/MSFT/DMClient/Provider/windc/Poll',
        origin: 'admin',
      });
      assert.deepEqual(
        r.queued.map((q) => q.enrollmentId),
        [a.id, b.id],
        'one row per enrollment, duplicates collapsed',
      );
      assert.deepEqual(r.skipped, []);
      const rows = await store.queue.list({ commandUuid: r.commandUuid });
      assert.equal(rows.length, 2);
      for (const row of rows) {
        assert.equal(row.state, 'queued');
        assert.equal(row.attempts, 0);
        assert.equal(row.origin, 'admin');
        assert.deepEqual(row.payload, { verb: 'Replace', uri: './Vendor/MSFT/DMClient/Provider/windc/Poll' });
        assert.equal(row.createdAt, clock.t);
      }
      assert.equal(await store.queue.countOpen(a.id), 1);
    });

    it('delivers in enqueue order with consecutive CmdIDs, whatever the clock says', async () => {
      const { e, seq } = await device();
      const ids = [];
      for (const [payload, cmdSpan] of [
        ['first', 1],
        ['atomic', 3],
        ['third', 1],
      ] as const) {
        ids.push((await store.queue.enqueue({ enrollmentIds: [e.id], payload, cmdSpan })).queued[0]!.id);
        clock.tick(-1000); // ordering is the sequence, never a timestamp
      }
      const r = await store.queue.dequeue({ enrollmentId: e.id, sessionSeq: seq, msgId: 2, firstCmdId: 3 });
      assert.deepEqual(
        r.commands.map((c) => [c.id, c.payload, c.cmdId, c.cmdSpan, c.attempt]),
        [
          [ids[0], 'first', 3, 1, 1],
          [ids[1], 'atomic', 4, 3, 1],
          [ids[2], 'third', 7, 1, 1],
        ],
      );
      assert.equal(r.nextCmdId, 8);
      const row = await store.queue.get(ids[0]!);
      assert.equal(row?.attempts, 1);
      assert.equal(row?.lastDeliveredAt, clock.t);
    });

    it('never delivers a command twice in one session, and re-delivers it in the next until acked', async () => {
      const { e, seq } = await device();
      const [x] = (await store.queue.enqueue({ enrollmentIds: [e.id], payload: 'x' })).queued;
      const m2 = await store.queue.dequeue({ enrollmentId: e.id, sessionSeq: seq, msgId: 2, firstCmdId: 2 });
      assert.deepEqual(
        m2.commands.map((c) => c.id),
        [x!.id],
      );
      const [y] = (await store.queue.enqueue({ enrollmentIds: [e.id], payload: 'y' })).queued;
      const m3 = await store.queue.dequeue({ enrollmentId: e.id, sessionSeq: seq, msgId: 3, firstCmdId: 2 });
      assert.deepEqual(
        m3.commands.map((c) => c.id),
        [y!.id],
        'only what this session has not carried yet',
      );
      await store.queue.recordReplies({
        enrollmentId: e.id,
        sessionSeq: seq,
        replies: [{ kind: 'status', msgRef: 3, cmdRef: 2, code: 200 }],
      });

      const next = await store.sessions.arrive({ enrollmentId: e.id, sessionId: '2', msgId: 1 });
      const again = await store.queue.dequeue({
        enrollmentId: e.id,
        sessionSeq: next.session.seq,
        msgId: 1,
        firstCmdId: 5,
      });
      assert.deepEqual(
        again.commands.map((c) => [c.id, c.cmdId, c.attempt]),
        [[x!.id, 5, 2]],
        'the unacked one comes back, with a CmdID of the new message',
      );
      await store.queue.recordReplies({
        enrollmentId: e.id,
        sessionSeq: next.session.seq,
        replies: [{ kind: 'status', msgRef: 1, cmdRef: 5, code: 200 }],
      });
      const third = await store.sessions.arrive({ enrollmentId: e.id, sessionId: '3', msgId: 1 });
      const none = await store.queue.dequeue({
        enrollmentId: e.id,
        sessionSeq: third.session.seq,
        msgId: 1,
        firstCmdId: 2,
      });
      assert.deepEqual(none.commands, []);
      assert.equal(none.nextCmdId, 2);
      assert.equal(await store.queue.countOpen(e.id), 0);
    });

    it('resolves Status and Results by (session, MsgRef, CmdRef), items and nested commands included', async () => {
      const { e, seq } = await device();
      const get = (await store.queue.enqueue({ enrollmentIds: [e.id], payload: 'get' })).queued[0]!;
      const atomic = (await store.queue.enqueue({ enrollmentIds: [e.id], payload: 'atomic', cmdSpan: 3 })).queued[0]!;
      // Two messages of one session both use CmdID 2: only MsgRef tells them apart.
      await store.queue.dequeue({ enrollmentId: e.id, sessionSeq: seq, msgId: 2, firstCmdId: 2, limit: 1 });
      await store.queue.dequeue({ enrollmentId: e.id, sessionSeq: seq, msgId: 3, firstCmdId: 2 });
      clock.tick();
      const r = await store.queue.recordReplies({
        enrollmentId: e.id,
        sessionSeq: seq,
        replies: [
          { kind: 'status', msgRef: 2, cmdRef: 2, code: 200 },
          { kind: 'results', msgRef: 2, cmdRef: 2, items: [{ source: './DevDetail/SwV', data: '10.0.26200' }] },
          { kind: 'status', msgRef: 3, cmdRef: 3, code: 200, targetRef: './a' }, // nested child
          { kind: 'status', msgRef: 3, cmdRef: 9, code: 200 }, // not ours: the engine's own command
          { kind: 'status', msgRef: 3, cmdRef: 2, code: 507 }, // the Atomic itself
          { kind: 'status', msgRef: 4, cmdRef: 2, code: 200 }, // no such message
        ],
      });
      assert.deepEqual(
        r.matched.map((m) => [m.queueId, m.reply.kind, m.acked]),
        [
          [get.id, 'status', true],
          [get.id, 'results', false],
          [atomic.id, 'status', false],
          [atomic.id, 'status', true],
        ],
      );
      assert.deepEqual(
        r.unmatched.map((u) => [u.msgRef, u.cmdRef]),
        [
          [3, 9],
          [4, 2],
        ],
      );
      const g = await store.queue.get(get.id);
      assert.equal(g?.state, 'acked');
      assert.equal(g?.status, 200);
      assert.equal(g?.finishedAt, clock.t);
      assert.deepEqual(g?.results, [
        {
          sessionSeq: seq,
          msgRef: 2,
          cmdRef: 2,
          items: [{ source: './DevDetail/SwV', data: '10.0.26200' }],
          at: clock.t,
        },
      ]);
      const a = await store.queue.get(atomic.id);
      assert.equal(a?.state, 'acked');
      assert.equal(a?.status, 507, "the row's status is its own command's, not a child's");
      assert.deepEqual(
        a?.itemStatuses.map((s) => [s.cmdRef, s.code, s.targetRef]),
        [
          [3, 200, './a'],
          [2, 507, undefined],
        ],
      );
    });

    it('keeps the first status when per-item statuses follow', async () => {
      const { e, seq } = await device();
      const [c] = (await store.queue.enqueue({ enrollmentIds: [e.id], payload: 'two items' })).queued;
      await store.queue.dequeue({ enrollmentId: e.id, sessionSeq: seq, msgId: 2, firstCmdId: 2 });
      await store.queue.recordReplies({
        enrollmentId: e.id,
        sessionSeq: seq,
        replies: [
          { kind: 'status', msgRef: 2, cmdRef: 2, code: 200, targetRef: './x' },
          { kind: 'status', msgRef: 2, cmdRef: 2, code: 404, targetRef: './y' },
        ],
      });
      const row = await store.queue.get(c!.id);
      assert.equal(row?.status, 200);
      assert.deepEqual(
        row?.itemStatuses.map((s) => [s.targetRef, s.code]),
        [
          ['./x', 200],
          ['./y', 404],
        ],
      );
    });

    it('skips a dedupe key already open for an enrollment, and allows it again once acked', async () => {
      const [a, b] = [await device(), await device()];
      const first = await store.queue.enqueue({ enrollmentIds: [a.e.id], payload: 'doc r1', dedupeKey: 'doc:1' });
      const second = await store.queue.enqueue({
        enrollmentIds: [a.e.id, b.e.id],
        payload: 'doc r1',
        dedupeKey: 'doc:1',
      });
      assert.deepEqual(second.skipped, [a.e.id]);
      assert.deepEqual(
        second.queued.map((q) => q.enrollmentId),
        [b.e.id],
      );
      await store.queue.dequeue({ enrollmentId: a.e.id, sessionSeq: a.seq, msgId: 2, firstCmdId: 2 });
      await store.queue.recordReplies({
        enrollmentId: a.e.id,
        sessionSeq: a.seq,
        replies: [{ kind: 'status', msgRef: 2, cmdRef: 2, code: 200 }],
      });
      assert.equal((await store.queue.get(first.queued[0]!.id))?.state, 'acked');
      const third = await store.queue.enqueue({ enrollmentIds: [a.e.id], payload: 'doc r1', dedupeKey: 'doc:1' });
      assert.equal(third.queued.length, 1);
    });

    it('cancels open rows, and still records a device that executed one', async () => {
      const { e, seq } = await device();
      const one = await store.queue.enqueue({ enrollmentIds: [e.id], payload: 1 });
      const two = await store.queue.enqueue({ enrollmentIds: [e.id], payload: 2 });
      await store.queue.dequeue({ enrollmentId: e.id, sessionSeq: seq, msgId: 2, firstCmdId: 2, limit: 1 });
      assert.equal(await store.queue.cancel({ ids: [one.queued[0]!.id] }), 1);
      assert.equal(await store.queue.cancel({ commandUuid: two.commandUuid, enrollmentId: e.id }), 1);
      assert.equal(await store.queue.cancel({ commandUuid: two.commandUuid }), 0, 'only open rows');
      assert.equal(await store.queue.countOpen(e.id), 0);
      const next = await store.sessions.arrive({ enrollmentId: e.id, sessionId: '2', msgId: 1 });
      assert.deepEqual(
        (await store.queue.dequeue({ enrollmentId: e.id, sessionSeq: next.session.seq, msgId: 1, firstCmdId: 2 }))
          .commands,
        [],
      );
      await store.queue.recordReplies({
        enrollmentId: e.id,
        sessionSeq: seq,
        replies: [{ kind: 'status', msgRef: 2, cmdRef: 2, code: 200 }],
      });
      assert.equal((await store.queue.get(one.queued[0]!.id))?.state, 'acked');
      assert.equal((await store.queue.get(two.queued[0]!.id))?.state, 'cancelled');
    });

    it('bounds a message by count and payload size, and expires commands out of attempts', async () => {
      const { e, seq } = await device();
      for (const p of ['a'.repeat(100), 'b'.repeat(100), 'c'.repeat(100)]) {
        await store.queue.enqueue({ enrollmentIds: [e.id], payload: p });
      }
      const big = await store.queue.dequeue({
        enrollmentId: e.id,
        sessionSeq: seq,
        msgId: 2,
        firstCmdId: 2,
        maxPayloadBytes: 50,
      });
      assert.equal(big.commands.length, 1, 'one command always fits');
      const two = await store.queue.dequeue({
        enrollmentId: e.id,
        sessionSeq: seq,
        msgId: 3,
        firstCmdId: 2,
        maxPayloadBytes: 150,
      });
      assert.equal(two.commands.length, 1, 'a second would exceed the budget');
      const rest = await store.queue.dequeue({
        enrollmentId: e.id,
        sessionSeq: seq,
        msgId: 4,
        firstCmdId: 2,
        limit: 5,
      });
      assert.equal(rest.commands.length, 1);

      const s2 = await store.sessions.arrive({ enrollmentId: e.id, sessionId: '2', msgId: 1 });
      const retry = await store.queue.dequeue({
        enrollmentId: e.id,
        sessionSeq: s2.session.seq,
        msgId: 1,
        firstCmdId: 2,
        maxAttempts: 1,
      });
      assert.deepEqual(retry.commands, []);
      const rows = await store.queue.list({ enrollmentId: e.id });
      assert.deepEqual(
        rows.map((r) => r.state),
        ['expired', 'expired', 'expired'],
      );
      assert.equal(await store.queue.countOpen(e.id), 0);
    });

    it('validates its arguments', async () => {
      const { e, seq } = await device();
      await rejectsWith(
        store.queue.dequeue({ enrollmentId: e.id, sessionSeq: seq, msgId: 2, firstCmdId: 0 }),
        'INVALID',
      );
      await rejectsWith(store.queue.enqueue({ enrollmentIds: [e.id], payload: 1, cmdSpan: 0 }), 'INVALID');
      await rejectsWith(store.queue.enqueue({ enrollmentIds: [9_999_999], payload: 1 }), 'NOT_FOUND');
      const empty = await store.queue.enqueue({ enrollmentIds: [], payload: 1 });
      assert.deepEqual(empty.queued, []);
    });

    it('lists with filters and pages, and prunes finished rows with their deliveries', async () => {
      const { e, seq } = await device();
      const made = [];
      for (let i = 0; i < 3; i++)
        made.push((await store.queue.enqueue({ enrollmentIds: [e.id], payload: i })).queued[0]!.id);
      const page = await store.queue.list({ enrollmentId: e.id, limit: 2 });
      assert.deepEqual(
        page.map((r) => r.id),
        made.slice(0, 2),
      );
      assert.deepEqual(
        (await store.queue.list({ enrollmentId: e.id, after: page[1]!.id })).map((r) => r.id),
        [made[2]],
      );
      await store.queue.dequeue({ enrollmentId: e.id, sessionSeq: seq, msgId: 2, firstCmdId: 2, limit: 1 });
      await store.queue.recordReplies({
        enrollmentId: e.id,
        sessionSeq: seq,
        replies: [{ kind: 'status', msgRef: 2, cmdRef: 2, code: 200 }],
      });
      await store.queue.cancel({ ids: [made[1]!] });
      assert.deepEqual(
        (await store.queue.list({ enrollmentId: e.id, state: 'queued' })).map((r) => r.id),
        [made[2]],
      );
      await store.queue.prune(clock.t);
      assert.equal(
        (await store.queue.list({ enrollmentId: e.id })).length,
        3,
        'nothing of ours finished before the cutoff',
      );
      assert.ok((await store.queue.prune(clock.t + 1)) >= 2);
      assert.deepEqual(
        (await store.queue.list({ enrollmentId: e.id })).map((r) => r.id),
        [made[2]],
      );
      assert.deepEqual(await store.sessions.outstanding(e.id, seq), []);
    });
  });
}
