import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../../src/store/index.ts';
import { Clock, rejectsWith, type StoreHarness, uniq } from './harness.ts';

export function devicesSuite(h: StoreHarness): void {
  describe('devices and enrollments', () => {
    const clock = new Clock();
    let store: Store;
    before(async () => {
      store = await h.fresh({ now: clock.now });
    });
    after(() => store.close());

    it('upserts a device idempotently by DeviceID, keeping a known HWDevID', async () => {
      const deviceId = uniq('DEV');
      const a = await store.devices.upsertDevice({ deviceId, hwDevId: 'HW-1' });
      clock.tick();
      const b = await store.devices.upsertDevice({ deviceId });
      assert.equal(b.pk, a.pk);
      assert.equal(b.hwDevId, 'HW-1', 'a missing HWDevID does not erase the known one');
      assert.equal(b.updatedAt, a.updatedAt, 'nothing changed, nothing written');
      clock.tick();
      const c = await store.devices.upsertDevice({ deviceId, hwDevId: 'HW-2' });
      assert.equal(c.hwDevId, 'HW-2');
      assert.equal(c.updatedAt, clock.t);
      assert.deepEqual(await store.devices.getDevice({ deviceId }), c);
      assert.deepEqual(await store.devices.getDevice({ pk: c.pk }), c);
    });

    it('enrolls, records the enrollment facts and finds the active enrollment', async () => {
      const deviceId = uniq('DEV');
      const e = await store.devices.enroll({
        deviceId,
        hwDevId: 'HW',
        kind: 'linked',
        devInfo: { DevId: deviceId, Man: 'Microsoft', Mod: 'Virtual', DmV: '1.3', Lang: 'en-US' },
        context: { EnrollmentType: 'Device', OSVersion: '10.0.26200.9278' },
      });
      assert.equal(e.deviceId, deviceId);
      assert.equal(e.kind, 'linked');
      assert.equal(e.status, 'active');
      assert.equal(e.enrolledAt, clock.t);
      assert.equal(e.lastSeenAt, null);
      assert.deepEqual(e.devInfo?.Man, 'Microsoft');
      assert.deepEqual(e.context, { EnrollmentType: 'Device', OSVersion: '10.0.26200.9278' });
      assert.deepEqual(await store.devices.getEnrollment(e.id), e);
      assert.deepEqual(await store.devices.findActiveEnrollment(deviceId, 'linked'), e);
      assert.equal(await store.devices.findActiveEnrollment(deviceId, 'primary'), undefined);
    });

    it('replaces the active enrollment of the same kind on re-enrollment, keeping the device', async () => {
      const deviceId = uniq('DEV');
      const primary = await store.devices.enroll({ deviceId, kind: 'primary' });
      const first = await store.devices.enroll({ deviceId, kind: 'linked', parentEnrollmentId: primary.id });
      assert.equal(first.parentEnrollmentId, primary.id);
      clock.tick();
      const second = await store.devices.enroll({ deviceId, kind: 'linked', parentEnrollmentId: primary.id });
      assert.equal(second.devicePk, first.devicePk);
      assert.notEqual(second.id, first.id);
      const old = await store.devices.getEnrollment(first.id);
      assert.equal(old?.status, 'replaced');
      assert.equal(old?.endedAt, clock.t);
      assert.equal((await store.devices.findActiveEnrollment(deviceId, 'linked'))?.id, second.id);
      assert.equal((await store.devices.getEnrollment(primary.id))?.status, 'active', 'other kinds untouched');
      const all = await store.devices.listEnrollments({ deviceId });
      assert.deepEqual(
        all.map((x) => [x.id, x.status]),
        [
          [primary.id, 'active'],
          [first.id, 'replaced'],
          [second.id, 'active'],
        ],
      );
      assert.deepEqual(
        (await store.devices.listEnrollments({ deviceId, status: 'active', kind: 'linked' })).map((x) => x.id),
        [second.id],
      );
    });

    it('rejects a parent enrollment that does not exist', async () => {
      await rejectsWith(
        store.devices.enroll({ deviceId: uniq('DEV'), kind: 'linked', parentEnrollmentId: 9_999_999 }),
        'NOT_FOUND',
      );
    });

    it('touches last-seen and DevInfo, and unenrolls once', async () => {
      const e = await store.devices.enroll({ deviceId: uniq('DEV'), kind: 'linked' });
      clock.tick(1000);
      await store.devices.touchEnrollment(e.id, { devInfo: { DevId: 'x', Lang: 'de-DE' } });
      let got = await store.devices.getEnrollment(e.id);
      assert.equal(got?.lastSeenAt, clock.t);
      assert.deepEqual(got?.devInfo, { DevId: 'x', Lang: 'de-DE' });
      clock.tick();
      await store.devices.touchEnrollment(e.id);
      got = await store.devices.getEnrollment(e.id);
      assert.equal(got?.lastSeenAt, clock.t);
      assert.deepEqual(got?.devInfo, { DevId: 'x', Lang: 'de-DE' }, 'DevInfo kept when not given');
      assert.equal(await store.devices.unenroll(e.id), true);
      assert.equal(await store.devices.unenroll(e.id), false);
      got = await store.devices.getEnrollment(e.id);
      assert.equal(got?.status, 'unenrolled');
      assert.equal(got?.endedAt, clock.t);
    });

    it('pages devices by key and deletes a device with everything hanging off it', async () => {
      const made = [];
      for (let i = 0; i < 3; i++) made.push(await store.devices.upsertDevice({ deviceId: uniq('PAGE') }));
      const page1 = await store.devices.listDevices({ after: made[0]!.pk - 1, limit: 2 });
      assert.deepEqual(
        page1.map((d) => d.pk),
        [made[0]!.pk, made[1]!.pk],
      );
      const page2 = await store.devices.listDevices({ after: page1[1]!.pk, limit: 2 });
      assert.equal(page2[0]?.pk, made[2]!.pk);

      const e = await store.devices.enroll({ deviceId: made[0]!.deviceId, kind: 'linked' });
      await store.queue.enqueue({ enrollmentIds: [e.id], payload: { verb: 'Get' } });
      await store.reports.checkIn({
        enrollmentId: e.id,
        documents: [{ documentId: 'D', checksum: 'c', resultChecksum: null, state: 60 }],
      });
      assert.equal(await store.devices.deleteDevice(made[0]!.pk), true);
      assert.equal(await store.devices.deleteDevice(made[0]!.pk), false);
      assert.equal(await store.devices.getEnrollment(e.id), undefined);
      assert.deepEqual(await store.queue.list({ enrollmentId: e.id }), []);
      assert.deepEqual(await store.reports.listForEnrollment(e.id), []);
    });
  });
}
