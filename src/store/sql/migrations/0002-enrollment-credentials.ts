import { type CreateTableBuilder, type Kysely, sql } from 'kysely';
import type { Backend } from '../../store.ts';

/**
 * What enrollment leaves behind besides the enrollment and its certificate: the admin's OnPremise enrollment
 * secrets (hashes only) and each enrollment's OMA-DM application credentials, which the management endpoint
 * verifies the device's SyncHdr Cred against.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now.
export async function up(db: Kysely<any>, backend: Backend): Promise<void> {
  // biome-ignore lint/suspicious/noExplicitAny: see above.
  const withId = <T extends CreateTableBuilder<any, any>>(t: T) =>
    backend === 'postgres'
      ? t.addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
      : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  const time = 'bigint';

  await withId(db.schema.createTable('enrollment_secrets'))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('expires_at', time)
    .addColumn('revoked_at', time)
    .addColumn('last_used_at', time)
    .addColumn('use_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();

  // One row per enrollment: a re-enrollment is a new enrollment with its own credentials, and the row goes
  // with the enrollment when a device is deleted.
  await db.schema
    .createTable('device_credentials')
    .addColumn('enrollment_id', 'bigint', (c) => c.primaryKey().references('enrollments.id').onDelete('cascade'))
    .addColumn('device_name', 'text', (c) => c.notNull())
    .addColumn('device_secret_digest', 'text', (c) => c.notNull())
    .addColumn('device_nonce', 'text', (c) => c.notNull())
    .addColumn('server_name', 'text', (c) => c.notNull())
    .addColumn('server_secret', 'text', (c) => c.notNull())
    .addColumn('server_nonce', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addCheckConstraint('device_credentials_nonces', sql`device_nonce <> '' and server_nonce <> ''`)
    .execute();
}
