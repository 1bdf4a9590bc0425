/**
 * Emulated devices for the end-to-end tests: each enrolls into a real `windc serve` over HTTPS with windc as its
 * primary MDM, gets linked by windc's own auto-linking, and runs real OMA-DM sessions on both accounts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccountInfo } from '../../../src/device/account.ts';
import { DeviceClient } from '../../../src/device/client.ts';
import { KeyPool } from '../../../src/device/fleet/keys.ts';
import { TokenIssuer } from '../../../src/device/issuer.ts';
import { HttpTransport, TlsIdentity } from '../../../src/device/net/transport.ts';
import type { SessionResult } from '../../../src/device/omadm/session.ts';
import { startWindc, type Windc } from '../../device/e2e/support.ts';

export interface E2EServer extends Windc {
  issuer: TokenIssuer;
}

/** windc serve on a free port, trusting the tokens of an issuer kept in its data dir. */
export async function startE2EServer(): Promise<E2EServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'windc-dc-e2e-'));
  const issuer = await TokenIssuer.open(join(dataDir, 'issuer'));
  return { ...(await startWindc(issuer.serveFlags(), dataDir)), issuer };
}

/** What devices need to know of the server: where it is, whom to trust, how to enroll. */
export type FleetTarget = Pick<E2EServer, 'url' | 'caPem' | 'secret' | 'issuer'>;

export class TestFleet {
  readonly clients: DeviceClient[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'windc-dc-fleet-'));
  private keys: KeyPool | undefined;

  constructor(
    private readonly windc: FleetTarget,
    private readonly transport = new HttpTransport({ idleTimeoutMs: 60_000 }),
  ) {}

  /** Opens and enrolls `n` devices (primary enrollment into windc); windc links them at their first session. */
  async enroll(n: number, concurrency = 8): Promise<void> {
    this.keys ??= await KeyPool.create(4);
    const enrollmentTls = new TlsIdentity('e2e:enrollment', { ca: [this.windc.caPem], systemRoots: false });
    let next = this.clients.length;
    const end = next + n;
    const work = async () => {
      while (next < end) {
        const i = next++;
        const client = await DeviceClient.open(join(this.dir, String(i).padStart(4, '0')), {
          transport: this.transport,
          persist: false,
          keys: this.keys,
          enrollmentTls,
          trustedCaPems: [this.windc.caPem],
          systemRoots: false,
          issuer: this.windc.issuer,
          autoSync: true,
          device: { delays: { queueMs: 0, applyMs: 0 } },
          retry: { connRetries: 1, initialBackoffMs: 5, maxBackoffMs: 10 },
        });
        this.clients[i] = client;
        await client.enroll({ server: this.windc.url, email: `device${i}@e2e.windc.test`, secret: this.windc.secret });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, work));
  }

  static primary(c: DeviceClient): AccountInfo {
    const a = c.device.accountList().find((x) => x.kind === 'primary');
    if (!a) throw new Error('no primary account');
    return a;
  }

  static windc(c: DeviceClient): AccountInfo | undefined {
    return c.device.accountList().find((x) => x.kind === 'windc');
  }

  /** One session of the given account kind on every device, `concurrency` at a time. */
  async syncAll(kind: 'primary' | 'windc', concurrency = 16, clients = this.clients): Promise<SessionResult[]> {
    const results: SessionResult[] = [];
    let next = 0;
    const work = async () => {
      while (next < clients.length) {
        const c = clients[next++] as DeviceClient;
        const account = kind === 'primary' ? TestFleet.primary(c) : TestFleet.windc(c);
        if (!account) continue;
        const r = await c.sync(account.id);
        await c.device.idle();
        results.push(r);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, work));
    return results;
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close().catch(() => undefined)));
    this.transport.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
