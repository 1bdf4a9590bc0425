/** The device list (searchable) and one device: its enrollments, groups, sets and every document's state. */
import { badge, checksumCell, countCell, facts, h, show, table } from './dom.js';
import {
  ago,
  deviceDocumentRow,
  deviceRow,
  filterDevices,
  formatTime,
  KNOWN_STATUSES,
  routeHash,
  statusColumns,
  statusTone,
} from './model.js';

export async function renderDevices(ctx) {
  const { items, truncated } = await ctx.client.devices();
  const columns = statusColumns(items.map((d) => d.statuses));
  const now = ctx.now();
  const all = items.map((d) => deviceRow(d, columns, now));
  const search = { text: '', status: '' };
  const results = h('div');
  const draw = () => {
    const rows = filterDevices(all, search);
    show(
      results,
      h('p', { class: 'hint' }, `${rows.length} of ${all.length} device(s)`),
      table(
        ['Device', 'Enrollments', 'Last seen', 'Last report', ...columns],
        rows.map((r) => [
          h('a', { href: r.href }, r.deviceId),
          r.enrollments,
          r.lastSeen,
          r.linked ? r.lastReport : 'not linked',
          ...r.cells.map((c) => countCell(c, statusTone(c.status))),
        ]),
        { numeric: columns.map((_, i) => 4 + i), empty: all.length ? 'No device matches.' : 'No devices enrolled.' },
      ),
    );
  };
  show(
    ctx.el,
    h('h1', {}, 'Devices'),
    truncated ? h('p', { class: 'warning' }, `Showing the first ${items.length} devices.`) : null,
    h(
      'div',
      { class: 'toolbar' },
      h('input', {
        type: 'search',
        placeholder: 'Search DeviceID',
        'aria-label': 'Search DeviceID',
        oninput: (e) => {
          search.text = e.target.value;
          draw();
        },
      }),
      h(
        'select',
        {
          'aria-label': 'With a document in status',
          onchange: (e) => {
            search.status = e.target.value;
            draw();
          },
        },
        h('option', { value: '' }, 'any status'),
        KNOWN_STATUSES.map((s) => h('option', { value: s }, `with ${s} documents`)),
      ),
    ),
    results,
  );
  draw();
}

async function resync(ctx, deviceId) {
  const ok = await ctx.confirm({
    title: `Resync ${deviceId}?`,
    text:
      'Every desired document and setting is sent again at the device’s next session, whatever it reported. ' +
      'Use it when a device’s state looks wrong; it does not contact the device now.',
    confirm: 'Resync',
  });
  if (!ok) return;
  const r = await ctx.client.resync(deviceId);
  ctx.notice(`${r.queued} command(s) queued for the next session.`);
  await ctx.refresh();
}

export async function renderDevice(ctx, deviceId) {
  const d = await ctx.client.device(deviceId);
  const now = ctx.now();
  const linked = d.enrollments.find((e) => e.kind === 'linked');
  const rows = d.documents.map((doc) => deviceDocumentRow(doc, now));
  show(
    ctx.el,
    h('p', { class: 'crumbs' }, h('a', { href: routeHash({ view: 'devices' }) }, 'Devices'), ' / '),
    h('h1', {}, d.deviceId),
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        { type: 'button', disabled: !linked, onclick: () => ctx.run(() => resync(ctx, d.deviceId)) },
        'Resync device',
      ),
      linked ? null : h('span', { class: 'hint' }, ' No active WinDC enrollment: nothing to resync.'),
    ),
    facts([
      ['DeviceID', h('code', {}, d.deviceId)],
      ['HwDevID', d.hwDevId ?? '—'],
      [
        'Groups',
        d.groups.length
          ? d.groups.map((g, i) => [
              i ? ', ' : '',
              h('a', { href: routeHash({ view: 'groups', id: g.name }) }, g.name),
              ` (${g.source})`,
            ])
          : 'none',
      ],
      [
        'Sets',
        d.sets.length
          ? d.sets.map((s, i) => [i ? ', ' : '', h('a', { href: routeHash({ view: 'sets', id: s }) }, s)])
          : 'none',
      ],
      ['Link', d.link ? `${d.link.state}${d.link.detail ? `: ${d.link.detail}` : ''}` : '—'],
    ]),
    h('h2', {}, 'Enrollments'),
    table(
      ['ID', 'Kind', 'Status', 'Enrolled', 'Last seen', 'Last report'],
      d.enrollments.map((e) => [
        String(e.id),
        e.kind,
        e.status,
        formatTime(e.enrolledAt),
        ago(e.lastSeenAt, now),
        ago(e.lastReportAt, now),
      ]),
      { empty: 'No active enrollment.' },
    ),
    h('h2', {}, 'Documents'),
    table(
      ['Document', 'Status', 'State', 'Checksum (desired, reported)', 'Last report', 'Result', 'Detail'],
      rows.map((r) => [
        [
          h('a', { href: routeHash({ view: 'documents', id: r.documentId }) }, r.label),
          r.abandoned ? [' ', badge('abandoned', 'muted')] : null,
        ],
        badge(r.status, r.tone),
        r.state,
        checksumCell(r),
        r.lastReport,
        [
          r.result,
          r.failing.length
            ? h(
                'ul',
                { class: 'failing' },
                r.failing.map((f) => h('li', {}, f)),
              )
            : null,
        ],
        [r.detail, r.rejected ? h('div', { class: 'warning' }, r.rejected) : null],
      ]),
      { empty: 'No document is desired or reported for this device.' },
    ),
    h('h2', {}, 'Settings'),
    table(
      ['Setting', 'Value', 'State', 'Device status code'],
      (d.settings ?? []).map((s) => [
        h('code', {}, s.locUri ?? ''),
        s.value ?? '(device default)',
        s.state ?? '—',
        s.code === null || s.code === undefined ? '—' : String(s.code),
      ]),
      { empty: 'No group settings reach this device.' },
    ),
  );
}
