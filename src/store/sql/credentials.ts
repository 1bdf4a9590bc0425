import { type Selectable, sql } from 'kysely';
import type {
  DeviceCredentialStore,
  DeviceCredentials,
  EnrollmentSecret,
  EnrollmentSecretStore,
} from '../credentials.ts';
import { affected, type Ctx, translate } from './context.ts';
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

  async verify(
    secretHash: string,
    options?: { recordUse?: boolean | undefined },
  ): Promise<EnrollmentSecret | undefined> {
    const now = this.ctx.now();
    if (options?.recordUse) {
      const row = await this.ctx.db
        .updateTable('enrollment_secrets')
        .set({ last_used_at: now, use_count: sql<number>`use_count + 1` })
        .where('secret_hash', '=', secretHash)
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .returningAll()
        .executeTakeFirst();
      return row && toSecret(row);
    }
    const row = await this.ctx.db
      .selectFrom('enrollment_secrets')
      .selectAll()
      .where('secret_hash', '=', secretHash)
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .executeTakeFirst();
    return row && toSecret(row);
  }
}

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
    const values = {
      device_name: input.deviceName,
      device_secret_digest: input.deviceSecretDigest,
      device_nonce: input.deviceNonce,
      server_name: input.serverName,
      server_secret: input.serverSecret,
      server_nonce: input.serverNonce,
      created_at: this.ctx.now(),
    };
    try {
      const row = await this.ctx.db
        .insertInto('device_credentials')
        .values({ enrollment_id: input.enrollmentId, ...values })
        .onConflict((oc) => oc.column('enrollment_id').doUpdateSet(values))
        .returningAll()
        .executeTakeFirstOrThrow();
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
