import { type Kysely, sql } from 'kysely';
import type { Backend } from '../../store.ts';

/**
 * Lets a device's poll skip the reconciler when nothing it reads has changed since its last run.
 *
 * `declared_generation` is one counter, moved by every write to what decides any device's desired state
 * (documents, sets, group-wide assignments and settings, rules, server settings). `declared_quiet` holds, per
 * enrollment, the generation its last complete reconciler run saw; a write that concerns one device only (its
 * sets, its groups, its link) deletes that device's rows instead of moving the counter for everyone. Triggers
 * do both, so no code path that writes those tables, today's or a later one, can forget to, and the change
 * commits or rolls back with the write that caused it.
 */
const GLOBAL = [
  'declared_documents',
  'declared_document_meta',
  'declared_tombstones',
  'doc_set_members',
  'group_set_assignments',
  'device_group_rules',
  'device_group_settings',
  'server_settings',
] as const;
/** Tables keyed by device: a change there concerns that device's enrollments only. */
const PER_DEVICE = ['device_set_assignments', 'device_group_members', 'device_group_rule_marks'] as const;

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now.
export async function up(db: Kysely<any>, backend: Backend): Promise<void> {
  await db.schema
    .createTable('declared_generation')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('value', 'bigint', (c) => c.notNull())
    .addCheckConstraint('declared_generation_one_row', sql`id = 1`)
    .execute();
  await sql`insert into declared_generation (id, value) values (1, 1)`.execute(db);
  await db.schema
    .createTable('declared_quiet')
    .addColumn('enrollment_id', 'bigint', (c) => c.primaryKey().references('enrollments.id').onDelete('cascade'))
    .addColumn('generation', 'bigint', (c) => c.notNull())
    .execute();

  const unquietDevice = (ref: 'new' | 'old') =>
    `delete from declared_quiet where enrollment_id in (select id from enrollments where device_pk = ${ref}.device_pk)`;
  const unquietLink = (ref: 'new' | 'old') => `delete from declared_quiet where enrollment_id = ${ref}.enrollment_id`;

  if (backend === 'sqlite') {
    const trigger = (table: string, op: 'insert' | 'update' | 'delete', body: string) =>
      sql.raw(`create trigger ${table}_quiet_${op} after ${op} on ${table} begin ${body}; end`).execute(db);
    for (const t of GLOBAL) {
      for (const op of ['insert', 'update', 'delete'] as const) {
        await trigger(t, op, 'update declared_generation set value = value + 1 where id = 1');
      }
    }
    for (const t of PER_DEVICE) {
      await trigger(t, 'insert', unquietDevice('new'));
      await trigger(t, 'update', `${unquietDevice('old')}; ${unquietDevice('new')}`);
      await trigger(t, 'delete', unquietDevice('old'));
    }
    await trigger('declared_links', 'insert', unquietLink('new'));
    await trigger('declared_links', 'update', `${unquietLink('old')}; ${unquietLink('new')}`);
    await trigger('declared_links', 'delete', unquietLink('old'));
    return;
  }

  // PostgreSQL: the functions keep the search_path they were created under, so a server (or a test) working in
  // its own schema finds its own tables from inside them.
  await sql
    .raw(`create function windc_declared_bump() returns trigger language plpgsql set search_path from current as $$
      begin update declared_generation set value = value + 1 where id = 1; return null; end $$`)
    .execute(db);
  const rowFunction = (name: string, body: (ref: 'new' | 'old') => string) =>
    sql
      .raw(`create function ${name}() returns trigger language plpgsql set search_path from current as $$
        begin
          if tg_op <> 'INSERT' then ${body('old')}; end if;
          if tg_op <> 'DELETE' then ${body('new')}; end if;
          return null;
        end $$`)
      .execute(db);
  await rowFunction('windc_declared_unquiet_device', unquietDevice);
  await rowFunction('windc_declared_unquiet_link', unquietLink);
  for (const t of GLOBAL) {
    await sql
      .raw(`create trigger ${t}_quiet after insert or update or delete on ${t}
            for each statement execute function windc_declared_bump()`)
      .execute(db);
  }
  for (const t of PER_DEVICE) {
    await sql
      .raw(`create trigger ${t}_quiet after insert or update or delete on ${t}
            for each row execute function windc_declared_unquiet_device()`)
      .execute(db);
  }
  await sql
    .raw(`create trigger declared_links_quiet after insert or update or delete on declared_links
          for each row execute function windc_declared_unquiet_link()`)
    .execute(db);
}
