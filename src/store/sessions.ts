import type { Delivery } from './queue.ts';
import type { EpochMs } from './types.ts';

/**
 * OMA-DM session state, kept in the database so that any server process can take any message of a session
 * (no sticky load balancing). One row per enrollment: only the current session matters, and the MD5 nonce
 * must outlive the session that issued it.
 */
export interface SessionState {
  enrollmentId: number;
  /**
   * Our name for the session: it increments with every new session of the enrollment, so (enrollmentId, seq)
   * is unique for ever. The device's SessionID is at most 4 bytes and repeats; it cannot key anything.
   * 0 means no session has started yet (only a nonce was stored).
   */
  seq: number;
  /** The device's SessionID as sent, compared as an opaque string. */
  sessionId: string;
  lastMsgId: number;
  /** Application-level credentials were accepted in this session (212 sent); reset by every new session. */
  authenticated: boolean;
  /** The MD5 digest nonce the device must use next; survives across sessions. */
  nonce: string | null;
  /** The session engine's own state (any JSON value), opaque to the store; null when a session starts. */
  data: unknown;
  startedAt: EpochMs;
  updatedAt: EpochMs;
}

export interface MessageArrival {
  enrollmentId: number;
  sessionId: string;
  msgId: number;
  /**
   * The message carries the session-opening Alert (1200/1201), so it starts a session whatever its MsgID: a
   * device that restarts its SessionID counter, or resends package 1 as MsgID 2 after a challenge, would
   * otherwise look like a retransmission within an older session.
   */
  opens?: boolean | undefined;
  /**
   * Inside a transaction only: leave the row as it is and let the caller write the new state, with the engine's
   * data, in one statement through `saveArrival` before the transaction ends. Every message then writes its
   * session row once instead of twice. The row is locked all the same (PostgreSQL), and a replay writes nothing
   * either way.
   */
  defer?: boolean | undefined;
}

export interface ArrivalOutcome {
  session: SessionState;
  /** This message opened a session: a different SessionID, MsgID 1, or `opens`. */
  isNew: boolean;
  /**
   * The MsgID is not above the last one seen in this session: a retransmission. Nothing was changed; the caller
   * decides how to answer it.
   */
  replay: boolean;
}

export interface SessionStore {
  /**
   * Records a client message before anything in it is processed. A message with a different SessionID, or
   * with MsgID 1, opens a new session (a retransmitted first message therefore costs a re-delivery of what
   * the lost response carried, never a lost command). On PostgreSQL the session row stays locked until the
   * surrounding transaction ends, so two processes handed the same message serialise here.
   */
  arrive(input: MessageArrival): Promise<ArrivalOutcome>;
  get(enrollmentId: number): Promise<SessionState | undefined>;
  /** Marks the session authenticated, unless a newer session has started meanwhile. */
  setAuthenticated(enrollmentId: number, seq: number): Promise<boolean>;
  setNonce(enrollmentId: number, nonce: string): Promise<void>;
  /** Replaces the session's engine data, unless a newer session has started meanwhile. */
  saveData(enrollmentId: number, seq: number, data: unknown): Promise<boolean>;
  /** Writes a deferred arrival's session state (`arrive` with `defer`) with the engine's data, in the same transaction. */
  saveArrival(session: SessionState, data: unknown): Promise<void>;
  /** Commands delivered in that session whose Status has not come back yet. */
  outstanding(enrollmentId: number, seq: number): Promise<Delivery[]>;
  /**
   * How far each enrollment's current session has got, for enrollments that have a row. A process compares it
   * with the last message it served to tell whether another process has served a later one.
   */
  positions(enrollmentIds: readonly number[]): Promise<Map<number, SessionPosition>>;
}

export interface SessionPosition {
  seq: number;
  lastMsgId: number;
}
