/**
 * Document lifecycle as the admin API offers it: create (windc assigns the id), update (same id, a new checksum
 * only when the meaning changed), touch (a new checksum without a change, to make every device re-apply), abandon
 * and unabandon, and delete. Deleting removes the document from devices, never the settings it applied
 * ("tattoo", seed 002); abandoning is how to stop enforcement. Every write says whether anything changed and is
 * audited; devices pick changes up at their next session.
 */
import { parseDocument } from '../../protocol/declared/index.ts';
import type { DeclaredDocument, DocumentMeta, StoreTx } from '../../store/index.ts';
import { ApiError, notFound } from '../admin/errors.ts';
import { type DocumentInput, documentFromInput, hostFor, newDocumentId, storedForm } from './document-input.ts';

export interface DocumentWrite {
  document: DeclaredDocument;
  meta: DocumentMeta;
  changed: boolean;
}

export interface Labels {
  name?: string | null | undefined;
  description?: string | null | undefined;
}

function labels(l: Labels): { name?: string | null; description?: string | null } {
  const out: { name?: string | null; description?: string | null } = {};
  if (l.name !== undefined) out.name = l.name;
  if (l.description !== undefined) out.description = l.description;
  return out;
}

export async function createDocument(
  store: StoreTx,
  input: DocumentInput & Labels,
  actor: string,
): Promise<DocumentWrite> {
  const id = newDocumentId();
  const doc = documentFromInput(input, id);
  const form = storedForm(doc);
  return store.transaction(async (tx) => {
    const put = await tx.documents.put({
      id,
      checksum: form.checksum,
      scenario: doc.scenario,
      scope: doc.context === 'User' ? 'user' : 'device',
      body: form.body,
    });
    const meta = await tx.declared.documents.putMeta(id, { ...labels(input), abandoned: false });
    await tx.audit.append({ actor, action: 'document.create', target: id, details: { checksum: form.checksum } });
    return { document: put.value, meta: meta.value, changed: true };
  });
}

/**
 * A new revision keeps the id. Unchanged content keeps the checksum too (a touched one included), so re-sending
 * the same definition is a no-op rather than a fleet-wide re-apply.
 */
export async function updateDocument(
  store: StoreTx,
  id: string,
  input: DocumentInput & Labels,
  actor: string,
): Promise<DocumentWrite> {
  return store.transaction(async (tx) => {
    const existing = await tx.documents.get(id);
    if (!existing) throw notFound(`document ${id}`);
    const doc = documentFromInput(input, existing.id);
    const scope = doc.context === 'User' ? 'user' : 'device';
    if (scope !== existing.scope) {
      throw new ApiError('CONFLICT', `document ${id} is in ${existing.scope} scope; a new scope needs a new document`);
    }
    if (hostFor(doc.scenario) !== hostFor(existing.scenario)) {
      throw new ApiError(
        'CONFLICT',
        `document ${id} is ${hostFor(existing.scenario) === 'Inventory' ? 'an inventory' : 'a configuration'}; the other kind needs a new document`,
      );
    }
    const form = storedForm(doc);
    const same = storedForm(parseDocument(existing.body)).contentChecksum === form.contentChecksum;
    let document = existing;
    let changed = false;
    if (!same) {
      const put = await tx.documents.put({
        id,
        checksum: form.checksum,
        scenario: doc.scenario,
        scope,
        body: form.body,
      });
      document = put.value;
      changed = put.changed;
    }
    const meta = await tx.declared.documents.putMeta(id, labels(input));
    changed ||= meta.changed;
    if (changed) {
      await tx.audit.append({
        actor,
        action: 'document.update',
        target: id,
        details: { checksum: document.checksum, revision: document.revision, content: !same },
      });
    }
    return { document, meta: meta.value, changed };
  });
}

/** Forces every device to re-apply: a new checksum (devices compare checksums only) for the same content. */
export async function touchDocument(store: StoreTx, id: string, actor: string): Promise<DocumentWrite> {
  return store.transaction(async (tx) => {
    const existing = await tx.documents.get(id);
    if (!existing) throw notFound(`document ${id}`);
    const form = storedForm(parseDocument(existing.body), existing.revision + 1);
    const { checksum } = form;
    const put = await tx.documents.put({ ...existing, checksum, body: form.body });
    const meta =
      (await tx.declared.documents.getMeta([id])).get(id) ?? (await tx.declared.documents.putMeta(id, {})).value;
    await tx.audit.append({ actor, action: 'document.touch', target: id, details: { checksum } });
    return { document: put.value, meta, changed: true };
  });
}

export async function setAbandoned(
  store: StoreTx,
  id: string,
  abandoned: boolean,
  actor: string,
): Promise<DocumentWrite> {
  return store.transaction(async (tx) => {
    const existing = await tx.documents.get(id);
    if (!existing) throw notFound(`document ${id}`);
    if (abandoned && hostFor(existing.scenario) !== 'Complete') {
      throw new ApiError(
        'DOCUMENT_NOT_ABANDONABLE',
        `${existing.scenario} is an inventory: Properties/Abandoned exists under Host/Complete only; unassign or delete it`,
      );
    }
    const meta = await tx.declared.documents.putMeta(id, { abandoned });
    if (meta.changed) {
      await tx.audit.append({ actor, action: abandoned ? 'document.abandon' : 'document.unabandon', target: id });
    }
    return { document: existing, meta: meta.value, changed: meta.changed };
  });
}

/**
 * Deletes the document: devices that hold it get a Delete at their next session and keep its settings. The
 * tombstone keeps what those Deletes need (scope, host) and lets status views explain what happened.
 */
export async function deleteDocument(
  store: StoreTx,
  id: string,
  actor: string,
  now: number,
): Promise<{ changed: boolean }> {
  return store.transaction(async (tx) => {
    const existing = await tx.documents.get(id);
    if (!existing) return { changed: false };
    await tx.declared.documents.putTombstone({
      documentId: existing.id,
      scope: existing.scope,
      scenario: existing.scenario,
      checksum: existing.checksum,
      deletedAt: now,
    });
    await tx.documents.delete(existing.id);
    await tx.audit.append({ actor, action: 'document.delete', target: id, details: { checksum: existing.checksum } });
    return { changed: true };
  });
}
