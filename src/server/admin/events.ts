/**
 * `/api/v1/events` (JSON pages and a server-sent-events stream) and `/api/v1/webhooks` (signed deliveries of the
 * same events). The stream resumes from `Last-Event-ID`, reads from the store (so it shows what every process
 * published) and wakes at once for events of its own process.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { DeclaredEvent } from '../../store/index.ts';
import { EVENT_TYPES, eventBus } from '../declared/events.ts';
import { ApiError } from './errors.ts';
import { type AdminContext, actor } from './plugin.ts';
import { arr, changed, int, obj, out, str } from './schemas.ts';

const TAGS = ['events'];
const POLL_MS = 1000;
const HEARTBEAT_MS = 15_000;

const event = out({ id: int(), at: int(), type: str(), payload: out({}) });
const typeList = str(`Comma-separated event types: ${EVENT_TYPES.join(', ')}`);

function types(text: string | undefined): string[] | undefined {
  if (!text) return undefined;
  const list = text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const bad = list.find((t) => !(EVENT_TYPES as readonly string[]).includes(t));
  if (bad) throw new ApiError('BAD_REQUEST', `'${bad}' is not an event type (${EVENT_TYPES.join(', ')})`);
  return list;
}

export function sseFrame(e: DeclaredEvent): string {
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

function validWebhookUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ApiError('WEBHOOK_URL_INVALID', `'${url}' is not an absolute URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new ApiError('WEBHOOK_URL_INVALID', `webhooks are delivered over http(s), not ${u.protocol}`);
  }
  if (u.username || u.password)
    throw new ApiError('WEBHOOK_URL_INVALID', 'put no credentials in the URL; the HMAC signature authenticates windc');
}

export function eventRoutes(app: FastifyInstance, { ctx }: AdminContext): void {
  const { store } = ctx;
  // A stream hijacks its connection, so fastify's close neither waits for it nor ends it: without this a
  // stopping server would keep every console or `devices watch` stream open, and the process alive, for ever.
  const streams = new Set<() => void>();
  app.addHook('preClose', (done) => {
    for (const end of streams) end();
    done();
  });

  app.get(
    '/events',
    {
      schema: {
        summary: 'Status transitions, oldest first',
        tags: TAGS,
        querystring: obj({
          after: int('Events after this id', { minimum: 0 }),
          limit: int(undefined, { minimum: 1, maximum: 1000 }),
          type: typeList,
        }),
        response: { 200: out({ events: arr(event), last: int('The newest event id in this page, or `after`') }) },
      },
    },
    async (req) => {
      const q = req.query as { after?: number; limit?: number; type?: string };
      const events = await store.declared.events.list({ after: q.after, limit: q.limit, types: types(q.type) });
      return { events, last: events.at(-1)?.id ?? q.after ?? 0 };
    },
  );

  app.get(
    '/events/stream',
    {
      schema: {
        summary: 'Server-sent events: one `event:` per status transition, `id:` for Last-Event-ID',
        description: 'Without Last-Event-ID or `after`, the stream starts with the next event.',
        tags: TAGS,
        produces: ['text/event-stream'],
        querystring: obj({ after: int(undefined, { minimum: 0 }), type: typeList }),
        response: { 200: { type: 'string', description: 'text/event-stream' } },
      },
    },
    async (req, reply) => {
      const accept = req.headers.accept ?? '*/*';
      if (!/text\/event-stream|\*\/\*/.test(accept))
        throw new ApiError('NOT_ACCEPTABLE', 'this endpoint streams text/event-stream');
      const q = req.query as { after?: number; type?: string };
      const only = types(q.type);
      const header = req.headers['last-event-id'];
      const resume = typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : q.after;
      let last = resume ?? (await store.declared.events.lastId());
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(`retry: ${POLL_MS * 2}\n: windc events after ${last}\n\n`);
      let closed = false;
      let pumping: Promise<void> | undefined;
      let again = false;
      const pump = () => {
        if (closed) return;
        if (pumping) {
          again = true;
          return;
        }
        pumping = (async () => {
          try {
            do {
              again = false;
              for (;;) {
                const page = await store.declared.events.list({ after: last, limit: 500, types: only });
                for (const e of page) res.write(sseFrame(e));
                // Filtered pages can skip ids; move past what was looked at so the next read starts after it.
                if (page.length > 0) last = page.at(-1)!.id;
                if (page.length < 500) break;
              }
            } while (again && !closed);
          } catch (e) {
            req.log.warn({ err: e }, 'event stream read failed');
          } finally {
            pumping = undefined;
          }
        })();
      };
      const poll = setInterval(pump, POLL_MS);
      const beat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
      const onAppended = () => pump();
      eventBus.on('appended', onAppended);
      const close = () => {
        closed = true;
        streams.delete(end);
        clearInterval(poll);
        clearInterval(beat);
        eventBus.off('appended', onAppended);
      };
      // Ending the response lets a client's EventSource reconnect (to another process, or this one restarted).
      const end = () => {
        close();
        res.end();
      };
      streams.add(end);
      req.raw.on('close', close);
      res.on('close', close);
      pump();
    },
  );

  const subscription = out({ id: int(), url: str(), events: arr(str()), createdAt: int() });
  app.get(
    '/webhooks',
    {
      schema: {
        summary: 'Webhook subscriptions (secrets are never shown again)',
        tags: TAGS,
        response: { 200: out({ webhooks: arr(subscription) }) },
      },
    },
    async () => ({ webhooks: (await store.declared.events.subscriptions()).map(({ secret: _s, ...rest }) => rest) }),
  );

  app.post(
    '/webhooks',
    {
      schema: {
        summary: 'Subscribe a URL to events; the answer holds the HMAC secret, once',
        description:
          'Each delivery is a POST of the event as JSON with X-Windc-Event, X-Windc-Delivery, X-Windc-Timestamp and ' +
          'X-Windc-Signature: sha256=HMAC-SHA256(secret, timestamp + "." + body). Retried with backoff until a 2xx.',
        tags: TAGS,
        body: obj(
          {
            url: str('http(s) URL'),
            events: arr(str(undefined, { enum: [...EVENT_TYPES] }), { description: 'Empty or absent: all' }),
            secret: str('At least 16 characters; generated when absent', { minLength: 16, maxLength: 256 }),
          },
          ['url'],
        ),
        response: { 201: changed({ webhook: out({ id: int(), url: str(), events: arr(str()), secret: str() }) }) },
      },
    },
    async (req, reply) => {
      const body = req.body as { url: string; events?: string[]; secret?: string };
      validWebhookUrl(body.url);
      const sub = await store.declared.events.subscribe({
        url: body.url,
        secret: body.secret ?? randomBytes(32).toString('base64url'),
        events: [...new Set(body.events ?? [])],
      });
      await store.audit.append({
        actor: actor(req),
        action: 'webhook.create',
        target: String(sub.id),
        details: { url: sub.url },
      });
      return reply.status(201).send({ changed: true, webhook: sub });
    },
  );

  app.delete(
    '/webhooks/:id',
    {
      schema: {
        summary: 'Unsubscribe; pending deliveries to it are dropped',
        tags: TAGS,
        params: obj({ id: int(undefined, { minimum: 1 }) }, ['id']),
        response: { 200: changed() },
      },
    },
    async (req) => {
      const { id } = req.params as { id: number };
      const ok = await store.declared.events.unsubscribe(id);
      if (ok) await store.audit.append({ actor: actor(req), action: 'webhook.delete', target: String(id) });
      return { changed: ok };
    },
  );
}
