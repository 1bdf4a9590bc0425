/**
 * Linking, the imperative half: for a primary enrollment windc serves, run the plan of linking.ts once per
 * session, queue what it asks for and record the link's progress, with an event when its state moves.
 */
import type { Enrollment, LinkRow, StoreTx } from '../../store/index.ts';
import { type CommandTemplate, queueCommand } from '../management/payload.ts';
import type { DeclaredDeps } from './context.ts';
import { type NewEvent, publish } from './events.ts';
import {
  enrollCommand,
  LINK_ORIGIN,
  type LinkCommandKind,
  planLink,
  statusReadCommand,
  unenrollCommand,
} from './linking.ts';

/** Server setting: link new primary enrollments automatically. On unless an admin turned it off. */
export const AUTO_LINK_SETTING = 'autoLink';

export async function autoLinkEnabled(store: Pick<StoreTx, 'declared'>): Promise<boolean> {
  return (await store.declared.server.get(AUTO_LINK_SETTING)) !== false;
}

export function linkCommand(deps: DeclaredDeps, kind: LinkCommandKind, row: LinkRow): CommandTemplate {
  if (kind === 'enroll') return enrollCommand(deps.primaryProviderId, row.discoveryEndpoint ?? deps.discoveryUrl);
  if (kind === 'unenroll') return unenrollCommand(deps.primaryProviderId);
  return statusReadCommand(deps.primaryProviderId);
}

export function linkEvent(enrollment: Enrollment, prev: LinkRow | undefined, row: LinkRow): NewEvent[] {
  if (prev?.state === row.state) return [];
  return [
    {
      type: 'link.status',
      payload: {
        deviceId: enrollment.deviceId,
        enrollmentId: enrollment.id,
        from: prev?.state ?? null,
        to: row.state,
        detail: row.detail,
        enrollStatus: row.enrollStatus,
        lastError: row.lastError,
      },
    },
  ];
}

/** Queues a linking command and stores the row with the command's id, in the caller's transaction. */
export async function queueLink(
  deps: DeclaredDeps,
  tx: StoreTx,
  enrollment: Enrollment,
  kind: LinkCommandKind,
  row: LinkRow,
): Promise<LinkRow> {
  const r = await queueCommand(tx, {
    enrollmentIds: [enrollment.id],
    command: linkCommand(deps, kind, row),
    origin: LINK_ORIGIN,
    dedupeKey: `link:${kind}`,
  });
  return r.queued.length > 0 ? { ...row, commandUuid: r.commandUuid } : row;
}

/** `settled`: the link needs nothing more until something changes (an admin's request, the WinDC side). */
export async function reconcileLink(
  deps: DeclaredDeps,
  enrollment: Enrollment,
  mayRead = true,
): Promise<{ lastEventId: number; settled: boolean }> {
  const { store } = deps;
  const row = await store.declared.links.get(enrollment.id);
  if (row?.state === 'linked' || row?.state === 'unenrolled') return { lastEventId: 0, settled: true };
  const linked = await store.devices.findActiveEnrollment(enrollment.deviceId, 'linked');
  const autoLink = row ? true : await autoLinkEnabled(store);
  const plan = planLink(enrollment.id, {
    row,
    autoLink,
    linked: linked && { id: linked.id, lastSeenAt: linked.lastSeenAt },
    discoveryUrl: deps.discoveryUrl,
    now: deps.now(),
    mayRead,
  });
  // No row and none planned: auto-linking is off and nobody asked. A row left as it is waits on time (the next
  // status read), so it is not settled.
  if (!plan.row) return { lastEventId: 0, settled: true };
  if (plan.row === row && !plan.command) return { lastEventId: 0, settled: false };
  let lastEventId = 0;
  await store.transaction(async (tx) => {
    let next = plan.row as LinkRow;
    if (plan.command) next = await queueLink(deps, tx, enrollment, plan.command, next);
    await tx.declared.links.put(next);
    lastEventId = await publish(tx, linkEvent(enrollment, row, next));
  });
  return { lastEventId, settled: plan.row.state === 'linked' || plan.row.state === 'unenrolled' };
}

/**
 * A WinDC enrollment's session proves its link: the primary's row becomes `linked` now, without waiting for
 * the primary's next session. Checked on a session's first message only, one row read.
 */
export async function confirmLink(deps: DeclaredDeps, linked: Enrollment): Promise<{ lastEventId: number }> {
  const { store } = deps;
  const parentId =
    linked.parentEnrollmentId ?? (await store.devices.findActiveEnrollment(linked.deviceId, 'primary'))?.id;
  if (parentId === undefined) return { lastEventId: 0 };
  const row = await store.declared.links.get(parentId);
  if (!row || row.state === 'linked' || !['requested', 'enrolling', 'failed'].includes(row.state)) {
    return { lastEventId: 0 };
  }
  const parent = await store.devices.getEnrollment(parentId);
  if (!parent) return { lastEventId: 0 };
  const next: LinkRow = { ...row, state: 'linked', detail: 'the WinDC enrollment checked in', updatedAt: deps.now() };
  let lastEventId = 0;
  await store.transaction(async (tx) => {
    await tx.declared.links.put(next);
    lastEventId = await publish(tx, linkEvent(parent, row, next));
  });
  return { lastEventId };
}
