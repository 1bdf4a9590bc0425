/** What a device gets for bad input, and for arriving when the server is at its limits; the debug ring. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { queueCommand } from '../../../src/server/management/payload.ts';
import { debugRingOf } from '../../../src/server/management/routes.ts';
import { acks, package1, reply } from './messages.ts';
import { client, enrollDevice, enrolledClient, replace, statuses, type TestServer, testServer } from './support.ts';

describe('management input and limits', () => {
  let t: TestServer;
  before(async () => {
    t = await testServer(['--debug-ring', '4']);
  });
  after(() => t?.close());
  const store = () => t.server.context.store;

  const device = () => enrolledClient(t);

  it('keeps the last raw exchanges in the opt-in debug ring, and only those', async () => {
    const { d, c } = await device();
    for (let i = 1; i <= 5; i++) await c.post(package1({ deviceId: d.deviceId, sessionId: String(i) }));
    c.close();
    const ring = debugRingOf(t.server.app)!;
    const mine = ring.list({ deviceId: d.deviceId });
    assert.equal(mine.length, 4);
    assert.deepEqual(
      mine.map((x) => x.sessionId),
      ['2', '3', '4', '5'],
    );
    assert.match(mine[3]!.request, /<SessionID>5<\/SessionID>/);
    assert.match(mine[3]!.response, /<Final\/>/);
  });

  describe('bad input', () => {
    it('answers what is not SyncML with HTTP 400 and a plain reason', async () => {
      const { c } = await device();
      for (const [body, reason] of [
        ['', /empty body/],
        ['not xml at all', /not a SyncML DM message/],
        ['<Foo xmlns="SYNCML:SYNCML1.2"/>', /not <SyncML>/],
        ['<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD></SyncHdr><SyncBody/></SyncML>', /SyncHdr/],
      ] as const) {
        const r = await c.post(body);
        assert.equal(r.status, 400, body);
        assert.match(String(r.headers['content-type']), /^text\/plain/);
        assert.match(r.body, reason);
      }
      const wbxml = await c.post('x', { 'content-type': 'application/vnd.syncml.dm+wbxml' });
      assert.equal(wbxml.status, 415);
      c.close();
    });

    it('answers a broken message with a SyncHdr Status and changes nothing; a broken command alone gets 400', async () => {
      const { d, c } = await device();
      const version = package1({ deviceId: d.deviceId }).replace('<VerDTD>1.2</VerDTD>', '<VerDTD>1.0</VerDTD>');
      assert.deepEqual(statuses((await c.post(version)).message), [['SyncHdr', '0', 505]]);
      const stray = package1({ deviceId: d.deviceId }).replace('<SyncBody>', '<SyncBody>stray text');
      const r = (await c.post(stray)).message!;
      assert.deepEqual(statuses(r), [['SyncHdr', '0', 400]]);
      assert.equal(r.final, true);
      const msgId = package1({ deviceId: d.deviceId }).replace('<MsgID>1</MsgID>', '<MsgID>one</MsgID>');
      assert.deepEqual(statuses((await c.post(msgId)).message), [['SyncHdr', '0', 400]]);
      assert.equal((await store().devices.getEnrollment(d.enrollment.id))?.lastSeenAt, null, 'nothing recorded');
      const badCommand = package1({ deviceId: d.deviceId }).replace(
        '<Alert><CmdID>3</CmdID>',
        '<Alert><CmdID>3</CmdID><Bogus/>',
      );
      const partial = (await c.post(badCommand)).message!;
      c.close();
      assert.deepEqual(
        statuses(partial).map((s) => s[2]),
        [200, 200, 400, 200],
      );
      assert.ok((await store().devices.getEnrollment(d.enrollment.id))?.lastSeenAt);
    });

    it('refuses a message larger than the advertised MaxMsgSize with 413', async () => {
      const s = await testServer(['--max-msg-size', '8192']);
      try {
        const d = await enrollDevice(s);
        const c = client(s, d);
        const big = package1({ deviceId: d.deviceId }).replace('windc tests', 'x'.repeat(9000));
        const r = await c.post(big);
        const ok = await c.post(package1({ deviceId: d.deviceId }));
        c.close();
        assert.equal(r.status, 413);
        assert.equal(ok.message?.header.meta?.maxMsgSize, 8192, 'the limit is advertised');
      } finally {
        await s.close();
      }
    });
  });

  it('refuses a new session beyond --max-sessions with 429 and Retry-After, never one already open', async () => {
    const s = await testServer(['--max-sessions', '1', '--retry-after', '5']);
    try {
      const a = await enrollDevice(s);
      const b = await enrollDevice(s);
      await queueCommand(s.server.context.store, {
        enrollmentIds: [a.enrollment.id],
        command: replace('./Vendor/MSFT/X', '1'),
      });
      const ca = client(s, a);
      const cb = client(s, b);
      const open = (await ca.post(package1({ deviceId: a.deviceId }))).message!;
      const refused = await cb.post(package1({ deviceId: b.deviceId }));
      assert.equal(refused.status, 429);
      const wait = Number(refused.headers['retry-after']);
      assert.ok(wait >= 5 && wait <= 10, `Retry-After ${wait}`);
      const done = await ca.post(reply({ deviceId: a.deviceId, msgId: 2, msgRef: 1 }, acks(open)));
      assert.equal(done.status, 200, 'a session already open goes on');
      assert.equal((await cb.post(package1({ deviceId: b.deviceId }))).status, 200, 'admitted once the first ended');
      ca.close();
      cb.close();
    } finally {
      await s.close();
    }
  });
});
