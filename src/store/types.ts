/** Milliseconds since the Unix epoch, as written by the application (never by a database default). */
export type EpochMs = number;

/** Keyset pagination: results come in id (or name) order, `after` is the last key of the previous page. */
export interface Page<K = number> {
  limit?: number | undefined;
  after?: K | undefined;
}

export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;

export function pageLimit(page: Page<unknown> | undefined): number {
  const n = page?.limit ?? DEFAULT_PAGE;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`page limit must be a positive integer, got ${n}`);
  return Math.min(n, MAX_PAGE);
}
