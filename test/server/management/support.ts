/**
 * A real windc server on an ephemeral port with a throwaway data dir, devices enrolled straight through the
 * store with certificates from the server's own CA, and an HTTPS client that talks to the management endpoint
 * over keep-alive mTLS the way Windows does.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildSyncML,
  md5Cred,
  md5UserHash,
  parseSyncML,
  type StatusCommand,
  type SyncMLCommand,
  type SyncMLMessage,
} from '../../../src/protocol/syncml/index.ts';
import { resolveServerConfig } from '../../../src/server/config.ts';
import { managementHooks } from '../../../src/server/management/hooks.ts';
import type { CommandTemplate } from '../../../src/server/management/payload.ts';
import { type RunningServer, startServer } from '../../../src/server/server.ts';
import type { Enrollment } from '../../../src/store/index.ts';
import { SHARED, SHARED_MISSING } from '../../support/protocol.ts';

export const repoRoot = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const MDM_PATH = '/ManagementServer/MDM.svc?mode=Maintenance&Platform=WoA';

/** A file under ../shared, or undefined when the shared sources are not checked out next to the repo. */
export function shared(rel: string): string | undefined {
  const p = path.join(SHARED, rel);
  return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
}
export { SHARED_MISSING };

/** The body of a `.http.txt` capture: everything after the first blank line. */
export function httpBody(capture: string): string {
  const i = capture.search(/\r?\n\r?\n/);
  return capture.slice(i).trim();
}

export interface TestServer {
  server: RunningServer;
  port: number;
  clock: { t: number };
  close(): Promise<void>;
}

/**
 * `startServer` with every feature, except that hooks other features put on the session engine (the
 * reconciler) are detached: these tests are about the engine, and a reconciler queueing or dropping things of
 * its own would make every expectation here depend on it. `keepHooks` leaves them on.
 */
export async function testServer(
  flags: string[] = [],
  opts: { now?: number; keepHooks?: boolean } = {},
): Promise<TestServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'windc-mgmt-'));
  const config = resolveServerConfig(
    ['--listen', '127.0.0.1:0', '--public-url', 'https://localhost:8443', '--data-dir', dir, ...flags],
    {},
  );
  const clock = { t: opts.now ?? Date.now() };
  const server = await startServer(config, { logger: false, now: opts.now === undefined ? Date.now : () => clock.t });
  if (!opts.keepHooks) managementHooks(server.context).beforeDequeue.length = 0;
  const port = (server.app.server.address() as { port: number }).port;
  return {
    server,
    port,
    clock,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestDevice {
  deviceId: string;
  enrollment: Enrollment;
  certPem: string;
  keyPem: string;
  certDer: Uint8Array;
  serial: string;
  thumbprint: string;
  /** APPSRV credentials as provisioned. */
  user: string;
  secret: string;
  nonce: string;
}

let counter = 0;
export function newDeviceId(): string {
  counter += 1;
  return `${randomBytes(12).toString('hex').toUpperCase()}${String(counter).padStart(8, '0')}`;
}

/** Enrolls a device the way the enrollment service would: enrollment, certificate and digest credentials. */
export async function enrollDevice(
  t: TestServer,
  opts: { deviceId?: string; kind?: 'primary' | 'linked'; validityDays?: number; notBefore?: Date } = {},
): Promise<TestDevice> {
  const { store, ca } = t.server.context;
  const deviceId = opts.deviceId ?? newDeviceId();
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const issued = await ca.issueClientCertificate({
    publicKey: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })),
    deviceId,
    validityDays: opts.validityDays ?? 30,
    ...(opts.notBefore ? { now: opts.notBefore } : {}),
  });
  const enrollment = await store.devices.enroll({ deviceId, kind: opts.kind ?? 'linked' });
  await store.certificates.record({
    serial: issued.serial.toLowerCase(),
    thumbprint: issued.thumbprint.toLowerCase(),
    subject: issued.subject,
    notBefore: issued.notBefore.getTime(),
    notAfter: issued.notAfter.getTime(),
    enrollmentId: enrollment.id,
  });
  const user = `dev-${randomBytes(4).toString('hex')}`;
  const secret = randomBytes(16).toString('base64');
  const nonce = randomBytes(16).toString('base64');
  await store.deviceCredentials.put({
    enrollmentId: enrollment.id,
    deviceName: user,
    deviceSecretDigest: md5UserHash(user, secret),
    deviceNonce: nonce,
    serverName: 'windc',
    serverSecret: randomBytes(16).toString('base64'),
    serverNonce: randomBytes(16).toString('base64'),
  });
  return {
    deviceId,
    enrollment,
    certPem: issued.pem,
    keyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    certDer: issued.der,
    serial: issued.serial.toLowerCase(),
    thumbprint: issued.thumbprint.toLowerCase(),
    user,
    secret,
    nonce,
  };
}

/** A Replace of a `chr` value, to queue for a device. */
export const replace = (uri: string, data: string): CommandTemplate => ({
  kind: 'Replace',
  items: [{ target: { locUri: uri }, meta: { format: 'chr' }, data }],
});

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  message?: SyncMLMessage;
}

export interface Client {
  post(body: string, headers?: Record<string, string>): Promise<Reply>;
  close(): void;
}

/** An HTTPS client with its own keep-alive socket pool, presenting `identity` (or no certificate). */
export function client(t: TestServer, identity?: { certPem: string; keyPem: string }): Client {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  return {
    post(body, headers = {}) {
      return new Promise((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: t.port,
            path: MDM_PATH,
            method: 'POST',
            agent,
            ca: t.server.context.ca.certPem,
            servername: 'localhost',
            ...(identity ? { cert: identity.certPem, key: identity.keyPem } : {}),
            headers: { 'content-type': 'application/vnd.syncml.dm+xml', ...headers },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c) => (text += c));
            res.on('end', () => {
              const r: Reply = { status: res.statusCode ?? 0, headers: res.headers, body: text };
              if (r.status === 200 && String(res.headers['content-type']).startsWith('application/vnd.syncml')) {
                r.message = parseSyncML(text);
              }
              resolve(r);
            });
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

/** A newly enrolled device and a client presenting its certificate. */
export async function enrolledClient(t: TestServer): Promise<{ d: TestDevice; c: Client }> {
  const d = await enrollDevice(t);
  return { d, c: client(t, d) };
}

/** The capture with the fixtures' placeholder DeviceID (and Cred, when given) replaced by the test device's. */
export function adapt(
  xml: string,
  d: Pick<TestDevice, 'deviceId'>,
  opts: { cred?: { user: string; secret: string; nonce: string }; cmdRefs?: Record<string, string> } = {},
): string {
  let out = xml.replaceAll('0123456789ABCDEF0123456789ABCDEF', d.deviceId);
  if (opts.cred) {
    const c = md5Cred(opts.cred.user, opts.cred.secret, opts.cred.nonce);
    out = out
      .replace(/<LocName>[^<]*<\/LocName>/, `<LocName>${opts.cred.user}</LocName>`)
      .replace(/(<Cred>.*?<Data>)[^<]*(<\/Data>)/s, `$1${c.data}$2`);
  }
  for (const [from, to] of Object.entries(opts.cmdRefs ?? {})) {
    out = out.replaceAll(`<CmdRef>${from}</CmdRef>`, `<CmdRef>${to}</CmdRef>`);
  }
  return out;
}

export const build = (m: SyncMLMessage): string => buildSyncML(m);

/** `[Cmd, CmdRef, code]` of every Status, for compact assertions. */
export function statuses(m: SyncMLMessage | undefined): [string, string, number][] {
  return (m?.commands ?? [])
    .filter((c): c is StatusCommand => c.kind === 'Status')
    .map((s) => [s.cmd, s.cmdRef, s.code]);
}

export function kinds(m: SyncMLMessage | undefined): string[] {
  return (m?.commands ?? []).map((c: SyncMLCommand) => (c.kind === 'Alert' ? `Alert ${c.code}` : c.kind));
}
