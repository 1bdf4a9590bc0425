// `windc device` as a person or a script uses it, against a real windc serve.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run } from '../../../src/cli/device.ts';
import { TokenIssuer } from '../../../src/device/issuer.ts';
import { startWindc, type Windc } from './support.ts';

/** Runs the command in-process and returns its exit code and what it printed. */
async function windcDevice(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => out.push(a.join(' '));
  console.error = (...a: unknown[]) => err.push(a.join(' '));
  try {
    const code = await run(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe('windc device', () => {
  let windc: Windc;
  const tmp = mkdtempSync(join(tmpdir(), 'windc-cli-'));
  const dir = join(tmp, 'device');
  const issuerDir = join(tmp, 'issuer');
  const caFile = join(tmp, 'ca.pem');
  let issuer: TokenIssuer;

  before(async () => {
    issuer = await TokenIssuer.open(issuerDir);
    windc = await startWindc(issuer.serveFlags());
    writeFileSync(caFile, windc.caPem);
  });
  after(async () => {
    await windc.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('enroll: primary enrollment with the secret, then status --json describes it', async () => {
    const r = await windcDevice(
      'enroll',
      '--server',
      windc.url,
      '--secret',
      windc.secret,
      '--dir',
      dir,
      '--ca',
      caFile,
      '--no-sync',
    );
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.out,
      /^enrolled: account [0-9A-F-]{36}, ProviderID windc, server https:\/\/127\.0\.0\.1:\d+\/ManagementServer\/MDM\.svc$/,
    );
    const s = await windcDevice('status', '--dir', dir, '--json');
    assert.equal(s.code, 0);
    const status = JSON.parse(s.out);
    assert.equal(status.accounts.length, 1);
    const [primary] = status.accounts;
    assert.equal(primary.kind, 'primary');
    assert.equal(primary.authPolicy, 'OnPremise');
    assert.equal(primary.certificate.subject, `CN=${status.device.devId}`);
    assert.equal(primary.linkedEnrollment.enrollStatus, 0);
    assert.ok(!s.out.includes('secret'), 'no DM credentials in the status');
    const again = await windcDevice(
      'enroll',
      '--server',
      windc.url,
      '--secret',
      windc.secret,
      '--dir',
      dir,
      '--ca',
      caFile,
    );
    assert.equal(again.code, 1);
    assert.match(again.err, /already enrolled/);
  });

  it('link: the WinDC enrollment beside it, with the local issuer', async () => {
    const r = await windcDevice(
      'link',
      '--dir',
      dir,
      '--discovery',
      `${windc.url}/EnrollmentConfiguration?api-version=1.0`,
      '--issuer',
      issuerDir,
      '--ca',
      caFile,
      '--no-sync',
    );
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^linked enrollment succeeded: account [0-9A-F-]{36}, ProviderID windc-declared$/);
    const status = JSON.parse((await windcDevice('status', '--dir', dir, '--json')).out);
    assert.deepEqual(
      status.accounts.map((a: { kind: string; authPolicy: string }) => [a.kind, a.authPolicy]),
      [
        ['primary', 'OnPremise'],
        ['windc', 'Federated'],
      ],
    );
    assert.equal(status.accounts[0].linkedEnrollment.enrollStatus, 4);
    const text = await windcDevice('status', '--dir', dir);
    assert.match(text.out, /linked {6}EnrollStatus 4, LastError 0x00000000/);
  });

  it('link without a DiscoveryEndpoint reports EnrollStatus 3 and 0x80070002, exit 1', async () => {
    const fresh = join(tmp, 'fresh');
    const r = await windcDevice('link', '--dir', fresh, '--ca', caFile);
    assert.equal(r.code, 1);
    assert.match(r.err, /EnrollStatus 3, LastError 0x80070002 The system cannot find the file specified\./);
  });

  it('faults are kept in device.json; tamper without applied documents changes nothing', async () => {
    const r = await windcDevice('faults', '--dir', dir, '{"network":{"latencyMs":5},"seed":9}');
    assert.equal(r.code, 0);
    const json = JSON.parse(readFileSync(join(dir, 'device.json'), 'utf8'));
    assert.deepEqual(json.settings.faults, { network: { latencyMs: 5 }, seed: 9 });
    assert.equal((await windcDevice('faults', '--dir', dir, '--clear')).code, 0);
    const t = await windcDevice('tamper', '--dir', dir);
    assert.match(t.out, /nothing to tamper with/);
  });

  it('issuer prints the tenant and the serve flags that trust it', async () => {
    const r = await windcDevice('issuer', '--issuer', issuerDir, '--json');
    const out = JSON.parse(r.out);
    assert.equal(out.tenantId, issuer.tenantId);
    assert.deepEqual(out.serveFlags, ['--tenants', issuer.tenantId, '--jwks', join(issuerDir, 'jwks.json')]);
  });

  it('enroll with its post-enrollment session, sync --json, unenroll with Alert 1226', async () => {
    const d2 = join(tmp, 'device2');
    const e = await windcDevice('enroll', '--server', windc.url, '--secret', windc.secret, '--dir', d2, '--ca', caFile);
    assert.equal(e.code, 0, e.err);
    assert.match(e.out, /\nsession 1 with windc: completed, \d+ messages, \d+ commands, \d+ ms$/);
    const s = await windcDevice('sync', '--dir', d2, '--ca', caFile, '--json');
    assert.equal(s.code, 0, s.err);
    const session = JSON.parse(s.out);
    assert.deepEqual([session.sessionId, session.end, session.ok], ['2', 'completed', true]);
    const devId = JSON.parse((await windcDevice('status', '--dir', d2, '--json')).out).device.devId;
    const u = await windcDevice('unenroll', '--dir', d2, '--ca', caFile);
    assert.equal(u.code, 0, u.err);
    const enrollment = await windc.server.context.store.devices.findActiveEnrollment(devId, 'primary');
    assert.equal(enrollment, undefined, 'the server ended the enrollment on the 1226 alert');
    assert.equal(JSON.parse((await windcDevice('status', '--dir', d2, '--json')).out).accounts.length, 0);
  });

  it('usage errors exit 2', async () => {
    assert.equal((await windcDevice()).code, 2);
    assert.equal((await windcDevice('sync')).code, 2);
    assert.equal((await windcDevice('frobnicate', '--dir', dir)).code, 2);
    assert.equal((await windcDevice('enroll', '--dir', dir)).code, 2);
  });
});
