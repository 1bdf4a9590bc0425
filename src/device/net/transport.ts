/**
 * HTTPS for every emulated device in the process: one pool of keep-alive TLS connections (net/http1.ts), so a
 * fleet of thousands reuses a bounded set of connections instead of paying a handshake per message. A device's
 * client certificate travels as a prebuilt SecureContext (building one per request costs a PEM parse and a key
 * import), and connections are pooled per server and identity, so no device ever speaks on another's socket.
 *
 * The pool is windc's own rather than node:https's Agent: on the reference machine node:https costs 270-370 µs
 * of CPU per keep-alive request against 100 µs for the same exchange on a bare TLS socket, and the emulator's
 * budget for a whole session is 200 µs.
 *
 * The network faults of `FaultConfig.network` are applied here, where the wire is: a dropped request never
 * leaves, a dropped response is read and thrown away after the server acted on it, a duplicate is sent twice.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import type { FaultInjector } from '../faults.ts';
import { NetworkError } from './errors.ts';
import { Connection } from './http1.ts';

export { NetworkError };

/** Who a device is on TLS and whom it trusts; build it once per enrollment. */
export class TlsIdentity {
  readonly context: SecureContext;
  /**
   * The last TLS session per server, for resumption: Schannel keeps a client-side session cache (ClientCacheTime,
   * 10 hours by default), so a device reconnecting for its next session resumes instead of signing a full
   * handshake with its key again; the server still sees the same certificate, carried by the session.
   */
  private readonly sessions = new Map<string, Buffer>();

  session(server: string): Buffer | undefined {
    return this.sessions.get(server);
  }

  rememberSession(server: string, session: Buffer): void {
    this.sessions.set(server, session);
  }

  /**
   * @param id unique per key pair: sockets are pooled per id.
   * @param systemRoots also trust the platform's roots, as Windows does; a fleet on loopback leaves them out
   *   because every context would hold its own copy of the whole store.
   */
  constructor(
    readonly id: string,
    pems: { key?: string; cert?: string; ca?: readonly string[]; systemRoots?: boolean },
  ) {
    const ca = [...(pems.ca ?? []), ...(pems.systemRoots ? rootCertificates : [])];
    this.context = createSecureContext({
      ...(pems.key ? { key: pems.key } : {}),
      ...(pems.cert ? { cert: pems.cert } : {}),
      ...(ca.length > 0 ? { ca } : {}),
    });
  }
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: string;
  /** Client certificate and trust; absent: Node's default trust and no client certificate. */
  tls?: TlsIdentity;
  timeoutMs?: number;
  /** The device's fault injector; its `network` settings apply to this request. */
  faults?: FaultInjector;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface TransportOptions {
  /** Idle keep-alive connections close after this long. */
  idleTimeoutMs?: number;
  /** Idle connections kept per server and identity; Windows holds one per session. */
  maxIdlePerKey?: number;
  /** Skip server certificate verification (demos against a server whose CA the device was not given). */
  insecure?: boolean;
  /** Default per-request timeout. */
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Idle {
  conn: Connection;
  timer: NodeJS.Timeout;
}

export class HttpTransport {
  private readonly idle = new Map<string, Idle[]>();
  private readonly insecure: boolean;
  private readonly timeoutMs: number;
  private readonly idleTimeoutMs: number;
  private readonly maxIdle: number;
  /** TLS connections opened so far, and how many of them resumed a session, for tests and statistics. */
  connectionsOpened = 0;
  connectionsResumed = 0;

  constructor(opts: TransportOptions = {}) {
    this.insecure = opts.insecure ?? false;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 30_000;
    this.maxIdle = opts.maxIdlePerKey ?? 1;
  }

  /** Sends one request, with the network faults of `req.faults` applied. */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const net = req.faults?.network;
    if (net?.latencyMs) await sleep(net.latencyMs);
    if (req.faults?.roll(net?.dropRequestRate)) {
      throw new NetworkError(`${req.method} ${req.url.pathname}: request dropped (fault injection)`, 'EFAULTDROP');
    }
    if (req.faults?.roll(net?.duplicateSendRate)) {
      // The copy the server sees first is answered and its answer lost, as when a retransmission overtakes it.
      await this.exchange(req).catch(() => undefined);
    }
    const res = await this.exchange(req);
    if (req.faults?.roll(net?.dropResponseRate)) {
      throw new NetworkError(
        `${req.method} ${req.url.pathname}: response ${res.status} dropped (fault injection)`,
        'EFAULTDROP',
      );
    }
    return res;
  }

  private async exchange(req: HttpRequest): Promise<HttpResponse> {
    if (req.url.protocol !== 'https:') throw new NetworkError(`${req.url.href}: only https is spoken`, 'EPROTO');
    const host = req.url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(req.url.port || 443);
    const key = `${host}:${port}:${req.tls?.id ?? ''}`;
    let head = `${req.method} ${req.url.pathname}${req.url.search} HTTP/1.1\r\nHost: ${req.url.host}\r\n`;
    for (const name in req.headers) head += `${name}: ${req.headers[name]}\r\n`;
    if (req.body !== undefined || req.method === 'POST') {
      head += `Content-Length: ${req.body === undefined ? 0 : Buffer.byteLength(req.body, 'utf8')}\r\n`;
    }
    // Header values are ASCII, so one UTF-8 encoding of head and body together writes the request in one piece.
    const data = Buffer.from(`${head}\r\n${req.body ?? ''}`, 'utf8');
    const timeout = req.timeoutMs ?? this.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const reused = this.takeIdle(key);
      const tls = req.tls;
      const server = `${host}:${port}`;
      const session = tls?.session(server);
      const conn =
        reused ??
        (await Connection.open(
          {
            host,
            port,
            rejectUnauthorized: !this.insecure,
            ...(tls ? { secureContext: tls.context, onSession: (s) => tls.rememberSession(server, s) } : {}),
            ...(session ? { session } : {}),
          },
          timeout,
        ));
      if (!reused) {
        this.connectionsOpened++;
        if (conn.resumed) this.connectionsResumed++;
      }
      try {
        const res = await conn.request(data, timeout);
        if (res.keepAlive && !conn.dead) this.putIdle(key, conn);
        return { status: res.status, headers: res.headers, body: res.body.toString('utf8') };
      } catch (e) {
        conn.close();
        // A kept-alive connection the server closed in the meantime fails at once; that is not the request failing.
        if (reused && attempt === 0 && e instanceof NetworkError && e.code === 'ECONNRESET') continue;
        throw e instanceof NetworkError
          ? new NetworkError(`${req.method} ${req.url.href}: ${e.message}`, e.code, { cause: e })
          : e;
      }
    }
  }

  private takeIdle(key: string): Connection | undefined {
    const list = this.idle.get(key);
    while (list && list.length > 0) {
      const i = list.pop() as Idle;
      clearTimeout(i.timer);
      if (!i.conn.dead) return i.conn;
    }
    return undefined;
  }

  private putIdle(key: string, conn: Connection): void {
    const list = this.idle.get(key) ?? [];
    if (list.length >= this.maxIdle) {
      conn.close();
      return;
    }
    const timer = setTimeout(() => {
      conn.close();
      const l = this.idle.get(key);
      if (l)
        this.idle.set(
          key,
          l.filter((x) => x.conn !== conn),
        );
      if (this.idle.get(key)?.length === 0) this.idle.delete(key);
    }, this.idleTimeoutMs);
    timer.unref();
    list.push({ conn, timer });
    this.idle.set(key, list);
  }

  /** Closes every idle connection; requests in flight finish on theirs. */
  close(): void {
    for (const list of this.idle.values()) {
      for (const i of list) {
        clearTimeout(i.timer);
        i.conn.close();
      }
    }
    this.idle.clear();
  }
}
