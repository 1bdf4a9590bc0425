/**
 * The 1224 `com.microsoft.mdm.declaredconfigurationdocuments` alert the client adds to every message while any
 * document exists (seed 002). Its Data is the summary as markup, not escaped text: that is how the alert builder's
 * format string reported for Windows writes it (`<Data>%s</Data>`), and SyncML parsers accept either.
 *
 * A document whose delete completed (70) stays listed until a session that reported it has completed, then it is
 * dropped. Seed 002 says the alert lists "every document that the client stack is processing"; a finished delete
 * is no longer processed, but reporting it at least once is the only way the server learns the delete succeeded.
 * Dropping it after one message would lose it with that message if the HTTP exchange failed, so the session — which
 * the networking half reports complete only when the server answered — is the unit.
 */

import { buildSummary, type DocumentSummary, SCHEMA_VERSION } from '../../protocol/declared/index.ts';
import { AlertCode, type AlertCommand, AlertType, alert } from '../../protocol/syncml/index.ts';
import type { DocumentStore } from './documents.ts';

export function summaries(docs: DocumentStore, accountId: string): DocumentSummary[] {
  return docs.list(accountId).map((r) => {
    const s: DocumentSummary = {
      context: r.document.context,
      id: r.document.id,
      checksum: r.document.checksum,
      state: r.state,
    };
    if (r.document.contextAsWritten !== undefined) s.contextAsWritten = r.document.contextAsWritten;
    if (r.result && !r.pending) s.resultChecksum = r.result.resultChecksum;
    if (r.abandoned) s.abandoned = true;
    return s;
  });
}

/** The alert for the next message, or none while the account holds no document; marks tombstones as reported. */
export function summaryAlert(docs: DocumentStore, accountId: string, nextCmdId: () => string): AlertCommand[] {
  const list = docs.list(accountId);
  if (list.length === 0) return [];
  for (const r of list) if (r.tombstone && !r.tombstone.reported) r.tombstone.reported = true;
  const data = buildSummary({ schema: SCHEMA_VERSION, documents: summaries(docs, accountId) });
  const meta = { type: AlertType.DECLARED_CONFIGURATION_DOCUMENTS };
  return [alert(nextCmdId(), AlertCode.CLIENT_EVENT, [{ meta, data, dataForm: 'markup' }])];
}

/** The session that carried them completed: reported tombstones are dropped. */
export function dropReported(docs: DocumentStore, accountId: string): void {
  for (const r of docs.list(accountId)) if (r.tombstone?.reported) docs.remove(r);
}
