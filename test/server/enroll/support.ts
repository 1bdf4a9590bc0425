import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject, randomUUID, sign, webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildGetPoliciesRequest,
  buildRequestSecurityToken,
  buildSecurityHeader,
  buildWindowsCsr,
  type ContextItem,
  parseSoapEnvelope,
  readSoapFault,
  windowsCsrCommonName,
} from '../../../src/protocol/mde2/index.ts';
import { resolveServerConfig } from '../../../src/server/config.ts';
import { type RunningServer, startServer } from '../../../src/server/server.ts';

export const PUBLIC_URL = 'https://windc.test';

export interface TestServer {
  server: RunningServer;
  port: number;
  dataDir: string;
  caPem: string;
  close(): Promise<void>;
}

/** A real `windc serve` on an ephemeral port and a fresh data dir, configured by flags as an operator would. */
export async function startTestServer(argv: string[] = [], now?: () => number): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'windc-enroll-'));
  const config = resolveServerConfig(
    ['--listen', '127.0.0.1:0', '--data-dir', dataDir, '--public-url', PUBLIC_URL, ...argv],
    {},
  );
  const server = await startServer(config, { logger: false, ...(now ? { now } : {}) });
  const port = (server.app.server.address() as { port: number }).port;
  return {
    server,
    port,
    dataDir,
    caPem: server.context.ca.certPem,
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** TLS client certificate and key (PEM) for ROBO renewal. */
  cert?: string;
  key?: string;
}

export function httpsRequest(
  t: TestServer,
  path: string,
  body?: string,
  opts: RequestOptions = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: t.port,
        path,
        method: opts.method ?? (body === undefined ? 'GET' : 'POST'),
        ca: t.caPem,
        servername: 'localhost',
        headers: {
          ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
          ...opts.headers,
        },
        ...(opts.cert ? { cert: opts.cert, key: opts.key } : {}),
        agent: false,
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (data += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export const SOAP_HEADERS = { 'content-type': 'application/soap+xml; charset=utf-8', 'user-agent': 'ENROLLClient' };

export function soap(t: TestServer, path: string, xml: string, opts: RequestOptions = {}): Promise<HttpResult> {
  return httpsRequest(t, path, xml, { ...opts, headers: { ...SOAP_HEADERS, ...opts.headers } });
}

export function json(t: TestServer, path: string, body: unknown, headers: Record<string, string> = {}) {
  return httpsRequest(t, path, typeof body === 'string' ? body : JSON.stringify(body), {
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** An RSA device key and a Windows-shaped CSR for it (SHA-256, or SHA-1 like the fleet capture). */
export async function deviceKey(hash: 'SHA-256' | 'SHA-1' = 'SHA-256') {
  return (await webcrypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', hash, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ['sign', 'verify'],
  )) as webcrypto.CryptoKeyPair;
}

export async function windowsCsr(deviceId: string, keys?: webcrypto.CryptoKeyPair): Promise<Uint8Array> {
  const k = keys ?? (await deviceKey());
  return buildWindowsCsr({ keys: k, commonName: windowsCsrCommonName(randomUUID(), deviceId), deviceId });
}

export function contextFor(deviceId: string, extra: ContextItem[] = []): ContextItem[] {
  return [
    { name: 'HWDevID', value: `HW-${deviceId}` },
    { name: 'DeviceName', value: 'TESTPC' },
    { name: 'DeviceID', value: deviceId },
    { name: 'EnrollmentType', value: 'Full' },
    { name: 'OSVersion', value: '10.0.26100.2894' },
    ...extra,
  ];
}

export function rst(opts: {
  to?: string;
  security: string;
  csr: Uint8Array;
  context: ContextItem[];
  requestType?: 'Issue' | 'Renew';
  format?: 'PKCS10' | 'PKCS7';
}): string {
  return buildRequestSecurityToken({
    messageId: `urn:uuid:${randomUUID()}`,
    to: opts.to ?? `${PUBLIC_URL}/EnrollmentServer/Enrollment.svc`,
    security: opts.security,
    requestType: opts.requestType ?? 'Issue',
    request: { format: opts.format ?? 'PKCS10', der: opts.csr },
    context: opts.context,
  });
}

export function getPolicies(security: string, to = `${PUBLIC_URL}/EnrollmentServer/Policy.svc`): string {
  return buildGetPoliciesRequest({ messageId: `urn:uuid:${randomUUID()}`, to, security });
}

export const onPremise = (password: string, username = 'user@windc.test') =>
  buildSecurityHeader({ usernameToken: { username, password, id: 'uuid-1' } });

/** A local token issuer: an RSA key, its JWKS, and tokens with whatever claims a test needs. */
export class TestIssuer {
  readonly privateKey: KeyObject;
  readonly kid = `kid-${randomUUID()}`;
  readonly jwks: string;

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = privateKey;
    const jwk = publicKey.export({ format: 'jwk' });
    this.jwks = JSON.stringify({ keys: [{ ...jwk, kid: this.kid, use: 'sig', alg: 'RS256' }] });
  }

  writeJwks(dir: string): string {
    const path = join(dir, `jwks-${this.kid}.json`);
    writeFileSync(path, this.jwks);
    return path;
  }

  token(claims: Record<string, unknown>, header: Record<string, unknown> = {}, key: KeyObject = this.privateKey) {
    const h = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: this.kid, ...header })).toString('base64url');
    const c = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const s = sign('sha256', Buffer.from(`${h}.${c}`), key).toString('base64url');
    return `${h}.${c}.${s}`;
  }
}

/** Every SOAP answer: one un-chunked message of SOAP 1.2 with a Content-Length that matches. */
export function assertSoapMessage(res: HttpResult): void {
  assert.match(String(res.headers['content-type']), /^application\/soap\+xml; charset=utf-8$/);
  assert.equal(res.headers['transfer-encoding'], undefined, 'never chunked (MS-MDE2)');
  assert.equal(Number(res.headers['content-length']), Buffer.byteLength(res.body));
}

/** The fault in a response; HTTP 200 (see FAULT_STATUS in soap.ts) unless the refusal is HTTP-level (413, 503). */
export function faultOf(res: HttpResult, status = 200) {
  assertSoapMessage(res);
  assert.equal(res.status, status, `fault status: ${res.body.slice(0, 400)}`);
  const env = parseSoapEnvelope(res.body);
  const f = readSoapFault(env);
  assert.ok(f, 'the body is a SOAP fault');
  assert.equal(f.code, 'Receiver');
  return { ...f, relatesTo: env.addressing.relatesTo, activityId: env.activityId?.id };
}
