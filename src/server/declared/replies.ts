/**
 * What the device's Status and Results to windc's declared-configuration commands change: a result document is
 * stored for the (checksum, result_checksum) it was fetched for; a document the device refused synchronously is
 * remembered so it is not sent again; an acknowledged Abandoned is recorded; settings become applied,
 * unsupported (404/406) or failed; linking moves on. Replies to other commands are left alone.
 *
 * Document replies are applied to the reconciler's snapshot in memory (its writes run in the reconciler's
 * transaction), so a message with replies costs no extra reads.
 */
import { parseDeclaredLocUri } from '../../protocol/declared/index.ts';
import type {
  Enrollment,
  EnrollmentSnapshot,
  MatchedReply,
  Reply,
  ReplyTarget,
  StatusReply,
  StoreTx,
} from '../../store/index.ts';
import { RECONCILER_ORIGIN } from './commands.ts';
import type { DeclaredDeps } from './context.ts';
import { type NewEvent, publish } from './events.ts';
import { applyLinkReply, LINK_ORIGIN, type LinkCommandKind } from './linking.ts';
import { linkEvent } from './reconcile-link.ts';
import { SETTINGS_ORIGIN, settingEvents, settingStateFor } from './reconcile-settings.ts';
import { readResultItem, type StoredResult } from './results.ts';

export interface RepliesByCommand {
  target: ReplyTarget;
  replies: Reply[];
}

/** The matched replies grouped by the command they answer, with what each command was. */
export function repliesByCommand(matched: readonly MatchedReply[] | undefined): RepliesByCommand[] {
  const byRow = new Map<number, RepliesByCommand>();
  for (const m of matched ?? []) {
    const entry = byRow.get(m.queueId);
    if (entry) entry.replies.push(m.reply);
    else {
      const { queueId, commandUuid, origin, dedupeKey, locUri } = m;
      byRow.set(queueId, { target: { queueId, commandUuid, origin, dedupeKey, locUri }, replies: [m.reply] });
    }
  }
  // In queue order, as the commands were queued.
  return [...byRow.values()].sort((a, b) => a.target.queueId - b.target.queueId);
}

export const isDocumentReply = (r: RepliesByCommand) => r.target.origin === RECONCILER_ORIGIN;

const isTop = (reply: Reply, uuid: string) => reply.cmdRef.toLowerCase() === uuid.toLowerCase();
const lower = (s: string) => s.toLowerCase();

/**
 * Applies replies to document commands to `snap` and returns the writes they need. Results become stored
 * results against what the device reports now, so a device whose result_checksum algorithm differs from windc's
 * never makes the reconciler fetch the same result again and again.
 */
export function applyDocumentReplies(
  deps: DeclaredDeps,
  enrollment: Enrollment,
  snap: EnrollmentSnapshot,
  replies: readonly RepliesByCommand[],
): Array<(tx: StoreTx) => Promise<unknown>> {
  const writes: Array<(tx: StoreTx) => Promise<unknown>> = [];
  for (const { target: t, replies: rs } of replies) {
    if (!t.locUri) continue;
    let node: ReturnType<typeof parseDeclaredLocUri>;
    try {
      node = parseDeclaredLocUri(t.locUri);
    } catch {
      continue;
    }
    if (node.node === 'setting') continue;
    const docId = node.docId;
    for (const reply of rs) {
      if (reply.kind === 'results' && node.node === 'result') {
        for (const item of reply.items) {
          if (item.data === undefined) continue;
          let result: ReturnType<typeof readResultItem>;
          try {
            result = readResultItem(item.source, item.data, t.locUri);
          } catch (e) {
            deps.log?.warn?.(
              { enrollmentId: enrollment.id, source: item.source, err: e },
              'unreadable result document',
            );
            continue;
          }
          const reported = snap.reported.find((r) => lower(r.documentId) === lower(result.id));
          if (!reported) continue;
          const sameVersion = reported.checksum === result.checksum;
          const stored: StoredResult = { forChecksum: sameVersion ? reported.checksum : result.checksum, result };
          reported.result = stored;
          reported.resultAt = deps.now();
          reported.fetchedResultChecksum = sameVersion ? reported.resultChecksum : result.resultChecksum;
          const input = {
            enrollmentId: enrollment.id,
            documentId: reported.documentId,
            resultChecksum: reported.fetchedResultChecksum,
            result: stored,
          };
          writes.push((tx) => tx.reports.recordResult(input));
        }
        continue;
      }
      if (reply.kind !== 'status' || !isTop(reply, t.commandUuid)) continue;
      const ok = reply.code >= 200 && reply.code < 300;
      if (node.node === 'abandoned' && ok) {
        const value = t.dedupeKey?.endsWith(':1') ?? false;
        const reported = snap.reported.find((r) => lower(r.documentId) === lower(docId));
        if (reported) reported.abandoned = value;
        writes.push((tx) => tx.reports.setAbandoned(enrollment.id, reported?.documentId ?? docId, value));
      } else if (node.node === 'document' && t.dedupeKey?.startsWith('dc:doc:')) {
        // A refusal is remembered on the ledger row of the Replace that caused it; an acceptance clears it.
        const ledger = snap.ledger.find((l) => lower(l.documentId) === lower(docId));
        if (ledger && lower(ledger.sentCommandUuid ?? '') === lower(t.commandUuid)) {
          const refused = reply.code >= 300;
          ledger.rejectedChecksum = refused ? ledger.sentChecksum : null;
          ledger.rejectedCode = refused ? reply.code : null;
        }
      } else if (node.node === 'result' && !ok) {
        deps.log?.debug?.({ enrollmentId: enrollment.id, docId, code: reply.code }, 'result not readable');
      }
    }
  }
  return writes;
}

/** Settings and linking replies: rare (a few per device, ever), so they read what they need. */
export async function handleOtherReplies(
  deps: DeclaredDeps,
  enrollment: Enrollment,
  replies: readonly RepliesByCommand[],
): Promise<number> {
  let lastEventId = 0;
  for (const r of replies) {
    if (r.target.origin === SETTINGS_ORIGIN) {
      lastEventId = Math.max(lastEventId, await settingReplies(deps, enrollment, r));
    } else if (r.target.origin === LINK_ORIGIN) {
      lastEventId = Math.max(lastEventId, await linkReplies(deps, enrollment, r));
    }
  }
  return lastEventId;
}

async function settingReplies(deps: DeclaredDeps, enrollment: Enrollment, r: RepliesByCommand): Promise<number> {
  const statuses = r.replies.filter((x): x is StatusReply => x.kind === 'status');
  if (statuses.length === 0) return 0;
  return deps.store.transaction(async (tx) => {
    const settings = await tx.declared.settings.byCommand(enrollment.id, r.target.commandUuid);
    if (settings.length === 0) return 0;
    // A nested 404/406 says more than the Atomic's 507: the node is missing on that device.
    const codes = statuses.map((s) => s.code);
    const missing = codes.find((c) => c === 404 || c === 406);
    const top = statuses.find((s) => isTop(s, r.target.commandUuid))?.code;
    const code = missing ?? top ?? (codes[0] as number);
    const now = deps.now();
    const next = settings.map((s) => ({ ...s, state: settingStateFor(code), code, updatedAt: now }));
    await tx.declared.settings.put(next);
    return publish(tx, settingEvents(enrollment, new Map(settings.map((s) => [s.locUri, s])), next));
  });
}

async function linkReplies(deps: DeclaredDeps, enrollment: Enrollment, r: RepliesByCommand): Promise<number> {
  return deps.store.transaction(async (tx) => {
    const link = await tx.declared.links.get(enrollment.id);
    if (!link) return 0;
    const key = r.target.dedupeKey;
    const kind: LinkCommandKind =
      key === 'link:enroll' ? 'enroll' : key === 'link:unenroll' ? 'unenroll' : 'read-status';
    let next = link;
    const statuses = r.replies.filter((x): x is StatusReply => x.kind === 'status');
    if (kind !== 'read-status' && statuses.length > 0) {
      // The Sequence's own Status says little: the Exec inside it is what failed or not.
      const decisive = statuses.find((s) => s.code >= 300) ?? statuses.find((s) => isTop(s, r.target.commandUuid));
      if (decisive) next = applyLinkReply(next, kind, decisive, deps.now());
    }
    for (const reply of r.replies) {
      if (reply.kind === 'results') next = applyLinkReply(next, 'read-status', reply, deps.now());
    }
    if (next === link) return 0;
    await tx.declared.links.put(next);
    const events: NewEvent[] = linkEvent(enrollment, link, next);
    return publish(tx, events);
  });
}
