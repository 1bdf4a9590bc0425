import type { Kysely } from 'kysely';

/**
 * Keys accepted once until they expire (UsedOnceStore), so a signed enrollment request replayed to another
 * process behind the same load balancer is refused there too; each process used to remember them alone.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('used_once')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('used_once_expires').on('used_once').column('expires_at').execute();
}
