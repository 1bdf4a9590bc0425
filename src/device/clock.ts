/**
 * Time for the emulator. Everything that waits — document processing delays, the refresh schedule — goes through a
 * Clock so that tests and load runs decide how time passes: the system clock for a live device, a manual clock that
 * only moves when told to for deterministic tests.
 */

export interface TimerHandle {
  cancel(): void;
}

/** A task may return a promise; the manual clock waits for it before running the next due task. */
export type TimerTask = () => void | Promise<void>;

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  setTimer(delayMs: number, task: TimerTask): TimerHandle;
}

/**
 * Real time. A delay of 0 still runs later (setTimeout 0), so a write is never processed inside its own command.
 * Timers are unref'd: a device's refresh schedule must not keep a finished CLI or test process alive; a running
 * device is kept alive by its session loop.
 */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  setTimer(delayMs: number, task: TimerTask): TimerHandle {
    const t = setTimeout(
      () => {
        void Promise.resolve()
          .then(task)
          .catch((e: unknown) => queueMicrotask(() => reportUnhandled(e)));
      },
      Math.max(0, delayMs),
    );
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  }
}

function reportUnhandled(e: unknown): void {
  process.emitWarning(`windc device timer task failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
}

interface Pending {
  due: number;
  seq: number;
  task: TimerTask;
  cancelled: boolean;
}

/**
 * Time that moves only through `advance`. Due tasks run in (due time, creation) order, each awaited, and tasks they
 * schedule inside the window run in the same call, so `await clock.advance(ms)` leaves the device exactly as real
 * time would after `ms`. Because each task is awaited, a task must never wait for a later timer of the same clock:
 * it schedules a follow-up task instead.
 */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private queue: Pending[] = [];

  constructor(start: number | Date = Date.UTC(2025, 0, 6, 9, 0, 0)) {
    this.t = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.t;
  }

  setTimer(delayMs: number, task: TimerTask): TimerHandle {
    const p: Pending = { due: this.t + Math.max(0, delayMs), seq: this.seq++, task, cancelled: false };
    this.queue.push(p);
    return {
      cancel: () => {
        p.cancelled = true;
      },
    };
  }

  /** Tasks waiting to run, cancelled ones excluded. */
  get pending(): number {
    return this.queue.filter((p) => !p.cancelled).length;
  }

  /** When the next task is due, if any. */
  nextDue(): number | undefined {
    return this.live()[0]?.due;
  }

  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError('a clock only moves forward');
    const target = this.t + ms;
    for (;;) {
      const next = this.live()[0];
      if (!next || next.due > target) break;
      this.queue = this.queue.filter((p) => p !== next);
      this.t = Math.max(this.t, next.due);
      await next.task();
    }
    this.t = target;
  }

  /** Runs everything already due without moving time (tasks scheduled with delay 0). */
  async runDue(): Promise<void> {
    await this.advance(0);
  }

  private live(): Pending[] {
    this.queue = this.queue.filter((p) => !p.cancelled);
    return [...this.queue].sort((a, b) => a.due - b.due || a.seq - b.seq);
  }
}
