/**
 * Statement text built once per shape and executed through kysely's executor (so it still joins the caller's
 * transaction and connection). Reserved for the per-session hot path, where building and compiling a query
 * with the builder costs more than the database executing it. Everything else uses the typed builder.
 */
import { CompiledQuery, type Kysely, type QueryResult } from 'kysely';
import type { Backend } from '../store.ts';
import { directSqlite, registerPrepared } from './dialect.ts';
import type { Schema } from './schema.ts';

/** Shapes are few (multi-row statements vary by row count only), but a cap keeps a hostile report bounded. */
const CAPACITY = 512;
const cache = new Map<string, string>();

/**
 * Returns the statement for `key`, building it on first use. `build` receives a placeholder generator that
 * yields `?` for SQLite and `$1, $2, …` for PostgreSQL, in the order the parameters must be passed.
 */
export function prebuilt(backend: Backend, key: string, build: (param: () => string) => string): string {
  const k = `${backend}:${key}`;
  let text = cache.get(k);
  if (text === undefined) {
    let n = 0;
    text = build(backend === 'postgres' ? () => `$${++n}` : () => '?');
    if (cache.size >= CAPACITY) cache.delete(cache.keys().next().value as string);
    cache.set(k, text);
    if (backend === 'postgres') registerPrepared(text);
  }
  return text;
}

/** `(?, ?, …), (?, ?, …)` for a multi-row VALUES list. */
export function rows(param: () => string, rowCount: number, columns: number): string {
  return Array.from({ length: rowCount }, () => `(${Array.from({ length: columns }, param).join(', ')})`).join(', ');
}

/** `?, ?, …` for an IN list. */
export function list(param: () => string, count: number): string {
  return Array.from({ length: count }, param).join(', ');
}

/**
 * Executes prebuilt text. On SQLite, whenever `directSqlite` allows, it goes straight to the (cached) prepared
 * statement, which is what kysely's SQLite connection does too, minus the promise chain and mutex around it;
 * otherwise, and on PostgreSQL, through kysely.
 */
export function run<R>(db: Kysely<Schema>, text: string, params: readonly unknown[]): Promise<QueryResult<R>> {
  const sqlite = directSqlite(db);
  if (sqlite === undefined) return db.executeQuery<R>(CompiledQuery.raw(text, [...params]));
  try {
    // As kysely's SqliteConnection.executeQuery: a statement that returns rows (RETURNING included) is read.
    const stmt = sqlite.prepare(text);
    if (stmt.reader) return Promise.resolve({ rows: stmt.all(params as unknown[]) as R[] });
    const { changes, lastInsertRowid } = stmt.run(params as unknown[]);
    return Promise.resolve({
      numAffectedRows: changes !== undefined && changes !== null ? BigInt(changes) : undefined,
      insertId: lastInsertRowid !== undefined && lastInsertRowid !== null ? BigInt(lastInsertRowid) : undefined,
      rows: [],
    });
  } catch (err) {
    return Promise.reject(err);
  }
}
