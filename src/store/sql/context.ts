import type { Kysely } from 'kysely';
import { StoreError } from '../errors.ts';
import type { Backend } from '../store.ts';
import type { EpochMs } from '../types.ts';
import type { Schema } from './schema.ts';

/** What every repository is built from. `db` is either the root instance or an open transaction. */
export interface Ctx {
  readonly db: Kysely<Schema>;
  readonly backend: Backend;
  readonly now: () => EpochMs;
  /**
   * PostgreSQL only: a pool whose commits do not wait for the WAL flush. Used for check-ins alone: last-seen
   * and reported state are repeated by the device in every session, so a crash losing the last fraction of a
   * second of them loses nothing that matters, and the flush is what caps check-ins per second.
   */
  readonly relaxed?: Kysely<Schema> | undefined;
}

/** Error codes for which re-running the whole transaction is the documented remedy. */
const RETRYABLE_PG = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 3;

/**
 * Runs `fn` in a transaction, or inside the caller's when there already is one, so repository methods stay
 * atomic on their own and compose when the server wraps several in `store.transaction`.
 */
export async function atomic<T>(ctx: Ctx, fn: (db: Kysely<Schema>) => Promise<T>): Promise<T> {
  if (ctx.db.isTransaction) return fn(ctx.db);
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.db.transaction().execute(fn);
    } catch (err) {
      if (attempt >= MAX_ATTEMPTS || !RETRYABLE_PG.has(sqlState(err) ?? '')) throw err;
    }
  }
}

function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isUniqueViolation(err: unknown): boolean {
  const c = sqlState(err);
  return c === '23505' || c === 'SQLITE_CONSTRAINT_UNIQUE' || c === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export function isForeignKeyViolation(err: unknown): boolean {
  const c = sqlState(err);
  return c === '23503' || c === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** Turns the two constraint failures callers can act on into StoreErrors; rethrows everything else. */
export function translate(err: unknown, what: string): never {
  if (isForeignKeyViolation(err))
    throw new StoreError('NOT_FOUND', `${what}: a referenced row does not exist`, { cause: err });
  if (isUniqueViolation(err)) throw new StoreError('CONFLICT', `${what}: already exists`, { cause: err });
  throw err;
}

export function affected(result: { numUpdatedRows?: bigint; numDeletedRows?: bigint }): number {
  return Number(result.numUpdatedRows ?? result.numDeletedRows ?? 0n);
}

export const toJson = (value: unknown): string | null =>
  value === undefined || value === null ? null : JSON.stringify(value);
export const fromJson = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

/**
 * Bound parameters per statement are capped (SQLite 32766, PostgreSQL 65535); multi-row writes are split so
 * no statement comes near either.
 */
export function chunks<T>(items: readonly T[], columns: number): T[][] {
  const size = Math.max(1, Math.floor(16_000 / Math.max(1, columns)));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
