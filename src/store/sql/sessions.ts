import type { Kysely, Selectable } from 'kysely';
import { StoreError } from '../errors.ts';
import type { Delivery } from '../queue.ts';
import type { ArrivalOutcome, MessageArrival, SessionState, SessionStore } from '../sessions.ts';
import { affected, atomic, type Ctx, fromJson, toJson, translate } from './context.ts';
import { prebuilt, run } from './prebuilt.ts';
import type { DmSessionsTable, Schema } from './schema.ts';

const toSession = (r: Selectable<DmSessionsTable>): SessionState => ({
  enrollmentId: r.enrollment_id,
  seq: r.seq,
  sessionId: r.session_id,
  lastMsgId: r.last_msg_id,
  authenticated: r.authenticated === 1,
  nonce: r.nonce,
  data: fromJson(r.data),
  startedAt: r.started_at,
  updatedAt: r.updated_at,
});

export class SqlSessions implements SessionStore {
  constructor(private readonly ctx: Ctx) {}

  /** Prebuilt: this runs for every management message (see prebuilt.ts). */
  async #lockRow(db: Kysely<Schema>, enrollmentId: number): Promise<Selectable<DmSessionsTable> | undefined> {
    const text = prebuilt(
      this.ctx.backend,
      'sessions:lock',
      (p) =>
        `select * from dm_sessions where enrollment_id = ${p()}${this.ctx.backend === 'postgres' ? ' for update' : ''}`,
    );
    return (await run<Selectable<DmSessionsTable>>(db, text, [enrollmentId])).rows[0];
  }

  /** The row is created lazily with seq 0 ("no session yet"), racing creators resolved by the primary key. */
  async #ensureRow(db: Kysely<Schema>, enrollmentId: number): Promise<void> {
    const now = this.ctx.now();
    try {
      await db
        .insertInto('dm_sessions')
        .values({
          enrollment_id: enrollmentId,
          seq: 0,
          session_id: '',
          last_msg_id: 0,
          authenticated: 0,
          nonce: null,
          data: null,
          started_at: now,
          updated_at: now,
        })
        .onConflict((oc) => oc.column('enrollment_id').doNothing())
        .execute();
    } catch (err) {
      translate(err, `session state of enrollment ${enrollmentId}`);
    }
  }

  async arrive(input: MessageArrival): Promise<ArrivalOutcome> {
    if (!Number.isInteger(input.msgId) || input.msgId < 1) {
      throw new StoreError('INVALID', `MsgID must be a positive integer, got ${input.msgId}`);
    }
    return atomic(this.ctx, async (db) => {
      let row = await this.#lockRow(db, input.enrollmentId);
      if (!row) {
        await this.#ensureRow(db, input.enrollmentId);
        row = (await this.#lockRow(db, input.enrollmentId))!;
      }
      const now = this.ctx.now();
      const isNew = row.seq === 0 || row.session_id !== input.sessionId || input.msgId === 1 || input.opens === true;
      if (!isNew && input.msgId <= row.last_msg_id) {
        return { session: toSession(row), isNew: false, replay: true };
      }
      const next: Selectable<DmSessionsTable> = isNew
        ? {
            ...row,
            seq: row.seq + 1,
            session_id: input.sessionId,
            last_msg_id: input.msgId,
            authenticated: 0,
            data: null,
            started_at: now,
            updated_at: now,
          }
        : { ...row, last_msg_id: input.msgId, updated_at: now };
      const update = prebuilt(
        this.ctx.backend,
        'sessions:arrive',
        (p) =>
          `update dm_sessions set seq = ${p()}, session_id = ${p()}, last_msg_id = ${p()}, authenticated = ${p()},
           data = ${p()}, started_at = ${p()}, updated_at = ${p()} where enrollment_id = ${p()}`,
      );
      await run(db, update, [
        next.seq,
        next.session_id,
        next.last_msg_id,
        next.authenticated,
        next.data,
        next.started_at,
        next.updated_at,
        input.enrollmentId,
      ]);
      return { session: toSession(next), isNew, replay: false };
    });
  }

  async get(enrollmentId: number): Promise<SessionState | undefined> {
    const row = await this.ctx.db
      .selectFrom('dm_sessions')
      .selectAll()
      .where('enrollment_id', '=', enrollmentId)
      .executeTakeFirst();
    return row && toSession(row);
  }

  async setAuthenticated(enrollmentId: number, seq: number): Promise<boolean> {
    const r = await this.ctx.db
      .updateTable('dm_sessions')
      .set({ authenticated: 1, updated_at: this.ctx.now() })
      .where('enrollment_id', '=', enrollmentId)
      .where('seq', '=', seq)
      .executeTakeFirst();
    return affected(r) > 0;
  }

  setNonce(enrollmentId: number, nonce: string): Promise<void> {
    return atomic(this.ctx, async (db) => {
      await this.#ensureRow(db, enrollmentId);
      await db
        .updateTable('dm_sessions')
        .set({ nonce, updated_at: this.ctx.now() })
        .where('enrollment_id', '=', enrollmentId)
        .execute();
    });
  }

  async saveData(enrollmentId: number, seq: number, data: unknown): Promise<boolean> {
    const r = await this.ctx.db
      .updateTable('dm_sessions')
      .set({ data: toJson(data), updated_at: this.ctx.now() })
      .where('enrollment_id', '=', enrollmentId)
      .where('seq', '=', seq)
      .executeTakeFirst();
    return affected(r) > 0;
  }

  async outstanding(enrollmentId: number, seq: number): Promise<Delivery[]> {
    const rows = await this.ctx.db
      .selectFrom('command_deliveries as d')
      .innerJoin('command_queue as q', 'q.id', 'd.queue_id')
      .select(['d.queue_id', 'q.command_uuid', 'd.session_seq', 'd.msg_id', 'd.delivered_at'])
      .where('d.enrollment_id', '=', enrollmentId)
      .where('d.session_seq', '=', seq)
      .where('q.state', '=', 'queued')
      .orderBy('d.msg_id')
      .orderBy('d.queue_id')
      .execute();
    return rows.map((r) => ({
      queueId: r.queue_id,
      commandUuid: r.command_uuid,
      sessionSeq: r.session_seq,
      msgId: r.msg_id,
      deliveredAt: r.delivered_at,
    }));
  }
}
