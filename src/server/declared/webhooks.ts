/**
 * Webhook delivery from the store's outbox: any process claims due deliveries under a lease, POSTs each event
 * signed with its subscription's secret, and retries with exponential backoff until the subscriber answers 2xx
 * or the attempts run out. A crash mid-send only means the lease runs out and the event goes again, so
 * receivers must de-duplicate on `X-Windc-Delivery` (at-least-once, like every outbox).
 *
 * Signature: `X-Windc-Signature: sha256=<hex HMAC-SHA256(secret, "<X-Windc-Timestamp>.<body>")>`. Signing the
 * timestamp with the body lets a receiver refuse replays of an old request.
 */
import { createHmac } from 'node:crypto';
import type { StoreTx, WebhookDelivery, WebhookSubscription } from '../../store/index.ts';
import { eventBus } from './events.ts';

export interface SenderOptions {
  /** How often due deliveries are looked for besides the wake-ups of new events. */
  intervalMs?: number;
  /** Delay between a new event and the pass that sends it. */
  wakeMs?: number;
  /** Attempts before a delivery is given up. */
  maxAttempts?: number;
  /** First retry delay; each further one doubles, up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  timeoutMs?: number;
  /** Events and finished deliveries older than this are pruned. */
  retentionMs?: number;
  log?: { warn(obj: object, msg: string): void } | undefined;
}

export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function backoff(attempt: number, base: number, max: number): number {
  return Math.min(max, base * 2 ** Math.max(0, attempt - 1));
}

export class WebhookSender {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private lastPrune = 0;
  private pending: NodeJS.Timeout | undefined;
  /**
   * New events wake the sender, but at most once per `wakeMs`: a fleet's check-ins publish hundreds of events a
   * second, and one claim per batch of them is enough.
   */
  private readonly wake = () => {
    if (this.pending || this.stopped) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      void this.kick();
    }, this.o.wakeMs);
    this.pending.unref();
  };
  private readonly o: Required<Omit<SenderOptions, 'log'>> & Pick<SenderOptions, 'log'>;

  constructor(
    private readonly store: StoreTx,
    private readonly now: () => number,
    options: SenderOptions = {},
  ) {
    this.o = {
      intervalMs: options.intervalMs ?? 2000,
      wakeMs: options.wakeMs ?? 200,
      maxAttempts: options.maxAttempts ?? 10,
      backoffMs: options.backoffMs ?? 5000,
      maxBackoffMs: options.maxBackoffMs ?? 3_600_000,
      timeoutMs: options.timeoutMs ?? 10_000,
      retentionMs: options.retentionMs ?? 7 * 24 * 3_600_000,
      log: options.log,
    };
  }

  start(): void {
    this.timer = setInterval(() => this.kick(), this.o.intervalMs);
    this.timer.unref();
    eventBus.on('appended', this.wake);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.pending) clearTimeout(this.pending);
    eventBus.off('appended', this.wake);
    await this.running;
  }

  /** Runs a pass now, or right after the one in progress. */
  kick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.pass();
        } while (this.again && !this.stopped);
      } catch (e) {
        this.o.log?.warn({ err: e }, 'webhook pass failed');
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async pass(): Promise<void> {
    for (;;) {
      const due = await this.store.webhooks.claimDue({ limit: 20, leaseMs: this.o.timeoutMs * 3 });
      if (due.length === 0) break;
      const subs = new Map<number, WebhookSubscription | undefined>();
      await Promise.all(due.map((d) => this.deliver(d, subs)));
      if (due.length < 20) break;
    }
    const now = this.now();
    if (now - this.lastPrune > 3_600_000) {
      this.lastPrune = now;
      await this.store.webhooks.prune(now - this.o.retentionMs);
      await this.store.declared.events.prune(now - this.o.retentionMs);
    }
  }

  private async deliver(d: WebhookDelivery, subs: Map<number, WebhookSubscription | undefined>): Promise<void> {
    const { subscriptionId, event } = (d.payload ?? {}) as { subscriptionId?: number; event?: unknown };
    if (typeof subscriptionId !== 'number') {
      await this.store.webhooks.markFailed(d.id, 'not a windc event delivery', null);
      return;
    }
    if (!subs.has(subscriptionId))
      subs.set(subscriptionId, await this.store.declared.events.getSubscription(subscriptionId));
    const sub = subs.get(subscriptionId);
    if (!sub) {
      await this.store.webhooks.markFailed(d.id, 'the subscription was deleted', null);
      return;
    }
    const body = JSON.stringify(event);
    const timestamp = String(Math.floor(this.now() / 1000));
    let error: string | undefined;
    try {
      const res = await fetch(sub.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'windc-webhooks',
          'x-windc-event': d.event,
          'x-windc-delivery': String(d.id),
          'x-windc-timestamp': timestamp,
          'x-windc-signature': signature(sub.secret, timestamp, body),
        },
        body,
        signal: AbortSignal.timeout(this.o.timeoutMs),
        redirect: 'manual',
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    if (error === undefined) {
      await this.store.webhooks.markDelivered(d.id);
      return;
    }
    const retryAt =
      d.attempts >= this.o.maxAttempts ? null : this.now() + backoff(d.attempts, this.o.backoffMs, this.o.maxBackoffMs);
    await this.store.webhooks.markFailed(d.id, error, retryAt);
  }
}
