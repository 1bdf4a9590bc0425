/**
 * One OMA-DM session of one account, as the Windows client runs it:
 *
 * 1. Package 1 without credentials (MsgID 1).
 * 2. A 401/407 on the SyncHdr with a Chal: the client takes the NextNonce and sends package 1 again, same CmdIDs,
 *    now with Status 200 for the server's SyncHdr, LocName and the MD5 Cred (26200 package1-digest). A second
 *    refusal ends the session. Every later message carries the Cred over the newest nonce; a NextNonce on a
 *    200/212 is kept for the next session.
 * 3. Each server message: its commands go through the device's ManagementEndpoint (Status for every command,
 *    Results for Gets); chunks of large objects are buffered first (inbox.ts). The reply is Status for the SyncHdr,
 *    the replies, the WinDC summary, and either Final, or Alert 1222 when the server's package is not finished.
 *    MaxMsgSize splits the client's package or aborts it (outbox.ts).
 * 4. The session ends when the server closes its package with nothing left to answer ("the entire response
 *    package MUST NOT be sent", OMA DM 1.2 §2.3), on the server's Alert 1223, after the client's own 1223, or on
 *    an empty HTTP body (accepted by Windows, marcosd4h-04).
 *
 * A message the server's answer cannot be read for is sent again unchanged, as the w7 retry settings allow;
 * Retry-After is obeyed (net/retry.ts).
 */
import {
  AlertCode,
  type AlertCommand,
  alert,
  buildSyncML,
  type LoginStatus,
  parseSyncML,
  StatusCode,
  type StatusCommand,
  type SyncMLCommand,
  type SyncMLMessage,
  statusFor,
  statusForHeader,
} from '../../protocol/syncml/index.ts';
import type { ManagementEndpoint } from '../endpoint.ts';
import type { EnrollmentRecord } from '../enroll/record.ts';
import type { FaultInjector } from '../faults.ts';
import { type CorrelationVector, managementUrl, omadmHeaders } from '../net/headers.ts';
import { type RetryHooks, type RetryPolicy, sendWithRetry } from '../net/retry.ts';
import type { HttpTransport, TlsIdentity } from '../net/transport.ts';
import { LargeObjectInbox } from './inbox.ts';
import { clientHeader, clientMessage, credFor, type GenericAlert, package1 as package1Parts } from './message.ts';
import { type LargeObjectMode, Outbox, type OutgoingMessage } from './outbox.ts';

export interface SessionContext {
  transport: HttpTransport;
  tls: TlsIdentity;
  endpoint: ManagementEndpoint;
  /** Mutated: session counter, nonce, last session. */
  record: EnrollmentRecord;
  saveRecord(): Promise<void>;
  devId: string;
  providerId: string;
  /** A node value as the device sees it: EntDMID, ManagementServiceAddress, SyncApplicationVersion. */
  readNode(locUri: string): string | undefined;
  /** The server's commands may have changed nodes: a cache behind readNode must be dropped. */
  nodesChanged?(): void;
  faults?: FaultInjector;
  cv: CorrelationVector;
  retry: RetryPolicy;
  hooks?: RetryHooks;
  /** Every HTTP exchange, for statistics. */
  onExchange?(e: { ms: number; status: number; bytesOut: number; bytesIn: number }): void;
  /** Every message on the wire, for `--trace`. */
  trace?(direction: 'out' | 'in', xml: string): void;
  /** Kept by the caller across the account's sessions: what one session built that the next can reuse. */
  reuse?: SessionReuse;
}

/**
 * Package 1 is the same message session after session until something it carries changes (a document's state,
 * a DevInfo value, the server address): only SessionID differs. The text is kept split around SessionID, keyed by
 * everything else that goes into it, so a steady-state session patches one number in instead of encoding again.
 */
export interface SessionReuse {
  package1?: { key: string; head: string; tail: string };
}

export interface SessionOptions {
  loginStatus?: (typeof LoginStatus)[keyof typeof LoginStatus];
  genericAlerts?: readonly GenericAlert[];
  largeObjects?: LargeObjectMode;
  /** Guard against a server that never closes the session. */
  maxMessages?: number;
}

export type SessionEnd = 'completed' | 'client-abort' | 'server-abort' | 'failed';

export interface SessionResult {
  sessionId: string;
  end: SessionEnd;
  ok: boolean;
  messages: number;
  /** Server commands answered (Status and Results excluded). */
  commands: number;
  durationMs: number;
  error?: Error;
}

/** Why a session failed: `auth` (credentials refused), `http` (a non-200 answer), `protocol` (unreadable). */
export class SessionError extends Error {
  override readonly name = 'SessionError';
  constructor(
    readonly kind: 'auth' | 'http' | 'protocol' | 'limit',
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

const MAX_AUTH_TRIES = 2;
const PROVIDER = './Device/Vendor/MSFT/DMClient/Provider';

/** The DMClient LocURIs a session reads, per ProviderID: built once rather than concatenated every session. */
interface ProviderNodes {
  address: string;
  version: string;
  entDmId: string;
}
const providerNodes = new Map<string, ProviderNodes>();
function nodesOf(providerId: string): ProviderNodes {
  let n = providerNodes.get(providerId);
  if (!n) {
    const base = `${PROVIDER}/${providerId}`;
    n = {
      address: `${base}/ManagementServiceAddress`,
      version: `${base}/SyncApplicationVersion`,
      entDmId: `${base}/EntDMID`,
    };
    providerNodes.set(providerId, n);
  }
  return n;
}

/** The server address in force: ManagementServiceAddress (first of a `<URL1><URL2>` list) over the enrollment's. */
function serverAddress(ctx: SessionContext): string {
  const node = ctx.readNode(nodesOf(ctx.providerId).address);
  const first = node?.match(/^<([^>]+)>/)?.[1] ?? node;
  return first?.trim() || ctx.record.serverUrl;
}

function usesMsftNamespace(ctx: SessionContext): boolean {
  const v = ctx.readNode(nodesOf(ctx.providerId).version) ?? '1.0';
  return Number(v.split('.')[0]) >= 3;
}

/** The request URL of a server address; servers are few, so each is parsed once (requests only read it). */
const requestUrls = new Map<string, URL>();
function requestUrl(serverUrl: string): URL {
  let u = requestUrls.get(serverUrl);
  if (!u) {
    if (requestUrls.size >= 256) requestUrls.clear();
    u = managementUrl(serverUrl);
    requestUrls.set(serverUrl, u);
  }
  return u;
}

/** What a server message asks of the client beyond Status and Results. */
const needsAnswer = (c: SyncMLCommand) => c.kind !== 'Status' && c.kind !== 'Results';
const isAlert = (c: SyncMLCommand, code: number): c is AlertCommand => c.kind === 'Alert' && c.code === code;

export async function runSession(ctx: SessionContext, opts: SessionOptions = {}): Promise<SessionResult> {
  return new Session(ctx, opts).run();
}

class Session {
  private readonly started = performance.now();
  private readonly sessionId: string;
  private readonly url: string;
  private readonly httpUrl: URL;
  /** EntDMID as Client-Request-Id; read again after each server message that ran commands. */
  private clientRequestId: string | undefined;
  private readonly msft: boolean;
  private readonly outbox: Outbox;
  private readonly inbox = new LargeObjectInbox();
  private msgId = 0;
  private commands = 0;
  private challenges = 0;
  private maxMsgSize: number | undefined;

  constructor(
    private readonly ctx: SessionContext,
    private readonly opts: SessionOptions,
  ) {
    const record = ctx.record;
    // SessionID is at most 4 bytes ([MS-MDM] §2.2.3.8); Windows counts up in decimal.
    record.sessionCount = (record.sessionCount % 9999) + 1;
    this.sessionId = String(record.sessionCount);
    this.url = serverAddress(ctx);
    this.httpUrl = requestUrl(this.url);
    this.msft = usesMsftNamespace(ctx);
    this.clientRequestId = this.entDmId();
    this.outbox = new Outbox(opts.largeObjects ?? 'abort');
  }

  async run(): Promise<SessionResult> {
    try {
      let out = this.package1();
      for (;;) {
        const server = await this.exchange(out);
        if (!server) {
          // An empty answer ends the session as a Final without commands would (marcosd4h-04).
          if (!out.abort) this.ctx.endpoint.sessionCompleted();
          return this.done(out.abort ? 'client-abort' : 'completed');
        }
        if (server.header.meta?.maxMsgSize !== undefined) this.maxMsgSize = server.header.meta.maxMsgSize;
        const hdr = server.commands.find(
          (c): c is StatusCommand => c.kind === 'Status' && c.cmdRef === '0' && c.msgRef === String(this.msgId),
        );
        const code = hdr?.code ?? StatusCode.OK;
        const nonce = hdr?.chal?.meta.nextNonce;
        if (nonce && this.ctx.record.appsrv) this.ctx.record.appsrv.nonce = nonce;
        if (code === StatusCode.INVALID_CREDENTIALS || code === StatusCode.MISSING_CREDENTIALS) {
          if (!this.ctx.record.appsrv || ++this.challenges > MAX_AUTH_TRIES) {
            throw new SessionError('auth', `server refused the credentials (${code}) in session ${this.sessionId}`);
          }
          out = this.resend(server, out);
          continue;
        }
        if (code >= 300) throw new SessionError('http', `server refused the session: Status ${code} for the SyncHdr`);
        if (out.abort) return this.done('client-abort');
        if (server.commands.some((c) => isAlert(c, AlertCode.SESSION_ABORT))) return this.done('server-abort');
        const asked = server.commands.filter(needsAnswer);
        if (server.final && asked.length === 0 && this.outbox.empty && !this.inbox.busy) {
          this.ctx.endpoint.sessionCompleted();
          return this.done('completed');
        }
        this.commands += asked.length;
        this.outbox.push(this.answer(server, asked));
        this.ctx.nodesChanged?.();
        this.clientRequestId = this.entDmId();
        out = this.next(server);
      }
    } catch (e) {
      return this.done('failed', e as Error);
    }
  }

  private entDmId(): string | undefined {
    return this.ctx.readNode(nodesOf(this.ctx.providerId).entDmId);
  }

  /** Package 1 (MsgID 1, no Cred): encoded once, then reused with the new SessionID while nothing else changed. */
  private package1(): OutgoingMessage {
    const built = package1Parts(
      { endpoint: this.ctx.endpoint, genericAlerts: this.opts.genericAlerts ?? [], loginStatus: this.opts.loginStatus },
      counter(2),
    );
    const commands = built.commands;
    const reuse = this.ctx.reuse;
    // Everything package 1 is made of besides SessionID; MsgID is 1 and there is no Cred on it.
    const key = reuse ? `${this.url}\n${this.ctx.devId}\n${this.msft}\n${built.key}` : '';
    const kept = reuse?.package1;
    if (kept && kept.key === key) {
      this.msgId++;
      return { xml: kept.head + this.sessionId + kept.tail, commands, final: true, abort: false };
    }
    this.outbox.push(commands);
    const out = this.outbox.next({
      header: this.header(),
      trailer: () => [],
      serverFinal: true,
      maxMsgSize: undefined,
      msftNamespace: this.msft,
    });
    if (reuse) {
      const at = out.xml.indexOf(`<SessionID>${this.sessionId}</SessionID>`);
      if (at >= 0 && !out.abort) {
        const start = at + '<SessionID>'.length;
        reuse.package1 = { key, head: out.xml.slice(0, start), tail: out.xml.slice(start + this.sessionId.length) };
      }
    }
    return out;
  }

  private header() {
    this.msgId++;
    const appsrv = this.ctx.record.appsrv;
    const auth = this.msgId > 1 && appsrv ? { locName: appsrv.name, cred: credFor(appsrv) } : undefined;
    return clientHeader({
      sessionId: this.sessionId,
      msgId: this.msgId,
      serverUrl: this.url,
      devId: this.ctx.devId,
      ...(auth ? { auth } : {}),
    });
  }

  /** The challenged message again: same commands and CmdIDs, a Status for the challenge's SyncHdr in front. */
  private resend(server: SyncMLMessage, last: OutgoingMessage): OutgoingMessage {
    const body = last.commands.filter((c) => !(c.kind === 'Status' && c.cmd === 'SyncHdr'));
    const commands = [statusForHeader(server.header, '1'), ...body];
    const xml = buildSyncML(clientMessage(this.header(), commands, last.final, this.msft));
    return { xml, commands, final: last.final, abort: last.abort };
  }

  private next(server: SyncMLMessage): OutgoingMessage {
    // A server message without Final either belongs to a longer server package (the client asks for the rest with
    // 1222) or is the server asking, with its own 1222, for the rest of the client's package; only in the second
    // case may the client close its package.
    const serverWaits = server.commands.some((c) => isAlert(c, AlertCode.NEXT_MESSAGE));
    const requestMore = !server.final && !serverWaits;
    return this.outbox.next({
      header: this.header(),
      hdrStatus: statusForHeader(server.header, '1'),
      trailer: (nextCmdId) => {
        const alerts: SyncMLCommand[] = this.ctx.endpoint.clientAlerts(nextCmdId);
        if (requestMore) alerts.push(alert(nextCmdId(), AlertCode.NEXT_MESSAGE));
        return alerts;
      },
      serverFinal: !requestMore,
      maxMsgSize: this.maxMsgSize,
      msftNamespace: this.msft,
    });
  }

  /** Status (and Results) for one server message, large-object chunks buffered on the way. */
  private answer(server: SyncMLMessage, asked: SyncMLCommand[]): SyncMLCommand[] {
    const out: SyncMLCommand[] = [];
    const nextCmdId = counter(2);
    const msgRef = server.header.msgId;
    let run: SyncMLCommand[] = [];
    const flush = () => {
      if (run.length === 0) return;
      out.push(...this.ctx.endpoint.handleCommands(run, { msgRef, nextCmdId }).replies);
      run = [];
    };
    for (const cmd of asked) {
      const { interrupted, outcome } = this.inbox.accept(cmd);
      if (interrupted) {
        flush();
        out.push(alert(nextCmdId(), AlertCode.NO_END_OF_DATA));
      }
      if (outcome.kind === 'pass' || outcome.kind === 'complete') {
        run.push(outcome.command);
        continue;
      }
      flush();
      out.push(statusFor(msgRef, outcome.command, nextCmdId(), outcome.code));
    }
    flush();
    return out;
  }

  private async exchange(msg: OutgoingMessage): Promise<SyncMLMessage | undefined> {
    const ctx = this.ctx;
    const max = this.opts.maxMessages ?? 500;
    if (this.msgId > max) throw new SessionError('limit', `more than ${max} client messages in one session`);
    ctx.trace?.('out', msg.xml);
    const t0 = performance.now();
    const res = await sendWithRetry(
      ctx.transport,
      {
        method: 'POST',
        url: this.httpUrl,
        headers: omadmHeaders(ctx.cv.next(), this.clientRequestId),
        body: msg.xml,
        tls: ctx.tls,
        ...(ctx.faults ? { faults: ctx.faults } : {}),
      },
      ctx.retry,
      ctx.hooks,
    );
    const bytesIn = Buffer.byteLength(res.body);
    ctx.onExchange?.({ ms: performance.now() - t0, status: res.status, bytesOut: Buffer.byteLength(msg.xml), bytesIn });
    if (res.status !== 200) {
      throw new SessionError('http', `server answered HTTP ${res.status} to MsgID ${this.msgId}`);
    }
    ctx.trace?.('in', res.body);
    if (res.body.trim() === '') return undefined;
    try {
      return parseSyncML(res.body);
    } catch (e) {
      throw new SessionError('protocol', `unreadable server message: ${(e as Error).message}`, { cause: e });
    }
  }

  private async done(end: SessionEnd, error?: Error): Promise<SessionResult> {
    this.inbox.reset();
    const record = this.ctx.record;
    record.lastSession = { at: Date.now(), ok: end !== 'failed', ...(error ? { error: error.message } : {}) };
    await this.ctx.saveRecord();
    const r: SessionResult = {
      sessionId: this.sessionId,
      end,
      ok: end !== 'failed',
      messages: this.msgId,
      commands: this.commands,
      durationMs: performance.now() - this.started,
    };
    if (error) r.error = error;
    return r;
  }
}

function counter(start: number): () => string {
  let n = start;
  return () => String(n++);
}
