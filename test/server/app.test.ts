import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/http/app.ts';
import { loadOrCreateCa } from '../../src/server/pki/ca-files.ts';
import { loadServerTls } from '../../src/server/pki/server-tls.ts';

const dir = mkdtempSync(join(tmpdir(), 'windc-app-'));
let app: FastifyInstance;
let port = 0;
let caPem = '';

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: 'GET', ca: caPem, servername: 'localhost', headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('HTTPS app shell', () => {
  before(async () => {
    const { ca } = await loadOrCreateCa({ dataDir: dir });
    caPem = ca.certPem;
    const tls = await loadServerTls({ dataDir: dir, publicUrl: 'https://localhost:8443', ca });
    app = buildApp({ tls, clientCaPems: [ca.certPem], maxBodyBytes: 64 * 1024, logger: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
  });
  after(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves HTTPS with a certificate from the built-in CA that a client trusting the CA accepts', async () => {
    const res = await get('/healthz');
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), { status: 'ok' });
  });

  it('reuses its TLS certificate across restarts while it is valid for the host', async () => {
    const { ca } = await loadOrCreateCa({ dataDir: dir });
    const a = await loadServerTls({ dataDir: dir, publicUrl: 'https://localhost:8443', ca });
    const b = await loadServerTls({ dataDir: dir, publicUrl: 'https://localhost:8443', ca });
    assert.equal(a.certPem, b.certPem);
    const c = await loadServerTls({ dataDir: dir, publicUrl: 'https://mdm.example.test', ca });
    assert.notEqual(c.certPem, a.certPem);
    assert.equal(new X509Certificate(c.certPem).checkHost('mdm.example.test'), 'mdm.example.test');
  });

  it('answers unknown routes with a JSON error code', async () => {
    const res = await get('/nope');
    assert.equal(res.status, 404);
    assert.equal(JSON.parse(res.body).error.code, 'NOT_FOUND');
  });
});
