/**
 * Builds the kysely instance for each backend. Everything backend-specific about connections lives here; the
 * repositories see one `Kysely<Schema>` and a `Backend` tag for the few statements that must differ.
 */
import Database from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresDialect,
  type PostgresPool,
  type PostgresPoolClient,
  SqliteAdapter,
  type SqliteDatabase,
  SqliteDialect,
  SqliteDriver,
  type SqliteStatement,
} from 'kysely';
import pg from 'pg';
import type { Schema } from './schema.ts';

/**
 * kysely's driver prepares every statement afresh; a small cache makes repeated hot-path statements cost one
 * `prepare` per process instead of one per call. Statements are never iterated (no streaming), so sharing one
 * prepared statement between calls is safe on the single connection.
 */
function cachingDatabase(db: Database.Database, capacity = 256): DirectDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => db.close(),
    get inTransaction() {
      return db.inTransaction;
    },
    prepare(sql: string): SqliteStatement {
      let stmt = cache.get(sql);
      if (stmt) {
        // Map keeps insertion order: re-inserting marks the entry as recently used.
        cache.delete(sql);
      } else {
        stmt = db.prepare(sql) as unknown as SqliteStatement;
        if (cache.size >= capacity) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, stmt);
      return stmt;
    },
  };
}

/** The driver's database, plus what `directSqlite` needs to know whether a statement may bypass the driver. */
export interface DirectDatabase extends SqliteDatabase {
  /** A transaction is open on the connection (better-sqlite3's view of SQLite's autocommit flag). */
  readonly inTransaction: boolean;
}

/**
 * `BEGIN IMMEDIATE` takes the write lock up front. A deferred transaction that reads and then writes can fail
 * with SQLITE_BUSY without the busy timeout ever applying when another process (say `windc migrate`, or a CLI
 * admin command) holds the lock; an immediate one simply waits its turn. Inside this process the driver's
 * single connection and mutex already serialise transactions.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * SQLite's DDL is transactional; kysely's adapter says otherwise only to stay conservative. Claiming it makes
 * the Migrator wrap a whole run in one (immediate) transaction: a failed migration leaves no half-built
 * schema, and two processes migrating at once queue on the write lock instead of racing.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  /** The database behind the driver's one connection; see `heldSqlite`. */
  constructor(readonly database: DirectDatabase) {
    super();
  }
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/**
 * The SQLite database to execute prebuilt text on directly, without kysely's per-query promise chain and
 * connection mutex (see prebuilt.ts); undefined when the statement must go through kysely.
 * - Inside a kysely transaction: the transaction holds the driver's single connection until it commits or rolls
 *   back, so a direct statement is in that transaction, exactly as one sent through its executor would be.
 * - Outside one, only while no transaction is open on the connection. Statements are synchronous, so a direct
 *   one then runs and autocommits on its own, exactly as if the mutex had been free; whereas while another
 *   flow's transaction is open it would land inside that transaction and share its fate, so it waits its turn
 *   through kysely instead.
 */
export function directSqlite(db: Kysely<Schema>): SqliteDatabase | undefined {
  const adapter = db.getExecutor().adapter;
  if (!(adapter instanceof TransactionalDdlSqliteAdapter)) return undefined;
  return db.isTransaction || !adapter.database.inTransaction ? adapter.database : undefined;
}

class WindcSqliteDialect extends SqliteDialect {
  readonly #database: DirectDatabase;
  constructor(database: DirectDatabase) {
    super({ database });
    this.#database = database;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: this.#database });
  }
  override createAdapter(): SqliteAdapter {
    return new TransactionalDdlSqliteAdapter(this.#database);
  }
}

export function openSqlite(path: string): Kysely<Schema> {
  const raw = new Database(path);
  // WAL lets readers (a CLI, a backup) run beside the server; NORMAL is durable across process crashes and
  // loses at most the last transactions on power loss, the usual trade for a management server.
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  // A checkpoint costs two fsyncs whatever its size, and at the default of 1000 pages a write-heavy server pays
  // them every few hundred transactions, inside a commit. 10000 pages (about 40 MB of WAL) pays them a tenth
  // as often; the WAL file is reused, not grown, after each checkpoint.
  raw.pragma('wal_autocheckpoint = 10000');
  raw.pragma('busy_timeout = 5000');
  raw.pragma('foreign_keys = ON');
  return new Kysely<Schema>({ dialect: new WindcSqliteDialect(cachingDatabase(raw)) });
}

const INT8_OID = 20;

/** pg hands int8 back as a string; ids, times and counts here all fit a double, and anything that does not is a bug. */
function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${text} exceeds Number.MAX_SAFE_INTEGER`);
  return n;
}

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export interface PostgresOptions {
  url: string;
  /** Schema to put first on the search_path (tests use a throwaway one). Plain identifiers only. */
  schema?: string | undefined;
  poolSize?: number | undefined;
  onPoolError?: ((err: Error) => void) | undefined;
  /** false: commits return before the WAL reaches disk. Only for writes the next device session repeats. */
  synchronousCommit?: boolean | undefined;
}

export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function openPostgres(opts: PostgresOptions): Kysely<Schema> {
  if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) {
    throw new Error(`schema name '${opts.schema}' must match ${SCHEMA_NAME}`);
  }
  // pg lets an `options` parameter in the URL replace the config's, so merge it in rather than lose either.
  const url = new URL(opts.url);
  const fromUrl = url.searchParams.get('options');
  url.searchParams.delete('options');
  const settings = [
    ...(fromUrl ? [fromUrl] : []),
    // A process that dies or hangs inside a transaction must not hold queue row locks for ever.
    '-c idle_in_transaction_session_timeout=60000',
    ...(opts.schema ? [`-c search_path=${opts.schema}`] : []),
    ...(opts.synchronousCommit === false ? ['-c synchronous_commit=off'] : []),
  ];
  const pool = new pg.Pool({
    connectionString: url.toString(),
    max: opts.poolSize ?? 10,
    application_name: 'windc',
    options: settings.join(' '),
    types,
  });
  // Without a listener, an idle client losing its connection (server restart, failover) crashes the process.
  pool.on(
    'error',
    opts.onPoolError ?? ((err) => process.emitWarning(`windc store: idle PostgreSQL client: ${err.message}`)),
  );
  return new Kysely<Schema>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
}

/**
 * Statement texts PostgreSQL keeps parsed and planned per connection (prebuilt.ts registers its texts here): a
 * hot-path statement then costs PostgreSQL a Bind and Execute instead of a Parse and a fresh plan each time. On
 * a 2,000-device rollout that halved PostgreSQL's CPU per device (16.2 ms to 8.2) and cut windc's by a sixth.
 * Not registered: texts selecting `*` (see columns.ts), and anything past the cap, which a hostile stream of
 * new statement shapes could otherwise grow without bound on every connection.
 */
const preparedNames = new Map<string, string>();
const PREPARED_CAP = 1024;
const STAR_COLUMNS = /(?:select|returning|,)\s+(?:\w+\.)?\*/i;

export function registerPrepared(text: string): void {
  if (preparedNames.has(text) || preparedNames.size >= PREPARED_CAP || STAR_COLUMNS.test(text)) return;
  preparedNames.set(text, `windc_${preparedNames.size + 1}`);
}

/** The name `text` runs under on PostgreSQL, if it runs as a prepared statement. */
export function preparedName(text: string): string | undefined {
  return preparedNames.get(text);
}

const preparing = new WeakSet<pg.PoolClient>();

/**
 * kysely hands every statement to `client.query(text, values)`; for a registered text this asks pg for the named
 * statement instead, which pg prepares on that connection the first time and executes by name afterwards.
 * A plain object rather than a subclass or prototype view of the pool, so the pool's own state stays its own.
 */
function preparingPool(pool: pg.Pool): PostgresPool {
  return {
    async connect() {
      const client = await pool.connect();
      if (!preparing.has(client)) {
        preparing.add(client);
        const query = client.query.bind(client) as (config: unknown, values?: unknown) => Promise<pg.QueryResult>;
        const named = (text: unknown, values?: unknown) => {
          const name = typeof text === 'string' ? preparedNames.get(text) : undefined;
          return name === undefined ? query(text, values) : query({ name, text, values });
        };
        (client as unknown as { query: typeof named }).query = named;
      }
      return client as unknown as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}
