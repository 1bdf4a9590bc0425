// A fleet of a few dozen emulated devices against a real windc serve in this process: enrollment, first
// sessions, steady sessions, the linked WinDC enrollment, and the CLI's summary.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run } from '../../../src/cli/fleet.ts';
import { Fleet } from '../../../src/device/fleet/runner.ts';
import { TokenIssuer } from '../../../src/device/issuer.ts';
import { startWindc, type Windc } from './support.ts';

const FAST = { connRetries: 2, initialBackoffMs: 10, maxBackoffMs: 20 };

describe('windc fleet against windc serve', () => {
  let windc: Windc;
  let issuer: TokenIssuer;
  const tmp = mkdtempSync(join(tmpdir(), 'windc-fleet-test-'));
  before(async () => {
    issuer = await TokenIssuer.open(join(tmp, 'issuer'));
    windc = await startWindc(issuer.serveFlags());
  });
  after(async () => {
    await windc.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('enrolls every device, runs a first session for each, then keeps going to the session bound', async () => {
    const fleet = new Fleet({
      devices: 24,
      server: windc.url,
      secret: windc.secret,
      trustedCaPems: [windc.caPem],
      enrollConcurrency: 8,
      sessionConcurrency: 8,
      sessions: 60,
      keyPoolSize: 2,
      retry: FAST,
    });
    const stats = await fleet.run();
    assert.equal(stats.enrolled, 24);
    assert.equal(stats.enrollFailures, 0, JSON.stringify([...stats.errors]));
    assert.equal(stats.sessions, 60, 'the bound is met exactly');
    assert.equal(stats.sessionFailures, 0, JSON.stringify([...stats.errors]));
    assert.equal(stats.states.get('synced'), 24);
    assert.equal(stats.sessionLatency.count, 60);
    assert.ok(stats.sessionLatency.percentile(0.5) <= stats.sessionLatency.percentile(0.99));
    assert.equal(fleet.steady?.sessions, 36, 'the sessions after the first one of each device');
  });

  it('with --link every device also enrolls in WinDC and syncs that account', async () => {
    const fleet = new Fleet({
      devices: 6,
      server: windc.url,
      secret: windc.secret,
      trustedCaPems: [windc.caPem],
      linkDiscovery: `${windc.url}/EnrollmentConfiguration?api-version=1.0`,
      issuer,
      enrollConcurrency: 3,
      keyPoolSize: 1,
      retry: FAST,
    });
    const stats = await fleet.run();
    assert.equal(stats.enrolled, 6, JSON.stringify([...stats.errors]));
    assert.equal(stats.sessions, 6);
    assert.equal(stats.sessionFailures, 0, JSON.stringify([...stats.errors]));
  });

  it('the CLI prints a JSON summary with rates, percentiles, states and CPU', async () => {
    const caFile = join(tmp, 'ca.pem');
    writeFileSync(caFile, windc.caPem);
    const out: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => out.push(a.join(' '));
    let code: number;
    try {
      code = await run([
        '--devices',
        '5',
        '--server',
        windc.url,
        '--secret',
        windc.secret,
        '--ca',
        caFile,
        '--sessions',
        '12',
        '--keys',
        '1',
        '--json',
      ]);
    } finally {
      console.log = log;
    }
    assert.equal(code, 0);
    const s = JSON.parse(out.join('\n'));
    assert.equal(s.devices, 5);
    assert.equal(s.enrolled, 5);
    assert.equal(s.sessions, 12);
    assert.deepEqual(Object.keys(s.latencyMs.session), ['p50', 'p90', 'p99', 'max']);
    assert.equal(s.states.synced, 5);
    assert.ok(s.cpu.seconds > 0 && s.cpu.microsecondsPerSession > 0);
    assert.equal(s.steady.sessions, 7);
  });

  it('refuses a --link outside the --server origin', async () => {
    const err: string[] = [];
    const error = console.error;
    console.error = (...a: unknown[]) => err.push(a.join(' '));
    try {
      const code = await run([
        '--devices',
        '1',
        '--server',
        windc.url,
        '--secret',
        'x',
        '--link',
        'https://example.com/x',
      ]);
      assert.equal(code, 2);
    } finally {
      console.error = error;
    }
    assert.match(err.join('\n'), /--link must be on the --server origin/);
  });
});
