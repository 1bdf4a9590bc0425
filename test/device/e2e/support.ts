/**
 * A real `windc serve` for the emulator's end-to-end tests: an ephemeral port the public URL names, so the URLs
 * the server hands out (discovery answers, the provisioning document's ADDR) are the ones the device can reach.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceClient, type DeviceClientOptions } from '../../../src/device/client.ts';
import { HttpTransport } from '../../../src/device/net/transport.ts';
import { resolveServerConfig } from '../../../src/server/config.ts';
import { ensureInitialSecret } from '../../../src/server/enroll/secrets.ts';
import { type RunningServer, startServer } from '../../../src/server/server.ts';

export interface Windc {
  server: RunningServer;
  url: string;
  caPem: string;
  /** The enrollment secret a fresh server makes. */
  secret: string;
  dataDir: string;
  close(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** `windc serve` on a free port with `argv` added, over `dataDir` (a fresh temporary one by default, removed on close). */
export async function startWindc(
  argv: string[] = [],
  dataDir = mkdtempSync(join(tmpdir(), 'windc-e2e-')),
): Promise<Windc> {
  const port = await freePort();
  const url = `https://127.0.0.1:${port}`;
  const config = resolveServerConfig(
    ['--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--public-url', url, '--enroll-rate', '0', ...argv],
    {},
  );
  const server = await startServer(config, { logger: false });
  const secret = (await ensureInitialSecret(server.context.store, dataDir)).created ?? '';
  return {
    server,
    url,
    caPem: server.context.ca.certPem,
    secret,
    dataDir,
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const FAST = {
  connRetries: 1,
  initialBackoffMs: 5,
  maxBackoffMs: 10,
  retryAfterAttempts: 3,
  maxRetryAfterMs: 5000,
};

/** A device directory and its client, trusting the server's CA, retrying quickly. */
export async function openDevice(
  windc: Windc,
  transport: HttpTransport,
  extra: Partial<DeviceClientOptions> = {},
  dir = mkdtempSync(join(tmpdir(), 'windc-dev-')),
): Promise<{ dir: string; client: DeviceClient }> {
  const client = await DeviceClient.open(dir, {
    transport,
    trustedCaPems: [windc.caPem],
    systemRoots: false,
    retry: FAST,
    ...extra,
  });
  return { dir, client };
}

export function newTransport(): HttpTransport {
  return new HttpTransport();
}
