/**
 * When the device polls its server, from the DMClient Poll nodes (seed 004). Windows turns the three sets into
 * scheduled tasks that run one after the other from enrollment: the first set every IntervalForFirstSetOfRetries
 * minutes, NumberOfFirstRetries times, then the second set, then the remaining set; a set with count 0 repeats
 * for ever (the 26200 poll-zero run: first retries 0, interval 1 gave an endless PT1M task). The device's own
 * corrections (a set after an endless one is switched off) come from protocol/csp/poll.ts; without any endless
 * set the device adds a daily poll, which the emulator runs every 24 h after the last finite set.
 */
import { checkPollSchedule, type PollSchedule, type PollScheduleCheck } from '../../protocol/csp/index.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const NODES: ReadonlyArray<readonly [keyof PollSchedule, string]> = [
  ['intervalForFirstSetOfRetries', 'IntervalForFirstSetOfRetries'],
  ['numberOfFirstRetries', 'NumberOfFirstRetries'],
  ['intervalForSecondSetOfRetries', 'IntervalForSecondSetOfRetries'],
  ['numberOfSecondRetries', 'NumberOfSecondRetries'],
  ['intervalForRemainingScheduledRetries', 'IntervalForRemainingScheduledRetries'],
  ['numberOfRemainingScheduledRetries', 'NumberOfRemainingScheduledRetries'],
];

/** The schedule as the device holds it: node values, defaults where never set, the device's corrections. */
export function readPollSchedule(read: (locUri: string) => string | undefined, providerId: string): PollScheduleCheck {
  const values: Partial<PollSchedule> = {};
  for (const [key, name] of NODES) {
    const v = read(`./Device/Vendor/MSFT/DMClient/Provider/${providerId}/Poll/${name}`);
    if (v !== undefined && /^\d+$/.test(v)) values[key] = Number(v);
  }
  return checkPollSchedule(values);
}

/** The first poll strictly after `after`, for a schedule that started at `start`; undefined when none remains. */
export function nextPollAt(check: PollScheduleCheck, start: number, after: number): number | undefined {
  const s = check.effective;
  const sets = [
    [s.intervalForFirstSetOfRetries, s.numberOfFirstRetries],
    [s.intervalForSecondSetOfRetries, s.numberOfSecondRetries],
    [s.intervalForRemainingScheduledRetries, s.numberOfRemainingScheduledRetries],
  ] as const;
  let t = start;
  for (const [i, [minutes, count]] of sets.entries()) {
    if (check.sets[i] === 'off') continue;
    const step = minutes * MINUTE;
    const k = Math.max(1, Math.floor((after - t) / step) + 1);
    if (check.sets[i] === 'endless' || k <= count) return t + k * step;
    t += count * step;
  }
  if (!check.maintenancePoll) return undefined;
  return t + Math.max(1, Math.floor((after - t) / DAY) + 1) * DAY;
}
