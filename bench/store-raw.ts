/**
 * Same-run baselines for bench/store.ts: the statements the store issues for each workload, written directly
 * against better-sqlite3 (prepared once, synchronous transactions) and pg (one pool, no query builder). The
 * ratio store/raw is the cost of everything windc adds: the query layer, validation, digests, mapping.
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';

export interface Doc {
  id: string;
  checksum: string;
  resultChecksum: string;
  state: number;
}

/** One workload step against one enrollment; `seq` makes every call's identifiers unique. */
export interface RawOps {
  steady(enrollmentId: number, digest: string, now: number): Promise<void>;
  churn(enrollmentId: number, docs: Doc[], now: number): Promise<void>;
  naive(enrollmentId: number, docs: Doc[], now: number): Promise<void>;
  queueCycle(enrollmentId: number, n: number, msgId: number, now: number): Promise<void>;
}

const values = (rows: number, cols: number, p: () => string) =>
  Array.from({ length: rows }, () => `(${Array.from({ length: cols }, p).join(', ')})`).join(', ');

/** `param()` makes a fresh placeholder generator per statement ($1… restarts for each on PostgreSQL). */
function statements(param: () => () => string, n: number) {
  const counted = (build: (p: () => string) => string) => build(param());
  return {
    touchGuarded: counted(
      (p) =>
        `update enrollments set last_seen_at = ${p()}, last_report_at = ${p()} where id = ${p()} and report_digest = ${p()}`,
    ),
    touch: counted((p) => `update enrollments set last_seen_at = ${p()}, last_report_at = ${p()} where id = ${p()}`),
    select: counted(
      (p) =>
        `select document_id, checksum, result_checksum, state, changed_at from reported_documents where enrollment_id = ${p()}`,
    ),
    upsert: counted(
      (
        p,
      ) => `insert into reported_documents (enrollment_id, document_id, scope, checksum, result_checksum, state, changed_at)
      values ${values(n, 7, p)} on conflict (enrollment_id, document_id) do update set checksum = excluded.checksum,
      result_checksum = excluded.result_checksum, state = excluded.state, changed_at = excluded.changed_at`,
    ),
    transitions: counted(
      (
        p,
      ) => `insert into report_transitions (enrollment_id, document_id, at, from_state, to_state, checksum, result_checksum)
      values ${values(n, 7, p)}`,
    ),
  };
}

/** The store enqueues one command per call, so the baseline does too. */
function queueStatements(param: () => () => string, n: number, forUpdate: string) {
  const counted = (build: (p: () => string) => string) => build(param());
  const list = (p: () => string) => Array.from({ length: n }, p).join(', ');
  return {
    enqueue: counted(
      (p) => `insert into command_queue (command_uuid, enrollment_id, payload, cmd_span, state, created_at)
      values ${values(1, 6, p)} returning id`,
    ),
    claim: counted(
      (
        p,
      ) => `select id, command_uuid, payload, attempts from command_queue where enrollment_id = ${p()} and state = 'queued'
      and (last_session_seq is null or last_session_seq < ${p()}) order by id limit ${p()} ${forUpdate} skip locked`,
    ),
    deliver: counted(
      (p) => `insert into command_deliveries (queue_id, session_seq, enrollment_id, msg_id, delivered_at)
      values ${values(n, 5, p)}`,
    ),
    mark: counted(
      (p) =>
        `update command_queue set attempts = attempts + 1, last_delivered_at = ${p()}, last_session_seq = ${p()} where id in (${list(p)})`,
    ),
    // The CmdRef is the command's uuid, so resolving an ack and locking its row is one statement.
    lock: counted(
      (p) =>
        `select id, state, status, item_statuses from command_queue where enrollment_id = ${p()}
        and command_uuid in (${list(p)}) and last_session_seq is not null order by id ${forUpdate}`,
    ),
    ack: counted(
      (p) =>
        `update command_queue set state = 'acked', status = ${p()}, item_statuses = ${p()}, finished_at = ${p()} where id = ${p()}`,
    ),
  };
}

const flatDocs = (enrollmentId: number, docs: Doc[], now: number) =>
  docs.flatMap((d) => [enrollmentId, d.id, 'Device', d.checksum, d.resultChecksum, d.state, now]);

export function sqliteRaw(db: Database.Database, docCount: number): RawOps {
  const s = statements(() => () => '?', docCount);
  const st = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, db.prepare(v)])) as Record<
    keyof typeof s,
    Database.Statement
  >;
  const q = new Map<number, Record<string, Database.Statement>>();
  const qs = (n: number) => {
    let m = q.get(n);
    if (!m) {
      const text = queueStatements(() => () => '?', n, '');
      text.claim = text.claim.replace(' skip locked', '');
      m = Object.fromEntries(Object.entries(text).map(([k, v]) => [k, db.prepare(v)]));
      q.set(n, m);
    }
    return m;
  };
  const churn = db.transaction((enrollmentId: number, docs: Doc[], now: number) => {
    st.touch.run(now, now, enrollmentId);
    const prev = new Map(
      (st.select.all(enrollmentId) as { document_id: string; state: number }[]).map((r) => [r.document_id, r]),
    );
    st.upsert.run(flatDocs(enrollmentId, docs, now));
    st.transitions.run(
      docs.flatMap((d) => [
        enrollmentId,
        d.id,
        now,
        prev.get(d.id)?.state ?? null,
        d.state,
        d.checksum,
        d.resultChecksum,
      ]),
    );
  });
  const naive = db.transaction((enrollmentId: number, docs: Doc[], now: number) => {
    st.touch.run(now, now, enrollmentId);
    st.upsert.run(flatDocs(enrollmentId, docs, now));
  });
  const cycle = (enrollmentId: number, n: number, msgId: number, now: number) => {
    const m = qs(n);
    for (let i = 0; i < n; i++) m.enqueue!.all(`u${msgId}-${i}`, enrollmentId, '"x"', 1, 'queued', now);
    const claimed = db.transaction(() => {
      const rows = m.claim!.all(enrollmentId, 1, n) as { id: number; command_uuid: string }[];
      m.deliver!.run(rows.flatMap((r) => [r.id, 1, enrollmentId, msgId, now]));
      m.mark!.run(now, 1, ...rows.map((r) => r.id));
      return rows;
    })();
    db.transaction(() => {
      const refs = m.lock!.all(enrollmentId, ...claimed.map((r) => r.command_uuid)) as { id: number }[];
      for (const r of refs) m.ack!.run(200, JSON.stringify([{ code: 200 }]), now, r.id);
    })();
    if (claimed.length !== n) throw new Error('raw sqlite queue cycle lost a command');
  };
  return {
    async steady(enrollmentId, digest, now) {
      if (st.touchGuarded.run(now, now, enrollmentId, digest).changes !== 1) throw new Error('digest mismatch');
    },
    async churn(enrollmentId, docs, now) {
      churn.immediate(enrollmentId, docs, now);
    },
    async naive(enrollmentId, docs, now) {
      naive.immediate(enrollmentId, docs, now);
    },
    async queueCycle(enrollmentId, n, msgId, now) {
      cycle(enrollmentId, n, msgId, now);
    },
  };
}

/** `pool` commits durably (queue); `relaxed` has synchronous_commit=off, as the store uses for check-ins. */
export function pgRaw(pool: pg.Pool, relaxed: pg.Pool, docCount: number): RawOps {
  const dollar = () => {
    let n = 0;
    return () => `$${++n}`;
  };
  const s = statements(dollar, docCount);
  const qcache = new Map<number, ReturnType<typeof queueStatements>>();
  const qs = (count: number) => {
    let m = qcache.get(count);
    if (!m) {
      m = queueStatements(dollar, count, 'for update');
      qcache.set(count, m);
    }
    return m;
  };
  async function tx<T>(p: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await p.connect();
    try {
      await c.query('begin');
      const r = await fn(c);
      await c.query('commit');
      return r;
    } catch (e) {
      await c.query('rollback');
      throw e;
    } finally {
      c.release();
    }
  }
  return {
    async steady(enrollmentId, digest, now) {
      const r = await relaxed.query(s.touchGuarded, [now, now, enrollmentId, digest]);
      if (r.rowCount !== 1) throw new Error('digest mismatch');
    },
    churn: (enrollmentId, docs, now) =>
      tx(relaxed, async (c) => {
        await c.query(s.touch, [now, now, enrollmentId]);
        const prev = new Map(
          (await c.query<{ document_id: string; state: number }>(s.select, [enrollmentId])).rows.map((r) => [
            r.document_id,
            r,
          ]),
        );
        await c.query(s.upsert, flatDocs(enrollmentId, docs, now));
        await c.query(
          s.transitions,
          docs.flatMap((d) => [
            enrollmentId,
            d.id,
            now,
            prev.get(d.id)?.state ?? null,
            d.state,
            d.checksum,
            d.resultChecksum,
          ]),
        );
      }),
    naive: (enrollmentId, docs, now) =>
      tx(relaxed, async (c) => {
        await c.query(s.touch, [now, now, enrollmentId]);
        await c.query(s.upsert, flatDocs(enrollmentId, docs, now));
      }),
    async queueCycle(enrollmentId, count, msgId, now) {
      const m = qs(count);
      for (let i = 0; i < count; i++)
        await pool.query(m.enqueue, [`u${msgId}-${i}`, enrollmentId, '"x"', 1, 'queued', now]);
      const claimed = await tx(pool, async (c) => {
        const rows = (await c.query<{ id: number; command_uuid: string }>(m.claim, [enrollmentId, 1, count])).rows;
        await c.query(
          m.deliver,
          rows.flatMap((r) => [r.id, 1, enrollmentId, msgId, now]),
        );
        await c.query(m.mark, [now, 1, ...rows.map((r) => r.id)]);
        return rows;
      });
      await tx(pool, async (c) => {
        const refs = (await c.query<{ id: number }>(m.lock, [enrollmentId, ...claimed.map((r) => r.command_uuid)]))
          .rows;
        for (const r of refs) await c.query(m.ack, [200, JSON.stringify([{ code: 200 }]), now, r.id]);
      });
      if (claimed.length !== count) throw new Error('raw pg queue cycle lost a command');
    },
  };
}
