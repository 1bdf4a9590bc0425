/**
 * Load shedding for the management endpoint. Windows newer than 10 2004 honours 429 with Retry-After
 * ([S §3.1.6], note 15), so refusing early is cheap for both sides: a refused message changes nothing and the
 * device simply comes back. Two limits, both per process:
 * - requests in flight, which bounds memory and database connections whatever the traffic;
 * - sessions open at once: a message that opens a session may be refused, one continuing a session never is,
 *   since refusing it would waste the work already done in that session. A process counts the sessions whose
 *   latest message it answered; one that continued on another process stops counting here once the database
 *   shows it.
 */

/** A session no message has touched for this long is counted as over (the device gave up or finished). */
const SESSION_IDLE_MS = 5 * 60_000;

/** Where a session stood after the last message this process answered of it. */
export interface SessionPosition {
  seq: number;
  lastMsgId: number;
}

/** Every tracked enrollment's current position in the database: where processes learn of each other. */
export type SessionPositions = (enrollmentIds: readonly number[]) => Promise<Map<number, SessionPosition>>;

/** Admitted and not answered yet: never taken for a session that moved to another process. */
const ADMITTED: SessionPosition = { seq: Number.POSITIVE_INFINITY, lastMsgId: 0 };

export class Overload {
  #inFlight = 0;
  /**
   * The sessions whose latest message this process answered and that did not end here. With several processes
   * behind a balancer that is not sticky, a session often ends on another one; `#reclaim` finds those.
   */
  readonly #sessions = new Map<number, SessionPosition & { at: number }>();
  #reclaiming: Promise<void> | undefined;

  constructor(
    private readonly limits: { maxInFlight: number; maxSessions: number; retryAfterSeconds: number },
    private readonly now: () => number,
    private readonly random: () => number = Math.random,
    private readonly positions?: SessionPositions,
  ) {}

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Sessions this process counts as open. */
  get sessions(): number {
    return this.#sessions.size;
  }

  /** Takes a slot for a request; false when the process is at its limit. Every true must be released. */
  enter(): boolean {
    if (this.limits.maxInFlight > 0 && this.#inFlight >= this.limits.maxInFlight) return false;
    this.#inFlight += 1;
    return true;
  }

  leave(): void {
    this.#inFlight -= 1;
  }

  /** Whether the enrollment may go on: always within a session it has, subject to the cap for a new one. */
  async admitSession(enrollmentId: number, opens: boolean): Promise<boolean> {
    // Without a cap there is nothing to count, and nothing to remember about sessions that never end.
    if (this.limits.maxSessions === 0) return true;
    if (!opens || this.#sessions.has(enrollmentId)) return true;
    if (this.#sessions.size >= this.limits.maxSessions) {
      const now = this.now();
      for (const [id, s] of this.#sessions) if (now - s.at > SESSION_IDLE_MS) this.#sessions.delete(id);
    }
    if (this.#sessions.size >= this.limits.maxSessions) await this.#reclaim();
    if (this.#sessions.size >= this.limits.maxSessions) return false;
    this.#sessions.set(enrollmentId, { ...ADMITTED, at: this.now() });
    return true;
  }

  /** A message was answered: where its session stands now (undefined: not known), and whether it ended. */
  served(enrollmentId: number, position: SessionPosition | undefined, ends: boolean): void {
    if (this.limits.maxSessions === 0) return;
    if (ends) this.#sessions.delete(enrollmentId);
    else if (position) this.#sessions.set(enrollmentId, { ...position, at: this.now() });
  }

  /**
   * Forgets the sessions another process has answered a later message of: they are counted there now, or ended
   * there. One query at a time; callers arriving meanwhile wait for its answer.
   */
  #reclaim(): Promise<void> {
    const positions = this.positions;
    if (!positions) return Promise.resolve();
    this.#reclaiming ??= (async () => {
      try {
        const current = await positions([...this.#sessions.keys()]);
        for (const [id, db] of current) {
          // Read after the query: a message this process answered meanwhile has moved its entry on.
          const mine = this.#sessions.get(id);
          if (mine && (db.seq > mine.seq || (db.seq === mine.seq && db.lastMsgId > mine.lastMsgId))) {
            this.#sessions.delete(id);
          }
        }
      } finally {
        this.#reclaiming = undefined;
      }
    })();
    return this.#reclaiming;
  }

  /** Seconds to wait: the configured base plus up to as much again, so refused devices do not return in step. */
  retryAfter(): number {
    const base = this.limits.retryAfterSeconds;
    return base + Math.floor(this.random() * (base + 1));
  }
}
