import type { EpochMs, Page } from './types.ts';

/**
 * The command queue.
 *
 * Wire identity. A queued row is a command for one enrollment; a command sent to many enrollments is fanned
 * out into one row each at enqueue (one multi-row insert), sharing a `commandUuid`. Per-device rows are what
 * get locked, delivered, acked and retried, so a fleet-wide command never becomes a hot row.
 *
 * CmdIDs are assigned per message, at delivery: the session engine says which CmdID the first queued command
 * in the message gets (after its own Status elements), and each row takes `cmdSpan` consecutive CmdIDs (1, or
 * 1 + children for Atomic/Sequence). The delivery row records (session, MsgID, CmdID) → queue row, which is
 * exactly what a Status or Results names with (MsgRef, CmdRef), so any process can resolve an ack. A command
 * re-delivered in a later session gets new CmdIDs in that message. We chose this over Fleet's
 * "UUID as CmdID": CmdIDs are scoped to one message on the wire (MS-MDM 2.2.3.2), the engine owns numbering
 * everything it emits in that message, and short integers keep messages under MaxMsgSize.
 *
 * Delivery is at least once: a row stays `queued` until a Status for its top-level CmdID arrives, is delivered
 * at most once per session (enforced by a unique index), and again in every later session until acked.
 * Ordering is by `id`, a monotonic sequence, never by time.
 */
export type CommandState = 'queued' | 'acked' | 'cancelled' | 'expired';

export interface EnqueueInput {
  enrollmentIds: readonly number[];
  /** What the engine needs to render the command; stored as JSON, opaque to the store. */
  payload: unknown;
  /** CmdIDs this command consumes on the wire: 1 + nested commands for Atomic/Sequence. */
  cmdSpan?: number | undefined;
  /** The (first) LocURI it addresses, for listing and inspection. */
  locUri?: string | undefined;
  /** Who queued it: 'admin', 'reconciler', 'enrollment', … */
  origin?: string | undefined;
  /**
   * While an open (queued) row with this key exists for an enrollment, enqueueing it again for that enrollment
   * is a no-op. Lets a reconciler re-run without piling up duplicates.
   */
  dedupeKey?: string | undefined;
  /** Defaults to a fresh random UUID. */
  commandUuid?: string | undefined;
}

export interface EnqueueResult {
  commandUuid: string;
  queued: { enrollmentId: number; id: number }[];
  /** Enrollments that already had an open row with the same dedupe key. */
  skipped: number[];
}

export interface DequeueRequest {
  enrollmentId: number;
  /** SessionState.seq of the session the message belongs to. */
  sessionSeq: number;
  /** MsgID of the server message these commands will travel in. */
  msgId: number;
  /** CmdID for the first delivered command; must be ≥ 1 ("0" is reserved for the SyncHdr). */
  firstCmdId: number;
  limit?: number | undefined;
  /** Stop adding commands once their payload JSON would exceed this (one command is always allowed). */
  maxPayloadBytes?: number | undefined;
  /** Rows already delivered this many times are marked `expired` instead of sent again. */
  maxAttempts?: number | undefined;
}

export interface DeliveredCommand {
  id: number;
  commandUuid: string;
  cmdId: number;
  cmdSpan: number;
  payload: unknown;
  locUri: string | null;
  /** 1 on first delivery. */
  attempt: number;
}

export interface DequeueResult {
  commands: DeliveredCommand[];
  /** The CmdID the engine may use next in this message. */
  nextCmdId: number;
}

export interface Delivery {
  queueId: number;
  sessionSeq: number;
  msgId: number;
  cmdId: number;
  cmdSpan: number;
  deliveredAt: EpochMs;
}

export interface StatusReply {
  kind: 'status';
  msgRef: number;
  cmdRef: number;
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
  cmdRef: number;
  items: ResultItem[];
}

export type Reply = StatusReply | ResultsReply;

/** A Status as kept on the row: per item, per nested command, per delivery. */
export interface RecordedStatus {
  sessionSeq: number;
  msgRef: number;
  cmdRef: number;
  code: number;
  targetRef?: string | undefined;
  sourceRef?: string | undefined;
  at: EpochMs;
}

export interface RecordedResults {
  sessionSeq: number;
  msgRef: number;
  cmdRef: number;
  items: ResultItem[];
  at: EpochMs;
}

export interface MatchedReply {
  reply: Reply;
  queueId: number;
  commandUuid: string;
  /** This reply moved the row to `acked` (the first Status for its top-level CmdID). */
  acked: boolean;
}

export interface RecordRepliesResult {
  matched: MatchedReply[];
  /** Replies to CmdIDs this session never delivered from the queue (the engine's own commands, or bogus). */
  unmatched: Reply[];
}

export interface QueuedCommand {
  id: number;
  commandUuid: string;
  enrollmentId: number;
  payload: unknown;
  cmdSpan: number;
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
   * Claims the enrollment's open commands not yet delivered in this session, oldest first, assigns CmdIDs and
   * records the deliveries, in one transaction. On PostgreSQL rows are claimed `FOR UPDATE SKIP LOCKED`, so
   * concurrent callers get disjoint commands and never wait on each other. The transaction must commit before
   * the response carrying the commands is sent, or a fast device's Status could arrive first.
   */
  dequeue(req: DequeueRequest): Promise<DequeueResult>;
  /**
   * Resolves each Status/Results by (session, MsgRef, CmdRef) to its row and records it; the first Status for a
   * row's top-level CmdID acks it. Idempotent for a repeated message except that statuses are appended again.
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
