// Per-statement SQLite time, for finding what a benchmark's server spends in the store:
// `BENCH_PRELOAD=./bench/sql-timer.ts npm run bench:rollout -- --devices 2000`.
//
// Imported into the server process before anything else, it wraps better-sqlite3's Statement run/get/all and
// prints, at exit (SIGINT, as the benchmarks stop their server), each statement's call count and total time,
// most expensive first, in wall time and in the process's CPU time (which tells waiting and preemption on a
// busy machine apart from work). Both are measured around the native call, so they are SQLite's work plus
// binding and row conversion, not kysely's promise chain around it.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3') as { prototype: { prepare(sql: string): object } };

interface Timing {
  calls: number;
  ms: number;
  cpuMs: number;
}
const timings = new Map<string, Timing>();
const wrapped = new WeakSet<object>();

function wrap(proto: Record<string, unknown>): void {
  if (wrapped.has(proto)) return;
  wrapped.add(proto);
  for (const method of ['run', 'get', 'all'] as const) {
    const original = proto[method] as (this: { source: string }, ...args: unknown[]) => unknown;
    proto[method] = function (this: { source: string }, ...args: unknown[]) {
      const t = performance.now();
      const c = process.cpuUsage();
      try {
        return original.apply(this, args);
      } finally {
        const key = this.source.replace(/\s+/g, ' ').slice(0, 160);
        const s = timings.get(key) ?? { calls: 0, ms: 0, cpuMs: 0 };
        const u = process.cpuUsage(c);
        s.calls++;
        s.ms += performance.now() - t;
        s.cpuMs += (u.user + u.system) / 1000;
        timings.set(key, s);
      }
    };
  }
}

// The Statement class is not exported; the first prepared statement reveals its prototype.
const prepare = Database.prototype.prepare;
Database.prototype.prepare = function (this: object, sql: string) {
  const stmt = prepare.call(this, sql);
  wrap(Object.getPrototypeOf(stmt) as Record<string, unknown>);
  return stmt;
};

function report(): void {
  const rows = [...timings].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((t, [, s]) => t + s.ms, 0);
  process.stderr.write(`\nSQL: ${total.toFixed(0)} ms in ${rows.length} statements\n`);
  for (const [sql, s] of rows.slice(0, 40)) {
    process.stderr.write(
      `${s.ms.toFixed(0).padStart(7)} ms ${s.cpuMs.toFixed(0).padStart(6)} ms CPU ${String(s.calls).padStart(7)} calls ${((s.ms / s.calls) * 1000).toFixed(0).padStart(5)} µs  ${sql}\n`,
    );
  }
}
process.once('exit', report);
