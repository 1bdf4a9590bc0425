import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../../src/store/index.ts';
import { Clock, enrolled, rejectsWith, type StoreHarness, uniq } from './harness.ts';

export function transactionsSuite(h: StoreHarness): void {
  describe('transactions', () => {
    const clock = new Clock();
    let store: Store;
    before(async () => {
      store = await h.fresh({ now: clock.now });
    });
    after(() => store.close());

    it('commits everything done in a transaction together', async () => {
      const deviceId = uniq('TX');
      const out = await store.transaction(async (tx) => {
        const e = await tx.devices.enroll({ deviceId, kind: 'linked' });
        const { session } = await tx.sessions.arrive({ enrollmentId: e.id, sessionId: '1', msgId: 1 });
        await tx.reports.checkIn({
          enrollmentId: e.id,
          documents: [{ documentId: 'A', checksum: 'c', resultChecksum: null, state: 60 }],
        });
        await tx.queue.enqueue({ enrollmentIds: [e.id], payload: 'x' });
        const d = await tx.queue.dequeue({ enrollmentId: e.id, sessionSeq: session.seq, msgId: 1 });
        // Nested calls join the outer transaction.
        await tx.transaction((inner) => inner.audit.append({ actor: 'test', action: 'tx.nested', target: deviceId }));
        return { e, d };
      });
      assert.equal(out.d.commands.length, 1);
      assert.equal((await store.devices.findActiveEnrollment(deviceId, 'linked'))?.id, out.e.id);
      assert.equal((await store.reports.listForEnrollment(out.e.id)).length, 1);
      assert.equal((await store.audit.list({ action: 'tx.nested' })).length, 1);
    });

    it('rolls everything back when the callback throws midway', async () => {
      const deviceId = uniq('TX');
      await assert.rejects(
        store.transaction(async (tx) => {
          const e = await tx.devices.enroll({ deviceId, kind: 'linked' });
          await tx.queue.enqueue({ enrollmentIds: [e.id], payload: 'x' });
          await tx.reports.checkIn({
            enrollmentId: e.id,
            documents: [{ documentId: 'A', checksum: 'c', resultChecksum: null, state: 60 }],
          });
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await store.devices.getDevice({ deviceId }), undefined);
      assert.equal(await store.devices.findActiveEnrollment(deviceId, 'linked'), undefined);
    });

    it('rolls everything back when a statement fails midway', async () => {
      const set = uniq('set');
      const deviceId = uniq('TX');
      await rejectsWith(
        store.transaction(async (tx) => {
          await tx.devices.upsertDevice({ deviceId });
          await tx.assignments.putSet(set);
          await tx.assignments.addToSet(set, ['00000000-0000-0000-0000-00000000dead']);
        }),
        'NOT_FOUND',
      );
      assert.equal(await store.devices.getDevice({ deviceId }), undefined);
      assert.deepEqual(
        (await store.assignments.listSets({ after: set.slice(0, -1), limit: 1000 })).filter((s) => s.name === set),
        [],
      );
    });

    it("keeps a statement made outside a transaction out of another flow's open transaction", async () => {
      // On SQLite, per-message statements may bypass the driver's mutex; one that did so while another flow's
      // transaction was open would land inside it and vanish with its rollback.
      const e = await enrolled(store);
      const generation = await store.declared.quiet.generation();
      let release: () => void = () => {};
      const gate = new Promise<void>((r) => {
        release = r;
      });
      let opened: () => void = () => {};
      const inside = new Promise<void>((r) => {
        opened = r;
      });
      const doomed = store.transaction(async (tx) => {
        await tx.audit.append({ actor: 'test', action: 'tx.doomed', target: String(e.id) });
        opened();
        await gate;
        throw new Error('rolled back');
      });
      await inside;
      const outside = store.declared.quiet.mark(e.id, generation);
      release();
      await assert.rejects(doomed, /rolled back/);
      await outside;
      assert.equal(await store.declared.quiet.isQuiet(e.id), true);
      assert.equal((await store.audit.list({ action: 'tx.doomed' })).length, 0);
    });

    it('rolls back the per-message statements with the rest when one of them fails', async () => {
      const e = await enrolled(store);
      await rejectsWith(
        store.transaction(async (tx) => {
          await tx.sessions.arrive({ enrollmentId: e.id, sessionId: '1', msgId: 1 });
          await tx.queue.enqueue({ enrollmentIds: [e.id], payload: 'x' });
          await tx.sessions.setNonce(9_999_999, 'bm9uY2U=');
        }),
        'NOT_FOUND',
      );
      assert.equal(await store.sessions.get(e.id), undefined);
      assert.equal(await store.queue.countOpen(e.id), 0);
    });

    it('keeps a re-enrollment atomic: the old enrollment is replaced only if the new one exists', async () => {
      const e = await enrolled(store);
      await rejectsWith(
        store.devices.enroll({ deviceId: e.deviceId, kind: 'linked', parentEnrollmentId: 9_999_999 }),
        'NOT_FOUND',
      );
      assert.equal((await store.devices.getEnrollment(e.id))?.status, 'active');
    });
  });
}
