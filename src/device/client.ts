/**
 * One emulated Windows on the network: a Device (src/device/device.ts) plus its enrollments, TLS identities and
 * OMA-DM sessions. This is what `windc device` drives for one directory and what `windc fleet` runs by the
 * thousand over one shared transport.
 *
 * What it does on its own, as Windows does:
 * - DMClient LinkedEnrollment/Enroll (Exec'd by the primary's server, or `windc device link`) runs the WinDC
 *   enrollment; with `autoSync` the new account then opens its first session, as the post-enrollment sync does.
 * - A DeclaredConfiguration refresh that asks for a session gets one (`autoSync`).
 * - A server's Exec of DMClient …/Unenroll removes that account once the session that carried it has ended.
 * - With `startPolling()`, each account polls on its DMClient Poll schedule.
 * Sessions of one account never overlap; requests that arrive while one runs are folded into the next.
 */
import { randomUUID } from 'node:crypto';
import { type ExecCommand, targetItem } from '../protocol/syncml/index.ts';
import type { AccountInfo } from './account.ts';
import type { TimerHandle } from './clock.ts';
import { Device, type DeviceOptions } from './device.ts';
import { EnrollStatus } from './dmclient.ts';
import type { KeySource } from './enroll/keys.ts';
import { freshKeys } from './enroll/keys.ts';
import { enrollLinked } from './enroll/linked.ts';
import type { EnrollHttp } from './enroll/mde2.ts';
import { enrollPrimary } from './enroll/primary.ts';
import { type EnrollmentRecord, EnrollmentStore, type EntraState } from './enroll/record.ts';
import type { TokenIssuer } from './issuer.ts';
import { CorrelationVector } from './net/headers.ts';
import { type RetryHooks, type RetryPolicy, WINDOWS_RETRY } from './net/retry.ts';
import { type HttpTransport, TlsIdentity } from './net/transport.ts';
import { USER_UNENROLLMENT } from './omadm/message.ts';
import type { LargeObjectMode } from './omadm/outbox.ts';
import { nextPollAt, readPollSchedule } from './omadm/poll.ts';
import {
  runSession,
  type SessionContext,
  type SessionOptions,
  type SessionResult,
  type SessionReuse,
} from './omadm/session.ts';

export interface DeviceClientOptions {
  transport: HttpTransport;
  device?: DeviceOptions;
  /** Keep the directory up to date (default true); fleets keep their devices in memory. */
  persist?: boolean;
  keys?: KeySource;
  issuer?: TokenIssuer;
  /** CAs trusted for the servers' TLS certificates besides each enrollment's own ca.pem. */
  trustedCaPems?: readonly string[];
  systemRoots?: boolean;
  /** The TLS trust of enrollment requests, shared by a fleet so its devices share connections and contexts. */
  enrollmentTls?: TlsIdentity;
  /** Overrides the w7 retry values of every enrollment (tests, load runs). */
  retry?: Partial<RetryPolicy>;
  hooks?: RetryHooks;
  largeObjects?: LargeObjectMode;
  /** Start the sessions the device itself asks for (refresh failures, the post-enrollment sync). */
  autoSync?: boolean;
  onSession?(account: AccountInfo, result: SessionResult): void;
  onExchange?: SessionContext['onExchange'];
  trace?(direction: 'out' | 'in', what: string, body: string): void;
}

/** The primary MDM of a device that was "already enrolled elsewhere": Intune's name, no server windc talks to. */
export const EXTERNAL_PROVIDER = 'MS%20DM%20SERVER';

export class DeviceClient {
  readonly cv = new CorrelationVector();
  private readonly tls = new Map<string, TlsIdentity>();
  private readonly running = new Map<string, Promise<SessionResult>>();
  private readonly again = new Set<string>();
  private readonly polls = new Map<string, TimerHandle>();
  private readonly unenrollAfterSession = new Set<string>();
  private readonly background = new Set<Promise<unknown>>();
  private anonymous: TlsIdentity | undefined;
  private polling = false;
  /**
   * DMClient values every session reads (server address, SyncApplicationVersion, EntDMID). Only server commands
   * and provisioning change them, so they are read once and dropped whenever either may have.
   */
  private readonly nodes = new Map<string, string | undefined>();
  /** Per account, what one session built that the next may reuse (package 1's text). */
  private readonly reuse = new Map<string, SessionReuse>();

  private constructor(
    readonly device: Device,
    readonly store: EnrollmentStore,
    private readonly opts: DeviceClientOptions,
  ) {
    device.setLinkedEnrollmentHooks({
      enroll: async (req) => {
        const { account } = await enrollLinked({
          http: this.enrollHttp(),
          cv: this.cv,
          device,
          store,
          primary: req.primary,
          discoveryEndpoint: req.discoveryEndpoint,
          entra: await this.ensureEntra(),
          issuer: opts.issuer,
          keys: opts.keys ?? freshKeys,
        });
        if (opts.autoSync) this.spawn(this.sync(account.id));
        if (this.polling) this.schedulePoll(account.id);
      },
      unenroll: async (req) => {
        for (const a of req.linked) await this.forget(a.id);
      },
    });
    device.onSyncRequested(({ accountId }) => {
      if (opts.autoSync) this.spawn(this.sync(accountId));
    });
    device.onUnenrollRequested((account) => {
      this.unenrollAfterSession.add(account.id);
    });
  }

  static async open(dir: string, opts: DeviceClientOptions): Promise<DeviceClient> {
    const persist = opts.persist ?? true;
    const device = await Device.open(dir, { ...opts.device, persist });
    return new DeviceClient(device, await EnrollmentStore.open(dir, persist), opts);
  }

  /** How enrollment requests reach servers: trust but no client certificate. */
  enrollHttp(): EnrollHttp {
    this.anonymous ??=
      this.opts.enrollmentTls ??
      new TlsIdentity(`anon:${this.device.dir}`, {
        ca: this.opts.trustedCaPems ?? [],
        systemRoots: this.opts.systemRoots ?? true,
      });
    const http: EnrollHttp = { transport: this.opts.transport, retry: this.retry(undefined), tls: this.anonymous };
    if (this.opts.hooks) http.hooks = this.opts.hooks;
    http.faults = this.device.faults;
    const trace = this.opts.trace;
    if (trace) http.trace = (d, url, body) => trace(d, url, body);
    return http;
  }

  /** Primary enrollment into windc (classic discovery, XCEP, WSTEP) with an OnPremise enrollment secret. */
  async enroll(params: { server: string; email: string; secret: string }): Promise<AccountInfo> {
    const { account } = await enrollPrimary({
      http: this.enrollHttp(),
      device: this.device,
      store: this.store,
      server: params.server,
      email: params.email,
      secret: params.secret,
      keys: this.opts.keys ?? freshKeys,
      ...(this.opts.issuer ? { federatedToken: (aud: string) => this.deviceToken(aud) } : {}),
    });
    this.nodes.clear();
    if (this.polling) this.schedulePoll(account.id);
    return account;
  }

  /** The device's Entra state, joined by default, created on first use. */
  async ensureEntra(wanted: Partial<EntraState> = {}): Promise<EntraState> {
    const current = this.store.entra;
    const next: EntraState = {
      joinType: wanted.joinType ?? current?.joinType ?? 'joined',
      deviceId: current?.deviceId ?? randomUUID(),
    };
    const upn = wanted.upn ?? current?.upn;
    if (upn) next.upn = upn;
    if (JSON.stringify(next) !== JSON.stringify(current)) await this.store.setEntra(next);
    return next;
  }

  private deviceToken(audience: string): string {
    const issuer = this.opts.issuer;
    if (!issuer) throw new Error('no token issuer');
    const entra = this.store.entra;
    return issuer.deviceToken({ audience, deviceId: entra?.deviceId ?? this.device.identity.devId });
  }

  primary(): AccountInfo | undefined {
    return this.device.accountList().find((a) => a.kind === 'primary');
  }

  /** The primary account, or one standing for an MDM elsewhere that windc never talks to. */
  ensurePrimary(): AccountInfo {
    return this.primary() ?? this.device.addAccount({ kind: 'primary', providerId: EXTERNAL_PROVIDER });
  }

  /**
   * What the primary server's Replace of DiscoveryEndpoint and Exec of LinkedEnrollment/Enroll do, run locally
   * through the same DMClient nodes; resolves once EnrollStatus is final.
   */
  async link(discoveryEndpoint?: string): Promise<{ enrollStatus: number; lastError: number; account?: AccountInfo }> {
    const primary = this.ensurePrimary();
    const base = `./Device/Vendor/MSFT/DMClient/Provider/${primary.providerId}/LinkedEnrollment`;
    if (discoveryEndpoint !== undefined) this.device.setNode(`${base}/DiscoveryEndpoint`, discoveryEndpoint);
    const ep = this.device.endpoint(primary.id);
    const exec: ExecCommand = { kind: 'Exec', cmdId: '2', items: [targetItem(`${base}/Enroll`)] };
    ep.handleCommands([exec], { msgRef: '1', nextCmdId: counter() });
    await this.device.dmclient.idle();
    this.nodes.clear();
    await this.device.flush();
    const status = this.device.dmclient.status(primary.providerId);
    const account = this.device.accountList().find((a) => a.kind === 'windc' && a.linkedTo === primary.id);
    return account && status.enrollStatus === EnrollStatus.Succeeded ? { ...status, account } : status;
  }

  /** The account sessions go to by default: the WinDC one, else the primary one windc enrolled. */
  defaultAccount(): AccountInfo | undefined {
    const withServer = this.device.accountList().filter((a) => this.store.get(a.id));
    return withServer.find((a) => a.kind === 'windc') ?? withServer[0];
  }

  /** Runs one session now, or joins the one running; a request during a session gets one more afterwards. */
  sync(accountId?: string, opts: SessionOptions = {}): Promise<SessionResult> {
    const id = accountId ?? this.defaultAccount()?.id;
    if (!id) return Promise.reject(new Error('this device has no enrollment with a server to sync with'));
    const current = this.running.get(id);
    if (current) {
      this.again.add(id);
      return current;
    }
    const p = this.session(id, opts).finally(() => {
      this.running.delete(id);
      if (this.again.delete(id) && this.device.account(id)) this.spawn(this.sync(id));
    });
    this.running.set(id, p);
    return p;
  }

  private async session(accountId: string, opts: SessionOptions): Promise<SessionResult> {
    const account = this.device.account(accountId);
    const record = this.store.get(accountId);
    if (!account || !record) throw new Error(`account ${accountId} has no enrollment with a server`);
    const ctx: SessionContext = {
      transport: this.opts.transport,
      tls: await this.identity(record),
      endpoint: this.device.endpoint(accountId),
      record,
      saveRecord: this.saveRecords,
      devId: this.device.identity.devId,
      providerId: account.providerId,
      readNode: this.readNode,
      nodesChanged: this.nodesChanged,
      faults: this.device.faults,
      cv: this.cv,
      retry: this.retry(record),
      reuse: this.reuseFor(accountId),
    };
    if (this.opts.hooks) ctx.hooks = this.opts.hooks;
    if (this.opts.onExchange) ctx.onExchange = this.opts.onExchange;
    const trace = this.opts.trace;
    if (trace) ctx.trace = (d, xml) => trace(d, record.serverUrl, xml);
    const result = await runSession(ctx, { largeObjects: this.opts.largeObjects ?? 'abort', ...opts });
    this.opts.onSession?.(account, result);
    if (this.unenrollAfterSession.delete(accountId)) await this.forget(accountId);
    else if (this.polling) this.schedulePoll(accountId);
    return result;
  }

  private reuseFor(accountId: string): SessionReuse {
    let r = this.reuse.get(accountId);
    if (!r) {
      r = {};
      this.reuse.set(accountId, r);
    }
    return r;
  }

  // The session context's callbacks, made once per client: a session runs per poll of every device, and each
  // closure made per session costs the TypeScript loader a defineProperty.
  private readonly saveRecords = (): Promise<void> => this.store.save();
  private readonly nodesChanged = (): void => this.nodes.clear();
  private readonly readNode = (locUri: string): string | undefined => {
    if (this.nodes.has(locUri)) return this.nodes.get(locUri);
    const v = this.device.getNode(locUri);
    this.nodes.set(locUri, v);
    return v;
  };

  /** The person removes the work account: a session carrying the 1226 alert, then the account is gone. */
  async unenroll(accountId: string): Promise<SessionResult> {
    const result = await this.sync(accountId, { genericAlerts: [USER_UNENROLLMENT] });
    await this.forget(accountId);
    return result;
  }

  /** Removes an account, its enrollment record and its TLS files. */
  async forget(accountId: string): Promise<void> {
    this.polls.get(accountId)?.cancel();
    this.polls.delete(accountId);
    this.tls.delete(accountId);
    this.reuse.delete(accountId);
    this.nodes.clear();
    this.device.removeAccount(accountId);
    await this.store.remove(accountId);
    await this.device.flush();
  }

  startPolling(): void {
    this.polling = true;
    for (const r of this.store.list()) this.schedulePoll(r.accountId);
  }

  /** When the account polls next, on its current DMClient Poll values. */
  nextPoll(accountId: string): number | undefined {
    const account = this.device.account(accountId);
    const record = this.store.get(accountId);
    if (!account || !record) return undefined;
    const schedule = readPollSchedule((u) => this.device.getNode(u), account.providerId);
    return nextPollAt(schedule, record.enrolledAt, this.device.clock.now());
  }

  private schedulePoll(accountId: string): void {
    this.polls.get(accountId)?.cancel();
    const at = this.nextPoll(accountId);
    if (at === undefined) return;
    this.polls.set(
      accountId,
      this.device.clock.setTimer(at - this.device.clock.now(), () => {
        this.spawn(this.sync(accountId));
      }),
    );
  }

  private retry(record: EnrollmentRecord | undefined): RetryPolicy {
    return {
      ...WINDOWS_RETRY,
      ...(record?.connRetryFreq !== undefined ? { connRetries: record.connRetryFreq } : {}),
      ...(record?.initialBackoffMs !== undefined ? { initialBackoffMs: record.initialBackoffMs } : {}),
      ...(record?.maxBackoffMs !== undefined ? { maxBackoffMs: record.maxBackoffMs } : {}),
      ...this.opts.retry,
    };
  }

  private async identity(record: EnrollmentRecord): Promise<TlsIdentity> {
    const cached = this.tls.get(record.accountId);
    if (cached) return cached;
    const pems = await this.store.readTls(record.tlsDir);
    if (!pems) throw new Error(`the TLS files of account ${record.accountId} are missing (${record.tlsDir})`);
    const identity = new TlsIdentity(`${this.device.identity.devId}:${record.accountId}`, {
      key: pems.key,
      cert: pems.cert,
      ca: [pems.ca, ...(this.opts.trustedCaPems ?? [])],
      systemRoots: this.opts.systemRoots ?? true,
    });
    this.tls.set(record.accountId, identity);
    return identity;
  }

  private spawn(p: Promise<unknown>): void {
    const q = p.catch(() => undefined).finally(() => this.background.delete(q));
    this.background.add(q);
  }

  /** Resolves when no session, enrollment or document processing started by the device is running. */
  async idle(): Promise<void> {
    for (;;) {
      await this.device.idle();
      if (this.background.size === 0 && this.running.size === 0) return;
      await Promise.allSettled([...this.background, ...this.running.values()]);
    }
  }

  async close(): Promise<void> {
    this.polling = false;
    for (const t of this.polls.values()) t.cancel();
    this.polls.clear();
    await this.idle();
    await this.store.save();
    await this.device.close();
  }
}

function counter(): () => string {
  let n = 1;
  return () => String(n++);
}
