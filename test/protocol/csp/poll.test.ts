import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertPollSchedule,
  checkPollSchedule,
  DEFAULT_POLL_SCHEDULE,
  type PollSchedule,
  RECOMMENDED_POLL_SCHEDULE,
} from '../../../src/protocol/csp/index.ts';
import { errorOf } from '../declared/support.ts';

const schedule = (...v: number[]): PollSchedule => ({
  intervalForFirstSetOfRetries: v[0] as number,
  numberOfFirstRetries: v[1] as number,
  intervalForSecondSetOfRetries: v[2] as number,
  numberOfSecondRetries: v[3] as number,
  intervalForRemainingScheduledRetries: v[4] as number,
  numberOfRemainingScheduledRetries: v[5] as number,
});

const rules = (s: Partial<PollSchedule>) => checkPollSchedule(s).findings.map((f) => `${f.severity}:${f.rule}`);

describe('DMClient Poll schedules (seed 004 tables)', () => {
  it('valid: sigmoid with an endless last set (recommended), kept as set', () => {
    const c = checkPollSchedule(RECOMMENDED_POLL_SCHEDULE);
    assert.equal(c.ok, true);
    assert.deepEqual(c.sets, ['finite', 'finite', 'endless']);
    assert.deepEqual(c.effective, schedule(15, 5, 60, 10, 1440, 0));
    assert.deepEqual(c.findings, []);
  });

  it('valid: initial enrollment only, the device adds a maintenance-window poll', () => {
    const c = checkPollSchedule(schedule(15, 5, 60, 10, 0, 0));
    assert.equal(c.ok, true);
    assert.equal(c.maintenancePoll, true);
    assert.deepEqual(c.sets, ['finite', 'finite', 'off']);
    assert.deepEqual(rules(schedule(15, 5, 60, 10, 0, 0)), ['note:no-endless-set']);
  });

  it('invalid: all six 0', () => {
    const c = checkPollSchedule(schedule(0, 0, 0, 0, 0, 0));
    assert.equal(c.ok, false);
    assert.deepEqual(rules(schedule(0, 0, 0, 0, 0, 0)), ['error:all-zero', 'note:no-endless-set']);
  });

  it('two endless sets: the device switches the third off (1440 → 0)', () => {
    const c = checkPollSchedule(schedule(15, 5, 1440, 0, 1440, 0));
    assert.equal(c.ok, true);
    assert.deepEqual(c.sets, ['finite', 'endless', 'off']);
    assert.deepEqual(c.effective, schedule(15, 5, 1440, 0, 0, 0));
    assert.deepEqual(rules(schedule(15, 5, 1440, 0, 1440, 0)), ['corrected:set-after-endless']);
  });
});

describe('DMClient Poll schedules: the prose rules', () => {
  const table: Array<[string, Partial<PollSchedule>, boolean, string[]]> = [
    ['nothing set: the defaults (15 min ×10), then the maintenance poll', {}, true, ['note:no-endless-set']],
    [
      'all three counts 0 fail the configuration, though the first set would be endless',
      schedule(15, 0, 60, 0, 1440, 0),
      false,
      ['error:all-counts-zero', 'corrected:set-after-endless', 'corrected:set-after-endless', 'note:first-set-endless'],
    ],
    [
      'a first set of 0 retries is endless and discouraged',
      schedule(15, 0, 0, 0, 0, 5),
      true,
      ['note:first-set-endless'],
    ],
    [
      'a second interval not longer than the first is discouraged',
      schedule(60, 5, 15, 10, 1440, 0),
      true,
      ['note:second-not-longer'],
    ],
    ['an interval of 0 switches a set off even with a count', schedule(0, 5, 60, 10, 1440, 0), true, []],
    ['a negative count is no count', { numberOfSecondRetries: -1 }, false, ['error:not-a-count']],
    ['a fraction is no count', { intervalForFirstSetOfRetries: 1.5 }, false, ['error:not-a-count']],
  ];
  for (const [what, s, ok, expected] of table) {
    it(what, () => {
      assert.equal(checkPollSchedule(s).ok, ok);
      assert.deepEqual(rules(s), expected);
    });
  }

  it('uses the device defaults for values not given', () => {
    assert.deepEqual(checkPollSchedule({}).effective, DEFAULT_POLL_SCHEDULE);
  });

  it('assertPollSchedule raises the first error as CSP_BAD_VALUE', () => {
    const e = errorOf(() => assertPollSchedule(schedule(0, 0, 0, 0, 0, 0)));
    assert.equal(e.code, 'CSP_BAD_VALUE');
    assert.match(e.message, /all six Poll values are 0/);
    assert.equal(assertPollSchedule(RECOMMENDED_POLL_SCHEDULE).ok, true);
  });
});
