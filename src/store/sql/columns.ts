/**
 * Explicit column lists for prebuilt statements. On PostgreSQL those run as named prepared statements
 * (dialect.ts), and a prepared `select *` fails with "cached plan must not change result type" once a migration
 * run by a newer windc process adds a column; a list keeps an older process working through a rolling upgrade.
 */

type Exhaustive<T, K extends readonly (keyof T)[]> = [Exclude<keyof T, K[number]>] extends [never]
  ? K
  : K & { missing: Exclude<keyof T, K[number]> };

/** Every column of table `T`, the compiler checking that none is left out. */
export const columnsOf =
  <T>() =>
  <const K extends readonly (keyof T & string)[]>(names: Exhaustive<T, K>): readonly string[] => [...names];

/** `a, b, c`, or `t.a, t.b, t.c` with an alias. */
export function selectList(columns: readonly string[], alias?: string): string {
  return columns.map((c) => (alias ? `${alias}.${c}` : c)).join(', ');
}
