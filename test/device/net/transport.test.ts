import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRetryAfter } from '../../../src/device/net/retry.ts';
import { buildSyncML } from '../../../src/protocol/syncml/index.ts';
import { reply } from './peer.ts';
import { peerHarness, rig } from './session-support.ts';

describe('Retry-After', () => {
  it('reads delay-seconds and HTTP-dates, a past date as 0, garbage as absent', () => {
    const now = Date.UTC(2025, 0, 6, 9, 0, 0);
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter(['5', '9'], now), 5000);
    assert.equal(parseRetryAfter('Mon, 06 Jan 2025 09:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Mon, 06 Jan 2025 08:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });
});

describe('OMA-DM transport: throttling, faults and connections', () => {
  const net = peerHarness();

  it('a 429 with Retry-After is waited out and the same message sent again', async () => {
    const peer = await net.start((x, i) => (i === 0 ? { status: 429, headers: { 'Retry-After': '7' } } : reply(x, [])));
    const r = await rig(net.h, peer);
    const result = await r.run();
    r.close();
    assert.equal(result.end, 'completed');
    assert.deepEqual(r.sleeps, [7000]);
    assert.equal(peer.seen[0]?.xml, peer.seen[1]?.xml, 'the very same message');
  });

  it('a Retry-After beyond the policy ends the attempt instead of waiting', async () => {
    const peer = await net.start(() => ({ status: 503, headers: { 'Retry-After': '86400' } }));
    const r = await rig(net.h, peer);
    const result = await r.run();
    r.close();
    assert.equal(result.end, 'failed');
    assert.match(String(result.error), /Retry-After 86400 s/);
    assert.deepEqual(r.sleeps, []);
  });

  it('a dropped response makes the client resend the same MsgID, which the server then sees twice', async () => {
    const peer = await net.start((x) => reply(x, []));
    net.h.device.configureFaults({ network: { dropResponseRate: 1 }, seed: 3 });
    const r = await rig(net.h, peer);
    const result = await r.run();
    r.close();
    assert.equal(result.end, 'failed', 'every response is lost, so the retries run out');
    assert.equal(peer.seen.length, 4, 'the first send and three retries');
    assert.ok(peer.seen.every((x) => x.message.header.msgId === '1'));
    assert.deepEqual(r.sleeps, [1, 2, 4]);
  });

  it('a dropped request never reaches the server; the retry does', async () => {
    const peer = await net.start((x) => reply(x, []));
    net.h.device.configureFaults({ network: { dropRequestRate: 0.5 }, seed: 7 });
    const r = await rig(net.h, peer);
    let sent = 0;
    for (let i = 0; i < 6; i++) {
      const result = await r.run();
      assert.equal(result.end, 'completed');
      sent++;
    }
    r.close();
    assert.equal(peer.seen.length, sent, 'each session reached the server exactly once');
    assert.ok(r.sleeps.length > 0, 'some requests were dropped and retried');
  });

  it('a duplicate send delivers the message twice and the client takes the second answer', async () => {
    const peer = await net.start((x) => reply(x, []));
    net.h.device.configureFaults({ network: { duplicateSendRate: 1 } });
    const r = await rig(net.h, peer);
    const result = await r.run();
    r.close();
    assert.equal(result.end, 'completed');
    assert.equal(peer.seen.length, 2);
    assert.equal(peer.seen[0]?.xml, peer.seen[1]?.xml);
  });

  it('an answer in chunked encoding and one closing the connection are read; the next request reconnects', async () => {
    const peer = await net.start((x, i) => {
      const xml = buildSyncML(reply(x, []));
      return i % 2 === 0 ? { status: 200, body: xml, chunked: true } : { status: 200, body: xml, close: true };
    });
    const r = await rig(net.h, peer);
    for (let i = 0; i < 4; i++) assert.equal((await r.run()).end, 'completed');
    r.close();
    assert.equal(r.transport.connectionsOpened, 2, 'a new connection after each one the server closed');
  });

  it('sessions of one device reuse one keep-alive TLS connection', async () => {
    const peer = await net.start((x) => reply(x, []));
    const r = await rig(net.h, peer);
    for (let i = 0; i < 5; i++) await r.run();
    r.close();
    assert.equal(r.transport.connectionsOpened, 1);
  });

  it('a device that must reconnect resumes its TLS session, and the server still sees its certificate', async () => {
    const peer = await net.start((x) => reply(x, []));
    const r = await rig(net.h, peer);
    for (let i = 0; i < 3; i++) {
      r.transport.close();
      assert.equal((await r.run()).end, 'completed');
    }
    r.close();
    assert.equal(r.transport.connectionsOpened, 3);
    assert.equal(r.transport.connectionsResumed, 2);
    assert.equal(new Set(peer.seen.map((x) => x.clientCn)).size, 1);
    assert.ok(peer.seen.every((x) => x.clientCn));
  });
});
