import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FaultInjector, ManualClock, seededRandom } from '../../src/device/index.ts';

describe('ManualClock', () => {
  it('runs due tasks in due order, awaits each, and runs what they schedule inside the window', async () => {
    const c = new ManualClock(0);
    const log: string[] = [];
    c.setTimer(20, () => {
      log.push(`b@${c.now()}`);
    });
    c.setTimer(10, async () => {
      await Promise.resolve();
      log.push(`a@${c.now()}`);
      c.setTimer(5, () => {
        log.push(`c@${c.now()}`);
      });
    });
    const cancelled = c.setTimer(12, () => {
      log.push('never');
    });
    cancelled.cancel();
    await c.advance(15);
    assert.deepEqual(log, ['a@10', 'c@15']);
    assert.equal(c.now(), 15);
    assert.equal(c.nextDue(), 20);
    await c.advance(100);
    assert.deepEqual(log, ['a@10', 'c@15', 'b@20']);
    assert.equal(c.pending, 0);
  });

  it('only moves forward', async () => {
    await assert.rejects(new ManualClock(0).advance(-1), RangeError);
  });
});

describe('fault injection', () => {
  it('the seeded generator replays', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    assert.deepEqual([a(), a(), a()], [b(), b(), b()]);
  });

  it('provider faults match class and operation, honour rate and times', () => {
    const f = new FaultInjector({
      providers: [
        { className: 'MSFT_FileDirectoryConfiguration', operation: 'Set', times: 2 },
        { operation: 'Get', rate: 0 },
      ],
    });
    assert.equal(f.providerFault('msft_filedirectoryconfiguration', 'Test'), undefined);
    assert.ok(f.providerFault('MSFT_FileDirectoryConfiguration', 'Set'));
    assert.ok(f.providerFault('MSFT_FileDirectoryConfiguration', 'Set'));
    assert.equal(f.providerFault('MSFT_FileDirectoryConfiguration', 'Set'), undefined);
    assert.equal(f.providerFault('Other', 'Get'), undefined);
  });

  it('carries the transport faults for the networking half, with a reproducible roll', () => {
    const cfg = { seed: 42, network: { dropRequestRate: 0.5, duplicateSendRate: 0.1, latencyMs: 20 } };
    const rolls = (f: FaultInjector) => Array.from({ length: 20 }, () => f.roll(f.network.dropRequestRate));
    const f1 = new FaultInjector(cfg);
    const f2 = new FaultInjector(cfg);
    assert.deepEqual(rolls(f1), rolls(f2));
    assert.equal(f1.network.latencyMs, 20);
    assert.equal(f1.roll(0), false);
    assert.equal(f1.roll(1), true);
  });
});
