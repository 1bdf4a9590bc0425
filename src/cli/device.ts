/**
 * `windc device`: one emulated Windows device living in a directory. Wiring only: the device is
 * src/device/client.ts, the status report src/cli/device-status.ts.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { DeviceClient, type DeviceClientOptions } from '../device/client.ts';
import { describeHResult, hex, hresultOf } from '../device/hresult.ts';
import { TokenIssuer } from '../device/issuer.ts';
import { HttpTransport } from '../device/net/transport.ts';
import type { SessionResult } from '../device/omadm/session.ts';
import { tamper } from '../device/tamper.ts';
import { deviceStatus, renderStatus } from './device-status.ts';

const USAGE = `usage: windc device <command> --dir DIR [options]

An emulated Windows device kept in DIR (created on first use): device.json, the CSP tree, documents, sandbox/,
key.pem/cert.pem/ca.pem of its enrollment, enrollments.json (see src/device/README.md).

commands:
  enroll --server URL --secret S     enroll into windc as the primary MDM (classic discovery, XCEP, WSTEP),
                                     then run the post-enrollment session
  link [--discovery URL]             what the primary's Exec of LinkedEnrollment/Enroll triggers: WinDC discovery
                                     and enrollment, then the new account's first session
  sync [--account ID]                one OMA-DM session now (the WinDC account by default)
  status [--json]                    identity, accounts, enrollments, documents
  tamper [--doc ID] [--delete]       change what applied documents configured, so a refresh finds drift;
         [--refresh]                 --refresh runs the refresh task afterwards
  unenroll [--account ID]            the user removes the work account: a session with Alert 1226, then removal
  run                                stay online: poll on the DMClient schedule, sync when the device asks
  faults JSON|--clear                set the fault injection of device.json (providers, delays, network)
  issuer --issuer DIR [--tenant T]   create or show a local Entra token issuer and the serve flags trusting it

options:
  --dir DIR              the device directory
  --email ADDR           the work account typed at enrollment (default user@<server host>)
  --issuer DIR           local Entra issuer for Federated auth [WINDC_ISSUER]
  --registered           the device is Entra registered (WinDC uses the parent certificate), not joined
  --upn UPN              the signed-in user's UPN (sent when discovery answers UPNRequired)
  --ca FILE              trust this CA for servers' TLS certificates (e.g. <data-dir>/ca.pem)
  --insecure             do not verify servers' TLS certificates
  --large-objects MODE   abort (Windows 26200, default) or chunk: what to do with Results over MaxMsgSize
  --no-sync              do not run the session that follows an enrollment
  --trace                print every message sent and received to stderr
  --json                 machine-readable output (status, sync)

exit codes: 0 done, 1 failed (enrollment refused, session failed), 2 usage`;

const OPTIONS = {
  dir: { type: 'string' },
  server: { type: 'string' },
  secret: { type: 'string' },
  email: { type: 'string' },
  discovery: { type: 'string' },
  issuer: { type: 'string' },
  tenant: { type: 'string' },
  registered: { type: 'boolean' },
  upn: { type: 'string' },
  ca: { type: 'string', multiple: true },
  insecure: { type: 'boolean' },
  account: { type: 'string' },
  doc: { type: 'string' },
  delete: { type: 'boolean' },
  refresh: { type: 'boolean' },
  clear: { type: 'boolean' },
  'large-objects': { type: 'string' },
  'no-sync': { type: 'boolean' },
  trace: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

class UsageError extends Error {}

export async function run(argv: string[]): Promise<number> {
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (e) {
    console.error(`windc device: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  try {
    if (command === 'issuer') return await issuer(values);
    return await withDevice(command, rest, values);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`windc device ${command}: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    const hr = hresultOf(e, 0);
    console.error(`windc device ${command}: ${(e as Error).message}${hr ? ` (${hex(hr)})` : ''}`);
    return 1;
  }
}

async function withDevice(command: string, rest: string[], v: Values): Promise<number> {
  const known = ['enroll', 'link', 'sync', 'status', 'tamper', 'unenroll', 'run', 'faults'];
  if (!known.includes(command)) throw new UsageError(`unknown command '${command}'`);
  if (!v.dir) throw new UsageError('--dir is required');
  const largeObjects = v['large-objects'] ?? 'abort';
  if (largeObjects !== 'abort' && largeObjects !== 'chunk') throw new UsageError('--large-objects is abort or chunk');
  const transport = new HttpTransport({ insecure: v.insecure ?? false });
  const issuerDir = v.issuer ?? process.env.WINDC_ISSUER;
  const opts: DeviceClientOptions = {
    transport,
    trustedCaPems: (v.ca ?? []).map((f) => readFileSync(f, 'utf8')),
    largeObjects,
    autoSync: command !== 'status' && command !== 'faults' && !v['no-sync'],
    onSession: (account, r) => {
      if (!v.json) console.log(sessionLine(decodeURIComponent(account.providerId), r));
    },
  };
  if (issuerDir) opts.issuer = await TokenIssuer.open(issuerDir);
  if (v.trace)
    opts.trace = (direction, what, body) => console.error(`${direction === 'out' ? '>>' : '<<'} ${what}\n${body}\n`);
  const client = await DeviceClient.open(v.dir, opts);
  try {
    switch (command) {
      case 'enroll':
        return await enroll(client, v);
      case 'link':
        return await link(client, v);
      case 'sync': {
        const r = await client.sync(v.account);
        await client.idle();
        if (v.json) console.log(JSON.stringify(sessionJson(r)));
        return r.ok ? 0 : 1;
      }
      case 'status': {
        const s = await deviceStatus(client);
        console.log(v.json ? JSON.stringify(s, null, 2) : renderStatus(s));
        return 0;
      }
      case 'tamper':
        return await tamperCommand(client, v);
      case 'unenroll': {
        const id = v.account ?? client.defaultAccount()?.id;
        if (!id) throw new Error('this device has no enrollment to remove');
        const r = await client.unenroll(id);
        console.log(`account ${id} removed`);
        return r.ok ? 0 : 1;
      }
      case 'faults':
        return faults(client, rest, v);
      default:
        return await online(client);
    }
  } finally {
    await client.close();
    transport.close();
  }
}

async function enroll(client: DeviceClient, v: Values): Promise<number> {
  if (!v.server) throw new UsageError('--server is required');
  const secret = v.secret ?? process.env.WINDC_ENROLL_SECRET;
  if (!secret) throw new UsageError('--secret is required (or WINDC_ENROLL_SECRET)');
  if (client.primary()) throw new Error(`${client.device.dir} is already enrolled; unenroll it first`);
  await client.ensureEntra({ joinType: v.registered ? 'registered' : 'joined', ...(v.upn ? { upn: v.upn } : {}) });
  const email = v.email ?? `user@${new URL(v.server).hostname || hostname()}`;
  const account = await client.enroll({ server: v.server, email, secret });
  console.log(
    `enrolled: account ${account.id}, ProviderID ${decodeURIComponent(account.providerId)}, server ${account.serverUrl}`,
  );
  if (v['no-sync']) return 0;
  return (await client.sync(account.id)).ok ? 0 : 1;
}

async function link(client: DeviceClient, v: Values): Promise<number> {
  await client.ensureEntra({ joinType: v.registered ? 'registered' : 'joined', ...(v.upn ? { upn: v.upn } : {}) });
  const out = await client.link(v.discovery);
  const err = `${hex(out.lastError)} ${describeHResult(out.lastError)}`;
  if (!out.account) {
    console.error(`linked enrollment failed: EnrollStatus ${out.enrollStatus}, LastError ${err}`);
    return 1;
  }
  console.log(
    `linked enrollment succeeded: account ${out.account.id}, ProviderID ${decodeURIComponent(out.account.providerId)}`,
  );
  if (v['no-sync']) return 0;
  // The post-enrollment session was started by the enrollment itself (autoSync); wait for it.
  await client.idle();
  return client.store.get(out.account.id)?.lastSession?.ok === false ? 1 : 0;
}

async function tamperCommand(client: DeviceClient, v: Values): Promise<number> {
  const actions = await tamper(client.device, { ...(v.doc ? { docId: v.doc } : {}), remove: v.delete ?? false });
  for (const a of actions) console.log(`tampered ${a.docId}: ${a.target}: ${a.change}`);
  if (actions.length === 0) console.log('nothing to tamper with: no applied configuration document');
  if (v.refresh) {
    await client.device.refreshNow();
    await client.idle();
    console.log('refresh task ran');
  }
  return 0;
}

function faults(client: DeviceClient, rest: string[], v: Values): number {
  if (v.clear) {
    client.device.configureFaults({});
  } else if (rest[0]) {
    try {
      client.device.configureFaults(JSON.parse(rest[0]));
    } catch (e) {
      throw new UsageError(`faults takes a JSON object: ${(e as Error).message}`);
    }
  }
  console.log(JSON.stringify(client.device.faults.current, null, 2));
  return 0;
}

/** `run`: polls and answers the device's own sync requests until SIGINT or SIGTERM. */
async function online(client: DeviceClient): Promise<number> {
  client.startPolling();
  const next = client.device.accountList().map((a) => [a, client.nextPoll(a.id)] as const);
  for (const [a, at] of next)
    if (at) console.log(`${decodeURIComponent(a.providerId)}: next poll ${new Date(at).toISOString()}`);
  await new Promise<void>((resolve) => {
    const keepAlive = setInterval(() => {}, 1 << 30);
    const stop = () => {
      clearInterval(keepAlive);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

async function issuer(v: Values): Promise<number> {
  const dir = v.issuer ?? process.env.WINDC_ISSUER;
  if (!dir) throw new UsageError('--issuer DIR is required');
  const iss = await TokenIssuer.open(dir, v.tenant ? { tenantId: v.tenant } : {});
  if (v.json) {
    console.log(
      JSON.stringify({ tenantId: iss.tenantId, issuer: iss.issuer, jwks: iss.jwksPath, serveFlags: iss.serveFlags() }),
    );
  } else {
    console.log(
      `tenant ${iss.tenantId}\nissuer ${iss.issuer}\nJWKS   ${iss.jwksPath}\n\nwindc serve ${iss.serveFlags().join(' ')}`,
    );
  }
  return 0;
}

function sessionJson(r: SessionResult) {
  return {
    sessionId: r.sessionId,
    end: r.end,
    ok: r.ok,
    messages: r.messages,
    commands: r.commands,
    ms: Math.round(r.durationMs),
    ...(r.error ? { error: r.error.message } : {}),
  };
}

function sessionLine(provider: string, r: SessionResult): string {
  const what = r.ok ? r.end : `failed: ${r.error?.message ?? 'unknown error'}`;
  return `session ${r.sessionId} with ${provider}: ${what}, ${r.messages} messages, ${r.commands} commands, ${Math.round(r.durationMs)} ms`;
}
