/**
 * The reconciler's decision: desired documents against what the device reported in its 1224 alert, to the exact
 * commands that close the gap. Pure, so every (reported state × desired) combination is a table test.
 *
 * The decision table (D = desired entry, R = reported entry, T = transient state 0-40, P = permanent):
 *
 * | D | R | R.state | R.checksum | action |
 * |---|---|---|---|---|
 * | yes | none | – | – | Replace Document (missing) |
 * | yes | yes | T (0-3, 20-21, 40, 10-11) | any | nothing: the device is working on it |
 * | yes | yes | 60-63, 80-82 | ≠ D | Replace Document (outdated) |
 * | yes | yes | 60-63, 80-82 | = D | Get Results when the result is stale |
 * | yes | yes | 70-72 | any | Replace Document (deleted on the device) |
 * | abandoned | none | – | – | nothing: an abandoned document is not delivered |
 * | abandoned | yes | not 10-11/70-72 | any | Replace Properties/Abandoned 1 unless acknowledged; no document sent |
 * | not abandoned | yes, abandoned | not 10-11/70-72 | any | Replace Properties/Abandoned 0 first |
 * | none | yes | not 10-11/70-72 | any | Delete Document (unassigned or deleted on the server) |
 * | none | yes | 10-11, 70-72 | any | nothing: the delete is under way or done |
 *
 * A checksum the device refused synchronously (Status ≥ 300 to the Replace) is not sent again until the
 * document changes. `resync` re-sends every desired document whatever was reported, and clears refusals.
 * Results are fetched for permanent non-delete states when the stored result is not for the reported
 * (checksum, result_checksum): that is "reaches a permanent state or its result_checksum changes".
 */
import type { Scope } from '../../protocol/csp/index.ts';
import type { HostKind } from '../../protocol/declared/index.ts';

export type DocumentHost = Exclude<HostKind, 'BulkTemplate'>;

export interface DesiredEntry {
  id: string;
  checksum: string;
  scope: Scope;
  host: DocumentHost;
  abandoned: boolean;
}

export interface ReportedEntry {
  id: string;
  checksum: string | null;
  resultChecksum: string | null;
  state: number | null;
  /** Properties/Abandoned = 1 was acknowledged by the device. */
  abandoned: boolean;
  /** The (checksum, result checksum) the stored result was fetched for; undefined when none was fetched. */
  fetched?: { checksum: string | null; resultChecksum: string | null } | undefined;
}

/** What the ledger remembers that a report does not show. */
export interface LedgerEntry {
  id: string;
  rejectedChecksum: string | null;
}

/** Where a document that is no longer desired lives, so its Delete can be addressed. */
export interface Location {
  scope: Scope;
  host: DocumentHost;
}

export type ReplaceReason = 'missing' | 'outdated' | 'deleted-on-device' | 'resync';

export type Action =
  | { kind: 'replace-document'; id: string; scope: Scope; host: DocumentHost; checksum: string; reason: ReplaceReason }
  | { kind: 'set-abandoned'; id: string; scope: Scope; value: boolean }
  | {
      kind: 'get-result';
      id: string;
      scope: Scope;
      host: DocumentHost;
      checksum: string | null;
      resultChecksum: string | null;
    }
  | { kind: 'delete-document'; id: string; scope: Scope; host: DocumentHost };

export interface DiffInput {
  desired: readonly DesiredEntry[];
  reported: readonly ReportedEntry[];
  ledger?: readonly LedgerEntry[] | undefined;
  /** Locations of reported documents that are no longer desired; Device/Complete when unknown. */
  locate?: ((id: string) => Location | undefined) | undefined;
  resync?: boolean | undefined;
}

export function isTransientState(state: number | null): boolean {
  return state === null || state < 60;
}

function isDeleteState(state: number | null): boolean {
  return state !== null && (state === 10 || state === 11 || (state >= 70 && state <= 72));
}

function isCompletedDelete(state: number | null): boolean {
  return state !== null && state >= 70 && state <= 72;
}

/** The stored result is not for what the device now reports. */
export function resultStale(r: ReportedEntry): boolean {
  return !r.fetched || r.fetched.checksum !== r.checksum || r.fetched.resultChecksum !== r.resultChecksum;
}

function key(id: string): string {
  return id.toLowerCase();
}

/** The actions for one enrollment, grouped per document in id order, each group in the order it must run. */
export function diffDocuments(input: DiffInput): Action[] {
  const reported = new Map(input.reported.map((r) => [key(r.id), r]));
  const rejected = new Map((input.ledger ?? []).map((l) => [key(l.id), l.rejectedChecksum]));
  const desiredIds = new Set(input.desired.map((d) => key(d.id)));
  const actions: Array<{ id: string; list: Action[] }> = [];

  for (const d of input.desired) {
    actions.push({ id: key(d.id), list: desiredActions(d, reported.get(key(d.id)), rejected.get(key(d.id)), input) });
  }
  for (const r of input.reported) {
    if (desiredIds.has(key(r.id)) || isDeleteState(r.state)) continue;
    const at = input.locate?.(r.id) ?? { scope: 'Device', host: 'Complete' };
    actions.push({ id: key(r.id), list: [{ kind: 'delete-document', id: r.id, ...at }] });
  }
  actions.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return actions.flatMap((a) => a.list);
}

function desiredActions(
  d: DesiredEntry,
  r: ReportedEntry | undefined,
  rejected: string | null | undefined,
  input: DiffInput,
): Action[] {
  const out: Action[] = [];
  const replace = (reason: ReplaceReason): Action => ({
    kind: 'replace-document',
    id: d.id,
    scope: d.scope,
    host: d.host,
    checksum: d.checksum,
    reason,
  });
  const abandonable = d.host === 'Complete';

  if (d.abandoned) {
    // An abandoned document is left as it is on every device that has it, and delivered to none that lacks it.
    if (r && abandonable && !isDeleteState(r.state) && (!r.abandoned || input.resync)) {
      out.push({ kind: 'set-abandoned', id: d.id, scope: d.scope, value: true });
    }
    if (r && !isDeleteState(r.state) && !isTransientState(r.state) && resultStale(r)) {
      out.push(getResult(d, r));
    }
    return out;
  }

  if (r?.abandoned && abandonable && !isDeleteState(r.state)) {
    // Unabandon first: the device re-applies at once, and a new version sent after it is enforced again.
    out.push({ kind: 'set-abandoned', id: d.id, scope: d.scope, value: false });
  }
  if (input.resync) {
    out.push(replace('resync'));
    return out;
  }
  const refused = rejected === d.checksum;
  if (!r) {
    if (!refused) out.push(replace('missing'));
    return out;
  }
  if (isCompletedDelete(r.state)) {
    if (!refused) out.push(replace('deleted-on-device'));
    return out;
  }
  if (isTransientState(r.state)) return out;
  if (r.checksum !== d.checksum) {
    if (!refused) out.push(replace('outdated'));
    return out;
  }
  if (resultStale(r)) out.push(getResult(d, r));
  return out;
}

function getResult(d: DesiredEntry, r: ReportedEntry): Action {
  return {
    kind: 'get-result',
    id: d.id,
    scope: d.scope,
    host: d.host,
    checksum: r.checksum,
    resultChecksum: r.resultChecksum,
  };
}
