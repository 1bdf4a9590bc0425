import { type Kysely, Migrator, sql } from 'kysely';
import { StoreError } from '../errors.ts';
import type { Backend, MigrationReport, Store, StoreTx } from '../store.ts';
import { SqlAudit, SqlTokens, SqlWebhooks } from './admin.ts';
import { SqlAssignments } from './assignments.ts';
import { SqlCertificates } from './certificates.ts';
import { atomic, type Ctx } from './context.ts';
import { SqlDeviceCredentials, SqlEnrollmentSecrets, SqlUsedOnce } from './credentials.ts';
import { SqlDeclared } from './declared.ts';
import { SqlDevices } from './devices.ts';
import { SqlDocuments } from './documents.ts';
import { MIGRATION_LOCK_TABLE, MIGRATION_NAMES, MIGRATION_TABLE, migrationProvider } from './migrations/index.ts';
import { SqlQueue } from './queue.ts';
import { SqlReports } from './reports.ts';
import type { Schema } from './schema.ts';
import { SqlSessions } from './sessions.ts';

class SqlStoreTx implements StoreTx {
  readonly backend: Backend;
  readonly devices: SqlDevices;
  readonly certificates: SqlCertificates;
  readonly sessions: SqlSessions;
  readonly queue: SqlQueue;
  readonly documents: SqlDocuments;
  readonly assignments: SqlAssignments;
  readonly reports: SqlReports;
  readonly audit: SqlAudit;
  readonly tokens: SqlTokens;
  readonly webhooks: SqlWebhooks;
  readonly secrets: SqlEnrollmentSecrets;
  readonly deviceCredentials: SqlDeviceCredentials;
  readonly usedOnce: SqlUsedOnce;
  readonly declared: SqlDeclared;

  constructor(protected readonly ctx: Ctx) {
    this.backend = ctx.backend;
    this.devices = new SqlDevices(ctx);
    this.certificates = new SqlCertificates(ctx);
    this.sessions = new SqlSessions(ctx);
    this.queue = new SqlQueue(ctx);
    this.documents = new SqlDocuments(ctx);
    this.assignments = new SqlAssignments(ctx);
    this.reports = new SqlReports(ctx);
    this.audit = new SqlAudit(ctx);
    this.tokens = new SqlTokens(ctx);
    this.webhooks = new SqlWebhooks(ctx);
    this.secrets = new SqlEnrollmentSecrets(ctx);
    this.deviceCredentials = new SqlDeviceCredentials(ctx);
    this.usedOnce = new SqlUsedOnce(ctx);
    this.declared = new SqlDeclared(ctx);
  }

  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    if (this.ctx.db.isTransaction) return fn(this);
    return atomic(this.ctx, (db) => fn(new SqlStoreTx({ ...this.ctx, db })));
  }
}

export class SqlStore extends SqlStoreTx implements Store {
  #migrator: Migrator | undefined;

  constructor(
    ctx: Ctx,
    readonly location: string,
  ) {
    super(ctx);
  }

  /**
   * kysely looks for its bookkeeping tables in every schema unless told which one, so a second windc schema in
   * the same PostgreSQL database would fool it; pin it to the schema we actually work in.
   */
  async #getMigrator(): Promise<Migrator> {
    if (this.#migrator) return this.#migrator;
    const schema =
      this.ctx.backend === 'postgres'
        ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(this.ctx.db)).rows[0]?.schema
        : undefined;
    this.#migrator = new Migrator({
      db: this.ctx.db,
      provider: migrationProvider(this.ctx.backend),
      migrationTableName: MIGRATION_TABLE,
      migrationLockTableName: MIGRATION_LOCK_TABLE,
      ...(schema ? { migrationTableSchema: schema } : {}),
    });
    return this.#migrator;
  }

  get db(): Kysely<Schema> {
    return this.ctx.db;
  }

  async migrate(): Promise<MigrationReport> {
    const { error, results } = await (await this.#getMigrator()).migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? '(setup)';
      const why = error instanceof Error ? error.message : String(error);
      throw new StoreError('SCHEMA_MISMATCH', `migration ${failed} failed: ${why}`, { cause: error });
    }
    return {
      applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName),
      current: await this.#executed(),
    };
  }

  async pendingMigrations(): Promise<string[]> {
    const executed = new Set(await this.#executed());
    const unknown = [...executed].filter((n) => !MIGRATION_NAMES.includes(n));
    if (unknown.length > 0) {
      throw new StoreError(
        'SCHEMA_MISMATCH',
        `the database has migrations this build does not know (${unknown.join(', ')}): upgrade windc`,
      );
    }
    return MIGRATION_NAMES.filter((n) => !executed.has(n));
  }

  async #executed(): Promise<string[]> {
    try {
      const rows = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)} order by name`.execute(
        this.ctx.db,
      );
      return rows.rows.map((r) => r.name);
    } catch (err) {
      // Asking the table itself (not the catalogue) respects PostgreSQL's search_path.
      if (isMissingTable(err)) return [];
      throw err;
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.ctx.db.destroy(), this.ctx.relaxed?.destroy()]);
  }
}

function isMissingTable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return e?.code === '42P01' || (typeof e?.message === 'string' && e.message.startsWith('no such table'));
}
