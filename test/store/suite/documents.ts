import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../../src/store/index.ts';
import { Clock, rejectsWith, type StoreHarness, uniq } from './harness.ts';

export function documentsSuite(h: StoreHarness): void {
  describe('declared documents, sets, groups and assignments', () => {
    const clock = new Clock();
    let store: Store;
    before(async () => {
      store = await h.fresh({ now: clock.now });
    });
    after(() => store.close());

    const doc = (over: Partial<{ id: string; checksum: string; body: string }> = {}) => ({
      id: over.id ?? randomUUID().toUpperCase(),
      checksum: over.checksum ?? 'A0',
      scenario: 'MSFTExtensibilityMIProviderConfig',
      scope: 'device' as const,
      body: over.body ?? '<DeclaredConfiguration schema="1.0" context="Device"/>',
    });

    it('puts a document idempotently and counts revisions', async () => {
      const input = doc();
      const a = await store.documents.put(input);
      assert.equal(a.changed, true);
      assert.equal(a.value.revision, 1);
      assert.equal(a.value.createdAt, clock.t);
      clock.tick();
      const same = await store.documents.put(input);
      assert.equal(same.changed, false);
      assert.deepEqual(same.value, a.value);
      clock.tick();
      const b = await store.documents.put({ ...input, checksum: 'A1', body: `${input.body} ` });
      assert.equal(b.changed, true);
      assert.equal(b.value.revision, 2);
      assert.equal(b.value.updatedAt, clock.t);
      assert.equal(b.value.createdAt, a.value.createdAt);
      const touched = await store.documents.touch(input.id, 'A2');
      assert.equal(touched?.revision, 3);
      assert.equal(touched?.checksum, 'A2');
      assert.equal(touched?.body, b.value.body);
      assert.equal(await store.documents.touch(randomUUID(), 'x'), undefined);
      assert.deepEqual(await store.documents.get(input.id), touched);
      await rejectsWith(store.documents.put({ ...input, scope: 'machine' as 'device' }), 'INVALID');
    });

    it('lists summaries by id and deletes', async () => {
      const ids = [doc({ id: `00000000-0000-0000-0000-${uniq('x').slice(-12).padStart(12, '0')}` })];
      for (const d of ids) await store.documents.put(d);
      const list = await store.documents.list({ limit: 1000 });
      assert.ok(list.some((d) => d.id === ids[0]!.id));
      assert.ok(
        list.every((d) => !('body' in d)),
        'summaries carry no body',
      );
      assert.deepEqual(
        list.map((d) => d.id),
        [...list.map((d) => d.id)].sort(),
      );
      assert.equal(await store.documents.delete(ids[0]!.id), true);
      assert.equal(await store.documents.delete(ids[0]!.id), false);
    });

    it('composes documents into sets and sets onto devices and groups, many to many', async () => {
      const [d1, d2, d3] = [doc(), doc(), doc()];
      for (const d of [d1, d2, d3]) await store.documents.put(d);
      const [base, vpn, oneOff] = [uniq('base'), uniq('vpn'), uniq('enroll')];
      assert.equal((await store.assignments.putSet(base, 'every device')).changed, true);
      assert.equal((await store.assignments.putSet(base, 'every device')).changed, false);
      assert.equal((await store.assignments.putSet(base)).value.description, 'every device', 'omitted keeps it');
      await store.assignments.putSet(vpn);
      await store.assignments.putSet(oneOff);
      assert.equal(await store.assignments.addToSet(base, [d1.id, d2.id]), 2);
      assert.equal(await store.assignments.addToSet(base, [d1.id]), 0, 'idempotent');
      await store.assignments.addToSet(vpn, [d2.id, d3.id]);
      await store.assignments.addToSet(oneOff, [d3.id]);
      assert.deepEqual(await store.assignments.setDocuments(base), [d1.id, d2.id].sort());
      assert.deepEqual(await store.assignments.documentSets(d2.id), [base, vpn].sort());

      const [p1, p2, p3] = [
        await store.devices.upsertDevice({ deviceId: uniq('D') }),
        await store.devices.upsertDevice({ deviceId: uniq('D') }),
        await store.devices.upsertDevice({ deviceId: uniq('D') }),
      ];
      const group = uniq('group');
      await store.assignments.putGroup(group, 'laptops');
      assert.equal(await store.assignments.addToGroup(group, [p1.pk, p2.pk]), 2);
      assert.equal(await store.assignments.assign(base, { group }), true);
      assert.equal(await store.assignments.assign(base, { group }), false);
      await store.assignments.assign(vpn, { devicePk: p1.pk });
      await store.assignments.assign(oneOff, { devicePk: p3.pk });

      assert.deepEqual(await store.assignments.setsForDevice(p1.pk), [base, vpn].sort());
      assert.deepEqual(await store.assignments.deviceGroups(p1.pk), [group]);
      assert.deepEqual(await store.assignments.groupMembers(group), [p1.pk, p2.pk]);
      assert.deepEqual(await store.assignments.assignmentsOfSet(base), { devicePks: [], groups: [group] });
      const desired = await store.assignments.desiredDocuments(p1.pk);
      assert.deepEqual(
        desired.map((d) => d.id),
        [d1.id, d2.id, d3.id].sort(),
        'd2 reaches p1 twice and counts once',
      );
      assert.deepEqual(
        (await store.assignments.desiredDocuments(p2.pk)).map((d) => d.id),
        [d1.id, d2.id].sort(),
      );
      assert.deepEqual(
        (await store.assignments.desiredDocuments(p3.pk)).map((d) => d.id),
        [d3.id],
      );

      assert.deepEqual(await store.assignments.devicesReaching({ documentIds: [d1.id] }), [p1.pk, p2.pk]);
      assert.deepEqual(await store.assignments.devicesReaching({ documentIds: [d3.id] }), [p1.pk, p3.pk]);
      assert.deepEqual(await store.assignments.devicesReaching({ setNames: [vpn] }), [p1.pk]);
      assert.deepEqual(await store.assignments.devicesReaching({ groupNames: [group] }), [p1.pk, p2.pk]);
      assert.deepEqual(await store.assignments.devicesReaching({}), []);

      assert.equal(await store.assignments.removeFromGroup(group, [p2.pk]), 1);
      assert.deepEqual(await store.assignments.desiredDocuments(p2.pk), []);
      assert.equal(await store.assignments.unassign(vpn, { devicePk: p1.pk }), true);
      assert.equal(await store.assignments.unassign(vpn, { devicePk: p1.pk }), false);
      assert.equal(await store.assignments.removeFromSet(base, [d2.id]), 1);
      assert.deepEqual(
        (await store.assignments.desiredDocuments(p1.pk)).map((d) => d.id),
        [d1.id],
      );
      // Deleting a document or a set takes its memberships and assignments with it.
      assert.equal(await store.documents.delete(d1.id), true);
      assert.deepEqual(await store.assignments.desiredDocuments(p1.pk), []);
      assert.equal(await store.assignments.deleteSet(base), true);
      assert.deepEqual(await store.assignments.setsForDevice(p1.pk), []);
      assert.equal(await store.assignments.deleteGroup(group), true);
      assert.deepEqual(await store.assignments.deviceGroups(p1.pk), []);
    });

    it('refuses members and assignments that do not exist', async () => {
      const set = uniq('set');
      await store.assignments.putSet(set);
      await rejectsWith(store.assignments.addToSet(set, [randomUUID()]), 'NOT_FOUND');
      assert.equal(await store.assignments.addToSet(uniq('none'), []), 0, 'an empty list is a no-op');
      await rejectsWith(store.assignments.addToGroup(uniq('none'), [1]), 'NOT_FOUND');
      await rejectsWith(store.assignments.assign(uniq('none'), { group: uniq('none') }), 'NOT_FOUND');
      await rejectsWith(store.assignments.assign(set, { devicePk: 9_999_999 }), 'NOT_FOUND');
    });

    it('lists sets and groups by name, paged', async () => {
      const names = [uniq('zz-a'), uniq('zz-b'), uniq('zz-c')].sort();
      for (const n of names) await store.assignments.putGroup(n);
      const first = await store.assignments.listGroups({ after: 'zz', limit: 2 });
      assert.deepEqual(
        first.map((g) => g.name),
        names.slice(0, 2),
      );
      const rest = await store.assignments.listGroups({ after: first[1]!.name });
      assert.deepEqual(
        rest.map((g) => g.name),
        names.slice(2),
      );
      assert.ok((await store.assignments.listSets()).every((s, i, a) => i === 0 || a[i - 1]!.name < s.name));
    });
  });
}
