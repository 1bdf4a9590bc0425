import { SaxesParser } from 'saxes';
import { type ErrorCode, ProtocolError } from '../errors.ts';
import { openElement, type RawAttribute, ROOT_SCOPE, type Scope } from './element.ts';
import { parseXmlFast } from './fast.ts';
import type { XmlElement, XmlText } from './tree.ts';

export interface XmlLimits {
  /** Maximum size of the input in UTF-8 bytes. */
  maxBytes: number;
  maxDepth: number;
  maxElements: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxBytes: 2 * 1024 * 1024, maxDepth: 64, maxElements: 200_000 };

export interface ParsedXml {
  root: XmlElement;
  /** The source text as parsed (BOM removed); element offsets index into it. */
  source: string;
}

/**
 * Parses XML into an order-preserving tree. Namespaces are resolved here rather than by saxes so that an
 * unbound prefix (seen in hand-written Microsoft samples) is kept instead of failing the whole message.
 * Any DOCTYPE is refused: Windows never sends one, and refusing it closes the entity-expansion and XXE doors.
 */
export function parseXml(input: string, limits: Partial<XmlLimits> = {}): ParsedXml {
  // Spelled out rather than spread: callers pass wider option objects, and spreading those was measurable.
  const lim: XmlLimits = {
    maxBytes: limits.maxBytes ?? DEFAULT_XML_LIMITS.maxBytes,
    maxDepth: limits.maxDepth ?? DEFAULT_XML_LIMITS.maxDepth,
    maxElements: limits.maxElements ?? DEFAULT_XML_LIMITS.maxElements,
  };
  const source = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  // A UTF-16 unit encodes to at most 3 UTF-8 bytes, so the exact (linear) byte count is needed only when the
  // length alone can't decide.
  if (source.length > lim.maxBytes || (source.length * 3 > lim.maxBytes && Buffer.byteLength(source) > lim.maxBytes)) {
    throw new ProtocolError('XML_TOO_LARGE', `XML input exceeds ${lim.maxBytes} bytes`);
  }
  // saxes pairs a high surrogate with whatever follows it, so an unpaired one would reach the tree as text that
  // has no UTF-8 form and fails only when echoed back.
  if (!(source as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    throw new ProtocolError('XML_MALFORMED', 'unpaired UTF-16 surrogate', loneSurrogatePosition(source));
  }
  return parseXmlFast(source, lim) ?? new TreeBuilder(source, lim).run();
}

/** The saxes-only parse, without the fast path: the reference the fast path is tested against. */
export function parseXmlWithSaxes(input: string, limits: XmlLimits = DEFAULT_XML_LIMITS): ParsedXml {
  return new TreeBuilder(input.charCodeAt(0) === 0xfeff ? input.slice(1) : input, limits).run();
}

/**
 * The saxes event handlers and their state. A class rather than closures in parseXml: its methods are shared
 * and optimised once instead of being re-created (and re-named by the TS loader) on every parse.
 */
class TreeBuilder {
  private readonly parser = new SaxesParser({ position: true });
  private readonly stack: XmlElement[] = [];
  private readonly scopes: Scope[] = [ROOT_SCOPE];
  private root: XmlElement | undefined;
  private count = 0;
  private failure: ProtocolError | undefined;
  // Attributes are collected from their own events: saxes also gathers them into a null-prototype object, which
  // V8 keeps in dictionary mode, and enumerating that was the tree builder's largest cost.
  private pending: RawAttribute[] = [];
  /** The text node last appended to the innermost open element, while nothing else has followed it. */
  private openText: XmlText | undefined;

  constructor(
    private readonly source: string,
    private readonly lim: XmlLimits,
  ) {
    const p = this.parser;
    p.on('doctype', () => this.fail('XML_DOCTYPE_FORBIDDEN', 'DOCTYPE declarations are not accepted'));
    p.on('attribute', (a) => this.pending.push(a));
    p.on('opentag', (tag) => this.open(tag.name));
    p.on('closetag', () => this.close());
    p.on('text', (t) => this.text(t, false));
    p.on('cdata', (t) => this.text(t, true));
    p.on('error', (e) => this.fail('XML_MALFORMED', stripPosition(e.message), e));
  }

  run(): ParsedXml {
    try {
      this.parser.write(this.source).close();
    } catch (e) {
      if (this.failure) throw this.failure;
      throw new ProtocolError('XML_MALFORMED', e instanceof Error ? e.message : String(e), this.here(), { cause: e });
    }
    if (!this.root) throw new ProtocolError('XML_MALFORMED', 'no root element', this.here());
    return { root: this.root, source: this.source };
  }

  private here() {
    return { line: this.parser.line, column: this.parser.column + 1 };
  }

  private fail(code: ErrorCode, message: string, cause?: unknown): never {
    const err = new ProtocolError(code, message, this.here(), cause === undefined ? undefined : { cause });
    this.failure ??= err;
    throw err;
  }

  private open(name: string): void {
    const { stack, lim, parser } = this;
    if (++this.count > lim.maxElements) this.fail('XML_TOO_MANY_NODES', `more than ${lim.maxElements} elements`);
    if (stack.length >= lim.maxDepth) this.fail('XML_TOO_DEEP', `elements nested deeper than ${lim.maxDepth}`);
    const raw = this.pending.length > 0 ? this.pending : undefined;
    if (raw) this.pending = [];
    const { el, scope } = openElement(
      name,
      raw,
      this.scopes[this.scopes.length - 1] as Scope,
      parser.line,
      parser.column + 1,
      parser.position,
    );
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else this.root = el;
    stack.push(el);
    this.scopes.push(scope);
    this.openText = undefined;
  }

  private close(): void {
    const el = this.stack.pop() as XmlElement;
    this.scopes.pop();
    this.openText = undefined;
    const position = this.parser.position;
    if (el.innerStart === position) return; // self-closing
    // position is just past the end tag's `>`. Without whitespace before the `>` the tag is exactly `</name>`
    // (saxes checked the name); otherwise walk back to its `<`.
    const src = this.source;
    const c = src.charCodeAt(position - 2);
    el.innerEnd =
      src.charCodeAt(position - 1) === 0x3e && c !== 0x20 && c !== 0x0a && c !== 0x09 && c !== 0x0d
        ? position - el.name.length - 3
        : src.lastIndexOf('</', position - 1);
  }

  private text(text: string, cdata: boolean): void {
    const open = this.openText;
    if (open && open.cdata === cdata) {
      open.text += text;
      return;
    }
    const parent = this.stack[this.stack.length - 1];
    if (!parent) return; // whitespace outside the root element
    const node: XmlText = { kind: 'text', text, cdata };
    parent.children.push(node);
    this.openText = node;
  }
}

function loneSurrogatePosition(source: string): { line: number; column: number } {
  const at = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.exec(source)?.index ?? 0;
  const before = source.slice(0, at);
  const line = before.split('\n').length;
  return { line, column: at - before.lastIndexOf('\n') };
}

/** saxes prefixes its messages with `line:column: `; we carry the position separately. */
function stripPosition(msg: string): string {
  return msg.replace(/^\d+:\d+: /, '');
}

/** The exact source text between an element's start and end tags. */
export function innerXml(doc: ParsedXml, el: XmlElement): string {
  return doc.source.slice(el.innerStart, el.innerEnd);
}
