/**
 * What a fleet run measures: counts, latency distributions and the emulator's own CPU. Latencies go into a
 * log-bucketed histogram (2 % wide buckets from 10 µs to an hour), so recording is O(1) and a percentile read
 * every second costs the same after ten sessions as after ten million.
 */
import { readFileSync } from 'node:fs';

const MIN_MS = 0.01;
const GROWTH = 1.02;
const BUCKETS = Math.ceil(Math.log(3_600_000 / MIN_MS) / Math.log(GROWTH)) + 1;

export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  sum = 0;
  max = 0;

  record(ms: number): void {
    const i = ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / MIN_MS) / Math.log(GROWTH)));
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.count++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
  }

  /** The value below which `p` (0..1) of the samples fall, to within one bucket (2 %). */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(p * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) return Math.min(this.max, MIN_MS * GROWTH ** i);
    }
    return this.max;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }
}

export type FleetDeviceState = 'waiting' | 'enrolling' | 'enrolled' | 'syncing' | 'synced' | 'failed';

export const DEVICE_STATES: readonly FleetDeviceState[] = [
  'waiting',
  'enrolling',
  'enrolled',
  'syncing',
  'synced',
  'failed',
];

export interface CpuSample {
  /** CPU time of this process, user + system, ms. */
  cpuMs: number;
  wallMs: number;
}

export class FleetStats {
  readonly sessionLatency = new Histogram();
  readonly enrollLatency = new Histogram();
  readonly exchangeLatency = new Histogram();
  enrolled = 0;
  enrollFailures = 0;
  sessions = 0;
  sessionFailures = 0;
  exchanges = 0;
  bytesOut = 0;
  bytesIn = 0;
  retries = 0;
  /** Failure messages by kind, the first one of each kept as an example. */
  readonly errors = new Map<string, { count: number; example: string }>();
  readonly states = new Map<FleetDeviceState, number>(DEVICE_STATES.map((s) => [s, 0]));
  private readonly startedWall = performance.now();
  private readonly startedCpu = process.cpuUsage();
  private readonly startedServerCpu: number | undefined;

  /** @param serverCpu the server's own CPU time in ms, when it is a process this machine can see. */
  constructor(private readonly serverCpu?: () => number | undefined) {
    this.startedServerCpu = serverCpu?.();
  }

  move(from: FleetDeviceState | undefined, to: FleetDeviceState): void {
    if (from) this.states.set(from, (this.states.get(from) ?? 0) - 1);
    this.states.set(to, (this.states.get(to) ?? 0) + 1);
  }

  error(kind: string, message: string): void {
    const e = this.errors.get(kind);
    if (e) e.count++;
    else this.errors.set(kind, { count: 1, example: message });
  }

  /** CPU and wall time since the run started. */
  cpu(): CpuSample {
    const u = process.cpuUsage(this.startedCpu);
    return { cpuMs: (u.user + u.system) / 1000, wallMs: performance.now() - this.startedWall };
  }

  /** The server's CPU time since the run started, ms; undefined when not known. Reads /proc: not per session. */
  serverCpuMs(): number | undefined {
    const now = this.serverCpu?.();
    return now === undefined || this.startedServerCpu === undefined ? undefined : now - this.startedServerCpu;
  }
}

/**
 * CPU time (user + system) of a local process in ms, from Linux's /proc/PID/stat (clock ticks of 1/100 s, the
 * fixed USER_HZ); undefined elsewhere or once the process is gone.
 */
export function processCpuMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name in parentheses may hold spaces; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? ticks * 10 : undefined;
}

/** Share of one core used between two samples: 1.0 is one core busy all the time. */
export function coreShare(a: CpuSample, b: CpuSample): number {
  const wall = b.wallMs - a.wallMs;
  return wall <= 0 ? 0 : (b.cpuMs - a.cpuMs) / wall;
}
