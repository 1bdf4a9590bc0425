import type { XmlAttribute, XmlElement } from './tree.ts';

const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** In-scope namespace bindings as a chain: declaring one is an allocation, not a copy of every binding. */
export interface Scope {
  prefix: string;
  uri: string;
  up: Scope | undefined;
}

export const ROOT_SCOPE: Scope = { prefix: 'xml', uri: XML_NS, up: undefined };

function lookup(scope: Scope | undefined, prefix: string): string {
  for (let s = scope; s; s = s.up) if (s.prefix === prefix) return s.uri;
  return '';
}

/** An attribute as written: qualified name and its value after entity expansion and normalisation. */
export interface RawAttribute {
  name: string;
  value: string;
}

/**
 * Builds a tree element from a start tag, resolving namespaces here rather than in the tokenizer so that an unbound
 * prefix (seen in hand-written Microsoft samples) is kept instead of failing the whole message. Shared by both
 * tokenizers so that they cannot disagree on the tree. Returns the scope the element's content is read in.
 */
export function openElement(
  name: string,
  raw: RawAttribute[] | undefined,
  parentScope: Scope,
  line: number,
  column: number,
  position: number,
): { el: XmlElement; scope: Scope } {
  let scope = parentScope;
  const attrs: XmlAttribute[] = [];
  if (raw !== undefined) {
    for (const a of raw) {
      if (a.name === 'xmlns') scope = { prefix: '', uri: a.value, up: scope };
      else if (a.name.startsWith('xmlns:')) scope = { prefix: a.name.slice(6), uri: a.value, up: scope };
    }
    for (const { name: aname, value } of raw) {
      const i = aname.indexOf(':');
      const prefix = i < 0 ? '' : aname.slice(0, i);
      const local = i < 0 ? aname : aname.slice(i + 1);
      const uri = prefix === '' || prefix === 'xmlns' ? '' : lookup(scope, prefix);
      attrs.push({ name: aname, local, prefix, uri, value });
    }
  }
  const i = name.indexOf(':');
  const prefix = i < 0 ? '' : name.slice(0, i);
  const el: XmlElement = {
    kind: 'element',
    name,
    local: i < 0 ? name : name.slice(i + 1),
    prefix,
    uri: lookup(scope, prefix),
    attrs,
    children: [],
    line,
    column,
    innerStart: position,
    innerEnd: position,
  };
  return { el, scope };
}
