/**
 * What the admin API shows: documents with their roll-ups, and per device × document the desired and reported
 * versions, the state by name, the parsed result and the derived status. Read-only; the routes stay thin.
 */
import { type DcState, documentLocUri, isDcState, stateName } from '../../protocol/declared/index.ts';
import type {
  DeclaredDocument,
  DocumentMeta,
  Enrollment,
  ReportedDocument,
  StatusCounts,
  StatusRow,
  StoreTx,
} from '../../store/index.ts';
import { hostFor, scopeName } from './document-input.ts';
import { currentResult, isStoredResult, resultView } from './results.ts';

export function kindOf(scenario: string): 'configuration' | 'inventory' {
  return hostFor(scenario) === 'Inventory' ? 'inventory' : 'configuration';
}

export function documentView(doc: DeclaredDocument, meta: DocumentMeta | undefined) {
  return {
    id: doc.id,
    name: meta?.name ?? null,
    description: meta?.description ?? null,
    kind: kindOf(doc.scenario),
    scope: doc.scope,
    scenario: doc.scenario,
    checksum: doc.checksum,
    revision: doc.revision,
    abandoned: meta?.abandoned ?? false,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    locUri: documentLocUri(scopeName(doc.scope), hostFor(doc.scenario), doc.id),
  };
}

export interface Rollup {
  counts: StatusCounts;
  assigned: number;
  notEnrolled: number;
  notReported: number;
}

/** Active WinDC enrollments by device; one pass over the enrollment index. */
export async function linkedEnrollments(store: StoreTx): Promise<Map<number, Enrollment>> {
  const out = new Map<number, Enrollment>();
  let after: number | undefined;
  for (;;) {
    const page = await store.devices.listEnrollments({ kind: 'linked', status: 'active', after, limit: 1000 });
    for (const e of page) out.set(e.devicePk, e);
    if (page.length < 1000) return out;
    after = page.at(-1)?.id;
  }
}

/**
 * Devices per status for one document. Devices the document reaches that have never been reconciled count as
 * pending: they get it at their next session. The document list counts them the same way, with the same query.
 */
export async function countsFor(
  store: StoreTx,
  documentId: string,
): Promise<{ counts: StatusCounts; notReported: number }> {
  const counts = await store.declared.status.countsForDocument(documentId);
  const notReported = (await store.declared.status.unreportedByDocument([documentId])).get(documentId) ?? 0;
  counts.pending += notReported;
  return { counts, notReported };
}

/** The roll-up of one document: `countsFor`, and how many devices it reaches, with or without an enrollment. */
export async function rollupFor(store: StoreTx, documentId: string, linked?: Map<number, Enrollment>): Promise<Rollup> {
  const reach = await store.assignments.devicesReaching({ documentIds: [documentId] });
  const enrolled = linked ?? (await linkedEnrollments(store));
  let notEnrolled = 0;
  for (const pk of reach) if (!enrolled.has(pk)) notEnrolled++;
  const { counts, notReported } = await countsFor(store, documentId);
  return { counts, assigned: reach.length, notEnrolled, notReported };
}

export function stateLabel(state: number | null): string | null {
  return state !== null && isDcState(state) ? stateName(state as DcState) : null;
}

/** One device × document, everything an admin needs to understand where it stands. */
export function deviceDocumentView(
  documentId: string,
  row: StatusRow | undefined,
  reported: ReportedDocument | undefined,
  lastReportAt: number | null,
) {
  const stored = reported && isStoredResult(reported.result) ? reported.result : undefined;
  const current = reported ? currentResult(reported) : undefined;
  return {
    documentId,
    status: row?.status ?? 'pending',
    detail:
      row?.detail ?? (row ? null : 'not reconciled yet: the device has had no session since the document reached it'),
    since: row?.since ?? null,
    desiredChecksum: row?.desiredChecksum ?? null,
    reportedChecksum: reported?.checksum ?? null,
    resultChecksum: reported?.resultChecksum ?? null,
    state: reported?.state ?? null,
    stateName: stateLabel(reported?.state ?? null),
    abandoned: reported?.abandoned ?? false,
    lastReportAt,
    changedAt: reported?.changedAt ?? null,
    result: stored
      ? { current: current !== undefined, fetchedAt: reported?.resultAt ?? null, ...resultView(stored.result) }
      : null,
    rejected: row?.rejectedChecksum ? { checksum: row.rejectedChecksum, code: row.rejectedCode } : null,
  };
}
