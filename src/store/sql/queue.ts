import { randomUUID } from 'node:crypto';
import { type Kysely, type Selectable, type SqlBool, sql } from 'kysely';
import { StoreError } from '../errors.ts';
import type {
  CommandFilter,
  CommandQueue,
  DeliveredCommand,
  DequeueRequest,
  DequeueResult,
  EnqueueInput,
  EnqueueResult,
  QueuedCommand,
  RecordedResults,
  RecordedStatus,
  RecordRepliesResult,
  Reply,
} from '../queue.ts';
import type { Backend } from '../store.ts';
import { pageLimit } from '../types.ts';
import { affected, atomic, type Ctx, chunks, fromJson, translate } from './context.ts';
import { anyEligible, dequeue, recordReplies, redeliver, validateDequeue } from './delivery.ts';
import { prebuilt, rows, run } from './prebuilt.ts';
import type { CommandQueueTable, Schema } from './schema.ts';

export const toCommand = (r: Selectable<CommandQueueTable>): QueuedCommand => ({
  id: r.id,
  commandUuid: r.command_uuid,
  enrollmentId: r.enrollment_id,
  payload: fromJson(r.payload),
  locUri: r.loc_uri,
  origin: r.origin,
  dedupeKey: r.dedupe_key,
  state: r.state,
  attempts: r.attempts,
  status: r.status,
  itemStatuses: (fromJson(r.item_statuses) as RecordedStatus[] | null) ?? [],
  results: (fromJson(r.results) as RecordedResults[] | null) ?? [],
  createdAt: r.created_at,
  lastDeliveredAt: r.last_delivered_at,
  finishedAt: r.finished_at,
});

/**
 * A queued command's CmdID on the wire (see queue.ts): a UUID can never equal the engine's integer CmdIDs, and
 * holds no "." (the separator of nested commands' CmdIDs).
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Must match the predicate of the `command_queue_dedupe` index word for word, or PostgreSQL cannot infer it. */
const OPEN_WITH_KEY = sql<SqlBool>`state = 'queued' and dedupe_key is not null`;

const ENQUEUE_COLUMNS = [
  'command_uuid',
  'enrollment_id',
  'payload',
  'cmd_span',
  'loc_uri',
  'origin',
  'dedupe_key',
  'state',
  'status',
  'item_statuses',
  'results',
  'created_at',
  'last_delivered_at',
  'last_session_seq',
  'finished_at',
] as const;

/**
 * An enqueue for one device (the session engine and the reconciler queue per message) or a few runs as prebuilt
 * text (see prebuilt.ts); a fan-out to many goes through the builder, so its one-off shapes stay out of the cache.
 */
const PREBUILT_ROWS = 8;

function enqueueText(backend: Backend, rowCount: number, dedupe: boolean): string {
  return prebuilt(
    backend,
    `queue:enqueue:${rowCount}:${dedupe}`,
    (p) =>
      `insert into command_queue (${ENQUEUE_COLUMNS.join(', ')}) values ${rows(p, rowCount, ENQUEUE_COLUMNS.length)}` +
      // The conflict target must name the partial index's predicate word for word (see OPEN_WITH_KEY).
      (dedupe
        ? " on conflict (enrollment_id, dedupe_key) where state = 'queued' and dedupe_key is not null do nothing"
        : '') +
      ' returning id, enrollment_id',
  );
}

export class SqlQueue implements CommandQueue {
  constructor(private readonly ctx: Ctx) {}

  async enqueue(input: EnqueueInput): Promise<EnqueueResult> {
    if (input.payload === undefined) throw new StoreError('INVALID', 'a command needs a payload');
    if (input.commandUuid !== undefined && !UUID.test(input.commandUuid)) {
      throw new StoreError(
        'INVALID',
        `commandUuid must be a UUID (it is the CmdID on the wire), got '${input.commandUuid}'`,
      );
    }
    const commandUuid = (input.commandUuid ?? randomUUID()).toLowerCase();
    const payload = JSON.stringify(input.payload);
    const now = this.ctx.now();
    const targets = [...new Set(input.enrollmentIds)];
    const rows = targets.map((enrollment_id) => ({
      command_uuid: commandUuid,
      enrollment_id,
      payload,
      cmd_span: 1,
      loc_uri: input.locUri ?? null,
      origin: input.origin ?? null,
      dedupe_key: input.dedupeKey ?? null,
      state: 'queued' as const,
      status: null,
      item_statuses: null,
      results: null,
      created_at: now,
      last_delivered_at: null,
      last_session_seq: null,
      finished_at: null,
    }));
    const parts = chunks(rows, 14);
    const dedupe = input.dedupeKey !== undefined;
    const insertAll = async (db: Kysely<Schema>) => {
      const queued: EnqueueResult['queued'] = [];
      try {
        for (const part of parts) {
          const inserted =
            part.length <= PREBUILT_ROWS
              ? (
                  await run<{ id: number; enrollment_id: number }>(
                    db,
                    enqueueText(this.ctx.backend, part.length, dedupe),
                    part.flatMap((r) => ENQUEUE_COLUMNS.map((c) => r[c])),
                  )
                ).rows
              : await db
                  .insertInto('command_queue')
                  .values(part)
                  .$if(dedupe, (q) =>
                    q.onConflict((oc) => oc.columns(['enrollment_id', 'dedupe_key']).where(OPEN_WITH_KEY).doNothing()),
                  )
                  .returning(['id', 'enrollment_id'])
                  .execute();
          for (const r of inserted) queued.push({ enrollmentId: r.enrollment_id, id: r.id });
        }
      } catch (err) {
        translate(err, `command ${commandUuid}`);
      }
      const got = new Set(queued.map((q) => q.enrollmentId));
      queued.sort((a, b) => a.id - b.id);
      return { commandUuid, queued, skipped: targets.filter((t) => !got.has(t)) };
    };
    // One statement is atomic by itself; only a fan-out split over several needs a transaction around it.
    return parts.length <= 1 ? insertAll(this.ctx.db) : atomic(this.ctx, insertAll);
  }

  async dequeue(req: DequeueRequest): Promise<DequeueResult> {
    validateDequeue(req);
    if (!this.ctx.db.isTransaction && !(await anyEligible(this.ctx, req))) return { commands: [] };
    return atomic(this.ctx, (db) => dequeue({ ...this.ctx, db }, req));
  }

  redeliver(req: { enrollmentId: number; sessionSeq: number; msgId: number }): Promise<DeliveredCommand[]> {
    return redeliver(this.ctx, req);
  }

  recordReplies(input: {
    enrollmentId: number;
    sessionSeq: number;
    replies: readonly Reply[];
  }): Promise<RecordRepliesResult> {
    if (input.replies.length === 0) return Promise.resolve({ matched: [], unmatched: [] });
    return atomic(this.ctx, (db) => recordReplies({ ...this.ctx, db }, input));
  }

  async get(id: number): Promise<QueuedCommand | undefined> {
    const text = prebuilt(this.ctx.backend, 'queue:get', (p) => `select * from command_queue where id = ${p()}`);
    const row = (await run<Selectable<CommandQueueTable>>(this.ctx.db, text, [id])).rows[0];
    return row && toCommand(row);
  }

  async list(filter?: CommandFilter): Promise<QueuedCommand[]> {
    const rows = await this.ctx.db
      .selectFrom('command_queue')
      .selectAll()
      .$if(filter?.enrollmentId !== undefined, (q) => q.where('enrollment_id', '=', filter!.enrollmentId!))
      .$if(filter?.commandUuid !== undefined, (q) => q.where('command_uuid', '=', filter!.commandUuid!))
      .$if(filter?.state !== undefined, (q) => q.where('state', '=', filter!.state!))
      .$if(filter?.after !== undefined, (q) => q.where('id', '>', filter!.after!))
      .orderBy('id')
      .limit(pageLimit(filter))
      .execute();
    return rows.map(toCommand);
  }

  async countOpen(enrollmentId: number): Promise<number> {
    const row = await this.ctx.db
      .selectFrom('command_queue')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('enrollment_id', '=', enrollmentId)
      .where('state', '=', 'queued')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async cancel(
    target: { ids: readonly number[] } | { commandUuid: string; enrollmentId?: number | undefined },
  ): Promise<number> {
    let q = this.ctx.db
      .updateTable('command_queue')
      .set({ state: 'cancelled', finished_at: this.ctx.now() })
      .where('state', '=', 'queued');
    if ('ids' in target) {
      if (target.ids.length === 0) return 0;
      q = q.where('id', 'in', target.ids);
    } else {
      q = q.where('command_uuid', '=', target.commandUuid);
      if (target.enrollmentId !== undefined) q = q.where('enrollment_id', '=', target.enrollmentId);
    }
    return affected(await q.executeTakeFirst());
  }

  async prune(finishedBefore: number): Promise<number> {
    const r = await this.ctx.db
      .deleteFrom('command_queue')
      .where('state', '<>', 'queued')
      .where('finished_at', '<', finishedBefore)
      .executeTakeFirst();
    return affected(r);
  }
}
