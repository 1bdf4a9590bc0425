import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../../src/store/index.ts';
import { Clock, enrolled, rejectsWith, type StoreHarness } from './harness.ts';

export function sessionsSuite(h: StoreHarness): void {
  describe('OMA-DM session state', () => {
    const clock = new Clock();
    let store: Store;
    before(async () => {
      store = await h.fresh({ now: clock.now });
    });
    after(() => store.close());

    it('opens a session on a first message and follows its MsgIDs', async () => {
      const e = await enrolled(store);
      const m1 = await store.sessions.arrive({ enrollmentId: e.id, sessionId: '1', msgId: 1 });
      assert.deepEqual(
        { isNew: m1.isNew, replay: m1.replay, seq: m1.session.seq, last: m1.session.lastMsgId },
        { isNew: true, replay: false, seq: 1, last: 1 },
      );
      assert.equal(m1.session.startedAt, clock.t);
      clock.tick();
      const m2 = await store.sessions.arrive({ enrollmentId: e.id, sessionId: '1', msgId: 2 });
      assert.deepEqual([m2.isNew, m2.replay, m2.session.seq, m2.session.lastMsgId], [false, false, 1, 2]);
      assert.equal(m2.session.startedAt, m1.session.startedAt);
      assert.equal(m2.session.updatedAt, clock.t);
      assert.deepEqual(await store.sessions.get(e.id), m2.session);
    });

    it('reports how far each current session has got, for the enrollments asked about', async () => {
      const [a, b, none] = [await enrolled(store), await enrolled(store), await enrolled(store)];
      await store.sessions.arrive({ enrollmentId: a.id, sessionId: '1', msgId: 1 });
      await store.sessions.arrive({ enrollmentId: a.id, sessionId: '1', msgId: 2 });
      await store.sessions.arrive({ enrollmentId: b.id, sessionId: '7', msgId: 1 });
      await store.sessions.arrive({ enrollmentId: b.id, sessionId: '8', msgId: 1 });
      const got = await store.sessions.positions([a.id, b.id, none.id]);
      assert.deepEqual(
        [...got].sort(([x], [y]) => x - y),
        [
          [a.id, { seq: 1, lastMsgId: 2 }],
          [b.id, { seq: 2, lastMsgId: 1 }],
        ],
      );
      assert.equal((await store.sessions.positions([])).size, 0);
    });

    it('tells a retransmission from a new session', async () => {
      const e = await enrolled(store);
      await store.sessions.arrive({ enrollmentId: e.id, sessionId: 'D', msgId: 1 });
      await store.sessions.arrive({ enrollmentId: e.id, sessionId: 'D', msgId: 2 });
      const again = await store.sessions.arrive({ enrollmentId: e.id, sessionId: 'D', msgId: 2 });
      assert.deepEqual([again.isNew, again.replay, again.session.seq, again.session.lastMsgId], [false, true, 1, 2]);
      const next = await store.sessions.arrive({ enrollmentId: e.id, sessionId: 'E', msgId: 1 });
      assert.deepEqual([next.isNew, next.session.seq, next.session.sessionId], [true, 2, 'E']);
      // A device that restarts its SessionID numbering still opens a new session with MsgID 1.
      const restarted = await store.sessions.arrive({ enrollmentId: e.id, sessionId: 'E', msgId: 1 });
      assert.deepEqual([restarted.isNew, restarted.session.seq], [true, 3]);
      await store.sessions.arrive({ enrollmentId: e.id, sessionId: 'E', msgId: 2 });
      // Package 1 resent as MsgID 2 after a challenge, in a session whose SessionID the device reused.
      const opened = await store.sessions.arrive({ enrollmentId: e.id, sessionId: 'E', msgId: 2, opens: true });
      assert.deepEqual([opened.isNew, opened.replay, opened.session.seq], [true, false, 4]);
    });

    it('keeps the nonce across sessions and authentication within one', async () => {
      const e = await enrolled(store);
      await store.sessions.setNonce(e.id, 'bm9uY2UtMQ==');
      const s1 = await store.sessions.arrive({ enrollmentId: e.id, sessionId: '1', msgId: 1 });
      assert.equal(s1.session.nonce, 'bm9uY2UtMQ==', 'a nonce stored before the first session is used by it');
      assert.equal(s1.session.authenticated, false);
      assert.equal(await store.sessions.setAuthenticated(e.id, s1.session.seq), true);
      assert.equal((await store.sessions.get(e.id))?.authenticated, true);
      await store.sessions.setNonce(e.id, 'bm9uY2UtMg==');
      const s2 = await store.sessions.arrive({ enrollmentId: e.id, sessionId: '2', msgId: 1 });
      assert.equal(s2.session.authenticated, false, 'every session authenticates afresh');
      assert.equal(s2.session.nonce, 'bm9uY2UtMg==');
      assert.equal(await store.sessions.setAuthenticated(e.id, s1.session.seq), false, 'a stale session cannot');
    });

    it('keeps the engine data of the current session only', async () => {
      const e = await enrolled(store);
      const s1 = await store.sessions.arrive({ enrollmentId: e.id, sessionId: '1', msgId: 1 });
      assert.equal(s1.session.data, null);
      assert.equal(await store.sessions.saveData(e.id, s1.session.seq, { chunk: { offset: 10 } }), true);
      const m2 = await store.sessions.arrive({ enrollmentId: e.id, sessionId: '1', msgId: 2 });
      assert.deepEqual(m2.session.data, { chunk: { offset: 10 } });
      const again = await store.sessions.arrive({ enrollmentId: e.id, sessionId: '1', msgId: 2 });
      assert.deepEqual([again.replay, again.session.data], [true, { chunk: { offset: 10 } }]);
      const s2 = await store.sessions.arrive({ enrollmentId: e.id, sessionId: '2', msgId: 1 });
      assert.equal(s2.session.data, null, 'every session starts clean');
      assert.equal(await store.sessions.saveData(e.id, s1.session.seq, { stale: true }), false);
      assert.equal((await store.sessions.get(e.id))?.data, null);
    });

    it('writes a deferred arrival once, with the engine data, in the same transaction', async () => {
      const e = await enrolled(store);
      await store.sessions.arrive({ enrollmentId: e.id, sessionId: '1', msgId: 1 });
      clock.tick();
      const m2 = await store.transaction(async (tx) => {
        const a = await tx.sessions.arrive({ enrollmentId: e.id, sessionId: '1', msgId: 2, defer: true });
        assert.deepEqual((await tx.sessions.get(e.id))?.lastMsgId, 1, 'nothing is written on arrival');
        await tx.sessions.saveArrival(a.session, { state: { n: 2 } });
        return a;
      });
      assert.deepEqual([m2.isNew, m2.replay, m2.session.seq, m2.session.lastMsgId], [false, false, 1, 2]);
      assert.deepEqual(await store.sessions.get(e.id), { ...m2.session, data: { state: { n: 2 } } });
      const again = await store.transaction((tx) =>
        tx.sessions.arrive({ enrollmentId: e.id, sessionId: '1', msgId: 2, defer: true }),
      );
      assert.deepEqual([again.replay, again.session.data], [true, { state: { n: 2 } }]);
      // A deferred arrival whose transaction rolls back leaves the session as it was.
      await assert.rejects(
        store.transaction(async (tx) => {
          const a = await tx.sessions.arrive({ enrollmentId: e.id, sessionId: '2', msgId: 1, defer: true });
          await tx.sessions.saveArrival(a.session, null);
          throw new Error('rolled back');
        }),
        /rolled back/,
      );
      assert.deepEqual((await store.sessions.get(e.id))?.sessionId, '1');
      const s2 = await store.transaction(async (tx) => {
        const a = await tx.sessions.arrive({ enrollmentId: e.id, sessionId: '2', msgId: 1, defer: true });
        await tx.sessions.saveArrival(a.session, null);
        return a;
      });
      assert.deepEqual([s2.isNew, s2.session.seq, s2.session.data], [true, 2, null]);
      assert.deepEqual(await store.sessions.get(e.id), s2.session);
    });

    it('lists what is outstanding in a session', async () => {
      const e = await enrolled(store);
      const { session } = await store.sessions.arrive({ enrollmentId: e.id, sessionId: '7', msgId: 1 });
      await store.queue.enqueue({ enrollmentIds: [e.id], payload: 1 });
      await store.queue.enqueue({ enrollmentIds: [e.id], payload: 2 });
      const { commands } = await store.queue.dequeue({ enrollmentId: e.id, sessionSeq: session.seq, msgId: 1 });
      await store.queue.recordReplies({
        enrollmentId: e.id,
        sessionSeq: session.seq,
        replies: [{ kind: 'status', msgRef: 1, cmdRef: commands[0]!.commandUuid, code: 200 }],
      });
      const out = await store.sessions.outstanding(e.id, session.seq);
      assert.deepEqual(
        out.map((d) => [d.queueId, d.commandUuid, d.msgId]),
        [[commands[1]!.id, commands[1]!.commandUuid, 1]],
      );
    });

    it('rejects session state for an unknown enrollment', async () => {
      await rejectsWith(store.sessions.arrive({ enrollmentId: 9_999_999, sessionId: '1', msgId: 1 }), 'NOT_FOUND');
      await rejectsWith(store.sessions.setNonce(9_999_999, 'bm9uY2U='), 'NOT_FOUND');
      assert.equal(await store.sessions.get(9_999_999), undefined);
    });
  });
}
