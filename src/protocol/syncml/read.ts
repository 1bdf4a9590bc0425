/**
 * Element-level readers shared by the header, command and item decoders. The decoder is lenient about element
 * order (Microsoft's own samples put Item/Meta before Target) and whitespace (captures are often pretty-printed),
 * and strict about vocabulary and cardinality: an unknown or repeated element is an error, so a server never acts
 * on half-understood input.
 */
import type { ErrorCode } from '../errors.ts';
import { innerXml, type ParsedXml, type XmlElement } from '../xml/index.ts';
import { SyncMLError } from './error.ts';
import { type Item, type Location, METINF_NS, type Meta, MSFT_NS, type MsftAttributes } from './model.ts';

export interface SyncMLLimits {
  /** Whole message in UTF-8 bytes (checked before parsing). */
  maxBytes: number;
  /** XML element depth, Data markup included. */
  maxDepth: number;
  maxElements: number;
  /** Items across the whole message, nested commands included. */
  maxItems: number;
  /** Atomic/Sequence levels: 1 allows an Atomic holding plain commands only. */
  maxNesting: number;
}

export const DEFAULT_SYNCML_LIMITS: SyncMLLimits = {
  maxBytes: 2 * 1024 * 1024,
  maxDepth: 64,
  maxElements: 200_000,
  maxItems: 10_000,
  maxNesting: 8,
};

/** Per-message decoding state. */
export interface ReadContext {
  doc: ParsedXml;
  /** Namespace every SyncML element must be in: the root's ('' for namespace-less documentation samples). */
  ns: string;
  limits: SyncMLLimits;
  items: number;
  /** Any Data carried an msft attribute (the prefix then has to be declared when rebuilt). */
  usesMsft: boolean;
}

export function fail(code: ErrorCode, message: string, at: XmlElement): never {
  throw new SyncMLError(code, message, { line: at.line, column: at.column });
}

export function unexpected(c: XmlElement, parent: XmlElement): never {
  fail('SYNCML_UNEXPECTED_ELEMENT', `<${c.name}> is not allowed in <${parent.local}>`, c);
}

export function duplicate(c: XmlElement, parent: XmlElement): never {
  fail('SYNCML_UNEXPECTED_ELEMENT', `<${c.local}> appears more than once in <${parent.local}>`, c);
}

export function missing(name: string, parent: XmlElement): never {
  fail('SYNCML_MISSING_ELEMENT', `<${parent.local}> has no <${name}>`, parent);
}

function isXmlSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

export function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isXmlSpace(s.charCodeAt(i))) return false;
  return true;
}

/** Trims XML whitespace only: a no-break space in an identifier is data, not layout. */
export function trimXml(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isXmlSpace(s.charCodeAt(a))) a++;
  while (b > a && isXmlSpace(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/**
 * The element children of a container, checking that nothing but layout whitespace sits between them and that
 * each is in the SyncML namespace (`alsoNs` admits `syncml:metinf` inside Meta).
 */
export function elementsOf(el: XmlElement, ctx: ReadContext, alsoNs?: string): readonly XmlElement[] {
  let layout = false;
  for (const c of el.children) {
    if (c.kind === 'element') {
      if (c.uri !== ctx.ns && c.uri !== alsoNs) unexpected(c, el);
    } else if (isBlank(c.text)) {
      layout = true;
    } else {
      fail('SYNCML_BAD_VALUE', `<${el.local}> holds text where only elements are allowed`, el);
    }
  }
  // Windows sends compact XML: most containers hold elements only, and their child list is returned as is.
  if (!layout) return el.children as XmlElement[];
  const out: XmlElement[] = [];
  for (const c of el.children) if (c.kind === 'element') out.push(c);
  return out;
}

/** Character data of a leaf element, exactly as decoded. */
export function leafText(el: XmlElement): string {
  let s = '';
  for (const c of el.children) {
    if (c.kind === 'element') fail('SYNCML_BAD_VALUE', `<${el.local}> must hold text, not <${c.name}>`, c);
    s += c.text;
  }
  return s;
}

/** A non-empty token (identifier, URI, code); surrounding layout whitespace is not part of it. */
export function token(el: XmlElement): string {
  const s = trimXml(leafText(el));
  if (s === '') fail('SYNCML_BAD_VALUE', `<${el.local}> is empty`, el);
  return s;
}

export function integer(el: XmlElement, max: number): number {
  const s = token(el);
  // Digits only: parseInt would accept `12abc`, Number would accept `0x1F` and `1e3`.
  if (s.length > 15 || !/^[0-9]+$/.test(s) || Number(s) > max) {
    fail('SYNCML_BAD_VALUE', `<${el.local}> must be an integer from 0 to ${max}, got "${s}"`, el);
  }
  return Number(s);
}

export function flag(el: XmlElement): true {
  for (const c of el.children) {
    if (c.kind === 'element' || !isBlank(c.text)) fail('SYNCML_BAD_VALUE', `<${el.local}/> must be empty`, el);
  }
  return true;
}

/**
 * Fails when `prev` is already set, so each singleton field is read at most once. The reader's context is passed
 * through rather than captured, so the hot path allocates no closure per field.
 */
export function once<T, C = undefined>(
  prev: T | undefined,
  c: XmlElement,
  parent: XmlElement,
  read: (c: XmlElement, ctx: C) => T,
  ctx?: C,
): T {
  if (prev !== undefined) duplicate(c, parent);
  return read(c, ctx as C);
}

export function readLocation(el: XmlElement, ctx: ReadContext): Location {
  let locUri: string | undefined;
  let locName: string | undefined;
  for (const c of elementsOf(el, ctx)) {
    if (c.local === 'LocURI') locUri = once(locUri, c, el, token);
    else if (c.local === 'LocName') locName = once(locName, c, el, leafText);
    else unexpected(c, el);
  }
  if (locUri === undefined) missing('LocURI', el);
  return locName === undefined ? { locUri } : { locUri, locName: trimXml(locName) };
}

/** Byte counts in Meta: any safe integer. */
export function byteCount(el: XmlElement): number {
  return integer(el, Number.MAX_SAFE_INTEGER);
}

export function readMeta(el: XmlElement, ctx: ReadContext): Meta {
  const m: Meta = {};
  let typeAt = false;
  for (const c of elementsOf(el, ctx, METINF_NS)) {
    switch (c.local) {
      case 'Format':
        m.format = once(m.format, c, el, token);
        break;
      case 'Type':
        m.type = once(m.type, c, el, token);
        if (m.format === undefined) typeAt = true;
        break;
      case 'Mark':
        m.mark = once(m.mark, c, el, token);
        break;
      case 'Size':
        m.size = once(m.size, c, el, byteCount);
        break;
      case 'Version':
        m.version = once(m.version, c, el, token);
        break;
      case 'NextNonce':
        m.nextNonce = once(m.nextNonce, c, el, token);
        break;
      case 'MaxMsgSize':
        m.maxMsgSize = once(m.maxMsgSize, c, el, byteCount);
        break;
      case 'MaxObjSize':
        m.maxObjSize = once(m.maxObjSize, c, el, byteCount);
        break;
      case 'EMI':
        (m.emi ??= []).push(leafText(c));
        break;
      default:
        unexpected(c, el);
    }
  }
  if (typeAt && m.format !== undefined) m.typeFirst = true;
  return m;
}

/**
 * Item Data: markup is kept as its exact source text; otherwise the decoded characters, noting CDATA so the
 * value is re-emitted the way it came.
 */
export function readDataInto(item: Item, el: XmlElement, ctx: ReadContext): void {
  let markup = false;
  let sawCdata = false;
  let text = '';
  for (const c of el.children) {
    if (c.kind === 'element') markup = true;
    else {
      text += c.text;
      if (c.cdata) sawCdata = true;
    }
  }
  if (markup) {
    item.data = innerXml(ctx.doc, el);
    item.dataForm = 'markup';
  } else {
    item.data = text;
    if (sawCdata) item.dataForm = 'cdata';
  }
  const msft = readMsftAttributes(el, ctx);
  if (msft) item.msft = msft;
}

/** Local names kept for msft attributes; the encoder accepts the same, so a kept attribute always re-encodes. */
export const MSFT_ATTR_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * `msft:*` attributes on Data. The prefix is matched as well as the namespace because Microsoft's samples use
 * `msft:originalerror` without declaring it. SyncML itself defines no attributes, so any other is ignored, as
 * it is on every other element.
 */
export function readMsftAttributes(el: XmlElement, ctx: ReadContext): MsftAttributes | undefined {
  let out: Record<string, string> | undefined;
  for (const a of el.attrs) {
    if ((a.uri === MSFT_NS || (a.prefix === 'msft' && a.uri === '')) && MSFT_ATTR_NAME.test(a.local)) {
      // defineProperty, not assignment: `msft:__proto__` must stay an attribute, not reach the prototype.
      Object.defineProperty((out ??= {}), a.local, { value: a.value, enumerable: true, writable: true });
    }
  }
  if (out) ctx.usesMsft = true;
  return out;
}
