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

/** The columns of `#enrollments()` below, for the prebuilt statements. */
const ENROLLMENT_COLUMNS =
  'e.id, e.device_pk, e.kind, e.parent_enrollment_id, e.status, e.dev_info, e.context, e.enrolled_at, ' +
  'e.last_seen_at, e.last_report_at, e.ended_at, d.device_id';

export class SqlDevices implements DeviceStore {
  constructor(private readonly ctx: Ctx) {}

  upsertDevice(input: { deviceId: string; hwDevId?: string | null | undefined }): Promise<Device> {
    return atomic(this.ctx, (db) => this.#upsertDevice(db, input));
  }

  /** Prebuilt (prebuilt.ts): runs in every enrollment's transaction. */
  async #upsertDevice(
    db: Kysely<Schema>,
    input: { deviceId: string; hwDevId?: string | null | undefined },
  ): Promise<Device> {
    const now = this.ctx.now();
    const hw = input.hwDevId ?? null;
    // The conditional update writes (and returns) only when a new HWDevID arrives; otherwise read it back.
    const upsert = prebuilt(
      this.ctx.backend,
      `devices:upsert:${hw === null}`,
      (p) =>
        `insert into devices (device_id, hw_dev_id, created_at, updated_at) values (${p()}, ${p()}, ${p()}, ${p()}) ` +
        (hw === null
          ? 'on conflict (device_id) do nothing'
          : 'on conflict (device_id) do update set hw_dev_id = excluded.hw_dev_id, updated_at = excluded.updated_at ' +
            'where devices.hw_dev_id is distinct from excluded.hw_dev_id') +
        ' returning *',
    );
    const row = (await run<Selectable<DevicesTable>>(db, upsert, [input.deviceId, hw, now, now])).rows[0];
    if (row) return toDevice(row);
    const select = prebuilt(
      this.ctx.backend,
      'devices:by-device-id',
      (p) => `select * from devices where device_id = ${p()}`,
    );
    const found = (await run<Selectable<DevicesTable>>(db, select, [input.deviceId])).rows[0];
    if (!found) throw new Error(`device ${input.deviceId} vanished inside its own transaction`);
    return toDevice(found);
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

  /** Prebuilt statements (prebuilt.ts): this transaction is most of an enrollment's store cost. */
  enroll(input: EnrollInput): Promise<Enrollment> {
    const { backend } = this.ctx;
    return atomic(this.ctx, async (db) => {
      const device = await this.#upsertDevice(db, input);
      // Serialises concurrent enrollments of one device (a retried request landing on another process):
      // the second waits, then replaces the first instead of colliding with it on the one-active index.
      if (backend === 'postgres') {
        const lock = prebuilt(backend, 'devices:lock', (p) => `select id from devices where id = ${p()} for update`);
        await run(db, lock, [device.pk]);
      }
      const now = this.ctx.now();
      const replace = prebuilt(
        backend,
        'enrollments:replace-active',
        (p) =>
          `update enrollments set status = 'replaced', ended_at = ${p()} ` +
          `where device_pk = ${p()} and kind = ${p()} and status = 'active'`,
      );
      await run(db, replace, [now, device.pk, input.kind]);
      const insert = prebuilt(
        backend,
        'enrollments:insert',
        (p) =>
          'insert into enrollments (device_pk, kind, parent_enrollment_id, status, dev_info, context, enrolled_at, ' +
          `last_seen_at, last_report_at, report_digest, ended_at) values (${p()}, ${p()}, ${p()}, 'active', ${p()}, ` +
          `${p()}, ${p()}, null, null, null, null) returning *`,
      );
      const params = [
        device.pk,
        input.kind,
        input.parentEnrollmentId ?? null,
        toJson(input.devInfo),
        toJson(input.context),
        now,
      ];
      try {
        const row = (await run<Selectable<EnrollmentsTable>>(db, insert, params)).rows[0];
        if (!row) throw new Error('unreachable: an insert with returning gave no row');
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

  /** Prebuilt (prebuilt.ts): on every linked enrollment signed by a windc certificate, and every renewal. */
  async getEnrollment(id: number): Promise<Enrollment | undefined> {
    const text = prebuilt(
      this.ctx.backend,
      'enrollments:by-id',
      (p) =>
        `select ${ENROLLMENT_COLUMNS} from enrollments e inner join devices d on d.id = e.device_pk where e.id = ${p()}`,
    );
    const row = (await run<EnrollmentRow>(this.ctx.db, text, [id])).rows[0];
    return row && toEnrollment(row);
  }

  /** Prebuilt (prebuilt.ts): asked on every enrollment, and on every linked-enrollment reconcile. */
  async findActiveEnrollment(deviceId: string, kind: EnrollmentKind): Promise<Enrollment | undefined> {
    const text = prebuilt(
      this.ctx.backend,
      'enrollments:find-active',
      (p) =>
        `select ${ENROLLMENT_COLUMNS} from enrollments e inner join devices d on d.id = e.device_pk ` +
        `where d.device_id = ${p()} and e.kind = ${p()} and e.status = 'active'`,
    );
    const row = (await run<EnrollmentRow>(this.ctx.db, text, [deviceId, kind])).rows[0];
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
