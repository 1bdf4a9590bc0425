import type { Selectable } from 'kysely';
import type {
  DeviceCredentialStore,
  DeviceCredentials,
  EnrollmentSecret,
  EnrollmentSecretStore,
  UsedOnceStore,
} from '../credentials.ts';
import { affected, type Ctx, translate } from './context.ts';
import { prebuilt, run } from './prebuilt.ts';
import type { DeviceCredentialsTable, EnrollmentSecretsTable } from './schema.ts';

const toSecret = (r: Selectable<EnrollmentSecretsTable>): EnrollmentSecret => ({
  id: r.id,
  name: r.name,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  lastUsedAt: r.last_used_at,
  useCount: r.use_count,
});

export class SqlEnrollmentSecrets implements EnrollmentSecretStore {
  constructor(private readonly ctx: Ctx) {}

  async create(input: {
    name: string;
    secretHash: string;
    expiresAt?: number | null | undefined;
  }): Promise<EnrollmentSecret> {
    try {
      const row = await this.ctx.db
        .insertInto('enrollment_secrets')
        .values({
          name: input.name,
          secret_hash: input.secretHash,
          created_at: this.ctx.now(),
          expires_at: input.expiresAt ?? null,
          revoked_at: null,
          last_used_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toSecret(row);
    } catch (err) {
      translate(err, `enrollment secret ${input.name}`);
    }
  }

  async list(): Promise<EnrollmentSecret[]> {
    return (await this.ctx.db.selectFrom('enrollment_secrets').selectAll().orderBy('id').execute()).map(toSecret);
  }

  async revoke(name: string): Promise<boolean> {
    const r = await this.ctx.db
      .updateTable('enrollment_secrets')
      .set({ revoked_at: this.ctx.now() })
      .where('name', '=', name)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return affected(r) > 0;
  }

  /** On every OnPremise request, so the statement text is built once (prebuilt.ts) rather than per call. */
  async verify(
    secretHash: string,
    options?: { recordUse?: boolean | undefined },
  ): Promise<EnrollmentSecret | undefined> {
    const now = this.ctx.now();
    const { backend, db } = this.ctx;
    const usable = (p: () => string) =>
      `secret_hash = ${p()} and revoked_at is null and (expires_at is null or expires_at > ${p()})`;
    const text = options?.recordUse
      ? prebuilt(
          backend,
          'secrets.use',
          (p) =>
            `update enrollment_secrets set last_used_at = ${p()}, use_count = use_count + 1 where ${usable(p)} returning *`,
        )
      : prebuilt(backend, 'secrets.find', (p) => `select * from enrollment_secrets where ${usable(p)}`);
    const params = options?.recordUse ? [now, secretHash, now] : [secretHash, now];
    const row = (await run<Selectable<EnrollmentSecretsTable>>(db, text, params)).rows[0];
    return row && toSecret(row);
  }
}

/** Column order of the prebuilt upsert; enrollment_id first, as the conflict target. */
const COLUMNS = [
  'enrollment_id',
  'device_name',
  'device_secret_digest',
  'device_nonce',
  'server_name',
  'server_secret',
  'server_nonce',
  'created_at',
] as const;

const toCredentials = (r: Selectable<DeviceCredentialsTable>): DeviceCredentials => ({
  enrollmentId: r.enrollment_id,
  deviceName: r.device_name,
  deviceSecretDigest: r.device_secret_digest,
  deviceNonce: r.device_nonce,
  serverName: r.server_name,
  serverSecret: r.server_secret,
  serverNonce: r.server_nonce,
  createdAt: r.created_at,
});

export class SqlDeviceCredentials implements DeviceCredentialStore {
  constructor(private readonly ctx: Ctx) {}

  async put(input: Omit<DeviceCredentials, 'createdAt'>): Promise<DeviceCredentials> {
    const text = prebuilt(this.ctx.backend, 'credentials.put', (p) => {
      const update = COLUMNS.slice(1)
        .map((c) => `${c} = excluded.${c}`)
        .join(', ');
      return (
        `insert into device_credentials (${COLUMNS.join(', ')}) values (${COLUMNS.map(p).join(', ')}) ` +
        `on conflict (enrollment_id) do update set ${update} returning *`
      );
    });
    const params = [
      input.enrollmentId,
      input.deviceName,
      input.deviceSecretDigest,
      input.deviceNonce,
      input.serverName,
      input.serverSecret,
      input.serverNonce,
      this.ctx.now(),
    ];
    try {
      const row = (await run<Selectable<DeviceCredentialsTable>>(this.ctx.db, text, params)).rows[0];
      if (!row) throw new Error('unreachable: an upsert with returning gave no row');
      return toCredentials(row);
    } catch (err) {
      translate(err, `credentials of enrollment ${input.enrollmentId}`);
    }
  }

  async get(enrollmentId: number): Promise<DeviceCredentials | undefined> {
    const row = await this.ctx.db
      .selectFrom('device_credentials')
      .selectAll()
      .where('enrollment_id', '=', enrollmentId)
      .executeTakeFirst();
    return row && toCredentials(row);
  }
}

export class SqlUsedOnce implements UsedOnceStore {
  constructor(private readonly ctx: Ctx) {}

  async claim(key: string, expiresAt: number): Promise<boolean> {
    // Expired keys go first, which keeps the table to the keys still live and lets an expired key be claimed
    // again; two processes claiming one key meet on the primary key, and only one inserts.
    await this.ctx.db.deleteFrom('used_once').where('expires_at', '<=', this.ctx.now()).execute();
    const row = await this.ctx.db
      .insertInto('used_once')
      .values({ key, expires_at: expiresAt })
      .onConflict((oc) => oc.column('key').doNothing())
      .returning('key')
      .executeTakeFirst();
    return row !== undefined;
  }
}
