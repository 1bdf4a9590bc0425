/**
 * HTTPS for every emulated device in the process: one keep-alive agent, so a fleet of thousands reuses a bounded
 * set of TLS connections instead of paying a handshake per message. A device's client certificate travels as a
 * prebuilt SecureContext (building one per request costs a PEM parse and a key import), and the agent keys its
 * pooled sockets by the identity's id: Node's own pool key ignores `secureContext`, so without that two devices
 * could share a socket and the server would see the wrong certificate.
 *
 * The network faults of `FaultConfig.network` are applied here, where the wire is: a dropped request never
 * leaves, a dropped response is read and thrown away after the server acted on it, a duplicate is sent twice.
 */
import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import type { FaultInjector } from '../faults.ts';

/** Who a device is on TLS and whom it trusts; build it once per enrollment. */
export class TlsIdentity {
  readonly context: SecureContext;

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

/** A request that got no HTTP answer: refused, reset, timed out, or lost on purpose by a fault. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
  constructor(
    message: string,
    readonly code: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

export interface TransportOptions {
  /** Concurrent sockets per device identity and origin; Windows uses one connection per session. */
  maxSocketsPerIdentity?: number;
  /** Idle keep-alive sockets close after this long. */
  idleTimeoutMs?: number;
  /** TLS sessions kept for resumption, across all identities. */
  maxCachedSessions?: number;
  /** Skip server certificate verification (demos against a server whose CA the device was not given). */
  insecure?: boolean;
  /** Default per-request timeout. */
  timeoutMs?: number;
}

type PoolOptions = https.RequestOptions & { secureContext?: SecureContext; identityId?: string };

class DeviceAgent extends https.Agent {
  override getName(options?: PoolOptions): string {
    const base = super.getName(options ?? {});
    return options?.identityId ? `${base}:${options.identityId}` : base;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class HttpTransport {
  readonly agent: https.Agent;
  private readonly insecure: boolean;
  private readonly timeoutMs: number;

  constructor(opts: TransportOptions = {}) {
    this.agent = new DeviceAgent({
      keepAlive: true,
      maxSockets: opts.maxSocketsPerIdentity ?? 1,
      maxFreeSockets: opts.maxSocketsPerIdentity ?? 1,
      timeout: opts.idleTimeoutMs ?? 30_000,
      maxCachedSessions: opts.maxCachedSessions ?? 10_000,
      scheduling: 'lifo',
    });
    this.insecure = opts.insecure ?? false;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
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

  private exchange(req: HttpRequest): Promise<HttpResponse> {
    const body = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
    const headers: Record<string, string | number> = { ...req.headers };
    if (body) headers['Content-Length'] = body.length;
    const options: PoolOptions = {
      method: req.method,
      protocol: req.url.protocol,
      hostname: req.url.hostname.replace(/^\[|\]$/g, ''),
      port: req.url.port || 443,
      path: `${req.url.pathname}${req.url.search}`,
      headers,
      agent: this.agent,
      rejectUnauthorized: !this.insecure,
      timeout: req.timeoutMs ?? this.timeoutMs,
    };
    if (req.tls) {
      options.secureContext = req.tls.context;
      options.identityId = req.tls.id;
    }
    return new Promise<HttpResponse>((resolve, reject) => {
      const r = https.request(options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(wrapError(req, e)));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
      });
      r.on('timeout', () => r.destroy(new NetworkError(`${req.method} ${req.url.pathname}: timed out`, 'ETIMEDOUT')));
      r.on('error', (e) => reject(wrapError(req, e)));
      r.end(body);
    });
  }

  /** Closes every pooled socket; in-flight requests finish first. */
  close(): void {
    this.agent.destroy();
  }
}

function wrapError(req: HttpRequest, e: unknown): NetworkError {
  if (e instanceof NetworkError) return e;
  const code = (e as NodeJS.ErrnoException).code ?? 'ENETWORK';
  return new NetworkError(`${req.method} ${req.url.href}: ${(e as Error).message}`, code, { cause: e });
}
