import { type CreateTableBuilder, type Kysely, sql } from 'kysely';
import type { Backend } from '../../store.ts';

/**
 * The first schema. Portable DDL except the identity column: PostgreSQL gets `bigint generated always as
 * identity`, SQLite `integer primary key autoincrement`, which (unlike a bare rowid) never hands out an id
 * twice. Queue ordering and delivery records rely on ids never being reused.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now.
export async function up(db: Kysely<any>, backend: Backend): Promise<void> {
  // biome-ignore lint/suspicious/noExplicitAny: see above.
  const withId = <T extends CreateTableBuilder<any, any>>(t: T) =>
    backend === 'postgres'
      ? t.addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
      : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  const time = 'bigint';

  await withId(db.schema.createTable('devices'))
    .addColumn('device_id', 'text', (c) => c.notNull().unique())
    .addColumn('hw_dev_id', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  // HWDevID is not unique (cloned images, reinstalls); it is only a search key.
  await db.schema.createIndex('devices_hw_dev_id').on('devices').column('hw_dev_id').execute();

  await withId(db.schema.createTable('enrollments'))
    .addColumn('device_pk', 'bigint', (c) => c.notNull().references('devices.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('parent_enrollment_id', 'bigint', (c) => c.references('enrollments.id').onDelete('set null'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('dev_info', 'text')
    .addColumn('context', 'text')
    .addColumn('enrolled_at', time, (c) => c.notNull())
    .addColumn('last_seen_at', time)
    .addColumn('last_report_at', time)
    .addColumn('report_digest', 'text')
    .addColumn('ended_at', time)
    .addCheckConstraint('enrollments_kind', sql`kind in ('primary', 'linked')`)
    .addCheckConstraint('enrollments_status', sql`status in ('active', 'unenrolled', 'replaced')`)
    .execute();
  // At most one live enrollment of each kind per device: re-enrolling replaces the old one in the same
  // transaction, so a device can never be served twice under two identities.
  await db.schema
    .createIndex('enrollments_one_active')
    .on('enrollments')
    .columns(['device_pk', 'kind'])
    .unique()
    .where(sql.ref('status'), '=', sql.lit('active'))
    .execute();
  await db.schema.createIndex('enrollments_parent').on('enrollments').column('parent_enrollment_id').execute();

  await db.schema
    .createTable('certificates')
    .addColumn('serial', 'text', (c) => c.primaryKey())
    .addColumn('thumbprint', 'text', (c) => c.notNull().unique())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('not_before', time, (c) => c.notNull())
    .addColumn('not_after', time, (c) => c.notNull())
    .addColumn('enrollment_id', 'bigint', (c) => c.references('enrollments.id').onDelete('set null'))
    .addColumn('issued_at', time, (c) => c.notNull())
    .addColumn('revoked_at', time)
    .addColumn('revocation_reason', 'text')
    .execute();
  await db.schema.createIndex('certificates_enrollment').on('certificates').column('enrollment_id').execute();

  // A reference to the CA, never its key: every process sharing this database must issue from the same CA,
  // and this row is how a second process finds out that its key material does not match.
  await db.schema
    .createTable('authorities')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('certificate_pem', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('key_ref', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('dm_sessions')
    .addColumn('enrollment_id', 'bigint', (c) => c.primaryKey().references('enrollments.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('last_msg_id', 'integer', (c) => c.notNull())
    .addColumn('authenticated', 'integer', (c) => c.notNull())
    .addColumn('nonce', 'text')
    .addColumn('started_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();

  await withId(db.schema.createTable('command_queue'))
    .addColumn('command_uuid', 'text', (c) => c.notNull())
    .addColumn('enrollment_id', 'bigint', (c) => c.notNull().references('enrollments.id').onDelete('cascade'))
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('cmd_span', 'integer', (c) => c.notNull())
    .addColumn('loc_uri', 'text')
    .addColumn('origin', 'text')
    .addColumn('dedupe_key', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'integer')
    .addColumn('item_statuses', 'text')
    .addColumn('results', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('last_delivered_at', time)
    .addColumn('last_session_seq', 'integer')
    .addColumn('finished_at', time)
    .addCheckConstraint('command_queue_state', sql`state in ('queued', 'acked', 'cancelled', 'expired')`)
    .addCheckConstraint('command_queue_span', sql`cmd_span >= 1`)
    .execute();
  // The dequeue path (open rows of one enrollment in sequence order) as an equality prefix rather than a partial
  // index: SQLite's planner, without ANALYZE statistics, does not prefer a partial index over a full one on the
  // same columns, and would walk an enrollment's whole acked history on every dequeue.
  await db.schema
    .createIndex('command_queue_by_enrollment')
    .on('command_queue')
    .columns(['enrollment_id', 'state', 'id'])
    .execute();
  await db.schema
    .createIndex('command_queue_dedupe')
    .on('command_queue')
    .columns(['enrollment_id', 'dedupe_key'])
    .unique()
    .where(sql<boolean>`state = 'queued' and dedupe_key is not null`)
    .execute();
  await db.schema.createIndex('command_queue_uuid').on('command_queue').column('command_uuid').execute();
  await db.schema.createIndex('command_queue_finished').on('command_queue').column('finished_at').execute();

  // One row per (command, session) delivery. The key is exactly what a Status or Results carries back
  // (session, MsgRef, CmdRef), so an ack resolves without any per-process memory.
  await db.schema
    .createTable('command_deliveries')
    .addColumn('enrollment_id', 'bigint', (c) => c.notNull())
    .addColumn('session_seq', 'integer', (c) => c.notNull())
    .addColumn('msg_id', 'integer', (c) => c.notNull())
    .addColumn('cmd_id', 'integer', (c) => c.notNull())
    .addColumn('cmd_span', 'integer', (c) => c.notNull())
    .addColumn('queue_id', 'bigint', (c) => c.notNull().references('command_queue.id').onDelete('cascade'))
    .addColumn('delivered_at', time, (c) => c.notNull())
    .addPrimaryKeyConstraint('command_deliveries_pk', ['enrollment_id', 'session_seq', 'msg_id', 'cmd_id'])
    .execute();
  // The hard guarantee behind "never twice in one session", whatever the callers do.
  await db.schema
    .createIndex('command_deliveries_once')
    .on('command_deliveries')
    .columns(['queue_id', 'session_seq'])
    .unique()
    .execute();

  await db.schema
    .createTable('declared_documents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('checksum', 'text', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('scenario', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .addCheckConstraint('declared_documents_scope', sql`scope in ('device', 'user')`)
    .execute();

  for (const t of ['doc_sets', 'device_groups']) {
    await db.schema
      .createTable(t)
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('description', 'text')
      .addColumn('created_at', time, (c) => c.notNull())
      .addColumn('updated_at', time, (c) => c.notNull())
      .execute();
  }
  await db.schema
    .createTable('doc_set_members')
    .addColumn('set_name', 'text', (c) => c.notNull().references('doc_sets.name').onDelete('cascade'))
    .addColumn('document_id', 'text', (c) => c.notNull().references('declared_documents.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('doc_set_members_pk', ['set_name', 'document_id'])
    .execute();
  await db.schema.createIndex('doc_set_members_document').on('doc_set_members').column('document_id').execute();

  await db.schema
    .createTable('device_group_members')
    .addColumn('group_name', 'text', (c) => c.notNull().references('device_groups.name').onDelete('cascade'))
    .addColumn('device_pk', 'bigint', (c) => c.notNull().references('devices.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('device_group_members_pk', ['group_name', 'device_pk'])
    .execute();
  await db.schema.createIndex('device_group_members_device').on('device_group_members').column('device_pk').execute();

  await db.schema
    .createTable('device_set_assignments')
    .addColumn('device_pk', 'bigint', (c) => c.notNull().references('devices.id').onDelete('cascade'))
    .addColumn('set_name', 'text', (c) => c.notNull().references('doc_sets.name').onDelete('cascade'))
    .addPrimaryKeyConstraint('device_set_assignments_pk', ['device_pk', 'set_name'])
    .execute();
  await db.schema.createIndex('device_set_assignments_set').on('device_set_assignments').column('set_name').execute();

  await db.schema
    .createTable('group_set_assignments')
    .addColumn('group_name', 'text', (c) => c.notNull().references('device_groups.name').onDelete('cascade'))
    .addColumn('set_name', 'text', (c) => c.notNull().references('doc_sets.name').onDelete('cascade'))
    .addPrimaryKeyConstraint('group_set_assignments_pk', ['group_name', 'set_name'])
    .execute();
  await db.schema.createIndex('group_set_assignments_set').on('group_set_assignments').column('set_name').execute();

  // No foreign key to declared_documents on purpose: devices report documents the server has since deleted,
  // or never knew, and those reports are exactly what an operator needs to see.
  await db.schema
    .createTable('reported_documents')
    .addColumn('enrollment_id', 'bigint', (c) => c.notNull().references('enrollments.id').onDelete('cascade'))
    .addColumn('document_id', 'text', (c) => c.notNull())
    .addColumn('scope', 'text')
    .addColumn('checksum', 'text')
    .addColumn('result_checksum', 'text')
    .addColumn('state', 'integer')
    .addColumn('abandoned', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('changed_at', time, (c) => c.notNull())
    .addColumn('result', 'text')
    .addColumn('result_at', time)
    .addColumn('fetched_result_checksum', 'text')
    .addPrimaryKeyConstraint('reported_documents_pk', ['enrollment_id', 'document_id'])
    .execute();
  await db.schema
    .createIndex('reported_documents_document')
    .on('reported_documents')
    .columns(['document_id', 'enrollment_id'])
    .execute();

  await withId(db.schema.createTable('report_transitions'))
    .addColumn('enrollment_id', 'bigint', (c) => c.notNull().references('enrollments.id').onDelete('cascade'))
    .addColumn('document_id', 'text', (c) => c.notNull())
    .addColumn('at', time, (c) => c.notNull())
    .addColumn('from_state', 'integer')
    .addColumn('to_state', 'integer')
    .addColumn('checksum', 'text')
    .addColumn('result_checksum', 'text')
    .execute();
  await db.schema
    .createIndex('report_transitions_by_document')
    .on('report_transitions')
    .columns(['enrollment_id', 'document_id', 'id'])
    .execute();

  await withId(db.schema.createTable('audit_log'))
    .addColumn('at', time, (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('details', 'text')
    .execute();

  await withId(db.schema.createTable('admin_tokens'))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('expires_at', time)
    .addColumn('last_used_at', time)
    .addColumn('revoked_at', time)
    .execute();

  await withId(db.schema.createTable('webhook_deliveries'))
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', time, (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('finished_at', time)
    .addCheckConstraint('webhook_deliveries_state', sql`state in ('pending', 'delivered', 'failed')`)
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_due')
    .on('webhook_deliveries')
    .columns(['state', 'next_attempt_at', 'id'])
    .execute();
}
