/**
 * Linking: the primary MDM sets `LinkedEnrollment/DiscoveryEndpoint` and Execs `LinkedEnrollment/Enroll` (seed
 * 000, [MS-MDE2] §2.2.9.3); Windows then enrolls a second, WinDC account from a scheduled task. Pure: the plan for
 * one session of a primary enrollment windc serves, and how the device's answers move the link along.
 *
 * EnrollStatus and LastError are read for the admin to see, never trusted for liveness: EnrollStatus has been seen
 * stuck at 3 (Failed) on a healthy linked enrollment (research §3, §7.7). The link is `linked` when the device's
 * WinDC enrollment exists at windc, which only a real enrollment can cause. Reads stop after a bound, so a device
 * that never links is not asked forever.
 */
import { ENROLL_STATUS_NAMES } from '../../protocol/csp/index.ts';
import type { LinkRow, LinkState, Reply } from '../../store/index.ts';
import type { CommandTemplate } from '../management/payload.ts';

export const LINK_ORIGIN = 'linking';
export const MAX_STATUS_READS = 10;

export function linkedEnrollmentBase(providerId: string): string {
  return `./Device/Vendor/MSFT/DMClient/Provider/${encodeURIComponent(providerId)}/LinkedEnrollment`;
}

/** Replace DiscoveryEndpoint, then Exec Enroll: in one Sequence, so the Enroll never runs without the endpoint. */
export function enrollCommand(providerId: string, discoveryUrl: string): CommandTemplate {
  const base = linkedEnrollmentBase(providerId);
  return {
    kind: 'Sequence',
    commands: [
      {
        kind: 'Replace',
        items: [
          {
            target: { locUri: `${base}/DiscoveryEndpoint` },
            meta: { format: 'chr', type: 'text/plain' },
            data: discoveryUrl,
          },
        ],
      },
      { kind: 'Exec', items: [{ target: { locUri: `${base}/Enroll` } }] },
    ],
  };
}

export function unenrollCommand(providerId: string): CommandTemplate {
  return { kind: 'Exec', items: [{ target: { locUri: `${linkedEnrollmentBase(providerId)}/Unenroll` } }] };
}

export function statusReadCommand(providerId: string): CommandTemplate {
  const base = linkedEnrollmentBase(providerId);
  return {
    kind: 'Get',
    items: [{ target: { locUri: `${base}/EnrollStatus` } }, { target: { locUri: `${base}/LastError` } }],
  };
}

export interface LinkInput {
  row: LinkRow | undefined;
  /** windc links new primary enrollments on its own (server setting `autoLink`). */
  autoLink: boolean;
  /** The device's active WinDC enrollment at windc, if any. */
  linked: { id: number; lastSeenAt: number | null } | undefined;
  discoveryUrl: string;
  now: number;
  /**
   * Whether this run may read EnrollStatus: once per session (its first message). Every later message of the
   * session would otherwise read it again, since each read's answer arrives with the next message.
   */
  mayRead: boolean;
}

export type LinkCommandKind = 'enroll' | 'unenroll' | 'read-status';

export interface LinkPlan {
  /** The row to store when it differs from the input. */
  row: LinkRow | undefined;
  command?: LinkCommandKind | undefined;
}

function fresh(enrollmentId: number, state: LinkState, discoveryUrl: string | null, now: number): LinkRow {
  return {
    enrollmentId,
    state,
    discoveryEndpoint: discoveryUrl,
    enrollStatus: null,
    lastError: null,
    polls: 0,
    commandUuid: null,
    detail: null,
    requestedAt: now,
    updatedAt: now,
  };
}

/** What one session of the primary enrollment does about linking. */
export function planLink(enrollmentId: number, input: LinkInput): LinkPlan {
  const { row, linked, now } = input;
  if (!row) {
    if (linked) return { row: { ...fresh(enrollmentId, 'linked', null, now), detail: 'the WinDC enrollment exists' } };
    if (!input.autoLink) return { row: undefined };
    return { row: fresh(enrollmentId, 'requested', input.discoveryUrl, now), command: 'enroll' };
  }
  switch (row.state) {
    case 'requested':
    case 'enrolling':
      if (linked) {
        return { row: { ...row, state: 'linked', detail: 'the WinDC enrollment exists', updatedAt: now } };
      }
      if (row.state === 'enrolling' && (!input.mayRead || row.enrollStatus === 4)) return { row };
      if (row.state === 'enrolling' && row.polls < MAX_STATUS_READS) {
        return { row: { ...row, polls: row.polls + 1, updatedAt: now }, command: 'read-status' };
      }
      if (row.state === 'enrolling' && row.enrollStatus !== 4) {
        return {
          row: {
            ...row,
            state: 'failed',
            detail: `no WinDC enrollment after ${row.polls} status reads`,
            updatedAt: now,
          },
        };
      }
      // Reads are done; a device that says it succeeded is believed once its WinDC enrollment checks in.
      return { row };
    case 'failed':
      // A device that reported failure may still enroll (EnrollStatus is not refreshed on success).
      if (linked) return { row: { ...row, state: 'linked', detail: 'the WinDC enrollment exists', updatedAt: now } };
      return { row };
    case 'unenrolling':
      if (input.mayRead && row.polls < MAX_STATUS_READS && row.enrollStatus !== 8) {
        return { row: { ...row, polls: row.polls + 1, updatedAt: now }, command: 'read-status' };
      }
      return { row };
    default:
      return { row };
  }
}

/** An admin asks again, whatever happened before: a new request (or unenroll request) with its own reads. */
export function requestLink(enrollmentId: number, discoveryUrl: string, now: number): LinkRow {
  return fresh(enrollmentId, 'requested', discoveryUrl, now);
}

export function requestUnlink(row: LinkRow | undefined, enrollmentId: number, now: number): LinkRow {
  return {
    ...(row ?? fresh(enrollmentId, 'unenroll-requested', null, now)),
    state: 'unenroll-requested',
    polls: 0,
    updatedAt: now,
  };
}

function parseInt32(data: string | undefined): number | null {
  if (data === undefined || !/^-?\d+$/.test(data.trim())) return null;
  const n = Number(data.trim());
  // LastError is an HRESULT the device may write signed; keep it as the unsigned DWORD windc shows in hex.
  return n < 0 ? n + 2 ** 32 : n;
}

/** The device's answer to a linking command moves the row; `kind` says which command it answers. */
export function applyLinkReply(row: LinkRow, kind: LinkCommandKind, reply: Reply, now: number): LinkRow {
  if (reply.kind === 'status') {
    if (kind === 'read-status') return row;
    const ok = reply.code >= 200 && reply.code < 300;
    if (kind === 'enroll') {
      return ok
        ? {
            ...row,
            state: 'enrolling',
            polls: 0,
            detail: 'Enroll accepted; Windows enrolls in the background',
            updatedAt: now,
          }
        : { ...row, state: 'failed', detail: `the device refused the Enroll (Status ${reply.code})`, updatedAt: now };
    }
    return ok
      ? { ...row, state: 'unenrolling', polls: 0, detail: 'Unenroll accepted', updatedAt: now }
      : { ...row, detail: `the device refused the Unenroll (Status ${reply.code})`, updatedAt: now };
  }
  let next = { ...row, updatedAt: now };
  for (const item of reply.items) {
    if (/\/EnrollStatus$/i.test(item.source)) next.enrollStatus = parseInt32(item.data);
    if (/\/LastError$/i.test(item.source)) next.lastError = parseInt32(item.data);
  }
  const status =
    next.enrollStatus === null ? 'unknown' : (ENROLL_STATUS_NAMES[next.enrollStatus] ?? String(next.enrollStatus));
  const error = next.lastError ? `, LastError 0x${next.lastError.toString(16).toUpperCase().padStart(8, '0')}` : '';
  next.detail = `EnrollStatus ${status}${error}`;
  if (row.state === 'enrolling' && next.enrollStatus === 3 && next.lastError) {
    next = { ...next, state: 'failed' };
  }
  if (row.state === 'unenrolling' && next.enrollStatus === 8) next = { ...next, state: 'unenrolled' };
  return next;
}
