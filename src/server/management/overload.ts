/**
 * Load shedding for the management endpoint. Windows newer than 10 2004 honours 429 with Retry-After
 * ([S §3.1.6], note 15), so refusing early is cheap for both sides: a refused message changes nothing and the
 * device simply comes back. Two limits, both per process:
 * - requests in flight, which bounds memory and database connections whatever the traffic;
 * - sessions open at once: a message that opens a session may be refused, one continuing a session never is,
 *   since refusing it would waste the work already done in that session.
 */

/** A session no message has touched for this long is counted as over (the device gave up or finished). */
const SESSION_IDLE_MS = 5 * 60_000;

export class Overload {
  #inFlight = 0;
  readonly #sessions = new Map<number, number>();

  constructor(
    private readonly limits: { maxInFlight: number; maxSessions: number; retryAfterSeconds: number },
    private readonly now: () => number,
    private readonly random: () => number = Math.random,
  ) {}

  get inFlight(): number {
    return this.#inFlight;
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
  admitSession(enrollmentId: number, opens: boolean): boolean {
    // Without a cap there is nothing to count, and nothing to remember about sessions that never end.
    if (this.limits.maxSessions === 0) return true;
    const now = this.now();
    const known = this.#sessions.has(enrollmentId);
    if (opens && !known && this.#sessions.size >= this.limits.maxSessions) {
      for (const [id, at] of this.#sessions) if (now - at > SESSION_IDLE_MS) this.#sessions.delete(id);
      if (this.#sessions.size >= this.limits.maxSessions) return false;
    }
    if (opens || known) this.#sessions.set(enrollmentId, now);
    return true;
  }

  sessionEnded(enrollmentId: number): void {
    this.#sessions.delete(enrollmentId);
  }

  /** Seconds to wait: the configured base plus up to as much again, so refused devices do not return in step. */
  retryAfter(): number {
    const base = this.limits.retryAfterSeconds;
    return base + Math.floor(this.random() * (base + 1));
  }
}
