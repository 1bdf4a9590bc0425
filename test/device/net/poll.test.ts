import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextPollAt, readPollSchedule } from '../../../src/device/omadm/poll.ts';
import { checkPollSchedule, RECOMMENDED_POLL_SCHEDULE } from '../../../src/protocol/csp/index.ts';

const MIN = 60_000;
const T0 = Date.UTC(2025, 0, 6, 9, 0, 0);

/** The first `n` polls after T0. */
function polls(values: Parameters<typeof checkPollSchedule>[0], n: number): number[] {
  const check = checkPollSchedule(values);
  const out: number[] = [];
  let t = T0;
  for (let i = 0; i < n; i++) {
    const next = nextPollAt(check, T0, t);
    if (next === undefined) break;
    out.push((next - T0) / MIN);
    t = next;
  }
  return out;
}

describe('poll schedule', () => {
  it('seed 004’s recommended schedule: 15 min ×5, hourly ×10, then daily for ever', () => {
    const p = polls(RECOMMENDED_POLL_SCHEDULE, 18);
    assert.deepEqual(p.slice(0, 5), [15, 30, 45, 60, 75]);
    assert.deepEqual(p.slice(5, 15), [135, 195, 255, 315, 375, 435, 495, 555, 615, 675]);
    assert.deepEqual(p.slice(15), [675 + 1440, 675 + 2880, 675 + 4320]);
  });

  it('never-set nodes: the defaults (15 min ×10), then the daily maintenance poll the device adds', () => {
    const p = polls({}, 12);
    assert.deepEqual(p.slice(0, 10), [15, 30, 45, 60, 75, 90, 105, 120, 135, 150]);
    assert.deepEqual(p.slice(10), [150 + 1440, 150 + 2880]);
  });

  it('the 26200 poll-zero run: first retries 0, interval 1 polls every minute without end', () => {
    assert.deepEqual(polls({ intervalForFirstSetOfRetries: 1, numberOfFirstRetries: 0 }, 4), [1, 2, 3, 4]);
  });

  it('a set after an endless one is switched off, as seed 004’s two-infinite table shows', () => {
    const p = polls({ ...RECOMMENDED_POLL_SCHEDULE, intervalForSecondSetOfRetries: 1440, numberOfSecondRetries: 0 }, 7);
    assert.deepEqual(p, [15, 30, 45, 60, 75, 75 + 1440, 75 + 2880]);
  });

  it('from any moment, the next poll is the first one strictly later', () => {
    const check = checkPollSchedule(RECOMMENDED_POLL_SCHEDULE);
    assert.equal(nextPollAt(check, T0, T0 + 15 * MIN), T0 + 30 * MIN);
    assert.equal(nextPollAt(check, T0, T0 + 16 * MIN), T0 + 30 * MIN);
    assert.equal(nextPollAt(check, T0, T0 + 80 * MIN), T0 + 135 * MIN);
    assert.equal(nextPollAt(check, T0, T0 - 10 * MIN), T0 + 15 * MIN);
  });

  it('reads the schedule from the DMClient nodes, ignoring what is not a count', () => {
    const nodes: Record<string, string> = {
      './Device/Vendor/MSFT/DMClient/Provider/P/Poll/IntervalForFirstSetOfRetries': '3',
      './Device/Vendor/MSFT/DMClient/Provider/P/Poll/NumberOfFirstRetries': '2',
      './Device/Vendor/MSFT/DMClient/Provider/P/Poll/IntervalForRemainingScheduledRetries': 'x',
    };
    const check = readPollSchedule((u) => nodes[u], 'P');
    assert.equal(check.effective.intervalForFirstSetOfRetries, 3);
    assert.equal(check.effective.numberOfFirstRetries, 2);
    assert.equal(check.effective.intervalForRemainingScheduledRetries, 0);
  });
});
