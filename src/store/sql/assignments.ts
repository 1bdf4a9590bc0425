import type { ExpressionBuilder, QueryCreator, Selectable } from 'kysely';
import type { AssignmentStore, AssignmentTarget, NamedCollection, Reach } from '../assignments.ts';
import type { DocumentSummary, PutResult } from '../documents.ts';
import { type Page, pageLimit } from '../types.ts';
import { affected, type Ctx, chunks, translate } from './context.ts';
import { SUMMARY_COLUMNS, toSummary } from './documents.ts';
import type { NamedTable, Schema } from './schema.ts';

const toCollection = (r: Selectable<NamedTable>): NamedCollection => ({
  name: r.name,
  description: r.description,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

type CollectionTable = 'doc_sets' | 'device_groups';

/** `doc_sets.name in (…sets reaching the device…)`: directly assigned, or assigned to one of its groups. */
export function setReachesDevice(eb: ExpressionBuilder<Schema, 'doc_sets'>, devicePk: number) {
  return eb.or([
    eb(
      'doc_sets.name',
      'in',
      eb.selectFrom('device_set_assignments').select('set_name').where('device_pk', '=', devicePk),
    ),
    eb(
      'doc_sets.name',
      'in',
      eb
        .selectFrom('group_set_assignments as g')
        .innerJoin('device_group_members as m', 'm.group_name', 'g.group_name')
        .select('g.set_name')
        .where('m.device_pk', '=', devicePk),
    ),
  ]);
}

/** `… in (…)` the ids of the documents in every set reaching the device. */
export function documentsReachingDevice(db: QueryCreator<Schema>, devicePk: number) {
  return db
    .selectFrom('doc_set_members')
    .select('document_id')
    .where('set_name', 'in', (eb2) =>
      eb2
        .selectFrom('doc_sets')
        .select('name')
        .where((eb3) => setReachesDevice(eb3, devicePk)),
    );
}

export class SqlAssignments implements AssignmentStore {
  constructor(private readonly ctx: Ctx) {}

  async #put(
    table: CollectionTable,
    name: string,
    description: string | null | undefined,
  ): Promise<PutResult<NamedCollection>> {
    const now = this.ctx.now();
    const written = await this.ctx.db
      .insertInto(table)
      .values({ name, description: description ?? null, created_at: now, updated_at: now })
      .onConflict((oc) =>
        // Leaving the description out means "do not change it", not "clear it".
        description === undefined
          ? oc.column('name').doNothing()
          : oc
              .column('name')
              .doUpdateSet({ description, updated_at: now })
              .where(`${table}.description`, 'is distinct from', description),
      )
      .returningAll()
      .executeTakeFirst();
    if (written) return { value: toCollection(written), changed: true };
    const row = await this.ctx.db.selectFrom(table).selectAll().where('name', '=', name).executeTakeFirstOrThrow();
    return { value: toCollection(row), changed: false };
  }

  async #list(table: CollectionTable, page?: Page<string>): Promise<NamedCollection[]> {
    const rows = await this.ctx.db
      .selectFrom(table)
      .selectAll()
      .$if(page?.after !== undefined, (q) => q.where('name', '>', page!.after!))
      .orderBy('name')
      .limit(pageLimit(page))
      .execute();
    return rows.map(toCollection);
  }

  async #delete(table: CollectionTable, name: string): Promise<boolean> {
    return affected(await this.ctx.db.deleteFrom(table).where('name', '=', name).executeTakeFirst()) > 0;
  }

  putSet(name: string, description?: string | null | undefined) {
    return this.#put('doc_sets', name, description);
  }
  deleteSet(name: string) {
    return this.#delete('doc_sets', name);
  }
  listSets(page?: Page<string>) {
    return this.#list('doc_sets', page);
  }
  putGroup(name: string, description?: string | null | undefined) {
    return this.#put('device_groups', name, description);
  }
  deleteGroup(name: string) {
    return this.#delete('device_groups', name);
  }
  listGroups(page?: Page<string>) {
    return this.#list('device_groups', page);
  }

  async addToSet(setName: string, documentIds: readonly string[]): Promise<number> {
    let added = 0;
    try {
      for (const part of chunks([...new Set(documentIds)], 2)) {
        const r = await this.ctx.db
          .insertInto('doc_set_members')
          .values(part.map((document_id) => ({ set_name: setName, document_id })))
          .onConflict((oc) => oc.doNothing())
          .executeTakeFirst();
        added += Number(r.numInsertedOrUpdatedRows ?? 0n);
      }
    } catch (err) {
      translate(err, `set ${setName}`);
    }
    return added;
  }

  async removeFromSet(setName: string, documentIds: readonly string[]): Promise<number> {
    if (documentIds.length === 0) return 0;
    const r = await this.ctx.db
      .deleteFrom('doc_set_members')
      .where('set_name', '=', setName)
      .where('document_id', 'in', documentIds)
      .executeTakeFirst();
    return affected(r);
  }

  async setDocuments(setName: string): Promise<string[]> {
    const rows = await this.ctx.db
      .selectFrom('doc_set_members')
      .select('document_id')
      .where('set_name', '=', setName)
      .orderBy('document_id')
      .execute();
    return rows.map((r) => r.document_id);
  }

  async documentSets(documentId: string): Promise<string[]> {
    const rows = await this.ctx.db
      .selectFrom('doc_set_members')
      .select('set_name')
      .where('document_id', '=', documentId)
      .orderBy('set_name')
      .execute();
    return rows.map((r) => r.set_name);
  }

  async addToGroup(groupName: string, devicePks: readonly number[]): Promise<number> {
    let added = 0;
    try {
      for (const part of chunks([...new Set(devicePks)], 2)) {
        const r = await this.ctx.db
          .insertInto('device_group_members')
          .values(part.map((device_pk) => ({ group_name: groupName, device_pk })))
          .onConflict((oc) => oc.doNothing())
          .executeTakeFirst();
        added += Number(r.numInsertedOrUpdatedRows ?? 0n);
      }
    } catch (err) {
      translate(err, `group ${groupName}`);
    }
    return added;
  }

  async removeFromGroup(groupName: string, devicePks: readonly number[]): Promise<number> {
    if (devicePks.length === 0) return 0;
    const r = await this.ctx.db
      .deleteFrom('device_group_members')
      .where('group_name', '=', groupName)
      .where('device_pk', 'in', devicePks)
      .executeTakeFirst();
    return affected(r);
  }

  async groupMembers(groupName: string, page?: Page): Promise<number[]> {
    const rows = await this.ctx.db
      .selectFrom('device_group_members')
      .select('device_pk')
      .where('group_name', '=', groupName)
      .$if(page?.after !== undefined, (q) => q.where('device_pk', '>', page!.after!))
      .orderBy('device_pk')
      .limit(pageLimit(page))
      .execute();
    return rows.map((r) => r.device_pk);
  }

  async deviceGroups(devicePk: number): Promise<string[]> {
    const rows = await this.ctx.db
      .selectFrom('device_group_members')
      .select('group_name')
      .where('device_pk', '=', devicePk)
      .orderBy('group_name')
      .execute();
    return rows.map((r) => r.group_name);
  }

  async assign(setName: string, target: AssignmentTarget): Promise<boolean> {
    try {
      const r =
        'devicePk' in target
          ? await this.ctx.db
              .insertInto('device_set_assignments')
              .values({ device_pk: target.devicePk, set_name: setName })
              .onConflict((oc) => oc.doNothing())
              .executeTakeFirst()
          : await this.ctx.db
              .insertInto('group_set_assignments')
              .values({ group_name: target.group, set_name: setName })
              .onConflict((oc) => oc.doNothing())
              .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
    } catch (err) {
      translate(err, `assignment of set ${setName}`);
    }
  }

  async unassign(setName: string, target: AssignmentTarget): Promise<boolean> {
    const r =
      'devicePk' in target
        ? await this.ctx.db
            .deleteFrom('device_set_assignments')
            .where('device_pk', '=', target.devicePk)
            .where('set_name', '=', setName)
            .executeTakeFirst()
        : await this.ctx.db
            .deleteFrom('group_set_assignments')
            .where('group_name', '=', target.group)
            .where('set_name', '=', setName)
            .executeTakeFirst();
    return affected(r) > 0;
  }

  async setsForDevice(devicePk: number): Promise<string[]> {
    const rows = await this.ctx.db
      .selectFrom('doc_sets')
      .select('name')
      .where((eb) => setReachesDevice(eb, devicePk))
      .orderBy('name')
      .execute();
    return rows.map((r) => r.name);
  }

  async assignmentsOfSet(setName: string): Promise<{ devicePks: number[]; groups: string[] }> {
    const [devices, groups] = await Promise.all([
      this.ctx.db
        .selectFrom('device_set_assignments')
        .select('device_pk')
        .where('set_name', '=', setName)
        .orderBy('device_pk')
        .execute(),
      this.ctx.db
        .selectFrom('group_set_assignments')
        .select('group_name')
        .where('set_name', '=', setName)
        .orderBy('group_name')
        .execute(),
    ]);
    return { devicePks: devices.map((d) => d.device_pk), groups: groups.map((g) => g.group_name) };
  }

  async desiredDocuments(devicePk: number): Promise<DocumentSummary[]> {
    const rows = await this.ctx.db
      .selectFrom('declared_documents')
      .select(SUMMARY_COLUMNS)
      .where('id', 'in', documentsReachingDevice(this.ctx.db, devicePk))
      .orderBy('id')
      .execute();
    return rows.map(toSummary);
  }

  async devicesReaching(reach: Reach): Promise<number[]> {
    const docs = reach.documentIds ?? [];
    const sets = reach.setNames ?? [];
    const groups = reach.groupNames ?? [];
    if (docs.length + sets.length + groups.length === 0) return [];
    const rows = await this.ctx.db
      .selectFrom('devices')
      .select('id')
      .where((eb) => {
        // A set qualifies if it is named, or if it holds a named document.
        const qualifying = eb
          .selectFrom('doc_sets')
          .select('doc_sets.name')
          .where((e) =>
            e.or([
              ...(sets.length ? [e('doc_sets.name', 'in', sets)] : []),
              ...(docs.length
                ? [
                    e(
                      'doc_sets.name',
                      'in',
                      e.selectFrom('doc_set_members').select('set_name').where('document_id', 'in', docs),
                    ),
                  ]
                : []),
            ]),
          );
        return eb.or([
          ...(sets.length || docs.length
            ? [
                eb(
                  'devices.id',
                  'in',
                  eb.selectFrom('device_set_assignments').select('device_pk').where('set_name', 'in', qualifying),
                ),
                eb(
                  'devices.id',
                  'in',
                  eb
                    .selectFrom('device_group_members as m')
                    .innerJoin('group_set_assignments as g', 'g.group_name', 'm.group_name')
                    .select('m.device_pk')
                    .where('g.set_name', 'in', qualifying),
                ),
              ]
            : []),
          ...(groups.length
            ? [
                eb(
                  'devices.id',
                  'in',
                  eb.selectFrom('device_group_members').select('device_pk').where('group_name', 'in', groups),
                ),
              ]
            : []),
        ]);
      })
      .orderBy('id')
      .execute();
    return rows.map((r) => r.id);
  }
}
