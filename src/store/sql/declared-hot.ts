/**
 * The reconciler's per-message reads and writes, as prebuilt statements (see prebuilt.ts): it runs inside every
 * device message's transaction, where building and compiling queries with kysely cost several times what the
 * database spends executing them. Three reads give everything a diff needs; writes happen only where something
 * changed.
 */
import type { DesiredDocument, EnrollmentSnapshot, StatusRow } from '../declared.ts';
import type { ReportedDocument } from '../reports.ts';
import { type Ctx, chunks, fromJson, toJson } from './context.ts';
import type { DeclaredStatusTable } from './declared-schema.ts';
import { prebuilt, rows, run } from './prebuilt.ts';

interface DesiredRow {
  id: string;
  checksum: string;
  revision: number;
  scenario: string;
  scope: 'device' | 'user';
  created_at: number;
  updated_at: number;
  abandoned: number | null;
}

interface ReportedRow {
  document_id: string;
  scope: string | null;
  checksum: string | null;
  result_checksum: string | null;
  state: number | null;
  abandoned: number;
  changed_at: number;
  result: string | null;
  result_at: number | null;
  fetched_result_checksum: string | null;
}

/** A declared_status row as the database returns it. */
type StatusDbRow = DeclaredStatusTable;

const STATUS_COLUMNS = [
  'enrollment_id',
  'document_id',
  'status',
  'detail',
  'desired_checksum',
  'compliant_checksum',
  'compliant_result_checksum',
  'rejected_checksum',
  'rejected_code',
  'sent_checksum',
  'sent_command_uuid',
  'sent_at',
  'since',
  'updated_at',
] as const;

export const toStatusRow = (r: StatusDbRow): StatusRow => ({
  enrollmentId: Number(r.enrollment_id),
  documentId: r.document_id,
  status: r.status,
  detail: r.detail,
  desiredChecksum: r.desired_checksum,
  compliantChecksum: r.compliant_checksum,
  compliantResultChecksum: r.compliant_result_checksum,
  rejectedChecksum: r.rejected_checksum,
  rejectedCode: r.rejected_code,
  sentChecksum: r.sent_checksum,
  sentCommandUuid: r.sent_command_uuid,
  sentAt: r.sent_at === null ? null : Number(r.sent_at),
  since: Number(r.since),
  updatedAt: Number(r.updated_at),
});

const fromStatusRow = (s: StatusRow): unknown[] => [
  s.enrollmentId,
  s.documentId,
  s.status,
  s.detail,
  s.desiredChecksum,
  s.compliantChecksum,
  s.compliantResultChecksum,
  s.rejectedChecksum,
  s.rejectedCode,
  s.sentChecksum,
  s.sentCommandUuid,
  s.sentAt,
  s.since,
  s.updatedAt,
];

/**
 * The sets reaching a device, directly or through its groups, joined to their documents. Written as joins from
 * the device outwards: SQLite plans `id in (… union …)` as a list it rebuilds per call, several times slower.
 */
const DESIRED = (p: () => string) =>
  `select distinct d.id, d.checksum, d.revision, d.scenario, d.scope, d.created_at, d.updated_at, m.abandoned
   from (select set_name from device_set_assignments where device_pk = ${p()}
         union select g.set_name from device_group_members gm
           join group_set_assignments g on g.group_name = gm.group_name where gm.device_pk = ${p()}) s
   join doc_set_members sm on sm.set_name = s.set_name
   join declared_documents d on d.id = sm.document_id
   left join declared_document_meta m on m.document_id = d.id
   order by d.id`;

export async function snapshot(ctx: Ctx, enrollmentId: number, devicePk: number): Promise<EnrollmentSnapshot> {
  const desiredSql = prebuilt(ctx.backend, 'declared:desired', DESIRED);
  const reportedSql = prebuilt(
    ctx.backend,
    'declared:reported',
    (p) =>
      `select document_id, scope, checksum, result_checksum, state, abandoned, changed_at, result, result_at,
       fetched_result_checksum from reported_documents where enrollment_id = ${p()} order by document_id`,
  );
  const ledgerSql = prebuilt(
    ctx.backend,
    'declared:ledger',
    (p) => `select ${STATUS_COLUMNS.join(', ')} from declared_status where enrollment_id = ${p()} order by document_id`,
  );
  const desired = (await run<DesiredRow>(ctx.db, desiredSql, [devicePk, devicePk])).rows.map(
    (r): DesiredDocument => ({
      id: r.id,
      checksum: r.checksum,
      revision: r.revision,
      scenario: r.scenario,
      scope: r.scope,
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
      abandoned: Number(r.abandoned ?? 0) === 1,
    }),
  );
  const reported = (await run<ReportedRow>(ctx.db, reportedSql, [enrollmentId])).rows.map(
    (r): ReportedDocument => ({
      enrollmentId,
      documentId: r.document_id,
      scope: r.scope,
      checksum: r.checksum,
      resultChecksum: r.result_checksum,
      state: r.state,
      abandoned: Number(r.abandoned) === 1,
      changedAt: Number(r.changed_at),
      lastReportAt: null,
      result: fromJson(r.result),
      resultAt: r.result_at === null ? null : Number(r.result_at),
      fetchedResultChecksum: r.fetched_result_checksum,
    }),
  );
  const ledger = (await run<StatusDbRow>(ctx.db, ledgerSql, [enrollmentId])).rows.map(toStatusRow);
  return { desired, reported, ledger };
}

export async function putStatus(ctx: Ctx, statusRows: readonly StatusRow[]): Promise<void> {
  for (const part of chunks(statusRows, STATUS_COLUMNS.length)) {
    const text = prebuilt(
      ctx.backend,
      `declared:status:${part.length}`,
      (p) =>
        `insert into declared_status (${STATUS_COLUMNS.join(', ')}) values ${rows(p, part.length, STATUS_COLUMNS.length)}
         on conflict (enrollment_id, document_id) do update set ${STATUS_COLUMNS.slice(2)
           .map((c) => `${c} = excluded.${c}`)
           .join(', ')}`,
    );
    await run(ctx.db, text, part.flatMap(fromStatusRow));
  }
}

/**
 * Appends events and their webhook deliveries; the caller runs it in a transaction.
 *
 * Readers follow events by id (the API's `after`, SSE's Last-Event-ID), so ids must become visible in id order.
 * On PostgreSQL a sequence hands out ids at insert and they become visible at commit, so with several
 * connections a reader could see id 12, move its cursor past it, and never list id 11 committed a moment later
 * (the scale-out test lost 6 to 12 of ~190 events that way). Appenders therefore take a transaction-scoped
 * advisory lock, one per schema, before taking ids: the next appender waits until this transaction ends, so
 * ids commit in order. It serialises only the tail of event-writing transactions; SQLite has one writer anyway.
 */
export async function appendEvents(
  ctx: Ctx,
  events: readonly { type: string; payload: unknown }[],
): Promise<{ id: number; at: number; type: string; payload: unknown }[]> {
  if (ctx.backend === 'postgres') {
    const lock = prebuilt(
      ctx.backend,
      'declared:events:order',
      () => `select pg_advisory_xact_lock(hashtext(current_schema() || '.declared_events')) as locked`,
    );
    await run(ctx.db, lock, []);
  }
  const at = ctx.now();
  const written: { id: number; at: number; type: string; payload: unknown }[] = [];
  for (const part of chunks(events, 3)) {
    const text = prebuilt(
      ctx.backend,
      `declared:events:${part.length}`,
      (p) => `insert into declared_events (at, type, payload) values ${rows(p, part.length, 3)} returning id`,
    );
    const r = await run<{ id: number }>(
      ctx.db,
      text,
      part.flatMap((e) => [at, e.type, JSON.stringify(e.payload)]),
    );
    // Neither backend promises RETURNING order, but both hand out the identity values in VALUES order within
    // one statement, so ascending ids pair with the rows as written.
    const ids = r.rows.map((row) => Number(row.id)).sort((a, b) => a - b);
    ids.forEach((id, i) => {
      const e = part[i]!;
      written.push({ id, at, type: e.type, payload: e.payload });
    });
  }
  const subsText = prebuilt(
    ctx.backend,
    'declared:subscriptions',
    () => 'select id, url, events from webhook_subscriptions',
  );
  const subs = (await run<{ id: number; url: string; events: string }>(ctx.db, subsText, [])).rows;
  for (const s of subs) {
    const types = (fromJson(s.events) as string[] | null) ?? [];
    const wanted = written.filter((e) => types.length === 0 || types.includes(e.type));
    for (const part of chunks(wanted, 6)) {
      const text = prebuilt(
        ctx.backend,
        `declared:webhooks:${part.length}`,
        (p) =>
          `insert into webhook_deliveries (event, url, payload, state, next_attempt_at, created_at)
           values ${rows(p, part.length, 6)}`,
      );
      await run(
        ctx.db,
        text,
        part.flatMap((e) => [e.type, s.url, toJson({ subscriptionId: Number(s.id), event: e }), 'pending', at, at]),
      );
    }
  }
  return written;
}
