import type { Selectable } from 'kysely';
import type { DeclaredDocumentsExtra, DesiredDocument, DocumentMeta, DocumentTombstone } from '../declared.ts';
import type { PutResult } from '../documents.ts';
import { StoreError } from '../errors.ts';
import { documentsReachingDevice } from './assignments.ts';
import { atomic, type Ctx } from './context.ts';
import { type DeclaredDocumentMetaTable, type DeclaredTombstonesTable, declaredDb } from './declared-schema.ts';
import { toSummary } from './documents.ts';

const toMeta = (r: Selectable<DeclaredDocumentMetaTable>): DocumentMeta => ({
  documentId: r.document_id,
  name: r.name,
  description: r.description,
  abandoned: r.abandoned === 1,
  updatedAt: r.updated_at,
});

const toTombstone = (r: Selectable<DeclaredTombstonesTable>): DocumentTombstone => ({
  documentId: r.document_id,
  scope: r.scope,
  scenario: r.scenario,
  checksum: r.checksum,
  deletedAt: r.deleted_at,
});

export class SqlDeclaredDocuments implements DeclaredDocumentsExtra {
  constructor(private readonly ctx: Ctx) {}

  async putMeta(
    documentId: string,
    input: { name?: string | null; description?: string | null; abandoned?: boolean },
  ): Promise<PutResult<DocumentMeta>> {
    return atomic(this.ctx, async (raw) => {
      const db = declaredDb(raw);
      const doc = await db
        .selectFrom('declared_documents')
        .select('id')
        .where('id', '=', documentId)
        .$if(this.ctx.backend === 'postgres', (q) => q.forUpdate())
        .executeTakeFirst();
      if (!doc) throw new StoreError('NOT_FOUND', `document ${documentId} does not exist`);
      const row = await db
        .selectFrom('declared_document_meta')
        .selectAll()
        .where('document_id', '=', documentId)
        .executeTakeFirst();
      const next = {
        document_id: documentId,
        name: input.name === undefined ? (row?.name ?? null) : input.name,
        description: input.description === undefined ? (row?.description ?? null) : input.description,
        abandoned: input.abandoned === undefined ? (row?.abandoned ?? 0) : input.abandoned ? 1 : 0,
        updated_at: this.ctx.now(),
      };
      if (row && row.name === next.name && row.description === next.description && row.abandoned === next.abandoned) {
        return { value: toMeta(row), changed: false };
      }
      const written = await db
        .insertInto('declared_document_meta')
        .values(next)
        .onConflict((oc) =>
          oc.column('document_id').doUpdateSet({
            name: next.name,
            description: next.description,
            abandoned: next.abandoned,
            updated_at: next.updated_at,
          }),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      return { value: toMeta(written), changed: true };
    });
  }

  async getMeta(documentIds: readonly string[]): Promise<Map<string, DocumentMeta>> {
    if (documentIds.length === 0) return new Map();
    const rows = await declaredDb(this.ctx.db)
      .selectFrom('declared_document_meta')
      .selectAll()
      .where('document_id', 'in', documentIds)
      .execute();
    return new Map(rows.map((r) => [r.document_id, toMeta(r)]));
  }

  async putTombstone(t: DocumentTombstone): Promise<void> {
    const values = {
      document_id: t.documentId,
      scope: t.scope,
      scenario: t.scenario,
      checksum: t.checksum,
      deleted_at: t.deletedAt,
    };
    await declaredDb(this.ctx.db)
      .insertInto('declared_tombstones')
      .values(values)
      .onConflict((oc) => oc.column('document_id').doUpdateSet(values))
      .execute();
  }

  async getTombstones(documentIds: readonly string[]): Promise<Map<string, DocumentTombstone>> {
    if (documentIds.length === 0) return new Map();
    const rows = await declaredDb(this.ctx.db)
      .selectFrom('declared_tombstones')
      .selectAll()
      .where('document_id', 'in', documentIds)
      .execute();
    return new Map(rows.map((r) => [r.document_id, toTombstone(r)]));
  }

  async dropTombstone(documentId: string): Promise<void> {
    await declaredDb(this.ctx.db).deleteFrom('declared_tombstones').where('document_id', '=', documentId).execute();
  }

  async desiredForDevice(devicePk: number): Promise<DesiredDocument[]> {
    const rows = await declaredDb(this.ctx.db)
      .selectFrom('declared_documents as d')
      .leftJoin('declared_document_meta as m', 'm.document_id', 'd.id')
      .select([
        'd.id',
        'd.checksum',
        'd.revision',
        'd.scenario',
        'd.scope',
        'd.created_at',
        'd.updated_at',
        'm.abandoned',
      ])
      .where('d.id', 'in', documentsReachingDevice(this.ctx.db, devicePk))
      .orderBy('d.id')
      .execute();
    return rows.map((r) => ({ ...toSummary(r), abandoned: r.abandoned === 1 }));
  }
}
