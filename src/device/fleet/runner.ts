/**
 * N emulated devices in one process against one server: each enrolls (classic, with the enrollment secret, and
 * optionally the WinDC linked enrollment too) and runs its first session; then, while a `--duration` or
 * `--sessions` bound allows, sessions keep going round-robin over the enrolled devices. Everything shares one
 * keep-alive HTTPS transport and a pool of keys; concurrency is bounded so thousands of devices do not mean
 * thousands of simultaneous handshakes. Devices live in memory (their sandboxes under a temporary directory).
 *
 * The run only ever talks to the server it is given: every URL the devices follow comes from that server's own
 * answers (discovery, provisioning), and a URL pointing elsewhere is refused.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AccountInfo } from '../account.ts';
import { DeviceClient } from '../client.ts';
import type { FaultConfig } from '../faults.ts';
import type { TokenIssuer } from '../issuer.ts';
import type { RetryPolicy } from '../net/retry.ts';
import { HttpTransport, TlsIdentity } from '../net/transport.ts';
import type { SessionResult } from '../omadm/session.ts';
import { KeyPool } from './keys.ts';
import { type FleetDeviceState, FleetStats, processCpuMs } from './stats.ts';

export interface FleetOptions {
  devices: number;
  server: string;
  secret: string;
  /** Also run the WinDC linked enrollment against this discovery URL (needs `issuer`). */
  linkDiscovery?: string;
  issuer?: TokenIssuer;
  enrollConcurrency?: number;
  sessionConcurrency?: number;
  /** Stop starting new work after this long. */
  durationMs?: number;
  /** Stop after this many sessions in all (first sessions included). */
  sessions?: number;
  keyPoolSize?: number;
  trustedCaPems?: readonly string[];
  insecure?: boolean;
  faults?: FaultConfig;
  retry?: Partial<RetryPolicy>;
  baseDir?: string;
  keep?: boolean;
  /** The server's process on this machine: its CPU is reported beside the emulator's (Linux). */
  serverPid?: number;
}

export type FleetPhase = 'keys' | 'enrolling' | 'sessions' | 'done';

interface Member {
  index: number;
  client?: DeviceClient;
  account?: AccountInfo;
  state?: FleetDeviceState;
}

/** The steady-state phase: sessions, the emulator's CPU and wall time, and the server's CPU when known. */
export interface SteadyState {
  sessions: number;
  cpuMs: number;
  wallMs: number;
  serverCpuMs?: number;
}

export class Fleet {
  readonly stats: FleetStats;
  phase: FleetPhase = 'keys';
  /** The session-only phase after enrollment: its sessions and the CPU and wall time they took. */
  steady: SteadyState | undefined;
  private stopping = false;
  /** Sessions started, so that a `sessions` bound is met exactly even with many in flight. */
  private started = 0;
  private readonly members: Member[];
  private readonly origin: string;

  constructor(readonly opts: FleetOptions) {
    this.members = Array.from({ length: opts.devices }, (_, index) => ({ index }));
    this.origin = new URL(opts.server).origin;
    const pid = opts.serverPid;
    this.stats = new FleetStats(pid === undefined ? undefined : () => processCpuMs(pid));
  }

  /** Ends the run early: work in progress finishes, nothing new starts. */
  stop(): void {
    this.stopping = true;
  }

  private get overBounds(): boolean {
    const o = this.opts;
    if (this.stopping) return true;
    if (o.durationMs !== undefined && this.stats.cpu().wallMs >= o.durationMs) return true;
    return o.sessions !== undefined && this.started >= o.sessions;
  }

  async run(): Promise<FleetStats> {
    const o = this.opts;
    const base = o.baseDir ?? (await mkdtemp(path.join(tmpdir(), 'windc-fleet-')));
    const transport = new HttpTransport({
      insecure: o.insecure ?? false,
      idleTimeoutMs: 120_000,
      // Devices hold one connection each; the enrollment identity all of them share needs one per worker.
      maxIdlePerKey: o.enrollConcurrency ?? 32,
    });
    const keys = await KeyPool.create(o.keyPoolSize ?? 8);
    const enrollmentTls = new TlsIdentity('fleet:enrollment', { ca: o.trustedCaPems ?? [], systemRoots: false });
    const open = (m: Member) =>
      DeviceClient.open(path.join(base, String(m.index).padStart(6, '0')), {
        transport,
        persist: false,
        keys,
        enrollmentTls,
        trustedCaPems: o.trustedCaPems ?? [],
        systemRoots: false,
        device: { delays: { queueMs: 0, applyMs: 0 }, ...(o.faults ? { faults: o.faults } : {}) },
        ...(o.issuer ? { issuer: o.issuer } : {}),
        retry: { ...o.retry },
        hooks: {
          sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
          now: () => Date.now(),
          onRetry: () => {
            this.stats.retries++;
          },
        },
        onExchange: (e) => {
          this.stats.exchanges++;
          this.stats.bytesOut += e.bytesOut;
          this.stats.bytesIn += e.bytesIn;
          this.stats.exchangeLatency.record(e.ms);
        },
      });
    try {
      this.phase = 'enrolling';
      for (const m of this.members) this.move(m, 'waiting');
      let next = 0;
      await pool(o.enrollConcurrency ?? 32, async () => {
        while (next < this.members.length && !this.overBounds) {
          const m = this.members[next++] as Member;
          m.client = await open(m);
          await this.enroll(m);
          if (m.account && !this.overBounds) await this.session(m);
        }
      });
      this.phase = 'sessions';
      const ready = this.members.filter((m) => m.account);
      if (ready.length > 0 && (o.durationMs !== undefined || o.sessions !== undefined)) {
        let turn = 0;
        const from = { sessions: this.stats.sessions, at: this.stats.cpu(), server: this.stats.serverCpuMs() };
        await pool(Math.min(o.sessionConcurrency ?? 64, ready.length), async () => {
          while (!this.overBounds) {
            const m = ready[turn++ % ready.length] as Member;
            if (m.state === 'syncing') continue;
            await this.session(m);
          }
        });
        const to = this.stats.cpu();
        const server = this.stats.serverCpuMs();
        this.steady = {
          sessions: this.stats.sessions - from.sessions,
          cpuMs: to.cpuMs - from.at.cpuMs,
          wallMs: to.wallMs - from.at.wallMs,
        };
        if (server !== undefined && from.server !== undefined) this.steady.serverCpuMs = server - from.server;
      }
    } finally {
      this.phase = 'done';
      await Promise.all(this.members.map((m) => m.client?.close().catch(() => undefined)));
      transport.close();
      if (!o.keep && !o.baseDir) await rm(base, { recursive: true, force: true });
    }
    return this.stats;
  }

  private move(m: Member, to: FleetDeviceState): void {
    this.stats.move(m.state, to);
    m.state = to;
  }

  private async enroll(m: Member): Promise<void> {
    const client = m.client as DeviceClient;
    this.move(m, 'enrolling');
    const t0 = performance.now();
    try {
      m.account = await client.enroll({
        server: this.opts.server,
        email: `device${m.index}@fleet.windc.test`,
        secret: this.opts.secret,
      });
      this.checkOrigin(m.account.serverUrl);
      if (this.opts.linkDiscovery) {
        const out = await client.link(this.opts.linkDiscovery);
        if (!out.account) throw new Error(`linked enrollment failed: LastError 0x${out.lastError.toString(16)}`);
        this.checkOrigin(out.account.serverUrl);
        m.account = out.account;
      }
      this.stats.enrolled++;
      this.stats.enrollLatency.record(performance.now() - t0);
      this.move(m, 'enrolled');
    } catch (e) {
      this.stats.enrollFailures++;
      this.stats.error('enroll', (e as Error).message);
      m.account = undefined;
      this.move(m, 'failed');
    }
  }

  private async session(m: Member): Promise<SessionResult | undefined> {
    const client = m.client as DeviceClient;
    const account = m.account as AccountInfo;
    this.started++;
    this.move(m, 'syncing');
    let r: SessionResult;
    try {
      r = await client.sync(account.id);
    } catch (e) {
      this.stats.sessionFailures++;
      this.stats.error('session', (e as Error).message);
      this.move(m, 'failed');
      return undefined;
    }
    this.stats.sessions++;
    this.stats.sessionLatency.record(r.durationMs);
    if (!r.ok) {
      this.stats.sessionFailures++;
      const kind = (r.error as { kind?: string } | undefined)?.kind ?? r.error?.name ?? 'session';
      this.stats.error(`session:${kind}`, r.error?.message ?? 'failed');
    }
    this.move(m, r.ok ? 'synced' : 'failed');
    return r;
  }

  /** Devices follow URLs the server hands out; the fleet refuses to be sent anywhere but where it was pointed. */
  private checkOrigin(url: string | undefined): void {
    if (!url || new URL(url).origin !== this.origin) {
      throw new Error(
        `the server sent the device to ${url}, outside ${this.origin}; the fleet only targets ${this.origin}`,
      );
    }
  }
}

/** Runs `n` copies of `worker` at once and waits for all. */
async function pool(n: number, worker: () => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: Math.max(1, n) }, () => worker()));
}
