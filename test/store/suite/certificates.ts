import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../../src/store/index.ts';
import { Clock, enrolled, rejectsWith, type StoreHarness, uniq } from './harness.ts';

export function certificatesSuite(h: StoreHarness): void {
  describe('certificates and the CA reference', () => {
    const clock = new Clock();
    let store: Store;
    before(async () => {
      store = await h.fresh({ now: clock.now });
    });
    after(() => store.close());

    const hex = (n: number) => n.toString(16).padStart(32, '0');
    let seq = 0;
    const cert = (enrollmentId: number | null) => {
      seq += 1;
      return {
        serial: hex(seq + 0xabc000),
        thumbprint: hex(seq + 0xdef000).slice(0, 40),
        subject: `CN=${uniq('dev')}`,
        notBefore: clock.t,
        notAfter: clock.t + 365 * 86_400_000,
        enrollmentId,
      };
    };

    it('records an issued certificate idempotently and finds it however the hex is written', async () => {
      const e = await enrolled(store);
      const input = cert(e.id);
      const a = await store.certificates.record({ ...input, serial: input.serial.toUpperCase() });
      assert.equal(a.serial, input.serial);
      assert.equal(a.issuedAt, clock.t);
      assert.equal(a.revokedAt, null);
      clock.tick();
      const b = await store.certificates.record(input);
      assert.deepEqual(b, a, 'recording again returns the stored row');
      const colons = input.thumbprint.toUpperCase().match(/../g)!.join(':');
      assert.deepEqual(await store.certificates.findByThumbprint(colons), a);
      assert.deepEqual(await store.certificates.findBySerial(input.serial), a);
      assert.deepEqual(await store.certificates.listForEnrollment(e.id), [a]);
    });

    it('identifies a certificate with its enrollment in one read', async () => {
      const e = await enrolled(store);
      const input = cert(e.id);
      const stored = await store.certificates.record(input);
      const found = await store.certificates.identify(input.thumbprint.toUpperCase());
      assert.deepEqual(found?.certificate, stored);
      assert.deepEqual(found?.enrollment, await store.devices.getEnrollment(e.id));
      assert.equal(found?.queued, false);
      const q = await store.queue.enqueue({ enrollmentIds: [e.id], payload: 'x' });
      assert.equal((await store.certificates.identify(input.thumbprint))?.queued, true, 'open commands are hinted');
      await store.queue.cancel({ commandUuid: q.commandUuid });
      assert.equal((await store.certificates.identify(input.thumbprint))?.queued, false);
      const loose = cert(null);
      assert.deepEqual(await store.certificates.identify(loose.thumbprint), undefined);
      await store.certificates.record(loose);
      assert.equal((await store.certificates.identify(loose.thumbprint))?.enrollment, undefined);
    });

    it('refuses a serial reused with another thumbprint, and a thumbprint reused with another serial', async () => {
      const first = cert(null);
      await store.certificates.record(first);
      await rejectsWith(store.certificates.record({ ...first, thumbprint: cert(null).thumbprint }), 'CONFLICT');
      await rejectsWith(store.certificates.record({ ...cert(null), thumbprint: first.thumbprint }), 'CONFLICT');
    });

    it('revokes once and keeps the first revocation', async () => {
      const c = await store.certificates.record(cert(null));
      clock.tick();
      assert.equal(await store.certificates.revoke(c.serial, 'unenrolled'), true);
      const at = clock.t;
      clock.tick();
      assert.equal(await store.certificates.revoke(c.serial, 'again'), false);
      const got = await store.certificates.findBySerial(c.serial);
      assert.equal(got?.revokedAt, at);
      assert.equal(got?.revocationReason, 'unenrolled');
      assert.equal(await store.certificates.revoke('00ff', 'unknown'), false);
    });

    it('registers the CA reference first-writer-wins', async () => {
      const name = uniq('device-ca');
      const mine = {
        name,
        certificatePem: '-----BEGIN CERTIFICATE-----\nA\n',
        fingerprint: 'AA'.repeat(32),
        keyRef: 'file:ca-key.pem',
      };
      const a = await store.certificates.ensureAuthority(mine);
      assert.equal(a.fingerprint, 'aa'.repeat(32));
      assert.equal(a.createdAt, clock.t);
      const b = await store.certificates.ensureAuthority({
        ...mine,
        fingerprint: 'bb'.repeat(32),
        keyRef: 'file:other.pem',
      });
      assert.deepEqual(b, a, "a second process learns the first one's CA");
      assert.deepEqual(await store.certificates.getAuthority(name), a);
      assert.equal(await store.certificates.getAuthority(uniq('none')), undefined);
    });
  });
}
