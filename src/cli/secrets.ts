import { parseArgs } from 'node:util';
import { hashPassword } from '../server/enroll/auth/users.ts';
import { generateSecret, hashSecret, secretNameOk } from '../server/enroll/secrets.ts';
import {
  type EnrollmentSecret,
  openStore,
  resolveStoreConfig,
  STORE_OPTIONS_USAGE,
  StoreError,
} from '../store/index.ts';

const USAGE = `usage: windc secrets <create|list|revoke|hash-user> [options]

Enrollment secrets are the password a person types when enrolling a device with windc as its MDM (OnPremise
authentication, any e-mail address as user name). windc keeps only their hash: a secret is shown once.

  create [--name NAME] [--expires-days N]   make a secret and print it
  list                                      every secret with its state and use count
  revoke NAME                               stop a secret from enrolling further devices
  hash-user NAME                            read a password on stdin, print a line for --enroll-users

options:
${STORE_OPTIONS_USAGE}`;

/** Exit codes: 0 done, 1 refused (unknown or duplicate name), 2 usage. */
export async function run(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    console.error(`windc secrets: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (command === 'hash-user') return hashUser(args);
  if (!['create', 'list', 'revoke'].includes(command)) {
    console.error(`windc secrets: unknown command '${command}'\n\n${USAGE}`);
    return 2;
  }
  try {
    const config = resolveStoreConfig({ dataDir: values['data-dir'], databaseUrl: values['database-url'] });
    const store = await openStore({
      dataDir: config.dataDir,
      databaseUrl: config.backend === 'postgres' ? config.databaseUrl : undefined,
    });
    try {
      if (command === 'create') return await create(store.secrets, values.name, values['expires-days']);
      if (command === 'list') return list(await store.secrets.list());
      const name = args[0];
      if (!name || args.length > 1) {
        console.error('windc secrets revoke: give exactly one secret name');
        return 2;
      }
      if (!(await store.secrets.revoke(name))) {
        console.error(`windc secrets: no active secret named '${name}'`);
        return 1;
      }
      console.log(`revoked ${name}`);
      return 0;
    } finally {
      await store.close();
    }
  } catch (e) {
    if (!(e instanceof StoreError)) throw e;
    console.error(`windc secrets: ${e.message}`);
    return 1;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
      name: { type: 'string' },
      'expires-days': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
}

async function create(
  secrets: { create(i: { name: string; secretHash: string; expiresAt?: number | null }): Promise<EnrollmentSecret> },
  name: string | undefined,
  expiresDays: string | undefined,
): Promise<number> {
  const chosen = name ?? `secret-${new Date().toISOString().slice(0, 10)}-${generateSecret().slice(0, 5)}`;
  if (!secretNameOk(chosen)) {
    console.error('windc secrets: a name is 1-64 letters, digits, dots, dashes or underscores');
    return 2;
  }
  let expiresAt: number | null = null;
  if (expiresDays !== undefined) {
    const d = Number(expiresDays);
    if (!Number.isInteger(d) || d < 1 || d > 3650) {
      console.error('windc secrets: --expires-days must be 1..3650');
      return 2;
    }
    expiresAt = Date.now() + d * 86_400_000;
  }
  const secret = generateSecret();
  try {
    await secrets.create({ name: chosen, secretHash: hashSecret(secret), expiresAt });
  } catch (e) {
    if (e instanceof StoreError && e.code === 'CONFLICT') {
      console.error(`windc secrets: a secret named '${chosen}' already exists`);
      return 1;
    }
    throw e;
  }
  console.log(`created ${chosen}${expiresAt ? ` (expires ${new Date(expiresAt).toISOString()})` : ''}`);
  console.log(`secret: ${secret}`);
  console.log('It is shown only now. Enroll with any e-mail address and this secret as the password.');
  return 0;
}

function list(secrets: EnrollmentSecret[]): number {
  if (secrets.length === 0) {
    console.log('no enrollment secrets');
    return 0;
  }
  const now = Date.now();
  const day = (t: number | null) => (t === null ? '-' : new Date(t).toISOString().slice(0, 16).replace('T', ' '));
  const rows = secrets.map((s) => [
    s.name,
    s.revokedAt !== null ? 'revoked' : s.expiresAt !== null && s.expiresAt <= now ? 'expired' : 'active',
    day(s.createdAt),
    day(s.expiresAt),
    day(s.lastUsedAt),
    String(s.useCount),
  ]);
  const head = ['NAME', 'STATE', 'CREATED', 'EXPIRES', 'LAST USED', 'USES'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  for (const r of [head, ...rows])
    console.log(
      r
        .map((c, i) => c.padEnd(widths[i] as number))
        .join('  ')
        .trimEnd(),
    );
  return 0;
}

async function hashUser(args: string[]): Promise<number> {
  const name = args[0];
  if (!name || args.length > 1 || name.includes(':')) {
    console.error('windc secrets hash-user: give one user name (no colon); the password comes on stdin');
    return 2;
  }
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (password.length < 8) {
    console.error('windc secrets hash-user: the password must have at least 8 characters');
    return 2;
  }
  console.log(`${name}:${hashPassword(password)}`);
  return 0;
}
