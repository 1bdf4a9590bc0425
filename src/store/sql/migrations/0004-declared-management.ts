import { type CreateTableBuilder, type Kysely, sql } from 'kysely';
import type { Backend } from '../../store.ts';

/**
 * Declared-configuration management: the admin's facts about documents (name, abandon) and tombstones of deleted
 * ones, the per enrollment × document ledger with its derived status, settings and linking progress per
 * enrollment, rule-based group membership and per-group settings, the event stream, webhook subscriptions and
 * run-time server settings.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now.
export async function up(db: Kysely<any>, backend: Backend): Promise<void> {
  // biome-ignore lint/suspicious/noExplicitAny: see above.
  const withId = <T extends CreateTableBuilder<any, any>>(t: T) =>
    backend === 'postgres'
      ? t.addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
      : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  const time = 'bigint';

  await db.schema
    .createTable('declared_document_meta')
    .addColumn('document_id', 'text', (c) => c.primaryKey().references('declared_documents.id').onDelete('cascade'))
    .addColumn('name', 'text')
    .addColumn('description', 'text')
    .addColumn('abandoned', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();

  // No foreign key: a tombstone outlives its document on purpose.
  await db.schema
    .createTable('declared_tombstones')
    .addColumn('document_id', 'text', (c) => c.primaryKey())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('scenario', 'text', (c) => c.notNull())
    .addColumn('checksum', 'text', (c) => c.notNull())
    .addColumn('deleted_at', time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('declared_status')
    .addColumn('enrollment_id', 'bigint', (c) => c.notNull().references('enrollments.id').onDelete('cascade'))
    .addColumn('document_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('desired_checksum', 'text')
    .addColumn('compliant_checksum', 'text')
    .addColumn('compliant_result_checksum', 'text')
    .addColumn('rejected_checksum', 'text')
    .addColumn('rejected_code', 'integer')
    .addColumn('sent_checksum', 'text')
    .addColumn('sent_command_uuid', 'text')
    .addColumn('sent_at', time)
    .addColumn('since', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .addPrimaryKeyConstraint('declared_status_pk', ['enrollment_id', 'document_id'])
    .addCheckConstraint(
      'declared_status_status',
      sql`status in ('pending', 'delivered', 'compliant', 'error', 'drifted', 'abandoned', 'removed')`,
    )
    .execute();
  // Roll-ups count one document's rows by status.
  await db.schema
    .createIndex('declared_status_by_document')
    .on('declared_status')
    .columns(['document_id', 'status', 'enrollment_id'])
    .execute();

  await db.schema
    .createTable('declared_settings_applied')
    .addColumn('enrollment_id', 'bigint', (c) => c.notNull().references('enrollments.id').onDelete('cascade'))
    .addColumn('loc_uri', 'text', (c) => c.notNull())
    .addColumn('value', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('code', 'integer')
    .addColumn('command_uuid', 'text')
    .addColumn('updated_at', time, (c) => c.notNull())
    .addPrimaryKeyConstraint('declared_settings_applied_pk', ['enrollment_id', 'loc_uri'])
    .addCheckConstraint(
      'declared_settings_applied_state',
      sql`state in ('pending', 'applied', 'unsupported', 'failed')`,
    )
    .execute();

  await db.schema
    .createTable('declared_links')
    .addColumn('enrollment_id', 'bigint', (c) => c.primaryKey().references('enrollments.id').onDelete('cascade'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('discovery_endpoint', 'text')
    .addColumn('enroll_status', 'integer')
    .addColumn('last_error', 'bigint')
    .addColumn('polls', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('command_uuid', 'text')
    .addColumn('detail', 'text')
    .addColumn('requested_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .addCheckConstraint(
      'declared_links_state',
      sql`state in ('requested', 'enrolling', 'linked', 'failed', 'unenroll-requested', 'unenrolling', 'unenrolled')`,
    )
    .execute();

  await db.schema
    .createTable('device_group_rules')
    .addColumn('group_name', 'text', (c) => c.primaryKey().references('device_groups.name').onDelete('cascade'))
    .addColumn('rules', 'text', (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('device_group_rule_marks')
    .addColumn('group_name', 'text', (c) => c.notNull().references('device_groups.name').onDelete('cascade'))
    .addColumn('device_pk', 'bigint', (c) => c.notNull().references('devices.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('device_group_rule_marks_pk', ['group_name', 'device_pk'])
    .execute();
  await db.schema
    .createIndex('device_group_rule_marks_device')
    .on('device_group_rule_marks')
    .column('device_pk')
    .execute();

  await db.schema
    .createTable('device_group_settings')
    .addColumn('group_name', 'text', (c) => c.primaryKey().references('device_groups.name').onDelete('cascade'))
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('precedence', 'integer', (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();

  await withId(db.schema.createTable('declared_events'))
    .addColumn('at', time, (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('declared_events_at').on('declared_events').column('at').execute();

  await withId(db.schema.createTable('webhook_subscriptions'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('server_settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
}
