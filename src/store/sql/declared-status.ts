import { type Selectable, sql } from 'kysely';
import {
  type AppliedSetting,
  type AppliedSettingsStore,
  type DeclaredStatusStore,
  emptyCounts,
  type LinkRow,
  type LinkStore,
  type StatusCounts,
  type StatusFilter,
  type StatusRow,
} from '../declared.ts';
import { type Page, pageLimit } from '../types.ts';
import { type Ctx, chunks } from './context.ts';
import { putStatus, toStatusRow } from './declared-hot.ts';
import { type DeclaredLinksTable, type DeclaredSettingsAppliedTable, declaredDb } from './declared-schema.ts';
import { prebuilt, run } from './prebuilt.ts';

/**
 * `reach r join enrollments e … where …`: the active WinDC enrollments of devices the documents reach (through
 * sets assigned to the device or to its groups, each pair once) that have no status row for the document yet.
 * Callers add to the where clause, group or order.
 */
function unreported(documentIds: readonly string[]) {
  const ids = sql.join(documentIds);
  return sql`(
      select m.document_id, a.device_pk from doc_set_members m
        join device_set_assignments a on a.set_name = m.set_name
        where m.document_id in (${ids})
      union
      select m.document_id, gm.device_pk from doc_set_members m
        join group_set_assignments g on g.set_name = m.set_name
        join device_group_members gm on gm.group_name = g.group_name
        where m.document_id in (${ids})
    ) r
    join enrollments e on e.device_pk = r.device_pk and e.kind = 'linked' and e.status = 'active'
    where not exists (
      select 1 from declared_status s where s.enrollment_id = e.id and s.document_id = r.document_id
    )`;
}

export class SqlDeclaredStatus implements DeclaredStatusStore {
  constructor(private readonly ctx: Ctx) {}

  async list(enrollmentId: number): Promise<StatusRow[]> {
    const rows = await declaredDb(this.ctx.db)
      .selectFrom('declared_status')
      .selectAll()
      .where('enrollment_id', '=', enrollmentId)
      .orderBy('document_id')
      .execute();
    return rows.map(toStatusRow);
  }

  put(rows: readonly StatusRow[]): Promise<void> {
    return putStatus(this.ctx, rows);
  }

  #active() {
    return declaredDb(this.ctx.db)
      .selectFrom('declared_status as s')
      .innerJoin('enrollments as e', 'e.id', 's.enrollment_id')
      .where('e.status', '=', 'active');
  }

  async listForDocument(documentId: string, filter?: StatusFilter): Promise<StatusRow[]> {
    const rows = await this.#active()
      .selectAll('s')
      .where('s.document_id', '=', documentId)
      .$if(filter?.status !== undefined, (q) => q.where('s.status', '=', filter!.status!))
      .$if(filter?.after !== undefined, (q) => q.where('s.enrollment_id', '>', filter!.after!))
      .orderBy('s.enrollment_id')
      .limit(pageLimit(filter))
      .execute();
    return rows.map(toStatusRow);
  }

  async countsForDocument(documentId: string): Promise<StatusCounts> {
    const rows = await this.#active()
      .select(['s.status', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('s.document_id', '=', documentId)
      .groupBy('s.status')
      .execute();
    const counts = emptyCounts();
    for (const r of rows) counts[r.status] = Number(r.n);
    return counts;
  }

  async countsByDocument(): Promise<Map<string, StatusCounts>> {
    const rows = await this.#active()
      .select(['s.document_id', 's.status', (eb) => eb.fn.countAll<number | string>().as('n')])
      .groupBy(['s.document_id', 's.status'])
      .execute();
    const out = new Map<string, StatusCounts>();
    for (const r of rows) {
      let c = out.get(r.document_id);
      if (!c) out.set(r.document_id, (c = emptyCounts()));
      c[r.status] = Number(r.n);
    }
    return out;
  }

  async unreportedByDocument(documentIds: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    // Each id appears twice in the statement.
    for (const ids of chunks(documentIds, 2)) {
      const { rows } = await sql<{ document_id: string; n: number | string }>`
        select r.document_id, count(*) as n from ${unreported(ids)} group by r.document_id`.execute(this.ctx.db);
      for (const r of rows) out.set(r.document_id, Number(r.n));
    }
    return out;
  }

  async unreportedForDocument(documentId: string, page?: Page): Promise<number[]> {
    const { rows } = await sql<{ id: number | string }>`
      select e.id from ${unreported([documentId])}
      ${page?.after === undefined ? sql`` : sql`and e.id > ${page.after}`}
      order by e.id limit ${pageLimit(page)}`.execute(this.ctx.db);
    return rows.map((r) => Number(r.id));
  }
}

const toSetting = (r: Selectable<DeclaredSettingsAppliedTable>): AppliedSetting => ({
  enrollmentId: r.enrollment_id,
  locUri: r.loc_uri,
  value: r.value,
  state: r.state,
  code: r.code,
  commandUuid: r.command_uuid,
  updatedAt: r.updated_at,
});

export class SqlAppliedSettings implements AppliedSettingsStore {
  constructor(private readonly ctx: Ctx) {}

  /** Read at the first message of every WinDC session, so prebuilt (see prebuilt.ts). */
  async list(enrollmentId: number): Promise<AppliedSetting[]> {
    const text = prebuilt(
      this.ctx.backend,
      'declared:settings-applied',
      (p) =>
        `select enrollment_id, loc_uri, value, state, code, command_uuid, updated_at from declared_settings_applied
         where enrollment_id = ${p()} order by loc_uri`,
    );
    const rows = await run<Selectable<DeclaredSettingsAppliedTable>>(this.ctx.db, text, [enrollmentId]);
    return rows.rows.map((r) => ({
      ...toSetting(r),
      enrollmentId: Number(r.enrollment_id),
      updatedAt: Number(r.updated_at),
    }));
  }

  async put(rows: readonly AppliedSetting[]): Promise<void> {
    const db = declaredDb(this.ctx.db);
    for (const part of chunks(rows, 7)) {
      await db
        .insertInto('declared_settings_applied')
        .values(
          part.map((s) => ({
            enrollment_id: s.enrollmentId,
            loc_uri: s.locUri,
            value: s.value,
            state: s.state,
            code: s.code,
            command_uuid: s.commandUuid,
            updated_at: s.updatedAt,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['enrollment_id', 'loc_uri']).doUpdateSet((eb) => ({
            value: eb.ref('excluded.value'),
            state: eb.ref('excluded.state'),
            code: eb.ref('excluded.code'),
            command_uuid: eb.ref('excluded.command_uuid'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    }
  }

  async byCommand(enrollmentId: number, commandUuid: string): Promise<AppliedSetting[]> {
    const rows = await declaredDb(this.ctx.db)
      .selectFrom('declared_settings_applied')
      .selectAll()
      .where('enrollment_id', '=', enrollmentId)
      .where('command_uuid', '=', commandUuid)
      .orderBy('loc_uri')
      .execute();
    return rows.map(toSetting);
  }
}

const toLink = (r: Selectable<DeclaredLinksTable>): LinkRow => ({
  enrollmentId: r.enrollment_id,
  state: r.state,
  discoveryEndpoint: r.discovery_endpoint,
  enrollStatus: r.enroll_status,
  lastError: r.last_error,
  polls: r.polls,
  commandUuid: r.command_uuid,
  detail: r.detail,
  requestedAt: r.requested_at,
  updatedAt: r.updated_at,
});

export class SqlLinks implements LinkStore {
  constructor(private readonly ctx: Ctx) {}

  async get(enrollmentId: number): Promise<LinkRow | undefined> {
    const row = await declaredDb(this.ctx.db)
      .selectFrom('declared_links')
      .selectAll()
      .where('enrollment_id', '=', enrollmentId)
      .executeTakeFirst();
    return row && toLink(row);
  }

  async put(l: LinkRow): Promise<void> {
    const values = {
      enrollment_id: l.enrollmentId,
      state: l.state,
      discovery_endpoint: l.discoveryEndpoint,
      enroll_status: l.enrollStatus,
      last_error: l.lastError,
      polls: l.polls,
      command_uuid: l.commandUuid,
      detail: l.detail,
      requested_at: l.requestedAt,
      updated_at: l.updatedAt,
    };
    const { enrollment_id: _, ...update } = values;
    await declaredDb(this.ctx.db)
      .insertInto('declared_links')
      .values(values)
      .onConflict((oc) => oc.column('enrollment_id').doUpdateSet(update))
      .execute();
  }

  async list(page?: Page): Promise<LinkRow[]> {
    const rows = await declaredDb(this.ctx.db)
      .selectFrom('declared_links')
      .selectAll()
      .$if(page?.after !== undefined, (q) => q.where('enrollment_id', '>', page!.after!))
      .orderBy('enrollment_id')
      .limit(pageLimit(page))
      .execute();
    return rows.map(toLink);
  }
}
