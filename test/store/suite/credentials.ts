import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../../src/store/index.ts';
import { Clock, enrolled, rejectsWith, type StoreHarness, uniq } from './harness.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function credentialsSuite(h: StoreHarness): void {
  describe('enrollment secrets and device credentials', () => {
    const clock = new Clock();
    let store: Store;
    before(async () => {
      store = await h.fresh({ now: clock.now });
    });
    after(() => store.close());

    it('verifies a secret by hash while usable, counting only enrollments', async () => {
      const name = uniq('secret');
      const created = await store.secrets.create({ name, secretHash: sha256(name), expiresAt: clock.t + 1000 });
      assert.equal(created.useCount, 0);
      assert.equal(created.lastUsedAt, null);
      assert.equal(created.createdAt, clock.t);
      clock.tick();
      const peek = await store.secrets.verify(sha256(name));
      assert.equal(peek?.id, created.id);
      assert.equal(peek?.useCount, 0, 'a policy request does not count');
      const used = await store.secrets.verify(sha256(name), { recordUse: true });
      assert.equal(used?.useCount, 1);
      assert.equal(used?.lastUsedAt, clock.t);
      assert.equal(await store.secrets.verify(sha256('wrong'), { recordUse: true }), undefined);
      clock.tick(1000);
      assert.equal(await store.secrets.verify(sha256(name)), undefined, 'expired');
      assert.equal(await store.secrets.verify(sha256(name), { recordUse: true }), undefined, 'expired');
      const listed = (await store.secrets.list()).find((s) => s.id === created.id);
      assert.equal(listed?.useCount, 1, 'an expired secret is not counted again');
    });

    it('refuses a taken name or hash and revokes once', async () => {
      const name = uniq('secret');
      const s = await store.secrets.create({ name, secretHash: sha256(name) });
      assert.equal(s.expiresAt, null);
      await rejectsWith(store.secrets.create({ name, secretHash: sha256(uniq('other')) }), 'CONFLICT');
      await rejectsWith(store.secrets.create({ name: uniq('other'), secretHash: sha256(name) }), 'CONFLICT');
      clock.tick();
      assert.equal(await store.secrets.revoke(name), true);
      const at = clock.t;
      clock.tick();
      assert.equal(await store.secrets.revoke(name), false);
      assert.equal(await store.secrets.revoke(uniq('unknown')), false);
      assert.equal((await store.secrets.list()).find((x) => x.name === name)?.revokedAt, at);
      assert.equal(await store.secrets.verify(sha256(name), { recordUse: true }), undefined);
    });

    it('lists secrets oldest first, revoked and expired ones included', async () => {
      const names = [uniq('a'), uniq('b')];
      for (const n of names) await store.secrets.create({ name: n, secretHash: sha256(n), expiresAt: clock.t });
      const listed = (await store.secrets.list()).map((s) => s.name);
      assert.deepEqual(
        listed.filter((n) => names.includes(n)),
        names,
      );
    });

    it('stores one credential set per enrollment, replaced on put, gone with the device', async () => {
      const e = await enrolled(store);
      const creds = {
        enrollmentId: e.id,
        deviceName: e.deviceId,
        deviceSecretDigest: 'q1y4Bw1lJc0mYJ3JjUzZ8A==',
        deviceNonce: 'AAECAwQFBgcICQoLDA0ODw==',
        serverName: 'windc',
        serverSecret: 'server-secret',
        serverNonce: 'EBESExQVFhcYGRobHB0eHw==',
      };
      assert.equal(await store.deviceCredentials.get(e.id), undefined);
      const a = await store.deviceCredentials.put(creds);
      assert.deepEqual(a, { ...creds, createdAt: clock.t });
      assert.deepEqual(await store.deviceCredentials.get(e.id), a);
      clock.tick();
      const b = await store.deviceCredentials.put({ ...creds, serverSecret: 'rotated' });
      assert.equal(b.serverSecret, 'rotated');
      assert.equal(b.createdAt, clock.t);
      await rejectsWith(store.deviceCredentials.put({ ...creds, enrollmentId: 987_654_321 }), 'NOT_FOUND');
      assert.equal(await store.devices.deleteDevice(e.devicePk), true);
      assert.equal(await store.deviceCredentials.get(e.id), undefined);
    });

    it('writes credentials in the enrollment transaction: a failure leaves neither', async () => {
      const deviceId = uniq('DEV');
      await assert.rejects(
        store.transaction(async (tx) => {
          const e = await tx.devices.enroll({ deviceId, kind: 'primary' });
          await tx.deviceCredentials.put({
            enrollmentId: e.id,
            deviceName: deviceId,
            deviceSecretDigest: 'x',
            deviceNonce: 'bg==',
            serverName: 's',
            serverSecret: 's',
            serverNonce: 'bg==',
          });
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await store.devices.findActiveEnrollment(deviceId, 'primary'), undefined);
    });

    it('accepts a key once until it expires, across stores on one database', async () => {
      const key = uniq('sig');
      const other = await h.sibling(store, { now: clock.now });
      try {
        assert.equal(await store.usedOnce.claim(key, clock.t + 1000), true);
        assert.equal(await store.usedOnce.claim(key, clock.t + 1000), false, 'a replay on the same process');
        assert.equal(await other.usedOnce.claim(key, clock.t + 1000), false, 'a replay on another process');
        assert.equal(await other.usedOnce.claim(uniq('sig'), clock.t + 1000), true);
        // Claims racing from both: exactly one wins.
        const raced = uniq('sig');
        const wins = await Promise.all(
          [store, other, store, other].map((s) => s.usedOnce.claim(raced, clock.t + 1000)),
        );
        assert.equal(wins.filter(Boolean).length, 1);
        clock.tick(1000);
        assert.equal(await other.usedOnce.claim(key, clock.t + 1000), true, 'an expired claim no longer holds');
      } finally {
        await other.close();
      }
    });
  });
}
