/**
 * Strict readers over the XML tree for the three WinDC formats. Every failure carries the element's position so a
 * message can point into the document text (positions are relative to that text, not to the SyncML around it).
 */
import { type ErrorCode, type ErrorPosition, ProtocolError } from '../errors.ts';
import { parseXml, textOf, type XmlElement, type XmlLimits } from '../xml/index.ts';

export function at(el: XmlElement): ErrorPosition {
  return { line: el.line, column: el.column };
}

export function fail(code: ErrorCode, el: XmlElement | undefined, message: string): ProtocolError {
  return new ProtocolError(code, message, el && at(el));
}

/**
 * Parses a WinDC payload. Leading whitespace is dropped first: Learn's CDATA sections start with a newline and
 * indentation, and that would put text before the XML declaration of the samples that have one.
 */
export function parseRoot(text: string, rootName: string, code: ErrorCode, limits?: Partial<XmlLimits>): XmlElement {
  const { root } = parseXml(text.trimStart(), limits);
  if (root.name !== rootName) throw fail(code, root, `the root element is <${root.name}>, not <${rootName}>`);
  return root;
}

/** The attribute, present and non-empty. */
export function required(el: XmlElement, name: string, code: ErrorCode): string {
  const a = el.attrs.find((x) => x.name === name);
  if (a === undefined) throw fail(code, el, `<${el.name}> has no ${name} attribute`);
  if (a.value === '') throw fail(code, el, `<${el.name}> has an empty ${name} attribute`);
  return a.value;
}

export function optional(el: XmlElement, name: string): string | undefined {
  return el.attrs.find((x) => x.name === name)?.value;
}

/**
 * Refuses attributes outside `allowed`. XML attribute names are case-sensitive, so a near miss gets its own hint:
 * Learn's tables spell `classname` while every example writes `className`.
 */
export function onlyAttributes(el: XmlElement, allowed: readonly string[], code: ErrorCode): void {
  for (const a of el.attrs) {
    if (allowed.includes(a.name)) continue;
    const near = allowed.find((n) => n.toLowerCase() === a.name.toLowerCase());
    const hint = near ? ` (attribute names are case-sensitive; did you mean ${near}?)` : '';
    throw fail(code, el, `<${el.name}> does not take the attribute ${a.name}${hint}`);
  }
}

/** Child elements, refusing character data between them: these formats have no mixed content. */
export function elementChildren(el: XmlElement, code: ErrorCode): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) {
    if (c.kind === 'element') out.push(c);
    else if (c.text.trim() !== '') throw fail(code, el, `<${el.name}> holds text outside its child elements`);
  }
  return out;
}

/** The text of an element that may not contain elements. */
export function leafText(el: XmlElement, code: ErrorCode): string {
  if (el.children.some((c) => c.kind === 'element')) throw fail(code, el, `<${el.name}> may hold only text`);
  return textOf(el);
}
