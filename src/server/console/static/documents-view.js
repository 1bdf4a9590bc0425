/** The documents list with devices per status, and one document: its content, revision and every device. */
import { badge, checksumCell, countCell, facts, h, show, table } from './dom.js';
import {
  canAbandon,
  confirmModel,
  deviceDocumentRow,
  documentRow,
  formatTime,
  KNOWN_STATUSES,
  rollupCells,
  routeHash,
  statusColumns,
  statusTone,
} from './model.js';

export async function renderDocuments(ctx) {
  const { items, truncated } = await ctx.client.documents();
  const columns = statusColumns(items.map((d) => d.rollup?.counts));
  const rows = items.map((d) => documentRow(d, columns));
  show(
    ctx.el,
    h('h1', {}, 'Documents'),
    h('p', { class: 'hint' }, 'Devices per derived status. Open a document to see its content and every device.'),
    truncated ? h('p', { class: 'warning' }, `Showing the first ${items.length} documents.`) : null,
    table(
      ['Document', 'Kind', 'Rev.', 'Checksum', 'Updated', ...columns, 'Devices'],
      rows.map((r) => [
        [h('a', { href: r.href }, r.label), r.abandoned ? [' ', badge('abandoned', 'muted')] : null],
        r.kind,
        String(r.revision),
        h('code', {}, r.checksum),
        r.updated,
        ...r.cells.map((c) => countCell(c, statusTone(c.status))),
        String(r.total),
      ]),
      { numeric: [2, ...columns.map((_, i) => 5 + i), 5 + columns.length], empty: 'No documents yet.' },
    ),
  );
}

async function act(ctx, doc, action) {
  if (!(await ctx.confirm(confirmModel(doc, action)))) return;
  const c = ctx.client;
  const r = action === 'delete' ? await c.deleteDocument(doc.id) : await c[action](doc.id);
  if (action === 'delete') {
    ctx.notice(r.note ?? 'Document deleted.');
    ctx.go({ view: 'documents' });
    return;
  }
  ctx.notice(r.changed ? `Document ${action === 'abandon' ? 'abandoned' : 'enforced again'}.` : 'Nothing changed.');
  await ctx.refresh();
}

export async function renderDocument(ctx, id) {
  const [doc, devices] = await Promise.all([ctx.client.document(id), ctx.client.documentDevices(id, ctx.filter)]);
  const r = doc.rollup ?? { counts: {}, assigned: 0, notEnrolled: 0, notReported: 0 };
  const columns = statusColumns([r.counts]);
  const now = ctx.now();
  const rows = devices.items.map((d) => deviceDocumentRow(d, now));
  const filter = h(
    'select',
    {
      'aria-label': 'Show devices with status',
      onchange: (e) => ctx.setFilter(e.target.value || undefined),
    },
    h('option', { value: '' }, 'all statuses'),
    KNOWN_STATUSES.map((s) => h('option', { value: s, selected: ctx.filter === s }, s)),
  );
  show(
    ctx.el,
    h('p', { class: 'crumbs' }, h('a', { href: routeHash({ view: 'documents' }) }, 'Documents'), ' / '),
    h('h1', {}, doc.name || doc.id, doc.abandoned ? [' ', badge('abandoned', 'muted')] : null),
    doc.description ? h('p', {}, doc.description) : null,
    h(
      'div',
      { class: 'actions' },
      canAbandon(doc)
        ? h(
            'button',
            { type: 'button', onclick: () => ctx.run(() => act(ctx, doc, doc.abandoned ? 'unabandon' : 'abandon')) },
            doc.abandoned ? 'Resume enforcement (un-abandon)' : 'Abandon (stop enforcing)',
          )
        : null,
      h(
        'button',
        { type: 'button', class: 'danger', onclick: () => ctx.run(() => act(ctx, doc, 'delete')) },
        'Delete…',
      ),
    ),
    facts([
      ['ID', h('code', {}, doc.id)],
      ['Kind', `${doc.kind} (${doc.scope} scope)`],
      ['Scenario', doc.scenario],
      ['Checksum', h('code', {}, doc.checksum)],
      ['Revision', `${doc.revision} (updated ${formatTime(doc.updatedAt)}, created ${formatTime(doc.createdAt)})`],
      ['LocURI', h('code', {}, doc.locUri)],
      [
        'Sets',
        doc.sets?.length
          ? doc.sets.map((s, i) => [i ? ', ' : '', h('a', { href: routeHash({ view: 'sets', id: s }) }, s)])
          : 'none: it reaches no device',
      ],
    ]),
    h('h2', {}, 'Devices'),
    h(
      'p',
      { class: 'hint' },
      `Reaches ${r.assigned} device(s) through its sets; ${r.notEnrolled} without a WinDC enrollment, ` +
        `${r.notReported} not reconciled yet (pending until their next session).`,
    ),
    h(
      'p',
      { class: 'rollup' },
      rollupCells(r.counts, columns).map((c) => [
        badge(`${c.count} ${c.status}`, c.count ? statusTone(c.status) : 'muted'),
        ' ',
      ]),
    ),
    h('p', {}, h('label', {}, 'Show ', filter)),
    devices.truncated ? h('p', { class: 'warning' }, `Showing the first ${rows.length} devices.`) : null,
    table(
      ['Device', 'Status', 'State', 'Checksum (desired, reported)', 'Last report', 'Result', 'Detail'],
      rows.map((d) => [
        d.deviceId ? h('a', { href: routeHash({ view: 'devices', id: d.deviceId }) }, d.deviceId) : '(unenrolled)',
        badge(d.status, d.tone),
        d.state,
        checksumCell(d),
        d.lastReport,
        [
          d.result,
          d.failing.length
            ? h(
                'ul',
                { class: 'failing' },
                d.failing.map((f) => h('li', {}, f)),
              )
            : null,
        ],
        [d.detail, d.rejected ? h('div', { class: 'warning' }, d.rejected) : null],
      ]),
      { empty: ctx.filter ? `No device is ${ctx.filter}.` : 'No device has this document yet.' },
    ),
    h('h2', {}, 'Content'),
    h('pre', { class: 'xml' }, doc.xml ?? ''),
  );
}
