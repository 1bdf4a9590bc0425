/**
 * The two halves of the wire contract: handing queued commands CmdIDs in a message, and resolving the device's
 * Status/Results back to rows. Both run inside a transaction opened by the caller (see SqlQueue), once per
 * server message, so like the check-in their statements are prebuilt text (see prebuilt.ts).
 */
import { StoreError } from '../errors.ts';
import type {
  DeliveredCommand,
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
  positiveInt('firstCmdId', req.firstCmdId);
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
  cmd_span: number;
  loc_uri: string | null;
  attempts: number;
}

export async function dequeue(ctx: Ctx, req: DequeueRequest): Promise<DequeueResult> {
  const limit = validateDequeue(req);
  const { db, backend } = ctx;
  // Eligibility is judged on columns of the row itself (last_session_seq), never by a NOT EXISTS over the
  // deliveries: when a concurrent dequeue commits first, PostgreSQL re-checks a locked row's own columns
  // against its newest version but evaluates subqueries on the statement's older snapshot, which would hand
  // the same command out twice (the unique index on deliveries then fails the transaction).
  const candidates = (
    await run<Candidate>(db, eligible(backend, 'id, command_uuid, payload, cmd_span, loc_uri, attempts', true), [
      req.enrollmentId,
      req.sessionSeq,
      limit,
    ])
  ).rows;
  if (candidates.length === 0) return { commands: [], nextCmdId: req.firstCmdId };

  const now = ctx.now();
  const expired: number[] = [];
  const commands: DeliveredCommand[] = [];
  let cmdId = req.firstCmdId;
  let bytes = 0;
  for (const c of candidates) {
    if (req.maxAttempts !== undefined && c.attempts >= req.maxAttempts) {
      expired.push(c.id);
      continue;
    }
    bytes += c.payload.length;
    if (req.maxPayloadBytes !== undefined && commands.length > 0 && bytes > req.maxPayloadBytes) break;
    commands.push({
      id: c.id,
      commandUuid: c.command_uuid,
      cmdId,
      cmdSpan: c.cmd_span,
      payload: JSON.parse(c.payload),
      locUri: c.loc_uri,
      attempt: c.attempts + 1,
    });
    cmdId += c.cmd_span;
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
        `insert into command_deliveries (enrollment_id, session_seq, msg_id, cmd_id, cmd_span, queue_id, delivered_at)
         values ${rows(p, n, 7)}`,
    );
    await run(
      db,
      deliver,
      commands.flatMap((c) => [req.enrollmentId, req.sessionSeq, req.msgId, c.cmdId, c.cmdSpan, c.id, now]),
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
  return { commands, nextCmdId: cmdId };
}

interface LockedRow {
  id: number;
  command_uuid: string;
  state: CommandState;
  status: number | null;
  item_statuses: string | null;
  results: string | null;
}

interface DeliveryRef {
  msg_id: number;
  cmd_id: number;
  cmd_span: number;
  queue_id: number;
}

/** Finds the delivery whose CmdID range [cmd_id, cmd_id + span) holds the reference. */
function resolve(byMsg: Map<number, DeliveryRef[]>, reply: Reply): DeliveryRef | undefined {
  return byMsg.get(reply.msgRef)?.find((d) => reply.cmdRef >= d.cmd_id && reply.cmdRef < d.cmd_id + d.cmd_span);
}

export async function recordReplies(
  ctx: Ctx,
  input: { enrollmentId: number; sessionSeq: number; replies: readonly Reply[] },
): Promise<RecordRepliesResult> {
  const { db } = ctx;
  const msgRefs = [...new Set(input.replies.map((r) => r.msgRef))];
  const resolveSql = prebuilt(
    ctx.backend,
    `queue:resolve:${msgRefs.length}`,
    (p) =>
      `select msg_id, cmd_id, cmd_span, queue_id from command_deliveries
       where enrollment_id = ${p()} and session_seq = ${p()} and msg_id in (${list(p, msgRefs.length)})`,
  );
  const refs = (await run<DeliveryRef>(db, resolveSql, [input.enrollmentId, input.sessionSeq, ...msgRefs])).rows;
  const byMsg = new Map<number, DeliveryRef[]>();
  for (const d of refs) byMsg.set(d.msg_id, [...(byMsg.get(d.msg_id) ?? []), d]);

  const unmatched: Reply[] = [];
  const perRow = new Map<number, { delivery: DeliveryRef; replies: { reply: Reply; index: number }[] }>();
  input.replies.forEach((reply, index) => {
    const d = resolve(byMsg, reply);
    if (!d) {
      unmatched.push(reply);
      return;
    }
    const entry = perRow.get(d.queue_id) ?? { delivery: d, replies: [] };
    entry.replies.push({ reply, index });
    perRow.set(d.queue_id, entry);
  });
  if (perRow.size === 0) return { matched: [], unmatched };

  // Locked in id order, the same order every writer uses, so two acks for one enrollment cannot deadlock.
  const ids = [...perRow.keys()].sort((a, b) => a - b);
  const locked: LockedRow[] = [];
  for (const part of chunks(ids, 1)) {
    const lockSql = prebuilt(
      ctx.backend,
      `queue:lock:${part.length}`,
      (p) =>
        `select id, command_uuid, state, status, item_statuses, results from command_queue
         where id in (${list(p, part.length)}) order by id${ctx.backend === 'postgres' ? ' for update' : ''}`,
    );
    locked.push(...(await run<LockedRow>(db, lockSql, part)).rows);
  }
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
    const { delivery, replies } = perRow.get(row.id)!;
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
        if (reply.cmdRef === delivery.cmd_id && state !== 'acked') {
          state = 'acked';
          status = reply.code;
          finishedAt = now;
          acked = true;
        }
      } else {
        results.push({ ...base, items: reply.items, at: now });
      }
      matched.push({ reply, queueId: row.id, commandUuid: row.command_uuid, acked, index });
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
