/**
 * Statement text built once per shape and executed through kysely's executor (so it still joins the caller's
 * transaction and connection). Reserved for the per-session hot path, where building and compiling a query
 * with the builder costs more than the database executing it. Everything else uses the typed builder.
 */
import { CompiledQuery, type Kysely, type QueryResult } from 'kysely';
import type { Backend } from '../store.ts';
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

export function run<R>(db: Kysely<Schema>, text: string, params: readonly unknown[]): Promise<QueryResult<R>> {
  return db.executeQuery<R>(CompiledQuery.raw(text, [...params]));
}
