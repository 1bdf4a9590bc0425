// Store throughput for both backends beside raw drivers doing the same statements: `npm run bench:store`.
// Goals on the project machine: SQLite ≥ 20,000 check-ins/s, PostgreSQL ≥ 3,000/s. The machine is shared and
// noisy, so each workload alternates store and baseline rounds and the ratio is the number to trust.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { type DocumentReport, openStore, type Store } from '../src/store/index.ts';
import { stateDigest } from '../src/store/sql/checkin.ts';
import { type Doc, pgRaw, type RawOps, sqliteRaw } from './store-raw.ts';

const ROUND_MS = Number(process.env.BENCH_MS ?? 4000) / 5;
const ROUNDS = 5;
const DEVICES = 1000;
const DOCS = 10;
const PG_URL =
  process.env.WINDC_BENCH_DATABASE_URL ||
  process.env.WINDC_TEST_DATABASE_URL ||
  'postgres://postgres@127.0.0.1:5432/test';
/** In-flight operations for PostgreSQL, which gains from concurrency; SQLite has one connection and none. */
const PG_CONCURRENCY = 16;

const docIds = Array.from({ length: DOCS }, (_, k) => `0000000${k}-AAAA-4BBB-8CCC-DDDDDDDDDDDD`);
const docs = (state: number): Doc[] => docIds.map((id) => ({ id, checksum: 'A0', resultChecksum: `R${state}`, state }));
const reports = (state: number): DocumentReport[] =>
  docs(state).map((d) => ({
    documentId: d.id,
    scope: 'Device',
    checksum: d.checksum,
    resultChecksum: d.resultChecksum,
    state: d.state,
  }));

/** Completed operations per second with `concurrency` workers over `ms`. */
async function rate(op: (i: number) => Promise<unknown>, concurrency: number, ms: number, units = 1): Promise<number> {
  let next = 0;
  let done = 0;
  const start = performance.now();
  const deadline = start + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await op(next++);
        done += units;
      }
    }),
  );
  return (done * 1000) / (performance.now() - start);
}

interface Result {
  store: number[];
  raw: number[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(8);

/** Alternates store and raw rounds so a burst of load elsewhere hits both alike. */
async function duel(
  store: (i: number) => Promise<unknown>,
  raw: (i: number) => Promise<unknown>,
  concurrency: number,
  units = 1,
): Promise<Result> {
  await rate(store, concurrency, 150, units);
  await rate(raw, concurrency, 150, units);
  const out: Result = { store: [], raw: [] };
  for (let r = 0; r < ROUNDS; r++) {
    out.store.push(await rate(store, concurrency, ROUND_MS, units));
    out.raw.push(await rate(raw, concurrency, ROUND_MS, units));
  }
  return out;
}

function line(label: string, r: Result, unit: string, goal?: number): string {
  const s = median(r.store);
  const w = median(r.raw);
  const verdict =
    goal === undefined ? '' : `   goal ≥ ${goal.toLocaleString('en-US')}: ${s >= goal ? 'met' : 'NOT met'}`;
  return `  ${label.padEnd(37)} store ${fmt(s)} ${unit}   raw ${fmt(w)} ${unit}   ratio ${(s / w).toFixed(2)}${verdict}`;
}

interface Backend {
  name: string;
  store: Store;
  raw: RawOps;
  concurrency: number;
  goal: number;
  close(): Promise<void>;
}

/** Two device populations with identical data: one driven through the store, one by the raw baseline. */
async function populate(store: Store, concurrency: number): Promise<{ mine: number[]; raws: number[] }> {
  const ids: number[] = [];
  for (let i = 0; i < 2 * DEVICES; i += concurrency) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(concurrency, 2 * DEVICES - i) }, async (_, k) => {
        const e = await store.devices.enroll({ deviceId: `BENCH-${i + k}`, kind: 'linked' });
        await store.reports.checkIn({ enrollmentId: e.id, documents: reports(60) });
        return e.id;
      }),
    );
    ids.push(...batch);
  }
  return { mine: ids.slice(0, DEVICES), raws: ids.slice(DEVICES) };
}

async function run(b: Backend): Promise<void> {
  const { store, raw, concurrency } = b;
  const { mine, raws } = await populate(store, concurrency);
  const digest = stateDigest(reports(60));
  const pick = (ids: number[], i: number) => ids[i % ids.length]!;
  const lines: string[] = [];

  const steady = await duel(
    (i) => store.reports.checkIn({ enrollmentId: pick(mine, i), documents: reports(60) }),
    (i) => raw.steady(pick(raws, i), digest, Date.now()),
    concurrency,
  );
  lines.push(line('check-in, report unchanged', steady, 'check-ins/s', b.goal));

  // Every visit flips all ten documents between 61 and 62: ten upserts and ten transitions each time.
  const visits = new Map<number, number>();
  const flip = (id: number) => {
    const v = (visits.get(id) ?? 0) + 1;
    visits.set(id, v);
    return 61 + (v % 2);
  };
  const churn = await duel(
    (i) => {
      const id = pick(mine, i);
      return store.reports.checkIn({ enrollmentId: id, documents: reports(flip(id)) });
    },
    (i) => {
      const id = pick(raws, i);
      return raw.churn(id, docs(flip(id)), Date.now());
    },
    concurrency,
  );
  lines.push(line('check-in, all 10 documents changed', churn, 'check-ins/s'));
  // The brief's literal check-in, last-seen plus an upsert of all ten rows, against what the store does instead.
  const naive = await duel(
    (i) => store.reports.checkIn({ enrollmentId: pick(mine, i), documents: reports(60) }),
    (i) => raw.naive(pick(raws, i), docs(60), Date.now()),
    concurrency,
  );
  lines.push(line('unchanged, vs raw full 10-row upsert', naive, 'check-ins/s'));

  let msgId = 1_000_000;
  for (const n of [1, 10]) {
    const q = await duel(
      async (i) => {
        const enrollmentId = pick(mine, i);
        const m = msgId++;
        await store.queue.enqueue({ enrollmentIds: [enrollmentId], payload: 'x' });
        for (let k = 1; k < n; k++) await store.queue.enqueue({ enrollmentIds: [enrollmentId], payload: 'x' });
        const { commands } = await store.queue.dequeue({
          enrollmentId,
          sessionSeq: 1,
          msgId: m,
          limit: n,
        });
        await store.queue.recordReplies({
          enrollmentId,
          sessionSeq: 1,
          replies: commands.map((c) => ({ kind: 'status' as const, msgRef: m, cmdRef: c.commandUuid, code: 200 })),
        });
        if (commands.length !== n) throw new Error(`store delivered ${commands.length} of ${n}`);
      },
      (i) => raw.queueCycle(pick(raws, i), n, msgId++, Date.now()),
      concurrency,
      n,
    );
    lines.push(line(`queue: enqueue+dequeue+ack, ${n}/msg`, q, 'commands/s '));
  }
  console.log(`\n${b.name}`);
  for (const l of lines) console.log(l);
}

async function sqlite(): Promise<Backend> {
  const dir = mkdtempSync(join(tmpdir(), 'windc-bench-'));
  const store = await openStore({ dataDir: dir, env: {} });
  const db = new Database(join(dir, 'windc.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 10000');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  return {
    name: `sqlite: ${store.location} (WAL, synchronous=NORMAL, one connection, sequential)`,
    store,
    raw: sqliteRaw(db, DOCS),
    concurrency: 1,
    goal: 20_000,
    async close() {
      await store.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgres(): Promise<Backend | string> {
  const probe = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await probe.connect();
  } catch (e) {
    return `unreachable at ${PG_URL} (${(e as Error).message})`;
  } finally {
    await probe.end().catch(() => {});
  }
  const schema = `windc_bench_${randomBytes(5).toString('hex')}`;
  const store = await openStore({
    dataDir: mkdtempSync(join(tmpdir(), 'windc-bench-pg-')),
    databaseUrl: PG_URL,
    schema,
    poolSize: PG_CONCURRENCY,
    env: {},
  });
  const opts = (extra: string) => ({ connectionString: PG_URL, options: `-c search_path=${schema}${extra}` });
  // The store's check-in pool is half its size, with synchronous_commit=off; the baseline gets the same.
  const pool = new pg.Pool({ ...opts(''), max: PG_CONCURRENCY });
  const relaxed = new pg.Pool({ ...opts(' -c synchronous_commit=off'), max: PG_CONCURRENCY / 2 });
  return {
    name: `postgres: ${store.location} (${PG_CONCURRENCY} in flight; check-ins commit asynchronously, queue durably)`,
    store,
    raw: pgRaw(pool, relaxed, DOCS),
    concurrency: PG_CONCURRENCY,
    goal: 3_000,
    async close() {
      await store.close();
      await pool.query(`drop schema ${schema} cascade`);
      await Promise.all([pool.end(), relaxed.end()]);
    },
  };
}

console.log(
  `windc store benchmark: node ${process.version}, ${cpus().length} CPUs, ${DEVICES} devices × ${DOCS} documents, ` +
    `${ROUNDS} alternating rounds of ${ROUND_MS} ms, medians shown (BENCH_MS scales the run)`,
);
for (const open of [sqlite, postgres]) {
  const b = await open();
  if (typeof b === 'string') {
    console.log(`\npostgres: skipped, ${b}`);
    continue;
  }
  try {
    await run(b);
  } finally {
    await b.close();
  }
}
