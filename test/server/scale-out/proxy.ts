/**
 * A layer-4 load balancer as README recommends for several `windc serve` processes: pure TCP pass-through, so TLS
 * (and the device's client certificate) is end to end. Each new connection goes to the next backend in turn; a
 * backend that refuses a connection is taken out, and the connection tries the next one, as a health-checking
 * balancer would.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export class RoundRobinProxy {
  /** The backend index of every connection forwarded, in the order they arrived. */
  readonly log: number[] = [];
  readonly dead = new Set<number>();
  private next = 0;
  private readonly server: Server;
  private readonly open = new Set<Socket>();

  constructor(private readonly backends: readonly number[]) {
    this.server = createServer((client) => {
      this.track(client);
      this.route(client, 0);
    });
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
  }

  /** Connections each backend has received. */
  counts(from = 0): number[] {
    const out = this.backends.map(() => 0);
    for (const i of this.log.slice(from)) out[i]! += 1;
    return out;
  }

  close(): Promise<void> {
    for (const s of this.open) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private track(s: Socket): void {
    this.open.add(s);
    s.once('close', () => this.open.delete(s));
  }

  private route(client: Socket, tried: number): void {
    if (client.destroyed) return;
    const i = this.pick();
    if (i === undefined || tried >= this.backends.length) {
      client.destroy();
      return;
    }
    const upstream = connect(this.backends[i]!, '127.0.0.1');
    this.track(upstream);
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      this.log.push(i);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    upstream.on('error', () => {
      if (connected) return;
      this.dead.add(i);
      this.route(client, tried + 1);
    });
    upstream.once('close', () => {
      if (connected) client.destroy();
    });
    client.on('error', () => upstream.destroy());
    client.once('close', () => upstream.destroy());
  }

  private pick(): number | undefined {
    for (let k = 0; k < this.backends.length; k++) {
      const i = this.next++ % this.backends.length;
      if (!this.dead.has(i)) return i;
    }
    return undefined;
  }
}
