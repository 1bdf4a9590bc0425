// What one emulated session costs the emulator: `npm run bench:fleet`.
//
// A fleet of pre-enrolled devices runs sessions against a trivial OMA-DM responder in a child process (raw TLS,
// client certificates required, Status for the SyncHdr and every command, Final), so the figure is the
// emulator's own CPU and not a server's. Beside it, the same machine's floor: a bare TLS request/response and a
// SyncML parse of package 1, because the absolute numbers depend heavily on the machine.
//
// The responder's own CPU per session is printed beside the emulator's: the two do the same TLS work, so the
// ratio shows what the emulator adds on top. Against a real server, `windc fleet --server-pid PID` prints the
// server's CPU per session beside the emulator's.
//
// BENCH_DEVICES (default 500), BENCH_CONCURRENCY (200), BENCH_SECONDS (10).
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { DeviceClient } from '../src/device/client.ts';
import { EnrollmentStore } from '../src/device/enroll/record.ts';
import { HttpTransport } from '../src/device/net/transport.ts';
import { parseSyncML } from '../src/protocol/syncml/index.ts';
import { CertificateAuthority } from '../src/server/pki/ca.ts';
import { type Pems, responderCpu, startResponder } from './responder.ts';

const DEVICES = Number(process.env.BENCH_DEVICES ?? 500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

async function tlsFloor(port: number, pems: Pems, cert: { key: string; cert: string }): Promise<number> {
  const s = connect({ host: '127.0.0.1', port, ca: [pems.ca], key: cert.key, cert: cert.cert });
  await new Promise((r) => s.once('secureConnect', r));
  s.setNoDelay(true);
  const body = '<SyncML><SyncHdr><MsgID>1</MsgID></SyncHdr><SyncBody>x</SyncBody></SyncML>'.padEnd(1000, ' ');
  const req = `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  const once = () =>
    new Promise<void>((resolve) => {
      let got = '';
      const on = (d: Buffer) => {
        got += d.toString();
        if (got.includes('</SyncML>')) {
          s.off('data', on);
          resolve();
        }
      };
      s.on('data', on);
      s.write(req);
    });
  for (let i = 0; i < 300; i++) await once();
  const c0 = process.cpuUsage();
  const n = 3000;
  for (let i = 0; i < n; i++) await once();
  const u = process.cpuUsage(c0);
  s.destroy();
  return (u.user + u.system) / n;
}

async function main(): Promise<void> {
  const ca = await CertificateAuthority.create('bench CA');
  const serverKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const serverCert = await ca.issueServerCertificate({
    publicKey: serverKeys.publicKey.export({ format: 'der', type: 'spki' }),
    hostnames: ['127.0.0.1'],
    validityDays: 1,
  });
  const pems: Pems = {
    key: serverKeys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    cert: serverCert.pem,
    ca: ca.certPem,
  };
  const { child, port } = await startResponder(pems);
  const url = `https://127.0.0.1:${port}/ManagementServer/MDM.svc`;
  const base = mkdtempSync(join(tmpdir(), 'windc-bench-fleet-'));
  const transport = new HttpTransport();
  // One RSA key certified for every device: what differs per device is its certificate and its TLS connection.
  const deviceKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = deviceKey.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const spki = deviceKey.publicKey.export({ format: 'der', type: 'spki' });
  const clients: DeviceClient[] = [];
  for (let i = 0; i < DEVICES; i++) {
    const c = await DeviceClient.open(join(base, String(i)), {
      transport,
      persist: false,
      trustedCaPems: [pems.ca],
      systemRoots: false,
      device: { delays: { queueMs: 0, applyMs: 0 } },
    });
    const account = c.device.addAccount({ kind: 'primary', providerId: 'windc', serverUrl: url });
    const cert = await ca.issueClientCertificate({
      publicKey: spki,
      deviceId: c.device.identity.devId,
      validityDays: 1,
    });
    const tlsDir = EnrollmentStore.tlsDirFor(account.id, true);
    await c.store.writeTls(tlsDir, { key: keyPem, cert: cert.pem, ca: pems.ca });
    await c.store.put({
      accountId: account.id,
      serverUrl: url,
      authPolicy: 'bench',
      tlsDir,
      sessionCount: 0,
      enrolledAt: 0,
    });
    clients.push(c);
  }
  // Every device once, so connections and JIT are warm before measuring.
  for (const c of clients) await c.sync();
  let sessions = 0;
  let failures = 0;
  let turn = 0;
  const busy = new Set<DeviceClient>();
  const r0 = await responderCpu(child);
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const until = w0 + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        const c = clients[turn++ % clients.length] as DeviceClient;
        if (busy.has(c)) continue;
        busy.add(c);
        const r = await c.sync();
        busy.delete(c);
        sessions++;
        if (!r.ok) failures++;
      }
    }),
  );
  const u = process.cpuUsage(c0);
  const wall = (performance.now() - w0) / 1000;
  const responderPerSession = ((await responderCpu(child)) - r0) / sessions;
  const perSession = (u.user + u.system) / sessions;
  const floorCert = await ca.issueClientCertificate({ publicKey: spki, deviceId: 'floor', validityDays: 1 });
  const floor = await tlsFloor(port, pems, { key: keyPem, cert: floorCert.pem });
  const parseRate = (() => {
    const xml = `<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>https://s/x</LocURI></Target><Source><LocURI>D</LocURI></Source></SyncHdr><SyncBody><Status><CmdID>1</CmdID><MsgRef>1</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status><Final/></SyncBody></SyncML>`;
    for (let i = 0; i < 2000; i++) parseSyncML(xml);
    const t = performance.now();
    for (let i = 0; i < 20000; i++) parseSyncML(xml);
    return (performance.now() - t) / 20;
  })();
  console.log(`node ${process.version}; ${DEVICES} devices, ${CONCURRENCY} sessions at once, ${SECONDS} s`);
  console.log(`  sessions            ${sessions} (${failures} failed), ${(sessions / wall).toFixed(0)}/s`);
  console.log(
    `  emulator CPU        ${perSession.toFixed(0)} µs per session: one core carries ${Math.floor(1e6 / perSession)} sessions/s`,
  );
  console.log(
    `  responder CPU       ${responderPerSession.toFixed(0)} µs per session (the trivial server; emulator/responder ${(perSession / responderPerSession).toFixed(2)})`,
  );
  console.log(
    `  machine floor       ${floor.toFixed(0)} µs CPU for a bare TLS request/response on a kept-alive socket`,
  );
  console.log(`                      ${parseRate.toFixed(0)} µs to parse a Status-only SyncML message`);
  child.kill();
  transport.close();
  await Promise.all(clients.map((c) => c.close()));
  rmSync(base, { recursive: true, force: true });
}

await main();
