// How fast one declared document reaches a fleet: `npm run bench:rollout [-- --devices 100000]`.
//
// A real `windc serve` runs in a child process (so its CPU and RSS are its own) on a fresh SQLite data dir. N
// emulated devices hold WinDC enrollments that were seeded straight into its store beforehand: N real MS-MDE2
// enrollments would measure enrollment, not rollout. Then the clock starts: one MSFT_FileDirectoryConfiguration
// document is created and assigned through the admin API to a group holding every device, and the devices run
// OMA-DM sessions over HTTPS (client certificates, as enrolled devices do) until windc reports every one
// compliant with its result fetched. A device runs its sessions back to back, the way a device that polls just
// after applying would; each needs two: one delivers the document, the next reports 60 and hands over the result.
// Each device connects with its own certificate, so every device costs a TLS handshake.
//
// The same-run baseline: the same device code (open, own certificate and TLS handshake, account, two sessions,
// close) against the trivial responder of bench/responder.ts instead of windc, half of it just before the
// rollout and half just after, so that it brackets the rollout in time. That is the rollout with a server that
// costs nothing and a device with nothing to apply: its devices/s is what the emulator, TLS and this machine
// allow at that moment, and the rollout's rate is read as a ratio to it. When the two halves disagree the
// machine's load changed during the run, and the ratio says so. The responder's CPU per device beside the
// server's shows what windc adds over bare TLS and HTTP.
//
// Options: --devices N (10000), --concurrency C (devices in session at once, 96), --baseline B (devices in the
// baseline, min(N, 2000); 0 skips it), --keep (keep the data dir).
// Scale-out: --database-url postgres://… runs windc on PostgreSQL, in a fresh database made for the run and
// dropped after it (the URL names the database to connect to for that, e.g. postgres://postgres@127.0.0.1/test);
// --servers S starts S `windc serve` processes on it (1), device i talking to process i mod S, so the rollout
// exercises several stateless processes on one database. The PostgreSQL server's own CPU is printed beside
// windc's, read from /proc for every process named postgres.
// Environment: BENCH_DIR puts the data dir elsewhere (e.g. /dev/shm); BENCH_PROF=DIR writes the server's CPU
// profile there; BENCH_PRELOAD=MODULE is imported into the server process first (instrumentation).
//
// The figures are CPU seconds per process as well as wall time, because wall time on a shared machine says as
// much about the neighbours as about windc.
import { type ChildProcess, fork } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DeviceClient } from '../src/device/client.ts';
import { EnrollmentStore } from '../src/device/enroll/record.ts';
import { HttpTransport } from '../src/device/net/transport.ts';
import { resolveServerConfig } from '../src/server/config.ts';
import { loadOrCreateCa } from '../src/server/pki/ca-files.ts';
import { startServer } from '../src/server/server.ts';
import { openStore } from '../src/store/index.ts';
import { createDatabase, postgresCpuMs } from './postgres.ts';
import { type Pems, responderCpu, startResponder } from './responder.ts';

const GROUP = 'rollout';
const SET = 'rollout';
const LINKED_PROVIDER = 'windc-declared';
/** What a rollout needs per device: one session delivers the document, the next reports 60 and hands over the result. */
const SESSIONS_PER_DEVICE = 2;

interface ServerStats {
  cpuMs: number;
  /** Of which in the kernel: system calls (socket and database file I/O) rather than JavaScript and SQLite. */
  sysMs: number;
  rssMb: number;
  maxRssMb: number;
}

/** The child: windc serve on the seeded data dir, answering `stats` with its own CPU time and memory. */
async function serve(dataDir: string, port: number, databaseUrl: string | undefined): Promise<void> {
  const config = resolveServerConfig(
    [
      ...(databaseUrl ? ['--database-url', databaseUrl] : []),
      '--listen',
      `127.0.0.1:${port}`,
      '--data-dir',
      dataDir,
      '--public-url',
      `https://127.0.0.1:${port}`,
      '--log-level',
      'warn',
    ],
    {},
  );
  const server = await startServer(config, { logger: false });
  process.once('SIGINT', () => void server.close().then(() => process.exit(0)));
  let maxRss = process.memoryUsage.rss();
  setInterval(() => (maxRss = Math.max(maxRss, process.memoryUsage.rss())), 500).unref();
  process.on('message', (m: string) => {
    if (m !== 'stats') return;
    const u = process.cpuUsage();
    const rss = process.memoryUsage.rss();
    maxRss = Math.max(maxRss, rss);
    process.send?.({
      cpuMs: (u.user + u.system) / 1000,
      sysMs: u.system / 1000,
      rssMb: rss / 2 ** 20,
      maxRssMb: maxRss / 2 ** 20,
    });
  });
  process.send?.('ready');
}

/** `count` devices through `one`, `concurrency` at a time, with progress every 10 s. */
async function drive(
  count: number,
  concurrency: number,
  one: (i: number) => Promise<{ sessions: number; ok: boolean }>,
): Promise<{ sessions: number; failed: number }> {
  const w0 = performance.now();
  let next = 0;
  let sessions = 0;
  let failed = 0;
  let done = 0;
  const progress = setInterval(() => {
    const s = (performance.now() - w0) / 1000;
    console.log(`  ${s.toFixed(0)} s: ${done} devices done, ${sessions} sessions, ${failed} failed`);
  }, 10_000);
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const r = await one(next++).catch(() => ({ sessions: 0, ok: false }));
        sessions += r.sessions;
        done++;
        if (!r.ok) failed++;
      }
    }),
  );
  clearInterval(progress);
  return { sessions, failed };
}

interface Seeded {
  devIds: string[];
  keyPem: string;
  certs: string[];
  caPem: string;
  /** A server certificate from the same CA, for the baseline's responder. */
  responder: Pems;
}

/** N devices with an active WinDC enrollment and a windc-issued certificate, all in one static group. */
async function seed(dataDir: string, n: number, databaseUrl: string | undefined): Promise<Seeded> {
  const { ca } = await loadOrCreateCa({ dataDir });
  const store = await openStore({ dataDir, databaseUrl, env: {} });
  // One EC key certified for every device: what differs per device is its certificate and its TLS connection.
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyPem = keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const spki = keys.publicKey.export({ format: 'der', type: 'spki' });
  const devIds: string[] = [];
  const certs: string[] = [];
  await store.assignments.putGroup(GROUP, 'every device of the rollout benchmark');
  await store.assignments.putSet(SET);
  await store.assignments.assign(SET, { group: GROUP });
  for (let start = 0; start < n; start += 500) {
    const batch = Array.from({ length: Math.min(500, n - start) }, () => randomBytes(16).toString('hex').toUpperCase());
    const issued = await Promise.all(
      batch.map((deviceId) => ca.issueClientCertificate({ publicKey: spki, deviceId, validityDays: 2 })),
    );
    await store.transaction(async (tx) => {
      const pks: number[] = [];
      for (const [i, deviceId] of batch.entries()) {
        const e = await tx.devices.enroll({ deviceId, kind: 'linked', context: { OSVersion: '10.0.26100.1' } });
        pks.push(e.devicePk);
        const c = issued[i]!;
        await tx.certificates.record({
          serial: c.serial.toLowerCase(),
          thumbprint: c.thumbprint.toLowerCase(),
          subject: c.subject,
          notBefore: c.notBefore.getTime(),
          notAfter: c.notAfter.getTime(),
          enrollmentId: e.id,
        });
      }
      await tx.assignments.addToGroup(GROUP, pks);
    });
    devIds.push(...batch);
    certs.push(...issued.map((c) => c.pem));
    if (n >= 20_000 && (start / 500) % 20 === 19) process.stdout.write(`  seeded ${start + 500}\n`);
  }
  await store.close();
  const serverCert = await ca.issueServerCertificate({ publicKey: spki, hostnames: ['127.0.0.1'], validityDays: 2 });
  return { devIds, keyPem, certs, caPem: ca.certPem, responder: { key: keyPem, cert: serverCert.pem, ca: ca.certPem } };
}

function adminCall(url: string, caPem: string, token: string, method: string, path: string, body?: unknown) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise<Record<string, unknown>>((resolve, reject) => {
    const req = request(
      new URL(`/api/v1${path}`, url),
      {
        method,
        ca: caPem,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          if ((res.statusCode ?? 0) >= 400) reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
          else resolve(JSON.parse(text) as Record<string, unknown>);
        });
      },
    );
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

async function main(): Promise<void> {
  if (process.argv[2] === '--serve') {
    return serve(process.argv[3] as string, Number(process.argv[4]), process.argv[5] || undefined);
  }
  const { values } = parseArgs({
    options: {
      devices: { type: 'string', default: '10000' },
      concurrency: { type: 'string', default: '96' },
      baseline: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'database-url': { type: 'string' },
      servers: { type: 'string', default: '1' },
    },
  });
  const serverCount = Number(values.servers);
  if (!Number.isInteger(serverCount) || serverCount < 1) throw new Error('--servers takes a positive whole number');
  if (serverCount > 1 && !values['database-url']) {
    throw new Error('--servers above 1 needs --database-url: SQLite serves one process');
  }
  const n = Number(values.devices);
  const concurrency = Number(values.concurrency);
  const baselineN = values.baseline === undefined ? Math.min(n, 2000) : Number(values.baseline);
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error('--devices and --concurrency take positive whole numbers');
  }
  if (!Number.isInteger(baselineN) || baselineN < 0 || baselineN > n) {
    throw new Error('--baseline takes a whole number from 0 to --devices');
  }
  const dataDir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'windc-bench-rollout-'));
  const firstPort = 20_000 + Math.floor(Math.random() * 20_000);
  const ports = Array.from({ length: serverCount }, (_, k) => firstPort + k);
  const urls = ports.map((p) => `https://127.0.0.1:${p}`);
  const url = urls[0] as string;
  const database = values['database-url'] ? await createDatabase(values['database-url']) : undefined;
  console.log(
    `rollout of one document to ${n} emulated devices, ${concurrency} in session at once, ` +
      (database ? `${serverCount} windc process(es) on PostgreSQL (${database.name})` : 'windc on SQLite'),
  );
  const t0 = performance.now();
  const seeded = await seed(dataDir, n, database?.url);
  console.log(`  seeded ${n} WinDC enrollments in ${((performance.now() - t0) / 1000).toFixed(1)} s (not timed)`);

  // One after the other: the first makes the admin token and TLS material in the shared data dir.
  const children: ChildProcess[] = [];
  for (const port of ports) children.push(await startServe(dataDir, port, database?.url));
  const stats = async (): Promise<ServerStats> => {
    const all = await Promise.all(
      children.map(
        (child) =>
          new Promise<ServerStats>((resolve) => {
            child.once('message', (m) => resolve(m as ServerStats));
            child.send('stats');
          }),
      ),
    );
    return all.reduce((t, s) => ({
      cpuMs: t.cpuMs + s.cpuMs,
      sysMs: t.sysMs + s.sysMs,
      rssMb: t.rssMb + s.rssMb,
      maxRssMb: t.maxRssMb + s.maxRssMb,
    }));
  };
  const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();

  const transport = new HttpTransport({ idleTimeoutMs: 2000 });
  const base = mkdtempSync(join(tmpdir(), 'windc-bench-devices-'));
  /**
   * One device's whole part: open it, sessions until windc has nothing more to send it, close it. With `exactly`
   * (the baseline), that many sessions whatever the server answers.
   */
  async function rollOut(i: number, serverUrl: string, exactly?: number): Promise<{ sessions: number; ok: boolean }> {
    const client = await DeviceClient.open(join(base, `${exactly === undefined ? '' : 'b'}${i}`), {
      transport,
      persist: false,
      trustedCaPems: [seeded.caPem],
      systemRoots: false,
      device: { identity: { devId: seeded.devIds[i] as string }, delays: { queueMs: 0, applyMs: 0 } },
      retry: { connRetries: 3, initialBackoffMs: 50, maxBackoffMs: 500 },
    });
    try {
      const account = client.device.addAccount({ kind: 'windc', providerId: LINKED_PROVIDER, serverUrl });
      const tlsDir = EnrollmentStore.tlsDirFor(account.id, false);
      await client.store.writeTls(tlsDir, { key: seeded.keyPem, cert: seeded.certs[i] as string, ca: seeded.caPem });
      await client.store.put({
        accountId: account.id,
        serverUrl,
        authPolicy: 'bench',
        tlsDir,
        sessionCount: 0,
        enrolledAt: 0,
      });
      let sessions = 0;
      for (;;) {
        // Once the device holds the document in a final state, the session that follows is the one in which
        // windc fetches the result: after it, windc has everything.
        const settled = client.device.declared.docs.list(account.id).some((d) => d.state === 60);
        const r = await client.sync(account.id);
        sessions++;
        await client.device.idle();
        if (!r.ok) return { sessions, ok: false };
        if (exactly !== undefined) {
          if (sessions >= exactly) return { sessions, ok: true };
          continue;
        }
        if ((settled && r.commands > 0) || r.commands === 0) return { sessions, ok: true };
        if (sessions >= 6) return { sessions, ok: false };
      }
    } finally {
      await client.close();
    }
  }

  /** A share of the baseline: `count` devices from `offset`, against the responder. */
  const responder = baselineN > 0 ? await startResponder(seeded.responder) : undefined;
  async function baseline(offset: number, count: number) {
    const responderUrl = `https://127.0.0.1:${responder!.port}/ManagementServer/MDM.svc`;
    const r0 = await responderCpu(responder!.child);
    const c = process.cpuUsage();
    const w = performance.now();
    const b = await drive(count, concurrency, (i) => rollOut(offset + i, responderUrl, SESSIONS_PER_DEVICE));
    const wallS = (performance.now() - w) / 1000;
    const u = process.cpuUsage(c);
    const rMs = ((await responderCpu(responder!.child)) - r0) / 1000;
    console.log(
      `  ${count} devices in ${wallS.toFixed(1)} s: ${(count / wallS).toFixed(0)} devices/s (${b.failed} failed); responder CPU ${(rMs / count).toFixed(2)} ms, emulator CPU ${((u.user + u.system) / 1000 / count).toFixed(2)} ms per device`,
    );
    return { count, wallS, emuMs: (u.user + u.system) / 1000, rMs };
  }
  const firstHalf = Math.ceil(baselineN / 2);
  if (responder) console.log(`baseline before: ${SESSIONS_PER_DEVICE} sessions per device against a trivial responder`);
  const b1 = responder ? await baseline(0, firstHalf) : undefined;

  const before = await stats();
  const pg0 = database ? postgresCpuMs() : 0;
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const doc = (await adminCall(url, seeded.caPem, token, 'POST', '/documents', {
    name: 'rollout',
    scenario: 'MSFTExtensibilityMIProviderConfig',
    dsc: [
      {
        namespace: 'root/Microsoft/Windows/DesiredStateConfiguration',
        className: 'MSFT_FileDirectoryConfiguration',
        keys: { DestinationPath: 'C:\\Temp\\windc\\rollout.txt' },
        values: { Contents: 'rolled out by windc' },
      },
    ],
  })) as { document: { id: string } };
  const docId = doc.document.id;
  await adminCall(url, seeded.caPem, token, 'PUT', `/sets/${SET}/documents/${docId}`);

  const { sessions, failed } = await drive(n, concurrency, (i) =>
    rollOut(i, `${urls[i % urls.length]}/ManagementServer/MDM.svc`),
  );
  let rollup: { counts: Record<string, number> } = { counts: {} };
  for (;;) {
    rollup = (await adminCall(url, seeded.caPem, token, 'GET', `/documents/${docId}`)) as typeof rollup &
      Record<string, unknown>;
    const r = rollup as unknown as { rollup: { counts: Record<string, number> } };
    if ((r.rollup.counts.compliant ?? 0) >= n || performance.now() - w0 > 3_600_000) {
      rollup = r.rollup;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const wall = (performance.now() - w0) / 1000;
  const emu = process.cpuUsage(c0);
  const after = await stats();
  const pgMs = database ? postgresCpuMs() - pg0 : 0;
  const compliant = rollup.counts.compliant ?? 0;
  const serverMs = after.cpuMs - before.cpuMs;
  const emuMs = (emu.user + emu.system) / 1000;
  console.log(
    `  all ${compliant} compliant with results fetched in ${wall.toFixed(1)} s: ${(n / wall).toFixed(0)} devices/s`,
  );
  console.log(`  sessions      ${sessions} (${failed} devices failed), ${(sessions / wall).toFixed(0)}/s`);
  console.log(
    `  server        CPU ${(serverMs / 1000).toFixed(1)} s, ${(serverMs / n).toFixed(2)} ms per device (${(serverMs / 10 / wall).toFixed(0)}% of one core, ${((100 * (after.sysMs - before.sysMs)) / serverMs).toFixed(0)}% in the kernel), RSS ${after.rssMb.toFixed(0)} MB (peak ${after.maxRssMb.toFixed(0)} MB)` +
      (serverCount > 1 ? `, ${serverCount} processes together` : ''),
  );
  if (database) {
    console.log(
      `  PostgreSQL    CPU ${(pgMs / 1000).toFixed(1)} s, ${(pgMs / n).toFixed(2)} ms per device (${(pgMs / 10 / wall).toFixed(0)}% of one core)`,
    );
  }
  console.log(
    `  emulator      CPU ${(emuMs / 1000).toFixed(1)} s, ${(emuMs / n).toFixed(2)} ms per device, RSS ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MB`,
  );
  console.log(`  counts        ${JSON.stringify(rollup.counts)}`);
  await Promise.all(children.map(stopServe));
  await database?.drop();

  if (responder && b1) {
    if (Math.round(sessions / n) !== SESSIONS_PER_DEVICE) {
      console.log(
        `  (the rollout averaged ${(sessions / n).toFixed(2)} sessions per device, not ${SESSIONS_PER_DEVICE})`,
      );
    }
    console.log('baseline after:');
    const b2 = await baseline(firstHalf, baselineN - firstHalf);
    responder.child.kill();
    const count = b1.count + b2.count;
    const rate = count / (b1.wallS + b2.wallS);
    const drift = Math.abs(b1.count / b1.wallS - b2.count / b2.wallS) / rate;
    console.log(
      `rollout/baseline: ${(n / wall / rate).toFixed(2)} of the baseline's ${rate.toFixed(0)} devices/s${drift > 0.25 ? ` (its halves differ by ${(drift * 100).toFixed(0)}%: the machine's load changed during the run)` : ''}`,
    );
    console.log(
      `  server CPU ${(serverMs / n / ((b1.rMs + b2.rMs) / count)).toFixed(1)}× the responder's per device, emulator CPU ${(emuMs / n / ((b1.emuMs + b2.emuMs) / count)).toFixed(1)}× its baseline's`,
    );
  }
  transport.close();
  if (!values.keep) {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(base, { recursive: true, force: true });
  } else console.log(`  data dir      ${dataDir}`);
}

/** A `windc serve` child on `port`, resolved once it answers. */
async function startServe(dataDir: string, port: number, databaseUrl: string | undefined): Promise<ChildProcess> {
  const child = fork(new URL(import.meta.url).pathname, ['--serve', dataDir, String(port), databaseUrl ?? ''], {
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : []),
      ...(process.env.BENCH_PRELOAD ? ['--import', process.env.BENCH_PRELOAD] : []),
    ],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`windc serve exited with ${code}`)));
  });
  return child;
}

/** SIGINT (the child closes its server and exits), and wait for the exit so its pool releases the database. */
function stopServe(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGINT');
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
