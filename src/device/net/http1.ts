/**
 * A minimal HTTP/1.1 client over keep-alive TLS connections, pooled per server and device identity. It exists
 * for cost: on the reference machine node:https spends 270-370 µs of CPU per keep-alive request, a bare TLS
 * round trip 100 µs, and a fleet of thousands of devices lives or dies by that difference. What it supports is
 * what the device protocols need: one request at a time per connection, a request written in one piece, answers
 * delimited by Content-Length, chunked encoding or connection close.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { NetworkError } from './errors.ts';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const CRLF2 = Buffer.from('\r\n\r\n');

/** Parses one response out of the bytes received so far; undefined while incomplete. */
class ResponseParser {
  private chunks: Buffer[] = [];
  private size = 0;
  private head: { status: number; headers: IncomingHttpHeaders; bodyStart: number } | undefined;

  push(data: Buffer): void {
    this.chunks.push(data);
    this.size += data.length;
  }

  private buffer(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.size)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  /** A complete response, `closed` telling whether the peer has ended the connection. */
  take(closed: boolean): (RawResponse & { keepAlive: boolean }) | undefined {
    const buf = this.buffer();
    if (!this.head) {
      const end = buf.indexOf(CRLF2);
      if (end < 0) return undefined;
      const lines = buf.toString('latin1', 0, end).split('\r\n');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
      if (!m) throw new NetworkError(`not an HTTP/1.1 response: ${JSON.stringify(lines[0]?.slice(0, 40))}`, 'EPROTO');
      const headers: IncomingHttpHeaders = {};
      for (const line of lines.slice(1)) {
        const i = line.indexOf(':');
        if (i <= 0) continue;
        const name = line.slice(0, i).trim().toLowerCase();
        const value = line.slice(i + 1).trim();
        const prev = headers[name];
        headers[name] = prev === undefined ? value : `${prev}, ${value}`;
      }
      this.head = { status: Number(m[1]), headers, bodyStart: end + 4 };
    }
    const { status, headers, bodyStart } = this.head;
    const keepAlive = !/\bclose\b/i.test(String(headers.connection ?? ''));
    if (status === 204 || status === 304 || (status >= 100 && status < 200)) {
      return { status, headers, body: Buffer.alloc(0), keepAlive };
    }
    if (/\bchunked\b/i.test(String(headers['transfer-encoding'] ?? ''))) {
      const body = dechunk(buf, bodyStart);
      return body ? { status, headers, body, keepAlive } : undefined;
    }
    const length = headers['content-length'];
    if (length !== undefined) {
      const n = Number(length);
      if (buf.length - bodyStart < n) return undefined;
      return { status, headers, body: buf.subarray(bodyStart, bodyStart + n), keepAlive };
    }
    return closed ? { status, headers, body: buf.subarray(bodyStart), keepAlive: false } : undefined;
  }
}

function dechunk(buf: Buffer, start: number): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = Number.parseInt(buf.toString('latin1', at, eol), 16);
    if (Number.isNaN(size)) throw new NetworkError('malformed chunked encoding', 'EPROTO');
    if (size === 0) return buf.indexOf(CRLF2, eol) >= 0 || buf.length >= eol + 4 ? Buffer.concat(parts) : undefined;
    if (buf.length < eol + 2 + size + 2) return undefined;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

export interface ConnectOptions {
  host: string;
  port: number;
  secureContext?: import('node:tls').SecureContext;
  rejectUnauthorized: boolean;
  /** A TLS session of an earlier connection to resume. */
  session?: Buffer;
  /** Told every session (ticket) the server issues on this connection. */
  onSession?: (session: Buffer) => void;
}

/** One keep-alive TLS connection carrying one request at a time. */
export class Connection {
  private parser = new ResponseParser();
  /**
   * The request in flight. Its callbacks are the promise's own, kept with the timer rather than wrapped in new
   * closures: a request is made per message of every device, and each named closure costs the TypeScript loader
   * a defineProperty.
   */
  private waiter:
    | {
        resolve(r: RawResponse & { keepAlive: boolean }): void;
        reject(e: Error): void;
        timer: ReturnType<typeof setTimeout>;
      }
    | undefined;
  private ended = false;
  /** Requests answered on this connection; a failure on a reused connection may be a stale one. */
  used = 0;
  dead = false;

  /** The TLS handshake resumed an earlier session rather than running in full. */
  get resumed(): boolean {
    return this.socket.isSessionReused();
  }

  private constructor(private readonly socket: TLSSocket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('end', () => {
      this.ended = true;
      this.onData(Buffer.alloc(0));
      this.kill(new NetworkError('connection closed by the server', 'ECONNRESET'));
    });
    socket.on('close', () => this.kill(new NetworkError('connection closed', 'ECONNRESET')));
    socket.on('error', (e: NodeJS.ErrnoException) => this.kill(new NetworkError(e.message, e.code ?? 'ECONNRESET')));
  }

  static open(o: ConnectOptions, timeoutMs: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect({
        host: o.host,
        port: o.port,
        // SNI must not carry an IP address; verification then checks the IP against the certificate's SANs.
        ...(isIP(o.host) ? {} : { servername: o.host }),
        ...(o.secureContext ? { secureContext: o.secureContext } : {}),
        ...(o.session ? { session: o.session } : {}),
        rejectUnauthorized: o.rejectUnauthorized,
      });
      const onSession = o.onSession;
      if (onSession) socket.on('session', onSession);
      const timer = setTimeout(() => socket.destroy(new NetworkError('TLS connect timed out', 'ETIMEDOUT')), timeoutMs);
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        socket.removeListener('error', onError);
        resolve(new Connection(socket));
      });
      const onError = (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new NetworkError(e.message, e.code ?? 'ECONNREFUSED', { cause: e }));
      };
      socket.once('error', onError);
    });
  }

  request(data: Buffer, timeoutMs: number): Promise<RawResponse & { keepAlive: boolean }> {
    if (this.dead) return Promise.reject(new NetworkError('connection closed', 'ECONNRESET'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill(new NetworkError(`no answer within ${timeoutMs} ms`, 'ETIMEDOUT'));
      }, timeoutMs);
      this.waiter = { resolve, reject, timer };
      this.used++;
      this.socket.write(data);
    });
  }

  private onData(d: Buffer): void {
    if (!this.waiter) {
      if (d.length > 0) this.kill(new NetworkError('data from the server while no request was pending', 'EPROTO'));
      return;
    }
    let res: ReturnType<ResponseParser['take']>;
    try {
      this.parser.push(d);
      res = this.parser.take(this.ended);
    } catch (e) {
      this.kill(e as Error);
      return;
    }
    if (!res) return;
    const w = this.waiter;
    this.waiter = undefined;
    this.parser = new ResponseParser();
    clearTimeout(w.timer);
    if (!res.keepAlive) this.close();
    w.resolve(res);
  }

  private kill(e: Error): void {
    this.dead = true;
    const w = this.waiter;
    this.waiter = undefined;
    this.socket.destroy();
    if (w) {
      clearTimeout(w.timer);
      w.reject(e);
    }
  }

  close(): void {
    this.dead = true;
    this.socket.end();
    this.socket.destroy();
  }
}
