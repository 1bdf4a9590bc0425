import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { liveLine, renderSummary, snapshot, summarize } from '../../../src/device/fleet/report.ts';
import { coreShare, FleetStats, Histogram, processCpuMs } from '../../../src/device/fleet/stats.ts';

describe('fleet statistics', () => {
  it('percentiles come within one 2 % bucket of the exact ones, and never above the maximum', () => {
    const h = new Histogram();
    const values = Array.from({ length: 10_000 }, (_, i) => 1 + (i % 1000) / 10);
    for (const v of values) h.record(v);
    const sorted = [...values].sort((a, b) => a - b);
    for (const p of [0.5, 0.9, 0.99]) {
      const exact = sorted[Math.ceil(p * sorted.length) - 1] as number;
      const got = h.percentile(p);
      assert.ok(Math.abs(got - exact) / exact <= 0.021, `p${p * 100}: ${got} vs ${exact}`);
    }
    assert.equal(h.percentile(1), h.max);
    assert.equal(new Histogram().percentile(0.5), 0);
  });

  it('CPU share is CPU time over wall time between two samples', () => {
    assert.equal(coreShare({ cpuMs: 100, wallMs: 1000 }, { cpuMs: 600, wallMs: 2000 }), 0.5);
    assert.equal(coreShare({ cpuMs: 0, wallMs: 5 }, { cpuMs: 1, wallMs: 5 }), 0);
  });

  it('devices move between states; the summary and the live line report them', () => {
    const s = new FleetStats();
    for (let i = 0; i < 3; i++) s.move(undefined, 'waiting');
    s.move('waiting', 'enrolling');
    s.move('enrolling', 'synced');
    s.move('waiting', 'failed');
    s.enrolled = 1;
    s.enrollFailures = 1;
    s.sessions = 1;
    s.sessionLatency.record(40);
    s.error('enroll', 'refused');
    const sum = summarize(s, 3);
    assert.deepEqual(sum.states, { waiting: 1, enrolling: 0, enrolled: 0, syncing: 0, synced: 1, failed: 1 });
    assert.deepEqual(sum.errors, { enroll: { count: 1, example: 'refused' } });
    assert.match(renderSummary(sum), /devices {9}waiting 1, synced 1, failed 1/);
    const line = liveLine(s, 3, snapshot(s), snapshot(s));
    assert.match(line, /^\[#{16}-{8}\] 2\/3 enrolled .* errors 1 .* waiting 1 synced 1 failed 1$/);
  });

  it('the server’s CPU, when its process is known, is reported beside the emulator’s', () => {
    let serverMs = 1000;
    const s = new FleetStats(() => serverMs);
    s.sessions = 4;
    serverMs += 2;
    assert.equal(s.serverCpuMs(), 2);
    assert.deepEqual(summarize(s, 4).serverCpu, { seconds: 0, microsecondsPerSession: 500 });
    const text = renderSummary(summarize(s, 4), { sessions: 4, cpuMs: 1, wallMs: 100, serverCpuMs: 2 });
    assert.match(text, /server CPU {6}0 s, 500 µs per session/);
    assert.match(text, /emulator 250 µs CPU each; server 500 µs \(emulator\/server 0\.50\)/);
    assert.equal(summarize(new FleetStats(), 1).serverCpu, undefined);
  });

  it('reads a local process’s CPU time from /proc', { skip: process.platform !== 'linux' }, () => {
    const own = processCpuMs(process.pid);
    assert.ok(own !== undefined && own >= 0);
    assert.equal(processCpuMs(2 ** 22 + 1), undefined);
  });
});
