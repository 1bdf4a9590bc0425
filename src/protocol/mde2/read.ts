import { type ErrorCode, ProtocolError } from '../errors.ts';
import type { ParsedXml, XmlElement } from '../xml/index.ts';
import { textOf } from '../xml/index.ts';
import { NS } from './namespaces.ts';

/**
 * Tree readers shared by the MS-MDE2 codecs. Elements are matched by local name and namespace, where an empty
 * namespace also matches: Microsoft's own examples use prefixes they never declare (`wsse:` in MS-MDE §4.3.1),
 * and the parser keeps such elements with an empty URI instead of failing the message.
 */
export function isElement(el: XmlElement, local: string, ns: string | readonly string[]): boolean {
  if (el.local !== local) return false;
  if (el.uri === '') return true;
  return typeof ns === 'string' ? el.uri === ns : ns.includes(el.uri);
}

export function findChild(parent: XmlElement, local: string, ns: string | readonly string[]): XmlElement | undefined {
  for (const c of parent.children) if (c.kind === 'element' && isElement(c, local, ns)) return c;
  return undefined;
}

export function findChildren(parent: XmlElement, local: string, ns: string | readonly string[]): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of parent.children) if (c.kind === 'element' && isElement(c, local, ns)) out.push(c);
  return out;
}

export function failAt(code: ErrorCode, message: string, el?: XmlElement): never {
  throw new ProtocolError(code, message, el ? { line: el.line, column: el.column } : undefined);
}

export function requireChild(
  parent: XmlElement,
  local: string,
  ns: string | readonly string[],
  code: ErrorCode = 'SOAP_MALFORMED',
): XmlElement {
  return findChild(parent, local, ns) ?? failAt(code, `<${parent.local}> has no <${local}>`, parent);
}

/**
 * Text content with surrounding whitespace removed. Every value in these messages is a token, URL or number,
 * and both Microsoft's examples and pretty-printed captures wrap them in newlines and indentation.
 */
export function trimmedText(el: XmlElement): string {
  return textOf(el).trim();
}

export function optionalText(parent: XmlElement, local: string, ns: string | readonly string[]): string | undefined {
  const el = findChild(parent, local, ns);
  if (!el || isNil(el)) return undefined;
  const t = trimmedText(el);
  return t === '' ? undefined : t;
}

export function isNil(el: XmlElement): boolean {
  for (const a of el.attrs) {
    if (a.local === 'nil' && (a.uri === NS.xsi || a.prefix === 'xsi')) return a.value === 'true' || a.value === '1';
  }
  return false;
}

/** Attribute by local name in the given namespace, or unqualified. `u:Id`, `wsu:Id` and plain `Id` all occur. */
export function attrNs(el: XmlElement, local: string, ns?: string): string | undefined {
  for (const a of el.attrs) {
    if (a.local !== local || a.prefix === 'xmlns') continue;
    if (a.prefix === '' || ns === undefined || a.uri === ns || a.uri === '') return a.value;
  }
  return undefined;
}

/**
 * The exact source of an element, start tag to end tag. XML-DSig digests are computed over canonical forms of
 * the bytes the sender signed, so the verifier needs them untouched rather than re-serialised.
 */
export function outerXml(doc: ParsedXml, el: XmlElement): string {
  const src = doc.source;
  // No `<` can occur inside a start tag (attribute values may not hold one), so the nearest `<` before the
  // start tag's `>` opens it.
  const start = src.lastIndexOf('<', el.innerStart - 1);
  const selfClosing = src.charCodeAt(el.innerStart - 2) === 0x2f; // `/>`
  const end = selfClosing ? el.innerStart : src.indexOf('>', el.innerEnd) + 1;
  return src.slice(start, end);
}

/** Finds the element carrying `wsu:Id`, `Id` or `xml:id` equal to `id` (a leading `#` is ignored). */
export function findElementById(root: XmlElement, id: string): XmlElement | undefined {
  const want = id.startsWith('#') ? id.slice(1) : id;
  const stack: XmlElement[] = [root];
  while (stack.length > 0) {
    const el = stack.pop() as XmlElement;
    for (const a of el.attrs) {
      if (a.value === want && (a.local === 'Id' || (a.local === 'id' && a.prefix === 'xml'))) return el;
    }
    for (let i = el.children.length - 1; i >= 0; i--) {
      const c = el.children[i];
      if (c?.kind === 'element') stack.push(c);
    }
  }
  return undefined;
}
