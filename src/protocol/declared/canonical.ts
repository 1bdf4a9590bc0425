/**
 * Checksums. Windows treats `checksum` as an opaque server version and never recomputes it, so windc is free to
 * choose; it hashes a canonical form so that re-serialising a document never changes its version and any change
 * of meaning always does. The device's `result_checksum` algorithm is unpublished (Learn shows 64 upper-case hex
 * digits); the emulator uses the same construction over the result document.
 *
 * Canonical form of an element tree, exactly:
 *   1. The text is parsed as XML first, so the XML declaration, comments, processing instructions, the choice
 *      between CDATA and escaped text, the quote character and the spelling of character references vanish.
 *   2. An element is written `<name` + attributes + `>` + content + `</name>`, with the qualified name as written;
 *      an empty element is written as a start and end tag pair, never `<name/>`.
 *   3. Attributes are sorted by qualified name in UTF-16 code-unit order and written ` name="value"`; the
 *      attributes excluded by the caller (see below) are left out. Namespace declarations count as attributes.
 *   4. A text node made only of whitespace (space, tab, CR, LF) is dropped when its parent element also has
 *      element children: that is indentation. All other text is kept verbatim, never trimmed or case-folded.
 *   5. In text, `&`, `<` and `>` are written as `&amp;`, `&lt;`, `&gt;`; in attribute values, `&`, `<`, `"`,
 *      TAB, LF and CR as `&amp;`, `&lt;`, `&quot;`, `&#9;`, `&#10;`, `&#13;`. Nothing else is escaped.
 *   6. The string is encoded as UTF-8 and hashed with SHA-256; the digest is written as 64 upper-case hex digits.
 * Excluded: `checksum` on a DeclaredConfiguration root; `result_checksum` and `result_timestamp` on a
 * DeclaredConfigurationResult root (the timestamp changes on every refresh though the outcome has not, and a
 * server re-fetches results when the checksum changes).
 */
import { createHash } from 'node:crypto';
import type { XmlElement, XmlLimits } from '../xml/index.ts';
import { type DeclaredConfigurationDocument, renderDocument } from './document.ts';
import type { DeclaredConfigurationResult } from './result.ts';
import { renderResult } from './result.ts';
import { parseRoot } from './xml-read.ts';

const WS_ONLY = /^[ \t\r\n]*$/;

function escText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escAttr(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

/** The canonical form described above; `omitRootAttrs` are left out of the root element only. */
export function canonicalXml(root: XmlElement, omitRootAttrs: readonly string[] = []): string {
  const out: string[] = [];
  const write = (e: XmlElement, omit: readonly string[]) => {
    const attrs = e.attrs
      .filter((a) => !omit.includes(a.name))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    out.push(`<${e.name}`);
    for (const a of attrs) out.push(` ${a.name}="${escAttr(a.value)}"`);
    out.push('>');
    const hasElements = e.children.some((c) => c.kind === 'element');
    for (const c of e.children) {
      if (c.kind === 'element') write(c, []);
      else if (!(hasElements && WS_ONLY.test(c.text))) out.push(escText(c.text));
    }
    out.push(`</${e.name}>`);
  };
  write(root, omitRootAttrs);
  return out.join('');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').toUpperCase();
}

const DOCUMENT_OMIT = ['checksum'];
const RESULT_OMIT = ['result_checksum', 'result_timestamp'];

/**
 * The checksum windc gives a document: of its text as received, or of the model as `buildDocument` would write it
 * (the two agree, whatever the text's formatting). Only the root element name is checked, so a document can be
 * versioned before it is valid.
 */
export function documentChecksum(doc: string | DeclaredConfigurationDocument, limits?: Partial<XmlLimits>): string {
  const text = typeof doc === 'string' ? doc : renderDocument(doc);
  return sha256Hex(canonicalXml(parseRoot(text, 'DeclaredConfiguration', 'DC_BAD_DOCUMENT', limits), DOCUMENT_OMIT));
}

/** The document with its checksum set from its content; any previous checksum is ignored. */
export function withChecksum(doc: DeclaredConfigurationDocument): DeclaredConfigurationDocument {
  return { ...doc, checksum: documentChecksum(doc) };
}

/** How windc's emulator computes `result_checksum`; over text or model, as for documents. */
export function resultChecksum(result: string | DeclaredConfigurationResult, limits?: Partial<XmlLimits>): string {
  const text = typeof result === 'string' ? result : renderResult(result);
  return sha256Hex(canonicalXml(parseRoot(text, 'DeclaredConfigurationResult', 'DC_BAD_RESULT', limits), RESULT_OMIT));
}

export function withResultChecksum(result: DeclaredConfigurationResult): DeclaredConfigurationResult {
  return { ...result, resultChecksum: resultChecksum(result) };
}
