import type { Kysely, Selectable } from 'kysely';
import type { Device, DeviceStore, EnrollInput, Enrollment, EnrollmentFilter, EnrollmentKind } from '../devices.ts';
import { type Page, pageLimit } from '../types.ts';
import { affected, atomic, type Ctx, fromJson, toJson, translate } from './context.ts';
import { prebuilt, run } from './prebuilt.ts';
import type { DevicesTable, EnrollmentsTable, Schema } from './schema.ts';

export type EnrollmentRow = Omit<Selectable<EnrollmentsTable>, 'report_digest'> & { device_id: string };

const toDevice = (r: Selectable<DevicesTable>): Device => ({
  pk: r.id,
  deviceId: r.device_id,
  hwDevId: r.hw_dev_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const toEnrollment = (r: EnrollmentRow): Enrollment => ({
  id: r.id,
  devicePk: r.device_pk,
  deviceId: r.device_id,
  kind: r.kind,
  parentEnrollmentId: r.parent_enrollment_id,
  status: r.status,
  devInfo: fromJson(r.dev_info) as Record<string, string> | null,
  context: fromJson(r.context) as Record<string, string> | null,
  enrolledAt: r.enrolled_at,
  lastSeenAt: r.last_seen_at,
  lastReportAt: r.last_report_at,
  endedAt: r.ended_at,
});

export class SqlDevices implements DeviceStore {
  constructor(private readonly ctx: Ctx) {}

  upsertDevice(input: { deviceId: string; hwDevId?: string | null | undefined }): Promise<Device> {
    return atomic(this.ctx, (db) => this.#upsertDevice(db, input));
  }

  async #upsertDevice(
    db: Kysely<Schema>,
    input: { deviceId: string; hwDevId?: string | null | undefined },
  ): Promise<Device> {
    const now = this.ctx.now();
    const hw = input.hwDevId ?? null;
    // The conditional update writes (and returns) only when a new HWDevID arrives; otherwise read it back.
    const row = await db
      .insertInto('devices')
      .values({ device_id: input.deviceId, hw_dev_id: hw, created_at: now, updated_at: now })
      .onConflict((oc) =>
        hw === null
          ? oc.column('device_id').doNothing()
          : oc
              .column('device_id')
              .doUpdateSet({ hw_dev_id: hw, updated_at: now })
              .where('devices.hw_dev_id', 'is distinct from', hw),
      )
      .returningAll()
      .executeTakeFirst();
    if (row) return toDevice(row);
    return toDevice(
      await db.selectFrom('devices').selectAll().where('device_id', '=', input.deviceId).executeTakeFirstOrThrow(),
    );
  }

  async getDevice(key: { pk: number } | { deviceId: string }): Promise<Device | undefined> {
    const q = this.ctx.db.selectFrom('devices').selectAll();
    const row = await ('pk' in key
      ? q.where('id', '=', key.pk)
      : q.where('device_id', '=', key.deviceId)
    ).executeTakeFirst();
    return row && toDevice(row);
  }

  async listDevices(page?: Page): Promise<Device[]> {
    const rows = await this.ctx.db
      .selectFrom('devices')
      .selectAll()
      .$if(page?.after !== undefined, (q) => q.where('id', '>', page!.after!))
      .orderBy('id')
      .limit(pageLimit(page))
      .execute();
    return rows.map(toDevice);
  }

  async deleteDevice(pk: number): Promise<boolean> {
    return affected(await this.ctx.db.deleteFrom('devices').where('id', '=', pk).executeTakeFirst()) > 0;
  }

  enroll(input: EnrollInput): Promise<Enrollment> {
    return atomic(this.ctx, async (db) => {
      const device = await this.#upsertDevice(db, input);
      // Serialises concurrent enrollments of one device (a retried request landing on another process):
      // the second waits, then replaces the first instead of colliding with it on the one-active index.
      if (this.ctx.backend === 'postgres') {
        await db.selectFrom('devices').select('id').where('id', '=', device.pk).forUpdate().execute();
      }
      const now = this.ctx.now();
      await db
        .updateTable('enrollments')
        .set({ status: 'replaced', ended_at: now })
        .where('device_pk', '=', device.pk)
        .where('kind', '=', input.kind)
        .where('status', '=', 'active')
        .execute();
      try {
        const row = await db
          .insertInto('enrollments')
          .values({
            device_pk: device.pk,
            kind: input.kind,
            parent_enrollment_id: input.parentEnrollmentId ?? null,
            status: 'active',
            dev_info: toJson(input.devInfo),
            context: toJson(input.context),
            enrolled_at: now,
            last_seen_at: null,
            last_report_at: null,
            report_digest: null,
            ended_at: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toEnrollment({ ...row, device_id: device.deviceId });
      } catch (err) {
        translate(err, `enrollment of ${input.deviceId}`);
      }
    });
  }

  #enrollments() {
    return this.ctx.db
      .selectFrom('enrollments as e')
      .innerJoin('devices as d', 'd.id', 'e.device_pk')
      .select([
        'e.id',
        'e.device_pk',
        'e.kind',
        'e.parent_enrollment_id',
        'e.status',
        'e.dev_info',
        'e.context',
        'e.enrolled_at',
        'e.last_seen_at',
        'e.last_report_at',
        'e.ended_at',
        'd.device_id',
      ]);
  }

  async getEnrollment(id: number): Promise<Enrollment | undefined> {
    const row = await this.#enrollments().where('e.id', '=', id).executeTakeFirst();
    return row && toEnrollment(row);
  }

  async findActiveEnrollment(deviceId: string, kind: EnrollmentKind): Promise<Enrollment | undefined> {
    const row = await this.#enrollments()
      .where('d.device_id', '=', deviceId)
      .where('e.kind', '=', kind)
      .where('e.status', '=', 'active')
      .executeTakeFirst();
    return row && toEnrollment(row);
  }

  async listEnrollments(filter?: EnrollmentFilter): Promise<Enrollment[]> {
    const rows = await this.#enrollments()
      .$if(filter?.deviceId !== undefined, (q) => q.where('d.device_id', '=', filter!.deviceId!))
      .$if(filter?.kind !== undefined, (q) => q.where('e.kind', '=', filter!.kind!))
      .$if(filter?.status !== undefined, (q) => q.where('e.status', '=', filter!.status!))
      .$if(filter?.after !== undefined, (q) => q.where('e.id', '>', filter!.after!))
      .orderBy('e.id')
      .limit(pageLimit(filter))
      .execute();
    return rows.map(toEnrollment);
  }

  /** Prebuilt: every management message without a WinDC report ends here (see prebuilt.ts). */
  async touchEnrollment(id: number, input?: { devInfo?: Record<string, string> | undefined }): Promise<void> {
    const withDevInfo = input?.devInfo !== undefined;
    const text = prebuilt(
      this.ctx.backend,
      `enrollments:touch:${withDevInfo}`,
      (p) =>
        `update enrollments set last_seen_at = ${p()}${withDevInfo ? `, dev_info = ${p()}` : ''} where id = ${p()}`,
    );
    await run(this.ctx.db, text, withDevInfo ? [this.ctx.now(), toJson(input?.devInfo), id] : [this.ctx.now(), id]);
  }

  async unenroll(id: number): Promise<boolean> {
    const r = await this.ctx.db
      .updateTable('enrollments')
      .set({ status: 'unenrolled', ended_at: this.ctx.now() })
      .where('id', '=', id)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return affected(r) > 0;
  }
}
