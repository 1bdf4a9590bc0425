import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DocumentReport, Store } from '../../../src/store/index.ts';
import { Clock, enrolled, rejectsWith, type StoreHarness } from './harness.ts';

const r = (
  documentId: string,
  state: number | null,
  checksum = 'c1',
  resultChecksum: string | null = 'r1',
): DocumentReport => ({
  documentId,
  scope: 'Device',
  checksum,
  resultChecksum,
  state,
});

export function reportsSuite(h: StoreHarness): void {
  describe('reported state and check-ins', () => {
    const clock = new Clock();
    let store: Store;
    before(async () => {
      store = await h.fresh({ now: clock.now });
    });
    after(() => store.close());

    it('records a first report, with last-seen, DevInfo and a transition per document', async () => {
      const e = await enrolled(store);
      const out = await store.reports.checkIn({
        enrollmentId: e.id,
        devInfo: { DevId: e.deviceId, Lang: 'en-US' },
        documents: [r('A', 10), r('B', 60)],
      });
      assert.deepEqual(
        out.changed.map((c) => [c.documentId, c.previous, c.transition]),
        [
          ['A', null, true],
          ['B', null, true],
        ],
      );
      assert.deepEqual(out.removed, []);
      const enr = await store.devices.getEnrollment(e.id);
      assert.equal(enr?.lastSeenAt, clock.t);
      assert.equal(enr?.lastReportAt, clock.t);
      assert.deepEqual(enr?.devInfo, { DevId: e.deviceId, Lang: 'en-US' });
      const a = await store.reports.get(e.id, 'A');
      assert.deepEqual(a, {
        enrollmentId: e.id,
        documentId: 'A',
        scope: 'Device',
        checksum: 'c1',
        resultChecksum: 'r1',
        state: 10,
        abandoned: false,
        changedAt: clock.t,
        lastReportAt: clock.t,
        result: null,
        resultAt: null,
        fetchedResultChecksum: null,
      });
      assert.deepEqual(
        (await store.reports.history(e.id)).map((t) => [t.documentId, t.fromState, t.toState]),
        [
          ['B', null, 60],
          ['A', null, 10],
        ],
      );
    });

    it('writes only last-seen for an unchanged report, in any order', async () => {
      const e = await enrolled(store);
      await store.reports.checkIn({ enrollmentId: e.id, documents: [r('A', 60), r('B', 60)] });
      const changedAt = clock.t;
      clock.tick(60_000);
      const out = await store.reports.checkIn({ enrollmentId: e.id, documents: [r('B', 60), r('A', 60)] });
      assert.deepEqual(out, { changed: [], removed: [] });
      assert.equal((await store.devices.getEnrollment(e.id))?.lastSeenAt, clock.t);
      const a = await store.reports.get(e.id, 'A');
      assert.equal(a?.changedAt, changedAt);
      assert.equal(a?.lastReportAt, clock.t, 'every current row is from the latest report');
      assert.equal((await store.reports.history(e.id)).length, 2, 'no transition appended');
    });

    it('touches only an unchanged complete report, frozen (shared by the engine) or not, and writes nothing else', async () => {
      const e = await enrolled(store);
      const frozen = Object.freeze([Object.freeze(r('A', 60)), Object.freeze(r('B', 61))]);
      const touch = (documents: readonly DocumentReport[]) =>
        store.reports.touchIfUnchanged({ enrollmentId: e.id, documents });
      assert.equal(await touch(frozen), false, 'nothing stored yet');
      assert.equal((await store.reports.listForEnrollment(e.id)).length, 0, 'and nothing written');
      await store.reports.checkIn({ enrollmentId: e.id, documents: frozen });
      clock.tick(1000);
      assert.equal(await touch(frozen), true);
      assert.equal((await store.devices.getEnrollment(e.id))?.lastSeenAt, clock.t);
      assert.equal(await touch([r('B', 61), r('A', 60)]), true, 'the same report, unfrozen and reordered');
      assert.equal(await touch(Object.freeze([Object.freeze(r('A', 60)), Object.freeze(r('B', 62))])), false);
      assert.equal(await touch([r('A', 60)]), false, 'a document left out is a change');
      assert.equal((await store.reports.get(e.id, 'B'))?.state, 61, 'a refused touch writes no report');
      assert.equal(
        await store.reports.touchIfUnchanged({ enrollmentId: e.id, documents: frozen, complete: false }),
        false,
        'a partial report is never proof of anything',
      );
    });

    it('appends a transition only when checksum or state moves', async () => {
      const e = await enrolled(store);
      await store.reports.checkIn({ enrollmentId: e.id, documents: [r('A', 10), r('B', 60)] });
      clock.tick();
      const out = await store.reports.checkIn({ enrollmentId: e.id, documents: [r('A', 60), r('B', 60, 'c1', 'r2')] });
      assert.deepEqual(
        out.changed.map((c) => [c.documentId, c.previous?.state, c.current.state, c.transition]),
        [
          ['A', 10, 60, true],
          ['B', 60, 60, false],
        ],
        'a new result checksum is worth a Results fetch but is not a transition',
      );
      assert.deepEqual(
        (await store.reports.history(e.id, 'A')).map((t) => [t.fromState, t.toState, t.at]),
        [
          [10, 60, clock.t],
          [null, 10, clock.t - 1],
        ],
      );
      assert.equal((await store.reports.history(e.id, 'B')).length, 1);
      assert.equal((await store.reports.get(e.id, 'B'))?.resultChecksum, 'r2');
      assert.equal((await store.reports.get(e.id, 'B'))?.changedAt, clock.t - 1);
      clock.tick();
      const bumped = await store.reports.checkIn({
        enrollmentId: e.id,
        documents: [r('A', 60, 'c2'), r('B', 60, 'c1', 'r2')],
      });
      assert.deepEqual(
        bumped.changed.map((c) => [c.documentId, c.transition]),
        [['A', true]],
        'a new revision at the same state is a transition',
      );
    });

    it('removes documents a complete report omits, and keeps them for a partial one', async () => {
      const e = await enrolled(store);
      await store.reports.checkIn({ enrollmentId: e.id, documents: [r('A', 60), r('B', 60), r('C', 60)] });
      clock.tick();
      const partial = await store.reports.checkIn({ enrollmentId: e.id, documents: [r('A', 61)], complete: false });
      assert.deepEqual(partial.removed, []);
      assert.equal((await store.reports.listForEnrollment(e.id)).length, 3);
      // The digest followed the merged state: repeating it in full is recognised as unchanged.
      const full = await store.reports.checkIn({ enrollmentId: e.id, documents: [r('A', 61), r('B', 60), r('C', 60)] });
      assert.deepEqual(full, { changed: [], removed: [] });
      clock.tick();
      const out = await store.reports.checkIn({ enrollmentId: e.id, documents: [r('A', 61)] });
      assert.deepEqual(out.removed, ['B', 'C']);
      assert.deepEqual(
        (await store.reports.listForEnrollment(e.id)).map((x) => x.documentId),
        ['A'],
      );
      assert.deepEqual((await store.reports.history(e.id, 'C')).map((t) => [t.fromState, t.toState])[0], [60, null]);
    });

    it('takes the last entry for a document listed twice', async () => {
      const e = await enrolled(store);
      await store.reports.checkIn({ enrollmentId: e.id, documents: [r('A', 10), r('A', 60)] });
      assert.equal((await store.reports.get(e.id, 'A'))?.state, 60);
    });

    it('keeps results, abandonment and the view across enrollments', async () => {
      const [e1, e2] = [await enrolled(store), await enrolled(store)];
      const doc = 'F0F0F0F0-0000-0000-0000-000000000001';
      await store.reports.checkIn({ enrollmentId: e1.id, documents: [r(doc, 60)] });
      await store.reports.checkIn({ enrollmentId: e2.id, documents: [r(doc, 62)] });
      clock.tick();
      const parsed = { state: 60, uris: [{ path: 'Profile/x', status: 200 }] };
      assert.equal(
        await store.reports.recordResult({
          enrollmentId: e1.id,
          documentId: doc,
          resultChecksum: 'r1',
          result: parsed,
        }),
        true,
      );
      assert.equal(
        await store.reports.recordResult({
          enrollmentId: e1.id,
          documentId: 'unknown',
          resultChecksum: 'r1',
          result: 1,
        }),
        false,
      );
      assert.equal(await store.reports.setAbandoned(e1.id, doc, true), true);
      const got = await store.reports.get(e1.id, doc);
      assert.deepEqual(got?.result, parsed);
      assert.equal(got?.resultAt, clock.t);
      assert.equal(got?.fetchedResultChecksum, 'r1');
      assert.equal(got?.abandoned, true);
      // A later unchanged check-in keeps what was fetched and set.
      await store.reports.checkIn({ enrollmentId: e1.id, documents: [r(doc, 60)] });
      assert.deepEqual((await store.reports.get(e1.id, doc))?.result, parsed);
      assert.equal((await store.reports.get(e1.id, doc))?.abandoned, true);
      const view = await store.reports.listForDocument(doc);
      assert.deepEqual(
        view.map((v) => [v.enrollmentId, v.state]),
        [
          [e1.id, 60],
          [e2.id, 62],
        ],
      );
      assert.deepEqual(
        (await store.reports.listForDocument(doc, { after: e1.id })).map((v) => v.enrollmentId),
        [e2.id],
      );
    });

    it('pages history newest first', async () => {
      const e = await enrolled(store);
      for (const s of [0, 10, 20, 60]) {
        clock.tick();
        await store.reports.checkIn({ enrollmentId: e.id, documents: [r('A', s)] });
      }
      const first = await store.reports.history(e.id, 'A', { limit: 2 });
      assert.deepEqual(
        first.map((t) => t.toState),
        [60, 20],
      );
      const next = await store.reports.history(e.id, 'A', { after: first[1]!.id });
      assert.deepEqual(
        next.map((t) => t.toState),
        [10, 0],
      );
    });

    it('refuses a check-in for an unknown enrollment', async () => {
      await rejectsWith(store.reports.checkIn({ enrollmentId: 9_999_999, documents: [r('A', 60)] }), 'NOT_FOUND');
      await rejectsWith(store.reports.checkIn({ enrollmentId: 9_999_999, documents: [] }), 'NOT_FOUND');
    });
  });
}
