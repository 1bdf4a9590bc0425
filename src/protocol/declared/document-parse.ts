/**
 * Parsing a DeclaredConfiguration document the way the CSP's synchronous syntax check would: the structure, then
 * the same rules `buildDocument` applies, each failure with the position of the element at fault.
 */
import type { XmlElement, XmlLimits } from '../xml/index.ts';
import { checkId, checkScenario, checkSchema, readContext } from './checks.ts';
import {
  type CspBlock,
  checkBody,
  type DeclaredConfigurationDocument,
  type DocumentBlock,
  type DocumentOptions,
  type DscBlock,
  type ReflectedProperty,
} from './document.ts';
import { elementChildren, fail, leafText, onlyAttributes, parseRoot, required } from './xml-read.ts';

const E = 'DC_BAD_DOCUMENT';

export interface ParseDocumentOptions extends DocumentOptions {
  limits?: Partial<XmlLimits>;
}

export function parseDocument(text: string, options: ParseDocumentOptions = {}): DeclaredConfigurationDocument {
  const root = parseRoot(text, 'DeclaredConfiguration', E, options.limits);
  onlyAttributes(root, ['schema', 'context', 'id', 'checksum', 'osdefinedscenario'], E);
  const schema = required(root, 'schema', E);
  checkSchema(schema, E, root);
  const context = readContext(required(root, 'context', 'DC_BAD_CONTEXT'), root);
  const id = required(root, 'id', 'DC_BAD_ID');
  checkId(id, root);
  const scenario = required(root, 'osdefinedscenario', 'DC_UNKNOWN_SCENARIO');
  const match = checkScenario(scenario, context.context, options.scenarioLists, root);
  const checksum = required(root, 'checksum', E);

  const doc: DeclaredConfigurationDocument = { schema, ...context, id, checksum, scenario, blocks: [] };
  const blockEls: XmlElement[] = [];
  for (const c of elementChildren(root, E)) {
    if (c.name === 'ReflectedProperties') {
      if (doc.reflectedProperties || blockEls.length > 0) {
        throw fail(E, c, '<ReflectedProperties> may appear once, before the first block');
      }
      doc.reflectedProperties = readReflected(c);
      continue;
    }
    doc.blocks.push(readBlock(c));
    blockEls.push(c);
  }
  if (doc.blocks.length === 0) throw fail(E, root, 'the document has no DSC or CSP block');
  checkBody(scenario, match, doc.blocks, blockEls);
  return doc;
}

function readBlock(b: XmlElement): DocumentBlock {
  if (b.name === 'DSC') return readDsc(b);
  if (b.name === 'CSP') return readCsp(b);
  throw fail(E, b, `<${b.name}> is not a document block (DSC, CSP, ReflectedProperties)`);
}

function readDsc(b: XmlElement): DscBlock {
  onlyAttributes(b, ['namespace', 'className'], E);
  const block: DscBlock = {
    kind: 'DSC',
    namespace: required(b, 'namespace', E),
    className: required(b, 'className', E),
    properties: [],
  };
  for (const p of elementChildren(b, E)) {
    if (p.name !== 'Key' && p.name !== 'Value') throw fail(E, p, `<DSC> holds Key and Value, not <${p.name}>`);
    onlyAttributes(p, ['name'], E);
    block.properties.push({ role: p.name, name: required(p, 'name', E), value: leafText(p, E) });
  }
  return block;
}

function readCsp(b: XmlElement): CspBlock {
  onlyAttributes(b, ['name'], E);
  const block: CspBlock = { kind: 'CSP', name: required(b, 'name', E), uris: [] };
  for (const u of elementChildren(b, E)) {
    if (u.name !== 'URI') throw fail(E, u, `<CSP> holds URI elements, not <${u.name}>`);
    onlyAttributes(u, ['path', 'type'], E);
    block.uris.push({ path: required(u, 'path', E), type: required(u, 'type', E), value: leafText(u, E) });
  }
  return block;
}

function readReflected(r: XmlElement): ReflectedProperty[] {
  onlyAttributes(r, [], E);
  return elementChildren(r, E).map((p) => {
    if (p.name !== 'Property') throw fail(E, p, `<ReflectedProperties> holds Property elements, not <${p.name}>`);
    onlyAttributes(p, ['name', 'type'], E);
    return { name: required(p, 'name', E), type: required(p, 'type', E), value: leafText(p, E) };
  });
}
