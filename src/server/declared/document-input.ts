/**
 * From what an admin submits to the document windc stores and sends. windc owns a document's identity: it assigns
 * the GUID and computes the checksum from the canonical content (protocol/declared/canonical.ts), so a document
 * can never be sent with an id that differs from its DocID or a stale version string (research §7.1). Everything
 * a device's synchronous check would refuse is refused here first, with the protocol's own error codes, plus the
 * pitfalls the devices accept but that never do what the admin meant.
 */
import { randomUUID } from 'node:crypto';
import type { Scope } from '../../protocol/csp/index.ts';
import {
  buildDocument,
  type DeclaredConfigurationDocument,
  type DocumentBlock,
  documentChecksum,
  type HostKind,
  hasPlaceholder,
  parseDocument,
  SCHEMA_VERSION,
  sha256Hex,
  validateDocument,
  withChecksum,
} from '../../protocol/declared/index.ts';
import { ApiError } from '../admin/errors.ts';

export type DocumentScope = 'device' | 'user';

export interface DscInput {
  namespace: string;
  className: string;
  keys: Record<string, string>;
  values?: Record<string, string> | undefined;
}

export interface CspInput {
  name: string;
  uris: { path: string; type: string; value?: string | undefined }[];
}

/** Either the structured form or a whole `<DeclaredConfiguration>` text, whose id and checksum windc replaces. */
export interface DocumentInput {
  scope?: DocumentScope | undefined;
  scenario?: string | undefined;
  dsc?: DscInput[] | undefined;
  csp?: CspInput[] | undefined;
  xml?: string | undefined;
}

/**
 * Which Host a document goes to. Inventory scenarios are read-only requests ("Inventory (get) requests", DDF);
 * everything else is a self-contained configuration under Host/Complete. The emulator decides the same way.
 */
export function hostFor(scenario: string): Exclude<HostKind, 'BulkTemplate'> {
  return /inventory$/i.test(scenario) ? 'Inventory' : 'Complete';
}

export function scopeName(scope: DocumentScope): Scope {
  return scope === 'user' ? 'User' : 'Device';
}

function blocksFrom(input: DocumentInput): DocumentBlock[] {
  const blocks: DocumentBlock[] = [];
  for (const d of input.dsc ?? []) {
    blocks.push({
      kind: 'DSC',
      namespace: d.namespace,
      className: d.className,
      properties: [
        ...Object.entries(d.keys).map(([name, value]) => ({ role: 'Key' as const, name, value })),
        ...Object.entries(d.values ?? {}).map(([name, value]) => ({ role: 'Value' as const, name, value })),
      ],
    });
  }
  for (const c of input.csp ?? []) {
    blocks.push({
      kind: 'CSP',
      name: c.name,
      uris: c.uris.map((u) => ({ path: u.path, type: u.type, value: u.value ?? '' })),
    });
  }
  return blocks;
}

/**
 * The document model for an input, with the given id and no checksum yet. Throws ApiError or ProtocolError
 * (mapped to 400 with the protocol code by the admin API) for anything a device would refuse.
 */
export function documentFromInput(input: DocumentInput, id: string): DeclaredConfigurationDocument {
  const structured = input.dsc !== undefined || input.csp !== undefined || input.scenario !== undefined;
  if (input.xml !== undefined && structured) {
    throw new ApiError('DOCUMENT_AMBIGUOUS', 'give either xml or scenario with dsc/csp blocks, not both');
  }
  let doc: DeclaredConfigurationDocument;
  if (input.xml !== undefined) {
    const parsed = parseDocument(input.xml);
    if (input.scope !== undefined && scopeName(input.scope) !== parsed.context) {
      // The LocURI is built from the scope; a different context is Windows' "file not found" (research §7.2).
      throw new ApiError(
        'DC_SCOPE_MISMATCH',
        `scope '${input.scope}' differs from the document's context '${parsed.contextAsWritten ?? parsed.context}'`,
      );
    }
    doc = { ...parsed, id, checksum: '' };
  } else {
    if (!input.scenario) throw new ApiError('DOCUMENT_INCOMPLETE', 'a document needs a scenario (osdefinedscenario)');
    doc = {
      schema: SCHEMA_VERSION,
      context: scopeName(input.scope ?? 'device'),
      id,
      checksum: '',
      scenario: input.scenario,
      blocks: blocksFrom(input),
    };
  }
  validateDocument(doc);
  checkPitfalls(doc);
  return doc;
}

/**
 * What devices accept but never does what was meant. Host/Complete holds "self-contained documents without
 * placeholders" (research §6.1), and windc does not serve Host/BulkTemplate, so a template's placeholders or
 * ReflectedProperties would reach the device literally.
 */
function checkPitfalls(doc: DeclaredConfigurationDocument): void {
  if (doc.reflectedProperties) {
    throw new ApiError(
      'DOCUMENT_TEMPLATE',
      '<ReflectedProperties> belongs to Host/BulkTemplate documents, which windc does not serve',
    );
  }
  for (const b of doc.blocks) {
    const texts =
      b.kind === 'DSC'
        ? b.properties.flatMap((p) => [p.name, p.value])
        : [b.name, ...b.uris.flatMap((u) => [u.path, u.value])];
    const bad = texts.find(hasPlaceholder);
    if (bad !== undefined) {
      throw new ApiError(
        'DOCUMENT_TEMPLATE',
        `'${bad}' holds a bulk-template placeholder (@#name#); Host/Complete documents must be self-contained`,
      );
    }
  }
  if (hostFor(doc.scenario) === 'Inventory') {
    for (const b of doc.blocks) {
      if (b.kind === 'DSC' && b.properties.some((p) => p.role === 'Value' && p.value !== '')) {
        throw new ApiError(
          'DOCUMENT_INVENTORY_VALUES',
          `${doc.scenario} only reads: the Value elements of ${b.className} must be empty (they are what comes back)`,
        );
      }
    }
  }
}

export interface StoredForm {
  body: string;
  checksum: string;
  /** The checksum of the content alone; equal for two versions that mean the same. */
  contentChecksum: string;
}

/** The text windc stores and sends, its checksum from the canonical content, salted by `touch` when forced. */
export function storedForm(doc: DeclaredConfigurationDocument, touch = 0): StoredForm {
  const contentChecksum = documentChecksum(doc);
  const checksum = touch === 0 ? contentChecksum : touchedChecksum(contentChecksum, touch);
  return { body: buildDocument({ ...withChecksum(doc), checksum }), checksum, contentChecksum };
}

/**
 * A touch must change the version string without changing content, because devices compare checksums only
 * (KMFDDM's touch, mdmdirector #136). Still derived from the content, so it is reproducible.
 */
export function touchedChecksum(contentChecksum: string, touch: number): string {
  return sha256Hex(`${contentChecksum}/touch/${touch}`);
}

export function newDocumentId(): string {
  return randomUUID().toUpperCase();
}
