/**
 * Rules that tie a document or result to the LocURI it travels with. Seed 001 gives the Windows symptoms: a scope
 * that differs from the context fails in the configuration manager ("The system cannot find the file specified"),
 * an id that differs from the DocID fails in document parsing (0x8000FFFF). The configuration manager acts first,
 * so scope is checked before id.
 */
import { ProtocolError } from '../errors.ts';
import type { DeclaredConfigurationDocument } from './document.ts';
import { type ParseDocumentOptions, parseDocument } from './document-parse.ts';
import { sameGuid } from './guid.ts';
import { type DeclaredLocUri, parseDeclaredLocUri } from './locuri.ts';
import type { DeclaredConfigurationResult } from './result.ts';

type DocumentTarget = Extract<DeclaredLocUri, { node: 'document' }>;
type ResultTarget = Extract<DeclaredLocUri, { node: 'result' }>;

function asTarget(target: string | DeclaredLocUri): DeclaredLocUri {
  return typeof target === 'string' ? parseDeclaredLocUri(target) : target;
}

function checkScopeAndId(
  what: string,
  t: { scope: string; docId: string },
  body: { context: string; contextAsWritten?: string; id: string },
): void {
  if (t.scope !== body.context) {
    throw new ProtocolError(
      'DC_SCOPE_MISMATCH',
      `the LocURI is in ${t.scope} scope but the ${what} has context '${body.contextAsWritten ?? body.context}'`,
    );
  }
  if (!sameGuid(t.docId, body.id)) {
    throw new ProtocolError('DC_ID_MISMATCH', `the LocURI names DocID ${t.docId} but the ${what} has id ${body.id}`);
  }
}

/** The document may be written to this LocURI: a Documents/{DocID}/Document node of its scope and id. */
export function validateDocumentTarget(
  doc: DeclaredConfigurationDocument,
  target: string | DeclaredLocUri,
): DocumentTarget {
  const t = asTarget(target);
  if (t.node !== 'document') {
    throw new ProtocolError(
      'DC_BAD_LOCURI',
      `a document is written to Documents/{DocID}/Document, not to a ${t.node} node`,
    );
  }
  checkScopeAndId('document', t, doc);
  return t;
}

/**
 * The result may come from this LocURI (the Source of the Results item). With `requested`, the Target of the Get,
 * the result must also come from the node asked for: Learn's VPN example answers a Get of Host/Complete/Results
 * with a Source under Host/BulkTemplate/Results.
 */
export function validateResultTarget(
  result: DeclaredConfigurationResult,
  source: string | DeclaredLocUri,
  requested?: string | DeclaredLocUri,
): ResultTarget {
  const t = asTarget(source);
  if (t.node !== 'result') {
    throw new ProtocolError(
      'DC_BAD_LOCURI',
      `a result is read from Results/{DocID}/Document, not from a ${t.node} node`,
    );
  }
  if (requested !== undefined) {
    const r = asTarget(requested);
    if (r.node !== 'result' || r.scope !== t.scope || r.host !== t.host || !sameGuid(r.docId, t.docId)) {
      const asked = r.node === 'result' ? `${r.scope} Host/${r.host}/Results/${r.docId}` : `a ${r.node} node`;
      throw new ProtocolError(
        'DC_BAD_LOCURI',
        `the result came from ${t.scope} Host/${t.host}/Results/${t.docId} but ${asked} was requested`,
      );
    }
  }
  checkScopeAndId('result', t, result);
  return t;
}

/**
 * What the CSP checks synchronously when a document arrives: the LocURI, then the document, then that they agree.
 * The LocURI is read first, as Windows resolves the node before it hands the value to the CSP.
 */
export function parseTargetedDocument(
  locUri: string,
  text: string,
  options: ParseDocumentOptions = {},
): { target: DocumentTarget; document: DeclaredConfigurationDocument } {
  const target = parseDeclaredLocUri(locUri);
  if (target.node !== 'document') {
    throw new ProtocolError(
      'DC_BAD_LOCURI',
      `a document is written to Documents/{DocID}/Document, not to a ${target.node} node`,
    );
  }
  const document = parseDocument(text, options);
  return { target: validateDocumentTarget(document, target), document };
}
