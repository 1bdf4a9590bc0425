import { SaxesParser } from 'saxes';
import { ProtocolError } from '../errors.ts';
import type { XmlAttribute, XmlElement, XmlNode } from './tree.ts';

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

const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/**
 * Parses XML into an order-preserving tree. Namespaces are resolved here rather than by saxes so that an
 * unbound prefix (seen in hand-written Microsoft samples) is kept instead of failing the whole message.
 * Any DOCTYPE is refused: Windows never sends one, and refusing it closes the entity-expansion and XXE doors.
 */
export function parseXml(input: string, limits: Partial<XmlLimits> = {}): ParsedXml {
  const lim = { ...DEFAULT_XML_LIMITS, ...limits };
  const source = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  // Cheap upper bound first: a UTF-16 length above the byte limit can't be under it once encoded... the reverse
  // can, so only measure exactly when the fast check is inconclusive.
  if (source.length > lim.maxBytes || Buffer.byteLength(source, 'utf8') > lim.maxBytes) {
    throw new ProtocolError('XML_TOO_LARGE', `XML input exceeds ${lim.maxBytes} bytes`);
  }
  // saxes pairs a high surrogate with whatever follows it, so an unpaired one would reach the tree as text that
  // has no UTF-8 form and fails only when echoed back.
  if (!(source as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    throw new ProtocolError('XML_MALFORMED', 'unpaired UTF-16 surrogate', loneSurrogatePosition(source));
  }
  const parser = new SaxesParser({ position: true });
  const stack: XmlElement[] = [];
  const nsStack: Array<Map<string, string>> = [new Map([['xml', XML_NS]])];
  let root: XmlElement | undefined;
  let count = 0;
  let failure: ProtocolError | undefined;

  const fail = (err: ProtocolError): never => {
    failure ??= err;
    throw err;
  };
  const here = () => ({ line: parser.line, column: parser.column + 1 });

  parser.on('doctype', () => {
    fail(new ProtocolError('XML_DOCTYPE_FORBIDDEN', 'DOCTYPE declarations are not accepted', here()));
  });
  parser.on('opentag', (tag) => {
    if (++count > lim.maxElements) {
      fail(new ProtocolError('XML_TOO_MANY_NODES', `more than ${lim.maxElements} elements`, here()));
    }
    if (stack.length >= lim.maxDepth) {
      fail(new ProtocolError('XML_TOO_DEEP', `elements nested deeper than ${lim.maxDepth}`, here()));
    }
    const parentNs = nsStack[nsStack.length - 1] as Map<string, string>;
    let ns = parentNs;
    const raw = tag.attributes as Record<string, string>;
    for (const k in raw) {
      if (k === 'xmlns' || k.startsWith('xmlns:')) {
        if (ns === parentNs) ns = new Map(parentNs);
        ns.set(k === 'xmlns' ? '' : k.slice(6), raw[k] as string);
      }
    }
    const attrs: XmlAttribute[] = [];
    for (const k in raw) {
      const i = k.indexOf(':');
      const prefix = i < 0 ? '' : k.slice(0, i);
      const local = i < 0 ? k : k.slice(i + 1);
      const uri = prefix === '' || prefix === 'xmlns' ? '' : (ns.get(prefix) ?? '');
      attrs.push({ name: k, local, prefix, uri, value: raw[k] as string });
    }
    const i = tag.name.indexOf(':');
    const prefix = i < 0 ? '' : tag.name.slice(0, i);
    const el: XmlElement = {
      kind: 'element',
      name: tag.name,
      local: i < 0 ? tag.name : tag.name.slice(i + 1),
      prefix,
      uri: ns.get(prefix) ?? '',
      attrs,
      children: [],
      line: parser.line,
      column: parser.column + 1,
      innerStart: parser.position,
      innerEnd: parser.position,
    };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else root = el;
    stack.push(el);
    nsStack.push(ns);
  });
  parser.on('closetag', () => {
    const el = stack.pop() as XmlElement;
    nsStack.pop();
    // position is just past `>` of the end tag; walk back to its `<` (the end tag may hold whitespace).
    el.innerEnd = el.innerStart === parser.position ? el.innerStart : source.lastIndexOf('</', parser.position - 1);
  });
  const addText = (text: string, cdata: boolean) => {
    const parent = stack[stack.length - 1];
    if (!parent) return; // whitespace outside the root element
    const last = parent.children[parent.children.length - 1] as XmlNode | undefined;
    if (last && last.kind === 'text' && last.cdata === cdata) last.text += text;
    else parent.children.push({ kind: 'text', text, cdata });
  };
  parser.on('text', (t) => addText(t, false));
  parser.on('cdata', (t) => addText(t, true));
  parser.on('error', (e) => {
    fail(new ProtocolError('XML_MALFORMED', stripPosition(e.message), here(), { cause: e }));
  });

  try {
    parser.write(source).close();
  } catch (e) {
    if (failure) throw failure;
    throw new ProtocolError('XML_MALFORMED', e instanceof Error ? e.message : String(e), here(), { cause: e });
  }
  if (!root) throw new ProtocolError('XML_MALFORMED', 'no root element', here());
  return { root, source };
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
