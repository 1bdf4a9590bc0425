import type { EpochMs, Page } from './types.ts';

/**
 * The command queue.
 *
 * Wire identity. A queued row is a command for one enrollment; a command sent to many enrollments is fanned
 * out into one row each at enqueue (one multi-row insert), sharing a `commandUuid`. Per-device rows are what
 * get locked, delivered, acked and retried, so a fleet-wide command never becomes a hot row.
 *
 * The command's top-level CmdID on the wire IS its `commandUuid` (lower-case), in every message and every
 * session it travels in; the commands nested in an Atomic or Sequence are `${commandUuid}.${n}`. A Status or
 * Results therefore names its row through CmdRef alone: (enrollment, commandUuid) is unique, so any process
 * resolves any ack without per-message bookkeeping, and a device answering a re-delivery answers the same id.
 * CmdIDs are only required to be unique within a message ([MS-MDM] §2.2.3.2), and the session engine numbers
 * its own commands (Status, Alert) with small integers, which no UUID can equal.
 *
 * Delivery is at least once: a row stays `queued` until a Status for its top-level CmdID arrives (other than
 * 213, "chunk accepted", which asks for the next piece of a large object), is delivered at most once per
 * session (enforced by the deliveries' primary key), and again in every later session until acked. Each
 * delivery records the MsgID it went out in, which is what lets the engine answer a retransmitted message
 * with exactly the commands its lost response carried, and what says which Statuses a session still owes.
 * Ordering is by `id`, a monotonic sequence, never by time.
 */
export type CommandState = 'queued' | 'acked' | 'cancelled' | 'expired';

export interface EnqueueInput {
  enrollmentIds: readonly number[];
  /** What the engine needs to render the command; stored as JSON, opaque to the store. */
  payload: unknown;
  /** The (first) LocURI it addresses, for listing and inspection. */
  locUri?: string | undefined;
  /** Who queued it: 'admin', 'reconciler', 'enrollment', … */
  origin?: string | undefined;
  /**
   * While an open (queued) row with this key exists for an enrollment, enqueueing it again for that enrollment
   * is a no-op. Lets a reconciler re-run without piling up duplicates.
   */
  dedupeKey?: string | undefined;
  /**
   * The command's CmdID on the wire: a UUID (stored lower-case), unused by every target enrollment, else
   * CONFLICT. Defaults to a fresh random one.
   */
  commandUuid?: string | undefined;
}

export interface EnqueueResult {
  commandUuid: string;
  queued: { enrollmentId: number; id: number }[];
  /** Enrollments that already had an open row with the same dedupe key. */
  skipped: number[];
}

/** An open row offered to {@link DequeueRequest.select}, in queue order. */
export interface DequeueCandidate {
  id: number;
  commandUuid: string;
  payload: unknown;
  locUri: string | null;
  /** Deliveries so far (0 for a command never sent). */
  attempts: number;
}

/**
 * `take`: deliver it in this message. `skip`: leave it queued and look at the next one. `stop`: leave it and
 * everything after it queued (the message is full).
 */
export type DequeueChoice = 'take' | 'skip' | 'stop';

export interface DequeueRequest {
  enrollmentId: number;
  /** SessionState.seq of the session the message belongs to. */
  sessionSeq: number;
  /** MsgID of the server message these commands will travel in. */
  msgId: number;
  /** Candidates looked at; defaults to 50. */
  limit?: number | undefined;
  /** Stop adding commands once their payload JSON would exceed this (one command is always allowed). */
  maxPayloadBytes?: number | undefined;
  /** Rows already delivered this many times are marked `expired` instead of sent again. */
  maxAttempts?: number | undefined;
  /**
   * Decides, row by row in queue order, what goes into the message: the caller knows what a command costs on
   * the wire, the store does not. Runs inside the claiming transaction, so it must be quick and do no I/O.
   * Without it every candidate within `maxPayloadBytes` is taken.
   */
  select?: ((candidate: DequeueCandidate) => DequeueChoice) | undefined;
}

export interface DeliveredCommand {
  id: number;
  /** Also the command's top-level CmdID on the wire. */
  commandUuid: string;
  payload: unknown;
  locUri: string | null;
  /** 1 on first delivery. */
  attempt: number;
}

export interface DequeueResult {
  commands: DeliveredCommand[];
}

export interface Delivery {
  queueId: number;
  commandUuid: string;
  sessionSeq: number;
  msgId: number;
  deliveredAt: EpochMs;
}

export interface StatusReply {
  kind: 'status';
  /** The MsgID of the server message the command went out in. */
  msgRef: number;
  /** The CmdID answered: a commandUuid, or `${commandUuid}.${n}` for a nested command. */
  cmdRef: string;
  code: number;
  targetRef?: string | undefined;
  sourceRef?: string | undefined;
}

export interface ResultItem {
  source: string;
  format?: string | undefined;
  type?: string | undefined;
  data?: string | undefined;
}

export interface ResultsReply {
  kind: 'results';
  msgRef: number;
  cmdRef: string;
  items: ResultItem[];
}

export type Reply = StatusReply | ResultsReply;

/** A Status as kept on the row: per item, per nested command, per delivery. */
export interface RecordedStatus {
  sessionSeq: number;
  msgRef: number;
  cmdRef: string;
  code: number;
  targetRef?: string | undefined;
  sourceRef?: string | undefined;
  at: EpochMs;
}

export interface RecordedResults {
  sessionSeq: number;
  msgRef: number;
  cmdRef: string;
  items: ResultItem[];
  at: EpochMs;
}

export interface MatchedReply {
  reply: Reply;
  queueId: number;
  commandUuid: string;
  /** This reply moved the row to `acked` (the first Status for its top-level CmdID other than 213). */
  acked: boolean;
  /** What the answered command was, read with the row it locks, so no caller has to read it again. */
  origin: string | null;
  dedupeKey: string | null;
  locUri: string | null;
}

export interface RecordRepliesResult {
  matched: MatchedReply[];
  /**
   * Replies naming no command of this enrollment that was ever delivered: the engine's own commands (integer
   * CmdIDs), a pruned row, or a device making things up.
   */
  unmatched: Reply[];
}

export interface QueuedCommand {
  id: number;
  commandUuid: string;
  enrollmentId: number;
  payload: unknown;
  locUri: string | null;
  origin: string | null;
  dedupeKey: string | null;
  state: CommandState;
  attempts: number;
  /** Code of the first Status for the top-level CmdID; the full picture is in `itemStatuses`. */
  status: number | null;
  itemStatuses: RecordedStatus[];
  results: RecordedResults[];
  createdAt: EpochMs;
  lastDeliveredAt: EpochMs | null;
  finishedAt: EpochMs | null;
}

export interface CommandFilter extends Page {
  enrollmentId?: number | undefined;
  commandUuid?: string | undefined;
  state?: CommandState | undefined;
}

export interface CommandQueue {
  enqueue(input: EnqueueInput): Promise<EnqueueResult>;
  /**
   * Claims the enrollment's open commands not yet delivered in this session, oldest first, as `select` picks
   * them, and records the deliveries, in one transaction. On PostgreSQL rows are claimed `FOR UPDATE SKIP
   * LOCKED`, so concurrent callers get disjoint commands and never wait on each other. The transaction must
   * commit before the response carrying the commands is sent, or a fast device's Status could arrive first.
   */
  dequeue(req: DequeueRequest): Promise<DequeueResult>;
  /**
   * The commands delivered in one message of a session that are still queued, in queue order, recording
   * nothing: what a retransmitted client message must be answered with again, since the response that carried
   * them may never have arrived.
   */
  redeliver(req: { enrollmentId: number; sessionSeq: number; msgId: number }): Promise<DeliveredCommand[]>;
  /**
   * Resolves each Status/Results by its CmdRef to the enrollment's row (the part before the first "." is the
   * commandUuid) and records it; the first Status for a row's top-level CmdID other than 213 acks it. Replies
   * for rows never delivered are unmatched. Idempotent for a repeated message except that statuses are
   * appended again.
   */
  recordReplies(input: {
    enrollmentId: number;
    sessionSeq: number;
    replies: readonly Reply[];
  }): Promise<RecordRepliesResult>;
  get(id: number): Promise<QueuedCommand | undefined>;
  list(filter?: CommandFilter): Promise<QueuedCommand[]>;
  /** Number of open rows; the cheap check behind "does this device need a session?". */
  countOpen(enrollmentId: number): Promise<number>;
  /** Cancels open rows (by ids or by commandUuid, optionally for one enrollment). Returns how many. */
  cancel(
    target: { ids: readonly number[] } | { commandUuid: string; enrollmentId?: number | undefined },
  ): Promise<number>;
  /** Deletes finished rows (acked, cancelled, expired) that finished before the cutoff, with their deliveries. */
  prune(finishedBefore: EpochMs): Promise<number>;
}
