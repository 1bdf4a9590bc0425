import type { Kysely, Selectable } from 'kysely';
import { StoreError } from '../errors.ts';
import type { Delivery } from '../queue.ts';
import type { ArrivalOutcome, MessageArrival, SessionPosition, SessionState, SessionStore } from '../sessions.ts';
import { columnsOf, selectList } from './columns.ts';
import { atomic, type Ctx, fromJson, toJson, translate } from './context.ts';
import { prebuilt, run } from './prebuilt.ts';
import type { DmSessionsTable, Schema } from './schema.ts';

const SESSION_COLUMNS = selectList(
  columnsOf<DmSessionsTable>()([
    'enrollment_id',
    'seq',
    'session_id',
    'last_msg_id',
    'authenticated',
    'nonce',
    'data',
    'started_at',
    'updated_at',
  ]),
);

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

  /** The whole session row, written by `arrive` and by `saveArrival` alike; parameters in column order, id last. */
  #rowUpdate(): string {
    return prebuilt(
      this.ctx.backend,
      'sessions:row',
      (p) =>
        `update dm_sessions set seq = ${p()}, session_id = ${p()}, last_msg_id = ${p()}, authenticated = ${p()},
         data = ${p()}, started_at = ${p()}, updated_at = ${p()} where enrollment_id = ${p()}`,
    );
  }

  /** Prebuilt: this runs for every management message (see prebuilt.ts). */
  async #lockRow(db: Kysely<Schema>, enrollmentId: number): Promise<Selectable<DmSessionsTable> | undefined> {
    const text = prebuilt(
      this.ctx.backend,
      'sessions:lock',
      (p) =>
        `select ${SESSION_COLUMNS} from dm_sessions where enrollment_id = ${p()}${this.ctx.backend === 'postgres' ? ' for update' : ''}`,
    );
    return (await run<Selectable<DmSessionsTable>>(db, text, [enrollmentId])).rows[0];
  }

  /**
   * The row is created lazily with seq 0 ("no session yet"), racing creators resolved by the primary key. Returns
   * the row when this call created it; on a conflict (another creator won) nothing, and the caller reads it.
   */
  async #ensureRow(db: Kysely<Schema>, enrollmentId: number): Promise<Selectable<DmSessionsTable> | undefined> {
    const now = this.ctx.now();
    const text = prebuilt(
      this.ctx.backend,
      'sessions:ensure',
      (p) =>
        `insert into dm_sessions (enrollment_id, seq, session_id, last_msg_id, authenticated, nonce, data, started_at,
         updated_at) values (${p()}, 0, '', 0, 0, null, null, ${p()}, ${p()})
         on conflict (enrollment_id) do nothing returning ${SESSION_COLUMNS}`,
    );
    try {
      return (await run<Selectable<DmSessionsTable>>(db, text, [enrollmentId, now, now])).rows[0];
    } catch (err) {
      translate(err, `session state of enrollment ${enrollmentId}`);
    }
  }

  async arrive(input: MessageArrival): Promise<ArrivalOutcome> {
    if (!Number.isInteger(input.msgId) || input.msgId < 1) {
      throw new StoreError('INVALID', `MsgID must be a positive integer, got ${input.msgId}`);
    }
    return atomic(this.ctx, async (db) => {
      // A row this statement inserted is locked by the insert itself; one a racing creator inserted is read.
      const row =
        (await this.#lockRow(db, input.enrollmentId)) ??
        (await this.#ensureRow(db, input.enrollmentId)) ??
        (await this.#lockRow(db, input.enrollmentId))!;
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
      if (input.defer) return { session: toSession(next), isNew, replay: false };
      await run(db, this.#rowUpdate(), [
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
    const text = prebuilt(
      this.ctx.backend,
      'sessions:get',
      (p) => `select ${SESSION_COLUMNS} from dm_sessions where enrollment_id = ${p()}`,
    );
    const row = (await run<Selectable<DmSessionsTable>>(this.ctx.db, text, [enrollmentId])).rows[0];
    return row && toSession(row);
  }

  async setAuthenticated(enrollmentId: number, seq: number): Promise<boolean> {
    const text = prebuilt(
      this.ctx.backend,
      'sessions:authenticated',
      (p) =>
        `update dm_sessions set authenticated = 1, updated_at = ${p()} where enrollment_id = ${p()} and seq = ${p()}`,
    );
    const r = await run(this.ctx.db, text, [this.ctx.now(), enrollmentId, seq]);
    return (r.numAffectedRows ?? 0n) > 0n;
  }

  /** One upsert: creates the row ("no session yet") when there is none, atomic by itself. */
  async setNonce(enrollmentId: number, nonce: string): Promise<void> {
    const now = this.ctx.now();
    const text = prebuilt(
      this.ctx.backend,
      'sessions:nonce',
      (p) =>
        `insert into dm_sessions (enrollment_id, seq, session_id, last_msg_id, authenticated, nonce, data, started_at,
         updated_at) values (${p()}, 0, '', 0, 0, ${p()}, null, ${p()}, ${p()})
         on conflict (enrollment_id) do update set nonce = excluded.nonce, updated_at = excluded.updated_at`,
    );
    try {
      await run(this.ctx.db, text, [enrollmentId, nonce, now, now]);
    } catch (err) {
      translate(err, `session state of enrollment ${enrollmentId}`);
    }
  }

  /** Prebuilt: written by most management messages. */
  async saveData(enrollmentId: number, seq: number, data: unknown): Promise<boolean> {
    const text = prebuilt(
      this.ctx.backend,
      'sessions:data',
      (p) => `update dm_sessions set data = ${p()}, updated_at = ${p()} where enrollment_id = ${p()} and seq = ${p()}`,
    );
    const r = await run(this.ctx.db, text, [toJson(data), this.ctx.now(), enrollmentId, seq]);
    return (r.numAffectedRows ?? 0n) > 0n;
  }

  /** Prebuilt: the one session-row write of most management messages (see `MessageArrival.defer`). */
  async saveArrival(session: SessionState, data: unknown): Promise<void> {
    await run(this.ctx.db, this.#rowUpdate(), [
      session.seq,
      session.sessionId,
      session.lastMsgId,
      session.authenticated ? 1 : 0,
      toJson(data),
      session.startedAt,
      session.updatedAt,
      session.enrollmentId,
    ]);
  }

  /** Where each enrollment's session stands: asked only by a process at its session cap (overload.ts). */
  async positions(enrollmentIds: readonly number[]): Promise<Map<number, SessionPosition>> {
    const out = new Map<number, SessionPosition>();
    // Chunked: SQLite caps the bound parameters of one statement.
    for (let i = 0; i < enrollmentIds.length; i += 500) {
      const rows = await this.ctx.db
        .selectFrom('dm_sessions')
        .select(['enrollment_id', 'seq', 'last_msg_id'])
        .where('enrollment_id', 'in', enrollmentIds.slice(i, i + 500))
        .execute();
      for (const r of rows) out.set(r.enrollment_id, { seq: r.seq, lastMsgId: r.last_msg_id });
    }
    return out;
  }

  /** Prebuilt: read by every message that answers delivered commands. */
  async outstanding(enrollmentId: number, seq: number): Promise<Delivery[]> {
    const text = prebuilt(
      this.ctx.backend,
      'sessions:outstanding',
      (p) =>
        `select d.queue_id, q.command_uuid, d.session_seq, d.msg_id, d.delivered_at from command_deliveries d
         join command_queue q on q.id = d.queue_id
         where d.enrollment_id = ${p()} and d.session_seq = ${p()} and q.state = 'queued'
         order by d.msg_id, d.queue_id`,
    );
    const rows = await run<{
      queue_id: number;
      command_uuid: string;
      session_seq: number;
      msg_id: number;
      delivered_at: number;
    }>(this.ctx.db, text, [enrollmentId, seq]);
    return rows.rows.map((r) => ({
      queueId: r.queue_id,
      commandUuid: r.command_uuid,
      sessionSeq: r.session_seq,
      msgId: r.msg_id,
      deliveredAt: r.delivered_at,
    }));
  }
}
