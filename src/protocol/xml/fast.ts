/**
 * A tokenizer for the plain XML that machines exchange with windc: elements, attributes, character data with the
 * predefined and numeric entities, CDATA, comments and an XML declaration, all in ASCII names, `\n` line ends and
 * characters of the Basic Multilingual Plane.
 *
 * It exists for speed: every OMA-DM message of every device is parsed, and saxes' general state machine was the
 * largest cost of a server check-in and of an emulated device's session. It is deliberately not a full XML parser:
 * it never judges input to be malformed. Whenever it meets something outside its subset, or anything it would
 * otherwise have to reject, it gives up (returns undefined) and the caller parses the same text with saxes, which
 * either builds the identical tree or reports the precise error. So the accepted language and every error message
 * stay saxes'; this file can only make well-formed common input faster. `test/protocol/xml/fast.test.ts` holds it
 * to that: on every fixture and on many mutations of them, the tree equals saxes', or saxes rejects the input too.
 */
import { openElement, type RawAttribute, ROOT_SCOPE, type Scope } from './element.ts';
import type { ParsedXml, XmlLimits } from './parse.ts';
import type { XmlElement, XmlText } from './tree.ts';

const TAB = 9;
const LF = 10;
const SPACE = 32;
const BANG = 33;
const QUOT = 34;
const APOS = 39;
const SLASH = 47;
const LT = 60;
const EQ = 61;
const GT = 62;

/** Thrown (never escapes this file) to abandon the fast path; not an Error, so it costs no stack trace. */
const GIVE_UP = Symbol('give up');

/** Parses `source` (BOM already removed, size already checked) or returns undefined to defer to saxes. */
export function parseXmlFast(source: string, limits: XmlLimits): ParsedXml | undefined {
  try {
    return new FastReader(source, limits).run();
  } catch (e) {
    if (e === GIVE_UP) return undefined;
    throw e;
  }
}

function giveUp(): never {
  throw GIVE_UP;
}

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 58) || c === 95 || c === 45 || c === 46;
}

/** `\r` is left to saxes, which normalises line ends. */
function isSpace(c: number): boolean {
  return c === SPACE || c === LF || c === TAB;
}

/**
 * A character outside this subset: not an XML 1.0 `Char`, or `\r` (saxes normalises line ends), or a surrogate
 * (saxes counts columns in code points; leaving astral text to it keeps positions identical). Checked once over
 * the whole input, so the scanners below can use native searches instead of looking at every character.
 */
const OUTSIDE_SUBSET = /[^\t\n\x20-\uD7FF\uE000-\uFFFD]/;

const AMP_CHAR = 0;
const LT_CHAR = 1;
const LF_CHAR = 2;
const TAB_CHAR = 3;
const CDATA_END = 4;
const SEARCHED = ['&', '<', '\n', '\t', ']]>'];

const XML_DECL =
  /<\?xml[ \t\n]+version[ \t\n]*=[ \t\n]*(?:"1\.0"|'1\.0')(?:[ \t\n]+encoding[ \t\n]*=[ \t\n]*(?:"[A-Za-z][A-Za-z0-9._-]*"|'[A-Za-z][A-Za-z0-9._-]*'))?(?:[ \t\n]+standalone[ \t\n]*=[ \t\n]*(?:"(?:yes|no)"|'(?:yes|no)'))?[ \t\n]*\?>/y;

class FastReader {
  private readonly stack: XmlElement[] = [];
  private readonly scopes: Scope[] = [ROOT_SCOPE];
  private root: XmlElement | undefined;
  private count = 0;
  private openText: XmlText | undefined;
  private readonly found: number[] = [-2, -2, -2, -2, -2];
  // Line tracking is lazy: positions are needed only at start tags, and the next newline is found once.
  private line = 1;
  private lineStart = 0;
  private nextNewline: number;

  constructor(
    private readonly src: string,
    private readonly lim: XmlLimits,
  ) {
    this.nextNewline = src.indexOf('\n');
  }

  run(): ParsedXml {
    const src = this.src;
    if (OUTSIDE_SUBSET.test(src)) giveUp();
    let p = 0;
    if (src.startsWith('<?', 0)) {
      XML_DECL.lastIndex = 0;
      if (!XML_DECL.test(src)) giveUp();
      p = XML_DECL.lastIndex;
    }
    p = this.misc(p);
    if (src.charCodeAt(p) !== LT) giveUp();
    p = this.startTag(p);
    while (this.stack.length > 0) {
      if (src.charCodeAt(p) !== LT) {
        p = this.text(p);
        continue;
      }
      const c = src.charCodeAt(p + 1);
      if (c === SLASH) p = this.endTag(p);
      else if (c === BANG) p = this.markup(p);
      else p = this.startTag(p);
    }
    if (this.misc(p) !== src.length) giveUp();
    return { root: this.root as XmlElement, source: src };
  }

  /** Whitespace and comments outside the root element. */
  private misc(p: number): number {
    const src = this.src;
    for (;;) {
      while (isSpace(src.charCodeAt(p))) p++;
      if (!src.startsWith('<!--', p)) return p;
      p = this.comment(p);
    }
  }

  private name(p: number): number {
    const src = this.src;
    if (!isNameStart(src.charCodeAt(p))) giveUp();
    let i = p + 1;
    while (isNameChar(src.charCodeAt(i))) i++;
    return i;
  }

  private startTag(p: number): number {
    const src = this.src;
    const nameEnd = this.name(p + 1);
    const name = src.slice(p + 1, nameEnd);
    let raw: RawAttribute[] | undefined;
    let i = nameEnd;
    let selfClosing = false;
    for (;;) {
      let c = src.charCodeAt(i);
      if (c === GT) {
        i++;
        break;
      }
      if (c === SLASH) {
        if (src.charCodeAt(i + 1) !== GT) giveUp();
        i += 2;
        selfClosing = true;
        break;
      }
      if (!isSpace(c)) giveUp();
      while (isSpace(src.charCodeAt(++i)));
      c = src.charCodeAt(i);
      if (c === GT || c === SLASH) continue;
      const attrEnd = this.name(i);
      const attrName = src.slice(i, attrEnd);
      i = attrEnd;
      while (isSpace(src.charCodeAt(i))) i++;
      if (src.charCodeAt(i) !== EQ) giveUp();
      while (isSpace(src.charCodeAt(++i)));
      const quote = src.charCodeAt(i);
      if (quote !== QUOT && quote !== APOS) giveUp();
      const valueEnd = src.indexOf(quote === QUOT ? '"' : "'", i + 1);
      if (valueEnd < 0) giveUp();
      const value = this.attributeValue(i + 1, valueEnd);
      i = valueEnd + 1;
      if (raw === undefined) raw = [];
      else for (const a of raw) if (a.name === attrName) giveUp();
      raw.push({ name: attrName, value });
    }
    const { stack, lim } = this;
    if (++this.count > lim.maxElements || stack.length >= lim.maxDepth) giveUp();
    this.advanceLines(i);
    const { el, scope } = openElement(
      name,
      raw,
      this.scopes[this.scopes.length - 1] as Scope,
      this.line,
      i - this.lineStart + 1,
      i,
    );
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else if (this.root) giveUp();
    else this.root = el;
    this.openText = undefined;
    if (!selfClosing) {
      stack.push(el);
      this.scopes.push(scope);
    }
    return i;
  }

  private endTag(p: number): number {
    const src = this.src;
    const el = this.stack[this.stack.length - 1] as XmlElement;
    const nameEnd = this.name(p + 2);
    if (nameEnd - p - 2 !== el.name.length || !src.startsWith(el.name, p + 2)) giveUp();
    let i = nameEnd;
    while (isSpace(src.charCodeAt(i))) i++;
    if (src.charCodeAt(i) !== GT) giveUp();
    this.stack.pop();
    this.scopes.pop();
    this.openText = undefined;
    el.innerEnd = p;
    return i + 1;
  }

  /** Comments and CDATA sections inside the root element; anything else starting `<!` is left to saxes. */
  private markup(p: number): number {
    const src = this.src;
    if (src.startsWith('<!--', p)) return this.comment(p);
    if (!src.startsWith('<![CDATA[', p)) giveUp();
    const end = src.indexOf(']]>', p + 9);
    if (end < 0) giveUp();
    this.addText(src.slice(p + 9, end), true);
    return end + 3;
  }

  private comment(p: number): number {
    const src = this.src;
    const end = src.indexOf('-->', p + 4);
    // A comment may not contain `--` nor end in `-`: the first `--` after the opener must be the terminator's.
    if (end < 0 || src.indexOf('--', p + 4) !== end) giveUp();
    return end + 3;
  }

  private text(p: number): number {
    const src = this.src;
    const end = src.indexOf('<', p);
    if (end < 0) giveUp();
    const cdataEnd = this.next(CDATA_END, p);
    if (cdataEnd >= 0 && cdataEnd < end) giveUp(); // `]]>` is not allowed in character data
    const amp = this.next(AMP_CHAR, p);
    this.addText(amp >= 0 && amp < end ? this.expand(p, end, false) : src.slice(p, end), false);
    return end;
  }

  private attributeValue(start: number, end: number): string {
    const lt = this.next(LT_CHAR, start);
    if (lt >= 0 && lt < end) giveUp();
    const nl = this.next(LF_CHAR, start);
    const tab = this.next(TAB_CHAR, start);
    const spaces = (nl >= 0 && nl < end) || (tab >= 0 && tab < end);
    const amp = this.next(AMP_CHAR, start);
    if (amp >= 0 && amp < end) return this.expand(start, end, spaces);
    const value = this.src.slice(start, end);
    return spaces ? normaliseSpaces(value) : value;
  }

  /**
   * The first occurrence of `FOUND[kind]` at or after `from`, or -1. Searches only move forward, so the position
   * found last is kept and reused until the reader passes it: each kind costs one native scan of the input.
   */
  private next(kind: number, from: number): number {
    const found = this.found;
    let at = found[kind] as number;
    if (at !== -1 && at < from) {
      at = this.src.indexOf(SEARCHED[kind] as string, from);
      found[kind] = at;
    }
    return at;
  }

  /** Character data with its entity references expanded; attribute values also turn literal tabs and newlines into spaces. */
  private expand(start: number, end: number, spaces: boolean): string {
    const src = this.src;
    let out = '';
    let from = start;
    for (let amp = src.indexOf('&', start); amp >= 0 && amp < end; amp = src.indexOf('&', from)) {
      const semi = src.indexOf(';', amp + 1);
      if (semi < 0 || semi >= end) giveUp();
      const literal = src.slice(from, amp);
      out += spaces ? normaliseSpaces(literal) : literal;
      out += entity(src, amp + 1, semi);
      from = semi + 1;
    }
    const tail = src.slice(from, end);
    return out + (spaces ? normaliseSpaces(tail) : tail);
  }

  private addText(text: string, cdata: boolean): void {
    const open = this.openText;
    if (open && open.cdata === cdata) {
      open.text += text;
      return;
    }
    const node: XmlText = { kind: 'text', text, cdata };
    (this.stack[this.stack.length - 1] as XmlElement).children.push(node);
    this.openText = node;
  }

  private advanceLines(to: number): void {
    const src = this.src;
    let nl = this.nextNewline;
    if (nl < 0 || nl >= to) return;
    while (nl >= 0 && nl < to) {
      this.line++;
      this.lineStart = nl + 1;
      nl = src.indexOf('\n', nl + 1);
    }
    this.nextNewline = nl;
  }
}

function normaliseSpaces(s: string): string {
  return s.replace(/[\t\n]/g, ' ');
}

/** The text of the reference between `&` and `;`; unknown names and non-characters are left to saxes. */
function entity(src: string, start: number, end: number): string {
  switch (src.slice(start, end)) {
    case 'lt':
      return '<';
    case 'gt':
      return '>';
    case 'amp':
      return '&';
    case 'quot':
      return '"';
    case 'apos':
      return "'";
  }
  if (src.charCodeAt(start) !== 35 /* # */) giveUp();
  const hex = src.charCodeAt(start + 1) === 120; /* x */
  const digits = src.slice(start + (hex ? 2 : 1), end);
  if (digits.length === 0 || digits.length > 7 || !(hex ? /^[0-9A-Fa-f]+$/ : /^[0-9]+$/).test(digits)) giveUp();
  const cp = Number.parseInt(digits, hex ? 16 : 10);
  const ok =
    cp === TAB ||
    cp === LF ||
    cp === 13 ||
    (cp >= SPACE && cp < 0xd800) ||
    (cp > 0xdfff && cp < 0xfffe) ||
    (cp >= 0x10000 && cp <= 0x10ffff);
  if (!ok) giveUp();
  return String.fromCodePoint(cp);
}
