/**
 * Element building for the console. Data only ever enters the page as text nodes or attribute values set
 * through the DOM, never as markup, so a document name or DeviceID holding `<script>` is shown, not run.
 */

/**
 * h('a', { href: '#/x', class: 'link', onclick: fn }, 'text', childNode)
 * Strings, numbers and nodes become children; null, undefined and false are skipped.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = String(v);
    else if (k === 'value') el.value = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Number.POSITIVE_INFINITY)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** Replaces an element's content. */
export function show(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

/**
 * A table from header labels and rows of cells (strings or nodes). `numeric` column indexes align right.
 * It sits in a scrolling box: a table wider than the main column scrolls there instead of spilling over the
 * live panel beside it.
 */
export function table(headers, rows, { numeric = [], empty = 'Nothing to show.' } = {}) {
  if (rows.length === 0) return h('p', { class: 'empty' }, empty);
  return h('div', { class: 'table-wrap' }, tableElement(headers, rows, numeric));
}

function tableElement(headers, rows, numeric) {
  return h(
    'table',
    {},
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((t, i) => h('th', { class: numeric.includes(i) ? 'num' : null }, t)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((cells) =>
        h(
          'tr',
          {},
          cells.map((c, i) => h('td', { class: numeric.includes(i) ? 'num' : null }, c)),
        ),
      ),
    ),
  );
}

export function badge(text, tone) {
  return h('span', { class: `badge tone-${tone}` }, text);
}

/** A definition list of [label, value] pairs. */
export function facts(pairs) {
  return h(
    'dl',
    { class: 'facts' },
    pairs.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
}

/** A count cell that is quiet when zero, so the non-zero statuses stand out. */
export function countCell(cell, tone) {
  return cell.count === 0 ? h('span', { class: 'zero' }, '0') : badge(String(cell.count), tone);
}

/**
 * Desired and reported checksums in one cell: one value when they agree, the device's below it, flagged, when
 * not. Two columns of the same twelve characters on every settled row pushed the result off the screen.
 */
export function checksumCell(row) {
  if (row.inSync) return h('code', { title: 'the device reports the desired revision' }, row.desired);
  return [
    h('code', { title: 'desired' }, row.desired),
    h('br'),
    h('code', { class: 'mismatch', title: 'reported by the device' }, row.reported),
  ];
}
