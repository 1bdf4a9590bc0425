import type { Kysely } from 'kysely';

/**
 * Enrollment looks up a device's active enrollment of a kind, and replaces it, on every (re-)enrollment. The
 * only index on (device_pk, kind) is the partial one that keeps a single active enrollment, and SQLite uses a
 * partial index only when the query repeats its condition literally; the store binds `status` as a parameter,
 * so both statements scanned the whole enrollments table, which made enrolling slower with every device enrolled.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('enrollments_device_kind').on('enrollments').columns(['device_pk', 'kind']).execute();
}
