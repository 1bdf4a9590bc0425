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

    it("delivers in enqueue order under each command's own wire id, whatever the clock says", async () => {
      const { e, seq } = await device();
      const made = [];
      for (const payload of ['first', 'atomic', 'third']) {
        made.push(await store.queue.enqueue({ enrollmentIds: [e.id], payload }));
        clock.tick(-1000); // ordering is the sequence, never a timestamp
      }
      const r = await store.queue.dequeue({ enrollmentId: e.id, sessionSeq: seq, msgId: 2 });
      assert.deepEqual(
        r.commands.map((c) => [c.id, c.commandUuid, c.payload, c.attempt]),
        made.map((m, i) => [m.queued[0]!.id, m.commandUuid, ['first', 'atomic', 'third'][i], 1]),
      );
      for (const m of made) assert.match(m.commandUuid, /^[0-9a-f-]{36}$/, 'a lower-case UUID');
      const row = await store.queue.get(made[0]!.queued[0]!.id);
      assert.equal(row?.attempts, 1);
      assert.equal(row?.lastDeliveredAt, clock.t);
    });

    it('never delivers a command twice in one session, and re-delivers it under the same id until acked', async () => {
      const { e, seq } = await device();
      const x = await store.queue.enqueue({ enrollmentIds: [e.id], payload: 'x' });
      const m2 = await store.queue.dequeue({ enrollmentId: e.id, sessionSeq: seq, msgId: 2 });
      assert.deepEqual(
        m2.commands.map((c) => c.commandUuid),
        [x.commandUuid],
      );
      const y = await store.queue.enqueue({ enrollmentIds: [e.id], payload: 'y' });
      const m3 = await store.queue.dequeue({ enrollmentId: e.id, sessionSeq: seq, msgId: 3 });
      assert.deepEqual(
        m3.commands.map((c) => c.commandUuid),
        [y.commandUuid],
        'only what this session has not carried yet',
      );
      await store.queue.recordReplies({
        enrollmentId: e.id,
        sessionSeq: seq,
        replies: [{ kind: 'status', msgRef: 3, cmdRef: y.commandUuid, code: 200 }],
      });

      const next = await store.sessions.arrive({ enrollmentId: e.id, sessionId: '2', msgId: 1 });
      const again = await store.queue.dequeue({ enrollmentId: e.id, sessionSeq: next.session.seq, msgId: 1 });
      assert.deepEqual(
        again.commands.map((c) => [c.commandUuid, c.attempt]),
        [[x.commandUuid, 2]],
        'the unacked one comes back with the CmdID it had',
      );
      await store.queue.recordReplies({
        enrollmentId: e.id,
        sessionSeq: next.session.seq,
        replies: [{ kind: 'status', msgRef: 1, cmdRef: x.commandUuid, code: 200 }],
      });
      const third = await store.sessions.arrive({ enrollmentId: e.id, sessionId: '3', msgId: 1 });
      const none = await store.queue.dequeue({ enrollmentId: e.id, sessionSeq: third.session.seq, msgId: 1 });
      assert.deepEqual(none.commands, []);
      assert.equal(await store.queue.countOpen(e.id), 0);
    });

    it('resolves Status and Results through CmdRef alone, nested commands and items included', async () => {
      const { e, seq } = await device();
      const other = await device();
      const get = await store.queue.enqueue({
        enrollmentIds: [e.id],
        payload: 'get',
        origin: 'test:get',
        dedupeKey: 'get:swv',
        locUri: './DevDetail/SwV',
      });
      const atomic = await store.queue.enqueue({ enrollmentIds: [e.id, other.e.id], payload: 'atomic' });
      await store.queue.dequeue({ enrollmentId: e.id, sessionSeq: seq, msgId: 2, limit: 1 });
      await store.queue.dequeue({ enrollmentId: e.id, sessionSeq: seq, msgId: 3 });
      const never = await store.queue.enqueue({ enrollmentIds: [e.id], payload: 'not sent yet' });
      clock.tick();
      const r = await store.queue.recordReplies({
        enrollmentId: e.id,
        sessionSeq: seq,
        replies: [
          { kind: 'status', msgRef: 2, cmdRef: get.commandUuid, code: 200 },
          { kind: 'results', msgRef: 2, cmdRef: get.commandUuid, items: [{ source: './DevDetail/SwV', data: '10.0' }] },
          { kind: 'status', msgRef: 3, cmdRef: `${atomic.commandUuid}.1`, code: 200, targetRef: './a' },
          { kind: 'status', msgRef: 3, cmdRef: '4', code: 200 }, // the engine's own command
          { kind: 'status', msgRef: 3, cmdRef: atomic.commandUuid.toUpperCase(), code: 507 }, // the Atomic itself
          { kind: 'status', msgRef: 3, cmdRef: never.commandUuid, code: 200 }, // never delivered
        ],
      });
      assert.deepEqual(
        r.matched.map((m) => [m.queueId, m.reply.kind, m.acked]),
        [
          [get.queued[0]!.id, 'status', true],
          [get.queued[0]!.id, 'results', false],
          [atomic.queued[0]!.id, 'status', false],
          [atomic.queued[0]!.id, 'status', true],
        ],
      );
      // Each reply says what its command was, as queued, so the reconciler need not read the row again.
      assert.deepEqual(
        r.matched.map((m) => [m.origin, m.dedupeKey, m.locUri]),
        [
          ['test:get', 'get:swv', './DevDetail/SwV'],
          ['test:get', 'get:swv', './DevDetail/SwV'],
          [null, null, null],
          [null, null, null],
        ],
      );
      assert.deepEqual(
        r.unmatched.map((u) => u.cmdRef),
        ['4', never.commandUuid],
      );
      const g = await store.queue.get(get.queued[0]!.id);
      assert.equal(g?.state, 'acked');
      assert.equal(g?.status, 200);
      assert.equal(g?.finishedAt, clock.t);
      assert.deepEqual(g?.results, [
        {
          sessionSeq: seq,
          msgRef: 2,
          cmdRef: get.commandUuid,
          items: [{ source: './DevDetail/SwV', data: '10.0' }],
          at: clock.t,
        },
      ]);
      const a = await store.queue.get(atomic.queued[0]!.id);
      assert.equal(a?.state, 'acked');
      assert.equal(a?.status, 507, "the row's status is its own command's, not a child's");
      assert.deepEqual(
        a?.itemStatuses.map((s) => [s.cmdRef, s.code, s.targetRef]),
        [
          [`${atomic.commandUuid}.1`, 200, './a'],
          [atomic.commandUuid.toUpperCase(), 507, undefined],
        ],
      );
      const theirs = await store.queue.get(atomic.queued[1]!.id);
      assert.equal(theirs?.state, 'queued', "one enrollment's Status never acks another's row of the same command");
    });

    it('keeps the first status when per-item statuses follow', async () => {
      const { e, seq } = await device();
      const c = await store.queue.enqueue({ enrollmentIds: [e.id], payload: 'two items' });
      await store.queue.dequeue({ enrollmentId: e.id, sessionSeq: seq, msgId: 2 });
      await store.queue.recordReplies({
        enrollmentId: e.id,
        sessionSeq: seq,
        replies: [
          { kind: 'status', msgRef: 2, cmdRef: c.commandUuid, code: 200, targetRef: './x' },
          { kind: 'status', msgRef: 2, cmdRef: c.commandUuid, code: 404, targetRef: './y' },
        ],
      });
      const row = await store.queue.get(c.queued[0]!.id);
      assert.equal(row?.status, 200);
      assert.deepEqual(
        row?.itemStatuses.map((s) => [s.targetRef, s.code]),
        [
          ['./x', 200],
          ['./y', 404],
        ],
      );
    });

    it('treats 213 as a chunk accepted, not as the ack', async () => {
      const { e, seq } = await device();
      const c = await store.queue.enqueue({ enrollmentIds: [e.id], payload: 'large object' });
      await store.queue.dequeue({ enrollmentId: e.id, sessionSeq: seq, msgId: 2 });
      const chunk = await store.queue.recordReplies({
        enrollmentId: e.id,
        sessionSeq: seq,
        replies: [{ kind: 'status', msgRef: 2, cmdRef: c.commandUuid, code: 213 }],
      });
      assert.equal(chunk.matched[0]?.acked, false);
      assert.equal((await store.queue.get(c.queued[0]!.id))?.state, 'queued');
      const last = await store.queue.recordReplies({
        enrollmentId: e.id,
        sessionSeq: seq,
        replies: [{ kind: 'status', msgRef: 3, cmdRef: c.commandUuid, code: 200 }],
      });
      assert.equal(last.matched[0]?.acked, true);
    });

    it('lets the caller pick what fits a message: take, skip, stop', async () => {
      const { e, seq } = await device();
      const made = [];
      for (const p of ['a', 'big', 'b', 'c'])
        made.push(await store.queue.enqueue({ enrollmentIds: [e.id], payload: p }));
      const seen: unknown[] = [];
      const r = await store.queue.dequeue({
        enrollmentId: e.id,
        sessionSeq: seq,
        msgId: 2,
        select: (c) => {
          seen.push(c.payload);
          return c.payload === 'big' ? 'skip' : c.payload === 'c' ? 'stop' : 'take';
        },
      });
      assert.deepEqual(seen, ['a', 'big', 'b', 'c']);
      assert.deepEqual(
        r.commands.map((c) => c.payload),
        ['a', 'b'],
      );
      const later = await store.queue.dequeue({ enrollmentId: e.id, sessionSeq: seq, msgId: 3 });
      assert.deepEqual(
        later.commands.map((c) => c.payload),
        ['big', 'c'],
        'what was skipped or stopped at is still owed to this session',
      );
    });

    it('hands a retransmitted message the commands its lost response carried, and only those still open', async () => {
      const { e, seq } = await device();
      const a = await store.queue.enqueue({ enrollmentIds: [e.id], payload: 'a' });
      const b = await store.queue.enqueue({ enrollmentIds: [e.id], payload: 'b' });
      await store.queue.dequeue({ enrollmentId: e.id, sessionSeq: seq, msgId: 2 });
      await store.queue.enqueue({ enrollmentIds: [e.id], payload: 'later' });
      await store.queue.recordReplies({
        enrollmentId: e.id,
        sessionSeq: seq,
        replies: [{ kind: 'status', msgRef: 2, cmdRef: a.commandUuid, code: 200 }],
      });
      const again = await store.queue.redeliver({ enrollmentId: e.id, sessionSeq: seq, msgId: 2 });
      assert.deepEqual(
        again.map((c) => [c.commandUuid, c.payload, c.attempt]),
        [[b.commandUuid, 'b', 1]],
      );
      assert.deepEqual(await store.queue.redeliver({ enrollmentId: e.id, sessionSeq: seq, msgId: 3 }), []);
      assert.equal((await store.queue.get(b.queued[0]!.id))?.attempts, 1, 'a redelivery is not a new attempt');
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
      await store.queue.dequeue({ enrollmentId: a.e.id, sessionSeq: a.seq, msgId: 2 });
      await store.queue.recordReplies({
        enrollmentId: a.e.id,
        sessionSeq: a.seq,
        replies: [{ kind: 'status', msgRef: 2, cmdRef: first.commandUuid, code: 200 }],
      });
      assert.equal((await store.queue.get(first.queued[0]!.id))?.state, 'acked');
      const third = await store.queue.enqueue({ enrollmentIds: [a.e.id], payload: 'doc r1', dedupeKey: 'doc:1' });
      assert.equal(third.queued.length, 1);
    });

    it('dedupes a fan-out to many enrollments the same way as one to a few', async () => {
      const many = [];
      for (let i = 0; i < 12; i++) many.push(await enrolled(store));
      const ids = many.map((e) => e.id);
      await store.queue.enqueue({ enrollmentIds: [ids[3]!, ids[9]!], payload: 'doc r1', dedupeKey: 'doc:fan' });
      const r = await store.queue.enqueue({ enrollmentIds: ids, payload: 'doc r1', dedupeKey: 'doc:fan' });
      assert.deepEqual(r.skipped, [ids[3], ids[9]]);
      assert.deepEqual(
        r.queued.map((q) => q.enrollmentId),
        ids.filter((_, i) => i !== 3 && i !== 9),
      );
      assert.deepEqual(
        r.queued.map((q) => q.id),
        [...r.queued.map((q) => q.id)].sort((x, y) => x - y),
        'in id order',
      );
      const row = await store.queue.get(r.queued[0]!.id);
      assert.deepEqual(
        [row?.payload, row?.dedupeKey, row?.state, row?.commandUuid],
        ['doc r1', 'doc:fan', 'queued', r.commandUuid],
      );
    });

    it('cancels open rows, and still records a device that executed one', async () => {
      const { e, seq } = await device();
      const one = await store.queue.enqueue({ enrollmentIds: [e.id], payload: 1 });
      const two = await store.queue.enqueue({ enrollmentIds: [e.id], payload: 2 });
      await store.queue.dequeue({ enrollmentId: e.id, sessionSeq: seq, msgId: 2, limit: 1 });
      assert.equal(await store.queue.cancel({ ids: [one.queued[0]!.id] }), 1);
      assert.equal(await store.queue.cancel({ commandUuid: two.commandUuid, enrollmentId: e.id }), 1);
      assert.equal(await store.queue.cancel({ commandUuid: two.commandUuid }), 0, 'only open rows');
      assert.equal(await store.queue.countOpen(e.id), 0);
      const next = await store.sessions.arrive({ enrollmentId: e.id, sessionId: '2', msgId: 1 });
      assert.deepEqual(
        (await store.queue.dequeue({ enrollmentId: e.id, sessionSeq: next.session.seq, msgId: 1 })).commands,
        [],
      );
      await store.queue.recordReplies({
        enrollmentId: e.id,
        sessionSeq: seq,
        replies: [
          { kind: 'status', msgRef: 2, cmdRef: one.commandUuid, code: 200 },
          { kind: 'status', msgRef: 2, cmdRef: two.commandUuid, code: 200 }, // cancelled before it was ever sent
        ],
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
        maxPayloadBytes: 50,
      });
      assert.equal(big.commands.length, 1, 'one command always fits');
      const two = await store.queue.dequeue({
        enrollmentId: e.id,
        sessionSeq: seq,
        msgId: 3,
        maxPayloadBytes: 150,
      });
      assert.equal(two.commands.length, 1, 'a second would exceed the budget');
      const rest = await store.queue.dequeue({
        enrollmentId: e.id,
        sessionSeq: seq,
        msgId: 4,
        limit: 5,
      });
      assert.equal(rest.commands.length, 1);

      const s2 = await store.sessions.arrive({ enrollmentId: e.id, sessionId: '2', msgId: 1 });
      const retry = await store.queue.dequeue({
        enrollmentId: e.id,
        sessionSeq: s2.session.seq,
        msgId: 1,
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
      await rejectsWith(store.queue.dequeue({ enrollmentId: e.id, sessionSeq: seq, msgId: 0 }), 'INVALID');
      await rejectsWith(store.queue.enqueue({ enrollmentIds: [e.id], payload: 1, commandUuid: '7' }), 'INVALID');
      // A "." would make it look like a nested command's CmdID.
      await rejectsWith(store.queue.enqueue({ enrollmentIds: [e.id], payload: 1, commandUuid: 'a.b-c' }), 'INVALID');
      const taken = await store.queue.enqueue({ enrollmentIds: [e.id], payload: 1 });
      await rejectsWith(
        store.queue.enqueue({ enrollmentIds: [e.id], payload: 2, commandUuid: taken.commandUuid.toUpperCase() }),
        'CONFLICT',
      );
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
      const [sent] = (await store.queue.dequeue({ enrollmentId: e.id, sessionSeq: seq, msgId: 2, limit: 1 })).commands;
      await store.queue.recordReplies({
        enrollmentId: e.id,
        sessionSeq: seq,
        replies: [{ kind: 'status', msgRef: 2, cmdRef: sent!.commandUuid, code: 200 }],
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
