/**
 * What the device keeps per DeclaredConfiguration document: the text as received (re-parsed on load, so the
 * stored form is the server's own), the processing state the 1224 summary reports, the last result, and what the
 * document wrote so that ownership and unenrollment rollback can be rebuilt after a restart.
 */
import type { Scope } from '../../protocol/csp/index.ts';
import {
  type DcState,
  type DeclaredConfigurationDocument,
  type DeclaredConfigurationResult,
  type HostKind,
  parseDocument,
} from '../../protocol/declared/index.ts';

/** What a document asks for: configuration (Set), inventory (Get), or removal. */
export type DocOperation = 'config' | 'get' | 'delete';

export interface DocumentRecord {
  accountId: string;
  /** Identity within the account: scope and lower-cased DocID ("No other document can have this id"). */
  key: string;
  scope: Scope;
  host: HostKind;
  /** As first written in the LocURI; replies and the summary use the document's own `id`. */
  docId: string;
  /** Creation order, which the summary follows. */
  seq: number;
  text: string;
  document: DeclaredConfigurationDocument;
  abandoned: boolean;
  state: DcState;
  /** The latest result for this document version; absent until its processing has finished. */
  result?: DeclaredConfigurationResult;
  /** Processing queued or running. */
  pending?: DocOperation;
  /** Bumped by every write; a processing step started for an older generation is dropped. */
  generation: number;
  /** Host/BulkTemplate: the InstanceBlob written to BulkVariables/Value. */
  bulkVariables?: string;
  /** Canonical LocURIs this document wrote through resource access. */
  writtenUris: string[];
  /** Deleted (state 70): listed in the summary until a session that carried it completes. */
  tombstone?: { reported: boolean };
}

export function recordKey(scope: Scope, docId: string): string {
  return `${scope}/${docId.toLowerCase()}`;
}

/** The ownership key of a record: unique across accounts. */
export function ownerKey(rec: Pick<DocumentRecord, 'accountId' | 'key'>): string {
  return `${rec.accountId}/${rec.key}`;
}

/**
 * Inventory when the document goes to Host/Inventory or names an inventory scenario: the DDF calls Host/Inventory
 * "Inventory (get) requests", and the scenario lists name inventories (MSFTInventory,
 * MSFTExtensibilityMIProviderInventory…) that a server might send to Host/Complete.
 */
export function operationOf(host: HostKind, scenario: string): 'config' | 'get' {
  return host === 'Inventory' || scenario.toLowerCase().endsWith('inventory') ? 'get' : 'config';
}

export type DocumentRecordJson = Omit<DocumentRecord, 'document'> & { format: 1 };

export function recordToJson(rec: DocumentRecord): DocumentRecordJson {
  const { document: _document, ...rest } = rec;
  return { format: 1, ...rest };
}

export function recordFromJson(json: DocumentRecordJson): DocumentRecord {
  const { format: _format, ...rest } = json;
  return { ...rest, document: parseDocument(json.text) };
}
