/**
 * The DeclaredConfiguration document: the model, its rules and its serialisation. Bodies are either MI-provider
 * blocks (`<DSC namespace className><Key name>…</Key><Value name>…</Value></DSC>`, extensibility page) or
 * resource-access blocks (`<CSP name><URI path type>…</URI></CSP>`, resource-access page), optionally preceded by
 * a bulk template's `<ReflectedProperties>`.
 */
import { splitLocUri } from '../csp/scope.ts';
import { NODE_FORMATS, type NodeFormat } from '../csp/types.ts';
import { formatProblem } from '../csp/values.ts';
import { childElements, el, wrap, type XmlElement } from '../xml/index.ts';
import { type ContextValue, checkContextSpelling, checkId, checkScenario, checkSchema } from './checks.ts';
import type { ScenarioListId, ScenarioMatch } from './scenarios.ts';
import { fail } from './xml-read.ts';

export interface DscProperty {
  /** Key properties identify the MI instance; Value properties are the settings (both strings on WinDC). */
  role: 'Key' | 'Value';
  name: string;
  /** '' when the element is empty, as in an inventory request. */
  value: string;
}

export interface DscBlock {
  kind: 'DSC';
  namespace: string;
  className: string;
  properties: DscProperty[];
}

export interface CspUri {
  /** Relative to the CSP root named by the block; may hold bulk template placeholders (`@#name#`). */
  path: string;
  /** As written: Microsoft's bulk template example writes `Int`. */
  type: string;
  value: string;
}

export interface CspBlock {
  kind: 'CSP';
  /** The CSP root, e.g. `./Vendor/MSFT/VPNv2`. */
  name: string;
  uris: CspUri[];
}

export type DocumentBlock = DscBlock | CspBlock;

/** `<ReflectedProperties><Property name type>value</Property>`, seen only in the bulk template example. */
export interface ReflectedProperty {
  name: string;
  type: string;
  value: string;
}

export interface DeclaredConfigurationDocument extends ContextValue {
  schema: string;
  /** A GUID, equal to the DocID of the LocURI the document is sent to. */
  id: string;
  /** The server's version string for this content: any non-empty string to Windows; windc writes a SHA-256. */
  checksum: string;
  /** The `osdefinedscenario` attribute, as written. */
  scenario: string;
  reflectedProperties?: ReflectedProperty[];
  blocks: DocumentBlock[];
}

export interface DocumentOptions {
  /** The scenario lists a name must be on; both by default. */
  scenarioLists?: readonly ScenarioListId[];
}

/** Value formats a `<URI type>` may name: the leaf formats of OMA DM. */
const URI_TYPES = NODE_FORMATS.filter((f) => f !== 'node' && f !== 'null');

const PLACEHOLDER_RE = /@#[^#]+#/;

export function hasPlaceholder(text: string): boolean {
  return PLACEHOLDER_RE.test(text);
}

/**
 * The body must match the scenario: the extensibility scenarios "require the same tags and attributes" (DSC, Key,
 * Value), the resource-access ones "require" CSP and URI. Microsoft never showed another scenario's body, so a DSC
 * block elsewhere is taken for the mistake it is in seed 002's MSFTPolicies result example.
 */
export function checkBody(
  scenario: string,
  match: ScenarioMatch,
  blocks: readonly DocumentBlock[],
  els?: XmlElement[],
): void {
  if (blocks.length === 0) throw fail('DC_BAD_DOCUMENT', undefined, 'the document has no DSC or CSP block');
  blocks.forEach((b, i) => {
    const at = els?.[i];
    if (match.extensibility && b.kind !== 'DSC') {
      throw fail('DC_BAD_DOCUMENT', at, `${scenario} takes <DSC> blocks, not <${b.kind}>`);
    }
    if (!match.extensibility && b.kind !== 'CSP') {
      throw fail('DC_BAD_DOCUMENT', at, `<${b.kind}> blocks belong to extensibility scenarios, not ${scenario}`);
    }
    if (b.kind === 'DSC') checkDsc(b, at);
    else checkCsp(b, at);
  });
}

function checkDsc(b: DscBlock, at?: XmlElement): void {
  if (b.namespace === '' || b.className === '') {
    throw fail('DC_BAD_DOCUMENT', at, '<DSC> needs a namespace and a className');
  }
  if (!b.properties.some((p) => p.role === 'Key')) {
    throw fail('DC_BAD_DOCUMENT', at, `<DSC className="${b.className}"> has no Key, so names no MI instance`);
  }
  const seen = new Set<string>();
  const els = at && childElements(at);
  b.properties.forEach((p, i) => {
    const pAt = els?.[i];
    if (p.name === '') throw fail('DC_BAD_DOCUMENT', pAt, `a <${p.role}> in ${b.className} has no name`);
    if (seen.has(p.name)) throw fail('DC_BAD_DOCUMENT', pAt, `${b.className} sets ${p.name} twice`);
    seen.add(p.name);
  });
}

function checkCsp(b: CspBlock, at?: XmlElement): void {
  const split = splitLocUri(b.name);
  if (typeof split === 'string' || split.segments.length === 0) {
    throw fail('DC_BAD_DOCUMENT', at, `CSP name '${b.name}' is not a CSP root such as ./Vendor/MSFT/VPNv2`);
  }
  if (split.explicitScope) {
    throw fail('DC_BAD_DOCUMENT', at, `CSP name '${b.name}' names a scope; the document's context gives it`);
  }
  if (b.uris.length === 0) throw fail('DC_BAD_DOCUMENT', at, `<CSP name="${b.name}"> has no <URI>`);
  const seen = new Set<string>();
  const els = at && childElements(at);
  b.uris.forEach((u, i) => {
    const uAt = els?.[i];
    const where = `URI '${u.path}' in ${b.name}`;
    if (u.path === '' || u.path.startsWith('/') || u.path.startsWith('.') || u.path.split('/').includes('')) {
      throw fail('DC_BAD_DOCUMENT', uAt, `${where}: a path is relative to the CSP root and has no empty segment`);
    }
    const key = u.path.toLowerCase();
    if (seen.has(key)) throw fail('DC_BAD_DOCUMENT', uAt, `${where} appears twice`);
    seen.add(key);
    const format = uriFormat(u.type);
    if (!format) throw fail('DC_BAD_DOCUMENT', uAt, `${where}: type '${u.type}' is not one of ${URI_TYPES.join(', ')}`);
    // An empty value asks for nothing to be set (inventory); placeholders are checked once substituted.
    const problem = u.value === '' || hasPlaceholder(u.value) ? undefined : formatProblem(format, u.value);
    if (problem) throw fail('DC_BAD_DOCUMENT', uAt, `${where}: ${problem}`);
  });
}

/** The format a URI type names; case-insensitive because Microsoft's own example writes `Int`. */
export function uriFormat(type: string): NodeFormat | undefined {
  const lower = type.toLowerCase();
  return URI_TYPES.find((f) => f === lower);
}

/**
 * Every rule a document must satisfy on its own, without its LocURI (see target.ts for that). The checksum is not
 * required here so that a document can be validated before its checksum is computed.
 */
export function validateDocument(doc: DeclaredConfigurationDocument, options: DocumentOptions = {}): ScenarioMatch {
  checkSchema(doc.schema, 'DC_BAD_DOCUMENT');
  checkContextSpelling(doc);
  checkId(doc.id);
  const match = checkScenario(doc.scenario, doc.context, options.scenarioLists);
  for (const p of doc.reflectedProperties ?? []) {
    if (p.name === '' || p.type === '') throw fail('DC_BAD_DOCUMENT', undefined, 'a <Property> needs name and type');
  }
  checkBody(doc.scenario, match, doc.blocks);
  return match;
}

/** Serialises without checking: the canonical form (canonical.ts) is computed from this. */
export function renderDocument(doc: DeclaredConfigurationDocument): string {
  let body = '';
  if (doc.reflectedProperties) {
    let props = '';
    for (const p of doc.reflectedProperties) {
      props += el('Property', p.value, [
        ['name', p.name],
        ['type', p.type],
      ]);
    }
    body += wrap('ReflectedProperties', props);
  }
  for (const b of doc.blocks) {
    let inner = '';
    if (b.kind === 'DSC') {
      for (const p of b.properties) inner += el(p.role, p.value, [['name', p.name]]);
      body += wrap('DSC', inner, [
        ['namespace', b.namespace],
        ['className', b.className],
      ]);
    } else {
      for (const u of b.uris) {
        inner += el('URI', u.value, [
          ['path', u.path],
          ['type', u.type],
        ]);
      }
      body += wrap('CSP', inner, [['name', b.name]]);
    }
  }
  return wrap('DeclaredConfiguration', body, [
    ['schema', doc.schema],
    ['context', doc.contextAsWritten ?? doc.context],
    ['id', doc.id],
    ['checksum', doc.checksum],
    ['osdefinedscenario', doc.scenario],
  ]);
}

/** The document as the Data of an Add or Replace, after every check `parseDocument` applies. */
export function buildDocument(doc: DeclaredConfigurationDocument, options: DocumentOptions = {}): string {
  validateDocument(doc, options);
  if (doc.checksum === '') throw fail('DC_BAD_DOCUMENT', undefined, 'the document has no checksum; see withChecksum');
  return renderDocument(doc);
}
