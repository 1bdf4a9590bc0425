/**
 * Fault injection for tests and load runs. The device-side faults (failing providers, slow or stalled processing)
 * are acted on here; the transport faults (dropped requests and responses, duplicate sends, latency) are carried for
 * the networking half, which reads them from the same object so one configuration describes a whole run. Every
 * random choice comes from a seeded generator, so a failing load run can be replayed.
 */

export type ProviderOperation = 'Get' | 'Test' | 'Set';

export interface ProviderFault {
  /** MI class name (case-insensitive); absent: every class. */
  className?: string;
  /** Absent: every operation. */
  operation?: ProviderOperation;
  /** `error`: the setting fails (61/81); `infra`: the machinery fails (62/82). Default `error`. */
  kind?: 'error' | 'infra';
  /** The HRESULT reported; default WBEM provider failure. */
  hresult?: number;
  /** Probability in [0, 1]; default 1. */
  rate?: number;
  /** Fire at most this many times; default unlimited. */
  times?: number;
}

export interface NetworkFaults {
  /** Probability that a request is lost before the server sees it. */
  dropRequestRate?: number;
  /** Probability that the server's response is lost after it processed the request. */
  dropResponseRate?: number;
  /** Probability that a request is sent twice. */
  duplicateSendRate?: number;
  /** Added to every exchange, ms. */
  latencyMs?: number;
}

export interface FaultConfig {
  providers?: ProviderFault[];
  /** Added to every document's processing time, ms. */
  processingDelayMs?: number;
  /** Hold configuration documents in ConfigInProgressAsyncPending (3) this long before completing, ms. */
  asyncPendingMs?: number;
  network?: NetworkFaults;
  /** Seed of the generator behind every rate; default 1. */
  seed?: number;
}

/** mulberry32: small, fast, and good enough to decide coin flips reproducibly. The one seeded generator of the
 * repository: fault rates here, and the mutation and fuzz tests, which replay a failing seed with it. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private config: FaultConfig;
  private random: () => number;
  private fired = new Map<ProviderFault, number>();

  constructor(config: FaultConfig = {}) {
    this.config = config;
    this.random = seededRandom(config.seed ?? 1);
  }

  /** Replaces the configuration at run time (and restarts the generator from the new seed). */
  configure(config: FaultConfig): void {
    this.config = config;
    this.random = seededRandom(config.seed ?? 1);
    this.fired.clear();
  }

  get current(): Readonly<FaultConfig> {
    return this.config;
  }

  get network(): Readonly<NetworkFaults> {
    return this.config.network ?? {};
  }

  get processingDelayMs(): number {
    return this.config.processingDelayMs ?? 0;
  }

  get asyncPendingMs(): number {
    return this.config.asyncPendingMs ?? 0;
  }

  /** True with probability `rate`; what the networking half calls for its own faults. */
  roll(rate: number | undefined): boolean {
    if (!rate || rate <= 0) return false;
    return rate >= 1 || this.random() < rate;
  }

  /** The fault that fires for this provider call, if any; counts it against `times`. */
  providerFault(className: string, operation: ProviderOperation): ProviderFault | undefined {
    for (const f of this.config.providers ?? []) {
      if (f.className && f.className.toLowerCase() !== className.toLowerCase()) continue;
      if (f.operation && f.operation !== operation) continue;
      const n = this.fired.get(f) ?? 0;
      if (f.times !== undefined && n >= f.times) continue;
      if (!this.roll(f.rate ?? 1)) continue;
      this.fired.set(f, n + 1);
      return f;
    }
    return undefined;
  }
}
