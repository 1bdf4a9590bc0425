/**
 * The two halves of the wire contract: claiming queued commands for a message, and resolving the device's
 * Status/Results back to rows through the CmdID, which is the row's commandUuid. Both run inside a transaction
 * opened by the caller (see SqlQueue), once per server message, so like the check-in their statements are
 * prebuilt text (see prebuilt.ts).
 */
import { StoreError } from '../errors.ts';
import type {
  DeliveredCommand,
  DequeueChoice,
  DequeueRequest,
  DequeueResult,
  MatchedReply,
  RecordedResults,
  RecordedStatus,
  RecordRepliesResult,
  Reply,
} from '../queue.ts';
import type { Backend } from '../store.ts';
import { type Ctx, chunks, fromJson, toJson } from './context.ts';
import { list, prebuilt, rows, run } from './prebuilt.ts';
import type { CommandState } from './schema.ts';

const DEFAULT_LIMIT = 50;
/** 213 "chunk accepted" answers one piece of a large object; only the Status for the last piece is the ack. */
const CHUNK_ACCEPTED = 213;

function positiveInt(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new StoreError('INVALID', `${name} must be a positive integer, got ${n}`);
}

/** Open rows of the enrollment not yet carried in this session, oldest first. */
function eligible(backend: Backend, what: string, lock: boolean): string {
  return prebuilt(
    backend,
    `queue:eligible:${what}:${lock}`,
    (p) =>
      `select ${what} from command_queue where enrollment_id = ${p()} and state = 'queued'
       and (last_session_seq is null or last_session_seq < ${p()}) order by id limit ${p()}` +
      // Concurrent callers (two processes, a retried request) each get rows nobody else holds, and never wait.
      (lock && backend === 'postgres' ? ' for update skip locked' : ''),
  );
}

/**
 * Whether `dequeue` would find anything, without a transaction. Most server messages have nothing queued, and
 * on SQLite a claiming transaction takes the database's write lock even when it then finds nothing.
 */
export async function anyEligible(ctx: Ctx, req: DequeueRequest): Promise<boolean> {
  const r = await run(ctx.db, eligible(ctx.backend, 'id', false), [req.enrollmentId, req.sessionSeq, 1]);
  return r.rows.length > 0;
}

export function validateDequeue(req: DequeueRequest): number {
  positiveInt('msgId', req.msgId);
  positiveInt('sessionSeq', req.sessionSeq);
  const limit = req.limit ?? DEFAULT_LIMIT;
  positiveInt('limit', limit);
  return limit;
}

interface Candidate {
  id: number;
  command_uuid: string;
  payload: string;
  loc_uri: string | null;
  attempts: number;
}

export async function dequeue(ctx: Ctx, req: DequeueRequest): Promise<DequeueResult> {
  const limit = validateDequeue(req);
  const { db, backend } = ctx;
  // Eligibility is judged on columns of the row itself (last_session_seq), never by a NOT EXISTS over the
  // deliveries: when a concurrent dequeue commits first, PostgreSQL re-checks a locked row's own columns
  // against its newest version but evaluates subqueries on the statement's older snapshot, which would hand
  // the same command out twice (the deliveries' primary key then fails the transaction).
  const candidates = (
    await run<Candidate>(db, eligible(backend, 'id, command_uuid, payload, loc_uri, attempts', true), [
      req.enrollmentId,
      req.sessionSeq,
      limit,
    ])
  ).rows;
  if (candidates.length === 0) return { commands: [] };

  const now = ctx.now();
  const expired: number[] = [];
  const commands: DeliveredCommand[] = [];
  let bytes = 0;
  for (const c of candidates) {
    if (req.maxAttempts !== undefined && c.attempts >= req.maxAttempts) {
      expired.push(c.id);
      continue;
    }
    bytes += c.payload.length;
    if (req.maxPayloadBytes !== undefined && commands.length > 0 && bytes > req.maxPayloadBytes) break;
    const command: DeliveredCommand = {
      id: c.id,
      commandUuid: c.command_uuid,
      payload: JSON.parse(c.payload),
      locUri: c.loc_uri,
      attempt: c.attempts + 1,
    };
    const choice: DequeueChoice = req.select ? req.select({ ...command, attempts: c.attempts }) : 'take';
    if (choice === 'stop') break;
    if (choice === 'take') commands.push(command);
  }

  if (expired.length > 0) {
    await db
      .updateTable('command_queue')
      .set({ state: 'expired', finished_at: now })
      .where('id', 'in', expired)
      .execute();
  }
  if (commands.length > 0) {
    const n = commands.length;
    const deliver = prebuilt(
      backend,
      `queue:deliver:${n}`,
      (p) =>
        `insert into command_deliveries (queue_id, session_seq, enrollment_id, msg_id, delivered_at)
         values ${rows(p, n, 5)}`,
    );
    await run(
      db,
      deliver,
      commands.flatMap((c) => [c.id, req.sessionSeq, req.enrollmentId, req.msgId, now]),
    );
    const mark = prebuilt(
      backend,
      `queue:mark:${n}`,
      (p) =>
        `update command_queue set attempts = attempts + 1, last_delivered_at = ${p()}, last_session_seq = ${p()}
         where id in (${list(p, n)})`,
    );
    await run(db, mark, [now, req.sessionSeq, ...commands.map((c) => c.id)]);
  }
  return { commands };
}

interface DeliveredRow {
  id: number;
  command_uuid: string;
  payload: string;
  loc_uri: string | null;
  attempts: number;
}

export async function redeliver(
  ctx: Ctx,
  req: { enrollmentId: number; sessionSeq: number; msgId: number },
): Promise<DeliveredCommand[]> {
  const text = prebuilt(
    ctx.backend,
    'queue:redeliver',
    (p) =>
      `select q.id, q.command_uuid, q.payload, q.loc_uri, q.attempts from command_deliveries d
       join command_queue q on q.id = d.queue_id
       where d.enrollment_id = ${p()} and d.session_seq = ${p()} and d.msg_id = ${p()} and q.state = 'queued'
       order by q.id`,
  );
  const found = await run<DeliveredRow>(ctx.db, text, [req.enrollmentId, req.sessionSeq, req.msgId]);
  return found.rows.map((r) => ({
    id: r.id,
    commandUuid: r.command_uuid,
    payload: JSON.parse(r.payload),
    locUri: r.loc_uri,
    attempt: r.attempts,
  }));
}

interface LockedRow {
  id: number;
  command_uuid: string;
  state: CommandState;
  status: number | null;
  item_statuses: string | null;
  results: string | null;
  origin: string | null;
  dedupe_key: string | null;
  loc_uri: string | null;
}

/** The commandUuid a CmdRef names: itself, or the part before the first "." for a nested command. */
export function wireUuid(cmdRef: string): string {
  const dot = cmdRef.indexOf('.');
  return (dot < 0 ? cmdRef : cmdRef.slice(0, dot)).toLowerCase();
}

export async function recordReplies(
  ctx: Ctx,
  input: { enrollmentId: number; sessionSeq: number; replies: readonly Reply[] },
): Promise<RecordRepliesResult> {
  const { db } = ctx;
  const uuids = [...new Set(input.replies.map((r) => wireUuid(r.cmdRef)))].sort();
  // Locked in id order, the same order every writer uses, so two acks for one enrollment cannot deadlock. Rows
  // never delivered are not the device's to answer.
  const locked: LockedRow[] = [];
  for (const part of chunks(uuids, 1)) {
    const lockSql = prebuilt(
      ctx.backend,
      `queue:lock:${part.length}`,
      (p) =>
        `select id, command_uuid, state, status, item_statuses, results, origin, dedupe_key, loc_uri from command_queue
         where enrollment_id = ${p()} and command_uuid in (${list(p, part.length)})
         and last_session_seq is not null order by id${ctx.backend === 'postgres' ? ' for update' : ''}`,
    );
    locked.push(...(await run<LockedRow>(db, lockSql, [input.enrollmentId, ...part])).rows);
  }
  const byUuid = new Map(locked.map((r) => [r.command_uuid, r]));
  const perRow = new Map<number, { reply: Reply; index: number }[]>();
  const unmatched: Reply[] = [];
  input.replies.forEach((reply, index) => {
    const row = byUuid.get(wireUuid(reply.cmdRef));
    if (!row) {
      unmatched.push(reply);
      return;
    }
    const entry = perRow.get(row.id) ?? [];
    entry.push({ reply, index });
    perRow.set(row.id, entry);
  });
  if (perRow.size === 0) return { matched: [], unmatched };

  const updateSql = prebuilt(
    ctx.backend,
    'queue:reply',
    (p) =>
      `update command_queue set state = ${p()}, status = ${p()}, item_statuses = ${p()}, results = ${p()},
       finished_at = coalesce(${p()}, finished_at) where id = ${p()}`,
  );
  const now = ctx.now();
  const matched: (MatchedReply & { index: number })[] = [];
  for (const row of locked) {
    const replies = perRow.get(row.id);
    if (!replies) continue;
    const statuses = (fromJson(row.item_statuses) as RecordedStatus[] | null) ?? [];
    const results = (fromJson(row.results) as RecordedResults[] | null) ?? [];
    let state: CommandState = row.state;
    let status = row.status;
    let finishedAt: number | undefined;
    for (const { reply, index } of replies) {
      let acked = false;
      const base = { sessionSeq: input.sessionSeq, msgRef: reply.msgRef, cmdRef: reply.cmdRef };
      if (reply.kind === 'status') {
        statuses.push({ ...base, code: reply.code, targetRef: reply.targetRef, sourceRef: reply.sourceRef, at: now });
        // A device that executed a command we had since cancelled or expired still executed it.
        const own = reply.cmdRef.toLowerCase() === row.command_uuid;
        if (own && reply.code !== CHUNK_ACCEPTED && state !== 'acked') {
          state = 'acked';
          status = reply.code;
          finishedAt = now;
          acked = true;
        }
      } else {
        results.push({ ...base, items: reply.items, at: now });
      }
      matched.push({
        reply,
        queueId: row.id,
        commandUuid: row.command_uuid,
        acked,
        origin: row.origin,
        dedupeKey: row.dedupe_key,
        locUri: row.loc_uri,
        index,
      });
    }
    await run(db, updateSql, [
      state,
      status,
      statuses.length > 0 ? toJson(statuses) : null,
      results.length > 0 ? toJson(results) : null,
      finishedAt ?? null,
      row.id,
    ]);
  }
  matched.sort((a, b) => a.index - b.index);
  return { matched: matched.map(({ index: _, ...m }) => m), unmatched };
}
