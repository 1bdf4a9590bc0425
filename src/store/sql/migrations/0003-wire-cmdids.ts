import { type Kysely, sql } from 'kysely';
import type { Backend } from '../../store.ts';

/**
 * A queued command's CmdID on the wire becomes its commandUuid (see queue.ts), so:
 * - (enrollment, commandUuid) must identify one row;
 * - a delivery no longer owns a CmdID range: it is (row, session) → the MsgID it went out in. The old rows are
 *   kept as they are, without their CmdIDs, so commands in flight across the upgrade are still owed a Status;
 * - the session engine keeps a little state per session (a large object in transit, the nonce the session
 *   authenticated with, how to answer a retransmission) next to the rest of the session row.
 *
 * `command_queue.cmd_span` stays, always 1: SQLite can drop a column only by rebuilding the table, and a rebuild
 * would cascade-delete the deliveries that reference it.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now.
export async function up(db: Kysely<any>, _backend: Backend): Promise<void> {
  const time = 'bigint';

  await db.schema
    .createIndex('command_queue_wire_id')
    .on('command_queue')
    .columns(['enrollment_id', 'command_uuid'])
    .unique()
    .execute();

  await db.schema
    .createTable('command_deliveries_v2')
    .addColumn('queue_id', 'bigint', (c) => c.notNull().references('command_queue.id').onDelete('cascade'))
    .addColumn('session_seq', 'integer', (c) => c.notNull())
    .addColumn('enrollment_id', 'bigint', (c) => c.notNull())
    .addColumn('msg_id', 'integer', (c) => c.notNull())
    .addColumn('delivered_at', time, (c) => c.notNull())
    // The hard guarantee behind "never twice in one session", whatever the callers do.
    .addPrimaryKeyConstraint('command_deliveries_v2_pk', ['queue_id', 'session_seq'])
    .execute();
  await sql`insert into command_deliveries_v2 (queue_id, session_seq, enrollment_id, msg_id, delivered_at)
            select queue_id, session_seq, enrollment_id, msg_id, delivered_at from command_deliveries`.execute(db);
  await db.schema.dropTable('command_deliveries').execute();
  await db.schema.alterTable('command_deliveries_v2').renameTo('command_deliveries').execute();
  // What a session still owes and what one message carried: both look up (enrollment, session[, message]).
  await db.schema
    .createIndex('command_deliveries_by_message')
    .on('command_deliveries')
    .columns(['enrollment_id', 'session_seq', 'msg_id'])
    .execute();

  await db.schema.alterTable('dm_sessions').addColumn('data', 'text').execute();
}
