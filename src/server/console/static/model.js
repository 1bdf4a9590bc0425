// @ts-check
/**
 * What the console shows, computed from API answers without touching the DOM: status columns, table rows,
 * labels, routes and confirmation texts. The browser imports it; test/server/console/model.test.ts does too.
 */

/** The derived statuses in lifecycle order; statuses a newer server adds are shown after these. */
export const KNOWN_STATUSES = ['pending', 'delivered', 'compliant', 'error', 'drifted', 'abandoned', 'removed'];

/** @typedef {Record<string, number> | null | undefined} Counts */

/**
 * The status columns for a table: every known status, then any other status present in `countsList`, so an
 * unknown status is still counted rather than silently missing.
 * @param {Counts[]} countsList
 * @returns {string[]}
 */
export function statusColumns(countsList) {
  const extra = new Set();
  for (const c of countsList) for (const k of Object.keys(c ?? {})) if (!KNOWN_STATUSES.includes(k)) extra.add(k);
  return [...KNOWN_STATUSES, ...[...extra].sort()];
}

/**
 * @param {Counts} counts
 * @param {string[]} columns
 * @returns {{ status: string, count: number }[]}
 */
export function rollupCells(counts, columns) {
  return columns.map((status) => ({ status, count: counts?.[status] ?? 0 }));
}

/** @param {Counts} counts */
export function totalOf(counts) {
  return Object.values(counts ?? {}).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
}

/**
 * "2 compliant · 1 error", in column order, zeros left out.
 * @param {Counts} counts
 */
export function rollupSummary(counts) {
  const parts = rollupCells(counts, statusColumns([counts]))
    .filter((c) => c.count > 0)
    .map((c) => `${c.count} ${c.status}`);
  return parts.length > 0 ? parts.join(' · ') : 'no devices';
}

/**
 * The colour family of a status, for a CSS class: what needs the admin's attention stands out.
 * @param {string | null | undefined} status
 * @returns {'good' | 'bad' | 'warn' | 'info' | 'muted'}
 */
export function statusTone(status) {
  switch (status) {
    case 'compliant':
      return 'good';
    case 'error':
      return 'bad';
    case 'drifted':
      return 'warn';
    case 'pending':
    case 'delivered':
      return 'info';
    default:
      return 'muted';
  }
}

/**
 * Checksums are long hex strings; the first 12 characters tell revisions apart at a glance.
 * @param {string | null | undefined} checksum
 */
export function shortChecksum(checksum) {
  if (!checksum) return '—';
  return checksum.length > 12 ? `${checksum.slice(0, 12)}…` : checksum;
}

/**
 * UTC, to the second: admins compare these with server logs, which are in UTC.
 * @param {number | null | undefined} ms
 */
export function formatTime(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/**
 * @param {number | null | undefined} ms
 * @param {number} now
 */
export function ago(ms, now) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return 'never';
  const s = Math.round((now - ms) / 1000);
  if (s < 0) return 'in the future';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/**
 * A WinDC state as "ConfigCompletedSuccess (60)"; the number alone when the server could not name it.
 * @param {number | null | undefined} state
 * @param {string | null | undefined} name
 */
export function stateLabel(state, name) {
  if (state === null || state === undefined) return 'not reported';
  return name ? `${name} (${state})` : String(state);
}

/**
 * @typedef {{ id: string, name: string | null, kind: string, scenario: string, checksum: string, revision: number,
 *   abandoned: boolean, updatedAt: number, rollup?: { counts: Counts } }} DocumentSummary
 */

/**
 * @param {DocumentSummary} doc
 * @param {string[]} columns
 */
export function documentRow(doc, columns) {
  const counts = doc.rollup?.counts ?? null;
  return {
    id: doc.id,
    label: doc.name || doc.id,
    kind: doc.kind,
    scenario: doc.scenario,
    revision: doc.revision,
    checksum: shortChecksum(doc.checksum),
    abandoned: doc.abandoned,
    updated: formatTime(doc.updatedAt),
    cells: rollupCells(counts, columns),
    total: totalOf(counts),
    href: routeHash({ view: 'documents', id: doc.id }),
  };
}

/**
 * @typedef {{ kind: string, status: string, lastSeenAt: number | null, lastReportAt: number | null }} EnrollmentSummary
 * @typedef {{ deviceId: string, enrollments?: EnrollmentSummary[], statuses?: Record<string, number> }} DeviceSummary
 */

/**
 * @param {DeviceSummary} device
 * @param {string[]} columns
 * @param {number} now
 */
export function deviceRow(device, columns, now) {
  const enrollments = device.enrollments ?? [];
  const linked = enrollments.find((e) => e.kind === 'linked');
  const seen = enrollments.map((e) => e.lastSeenAt ?? 0).reduce((a, b) => Math.max(a, b), 0);
  return {
    deviceId: device.deviceId,
    enrollments: enrollments.map((e) => e.kind).join(', ') || 'none active',
    linked: linked !== undefined,
    lastSeen: seen > 0 ? ago(seen, now) : 'never',
    lastReport: ago(linked?.lastReportAt, now),
    cells: rollupCells(device.statuses, columns),
    statuses: device.statuses ?? {},
    href: routeHash({ view: 'devices', id: device.deviceId }),
  };
}

/**
 * The device rows matching a search text (any part of the DeviceID, case-insensitive) and, when given, having
 * at least one document in `status`.
 * @template {{ deviceId: string, statuses: Record<string, number> }} R
 * @param {R[]} rows
 * @param {{ text?: string, status?: string }} filter
 * @returns {R[]}
 */
export function filterDevices(rows, filter) {
  const text = (filter.text ?? '').trim().toLowerCase();
  return rows.filter(
    (r) =>
      (text === '' || r.deviceId.toLowerCase().includes(text)) &&
      (!filter.status || (r.statuses[filter.status] ?? 0) > 0),
  );
}

/**
 * The states a device reports for a finished step. Mirrors the server's success rule
 * (src/server/declared/results.ts), which the browser cannot import.
 */
const SUCCESS_STATES = new Set([60, 63, 80]);

/**
 * @typedef {{ kind: string, name: string, status: string | null, state: number, stateName: string | null }} Resource
 * @typedef {{ state: number, stateName: string | null, operation: string, current?: boolean,
 *   fetchedAt?: number | null, resources: Resource[] }} ResultView
 */

/**
 * The DSC blocks, CSPs and URIs of a result that did not succeed: a state other than success, or a status
 * other than 200.
 * @param {ResultView | null | undefined} result
 * @returns {Resource[]}
 */
export function failingResources(result) {
  if (!result) return [];
  return result.resources.filter(
    (r) => !SUCCESS_STATES.has(r.state) || (r.status !== null && r.status !== undefined && r.status !== '200'),
  );
}

/**
 * One line about a result: its outcome, how many resources, which failed, and whether it is stale.
 * `reportedState` is the state shown beside it: when the result has that same state it is left out, since
 * repeating "ConfigCompletedSuccess (60)" in two columns of every row is what made the tables too wide.
 * @param {ResultView | null | undefined} result
 * @param {number | null} [reportedState]
 */
export function resultSummary(result, reportedState = null) {
  if (!result) return 'no result fetched';
  const failing = failingResources(result).length;
  const n = result.resources.length;
  const outcome = failing === 0 ? `${n} resource${n === 1 ? '' : 's'} ok` : `${failing} of ${n} failing`;
  const stale = result.current === false ? ' (for an earlier report)' : '';
  const state = result.state === reportedState ? '' : ` ${stateLabel(result.state, result.stateName)}`;
  return `${result.operation}${state}: ${outcome}${stale}`;
}

/**
 * @typedef {{ documentId: string, name?: string | null, status: string, detail: string | null,
 *   desiredChecksum: string | null, reportedChecksum: string | null, state: number | null, stateName: string | null,
 *   lastReportAt: number | null, changedAt: number | null, abandoned: boolean, result: ResultView | null,
 *   rejected: { checksum: string, code: string | number | null } | null, deviceId?: string | null }} DeviceDocument
 */

/**
 * A device × document row: what windc wants against what the device says, and why not there yet.
 * @param {DeviceDocument} d
 * @param {number} now
 */
export function deviceDocumentRow(d, now) {
  const failing = failingResources(d.result).map((r) => {
    const why = [r.status && r.status !== '200' ? `status ${r.status}` : '', stateLabel(r.state, r.stateName)];
    return `${r.kind} ${r.name}: ${why.filter(Boolean).join(', ')}`;
  });
  const state = stateLabel(d.state, d.stateName);
  return {
    documentId: d.documentId,
    label: d.name || d.documentId,
    deviceId: d.deviceId ?? null,
    status: d.status,
    tone: statusTone(d.status),
    // The server's detail for a settled document is just the state ("ConfigCompletedSuccess (60)"), already in
    // the State column: shown twice, it only widens the table.
    detail: d.detail && d.detail !== state ? d.detail : '',
    desired: shortChecksum(d.desiredChecksum),
    reported: shortChecksum(d.reportedChecksum),
    inSync: d.desiredChecksum !== null && d.desiredChecksum === d.reportedChecksum,
    state,
    lastReport: ago(d.lastReportAt, now),
    result: resultSummary(d.result, d.state),
    failing,
    rejected: d.rejected ? `checksum ${shortChecksum(d.rejected.checksum)} refused (${d.rejected.code ?? '?'})` : '',
    abandoned: d.abandoned,
  };
}

/**
 * @typedef {{ id: number, at: number, type: string, payload: Record<string, unknown> }} ServerEvent
 */

/**
 * One line of the live panel.
 * @param {ServerEvent} e
 */
export function eventLine(e) {
  const p = e.payload ?? {};
  const str = (/** @type {unknown} */ v) => (v === null || v === undefined ? '—' : String(v));
  let subject = '';
  switch (e.type) {
    case 'document.status':
      subject = `document ${str(p.documentId)}`;
      break;
    case 'setting.status':
      subject = `setting ${str(p.locUri)}`;
      break;
    case 'link.status':
      subject = 'WinDC link';
      break;
    default:
      subject = e.type;
  }
  return {
    id: e.id,
    time: formatTime(e.at),
    type: e.type,
    deviceId: typeof p.deviceId === 'string' ? p.deviceId : null,
    text: `${subject}: ${p.from === null || p.from === undefined ? 'new' : str(p.from)} → ${str(p.to)}`,
    detail: typeof p.detail === 'string' ? p.detail : '',
    tone: e.type === 'document.status' ? statusTone(typeof p.to === 'string' ? p.to : null) : 'muted',
  };
}

export const VIEWS = ['documents', 'devices', 'sets', 'groups'];

/**
 * `#/devices/<id>` and friends: the view and, for detail pages, the (URI-encoded) key.
 * @param {string} hash
 * @returns {{ view: string, id?: string }}
 */
export function parseRoute(hash) {
  const parts = hash.replace(/^#\/?/, '').split('/');
  const view = VIEWS.includes(parts[0] ?? '') ? /** @type {string} */ (parts[0]) : 'documents';
  if (parts.length < 2 || parts[1] === '') return { view };
  try {
    return { view, id: decodeURIComponent(parts.slice(1).join('/')) };
  } catch {
    return { view };
  }
}

/** @param {{ view: string, id?: string }} route */
export function routeHash(route) {
  return route.id === undefined ? `#/${route.view}` : `#/${route.view}/${encodeURIComponent(route.id)}`;
}

/** What a delete does, said before the admin confirms it (the API's own note, docs/declared-configuration.md). */
export const DELETE_EXPLANATION =
  'Deleting removes the document from windc and sends each device a Delete at its next session. Windows does not ' +
  'roll back what the document applied: the settings stay on the devices ("tattoo"). To stop enforcement while ' +
  'keeping the document managed, abandon it instead.';

export const ABANDON_EXPLANATION =
  'Abandoning tells every device to stop enforcing this document: what it applied stays, drift is no longer ' +
  'repaired, and the document stays managed so you can resume enforcement later.';

export const UNABANDON_EXPLANATION =
  'Resuming enforcement makes every device re-apply this document at once and repair drift again.';

/**
 * @param {{ id: string, name: string | null, kind: string }} doc
 * @param {'delete' | 'abandon' | 'unabandon'} action
 */
export function confirmModel(doc, action) {
  const label = doc.name ? `“${doc.name}” (${doc.id})` : doc.id;
  if (action === 'delete') return { title: `Delete ${label}?`, text: DELETE_EXPLANATION, confirm: 'Delete' };
  if (action === 'abandon') return { title: `Abandon ${label}?`, text: ABANDON_EXPLANATION, confirm: 'Abandon' };
  return { title: `Resume enforcing ${label}?`, text: UNABANDON_EXPLANATION, confirm: 'Resume enforcement' };
}

/** Only configuration documents can be abandoned (the API refuses inventory ones with DOCUMENT_NOT_ABANDONABLE). */
export function canAbandon(/** @type {{ kind: string }} */ doc) {
  return doc.kind === 'configuration';
}
