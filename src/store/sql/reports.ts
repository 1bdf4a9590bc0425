import type { Selectable } from 'kysely';
import type { CheckIn, CheckInOutcome, ReportedDocument, ReportStore, Transition } from '../reports.ts';
import { type Page, pageLimit } from '../types.ts';
import { checkIn, touchIfUnchanged } from './checkin.ts';
import { affected, type Ctx, fromJson, toJson } from './context.ts';
import { prebuilt, run } from './prebuilt.ts';
import type { ReportedDocumentsTable, ReportTransitionsTable } from './schema.ts';

type ReportedRow = Selectable<ReportedDocumentsTable> & { last_report_at: number | null };

const toReported = (r: ReportedRow): ReportedDocument => ({
  enrollmentId: r.enrollment_id,
  documentId: r.document_id,
  scope: r.scope,
  checksum: r.checksum,
  resultChecksum: r.result_checksum,
  state: r.state,
  abandoned: r.abandoned === 1,
  changedAt: r.changed_at,
  lastReportAt: r.last_report_at,
  result: fromJson(r.result),
  resultAt: r.result_at,
  fetchedResultChecksum: r.fetched_result_checksum,
});

const toTransition = (r: Selectable<ReportTransitionsTable>): Transition => ({
  id: r.id,
  enrollmentId: r.enrollment_id,
  documentId: r.document_id,
  at: r.at,
  fromState: r.from_state,
  toState: r.to_state,
  checksum: r.checksum,
  resultChecksum: r.result_checksum,
});

export class SqlReports implements ReportStore {
  constructor(private readonly ctx: Ctx) {}

  checkIn(input: CheckIn): Promise<CheckInOutcome> {
    return checkIn(this.ctx, input);
  }

  touchIfUnchanged(input: CheckIn): Promise<boolean> {
    return touchIfUnchanged(this.ctx, input);
  }

  async recordResult(input: {
    enrollmentId: number;
    documentId: string;
    resultChecksum: string | null;
    result: unknown;
  }): Promise<boolean> {
    // Prebuilt (see prebuilt.ts): written in the session that hands a device's result over.
    const text = prebuilt(
      this.ctx.backend,
      'reported:result',
      (p) =>
        `update reported_documents set result = ${p()}, result_at = ${p()}, fetched_result_checksum = ${p()}
         where enrollment_id = ${p()} and document_id = ${p()}`,
    );
    const r = await run(this.ctx.db, text, [
      toJson(input.result),
      this.ctx.now(),
      input.resultChecksum,
      input.enrollmentId,
      input.documentId,
    ]);
    return (r.numAffectedRows ?? 0n) > 0n;
  }

  async setAbandoned(enrollmentId: number, documentId: string, abandoned: boolean): Promise<boolean> {
    const r = await this.ctx.db
      .updateTable('reported_documents')
      .set({ abandoned: abandoned ? 1 : 0 })
      .where('enrollment_id', '=', enrollmentId)
      .where('document_id', '=', documentId)
      .executeTakeFirst();
    return affected(r) > 0;
  }

  #rows() {
    return this.ctx.db
      .selectFrom('reported_documents as r')
      .innerJoin('enrollments as e', 'e.id', 'r.enrollment_id')
      .selectAll('r')
      .select('e.last_report_at');
  }

  async get(enrollmentId: number, documentId: string): Promise<ReportedDocument | undefined> {
    const row = await this.#rows()
      .where('r.enrollment_id', '=', enrollmentId)
      .where('r.document_id', '=', documentId)
      .executeTakeFirst();
    return row && toReported(row);
  }

  async listForEnrollment(enrollmentId: number): Promise<ReportedDocument[]> {
    const rows = await this.#rows().where('r.enrollment_id', '=', enrollmentId).orderBy('r.document_id').execute();
    return rows.map(toReported);
  }

  async listForDocument(documentId: string, page?: Page): Promise<ReportedDocument[]> {
    const rows = await this.#rows()
      .where('r.document_id', '=', documentId)
      .$if(page?.after !== undefined, (q) => q.where('r.enrollment_id', '>', page!.after!))
      .orderBy('r.enrollment_id')
      .limit(pageLimit(page))
      .execute();
    return rows.map(toReported);
  }

  async history(enrollmentId: number, documentId?: string | undefined, page?: Page): Promise<Transition[]> {
    const rows = await this.ctx.db
      .selectFrom('report_transitions')
      .selectAll()
      .where('enrollment_id', '=', enrollmentId)
      .$if(documentId !== undefined, (q) => q.where('document_id', '=', documentId!))
      .$if(page?.after !== undefined, (q) => q.where('id', '<', page!.after!))
      .orderBy('id', 'desc')
      .limit(pageLimit(page))
      .execute();
    return rows.map(toTransition);
  }
}
