/**
 * `windc fleet`: N emulated devices against one server, with a live line and a final summary. Wiring only; the
 * fleet is src/device/fleet/.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { FaultConfig } from '../device/faults.ts';
import { liveLine, renderSummary, snapshot, summarize } from '../device/fleet/report.ts';
import { Fleet, type FleetOptions } from '../device/fleet/runner.ts';
import { TokenIssuer } from '../device/issuer.ts';

const USAGE = `usage: windc fleet --devices N --server URL --secret S [options]

Runs N emulated Windows devices in this process against the windc server at URL (and nowhere else): each
enrolls with the enrollment secret and runs its first session; with --duration or --sessions, sessions go on
round-robin until the bound. Prints a live line to stderr and a summary (rates, latency percentiles, devices
per state, the emulator's own CPU) at the end.

options:
  --devices N               how many devices (required)
  --server URL              the windc server's base URL (required)
  --secret S                an enrollment secret [WINDC_ENROLL_SECRET]
  --duration SECONDS        stop starting work after this long
  --sessions N              stop after N sessions in all, first sessions included
  --concurrency N           devices enrolling at once (default 32)
  --session-concurrency N   sessions at once after enrollment (default 64)
  --keys N                  RSA keys to generate and share between devices (default 8)
  --link URL                also run the WinDC linked enrollment at this discovery URL (needs --issuer)
  --issuer DIR              local Entra token issuer for the linked enrollment [WINDC_ISSUER]
  --ca FILE                 trust this CA for the server's TLS certificate (e.g. <data-dir>/ca.pem)
  --insecure                do not verify the server's TLS certificate
  --faults JSON             fault injection for every device, e.g. '{"network":{"dropResponseRate":0.01}}'
  --server-pid PID          the server's process on this machine: its CPU per session is printed beside
                            the emulator's (Linux /proc)
  --json                    print the summary as JSON
  --dir DIR                 where device sandboxes go (default: a temporary directory, removed at the end)

The server throttles enrollment per client address by default (--enroll-rate); the fleet obeys its Retry-After,
so for a fast run start the server with --enroll-rate 0.`;

const OPTIONS = {
  devices: { type: 'string' },
  server: { type: 'string' },
  secret: { type: 'string' },
  duration: { type: 'string' },
  sessions: { type: 'string' },
  concurrency: { type: 'string' },
  'session-concurrency': { type: 'string' },
  keys: { type: 'string' },
  link: { type: 'string' },
  issuer: { type: 'string' },
  ca: { type: 'string', multiple: true },
  insecure: { type: 'boolean' },
  faults: { type: 'string' },
  json: { type: 'boolean' },
  'server-pid': { type: 'string' },
  dir: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function count(name: string, v: string | undefined, min = 1): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number of at least ${min}`);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  let opts: FleetOptions;
  let json: boolean;
  try {
    const { values: v } = parseArgs({ args: argv, options: OPTIONS, strict: true });
    if (v.help) {
      console.log(USAGE);
      return 0;
    }
    const devices = count('devices', v.devices);
    const secret = v.secret ?? process.env.WINDC_ENROLL_SECRET;
    if (!devices || !v.server || !secret) throw new Error('--devices, --server and --secret are required');
    const origin = new URL(v.server).origin;
    if (v.link && new URL(v.link).origin !== origin) throw new Error('--link must be on the --server origin');
    const issuerDir = v.issuer ?? process.env.WINDC_ISSUER;
    if (v.link && !issuerDir) throw new Error('--link needs --issuer for the devices’ Entra tokens');
    opts = {
      devices,
      server: v.server,
      secret,
      trustedCaPems: (v.ca ?? []).map((f) => readFileSync(f, 'utf8')),
      insecure: v.insecure ?? false,
    };
    const duration = count('duration', v.duration);
    const sessions = count('sessions', v.sessions);
    const concurrency = count('concurrency', v.concurrency);
    const sessionConcurrency = count('session-concurrency', v['session-concurrency']);
    const keys = count('keys', v.keys);
    if (duration !== undefined) opts.durationMs = duration * 1000;
    if (sessions !== undefined) opts.sessions = sessions;
    if (concurrency !== undefined) opts.enrollConcurrency = concurrency;
    if (sessionConcurrency !== undefined) opts.sessionConcurrency = sessionConcurrency;
    if (keys !== undefined) opts.keyPoolSize = keys;
    const serverPid = count('server-pid', v['server-pid']);
    if (serverPid !== undefined) opts.serverPid = serverPid;
    if (v.faults) opts.faults = JSON.parse(v.faults) as FaultConfig;
    if (v.dir) opts.baseDir = v.dir;
    if (v.link) opts.linkDiscovery = v.link;
    if (issuerDir) opts.issuer = await TokenIssuer.open(issuerDir);
    json = v.json ?? false;
  } catch (e) {
    console.error(`windc fleet: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }

  const fleet = new Fleet(opts);
  const tty = process.stderr.isTTY === true;
  let prev = snapshot(fleet.stats);
  let ticks = 0;
  const timer = setInterval(() => {
    ticks++;
    // A terminal gets a line rewritten every second; a log file one line every five seconds.
    if (!tty && ticks % 5 !== 0) return;
    const now = snapshot(fleet.stats);
    const line = liveLine(fleet.stats, opts.devices, prev, now);
    process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
    prev = now;
  }, 1000);
  const stop = () => fleet.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await fleet.run();
  } finally {
    clearInterval(timer);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    if (tty) process.stderr.write('\n');
  }
  const summary = summarize(fleet.stats, opts.devices);
  console.log(
    json ? JSON.stringify({ ...summary, steady: fleet.steady ?? null }, null, 2) : renderSummary(summary, fleet.steady),
  );
  return fleet.stats.enrollFailures + fleet.stats.sessionFailures === 0 ? 0 : 1;
}
