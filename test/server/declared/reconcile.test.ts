import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type AccountInfo, Device, ManualClock } from '../../../src/device/index.ts';
import type { DeclaredDeps } from '../../../src/server/declared/context.ts';
import {
  createDocument,
  deleteDocument,
  setAbandoned,
  updateDocument,
} from '../../../src/server/declared/documents.ts';
import { reconcileEnrollment } from '../../../src/server/declared/reconcile.ts';
import type { Enrollment, Store } from '../../../src/store/index.ts';
import { runSession, tempStore, testDeps } from './sim.ts';

const DSC_NS = 'root/Microsoft/Windows/DesiredStateConfiguration';
const fileDoc = (contents: string) => ({
  scenario: 'MSFTExtensibilityMIProviderConfig',
  dsc: [
    {
      namespace: DSC_NS,
      className: 'MSFT_FileDirectoryConfiguration',
      keys: { DestinationPath: 'C:\\Temp\\windc\\hello.txt' },
      values: { Contents: contents },
    },
  ],
});

describe('reconciler against the emulator, session by session', () => {
  let store: Store;
  let cleanupStore: () => Promise<void>;
  let deps: DeclaredDeps;
  let dir: string;
  let device: Device;
  let windc: AccountInfo;
  let enrollment: Enrollment;
  const clock = new ManualClock();
  const settle = () => clock.advance(1000);
  const session = () => runSession(deps, enrollment, device.endpoint(windc.id), settle);
  const statusOf = async (docId: string) =>
    (await store.declared.status.list(enrollment.id)).find((r) => r.documentId === docId);
  const file = () => readFile(join(dir, 'sandbox', 'C', 'Temp', 'windc', 'hello.txt'), 'utf8');

  before(async () => {
    ({ store, cleanup: cleanupStore } = await tempStore());
    deps = testDeps(store);
    dir = await mkdtemp(join(tmpdir(), 'windc-declared-device-'));
    device = await Device.create(dir, { clock, delays: { queueMs: 0, applyMs: 0 }, persist: false });
    const primary = device.addAccount({ kind: 'primary', providerId: 'windc' });
    windc = device.addAccount({ kind: 'windc', providerId: 'windc-declared', linkedTo: primary.id });
    enrollment = await store.devices.enroll({ deviceId: 'DEVICE-1', kind: 'linked' });
  });
  after(async () => {
    await device.close();
    await rm(dir, { recursive: true, force: true });
    await cleanupStore();
  });

  let docId = '';
  it('delivers an assigned document, fetches its result and calls it compliant', async () => {
    const w = await createDocument(store, { ...fileDoc('first'), name: 'hello' }, 'test');
    docId = w.document.id;
    await store.assignments.putSet('base');
    await store.assignments.addToSet('base', [docId]);
    await store.assignments.putGroup('all');
    await store.assignments.addToGroup('all', [enrollment.devicePk]);
    await store.assignments.assign('base', { group: 'all' });

    // The emulator applies within the session here, so its next message already reports 60 and the result is
    // fetched in the same session.
    assert.deepEqual(await session(), ['Replace', 'Get']);
    const row = await statusOf(docId);
    assert.equal(row?.status, 'compliant');
    assert.equal(row?.compliantChecksum, w.document.checksum);
    assert.equal(await file(), 'first');
    const reported = await store.reports.get(enrollment.id, docId);
    assert.equal(reported?.fetchedResultChecksum, reported?.resultChecksum, 'the result is current');
    assert.deepEqual(await session(), [], 'steady state: nothing to send');
  });

  it('follows a new revision: same id, new checksum, the file changes', async () => {
    const w = await updateDocument(store, docId, fileDoc('second'), 'test');
    assert.equal(w.changed, true);
    assert.equal(w.document.id, docId);
    assert.equal((await updateDocument(store, docId, fileDoc('second'), 'test')).changed, false);
    assert.equal((await statusOf(docId))?.status, 'compliant', 'nothing is re-derived before a session');
    await session();
    await session();
    const row = await statusOf(docId);
    assert.equal(row?.status, 'compliant');
    assert.equal(row?.compliantChecksum, w.document.checksum);
    assert.equal(await file(), 'second');
  });

  it('shows drift when a refresh cannot repair a tampered file, and compliance once it can', async () => {
    await writeFile(join(dir, 'sandbox', 'C', 'Temp', 'windc', 'hello.txt'), 'tampered');
    device.faults.configure({
      providers: [{ className: 'MSFT_FileDirectoryConfiguration', operation: 'Set', kind: 'error' }],
    });
    await device.declared.refresh.runNow();
    await session();
    await session();
    const drifted = await statusOf(docId);
    assert.equal(drifted?.status, 'drifted');
    assert.match(drifted?.detail ?? '', /MSFT_FileDirectoryConfiguration/);
    device.faults.configure({});
    await device.declared.refresh.runNow();
    await session();
    await session();
    assert.equal((await statusOf(docId))?.status, 'compliant');
    assert.equal(await file(), 'second');
  });

  it('abandon stops enforcement and says so; the file stays as it is', async () => {
    assert.equal((await setAbandoned(store, docId, true, 'test')).changed, true);
    assert.equal((await setAbandoned(store, docId, true, 'test')).changed, false);
    assert.deepEqual(await session(), ['Replace'], 'Properties/Abandoned = 1');
    const row = await statusOf(docId);
    assert.equal(row?.status, 'abandoned');
    assert.match(row?.detail ?? '', /enforcement stopped/);
    assert.equal((await store.reports.get(enrollment.id, docId))?.abandoned, true);
    await writeFile(join(dir, 'sandbox', 'C', 'Temp', 'windc', 'hello.txt'), 'changed by hand');
    await device.declared.refresh.runNow();
    assert.equal(await file(), 'changed by hand', 'an abandoned document is not repaired');
    await setAbandoned(store, docId, false, 'test');
    assert.deepEqual(await session(), ['Replace'], 'Properties/Abandoned = 0 re-applies at once');
    await session();
    assert.equal(await file(), 'second');
    assert.equal((await statusOf(docId))?.status, 'compliant');
  });

  it('delete removes the document, the file stays, and the status says why', async () => {
    assert.equal((await deleteDocument(store, docId, 'test', Date.now())).changed, true);
    assert.deepEqual(await session(), ['Delete']);
    await session();
    await session();
    const row = await statusOf(docId);
    assert.equal(row?.status, 'removed');
    assert.match(row?.detail ?? '', /settings stay \(tattoo\)/);
    assert.equal(await file(), 'second', 'tattoo: the file is still there');
    assert.equal(await store.reports.get(enrollment.id, docId), undefined, 'the device no longer lists it');
  });

  it('collects an inventory document’s values', async () => {
    const w = await createDocument(
      store,
      {
        scenario: 'MSFTExtensibilityMIProviderInventory',
        dsc: [
          {
            namespace: DSC_NS,
            className: 'MSFT_FileDirectoryConfiguration',
            keys: { DestinationPath: 'C:\\Temp\\windc\\hello.txt' },
            values: { Contents: '' },
          },
        ],
      },
      'test',
    );
    await store.assignments.addToSet('base', [w.document.id]);
    await session();
    await session();
    assert.equal((await statusOf(w.document.id))?.status, 'compliant');
    const reported = await store.reports.get(enrollment.id, w.document.id);
    const stored = reported?.result as { result: { blocks: { properties: { name: string; value: string }[] }[] } };
    assert.deepEqual(
      stored.result.blocks[0]?.properties.find((p) => p.name === 'Contents')?.value,
      'second',
      'the inventory read the file',
    );
  });

  it('resync re-sends every desired document whatever was reported', async () => {
    const r = await reconcileEnrollment(deps, enrollment, { resync: true });
    assert.ok(r.queued >= 1);
    const sent = await session();
    assert.ok(sent.includes('Replace'));
  });

  it('publishes an event for every status transition', async () => {
    const events = await store.declared.events.list({ limit: 1000 });
    const mine = events.filter((e) => (e.payload as { documentId?: string }).documentId === docId);
    const path = mine.map((e) => (e.payload as { to: string }).to);
    assert.deepEqual(path.slice(0, 3), ['pending', 'compliant', 'pending']);
    assert.ok(path.includes('drifted'));
    assert.ok(path.includes('abandoned'));
    assert.equal(path.at(-1), 'removed');
  });
});
