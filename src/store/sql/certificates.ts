import type { Selectable } from 'kysely';
import type {
  Authority,
  CertificateStore,
  Identified,
  IssuedCertificate,
  RecordCertificateInput,
} from '../certificates.ts';
import { StoreError } from '../errors.ts';
import { columnsOf, selectList } from './columns.ts';
import { affected, atomic, type Ctx, translate } from './context.ts';
import { type EnrollmentRow, toEnrollment } from './devices.ts';
import { prebuilt, run } from './prebuilt.ts';
import type { AuthoritiesTable, CertificatesTable } from './schema.ts';

const CERTIFICATE_COLUMNS = columnsOf<CertificatesTable>()([
  'serial',
  'thumbprint',
  'subject',
  'not_before',
  'not_after',
  'enrollment_id',
  'issued_at',
  'revoked_at',
  'revocation_reason',
]);

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

  /**
   * Prebuilt (prebuilt.ts): once per enrollment and renewal. The insert returns the row it wrote; only a serial
   * already recorded costs the second read.
   */
  record(input: RecordCertificateInput): Promise<IssuedCertificate> {
    const serial = hex(input.serial);
    const thumbprint = hex(input.thumbprint);
    const { backend } = this.ctx;
    return atomic(this.ctx, async (db) => {
      const insert = prebuilt(
        backend,
        'certificates:record',
        (p) =>
          'insert into certificates (serial, thumbprint, subject, not_before, not_after, enrollment_id, issued_at, ' +
          `revoked_at, revocation_reason) values (${p()}, ${p()}, ${p()}, ${p()}, ${p()}, ${p()}, ${p()}, null, null) ` +
          `on conflict (serial) do nothing returning ${selectList(CERTIFICATE_COLUMNS)}`,
      );
      const params = [
        serial,
        thumbprint,
        input.subject,
        input.notBefore,
        input.notAfter,
        input.enrollmentId ?? null,
        this.ctx.now(),
      ];
      let row: Selectable<CertificatesTable> | undefined;
      try {
        row = (await run<Selectable<CertificatesTable>>(db, insert, params)).rows[0];
      } catch (err) {
        translate(err, `certificate ${serial}`);
      }
      if (!row) {
        const select = prebuilt(
          backend,
          'certificates:by-serial',
          (p) => `select ${selectList(CERTIFICATE_COLUMNS)} from certificates where serial = ${p()}`,
        );
        row = (await run<Selectable<CertificatesTable>>(db, select, [serial])).rows[0];
        if (!row) throw new Error(`certificate ${serial} conflicted on insert but cannot be read`);
      }
      const stored = toCert(row);
      if (stored.thumbprint !== thumbprint) {
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

  /** Prebuilt (prebuilt.ts): on every Certificate-policy enrollment and every renewal. */
  async findByThumbprint(thumbprint: string): Promise<IssuedCertificate | undefined> {
    const text = prebuilt(
      this.ctx.backend,
      'certificates:by-thumbprint',
      (p) => `select ${selectList(CERTIFICATE_COLUMNS)} from certificates where thumbprint = ${p()}`,
    );
    const row = (await run<Selectable<CertificatesTable>>(this.ctx.db, text, [hex(thumbprint)])).rows[0];
    return row && toCert(row);
  }

  async identify(thumbprint: string): Promise<Identified | undefined> {
    const text = prebuilt(
      this.ctx.backend,
      'certificates:identify',
      (p) =>
        `select ${selectList(CERTIFICATE_COLUMNS, 'c')}, e.id as e_id, e.device_pk, e.kind, e.parent_enrollment_id, e.status, e.dev_info, e.context,
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
