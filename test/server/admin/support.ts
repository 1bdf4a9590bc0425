import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveServerConfig } from '../../../src/server/config.ts';
import { type RunningServer, startServer } from '../../../src/server/server.ts';

export interface ApiServer {
  server: RunningServer;
  port: number;
  dataDir: string;
  caPem: string;
  token: string;
  close(): Promise<void>;
}

/** `windc serve` on an ephemeral port with a fresh data dir; the first admin token is the generated one. */
export async function startApiServer(argv: string[] = []): Promise<ApiServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'windc-admin-'));
  const config = resolveServerConfig(
    ['--listen', '127.0.0.1:0', '--data-dir', dataDir, '--public-url', 'https://windc.test', ...argv],
    {},
  );
  const saved = process.env.WINDC_ADMIN_TOKEN;
  delete process.env.WINDC_ADMIN_TOKEN;
  const server = await startServer(config, { logger: false });
  if (saved !== undefined) process.env.WINDC_ADMIN_TOKEN = saved;
  return {
    server,
    port: (server.app.server.address() as { port: number }).port,
    dataDir,
    caPem: server.context.ca.certPem,
    token: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(),
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ApiResult<T = Record<string, unknown>> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
  text: string;
}

export function api<T = Record<string, unknown>>(
  s: Pick<ApiServer, 'port' | 'caPem' | 'token'>,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${s.token}` },
): Promise<ApiResult<T>> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port: s.port,
        path,
        method,
        ca: s.caPem,
        servername: 'localhost',
        headers: {
          ...headers,
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            // not JSON: the raw text is in `text`
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed as T, text });
        });
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** The devices whose move to compliant at `checksum` is in the event log (the first 1,000 status events). */
export async function compliantInEventLog(
  s: Pick<ApiServer, 'port' | 'caPem' | 'token'>,
  checksum: string,
): Promise<Set<string>> {
  type Events = { events: { payload: { deviceId: string; to: string; checksum: string } }[] };
  const r = await api<Events>(s, 'GET', '/api/v1/events?limit=1000&type=document.status');
  if (r.status !== 200) throw new Error(`GET /api/v1/events: ${r.status} ${r.text}`);
  return new Set(
    r.body.events
      .filter((e) => e.payload.to === 'compliant' && e.payload.checksum === checksum)
      .map((e) => e.payload.deviceId),
  );
}

export const DSC_NS = 'root/Microsoft/Windows/DesiredStateConfiguration';

export function fileDocument(contents: string, path = 'C:\\Temp\\windc\\hello.txt') {
  return {
    name: 'hello file',
    scenario: 'MSFTExtensibilityMIProviderConfig',
    dsc: [
      {
        namespace: DSC_NS,
        className: 'MSFT_FileDirectoryConfiguration',
        keys: { DestinationPath: path },
        values: { Contents: contents },
      },
    ],
  };
}

/** A document.status event for device `D<n>`, as the reconciler publishes them. */
export const statusEvent = (n: number) => ({
  type: 'document.status' as const,
  payload: {
    deviceId: `D${n}`,
    enrollmentId: n,
    documentId: '27FEA311-68B9-4320-9FC4-296F6FDFAFE2',
    from: 'pending' as const,
    to: 'compliant' as const,
    detail: null,
    checksum: 'A0',
    reportedChecksum: 'A0',
    state: 60,
  },
});
