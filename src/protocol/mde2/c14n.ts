import type { XmlAttribute, XmlElement } from '../xml/index.ts';
import { failAt } from './read.ts';

/**
 * XML canonicalization over the parsed tree of a whole element subtree, without comments: Exclusive XML
 * Canonicalization 1.0 (the transform and SignedInfo canonicalization of the Certificate auth policy, MS-MDE2
 * §3.4.4.1.1.1.2) and, for references that name no canonicalization transform, Canonical XML 1.0, which
 * XML-DSig applies by default when a node-set has to become octets (MS-MDE2 §4.2.1.2's example is such a
 * reference).
 *
 * The tree already holds what the algorithms need: resolved namespace URIs for every element and attribute, and
 * values after XML's end-of-line and attribute-value normalization (saxes applies both). It does not hold
 * comments, which these variants drop anyway, nor processing instructions, which they would keep: a signed part
 * containing a PI therefore canonicalizes differently from the signer's and fails verification. That is the safe
 * direction, and neither Windows nor Microsoft's examples put PIs inside a SOAP envelope.
 */
export const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
export const C14N = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';

export interface C14nOptions {
  /** Canonical XML 1.0 renders every namespace in scope; exclusive (the default) only those used. */
  mode?: 'exclusive' | 'inclusive';
  /**
   * Exclusive mode's InclusiveNamespaces PrefixList: prefixes rendered as inclusive c14n would, wherever they
   * are in scope. `#default` stands for the default namespace.
   */
  inclusivePrefixes?: readonly string[];
  /** An element left out together with its subtree: the enveloped-signature transform removes the Signature. */
  exclude?: XmlElement;
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** Prefix → namespace URI. '' is the default namespace; an absent key means "never rendered / not in scope". */
type NsMap = ReadonlyMap<string, string>;
const EMPTY: NsMap = new Map();

/**
 * The canonical form of `target` and its descendants. `root` is the document element the target lives in; it is
 * walked only when namespaces in scope at the target matter (inclusive mode, or an inclusive prefix list).
 */
export function canonicalize(root: XmlElement, target: XmlElement, options: C14nOptions = {}): string {
  const all = options.mode === 'inclusive';
  const prefixes = (options.inclusivePrefixes ?? []).map((p) => (p === '#default' ? '' : p));
  const inclusive: Inclusive = all ? ALL : prefixes;
  const needsScope = all || prefixes.length > 0;
  const path = needsScope ? pathTo(root, target) : undefined;
  if (needsScope && !path) throw new TypeError('the element to canonicalize is not inside root');
  let scope: NsMap = EMPTY;
  for (const ancestor of path?.slice(0, -1) ?? []) scope = withDeclarations(scope, ancestor);
  const out: string[] = [];
  // Canonical XML 1.0 §2.4: a subset's apex carries the xml:* attributes it inherits from omitted ancestors.
  const inherited = all && path ? inheritedXmlAttributes(path, target) : [];
  render(target, EMPTY, scope, inclusive, options.exclude, out, inherited);
  return out.join('');
}

/** The exclusive form, the one MS-MDE2's Certificate policy names. */
export function exclusiveCanonicalize(root: XmlElement, target: XmlElement, options: C14nOptions = {}): string {
  return canonicalize(root, target, { ...options, mode: 'exclusive' });
}

/** Every prefix in scope, as Canonical XML 1.0 renders them. */
const ALL = Symbol('all prefixes');
type Inclusive = readonly string[] | typeof ALL;

function render(
  el: XmlElement,
  rendered: NsMap,
  parentScope: NsMap,
  inclusive: Inclusive,
  exclude: XmlElement | undefined,
  out: string[],
  inherited: readonly XmlAttribute[] = [],
): void {
  const scope = inclusive === ALL || inclusive.length > 0 ? withDeclarations(parentScope, el) : parentScope;

  // The namespaces this element visibly utilizes: its own prefix (the default namespace when unprefixed) and
  // those of its prefixed attributes. Unprefixed attributes are in no namespace and utilize none.
  const needed = new Map<string, string>();
  needed.set(el.prefix, el.uri);
  for (const a of el.attrs) {
    if (isNamespaceDeclaration(a.name) || a.prefix === '' || a.prefix === 'xml') continue;
    needed.set(a.prefix, a.uri);
  }
  for (const p of inclusive === ALL ? scope.keys() : inclusive) {
    const uri = scope.get(p);
    // `xmlns:p=""` (XML 1.1 undeclaration) leaves nothing to render for a prefix.
    if (uri !== undefined && !needed.has(p) && (p === '' || uri !== '')) needed.set(p, uri);
  }

  const decls: Array<[string, string]> = [];
  for (const [prefix, uri] of needed) {
    if (prefix === 'xml') continue;
    if (prefix === '') {
      // An empty default namespace needs saying only when an output ancestor rendered a non-empty one.
      if (uri !== (rendered.get('') ?? '')) decls.push(['', uri]);
      continue;
    }
    if (uri === '') failAt('WSSE_MALFORMED', `prefix "${prefix}" is not bound to a namespace`, el);
    if (rendered.get(prefix) !== uri) decls.push([prefix, uri]);
  }
  decls.sort((a, b) => compareCodeUnits(a[0], b[0]));

  let next = rendered;
  if (decls.length > 0) {
    const m = new Map(rendered);
    for (const [p, u] of decls) m.set(p, u);
    next = m;
  }

  const attrs = el.attrs.filter((a) => !isNamespaceDeclaration(a.name));
  for (const a of inherited) if (!attrs.some((x) => x.prefix === 'xml' && x.local === a.local)) attrs.push(a);
  attrs.sort((a, b) => compareCodeUnits(attrUri(a), attrUri(b)) || compareCodeUnits(a.local, b.local));

  let tag = `<${el.name}`;
  for (const [p, u] of decls) tag += p === '' ? ` xmlns="${c14nAttr(u)}"` : ` xmlns:${p}="${c14nAttr(u)}"`;
  for (const a of attrs) tag += ` ${a.name}="${c14nAttr(a.value)}"`;
  out.push(`${tag}>`);
  for (const c of el.children) {
    if (c.kind === 'text') out.push(c14nText(c.text));
    else if (c !== exclude) render(c, next, scope, inclusive, exclude, out);
  }
  out.push(`</${el.name}>`);
}

function isNamespaceDeclaration(name: string): boolean {
  return name === 'xmlns' || name.startsWith('xmlns:');
}

function attrUri(a: { prefix: string; uri: string }): string {
  return a.prefix === 'xml' ? XML_NS : a.uri;
}

/** C14N sorts by UCS code point; for the ASCII names and URIs of these messages, code units are the same. */
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function withDeclarations(scope: NsMap, el: XmlElement): NsMap {
  let m: Map<string, string> | undefined;
  for (const a of el.attrs) {
    if (!isNamespaceDeclaration(a.name)) continue;
    m ??= new Map(scope);
    m.set(a.name === 'xmlns' ? '' : a.name.slice(6), a.value);
  }
  return m ?? scope;
}

function inheritedXmlAttributes(path: readonly XmlElement[], target: XmlElement): XmlAttribute[] {
  const byName = new Map<string, XmlAttribute>();
  for (const ancestor of path) {
    if (ancestor === target) break;
    for (const a of ancestor.attrs) if (a.prefix === 'xml') byName.set(a.local, a);
  }
  return [...byName.values()];
}

function pathTo(from: XmlElement, target: XmlElement): XmlElement[] | undefined {
  if (from === target) return [from];
  for (const c of from.children) {
    if (c.kind !== 'element') continue;
    const rest = pathTo(c, target);
    if (rest) return [from, ...rest];
  }
  return undefined;
}

/** C14N §2.3: text escapes &, <, > and carriage return; nothing else. */
function c14nText(s: string): string {
  if (!/[&<>\r]/.test(s)) return s;
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;');
}

/** C14N §2.3: attribute values escape &, <, " and the three whitespace characters; `>` stays literal. */
function c14nAttr(s: string): string {
  if (!/[&<"\t\n\r]/.test(s)) return s;
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#x9;')
    .replace(/\n/g, '&#xA;')
    .replace(/\r/g, '&#xD;');
}
