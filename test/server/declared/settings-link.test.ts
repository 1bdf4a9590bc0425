import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type AccountInfo, Device, ManualClock } from '../../../src/device/index.ts';
import { settingLocUri } from '../../../src/protocol/declared/index.ts';
import type { DeclaredDeps } from '../../../src/server/declared/context.ts';
import { requestUnlink } from '../../../src/server/declared/linking.ts';
import { queueLink } from '../../../src/server/declared/reconcile-link.ts';
import { validateSettings } from '../../../src/server/declared/settings.ts';
import type { Enrollment, Store } from '../../../src/store/index.ts';
import { runSession, tempStore, testDeps } from './sim.ts';

const POLL = './Device/Vendor/MSFT/DMClient/Provider/windc-declared/Poll';

describe('settings and linking against the emulator', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let deps: DeclaredDeps;
  let dir: string;
  let device: Device;
  const clock = new ManualClock();
  const settle = () => clock.advance(1000);

  before(async () => {
    ({ store, cleanup } = await tempStore());
    deps = testDeps(store);
    dir = await mkdtemp(join(tmpdir(), 'windc-settings-'));
    device = await Device.create(dir, { clock, delays: { queueMs: 0, applyMs: 0 }, persist: false });
  });
  after(async () => {
    await device.close();
    await rm(dir, { recursive: true, force: true });
    await cleanup();
  });

  async function groupOf(enrollment: Enrollment, name: string, input: Parameters<typeof validateSettings>[0]) {
    await store.assignments.putGroup(name);
    await store.assignments.addToGroup(name, [enrollment.devicePk]);
    await store.declared.groups.putSettings(name, validateSettings(input).value, 100);
  }

  it('applies ManagementServiceConfiguration and the poll schedule (one Atomic), and sends them once', async () => {
    const primary = device.addAccount({ kind: 'primary', providerId: 'windc' });
    const windc = device.addAccount({ kind: 'windc', providerId: 'windc-declared', linkedTo: primary.id });
    const enrollment = await store.devices.enroll({ deviceId: 'SETTINGS-1', kind: 'linked' });
    await groupOf(enrollment, 'tuned', {
      managementService: { refreshInterval: 45, startSyncSessionOnFailure: true },
      dmClient: { pollSchedule: '10x3,600', enableOmaDmKeepAliveMessage: true },
    });
    const ep = device.endpoint(windc.id);
    const sent = await runSession(deps, enrollment, ep, settle);
    assert.deepEqual(sent.sort(), ['Atomic', 'Replace', 'Replace', 'Replace']);
    assert.equal(device.getNode(settingLocUri('RefreshInterval')), '45');
    assert.equal(device.getNode(`${POLL}/IntervalForFirstSetOfRetries`), '10');
    assert.equal(device.getNode(`${POLL}/NumberOfRemainingScheduledRetries`), '0');
    const applied = await store.declared.settings.list(enrollment.id);
    assert.equal(applied.length, 9);
    assert.ok(
      applied.every((a) => a.state === 'applied'),
      JSON.stringify(applied),
    );
    assert.deepEqual(await runSession(deps, enrollment, ep, settle), [], 'nothing again');

    await store.declared.groups.putSettings(
      'tuned',
      validateSettings({ managementService: { refreshInterval: 45 } }).value,
      100,
    );
    const cleared = await runSession(deps, enrollment, ep, settle);
    assert.ok(cleared.every((k) => k === 'Delete') && cleared.length === 8, `${cleared}`);
    assert.equal(device.getNode(settingLocUri('StartSyncSessionOnFailure')), 'false', 'Delete restores the default');
  });

  it('records a node the device lacks (406) as unsupported and does not ask again', async () => {
    const primary = device.accountList().find((a) => a.kind === 'primary') as AccountInfo;
    const enrollment = await store.devices.enroll({ deviceId: 'SETTINGS-2', kind: 'linked' });
    await groupOf(enrollment, 'old-build', { managementService: { refreshInterval: 90 } });
    // The primary account of the 26200 capture answers 406 for ManagementServiceConfiguration.
    const ep = device.endpoint(primary.id);
    assert.deepEqual(await runSession(deps, enrollment, ep, settle), ['Replace']);
    const [row] = await store.declared.settings.list(enrollment.id);
    assert.deepEqual([row?.state, row?.code], ['unsupported', 406]);
    assert.deepEqual(await runSession(deps, enrollment, ep, settle), [], 'not retried');
    const events = await store.declared.events.list({ types: ['setting.status'], limit: 1000 });
    assert.ok(events.some((e) => (e.payload as { to: string; code: number }).to === 'unsupported'));
  });

  it('links a primary enrollment: Sequence(Replace DiscoveryEndpoint, Exec Enroll), then the WinDC session confirms', async () => {
    const dir2 = await mkdtemp(join(tmpdir(), 'windc-link-'));
    const d = await Device.create(dir2, { clock, delays: { queueMs: 0, applyMs: 0 }, persist: false });
    try {
      const primary = d.addAccount({ kind: 'primary', providerId: 'windc' });
      const primaryEnrollment = await store.devices.enroll({ deviceId: 'LINK-1', kind: 'primary' });
      let discovery = '';
      d.setLinkedEnrollmentHooks({
        enroll: async (req) => {
          discovery = req.discoveryEndpoint;
          d.addAccount({ kind: 'windc', providerId: 'windc-declared', linkedTo: req.primary.id });
        },
      });
      const sent = await runSession(deps, primaryEnrollment, d.endpoint(primary.id), settle);
      assert.equal(sent[0], 'Sequence');
      assert.equal(discovery, deps.discoveryUrl);
      const afterEnroll = await store.declared.links.get(primaryEnrollment.id);
      assert.equal(afterEnroll?.state, 'enrolling', JSON.stringify(afterEnroll));
      await d.idle();
      const linked = await store.devices.enroll({
        deviceId: 'LINK-1',
        kind: 'linked',
        parentEnrollmentId: primaryEnrollment.id,
      });
      const windc = d.accountList().find((a) => a.kind === 'windc') as AccountInfo;
      await runSession(deps, linked, d.endpoint(windc.id), settle);
      const link = await store.declared.links.get(primaryEnrollment.id);
      assert.equal(link?.state, 'linked');
      assert.match(link?.detail ?? '', /checked in/);
      const events = await store.declared.events.list({ types: ['link.status'], limit: 1000 });
      assert.deepEqual(
        events.map((e) => (e.payload as { to: string }).to),
        ['requested', 'enrolling', 'linked'],
      );

      // Unlinking: Exec Unenroll, then EnrollStatus is read until it says the unenrollment succeeded.
      await store.transaction(async (tx) => {
        const row = requestUnlink(link, primaryEnrollment.id, Date.now());
        await tx.declared.links.put(await queueLink(deps, tx, primaryEnrollment, 'unenroll', row));
      });
      assert.deepEqual(await runSession(deps, primaryEnrollment, d.endpoint(primary.id), settle), ['Exec']);
      await d.idle();
      assert.deepEqual(await runSession(deps, primaryEnrollment, d.endpoint(primary.id), settle), ['Get']);
      const done = await store.declared.links.get(primaryEnrollment.id);
      assert.equal(done?.state, 'unenrolled', JSON.stringify(done));
      assert.equal(d.accountList().filter((a) => a.kind === 'windc').length, 0);
    } finally {
      await d.close();
      await rm(dir2, { recursive: true, force: true });
    }
  });
});
