/** Escaping and a tiny deterministic writer: replies are fixed shapes, so templates beat a DOM. */
const TEXT_RE = /[&<>]/;
const ATTR_RE = /[&<>"\n\r\t]/;

export function escapeText(s: string): string {
  if (!TEXT_RE.test(s)) return s;
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeAttr(s: string): string {
  if (!ATTR_RE.test(s)) return s;
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

/** CDATA cannot hold `]]>`; split it across two sections so any string round-trips. */
export function cdata(s: string): string {
  return `<![CDATA[${s.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

export type Attrs = ReadonlyArray<readonly [string, string | number | undefined]>;

export function attrs(list: Attrs): string {
  let out = '';
  for (const [k, v] of list) if (v !== undefined) out += ` ${k}="${escapeAttr(String(v))}"`;
  return out;
}

/** `<name attrs>text</name>` with text escaped; `<name attrs/>` when text is empty. */
export function el(name: string, text: string | number | undefined, list: Attrs = []): string {
  if (text === undefined) return '';
  const t = String(text);
  return t === '' ? `<${name}${attrs(list)}/>` : `<${name}${attrs(list)}>${escapeText(t)}</${name}>`;
}

/** `<name attrs>inner</name>` where inner is already XML. */
export function wrap(name: string, inner: string, list: Attrs = []): string {
  return inner === '' ? `<${name}${attrs(list)}/>` : `<${name}${attrs(list)}>${inner}</${name}>`;
}
