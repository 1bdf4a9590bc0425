/**
 * The rules seed 004 gives for combining the six DMClient Poll values. Three sets of retries run in order; a set
 * with interval 0 is off, one with count 0 (and a non-zero interval) repeats forever, and once a set repeats
 * forever every later set is switched off by the device ("Actual schedule set on device" in seed 004's tables).
 * Without any endless set the device adds a daily poll in the maintenance window.
 */
import { ProtocolError } from '../errors.ts';

export interface PollSchedule {
  intervalForFirstSetOfRetries: number;
  numberOfFirstRetries: number;
  intervalForSecondSetOfRetries: number;
  numberOfSecondRetries: number;
  intervalForRemainingScheduledRetries: number;
  numberOfRemainingScheduledRetries: number;
}

/** The values a device uses for nodes never set (seed 004 prose). */
export const DEFAULT_POLL_SCHEDULE: Readonly<PollSchedule> = {
  intervalForFirstSetOfRetries: 15,
  numberOfFirstRetries: 10,
  intervalForSecondSetOfRetries: 0,
  numberOfSecondRetries: 0,
  intervalForRemainingScheduledRetries: 0,
  numberOfRemainingScheduledRetries: 0,
};

/** Seed 004's recommendation: 15 min ×5, hourly ×10, then daily for ever. */
export const RECOMMENDED_POLL_SCHEDULE: Readonly<PollSchedule> = {
  intervalForFirstSetOfRetries: 15,
  numberOfFirstRetries: 5,
  intervalForSecondSetOfRetries: 60,
  numberOfSecondRetries: 10,
  intervalForRemainingScheduledRetries: 1440,
  numberOfRemainingScheduledRetries: 0,
};

export type PollSetState = 'off' | 'finite' | 'endless';

/**
 * `error`: the device fails the configuration or its behaviour is undefined. `corrected`: the device changes the
 * value itself. `note`: allowed, but seed 004 advises against it or the device adds something.
 */
export interface PollFinding {
  severity: 'error' | 'corrected' | 'note';
  rule:
    | 'not-a-count'
    | 'all-zero'
    | 'all-counts-zero'
    | 'set-after-endless'
    | 'first-set-endless'
    | 'second-not-longer'
    | 'no-endless-set';
  message: string;
}

export interface PollScheduleCheck {
  ok: boolean;
  findings: PollFinding[];
  /** What the device runs after its own corrections. */
  effective: PollSchedule;
  sets: [PollSetState, PollSetState, PollSetState];
  /** No endless set remains, so the device adds a 24-hour poll in the maintenance window. */
  maintenancePoll: boolean;
}

const SETS = [
  ['intervalForFirstSetOfRetries', 'numberOfFirstRetries', 'first'],
  ['intervalForSecondSetOfRetries', 'numberOfSecondRetries', 'second'],
  ['intervalForRemainingScheduledRetries', 'numberOfRemainingScheduledRetries', 'remaining'],
] as const;

/** Checks a schedule; values not given take the device defaults, as on a device where they were never set. */
export function checkPollSchedule(values: Partial<PollSchedule>): PollScheduleCheck {
  const s: PollSchedule = { ...DEFAULT_POLL_SCHEDULE, ...values };
  const findings: PollFinding[] = [];
  for (const [key, v] of Object.entries(s)) {
    if (!Number.isInteger(v) || v < 0 || v > 4294967295) {
      findings.push({
        severity: 'error',
        rule: 'not-a-count',
        message: `${key} is ${v}, not a count of minutes or polls`,
      });
    }
  }
  if (findings.length > 0)
    return { ok: false, findings, effective: s, sets: ['off', 'off', 'off'], maintenancePoll: false };

  if (Object.values(s).every((v) => v === 0)) {
    findings.push({
      severity: 'error',
      rule: 'all-zero',
      message: 'all six Poll values are 0: seed 004 calls the behaviour undefined and enrollment may fail',
    });
  } else if (
    s.numberOfFirstRetries === 0 &&
    s.numberOfSecondRetries === 0 &&
    s.numberOfRemainingScheduledRetries === 0
  ) {
    findings.push({
      severity: 'error',
      rule: 'all-counts-zero',
      message: 'all three retry counts are 0, which seed 004 says causes a configuration failure',
    });
  }

  const effective = { ...s };
  const sets: [PollSetState, PollSetState, PollSetState] = ['off', 'off', 'off'];
  let endless: string | undefined;
  SETS.forEach(([interval, count, name], i) => {
    if (s[interval] === 0) return;
    if (endless) {
      effective[interval] = 0;
      findings.push({
        severity: 'corrected',
        rule: 'set-after-endless',
        message: `the ${name} set is switched off by the device because the ${endless} set already repeats for ever`,
      });
      return;
    }
    sets[i] = s[count] === 0 ? 'endless' : 'finite';
    if (sets[i] === 'endless') endless = name;
  });

  if (sets[0] === 'endless') {
    findings.push({
      severity: 'note',
      rule: 'first-set-endless',
      message: 'NumberOfFirstRetries 0 makes the first set endless; seed 004 says the server should not set it to 0',
    });
  }
  if (sets[0] !== 'off' && sets[1] !== 'off' && s.intervalForSecondSetOfRetries <= s.intervalForFirstSetOfRetries) {
    findings.push({
      severity: 'note',
      rule: 'second-not-longer',
      message: 'IntervalForSecondSetOfRetries should be longer than IntervalForFirstSetOfRetries',
    });
  }
  const maintenancePoll = !endless;
  if (maintenancePoll) {
    findings.push({
      severity: 'note',
      rule: 'no-endless-set',
      message: 'no set repeats for ever, so the device adds a 24-hour poll in the maintenance window',
    });
  }
  return { ok: !findings.some((f) => f.severity === 'error'), findings, effective, sets, maintenancePoll };
}

/** For a server about to send a schedule: the first error as CSP_BAD_VALUE. */
export function assertPollSchedule(values: Partial<PollSchedule>): PollScheduleCheck {
  const check = checkPollSchedule(values);
  const error = check.findings.find((f) => f.severity === 'error');
  if (error) throw new ProtocolError('CSP_BAD_VALUE', `DMClient Poll schedule: ${error.message}`);
  return check;
}
