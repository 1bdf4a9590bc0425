/** A minimal, order-preserving XML tree: what the SyncML, SOAP and WinDC codecs read from. */
export interface XmlAttribute {
  /** Qualified name as written, e.g. `msft:originalerror`. */
  name: string;
  local: string;
  prefix: string;
  /** Resolved namespace URI, '' when none applies or the prefix is unbound. */
  uri: string;
  value: string;
}

export interface XmlElement {
  kind: 'element';
  name: string;
  local: string;
  prefix: string;
  uri: string;
  attrs: XmlAttribute[];
  children: XmlNode[];
  /** Position of the start tag, 1-based. */
  line: number;
  column: number;
  /** Character offsets in the source: just after the start tag's `>`, and just before the end tag's `<`. */
  innerStart: number;
  innerEnd: number;
}

export interface XmlText {
  kind: 'text';
  text: string;
  cdata: boolean;
}

export type XmlNode = XmlElement | XmlText;

export function childElements(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) if (c.kind === 'element') out.push(c);
  return out;
}

/** First child element with this local name, any namespace. */
export function child(el: XmlElement, local: string): XmlElement | undefined {
  for (const c of el.children) if (c.kind === 'element' && c.local === local) return c;
  return undefined;
}

export function children(el: XmlElement, local: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) if (c.kind === 'element' && c.local === local) out.push(c);
  return out;
}

/** Concatenated character data of the element's direct text and CDATA children. */
export function textOf(el: XmlElement): string {
  let s = '';
  for (const c of el.children) if (c.kind === 'text') s += c.text;
  return s;
}

export function attr(el: XmlElement, name: string): string | undefined {
  for (const a of el.attrs) if (a.name === name || (a.prefix === '' && a.local === name)) return a.value;
  return undefined;
}

export function hasElementChildren(el: XmlElement): boolean {
  for (const c of el.children) if (c.kind === 'element') return true;
  return false;
}
