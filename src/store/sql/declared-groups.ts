/**
 * Rule-based membership is materialised into device_group_members, so every query that resolves a device's sets
 * (desired documents, devicesReaching) sees it without change. device_group_rule_marks remembers which of those
 * rows a rule created: only those are removed when the rule stops matching, and an admin's explicit add "pins" a
 * member by dropping its mark.
 */
import type { Selectable } from 'kysely';
import type { GroupRuleStore, GroupRules, GroupSettings } from '../declared.ts';
import type { PutResult } from '../documents.ts';
import { StoreError } from '../errors.ts';
import { type Page, pageLimit } from '../types.ts';
import { atomic, type Ctx, chunks, fromJson } from './context.ts';
import {
  type DeclaredDb,
  type DeviceGroupRulesTable,
  type DeviceGroupSettingsTable,
  declaredDb,
} from './declared-schema.ts';
import { prebuilt, run } from './prebuilt.ts';

const toRules = (r: Selectable<DeviceGroupRulesTable>): GroupRules => ({
  group: r.group_name,
  rules: fromJson(r.rules),
  updatedAt: r.updated_at,
});

const toSettings = (r: Selectable<DeviceGroupSettingsTable>): GroupSettings => ({
  group: r.group_name,
  settings: fromJson(r.settings),
  precedence: r.precedence,
  updatedAt: r.updated_at,
});

async function requireGroup(db: DeclaredDb, group: string, lock: boolean): Promise<void> {
  const row = await db
    .selectFrom('device_groups')
    .select('name')
    .where('name', '=', group)
    .$if(lock, (q) => q.forUpdate())
    .executeTakeFirst();
  if (!row) throw new StoreError('NOT_FOUND', `group ${group} does not exist`);
}

export class SqlGroupRules implements GroupRuleStore {
  constructor(private readonly ctx: Ctx) {}

  async putRules(group: string, rules: unknown): Promise<PutResult<GroupRules | null>> {
    return atomic(this.ctx, async (raw) => {
      const db = declaredDb(raw);
      await requireGroup(db, group, this.ctx.backend === 'postgres');
      const row = await db
        .selectFrom('device_group_rules')
        .selectAll()
        .where('group_name', '=', group)
        .executeTakeFirst();
      if (rules === null) {
        if (!row) return { value: null, changed: false };
        await db.deleteFrom('device_group_rules').where('group_name', '=', group).execute();
        await this.#dropMarked(db, group, undefined);
        return { value: null, changed: true };
      }
      const text = JSON.stringify(rules);
      if (row?.rules === text) return { value: toRules(row), changed: false };
      const values = { group_name: group, rules: text, updated_at: this.ctx.now() };
      const written = await db
        .insertInto('device_group_rules')
        .values(values)
        .onConflict((oc) => oc.column('group_name').doUpdateSet({ rules: text, updated_at: values.updated_at }))
        .returningAll()
        .executeTakeFirstOrThrow();
      return { value: toRules(written), changed: true };
    });
  }

  async listRules(): Promise<GroupRules[]> {
    const rows = await declaredDb(this.ctx.db)
      .selectFrom('device_group_rules')
      .selectAll()
      .orderBy('group_name')
      .execute();
    return rows.map(toRules);
  }

  async ruleGroupsOf(devicePk: number): Promise<string[]> {
    const rows = await declaredDb(this.ctx.db)
      .selectFrom('device_group_rule_marks')
      .select('group_name')
      .where('device_pk', '=', devicePk)
      .orderBy('group_name')
      .execute();
    return rows.map((r) => r.group_name);
  }

  async setRuleGroups(devicePk: number, groups: readonly string[]): Promise<boolean> {
    return atomic(this.ctx, async (raw) => {
      const db = declaredDb(raw);
      const want = new Set(groups);
      const marked = new Set(
        (
          await db
            .selectFrom('device_group_rule_marks')
            .select('group_name')
            .where('device_pk', '=', devicePk)
            .execute()
        ).map((r) => r.group_name),
      );
      const drop = [...marked].filter((g) => !want.has(g));
      const candidates = [...want].filter((g) => !marked.has(g));
      let changed = false;
      for (const g of drop) changed = (await this.#dropMarked(db, g, [devicePk])) > 0 || changed;
      if (candidates.length > 0) {
        // A device already in the group by hand stays a static member: no mark, nothing to undo later.
        const members = new Set(
          (
            await db
              .selectFrom('device_group_members')
              .select('group_name')
              .where('device_pk', '=', devicePk)
              .where('group_name', 'in', candidates)
              .execute()
          ).map((r) => r.group_name),
        );
        const add = candidates.filter((g) => !members.has(g));
        if (add.length > 0) {
          await db
            .insertInto('device_group_members')
            .values(add.map((group_name) => ({ group_name, device_pk: devicePk })))
            .onConflict((oc) => oc.doNothing())
            .execute();
          await db
            .insertInto('device_group_rule_marks')
            .values(add.map((group_name) => ({ group_name, device_pk: devicePk })))
            .onConflict((oc) => oc.doNothing())
            .execute();
          changed = true;
        }
      }
      return changed;
    });
  }

  /** Removes rule-made memberships of the group (for the given devices, or all) with their marks. */
  async #dropMarked(db: DeclaredDb, group: string, devicePks: readonly number[] | undefined): Promise<number> {
    const marks = db
      .selectFrom('device_group_rule_marks')
      .select('device_pk')
      .where('group_name', '=', group)
      .$if(devicePks !== undefined, (q) => q.where('device_pk', 'in', devicePks!));
    const r = await db
      .deleteFrom('device_group_members')
      .where('group_name', '=', group)
      .where('device_pk', 'in', marks)
      .executeTakeFirst();
    await db
      .deleteFrom('device_group_rule_marks')
      .where('group_name', '=', group)
      .$if(devicePks !== undefined, (q) => q.where('device_pk', 'in', devicePks!))
      .execute();
    return Number(r.numDeletedRows ?? 0n);
  }

  async ruleMembers(group: string, page?: Page): Promise<number[]> {
    const rows = await declaredDb(this.ctx.db)
      .selectFrom('device_group_rule_marks')
      .select('device_pk')
      .where('group_name', '=', group)
      .$if(page?.after !== undefined, (q) => q.where('device_pk', '>', page!.after!))
      .orderBy('device_pk')
      .limit(pageLimit(page))
      .execute();
    return rows.map((r) => r.device_pk);
  }

  async pin(group: string, devicePks: readonly number[]): Promise<void> {
    const db = declaredDb(this.ctx.db);
    for (const part of chunks(devicePks, 1)) {
      await db
        .deleteFrom('device_group_rule_marks')
        .where('group_name', '=', group)
        .where('device_pk', 'in', part)
        .execute();
    }
  }

  async putSettings(group: string, settings: unknown, precedence: number): Promise<PutResult<GroupSettings | null>> {
    return atomic(this.ctx, async (raw) => {
      const db = declaredDb(raw);
      await requireGroup(db, group, this.ctx.backend === 'postgres');
      const row = await db
        .selectFrom('device_group_settings')
        .selectAll()
        .where('group_name', '=', group)
        .executeTakeFirst();
      if (settings === null) {
        if (!row) return { value: null, changed: false };
        await db.deleteFrom('device_group_settings').where('group_name', '=', group).execute();
        return { value: null, changed: true };
      }
      const text = JSON.stringify(settings);
      if (row && row.settings === text && row.precedence === precedence)
        return { value: toSettings(row), changed: false };
      const now = this.ctx.now();
      const written = await db
        .insertInto('device_group_settings')
        .values({ group_name: group, settings: text, precedence, updated_at: now })
        .onConflict((oc) => oc.column('group_name').doUpdateSet({ settings: text, precedence, updated_at: now }))
        .returningAll()
        .executeTakeFirstOrThrow();
      return { value: toSettings(written), changed: true };
    });
  }

  async listSettings(): Promise<GroupSettings[]> {
    const rows = await declaredDb(this.ctx.db)
      .selectFrom('device_group_settings')
      .selectAll()
      .orderBy('precedence')
      .orderBy('group_name')
      .execute();
    return rows.map(toSettings);
  }

  /** Read at the first message of every WinDC session, so prebuilt (see prebuilt.ts). */
  async settingsForDevice(devicePk: number): Promise<GroupSettings[]> {
    const text = prebuilt(
      this.ctx.backend,
      'declared:group-settings',
      (p) =>
        `select s.group_name, s.settings, s.precedence, s.updated_at from device_group_settings s
         join device_group_members m on m.group_name = s.group_name
         where m.device_pk = ${p()} order by s.precedence, s.group_name`,
    );
    const rows = await run<Selectable<DeviceGroupSettingsTable>>(this.ctx.db, text, [devicePk]);
    return rows.rows.map((r) => ({
      ...toSettings(r),
      precedence: Number(r.precedence),
      updatedAt: Number(r.updated_at),
    }));
  }
}
