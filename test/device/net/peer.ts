/**
 * A scripted OMA-DM peer for session tests: real HTTPS with windc's CA (server certificate, client certificate
 * requested), each client message parsed and handed to the test's script, whose answer goes back as the body.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { TlsIdentity } from '../../../src/device/net/transport.ts';
import {
  buildSyncML,
  parseSyncML,
  replyHeader,
  type SyncMLCommand,
  type SyncMLMessage,
  statusForHeader,
} from '../../../src/protocol/syncml/index.ts';
import { loadOrCreateCa } from '../../../src/server/pki/ca-files.ts';
import { loadServerTls } from '../../../src/server/pki/server-tls.ts';

export interface Exchange {
  xml: string;
  message: SyncMLMessage;
  headers: Record<string, string | string[] | undefined>;
  url: string;
  /** Subject CN of the client certificate, when one was presented. */
  clientCn: string | undefined;
}

/** What the script answers: a server message, or a raw HTTP answer. */
export type Answer =
  | SyncMLMessage
  | { status: number; body?: string; headers?: Record<string, string>; chunked?: boolean; close?: boolean };

export interface Peer {
  url: string;
  caPem: string;
  seen: Exchange[];
  /** A TLS identity the CA issued, for a device that enrolled; `pems` are its files. */
  identity(id?: string): Promise<TlsIdentity & { pems: { key: string; cert: string; ca: string } }>;
  close(): Promise<void>;
}

export async function startPeer(script: (x: Exchange, index: number) => Answer | Promise<Answer>): Promise<Peer> {
  const dir = mkdtempSync(join(tmpdir(), 'windc-peer-'));
  const { ca } = await loadOrCreateCa({ dataDir: dir });
  const tls = await loadServerTls({ dataDir: dir, publicUrl: 'https://127.0.0.1', ca });
  const seen: Exchange[] = [];
  const server = https.createServer(
    { key: tls.keyPem, cert: tls.certPem, ca: [ca.certPem], requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const xml = Buffer.concat(chunks).toString('utf8');
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        const x: Exchange = {
          xml,
          message: parseSyncML(xml),
          headers: req.headers,
          url: req.url ?? '',
          clientCn: [peer?.subject?.CN].flat()[0],
        };
        seen.push(x);
        const a = await script(x, seen.length - 1);
        if ('header' in a) {
          res.writeHead(200, { 'Content-Type': 'application/vnd.syncml.dm+xml' });
          res.end(buildSyncML(a));
          return;
        }
        res.writeHead(a.status, { ...a.headers, ...(a.close ? { Connection: 'close' } : {}) });
        const body = a.body ?? '';
        if (a.chunked && body.length > 1) {
          // Without a Content-Length node sends each write as a chunk.
          res.write(body.slice(0, body.length >> 1));
          res.end(body.slice(body.length >> 1));
        } else {
          res.end(body);
        }
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  let n = 0;
  return {
    url: `https://127.0.0.1:${port}/ManagementServer/MDM.svc`,
    caPem: ca.certPem,
    seen,
    async identity(id = `test-${n++}`) {
      const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const cert = await ca.issueClientCertificate({
        publicKey: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })),
        deviceId: id,
        validityDays: 1,
      });
      const pems = {
        key: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        cert: cert.pem,
        ca: ca.certPem,
      };
      return Object.assign(new TlsIdentity(id, { key: pems.key, cert: pems.cert, ca: [pems.ca] }), { pems });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A server message answering `x`: Status for its SyncHdr (with `hdrCode`), then `commands`. */
export function reply(
  x: Exchange,
  commands: SyncMLCommand[],
  opts: { final?: boolean; hdrCode?: number; chalNonce?: string; maxMsgSize?: number } = {},
): SyncMLMessage {
  const hdr = statusForHeader(x.message.header, '1', opts.hdrCode ?? 200);
  if (opts.chalNonce) hdr.chal = { meta: { format: 'b64', type: 'syncml:auth-md5', nextNonce: opts.chalNonce } };
  const header = replyHeader(x.message.header, String(Number(x.message.header.msgId)), {
    ...(opts.maxMsgSize ? { meta: { maxMsgSize: opts.maxMsgSize } } : {}),
  });
  return { namespace: 'SYNCML:SYNCML1.2', header, commands: [hdr, ...commands], final: opts.final ?? true };
}
