import { openStore, parseStoreArgs, STORE_OPTIONS_USAGE, StoreError } from '../store/index.ts';

const USAGE = `usage: windc migrate [options]

Brings the database up to this build's schema and says what it applied. \`windc serve\` does the same on start;
run this first when several server processes share one PostgreSQL database, or to check a database before an
upgrade. Safe to run while servers are up: migrations take a lock, and each one is a single transaction.

options:
${STORE_OPTIONS_USAGE}`;

/** Exit codes: 0 done (or nothing to do), 1 the database refused (newer schema, failed migration), 2 usage. */
export async function run(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseStoreArgs>;
  try {
    parsed = parseStoreArgs(argv);
  } catch (e) {
    console.error(`windc migrate: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.help) {
    console.log(USAGE);
    return 0;
  }
  try {
    const { config } = parsed;
    const store = await openStore({
      dataDir: config.dataDir,
      databaseUrl: config.backend === 'postgres' ? config.databaseUrl : undefined,
      migrate: 'none',
    });
    try {
      const { applied, current } = await store.migrate();
      console.log(`database: ${store.location}`);
      if (applied.length === 0) console.log(`up to date (${current.length} migrations)`);
      for (const name of applied) console.log(`applied ${name}`);
      return 0;
    } finally {
      await store.close();
    }
  } catch (e) {
    // An unreachable server or a refused login is an operator's problem to read, not a stack trace.
    console.error(`windc migrate: ${e instanceof StoreError ? e.message : String((e as Error).message ?? e)}`);
    return 1;
  }
}
