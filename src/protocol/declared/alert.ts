/**
 * The 1224 generic alert of type `com.microsoft.mdm.declaredconfigurationdocuments`, which the device adds to every
 * message once it holds a document: `<DeclaredConfigurations schema="1.0">` with one empty `<DeclaredConfiguration
 * context id checksum result_checksum state/>` per document (seed 002). This module handles the alert's Data only;
 * the SyncML codec delivers it as a string, escaped or not.
 */
import type { XmlElement, XmlLimits } from '../xml/index.ts';
import { attrs, wrap } from '../xml/index.ts';
import { type ContextValue, checkContextSpelling, checkId, checkSchema, readContext } from './checks.ts';
import { type DcState, isDcState, parseDcState } from './state.ts';
import { elementChildren, fail, optional, parseRoot, required } from './xml-read.ts';

export const DECLARED_CONFIGURATION_ALERT_TYPE = 'com.microsoft.mdm.declaredconfigurationdocuments';

const E = 'DC_BAD_ALERT';

export interface DocumentSummary extends ContextValue {
  id: string;
  /** The document version the state is about. */
  checksum: string;
  /** Absent until the device has a result for this version. */
  resultChecksum?: string;
  state: DcState;
  /**
   * Seed 002 says that after `Properties/Abandoned` = 1 "the alert has the Abandoned property set to 1" without
   * showing it; windc reads an `abandoned` attribute in any case and writes `abandoned="1"`. An assumption.
   */
  abandoned?: boolean;
}

export interface DeclaredConfigurationsSummary {
  schema: string;
  /** In the device's order. (context, id) identifies a document; the same id may exist in both scopes. */
  documents: DocumentSummary[];
}

function abandonedOf(el: XmlElement): boolean | undefined {
  const a = el.attrs.find((x) => x.name.toLowerCase() === 'abandoned');
  if (a === undefined) return undefined;
  if (a.value === '1' || a.value.toLowerCase() === 'true') return true;
  if (a.value === '0' || a.value.toLowerCase() === 'false') return false;
  return undefined;
}

/** Unknown attributes are ignored: the summary is the device's to extend, and one odd entry must not hide the rest. */
export function parseSummary(text: string, limits?: Partial<XmlLimits>): DeclaredConfigurationsSummary {
  const root = parseRoot(text, 'DeclaredConfigurations', E, limits);
  const schema = required(root, 'schema', E);
  checkSchema(schema, E, root);
  const documents = elementChildren(root, E).map((d): DocumentSummary => {
    if (d.name !== 'DeclaredConfiguration') throw fail(E, d, `<${d.name}> is not a document summary`);
    if (d.children.some((c) => c.kind === 'element' || c.text.trim() !== '')) {
      throw fail(E, d, 'a document summary is an empty element');
    }
    const id = required(d, 'id', 'DC_BAD_ID');
    checkId(id, d);
    const stateText = required(d, 'state', E);
    const state = parseDcState(stateText);
    if (state === undefined) throw fail(E, d, `state '${stateText}' is not a DCCSPURIState value`);
    const s: DocumentSummary = {
      ...readContext(required(d, 'context', 'DC_BAD_CONTEXT'), d),
      id,
      checksum: required(d, 'checksum', E),
      state,
    };
    const resultChecksum = optional(d, 'result_checksum');
    if (resultChecksum) s.resultChecksum = resultChecksum;
    const abandoned = abandonedOf(d);
    if (abandoned !== undefined) s.abandoned = abandoned;
    return s;
  });
  return { schema, documents };
}

export function buildSummary(summary: DeclaredConfigurationsSummary): string {
  checkSchema(summary.schema, E);
  let inner = '';
  for (const d of summary.documents) {
    checkContextSpelling(d);
    checkId(d.id);
    if (d.checksum === '') throw fail(E, undefined, `document ${d.id} has no checksum`);
    if (!isDcState(d.state)) throw fail(E, undefined, `document ${d.id}: ${d.state} is not a DCCSPURIState value`);
    inner += `<DeclaredConfiguration${attrs([
      ['context', d.contextAsWritten ?? d.context],
      ['id', d.id],
      ['checksum', d.checksum],
      ['result_checksum', d.resultChecksum],
      ['state', d.state],
      ['abandoned', d.abandoned === undefined ? undefined : d.abandoned ? '1' : '0'],
    ])}/>`;
  }
  return wrap('DeclaredConfigurations', inner, [['schema', summary.schema]]);
}
