import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { announce, publish } from '../../../src/server/declared/events.ts';
import { WebhookSender } from '../../../src/server/declared/webhooks.ts';
import { tempStore } from '../declared/sim.ts';
import { type ApiServer, api, startApiServer, statusEvent } from './support.ts';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A local receiver answering each request with the next status of `script` (then 200). */
async function receiver(script: number[] = []): Promise<{ url: string; got: Received[]; close(): Promise<void> }> {
  const got: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.statusCode = script.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/hook`, got, close: () => new Promise((r) => server.close(() => r())) };
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function verify(secret: string, r: Received): void {
  const ts = String(r.headers['x-windc-timestamp']);
  const expected = `sha256=${createHmac('sha256', secret).update(`${ts}.${r.body}`).digest('hex')}`;
  assert.equal(r.headers['x-windc-signature'], expected, 'HMAC over timestamp.body with the subscription secret');
}

describe('webhook sender', () => {
  it('signs each delivery and retries with backoff until the receiver answers 2xx', async () => {
    const { store, cleanup } = await tempStore();
    const hook = await receiver([500, 503]);
    const sender = new WebhookSender(store, Date.now, { intervalMs: 20, backoffMs: 30, maxBackoffMs: 100 });
    try {
      const sub = await store.declared.events.subscribe({ url: hook.url, secret: 'secret-for-tests-123', events: [] });
      const [e] = await store.declared.events.append([statusEvent(1)]);
      sender.start();
      await until(() => hook.got.length >= 3);
      for (let i = 0; i < 200; i++) {
        if ((await store.webhooks.list()).every((d) => d.state === 'delivered')) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      const [first, , third] = hook.got as [Received, Received, Received];
      for (const r of hook.got) verify('secret-for-tests-123', r);
      assert.deepEqual(JSON.parse(third.body), e);
      assert.equal(first.headers['x-windc-event'], 'document.status');
      assert.equal(first.headers['x-windc-delivery'], third.headers['x-windc-delivery'], 'the same delivery, retried');
      const deliveries = await store.webhooks.list();
      assert.deepEqual(
        deliveries.map((d) => [d.state, d.attempts, (d.payload as { subscriptionId: number }).subscriptionId]),
        [['delivered', 3, sub.id]],
      );
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(hook.got.length, 3, 'nothing is sent again once delivered');
    } finally {
      await sender.stop();
      await hook.close();
      await cleanup();
    }
  });

  it('gives up after the last attempt and drops deliveries of a deleted subscription', async () => {
    const { store, cleanup } = await tempStore();
    const hook = await receiver([500, 500, 500, 500]);
    const sender = new WebhookSender(store, Date.now, { intervalMs: 10, backoffMs: 10, maxAttempts: 2 });
    try {
      await store.declared.events.subscribe({ url: hook.url, secret: 'secret-for-tests-123', events: [] });
      const gone = await store.declared.events.subscribe({
        url: `${hook.url}/gone`,
        secret: 'x'.repeat(16),
        events: [],
      });
      await store.declared.events.append([statusEvent(2)]);
      await store.declared.events.unsubscribe(gone.id);
      sender.start();
      const settled = async () => (await store.webhooks.list()).every((d) => d.state !== 'pending');
      for (let i = 0; i < 200 && !(await settled()); i++) await new Promise((r) => setTimeout(r, 10));
      const rows = await store.webhooks.list();
      assert.deepEqual(
        rows.map((d) => [d.state, d.attempts]),
        [
          ['failed', 2],
          ['failed', 1],
        ],
      );
      assert.match(rows[1]?.lastError ?? '', /subscription was deleted/);
      assert.equal(hook.got.length, 2);
    } finally {
      await sender.stop();
      await hook.close();
      await cleanup();
    }
  });
});

describe('events over the API', () => {
  let s: ApiServer;
  before(async () => {
    s = await startApiServer();
  });
  after(() => s.close());

  function stream(headers: Record<string, string>, onFrame: (f: { id: number; event: string; data: unknown }) => void) {
    return new Promise<() => void>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: s.port,
          path: '/api/v1/events/stream',
          ca: s.caPem,
          servername: 'localhost',
          headers: { authorization: `Bearer ${s.token}`, accept: 'text/event-stream', ...headers },
        },
        (res) => {
          assert.equal(res.statusCode, 200);
          assert.match(String(res.headers['content-type']), /text\/event-stream/);
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            buf += c;
            let end = buf.indexOf('\n\n');
            while (end >= 0) {
              const frame = buf.slice(0, end);
              buf = buf.slice(end + 2);
              const id = /^id: (\d+)$/m.exec(frame)?.[1];
              const event = /^event: (.+)$/m.exec(frame)?.[1];
              const data = /^data: (.+)$/m.exec(frame)?.[1];
              if (id && event && data) onFrame({ id: Number(id), event, data: JSON.parse(data) });
              end = buf.indexOf('\n\n');
            }
          });
          resolve(() => req.destroy());
        },
      );
      req.on('error', (e) => (e.message === 'socket hang up' ? undefined : reject(e)));
      req.end();
    });
  }

  it('streams events as server-sent events and resumes from Last-Event-ID', async () => {
    const store = s.server.context.store;
    const frames: { id: number; event: string; data: unknown }[] = [];
    const stop = await stream({ 'last-event-id': '0' }, (f) => frames.push(f));
    announce(await publish(store, [statusEvent(1), statusEvent(2)]));
    await until(() => frames.length >= 2);
    announce(await publish(store, [statusEvent(3)]));
    await until(() => frames.length >= 3);
    stop();
    assert.deepEqual(
      frames.map((f) => (f.data as { payload: { deviceId: string } }).payload.deviceId),
      ['D1', 'D2', 'D3'],
    );
    assert.ok(frames.every((f) => f.event === 'document.status'));
    const again: typeof frames = [];
    const stop2 = await stream({ 'last-event-id': String(frames[1]!.id) }, (f) => again.push(f));
    await until(() => again.length >= 1);
    stop2();
    assert.deepEqual(
      again.map((f) => f.id),
      [frames[2]!.id],
      'only what came after the last id seen',
    );
    const page = await api<{ events: { id: number }[]; last: number }>(
      s,
      'GET',
      `/api/v1/events?after=${frames[0]!.id}`,
    );
    assert.deepEqual(
      page.body.events.map((e) => e.id),
      [frames[1]!.id, frames[2]!.id],
    );
    const refused = await api<{ error: { code: string } }>(s, 'GET', '/api/v1/events?type=nope');
    assert.equal(refused.body.error.code, 'BAD_REQUEST');
  });

  it('delivers events to a subscribed webhook, signed with the secret returned once', async () => {
    const hook = await receiver();
    try {
      const created = await api<{ webhook: { id: number; secret: string } }>(s, 'POST', '/api/v1/webhooks', {
        url: hook.url,
        events: ['document.status'],
      });
      assert.equal(created.status, 201);
      const list = await api<{ webhooks: Record<string, unknown>[] }>(s, 'GET', '/api/v1/webhooks');
      assert.ok(
        list.body.webhooks.every((w) => !('secret' in w)),
        'the secret is never listed',
      );
      announce(await publish(s.server.context.store, [statusEvent(9)]));
      await until(() => hook.got.length >= 1);
      verify(created.body.webhook.secret, hook.got[0]!);
      const bad = await api<{ error: { code: string } }>(s, 'POST', '/api/v1/webhooks', { url: 'ftp://x' });
      assert.equal(bad.body.error.code, 'WEBHOOK_URL_INVALID');
    } finally {
      await hook.close();
    }
  });
  it('ends open streams when the server stops, so it can stop', async () => {
    const other = await startApiServer();
    let opened: () => void = () => {};
    const open = new Promise<void>((r) => {
      opened = r;
    });
    const ended = new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: other.port,
          path: '/api/v1/events/stream',
          ca: other.caPem,
          servername: 'localhost',
          headers: { authorization: `Bearer ${other.token}`, accept: 'text/event-stream' },
        },
        (res) => {
          assert.equal(res.statusCode, 200);
          opened();
          res.resume();
          res.on('end', () => resolve());
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
    await open;
    const timeout = new Promise<string>((r) => setTimeout(() => r('still running after 5 s'), 5000).unref());
    assert.equal(await Promise.race([other.close().then(() => 'stopped'), timeout]), 'stopped');
    await ended;
  });
});
