import type { Selectable } from 'kysely';
import type {
  Authority,
  CertificateStore,
  Identified,
  IssuedCertificate,
  RecordCertificateInput,
} from '../certificates.ts';
import { StoreError } from '../errors.ts';
import { affected, atomic, type Ctx, translate } from './context.ts';
import { type EnrollmentRow, toEnrollment } from './devices.ts';
import { prebuilt, run } from './prebuilt.ts';
import type { AuthoritiesTable, CertificatesTable } from './schema.ts';

/** Hex is compared as text, and callers format it differently (Windows upper-case, openssl with colons). */
const hex = (s: string) => s.replace(/[:\s]/g, '').toLowerCase();

const toCert = (r: Selectable<CertificatesTable>): IssuedCertificate => ({
  serial: r.serial,
  thumbprint: r.thumbprint,
  subject: r.subject,
  notBefore: r.not_before,
  notAfter: r.not_after,
  enrollmentId: r.enrollment_id,
  issuedAt: r.issued_at,
  revokedAt: r.revoked_at,
  revocationReason: r.revocation_reason,
});

const toAuthority = (r: Selectable<AuthoritiesTable>): Authority => ({
  name: r.name,
  certificatePem: r.certificate_pem,
  fingerprint: r.fingerprint,
  keyRef: r.key_ref,
  createdAt: r.created_at,
});

export class SqlCertificates implements CertificateStore {
  constructor(private readonly ctx: Ctx) {}

  record(input: RecordCertificateInput): Promise<IssuedCertificate> {
    const serial = hex(input.serial);
    return atomic(this.ctx, async (db) => {
      try {
        await db
          .insertInto('certificates')
          .values({
            serial,
            thumbprint: hex(input.thumbprint),
            subject: input.subject,
            not_before: input.notBefore,
            not_after: input.notAfter,
            enrollment_id: input.enrollmentId ?? null,
            issued_at: this.ctx.now(),
            revoked_at: null,
            revocation_reason: null,
          })
          .onConflict((oc) => oc.column('serial').doNothing())
          .execute();
      } catch (err) {
        translate(err, `certificate ${serial}`);
      }
      const stored = toCert(
        await db.selectFrom('certificates').selectAll().where('serial', '=', serial).executeTakeFirstOrThrow(),
      );
      if (stored.thumbprint !== hex(input.thumbprint)) {
        throw new StoreError('CONFLICT', `certificate serial ${serial} is already recorded with another thumbprint`);
      }
      return stored;
    });
  }

  async findBySerial(serial: string): Promise<IssuedCertificate | undefined> {
    const row = await this.ctx.db
      .selectFrom('certificates')
      .selectAll()
      .where('serial', '=', hex(serial))
      .executeTakeFirst();
    return row && toCert(row);
  }

  async findByThumbprint(thumbprint: string): Promise<IssuedCertificate | undefined> {
    const row = await this.ctx.db
      .selectFrom('certificates')
      .selectAll()
      .where('thumbprint', '=', hex(thumbprint))
      .executeTakeFirst();
    return row && toCert(row);
  }

  async identify(thumbprint: string): Promise<Identified | undefined> {
    const text = prebuilt(
      this.ctx.backend,
      'certificates:identify',
      (p) =>
        `select c.*, e.id as e_id, e.device_pk, e.kind, e.parent_enrollment_id, e.status, e.dev_info, e.context,
         e.enrolled_at, e.last_seen_at, e.last_report_at, e.ended_at, d.device_id,
         exists (select 1 from command_queue q where q.enrollment_id = c.enrollment_id and q.state = 'queued') as queued
         from certificates c left join enrollments e on e.id = c.enrollment_id left join devices d on d.id = e.device_pk
         where c.thumbprint = ${p()}`,
    );
    type Row = Selectable<CertificatesTable> &
      Omit<EnrollmentRow, 'id' | 'device_id'> & { e_id: number | null; device_id: string | null; queued: unknown };
    const row = (await run<Row>(this.ctx.db, text, [hex(thumbprint)])).rows[0];
    if (!row) return undefined;
    const enrollment =
      row.e_id === null || row.device_id === null
        ? undefined
        : toEnrollment({ ...row, id: row.e_id, device_id: row.device_id });
    // SQLite answers 0/1, PostgreSQL a boolean.
    return { certificate: toCert(row), enrollment, queued: row.queued === true || row.queued === 1 };
  }

  async listForEnrollment(enrollmentId: number): Promise<IssuedCertificate[]> {
    const rows = await this.ctx.db
      .selectFrom('certificates')
      .selectAll()
      .where('enrollment_id', '=', enrollmentId)
      .orderBy('issued_at')
      .orderBy('serial')
      .execute();
    return rows.map(toCert);
  }

  async revoke(serial: string, reason?: string | undefined): Promise<boolean> {
    const r = await this.ctx.db
      .updateTable('certificates')
      .set({ revoked_at: this.ctx.now(), revocation_reason: reason ?? null })
      .where('serial', '=', hex(serial))
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return affected(r) > 0;
  }

  ensureAuthority(input: Omit<Authority, 'createdAt'>): Promise<Authority> {
    return atomic(this.ctx, async (db) => {
      await db
        .insertInto('authorities')
        .values({
          name: input.name,
          certificate_pem: input.certificatePem,
          fingerprint: hex(input.fingerprint),
          key_ref: input.keyRef,
          created_at: this.ctx.now(),
        })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      return toAuthority(
        await db.selectFrom('authorities').selectAll().where('name', '=', input.name).executeTakeFirstOrThrow(),
      );
    });
  }

  async getAuthority(name: string): Promise<Authority | undefined> {
    const row = await this.ctx.db.selectFrom('authorities').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toAuthority(row);
  }
}
