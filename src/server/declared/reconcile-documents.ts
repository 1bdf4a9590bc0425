/**
 * The imperative half of the document reconciler for one WinDC enrollment: load desired, reported and ledger,
 * run the pure diff and status derivation, then queue the commands, update the ledger and publish status
 * events in one transaction. Safe to run any number of times, from any process: dedupe keys stop a command from
 * being queued twice while the first is open, and the ledger is only written where it changed.
 */
import type { DeclaredStatus, Enrollment, ReportedDocument, StatusRow, StoreTx } from '../../store/index.ts';
import { queueCommand } from '../management/payload.ts';
import { commandsFor, RECONCILER_ORIGIN } from './commands.ts';
import type { DeclaredDeps } from './context.ts';
import { type Action, type DesiredEntry, diffDocuments, type Location } from './diff.ts';
import { hostFor, scopeName } from './document-input.ts';
import { type NewEvent, publish } from './events.ts';
import { applyDocumentReplies, type RepliesByCommand } from './replies.ts';
import { allSucceeded, currentResult, failingResources, reportedEntry } from './results.ts';
import { deriveStatus } from './status.ts';

export interface DocumentsOutcome {
  actions: Action[];
  events: NewEvent[];
  /** The newest event id published, 0 for none: announce it once the caller's transaction commits. */
  lastEventId: number;
  /** Commands actually queued: an action whose command is still open from an earlier run queues nothing. */
  queued: number;
}

/** Bodies never change for a given (id, checksum), so they are safe to keep across sessions and processes. */
const bodies = new Map<string, string>();
const BODY_CACHE = 256;

async function bodyOf(store: StoreTx, id: string, checksum: string): Promise<string | undefined> {
  const key = `${id.toLowerCase()}:${checksum}`;
  const hit = bodies.get(key);
  if (hit !== undefined) return hit;
  const doc = await store.documents.get(id);
  if (!doc || doc.checksum !== checksum) return undefined;
  if (bodies.size >= BODY_CACHE) bodies.delete(bodies.keys().next().value as string);
  bodies.set(key, doc.body);
  return doc.body;
}

const lower = (id: string) => id.toLowerCase();

/** Where documents this device still holds, but no longer should, live: from the document or its tombstone. */
async function locations(store: StoreTx, ids: readonly string[]): Promise<Map<string, Location>> {
  const out = new Map<string, Location>();
  if (ids.length === 0) return out;
  const tombs = await store.declared.documents.getTombstones(ids);
  for (const id of ids) {
    const doc = await store.documents.get(id);
    const known = doc ?? tombs.get(id);
    if (known) out.set(lower(id), { scope: scopeName(known.scope), host: hostFor(known.scenario) });
  }
  return out;
}

export interface DocumentsRun {
  resync?: boolean | undefined;
  /** Replies this message carried to the reconciler's own commands. */
  replies?: readonly RepliesByCommand[] | undefined;
}

export async function reconcileDocuments(
  deps: DeclaredDeps,
  enrollment: Enrollment,
  run: DocumentsRun = {},
): Promise<DocumentsOutcome> {
  const { store } = deps;
  const snap = await store.declared.snapshot(enrollment.id, enrollment.devicePk);
  // Replies change ledger rows in place; what was read is what decides whether a row must be written.
  const before = new Map(snap.ledger.map((l) => [lower(l.documentId), { ...l }]));
  const writes = run.replies?.length ? applyDocumentReplies(deps, enrollment, snap, run.replies) : [];
  const desired: DesiredEntry[] = snap.desired.map((d) => ({
    id: d.id,
    checksum: d.checksum,
    scope: scopeName(d.scope),
    host: hostFor(d.scenario),
    abandoned: d.abandoned,
  }));
  const desiredById = new Map(desired.map((d) => [lower(d.id), d]));
  const reportedById = new Map(snap.reported.map((r) => [lower(r.documentId), r]));
  const ledgerById = new Map(snap.ledger.map((l) => [lower(l.documentId), l]));
  const stray = snap.reported.filter((r) => !desiredById.has(lower(r.documentId))).map((r) => r.documentId);
  const located = await locations(store, stray);

  let actions = diffDocuments({
    desired,
    reported: snap.reported.map(reportedEntry),
    ledger: run.resync ? [] : snap.ledger.map((l) => ({ id: l.documentId, rejectedChecksum: l.rejectedChecksum })),
    locate: (id) => located.get(lower(id)),
    resync: run.resync,
  });
  const texts = new Map<string, string>();
  for (const a of actions) {
    if (a.kind !== 'replace-document') continue;
    const body = await bodyOf(store, a.id, a.checksum);
    if (body !== undefined) texts.set(lower(a.id), body);
  }
  // A document changed between the two reads: leave it to the next run rather than send a stale version.
  actions = actions.filter((a) => a.kind !== 'replace-document' || texts.has(lower(a.id)));

  const now = deps.now();
  const ids = new Set([...desiredById.keys(), ...reportedById.keys(), ...ledgerById.keys()]);
  const next = new Map<string, StatusRow>();
  for (const id of ids) {
    const row = nextRow(enrollment, id, desiredById.get(id), reportedById.get(id), ledgerById.get(id), now, run);
    if (row) next.set(id, row);
  }
  const events: NewEvent[] = [];
  let lastEventId = 0;
  let queued = 0;
  const changed = (id: string, row: StatusRow) => {
    const prev = before.get(id);
    return !prev || !sameRow(prev, row);
  };
  const dirty = [...next].filter(([id, row]) => changed(id, row));
  if (actions.length === 0 && writes.length === 0 && dirty.length === 0) {
    return { actions, events, lastEventId, queued };
  }

  await store.transaction(async (tx) => {
    for (const w of writes) await w(tx);
    for (const q of commandsFor(actions, texts)) {
      const id = lower(q.action.id);
      const row = next.get(id);
      if (q.action.kind === 'replace-document' && row?.sentCommandUuid && row.sentChecksum !== q.action.checksum) {
        // The older version is still queued for this device: it would only be overwritten on arrival.
        await tx.queue.cancel({ commandUuid: row.sentCommandUuid, enrollmentId: enrollment.id });
      }
      const r = await queueCommand(tx, {
        enrollmentIds: [enrollment.id],
        command: q.command,
        origin: RECONCILER_ORIGIN,
        dedupeKey: q.dedupeKey,
      });
      queued += r.queued.length;
      if (q.action.kind === 'replace-document' && row && r.queued.length > 0) {
        next.set(id, { ...row, sentChecksum: q.action.checksum, sentCommandUuid: r.commandUuid, sentAt: now });
      }
    }
    const rows: StatusRow[] = [];
    for (const [id, row] of next) {
      if (!changed(id, row)) continue;
      rows.push(row);
      const prev = before.get(id);
      if (prev?.status !== row.status)
        events.push(statusEvent(enrollment, row, prev?.status ?? null, reportedById.get(id)));
    }
    await tx.declared.status.put(rows);
    lastEventId = await publish(tx, events);
  });
  return { actions, events, lastEventId, queued };
}

function nextRow(
  enrollment: Enrollment,
  id: string,
  d: DesiredEntry | undefined,
  r: ReportedDocument | undefined,
  prev: StatusRow | undefined,
  now: number,
  run: DocumentsRun,
): StatusRow | undefined {
  const result = r ? currentResult(r) : undefined;
  const derived = deriveStatus({
    desired: d,
    reported: r ? reportedEntry(r) : undefined,
    previous: prev && run.resync ? { ...prev, rejectedChecksum: null } : prev,
    resultAllSuccess: result ? allSucceeded(result) : undefined,
  });
  if (!derived) return undefined;
  let detail = derived.detail;
  if ((derived.status === 'error' || derived.status === 'drifted') && result) {
    const failing = failingResources(result);
    if (failing.length > 0) detail = `${detail}: ${failing.slice(0, 5).join(', ')}`;
  }
  const base: StatusRow = prev ?? {
    enrollmentId: enrollment.id,
    documentId: d?.id ?? r?.documentId ?? id,
    status: derived.status,
    detail: null,
    desiredChecksum: null,
    compliantChecksum: null,
    compliantResultChecksum: null,
    rejectedChecksum: null,
    rejectedCode: null,
    sentChecksum: null,
    sentCommandUuid: null,
    sentAt: null,
    since: now,
    updatedAt: now,
  };
  const row: StatusRow = {
    ...base,
    status: derived.status,
    detail,
    desiredChecksum: d?.checksum ?? null,
    compliantChecksum: derived.compliantChecksum,
    compliantResultChecksum: derived.compliantResultChecksum,
    rejectedChecksum: run.resync ? null : base.rejectedChecksum,
    rejectedCode: run.resync ? null : base.rejectedCode,
  };
  if (prev?.status !== row.status) row.since = now;
  row.updatedAt = sameRow(base, row) && prev ? prev.updatedAt : now;
  return row;
}

function sameRow(a: StatusRow, b: StatusRow): boolean {
  return (
    a.status === b.status &&
    a.detail === b.detail &&
    a.desiredChecksum === b.desiredChecksum &&
    a.compliantChecksum === b.compliantChecksum &&
    a.compliantResultChecksum === b.compliantResultChecksum &&
    a.rejectedChecksum === b.rejectedChecksum &&
    a.rejectedCode === b.rejectedCode &&
    a.sentChecksum === b.sentChecksum &&
    a.sentCommandUuid === b.sentCommandUuid
  );
}

function statusEvent(
  enrollment: Enrollment,
  row: StatusRow,
  from: DeclaredStatus | null,
  r: ReportedDocument | undefined,
): NewEvent {
  return {
    type: 'document.status',
    payload: {
      deviceId: enrollment.deviceId,
      enrollmentId: enrollment.id,
      documentId: row.documentId,
      from,
      to: row.status,
      detail: row.detail,
      checksum: row.desiredChecksum,
      reportedChecksum: r?.checksum ?? null,
      state: r?.state ?? null,
    },
  };
}
