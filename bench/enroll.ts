// WSTEP enrollments per second on one core: `npm run bench:enroll`. Goal: at least 300/s.
// Each enrollment is a full RequestSecurityToken of a new device: SOAP parse, OnPremise secret lookup, PKCS#10
// decode and signature check, certificate signing, the SQLite transaction (enrollment, certificate, credentials,
// secret use) and the provisioning document in its RSTR; measured as the route's operation and again through
// fastify (inject, no TLS). Beside them, in the same run and process: the bare CA signing the same keys (the
// floor any enrollment pays) and a fastify route answering a fixed body (the HTTP layer alone). Rounds
// alternate between contenders so a noisy machine hurts all of them alike.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyRequest } from 'fastify';
import { decodeCsr, parseSoapEnvelope } from '../src/protocol/mde2/index.ts';
import { resolveServerConfig } from '../src/server/config.ts';
import { generateSecret, hashSecret } from '../src/server/enroll/secrets.ts';
import { createEnrollmentService } from '../src/server/enroll/service.ts';
import { requestSecurityToken } from '../src/server/enroll/wstep.ts';
import { startServer } from '../src/server/server.ts';
import { contextFor, deviceKey, onPremise, rst, windowsCsr } from '../test/server/enroll/support.ts';

const ROUNDS = 7;
const ROUND_MS = Number(process.env.BENCH_MS ?? 10500) / ROUNDS / 3;
const KEYS = 16;
const REQUESTS = 8000;

// One core: re-run pinned to CPU 0 with a single libuv thread (WebCrypto verifies on the thread pool), unless
// already pinned or taskset is missing, in which case the figures say so.
if (!process.env.WINDC_BENCH_PINNED) {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync('taskset', ['-c', '0', process.execPath, ...process.execArgv, self], {
    stdio: 'inherit',
    env: { ...process.env, WINDC_BENCH_PINNED: '1', UV_THREADPOOL_SIZE: '1' },
  });
  if (!r.error) process.exit(r.status ?? 1);
  console.log('taskset unavailable: running unpinned, figures may use more than one core');
  process.env.WINDC_BENCH_PINNED = 'unpinned';
}

const dataDir = mkdtempSync(join(tmpdir(), 'windc-bench-enroll-'));
const config = resolveServerConfig(
  ['--listen', '127.0.0.1:0', '--data-dir', dataDir, '--public-url', 'https://windc.bench', '--enroll-rate', '0'],
  {},
);
const server = await startServer(config, { logger: false });
const { app, context } = server;
const secret = generateSecret();
await context.store.secrets.create({ name: 'bench', secretHash: hashSecret(secret) });

// Client-side work is done up front: a few RSA keys, one CSR per enrollment, each for a new device.
process.stdout.write(`preparing ${REQUESTS} Windows-shaped CSRs… `);
const keys = await Promise.all(Array.from({ length: KEYS }, () => deviceKey()));
const bodies: string[] = [];
const spkis: Uint8Array[] = [];
for (let i = 0; i < REQUESTS; i++) {
  const deviceId = randomUUID().replace(/-/g, '').toUpperCase();
  const csr = await windowsCsr(deviceId, keys[i % KEYS]);
  if (i < KEYS) spkis.push(decodeCsr(csr).publicKey.spki);
  bodies.push(rst({ security: onPremise(secret), csr, context: contextFor(deviceId) }));
}
console.log('done');

let nextKey = 0;
let nextBody = 0;
/** Each enrollment is a device never seen before: re-enrollment (revoking the old certificate) is not measured. */
const body = (): string => {
  const b = bodies[nextBody++];
  if (b === undefined) throw new Error(`more than ${REQUESTS} enrollments: raise REQUESTS`);
  return b;
};
const svc = createEnrollmentService(context);
const quietLog = { info() {}, warn() {}, error() {} } as unknown as FastifyRequest['log'];
const contenders: Record<string, () => Promise<unknown>> = {
  'CA signing alone': () =>
    context.ca.issueClientCertificate({
      publicKey: spkis[nextKey++ % KEYS] as Uint8Array,
      deviceId: 'X',
      validityDays: 365,
    }),
  // The server's own /healthz: same fastify instance and hooks, a fixed body, no work.
  'fastify fixed body': () => app.inject({ method: 'GET', url: '/healthz' }),
  // The operation itself (SOAP parse to RSTR text), as the route runs it, without the HTTP layer.
  'WSTEP enrollment': () =>
    requestSecurityToken(
      { env: parseSoapEnvelope(body()), activityId: { id: 'bench' }, req: { log: quietLog } as FastifyRequest },
      'primary',
      svc,
    ),
  'WSTEP over fastify': async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/EnrollmentServer/Enrollment.svc',
      headers: { 'content-type': 'application/soap+xml; charset=utf-8' },
      payload: body(),
    });
    if (res.statusCode !== 200) throw new Error(`enrollment failed: ${res.statusCode} ${res.body.slice(0, 300)}`);
  },
};

/**
 * Operations per second of wall time and per second of this process's CPU time. On a quiet machine they agree;
 * on a shared one the CPU figure is what one core delivers, since time spent waiting for the CPU is not in it.
 */
async function rate(op: () => Promise<unknown>, ms: number): Promise<{ wall: number; cpu: number }> {
  let n = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < ms) {
    await op();
    n++;
  }
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu0);
  return { wall: (n * 1000) / wall, cpu: (n * 1e6) / (used.user + used.system) };
}

for (const op of Object.values(contenders)) for (let i = 0; i < 30; i++) await op(); // JIT warm-up
const samples: Record<string, Array<{ wall: number; cpu: number }>> = Object.fromEntries(
  Object.keys(contenders).map((k) => [k, []]),
);
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, op] of Object.entries(contenders)) samples[name]?.push(await rate(op, ROUND_MS));
}
const stats = (name: string, key: 'wall' | 'cpu') => {
  const xs = (samples[name] ?? []).map((s) => s[key]).sort((a, b) => a - b);
  return { best: xs[xs.length - 1] ?? 0, median: xs[Math.floor(xs.length / 2)] ?? 0 };
};
const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(8);
const pinned =
  process.env.WINDC_BENCH_PINNED === '1' ? 'pinned to one core (taskset -c 0, UV_THREADPOOL_SIZE=1)' : 'unpinned';
console.log(`\nnode ${process.version}, ${pinned}; ${ROUNDS} interleaved rounds, best (median)`);
console.log('                       per CPU-second        per wall-second');
for (const name of Object.keys(contenders)) {
  const c = stats(name, 'cpu');
  const w = stats(name, 'wall');
  console.log(
    `  ${name.padEnd(20)}${fmt(c.best)} (${fmt(c.median).trim()})    ${fmt(w.best)} (${fmt(w.median).trim()})`,
  );
}
const enroll = stats('WSTEP enrollment', 'cpu').best;
const overHttp = stats('WSTEP over fastify', 'cpu').best;
const sign = stats('CA signing alone', 'cpu').best;
const http = stats('fastify fixed body', 'cpu').best;
console.log(
  `  goal 300 enrollments/s on one core: ${enroll >= 300 ? 'met' : 'NOT met'} (${Math.round(enroll)}/s); ` +
    `an enrollment costs ${(sign / enroll).toFixed(2)}x a bare CA signature (${(sign / overHttp).toFixed(2)}x through ` +
    `fastify, ${(http / overHttp).toFixed(1)}x a fixed-body request)`,
);
console.log(
  `  load average during the run: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} (${cpus().length} CPUs)`,
);
await server.close();
rmSync(dataDir, { recursive: true, force: true });
