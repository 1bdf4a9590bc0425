/**
 * The only place raw management messages are kept, and only when asked for (`--debug-ring N`): the last N
 * exchanges, in memory, overwritten in turn. Storing every message is what cost Fleet a third of its database
 * writes (research/fleet.md §6); a bounded ring answers "what exactly did this device send" without that.
 */
export interface Exchange {
  at: number;
  enrollmentId: number | undefined;
  deviceId: string | undefined;
  sessionId: string | undefined;
  msgId: string | undefined;
  httpStatus: number;
  request: string;
  response: string;
}

export class DebugRing {
  readonly #slots: (Exchange | undefined)[];
  #next = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('a debug ring holds at least one exchange');
    this.#slots = new Array(capacity);
  }

  add(e: Exchange): void {
    this.#slots[this.#next] = e;
    this.#next = (this.#next + 1) % this.capacity;
  }

  /** Oldest first, optionally only one device's. */
  list(filter: { deviceId?: string } = {}): Exchange[] {
    const out: Exchange[] = [];
    for (let i = 0; i < this.capacity; i++) {
      const e = this.#slots[(this.#next + i) % this.capacity];
      if (e && (filter.deviceId === undefined || e.deviceId === filter.deviceId)) out.push(e);
    }
    return out;
  }
}
