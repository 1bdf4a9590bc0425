import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, webcrypto } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { StatusCommand, SyncMLMessage } from '../../../src/protocol/syncml/index.ts';
import { signMessage } from '../../../src/server/management/auth/signature.ts';
import { queueCommand } from '../../../src/server/management/payload.ts';
import { CertificateAuthority } from '../../../src/server/pki/ca.ts';
import { package1, reply } from './messages.ts';
import { client, enrollDevice, statuses, type TestDevice, type TestServer, testServer } from './support.ts';

const hdr = (m: SyncMLMessage | undefined) => m?.commands[0] as StatusCommand;

async function ecKey(pem: string) {
  const der = createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' });
  return webcrypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
}

describe('management authentication', () => {
  let t: TestServer;
  before(async () => {
    t = await testServer();
  });
  after(() => t?.close());
  const store = () => t.server.context.store;

  /** Refused outright: 401 on the SyncHdr and on every command, and nothing recorded for `victim`. */
  async function refused(m: SyncMLMessage | undefined, victim: TestDevice, code = 401) {
    assert.equal(hdr(m).code, code);
    assert.ok(
      statuses(m).every(([, , c]) => c === code),
      'every command gets the same code',
    );
    assert.ok(!m?.commands.some((c) => c.kind !== 'Status'), 'no commands');
    const e = await store().devices.getEnrollment(victim.enrollment.id);
    assert.equal(e?.lastSeenAt, null, 'nothing recorded');
    assert.equal((await store().sessions.get(victim.enrollment.id))?.seq ?? 0, 0, 'no session opened');
  }

  it('accepts a windc certificate of the device named in SyncHdr Source', async () => {
    const d = await enrollDevice(t);
    const c = client(t, d);
    const r = await c.post(package1({ deviceId: d.deviceId.toLowerCase() }));
    c.close();
    assert.equal(hdr(r.message).code, 200, 'DeviceIDs compare without case');
  });

  it("refuses device A's certificate speaking for device B", async () => {
    const a = await enrollDevice(t);
    const b = await enrollDevice(t);
    const c = client(t, a);
    const r = await c.post(package1({ deviceId: b.deviceId }));
    c.close();
    await refused(r.message, b);
    await refused(r.message, a);
  });

  it('refuses a certificate from a foreign CA, an unrecorded one, a revoked one and an expired one', async () => {
    const d = await enrollDevice(t);
    const foreign = await CertificateAuthority.create('Foreign CA');
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
    const keyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const alien = await foreign.issueClientCertificate({ publicKey: spki, deviceId: d.deviceId, validityDays: 5 });
    const unrecorded = await t.server.context.ca.issueClientCertificate({
      publicKey: spki,
      deviceId: d.deviceId,
      validityDays: 5,
    });
    for (const certPem of [alien.pem, unrecorded.pem]) {
      const c = client(t, { certPem, keyPem });
      await refused((await c.post(package1({ deviceId: d.deviceId }))).message, d);
      c.close();
    }
    const stale = await enrollDevice(t, { notBefore: new Date(Date.now() - 10 * 86_400_000), validityDays: 2 });
    const c1 = client(t, stale);
    await refused((await c1.post(package1({ deviceId: stale.deviceId }))).message, stale);
    c1.close();
    await store().certificates.revoke(d.serial, 'test');
    const c2 = client(t, d);
    await refused((await c2.post(package1({ deviceId: d.deviceId }))).message, d);
    c2.close();
  });

  it('refuses a certificate past its notAfter on a connection opened while it was valid', async () => {
    const s = await testServer([], { now: Date.now() });
    try {
      const d = await enrollDevice(s, { validityDays: 1 });
      const c = client(s, d);
      assert.equal(hdr((await c.post(package1({ deviceId: d.deviceId }))).message).code, 200);
      s.clock.t += 2 * 86_400_000;
      const r = await c.post(package1({ deviceId: d.deviceId, sessionId: '2' }));
      c.close();
      assert.equal(hdr(r.message).code, 401);
    } finally {
      await s.close();
    }
  });

  it('refuses the certificate of an enrollment that ended, and serves the new one fresh', async () => {
    const old = await enrollDevice(t);
    const c = client(t, old);
    assert.equal(hdr((await c.post(package1({ deviceId: old.deviceId }))).message).code, 200);
    const renewed = await enrollDevice(t, { deviceId: old.deviceId });
    assert.equal((await store().devices.getEnrollment(old.enrollment.id))?.status, 'replaced');
    const r = await c.post(package1({ deviceId: old.deviceId, sessionId: '2' }));
    c.close();
    assert.equal(hdr(r.message).code, 401, 'the replaced enrollment’s certificate no longer works');
    const c2 = client(t, renewed);
    assert.equal(hdr((await c2.post(package1({ deviceId: old.deviceId, sessionId: '3' }))).message).code, 200);
    c2.close();
  });

  it('never lets an authenticated session outlive its enrollment', async () => {
    const old = await enrollDevice(t);
    await queueCommand(store(), {
      enrollmentIds: [old.enrollment.id],
      command: { kind: 'Get', items: [{ target: { locUri: './DevDetail/SwV' } }] },
    });
    const c = client(t);
    const opened = (
      await c.post(package1({ deviceId: old.deviceId, cred: { user: old.user, secret: old.secret, nonce: old.nonce } }))
    ).message;
    assert.equal(hdr(opened).code, 212, 'a session is open and authenticated');
    const renewed = await enrollDevice(t, { deviceId: old.deviceId });
    const later = (h: { user: string; secret: string; nonce: string }) =>
      reply({ deviceId: old.deviceId, msgId: 2, msgRef: 1, cred: h }, []);
    const stale = (await c.post(later({ user: old.user, secret: old.secret, nonce: old.nonce }))).message;
    assert.equal(hdr(stale).code, 401, "the old enrollment's credentials are gone with it");
    const nonce = hdr(stale).chal!.meta.nextNonce!;
    const fresh = (await c.post(later({ user: renewed.user, secret: renewed.secret, nonce }))).message;
    c.close();
    assert.equal(hdr(fresh).code, 212, 'authenticated afresh, not carried on as the old session');
  });

  describe('MD5 digest without a client certificate', () => {
    const cred = (d: TestDevice, nonce: string, secret = d.secret) => ({ user: d.user, secret, nonce });

    it('answers a wrong digest 401 with a new nonce, then accepts the digest over it', async () => {
      const d = await enrollDevice(t);
      const c = client(t);
      const bad = (await c.post(package1({ deviceId: d.deviceId, msgId: 2, cred: cred(d, d.nonce, 'wrong') }))).message;
      await refused(bad, d);
      const nonce = hdr(bad).chal?.meta.nextNonce;
      assert.ok(nonce && nonce !== d.nonce);
      const stale = (await c.post(package1({ deviceId: d.deviceId, msgId: 2, cred: cred(d, d.nonce) }))).message;
      assert.equal(hdr(stale).code, 401, 'the nonce a failed attempt used is gone');
      const fresh = hdr(stale).chal!.meta.nextNonce!;
      const ok = (await c.post(package1({ deviceId: d.deviceId, msgId: 2, cred: cred(d, fresh) }))).message;
      c.close();
      assert.equal(hdr(ok).code, 212);
    });

    it('accepts the initial AAUTHDATA nonce, and checks the Cred of every later message of the session', async () => {
      const d = await enrollDevice(t);
      await t.server.context.store.queue.enqueue({
        enrollmentIds: [d.enrollment.id],
        payload: { v: 1, command: { kind: 'Get', items: [{ target: { locUri: './DevDetail/SwV' } }] } },
      });
      const c = client(t);
      const first = (await c.post(package1({ deviceId: d.deviceId, cred: cred(d, d.nonce) }))).message!;
      assert.equal(hdr(first).code, 212);
      const get = first.commands.find((x) => x.kind === 'Get')!;
      const answer = (h: { cred?: ReturnType<typeof cred> }) =>
        reply({ deviceId: d.deviceId, msgId: 2, msgRef: 1, ...h }, [
          {
            kind: 'Status',
            cmdId: '',
            msgRef: '1',
            cmdRef: get.cmdId,
            cmd: 'Get',
            targetRefs: [],
            sourceRefs: [],
            code: 200,
            items: [],
          },
        ]);
      const without = (await c.post(answer({}))).message;
      assert.equal(hdr(without).code, 407, 'a guessable SessionID is no credential');
      const forged = (await c.post(answer({ cred: cred(d, d.nonce, 'forged') }))).message;
      assert.equal(hdr(forged).code, 401);
      // The session authenticated with the initial nonce and the device may keep using it until the next session:
      // someone else's failed attempts must not lock it out of its own session.
      const ok = (await c.post(answer({ cred: cred(d, d.nonce) }))).message;
      assert.equal(hdr(ok).code, 200);
      const rotated = hdr(forged).chal!.meta.nextNonce!;
      const again = (await c.post(answer({ cred: cred(d, rotated) }))).message;
      c.close();
      assert.equal(hdr(again).code, 200, 'as may a device that took the refusal’s NextNonce');
    });

    it('answers an unknown DeviceID like a known one, and refuses a foreign user name', async () => {
      const d = await enrollDevice(t);
      const c = client(t);
      const unknown = (await c.post(package1({ deviceId: 'NOT-ENROLLED' }))).message;
      assert.equal(hdr(unknown).code, 407);
      assert.ok(hdr(unknown).chal?.meta.nextNonce);
      const other = (
        await c.post(package1({ deviceId: d.deviceId, msgId: 2, cred: { ...cred(d, d.nonce), user: 'x' } }))
      ).message;
      c.close();
      assert.equal(hdr(other).code, 401);
    });

    it('is refused altogether with --digest-auth off, and demanded on top of a certificate with required', async () => {
      const off = await testServer(['--digest-auth', 'off']);
      const required = await testServer(['--digest-auth', 'required']);
      try {
        const d = await enrollDevice(off);
        const c = client(off);
        const r = (await c.post(package1({ deviceId: d.deviceId, cred: cred(d, d.nonce) }))).message;
        c.close();
        assert.equal(hdr(r).code, 401);
        assert.equal(hdr(r).chal, undefined, 'no challenge can help');
        const e = await enrollDevice(required);
        const c2 = client(required, e);
        const challenged = (await c2.post(package1({ deviceId: e.deviceId }))).message;
        assert.equal(hdr(challenged).code, 407);
        const nonce = hdr(challenged).chal!.meta.nextNonce!;
        const ok = (await c2.post(package1({ deviceId: e.deviceId, msgId: 2, cred: cred(e, nonce) }))).message;
        c2.close();
        assert.equal(hdr(ok).code, 212);
      } finally {
        await off.close();
        await required.close();
      }
    });
  });

  describe('behind a TLS-terminating proxy', () => {
    it('trusts the forwarded certificate only from a trusted peer, and verifies it against the CA', async () => {
      const trusted = await testServer([
        '--trusted-proxy-header',
        'X-Client-Cert',
        '--trusted-proxies',
        '127.0.0.0/8,::1',
        '--digest-auth',
        'off',
      ]);
      const untrusted = await testServer([
        '--trusted-proxy-header',
        'x-client-cert',
        '--trusted-proxies',
        '10.0.0.0/8',
        '--digest-auth',
        'off',
      ]);
      try {
        const d = await enrollDevice(trusted);
        const c = client(trusted);
        const pem = encodeURIComponent(d.certPem);
        const rfc9440 = `:${Buffer.from(d.certDer).toString('base64')}:`;
        for (const value of [pem, rfc9440]) {
          const r = await c.post(package1({ deviceId: d.deviceId }), { 'x-client-cert': value });
          assert.equal(hdr(r.message).code, 200, value.slice(0, 12));
        }
        const foreign = await CertificateAuthority.create('Foreign CA');
        const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
        const alien = await foreign.issueClientCertificate({
          publicKey: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })),
          deviceId: d.deviceId,
          validityDays: 5,
        });
        const r = await c.post(package1({ deviceId: d.deviceId }), { 'x-client-cert': encodeURIComponent(alien.pem) });
        assert.equal(hdr(r.message).code, 401);
        c.close();
        const e = await enrollDevice(untrusted);
        const c2 = client(untrusted);
        const ignored = await c2.post(package1({ deviceId: e.deviceId }), {
          'x-client-cert': encodeURIComponent(e.certPem),
        });
        c2.close();
        assert.equal(hdr(ignored.message).code, 401, 'from an untrusted peer the header is ignored');
      } finally {
        await trusted.close();
        await untrusted.close();
      }
    });
  });

  describe('MDM-Signature', () => {
    it('accepts a detached signature by the enrollment and refuses a bad, foreign or missing one', async () => {
      const s = await testServer(['--require-message-signing']);
      try {
        const d = await enrollDevice(s);
        const other = await enrollDevice(s);
        const body = package1({ deviceId: d.deviceId });
        const mine = await signMessage(Buffer.from(body), d.certDer, await ecKey(d.keyPem));
        const c = client(s, d);
        assert.equal(hdr((await c.post(body, { 'mdm-signature': mine })).message).code, 200);
        const tampered = body.replace('windc tests', 'windc Tests');
        assert.equal(hdr((await c.post(tampered, { 'mdm-signature': mine })).message).code, 401);
        const theirs = await signMessage(Buffer.from(body), other.certDer, await ecKey(other.keyPem));
        assert.equal(hdr((await c.post(body, { 'mdm-signature': theirs })).message).code, 401);
        assert.equal(hdr((await c.post(body, { 'mdm-signature': 'not base64!' })).message).code, 401);
        assert.equal(hdr((await c.post(body)).message).code, 401, 'required and missing');
        c.close();
        assert.equal((await s.server.context.store.devices.getEnrollment(other.enrollment.id))?.lastSeenAt, null);
      } finally {
        await s.close();
      }
    });
  });
});
