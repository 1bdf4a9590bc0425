/**
 * The declared-configuration step of every device message, run by the session engine before it dequeues: take
 * in the replies to windc's own commands, then bring the enrollment toward what is desired. A WinDC (linked)
 * enrollment gets documents and settings; a primary enrollment gets linked. Also what the admin API's "resync
 * device" runs, outside any session.
 *
 * Cost is what matters here: this runs for every message of every device. Documents are reconciled at every
 * message (three prebuilt reads; writes only when something changed). What changes rarely and only needs to
 * be seen once per session (rule membership, settings, a link's confirmation) runs on a session's first
 * message, or when a reply concerns it.
 */
import type { Enrollment, MatchedReply } from '../../store/index.ts';
import type { DeclaredDeps } from './context.ts';
import { announce } from './events.ts';
import { syncRuleMembership } from './membership.ts';
import { reconcileDocuments } from './reconcile-documents.ts';
import { confirmLink, reconcileLink } from './reconcile-link.ts';
import { reconcileSettings, SETTINGS_ORIGIN } from './reconcile-settings.ts';
import { handleOtherReplies, isDocumentReply, repliesByCommand } from './replies.ts';

export interface ReconcileOptions {
  /** Replies this message carried to queued commands (the queue's recordReplies). */
  matched?: readonly MatchedReply[] | undefined;
  /** Re-send every desired document and setting whatever the device reported. */
  resync?: boolean | undefined;
  /** The run is for a session's first message, or outside any session: once-per-session work may run. */
  firstMessage?: boolean | undefined;
}

export interface ReconcileOutcome {
  /** Commands queued by this run. */
  queued: number;
  events: number;
}

export async function reconcileEnrollment(
  deps: DeclaredDeps,
  target: Enrollment | number,
  options: ReconcileOptions = {},
): Promise<ReconcileOutcome> {
  const enrollment = typeof target === 'number' ? await deps.store.devices.getEnrollment(target) : target;
  if (enrollment?.status !== 'active') return { queued: 0, events: 0 };
  const first = options.firstMessage ?? true;
  // Only a first message's run can mark the enrollment quiet (below), so only it reads the generation, and
  // before anything else the run reads: a change committed meanwhile then leaves the mark stale, never wrong.
  const generation = first ? await deps.store.declared.quiet.generation() : undefined;
  let settled = true;
  const replies = repliesByCommand(options.matched);
  let lastEventId = await handleOtherReplies(
    deps,
    enrollment,
    replies.filter((r) => !isDocumentReply(r)),
  );
  let events = lastEventId > 0 ? 1 : 0;
  let queued = 0;
  if (generation !== undefined) await syncRuleMembership(deps, enrollment, generation);
  if (enrollment.kind === 'linked') {
    if (first && enrollment.parentEnrollmentId !== null) {
      lastEventId = Math.max(lastEventId, (await confirmLink(deps, enrollment)).lastEventId);
    }
    const docs = await reconcileDocuments(deps, enrollment, {
      resync: options.resync,
      replies: replies.filter(isDocumentReply),
    });
    queued += docs.queued;
    events += docs.events.length;
    lastEventId = Math.max(lastEventId, docs.lastEventId);
    if (first || replies.some((r) => r.target.origin === SETTINGS_ORIGIN)) {
      const settings = await reconcileSettings(deps, enrollment, options.resync ?? false);
      queued += settings.queued;
      lastEventId = Math.max(lastEventId, settings.lastEventId);
    }
  } else {
    const link = await reconcileLink(deps, enrollment, first);
    lastEventId = Math.max(lastEventId, link.lastEventId);
    settled = link.settled;
  }
  // Once-per-session work (rules, settings, the link's confirmation) ran only on a first message, so only a
  // first message's run can vouch for the whole enrollment. Commands it queued keep the device's polls on the
  // full path by themselves until they are answered. An unsettled link needs no clearing: only a settled one
  // is ever marked, and leaving that state is a write to declared_links, whose trigger drops the mark.
  if (generation !== undefined && settled) await deps.store.declared.quiet.mark(enrollment.id, generation);
  announce(lastEventId);
  return { queued, events };
}
