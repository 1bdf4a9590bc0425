/**
 * The check-in: every OMA-DM session of a WinDC enrollment carries a 1224 alert listing every declared
 * document with its checksum, result checksum and state. This is the hottest write path of the server.
 *
 * The report repeats the device's whole state each session, and almost always nothing in it changed. So the
 * enrollment row keeps a digest of its reported-state rows as the last check-in left them, and the steady
 * state is a single UPDATE guarded by that digest: last-seen is written and the report is proven unchanged
 * without reading a row. Only a report that differs takes the read-diff-write path, which writes just the
 * rows that differ and appends a transition only where checksum or state moved.
 */
import { hash } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { StoreError } from '../errors.ts';
import type { CheckIn, CheckInOutcome, DocumentReport, ReportChange } from '../reports.ts';
import type { Backend } from '../store.ts';
import type { EpochMs } from '../types.ts';
import { atomic, type Ctx, chunks, toJson } from './context.ts';
import { prebuilt, rows, run } from './prebuilt.ts';
import type { ReportedDocumentsTable, ReportTransitionsTable, Schema } from './schema.ts';

type StoredRow = Pick<
  Selectable<ReportedDocumentsTable>,
  'document_id' | 'scope' | 'checksum' | 'result_checksum' | 'state' | 'changed_at'
>;
type UpsertRow = StoredRow & { enrollment_id: number };
type TransitionRow = Omit<Selectable<ReportTransitionsTable>, 'id'>;

/**
 * Order-independent, and covers exactly the columns a report can change. NUL separates fields because XML,
 * where every one of these strings comes from, cannot carry it.
 */
export function stateDigest(docs: Iterable<DocumentReport>): string {
  const lines = [...docs]
    .map(
      (d) =>
        `${d.documentId}\0${d.scope ?? '\u0001'}\0${d.checksum ?? '\u0001'}\0${d.resultChecksum ?? '\u0001'}\0${d.state ?? ''}`,
    )
    .sort();
  return hash('sha256', lines.join('\0\0'), 'base64url');
}

export interface ReportDiff {
  changed: ReportChange[];
  upserts: UpsertRow[];
  transitions: TransitionRow[];
  removed: StoredRow[];
}

/** Pure: what a report changes against the stored rows. */
export function diffReport(
  enrollmentId: number,
  reported: ReadonlyMap<string, DocumentReport>,
  stored: readonly StoredRow[],
  complete: boolean,
  now: EpochMs,
): ReportDiff {
  const previous = new Map(stored.map((r) => [r.document_id, r]));
  const diff: ReportDiff = { changed: [], upserts: [], transitions: [], removed: [] };
  for (const d of reported.values()) {
    const p = previous.get(d.documentId);
    const scope = d.scope ?? null;
    if (
      p &&
      p.checksum === d.checksum &&
      p.state === d.state &&
      p.result_checksum === d.resultChecksum &&
      p.scope === scope
    ) {
      continue;
    }
    const transition = !p || p.checksum !== d.checksum || p.state !== d.state;
    diff.upserts.push({
      enrollment_id: enrollmentId,
      document_id: d.documentId,
      scope,
      checksum: d.checksum,
      result_checksum: d.resultChecksum,
      state: d.state,
      changed_at: transition || !p ? now : p.changed_at,
    });
    if (transition) {
      diff.transitions.push({
        enrollment_id: enrollmentId,
        document_id: d.documentId,
        at: now,
        from_state: p?.state ?? null,
        to_state: d.state,
        checksum: d.checksum,
        result_checksum: d.resultChecksum,
      });
    }
    diff.changed.push({
      documentId: d.documentId,
      previous: p ? { checksum: p.checksum, resultChecksum: p.result_checksum, state: p.state } : null,
      current: d,
      transition,
    });
  }
  if (complete) diff.removed = stored.filter((r) => !reported.has(r.document_id));
  for (const r of diff.removed) {
    diff.transitions.push({
      enrollment_id: enrollmentId,
      document_id: r.document_id,
      at: now,
      from_state: r.state,
      to_state: null,
      checksum: r.checksum,
      result_checksum: r.result_checksum,
    });
  }
  return diff;
}

const UPSERT_COLUMNS = [
  'enrollment_id',
  'document_id',
  'scope',
  'checksum',
  'result_checksum',
  'state',
  'changed_at',
] as const;
const TRANSITION_COLUMNS = [
  'enrollment_id',
  'document_id',
  'at',
  'from_state',
  'to_state',
  'checksum',
  'result_checksum',
] as const;

/** Sets last-seen (and DevInfo, and the digest), optionally only if the stored digest matches. */
async function touch(
  db: Kysely<Schema>,
  backend: Backend,
  input: CheckIn,
  now: EpochMs,
  setDigest: string | null,
  ifDigest: string | null,
): Promise<boolean> {
  const withDevInfo = input.devInfo !== undefined;
  const text = prebuilt(backend, `touch:${withDevInfo}:${setDigest !== null}:${ifDigest !== null}`, (p) => {
    const set = [`last_seen_at = ${p()}`, `last_report_at = ${p()}`];
    if (withDevInfo) set.push(`dev_info = ${p()}`);
    if (setDigest !== null) set.push(`report_digest = ${p()}`);
    const where = [`id = ${p()}`];
    if (ifDigest !== null) where.push(`report_digest = ${p()}`);
    return `update enrollments set ${set.join(', ')} where ${where.join(' and ')}`;
  });
  const params: unknown[] = [now, now];
  if (withDevInfo) params.push(toJson(input.devInfo));
  if (setDigest !== null) params.push(setDigest);
  params.push(input.enrollmentId);
  if (ifDigest !== null) params.push(ifDigest);
  return (await run(db, text, params)).numAffectedRows === 1n;
}

async function readStored(db: Kysely<Schema>, backend: Backend, enrollmentId: number): Promise<StoredRow[]> {
  const text = prebuilt(
    backend,
    'reported:select',
    (p) =>
      `select document_id, scope, checksum, result_checksum, state, changed_at from reported_documents where enrollment_id = ${p()}`,
  );
  return (await run<StoredRow>(db, text, [enrollmentId])).rows;
}

async function write(db: Kysely<Schema>, backend: Backend, enrollmentId: number, diff: ReportDiff): Promise<void> {
  for (const part of chunks(diff.upserts, UPSERT_COLUMNS.length)) {
    const text = prebuilt(
      backend,
      `reported:upsert:${part.length}`,
      (p) =>
        `insert into reported_documents (${UPSERT_COLUMNS.join(', ')}) values ${rows(p, part.length, UPSERT_COLUMNS.length)}
         on conflict (enrollment_id, document_id) do update set scope = excluded.scope, checksum = excluded.checksum,
         result_checksum = excluded.result_checksum, state = excluded.state, changed_at = excluded.changed_at`,
    );
    await run(
      db,
      text,
      part.flatMap((r) => UPSERT_COLUMNS.map((c) => r[c])),
    );
  }
  for (const part of chunks(diff.removed, 1)) {
    const text = prebuilt(
      backend,
      `reported:delete:${part.length}`,
      (p) =>
        `delete from reported_documents where enrollment_id = ${p()} and document_id in (${Array.from({ length: part.length }, p).join(', ')})`,
    );
    await run(db, text, [enrollmentId, ...part.map((r) => r.document_id)]);
  }
  for (const part of chunks(diff.transitions, TRANSITION_COLUMNS.length)) {
    const text = prebuilt(
      backend,
      `transitions:insert:${part.length}`,
      (p) =>
        `insert into report_transitions (${TRANSITION_COLUMNS.join(', ')}) values ${rows(p, part.length, TRANSITION_COLUMNS.length)}`,
    );
    await run(
      db,
      text,
      part.flatMap((r) => TRANSITION_COLUMNS.map((c) => r[c])),
    );
  }
}

function relaxedCtx(base: Ctx): Ctx {
  return base.db.isTransaction || !base.relaxed ? base : { ...base, db: base.relaxed };
}

/**
 * The digest of a complete report, by the report's identity: the session engine hands over the same frozen
 * array for as long as a device repeats the same summary text, so a steady poll hashes nothing.
 */
const digests = new WeakMap<readonly DocumentReport[], string>();

/** Last entry wins for a document listed twice; one multi-row upsert may not touch a row twice. */
function byDocument(documents: readonly DocumentReport[]): Map<string, DocumentReport> {
  return new Map(documents.map((d) => [d.documentId, d]));
}

function reportDigest(documents: readonly DocumentReport[]): string {
  if (!Object.isFrozen(documents) || !documents.every(Object.isFrozen)) {
    return stateDigest(byDocument(documents).values());
  }
  let d = digests.get(documents);
  if (d === undefined) {
    d = stateDigest(byDocument(documents).values());
    digests.set(documents, d);
  }
  return d;
}

export async function touchIfUnchanged(base: Ctx, input: CheckIn): Promise<boolean> {
  if (input.complete === false) return false;
  const ctx = relaxedCtx(base);
  return touch(ctx.db, ctx.backend, input, ctx.now(), null, reportDigest(input.documents));
}

/**
 * The check-in's statements are prebuilt text (see prebuilt.ts): this path runs once per device session and,
 * through the builder, compiling cost more than executing.
 */
export async function checkIn(base: Ctx, input: CheckIn): Promise<CheckInOutcome> {
  const reported = byDocument(input.documents);
  const complete = input.complete !== false;
  const ctx = relaxedCtx(base);
  const now = ctx.now();

  const digest = complete ? reportDigest(input.documents) : null;
  if (digest !== null && (await touch(ctx.db, ctx.backend, input, now, null, digest))) {
    return { changed: [], removed: [] };
  }

  return atomic(ctx, async (db) => {
    // First, and on its own row: on PostgreSQL this lock serialises check-ins of one enrollment, so the
    // read-diff-write below never races itself. A complete report is the final state, so its digest is
    // written now; a partial one is merged with the stored rows first.
    if (!(await touch(db, ctx.backend, input, now, digest, null))) {
      throw new StoreError('NOT_FOUND', `enrollment ${input.enrollmentId} does not exist`);
    }
    const stored = await readStored(db, ctx.backend, input.enrollmentId);
    const diff = diffReport(input.enrollmentId, reported, stored, complete, now);
    await write(db, ctx.backend, input.enrollmentId, diff);
    if (!complete) {
      const merged = new Map<string, DocumentReport>(
        stored.map((r) => [
          r.document_id,
          {
            documentId: r.document_id,
            scope: r.scope,
            checksum: r.checksum,
            resultChecksum: r.result_checksum,
            state: r.state,
          },
        ]),
      );
      for (const [id, d] of reported) merged.set(id, d);
      await db
        .updateTable('enrollments')
        .set({ report_digest: stateDigest(merged.values()) })
        .where('id', '=', input.enrollmentId)
        .execute();
    }
    return { changed: diff.changed, removed: diff.removed.map((r) => r.document_id) };
  });
}
