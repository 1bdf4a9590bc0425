/**
 * The two halves of the wire contract: handing queued commands CmdIDs in a message, and resolving the device's
 * Status/Results back to rows. Both run inside a transaction opened by the caller (see SqlQueue).
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
import { type Ctx, chunks, fromJson, toJson } from './context.ts';
import type { CommandState } from './schema.ts';

const DEFAULT_LIMIT = 50;

function positiveInt(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new StoreError('INVALID', `${name} must be a positive integer, got ${n}`);
}

export async function dequeue(ctx: Ctx, req: DequeueRequest): Promise<DequeueResult> {
  positiveInt('firstCmdId', req.firstCmdId);
  positiveInt('msgId', req.msgId);
  positiveInt('sessionSeq', req.sessionSeq);
  const limit = req.limit ?? DEFAULT_LIMIT;
  positiveInt('limit', limit);
  const { db } = ctx;
  const candidates = await db
    .selectFrom('command_queue as q')
    .select(['q.id', 'q.command_uuid', 'q.payload', 'q.cmd_span', 'q.loc_uri', 'q.attempts'])
    .where('q.enrollment_id', '=', req.enrollmentId)
    .where('q.state', '=', 'queued')
    // Not yet carried in this session. This must be a column of the row itself, not a NOT EXISTS over the
    // deliveries: when a concurrent dequeue commits first, PostgreSQL re-checks a locked row's own columns
    // against its newest version, but evaluates subqueries on the statement's older snapshot, which would
    // hand the same command out twice (the unique index on deliveries catches it, as an error).
    .where((eb) => eb.or([eb('q.last_session_seq', 'is', null), eb('q.last_session_seq', '<', req.sessionSeq)]))
    .orderBy('q.id')
    .limit(limit)
    // Concurrent callers (two processes, or a retried request) each get rows nobody else holds, and never wait.
    .$if(ctx.backend === 'postgres', (q) => q.forUpdate().skipLocked())
    .execute();
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
    const deliveries = commands.map((c) => ({
      enrollment_id: req.enrollmentId,
      session_seq: req.sessionSeq,
      msg_id: req.msgId,
      cmd_id: c.cmdId,
      cmd_span: c.cmdSpan,
      queue_id: c.id,
      delivered_at: now,
    }));
    for (const part of chunks(deliveries, 7)) await db.insertInto('command_deliveries').values(part).execute();
    await db
      .updateTable('command_queue')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), last_delivered_at: now, last_session_seq: req.sessionSeq }))
      .where(
        'id',
        'in',
        commands.map((c) => c.id),
      )
      .execute();
  }
  return { commands, nextCmdId: cmdId };
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
  const refs = await db
    .selectFrom('command_deliveries')
    .select(['msg_id', 'cmd_id', 'cmd_span', 'queue_id'])
    .where('enrollment_id', '=', input.enrollmentId)
    .where('session_seq', '=', input.sessionSeq)
    .where('msg_id', 'in', msgRefs)
    .execute();
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
  const rows = [];
  for (const part of chunks(ids, 1)) {
    rows.push(
      ...(await db
        .selectFrom('command_queue')
        .select(['id', 'command_uuid', 'state', 'status', 'item_statuses', 'results'])
        .where('id', 'in', part)
        .orderBy('id')
        .$if(ctx.backend === 'postgres', (q) => q.forUpdate())
        .execute()),
    );
  }

  const now = ctx.now();
  const matched: (MatchedReply & { index: number })[] = [];
  for (const row of rows) {
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
    await db
      .updateTable('command_queue')
      .set({
        state,
        status,
        item_statuses: statuses.length > 0 ? toJson(statuses) : null,
        results: results.length > 0 ? toJson(results) : null,
        ...(finishedAt !== undefined ? { finished_at: finishedAt } : {}),
      })
      .where('id', '=', row.id)
      .execute();
  }
  matched.sort((a, b) => a.index - b.index);
  return { matched: matched.map(({ index: _, ...m }) => m), unmatched };
}
