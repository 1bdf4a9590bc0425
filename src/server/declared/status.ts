/**
 * The status an admin sees per device × document, derived from what is desired, what the device last reported
 * and what the ledger remembers. Pure. The seven statuses:
 *
 * - pending: windc wants a version the device has not reported yet (not sent, queued, or sent and not seen);
 * - delivered: the device reports the desired version in a transient state (accepted, in progress);
 * - compliant: the desired version in 60 or 63 (80 for an inventory);
 * - error: the desired version in 61/62 (81/82), a delete that failed, or a version the device refused outright;
 * - drifted: left compliance without a new revision (60 → 61/62 at the same checksum), or its result_checksum
 *   changed at the same checksum and the new result is not known to be all success;
 * - abandoned: the admin stopped enforcement; the device keeps what was applied;
 * - removed: no longer desired; the Delete removes the document, never its settings ("tattoo").
 */
import { type DcState, isDcState, stateName } from '../../protocol/declared/index.ts';
import type { DeclaredStatus, StatusRow } from '../../store/index.ts';
import type { DesiredEntry, ReportedEntry } from './diff.ts';

export interface StatusInput {
  desired: DesiredEntry | undefined;
  reported: ReportedEntry | undefined;
  previous:
    | Pick<
        StatusRow,
        'status' | 'detail' | 'compliantChecksum' | 'compliantResultChecksum' | 'rejectedChecksum' | 'rejectedCode'
      >
    | undefined;
  /** The fetched result for the reported (checksum, result checksum) has every DSC, CSP and URI succeeding. */
  resultAllSuccess?: boolean | undefined;
}

export interface DerivedStatus {
  status: DeclaredStatus;
  detail: string;
  compliantChecksum: string | null;
  compliantResultChecksum: string | null;
}

export function describeState(state: number | null): string {
  if (state === null) return 'no state';
  return isDcState(state) ? `${stateName(state as DcState)} (${state})` : `unknown state ${state}`;
}

const SUCCESS = new Set([60, 63, 80]);
const FAILURE = new Set([61, 62, 81, 82]);

/** Undefined when there is nothing to show: never desired here and never reported. */
export function deriveStatus(input: StatusInput): DerivedStatus | undefined {
  const { desired: d, reported: r, previous: p } = input;
  const keep = {
    compliantChecksum: p?.compliantChecksum ?? null,
    compliantResultChecksum: p?.compliantResultChecksum ?? null,
  };
  if (!d) return removed(r, p, keep);
  if (d.abandoned) {
    const detail = !r
      ? 'abandoned before it reached this device: not delivered'
      : r.abandoned
        ? 'enforcement stopped on the device; applied settings stay'
        : 'Properties/Abandoned = 1 not yet acknowledged';
    return { status: 'abandoned', detail, ...keep };
  }
  const current = r !== undefined && r.checksum === d.checksum;
  if (!current && p?.rejectedChecksum === d.checksum) {
    return { status: 'error', detail: `the device refused this version (Status ${p.rejectedCode ?? '?'})`, ...keep };
  }
  if (!r) return { status: 'pending', detail: 'not yet on the device', ...keep };
  const state = r.state;
  if (state === 10 || state === 11) {
    return { status: 'pending', detail: 'being deleted on the device; it is sent again once that ends', ...keep };
  }
  if (state !== null && state >= 70 && state <= 72) {
    return { status: 'pending', detail: 'deleted on the device; sending it again', ...keep };
  }
  if (!current) {
    const detail =
      state === null || state < 60
        ? `waiting for the device to finish an older version (${describeState(state)})`
        : 'an older version is on the device; the new one is on its way';
    return { status: 'pending', detail, ...keep };
  }
  if (state === null || state < 60) return { status: 'delivered', detail: describeState(state), ...keep };
  const inventory = d.host === 'Inventory';
  if (SUCCESS.has(state)) {
    const driftByResult =
      !inventory &&
      keep.compliantChecksum === d.checksum &&
      keep.compliantResultChecksum !== null &&
      r.resultChecksum !== keep.compliantResultChecksum;
    if (driftByResult && input.resultAllSuccess !== true) {
      return { status: 'drifted', detail: 'the result changed without a new version', ...keep };
    }
    return {
      status: 'compliant',
      detail: describeState(state),
      compliantChecksum: d.checksum,
      compliantResultChecksum: r.resultChecksum,
    };
  }
  if (FAILURE.has(state)) {
    if (!inventory && keep.compliantChecksum === d.checksum) {
      return { status: 'drifted', detail: `left compliance at the same version: ${describeState(state)}`, ...keep };
    }
    return { status: 'error', detail: describeState(state), ...keep };
  }
  return { status: 'error', detail: describeState(state), ...keep };
}

function removed(
  r: ReportedEntry | undefined,
  p: StatusInput['previous'],
  keep: Pick<DerivedStatus, 'compliantChecksum' | 'compliantResultChecksum'>,
): DerivedStatus | undefined {
  const tattoo = 'the document is gone from the device; its settings stay (tattoo)';
  if (!r) {
    if (!p) return undefined;
    if (p.status === 'removed') return { status: 'removed', detail: p.detail ?? tattoo, ...keep };
    const never = p.status === 'pending' ? 'no longer assigned; it never reached the device' : tattoo;
    return { status: 'removed', detail: never, ...keep };
  }
  const state = r.state;
  if (state === 71 || state === 72)
    return { status: 'error', detail: `delete failed: ${describeState(state)}`, ...keep };
  if (state === 70) return { status: 'removed', detail: tattoo, ...keep };
  if (state === 10 || state === 11)
    return { status: 'removed', detail: `delete in progress (${describeState(state)})`, ...keep };
  return { status: 'removed', detail: 'no longer assigned: Delete queued; settings will stay (tattoo)', ...keep };
}
