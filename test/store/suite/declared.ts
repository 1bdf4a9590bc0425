import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { StatusRow, Store } from '../../../src/store/index.ts';
import { Clock, enrolled, rejectsWith, type StoreHarness, uniq } from './harness.ts';

export function declaredSuite(h: StoreHarness): void {
  describe('declared management: meta, ledger, settings, links, rules, events', () => {
    const clock = new Clock();
    let store: Store;
    before(async () => {
      store = await h.fresh({ now: clock.now });
    });
    after(() => store.close());

    const putDoc = async (scenario = 'MSFTExtensibilityMIProviderConfig') => {
      const id = randomUUID().toUpperCase();
      await store.documents.put({ id, checksum: 'A0', scenario, scope: 'device', body: '<x/>' });
      return id;
    };

    const statusRow = (enrollmentId: number, documentId: string, status: StatusRow['status']): StatusRow => ({
      enrollmentId,
      documentId,
      status,
      detail: null,
      desiredChecksum: 'A0',
      compliantChecksum: null,
      compliantResultChecksum: null,
      rejectedChecksum: null,
      rejectedCode: null,
      sentChecksum: 'A0',
      sentCommandUuid: randomUUID(),
      sentAt: clock.t,
      since: clock.t,
      updatedAt: clock.t,
    });

    it('keeps an admin name and abandon flag per document, and says when nothing changed', async () => {
      const id = await putDoc();
      const a = await store.declared.documents.putMeta(id, { name: 'Notepad file', abandoned: false });
      assert.equal(a.changed, true);
      assert.deepEqual(
        { ...a.value, updatedAt: 0 },
        { documentId: id, name: 'Notepad file', description: null, abandoned: false, updatedAt: 0 },
      );
      assert.equal((await store.declared.documents.putMeta(id, { name: 'Notepad file' })).changed, false);
      const b = await store.declared.documents.putMeta(id, { abandoned: true });
      assert.equal(b.changed, true);
      assert.equal(b.value.name, 'Notepad file', 'fields left out are kept');
      assert.equal((await store.declared.documents.getMeta([id])).get(id)?.abandoned, true);
      await rejectsWith(store.declared.documents.putMeta(randomUUID(), { name: 'x' }), 'NOT_FOUND');
      await store.documents.delete(id);
      assert.equal((await store.declared.documents.getMeta([id])).size, 0, 'meta goes with its document');
    });

    it('keeps tombstones of deleted documents', async () => {
      const id = randomUUID().toUpperCase();
      const t = { documentId: id, scope: 'device' as const, scenario: 'MSFTInventory', checksum: 'C1', deletedAt: 5 };
      await store.declared.documents.putTombstone(t);
      await store.declared.documents.putTombstone({ ...t, checksum: 'C2' });
      assert.deepEqual((await store.declared.documents.getTombstones([id, randomUUID()])).get(id), {
        ...t,
        checksum: 'C2',
      });
      await store.declared.documents.dropTombstone(id);
      assert.equal((await store.declared.documents.getTombstones([id])).size, 0);
    });

    it('counts, per document, the enrolled devices it reaches that have no status for it yet', async () => {
      const [d1, d2, d3] = [await putDoc(), await putDoc(), await putDoc()];
      const [direct, viaGroup, both, reported] = [
        await enrolled(store),
        await enrolled(store),
        await enrolled(store),
        await enrolled(store),
      ];
      const primaryOnly = await enrolled(store, 'primary');
      const [set, group] = [uniq('set'), uniq('group')];
      await store.assignments.putSet(set);
      await store.assignments.addToSet(set, [d1, d2]);
      await store.assignments.putGroup(group);
      await store.assignments.addToGroup(group, [viaGroup.devicePk, both.devicePk, primaryOnly.devicePk]);
      await store.assignments.assign(set, { group });
      for (const e of [direct, both, reported]) await store.assignments.assign(set, { devicePk: e.devicePk });
      await store.declared.status.put([statusRow(reported.id, d1, 'compliant')]);
      const counted = await store.declared.status.unreportedByDocument([d1, d2, d3]);
      // A device reached both directly and through a group counts once; a primary-only one not at all.
      assert.equal(counted.get(d1), 3);
      assert.equal(counted.get(d2), 4);
      assert.equal(counted.has(d3), false, 'a document reaching nobody is left out');
      const ids = [direct.id, viaGroup.id, both.id].sort((a, b) => a - b);
      assert.deepEqual(await store.declared.status.unreportedForDocument(d1), ids);
      assert.deepEqual(await store.declared.status.unreportedForDocument(d1, { after: ids[0], limit: 1 }), [ids[1]]);
      assert.deepEqual(await store.declared.status.unreportedForDocument(d3), []);
      await store.devices.unenroll(direct.id);
      assert.equal((await store.declared.status.unreportedByDocument([d1])).get(d1), 2, 'ended enrollments drop out');
      assert.equal((await store.declared.status.unreportedByDocument([])).size, 0);
    });

    it('resolves a device’s desired documents with their abandon flags', async () => {
      const [d1, d2] = [await putDoc(), await putDoc()];
      await store.declared.documents.putMeta(d2, { abandoned: true });
      const e = await enrolled(store);
      const set = uniq('set');
      await store.assignments.putSet(set);
      await store.assignments.addToSet(set, [d1, d2]);
      await store.assignments.assign(set, { devicePk: e.devicePk });
      const desired = await store.declared.documents.desiredForDevice(e.devicePk);
      assert.deepEqual(
        desired.map((d) => [d.id, d.abandoned]),
        [
          [d1, false],
          [d2, true],
        ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      );
      assert.equal(desired[0]?.checksum, 'A0');
    });

    it('stores the ledger per enrollment and counts statuses over active enrollments', async () => {
      const doc = await putDoc();
      const [e1, e2, e3] = [await enrolled(store), await enrolled(store), await enrolled(store)];
      const row = (enrollmentId: number, status: StatusRow['status']) => statusRow(enrollmentId, doc, status);
      await store.declared.status.put([row(e1.id, 'pending'), row(e2.id, 'compliant'), row(e3.id, 'compliant')]);
      const updated = { ...row(e1.id, 'delivered'), detail: 'ConfigInprogress (2)' };
      await store.declared.status.put([updated]);
      assert.deepEqual(await store.declared.status.list(e1.id), [updated]);
      const counts = await store.declared.status.countsForDocument(doc);
      assert.equal(counts.compliant, 2);
      assert.equal(counts.delivered, 1);
      assert.equal(counts.pending, 0);
      await store.devices.unenroll(e3.id);
      assert.equal((await store.declared.status.countsForDocument(doc)).compliant, 1, 'ended enrollments drop out');
      assert.equal((await store.declared.status.countsByDocument()).get(doc)?.compliant, 1);
      const compliant = await store.declared.status.listForDocument(doc, { status: 'compliant' });
      assert.deepEqual(
        compliant.map((r) => r.enrollmentId),
        [e2.id],
      );
      const page = await store.declared.status.listForDocument(doc, { limit: 1 });
      assert.deepEqual(
        page.map((r) => r.enrollmentId),
        [e1.id],
      );
      const next = await store.declared.status.listForDocument(doc, { after: e1.id });
      assert.deepEqual(
        next.map((r) => r.enrollmentId),
        [e2.id],
      );
    });

    it('records applied settings and finds them by command', async () => {
      const e = await enrolled(store);
      const uuid = randomUUID();
      const s = {
        enrollmentId: e.id,
        locUri: './Device/Vendor/MSFT/DeclaredConfiguration/ManagementServiceConfiguration/RefreshInterval',
        value: '60',
        state: 'pending' as const,
        code: null,
        commandUuid: uuid,
        updatedAt: clock.t,
      };
      await store.declared.settings.put([s]);
      await store.declared.settings.put([{ ...s, state: 'unsupported', code: 406 }]);
      assert.deepEqual(await store.declared.settings.list(e.id), [{ ...s, state: 'unsupported', code: 406 }]);
      assert.equal((await store.declared.settings.byCommand(e.id, uuid)).length, 1);
      assert.equal((await store.declared.settings.byCommand(e.id, randomUUID())).length, 0);
    });

    it('keeps linking progress per primary enrollment', async () => {
      const e = await enrolled(store, 'primary');
      const l = {
        enrollmentId: e.id,
        state: 'requested' as const,
        discoveryEndpoint: 'https://windc.example/EnrollmentConfiguration',
        enrollStatus: null,
        lastError: null,
        polls: 0,
        commandUuid: randomUUID(),
        detail: null,
        requestedAt: clock.t,
        updatedAt: clock.t,
      };
      await store.declared.links.put(l);
      await store.declared.links.put({ ...l, state: 'failed', enrollStatus: 3, lastError: 0x80070002, polls: 2 });
      assert.deepEqual(await store.declared.links.get(e.id), {
        ...l,
        state: 'failed',
        enrollStatus: 3,
        lastError: 0x80070002,
        polls: 2,
      });
      assert.ok((await store.declared.links.list({ limit: 1000 })).some((r) => r.enrollmentId === e.id));
    });

    it('materialises rule membership beside static members, and pins what an admin adds', async () => {
      const group = uniq('rule-group');
      await store.assignments.putGroup(group);
      const [a, b] = [await enrolled(store), await enrolled(store)];
      await store.assignments.addToGroup(group, [b.devicePk]);
      assert.equal((await store.declared.groups.putRules(group, { all: [] })).changed, true);
      assert.equal((await store.declared.groups.putRules(group, { all: [] })).changed, false);
      assert.ok((await store.declared.groups.listRules()).some((r) => r.group === group));

      assert.equal(await store.declared.groups.setRuleGroups(a.devicePk, [group]), true);
      assert.equal(await store.declared.groups.setRuleGroups(a.devicePk, [group]), false);
      assert.equal(await store.declared.groups.setRuleGroups(b.devicePk, [group]), false, 'already a static member');
      assert.deepEqual(await store.assignments.groupMembers(group), [a.devicePk, b.devicePk]);
      assert.deepEqual(await store.declared.groups.ruleMembers(group), [a.devicePk]);
      assert.deepEqual(await store.declared.groups.ruleGroupsOf(a.devicePk), [group]);

      // The rule stops matching: only what it added goes.
      assert.equal(await store.declared.groups.setRuleGroups(b.devicePk, []), false);
      assert.equal(await store.declared.groups.setRuleGroups(a.devicePk, []), true);
      assert.deepEqual(await store.assignments.groupMembers(group), [b.devicePk]);

      await store.declared.groups.setRuleGroups(a.devicePk, [group]);
      await store.declared.groups.pin(group, [a.devicePk]);
      assert.equal(await store.declared.groups.setRuleGroups(a.devicePk, []), false, 'pinned: a static member now');
      assert.deepEqual(await store.assignments.groupMembers(group), [a.devicePk, b.devicePk]);

      const c = await enrolled(store);
      await store.declared.groups.setRuleGroups(c.devicePk, [group]);
      assert.equal((await store.declared.groups.putRules(group, null)).changed, true);
      assert.deepEqual(
        await store.assignments.groupMembers(group),
        [a.devicePk, b.devicePk],
        'removing the rules removes what they added',
      );
      await rejectsWith(store.declared.groups.putRules(uniq('none'), { all: [] }), 'NOT_FOUND');
    });

    it('resolves per-group settings for a device by precedence', async () => {
      const [g1, g2] = [uniq('s1'), uniq('s2')];
      await store.assignments.putGroup(g1);
      await store.assignments.putGroup(g2);
      const e = await enrolled(store);
      await store.assignments.addToGroup(g1, [e.devicePk]);
      await store.assignments.addToGroup(g2, [e.devicePk]);
      assert.equal((await store.declared.groups.putSettings(g1, { refreshInterval: 60 }, 20)).changed, true);
      assert.equal((await store.declared.groups.putSettings(g1, { refreshInterval: 60 }, 20)).changed, false);
      await store.declared.groups.putSettings(g2, { refreshInterval: 90 }, 10);
      assert.deepEqual(
        (await store.declared.groups.settingsForDevice(e.devicePk)).map((s) => [s.group, s.settings]),
        [
          [g2, { refreshInterval: 90 }],
          [g1, { refreshInterval: 60 }],
        ],
      );
      assert.equal((await store.declared.groups.putSettings(g2, null, 0)).changed, true);
      assert.equal((await store.declared.groups.settingsForDevice(e.devicePk)).length, 1);
      await rejectsWith(store.declared.groups.putSettings(uniq('none'), {}, 0), 'NOT_FOUND');
    });

    it('appends events in order and queues a webhook delivery per matching subscription', async () => {
      const all = await store.declared.events.subscribe({ url: 'https://hooks.example/all', secret: 's1', events: [] });
      const some = await store.declared.events.subscribe({
        url: 'https://hooks.example/links',
        secret: 's2',
        events: ['link.status'],
      });
      const before = await store.declared.events.lastId();
      const written = await store.declared.events.append([
        { type: 'document.status', payload: { n: 1 } },
        { type: 'link.status', payload: { n: 2 } },
      ]);
      assert.equal(written.length, 2);
      assert.ok(written[0]!.id > before && written[1]!.id > written[0]!.id);
      assert.equal(await store.declared.events.lastId(), written[1]!.id);
      assert.deepEqual(
        (await store.declared.events.list({ after: before })).map((e) => e.payload),
        [{ n: 1 }, { n: 2 }],
      );
      assert.deepEqual(
        (await store.declared.events.list({ after: before, types: ['link.status'] })).map((e) => e.type),
        ['link.status'],
      );
      const deliveries = await store.webhooks.list({ limit: 1000 });
      const mine = deliveries.filter((d) => d.url.startsWith('https://hooks.example/'));
      assert.equal(mine.length, 3, 'two for the catch-all subscription, one for the filtered one');
      assert.ok(
        mine.every((d) => [all.id, some.id].includes((d.payload as { subscriptionId: number }).subscriptionId)),
      );
      assert.equal((await store.declared.events.getSubscription(some.id))?.secret, 's2');
      assert.equal(await store.declared.events.unsubscribe(some.id), true);
      assert.equal(await store.declared.events.unsubscribe(some.id), false);
      clock.tick(10);
      assert.ok((await store.declared.events.prune(clock.t)) >= 2);
    });

    // Found by test/server/scale-out: on PostgreSQL ids were handed out at insert but became visible at commit, so
    // a cursor (`after`, Last-Event-ID) could pass an id whose transaction was still open, and the event was never
    // listed to that reader. Not a case on SQLite: its one connection runs one transaction at a time, so ids
    // commit in order there (and a read cannot even start while the slow transaction below is open).
    const withConcurrentWriters = h.backend === 'sqlite' ? () => {} : it;
    withConcurrentWriters('a reader following events by id sees one committed after a later id was read', async () => {
      const before = await store.declared.events.lastId();
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let inserted!: () => void;
      const appended = new Promise<void>((r) => (inserted = r));
      const slow = store.transaction(async (tx) => {
        await tx.declared.events.append([{ type: 'document.status', payload: { slow: true } }]);
        inserted();
        await held;
      });
      await appended;
      // Not awaited: a fix may make this append wait for the open transaction.
      const fast = store.declared.events.append([{ type: 'document.status', payload: { fast: true } }]);
      await new Promise((r) => setTimeout(r, 50));
      const seen = await store.declared.events.list({ after: before });
      release();
      await Promise.all([slow, fast]);
      const rest = await store.declared.events.list({ after: seen.at(-1)?.id ?? before });
      assert.deepEqual([...seen, ...rest].map((e) => Object.keys(e.payload as object)[0]).sort(), ['fast', 'slow']);
    });

    it('takes the reconciler’s snapshot of one enrollment', async () => {
      const [d1, d2] = [await putDoc(), await putDoc()];
      await store.declared.documents.putMeta(d2, { abandoned: true });
      const e = await enrolled(store);
      const set = uniq('snap');
      await store.assignments.putSet(set);
      await store.assignments.addToSet(set, [d1, d2]);
      const group = uniq('snap-group');
      await store.assignments.putGroup(group);
      await store.assignments.addToGroup(group, [e.devicePk]);
      await store.assignments.assign(set, { group });
      await store.reports.checkIn({
        enrollmentId: e.id,
        documents: [{ documentId: d1, scope: 'Device', checksum: 'A0', resultChecksum: 'R1', state: 60 }],
        complete: true,
      });
      await store.reports.recordResult({ enrollmentId: e.id, documentId: d1, resultChecksum: 'R1', result: { ok: 1 } });
      const row: StatusRow = {
        ...statusRow(e.id, d1, 'compliant'),
        detail: 'ConfigCompletedSuccess (60)',
        compliantChecksum: 'A0',
        compliantResultChecksum: 'R1',
      };
      await store.declared.status.put([row]);
      const snap = await store.declared.snapshot(e.id, e.devicePk);
      assert.deepEqual(
        snap.desired.map((d) => [d.id, d.abandoned, d.checksum, d.scope]),
        [
          [d1, false, 'A0', 'device'],
          [d2, true, 'A0', 'device'],
        ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      );
      assert.equal(snap.reported.length, 1);
      assert.deepEqual(
        [snap.reported[0]?.state, snap.reported[0]?.result, snap.reported[0]?.fetchedResultChecksum],
        [60, { ok: 1 }, 'R1'],
      );
      assert.deepEqual(snap.ledger, [row]);
    });

    it('looks up one set or group by name', async () => {
      const [set, group] = [uniq('one-set'), uniq('one-group')];
      await store.assignments.putSet(set, 'd');
      await store.assignments.putGroup(group);
      assert.equal((await store.declared.collections.set(set))?.description, 'd');
      assert.equal((await store.declared.collections.group(group))?.name, group);
      assert.equal(await store.declared.collections.set(group), undefined);
      assert.equal(await store.declared.collections.group(uniq('none')), undefined);
    });

    it('keeps run-time server settings and says when one changed', async () => {
      const key = uniq('setting');
      assert.equal(await store.declared.server.get(key), undefined);
      assert.equal(await store.declared.server.put(key, { on: true }), true);
      assert.equal(await store.declared.server.put(key, { on: true }), false);
      assert.deepEqual(await store.declared.server.get(key), { on: true });
      assert.equal(await store.declared.server.put(key, { on: false }), true);
    });

    it('keeps quiet marks until anything that shapes desired state changes, for all or for one device', async () => {
      const [a, b] = [await enrolled(store), await enrolled(store)];
      const quietBoth = async () => {
        const g = await store.declared.quiet.generation();
        await store.declared.quiet.mark(a.id, g);
        await store.declared.quiet.mark(b.id, g);
      };
      const quiet = async () => [await store.declared.quiet.isQuiet(a.id), await store.declared.quiet.isQuiet(b.id)];
      assert.deepEqual(await quiet(), [false, false], 'never reconciled');
      await quietBoth();
      assert.deepEqual(await quiet(), [true, true]);

      // Everyone's: a document, a set's members, a group's sets, rules, settings, server settings.
      const doc = await putDoc();
      assert.deepEqual(await quiet(), [false, false], 'a new document');
      const set = uniq('set');
      await store.assignments.putSet(set);
      await quietBoth();
      await store.assignments.addToSet(set, [doc]);
      assert.deepEqual(await quiet(), [false, false], 'a set member');
      const group = uniq('group');
      await store.assignments.putGroup(group);
      await quietBoth();
      await store.assignments.assign(set, { group });
      assert.deepEqual(await quiet(), [false, false], 'a group assignment');
      await quietBoth();
      await store.declared.groups.putSettings(group, { managementService: { refreshInterval: 60 } }, 1);
      assert.deepEqual(await quiet(), [false, false], 'group settings');
      await quietBoth();
      await store.declared.documents.putMeta(doc, { abandoned: true });
      assert.deepEqual(await quiet(), [false, false], 'abandon');
      await quietBoth();
      await store.declared.server.put(uniq('setting'), { on: true });
      assert.deepEqual(await quiet(), [false, false], 'a server setting');

      // One device's own: its sets, its groups, its link.
      await quietBoth();
      await store.assignments.assign(set, { devicePk: a.devicePk });
      assert.deepEqual(await quiet(), [false, true], 'a set assigned to one device');
      await quietBoth();
      await store.assignments.addToGroup(group, [b.devicePk]);
      assert.deepEqual(await quiet(), [true, false], 'one device joins a group');
      await quietBoth();
      await store.declared.groups.setRuleGroups(a.devicePk, [group]);
      assert.deepEqual(await quiet(), [false, true], 'a rule places one device');
      await quietBoth();
      await store.declared.links.put({
        enrollmentId: b.id,
        state: 'requested',
        discoveryEndpoint: null,
        enrollStatus: null,
        lastError: null,
        polls: 0,
        commandUuid: null,
        detail: null,
        requestedAt: 1,
        updatedAt: 1,
      });
      assert.deepEqual(await quiet(), [true, false], 'a link request');

      // What a device's session writes otherwise leaves the marks alone.
      await quietBoth();
      await store.reports.checkIn({
        enrollmentId: a.id,
        documents: [{ documentId: doc, checksum: 'A0', resultChecksum: 'R0', state: 60 }],
      });
      await store.declared.links.put({ ...(await store.declared.links.get(b.id))!, state: 'enrolling' });
      assert.deepEqual(await quiet(), [true, false]);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.declared.quiet.mark(b.id, await tx.declared.quiet.generation());
          throw new Error('the run failed');
        }),
        /the run failed/,
      );
      assert.equal(await store.declared.quiet.isQuiet(b.id), false, 'a mark rolls back with its run');
    });
  });
}
