/**
 * A token bucket per client address: `perSecond` sustained, `burst` at once. In memory and per process, which
 * is what throttling a misbehaving client needs; the map is capped so a sweep of spoofed-looking addresses
 * (each a real TCP peer, but many) cannot grow it without bound.
 */
export interface RateDecision {
  ok: boolean;
  /** Whole seconds until a request would be accepted; set when refused. */
  retryAfter?: number;
}

export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly maxClients = 50_000,
  ) {}

  take(client: string, now: number): RateDecision {
    let b = this.#buckets.get(client);
    if (b) {
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
      b.at = now;
      // Re-inserting keeps the map in least-recently-seen order for eviction.
      this.#buckets.delete(client);
    } else {
      b = { tokens: this.burst, at: now };
      if (this.#buckets.size >= this.maxClients) this.#buckets.delete(this.#buckets.keys().next().value as string);
    }
    this.#buckets.set(client, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfter: Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond)) };
  }
}
