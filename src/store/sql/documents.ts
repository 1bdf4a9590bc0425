import type { Kysely, Selectable } from 'kysely';
import type { DeclaredDocument, DocumentStore, DocumentSummary, PutDocumentInput, PutResult } from '../documents.ts';
import { StoreError } from '../errors.ts';
import { type Page, pageLimit } from '../types.ts';
import { affected, atomic, type Ctx } from './context.ts';
import type { DeclaredDocumentsTable, Schema } from './schema.ts';

export const SUMMARY_COLUMNS = ['id', 'checksum', 'revision', 'scenario', 'scope', 'created_at', 'updated_at'] as const;

export const toSummary = (r: Omit<Selectable<DeclaredDocumentsTable>, 'body'>): DocumentSummary => ({
  id: r.id,
  checksum: r.checksum,
  revision: r.revision,
  scenario: r.scenario,
  scope: r.scope,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toDocument = (r: Selectable<DeclaredDocumentsTable>): DeclaredDocument => ({ ...toSummary(r), body: r.body });

export class SqlDocuments implements DocumentStore {
  constructor(private readonly ctx: Ctx) {}

  #lock(db: Kysely<Schema>, id: string) {
    return db
      .selectFrom('declared_documents')
      .selectAll()
      .where('id', '=', id)
      .$if(this.ctx.backend === 'postgres', (q) => q.forUpdate())
      .executeTakeFirst();
  }

  async put(input: PutDocumentInput): Promise<PutResult<DeclaredDocument>> {
    if (input.scope !== 'device' && input.scope !== 'user') {
      throw new StoreError('INVALID', `document scope must be 'device' or 'user', got '${input.scope}'`);
    }
    return atomic(this.ctx, async (db) => {
      const now = this.ctx.now();
      let existing = await this.#lock(db, input.id);
      if (!existing) {
        const created = await db
          .insertInto('declared_documents')
          .values({ ...input, revision: 1, created_at: now, updated_at: now })
          .onConflict((oc) => oc.column('id').doNothing())
          .returningAll()
          .executeTakeFirst();
        if (created) return { value: toDocument(created), changed: true };
        // Another process created it between our read and insert; compare against theirs.
        existing = (await this.#lock(db, input.id))!;
      }
      const same =
        existing.checksum === input.checksum &&
        existing.scenario === input.scenario &&
        existing.scope === input.scope &&
        existing.body === input.body;
      if (same) return { value: toDocument(existing), changed: false };
      const updated = await db
        .updateTable('declared_documents')
        .set({
          checksum: input.checksum,
          scenario: input.scenario,
          scope: input.scope,
          body: input.body,
          revision: existing.revision + 1,
          updated_at: now,
        })
        .where('id', '=', input.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { value: toDocument(updated), changed: true };
    });
  }

  async get(id: string): Promise<DeclaredDocument | undefined> {
    const row = await this.ctx.db.selectFrom('declared_documents').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toDocument(row);
  }

  async list(page?: Page<string>): Promise<DocumentSummary[]> {
    const rows = await this.ctx.db
      .selectFrom('declared_documents')
      .select(SUMMARY_COLUMNS)
      .$if(page?.after !== undefined, (q) => q.where('id', '>', page!.after!))
      .orderBy('id')
      .limit(pageLimit(page))
      .execute();
    return rows.map(toSummary);
  }

  async touch(id: string, checksum: string): Promise<DeclaredDocument | undefined> {
    const row = await this.ctx.db
      .updateTable('declared_documents')
      .set((eb) => ({ checksum, revision: eb('revision', '+', 1), updated_at: this.ctx.now() }))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toDocument(row);
  }

  async delete(id: string): Promise<boolean> {
    return affected(await this.ctx.db.deleteFrom('declared_documents').where('id', '=', id).executeTakeFirst()) > 0;
  }
}
