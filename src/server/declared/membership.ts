/**
 * Keeps rule-made group membership current: for one device at each of its sessions (its DevInfo may have
 * changed), and for every device when an admin changes a group's rule. Rules are few and read on every session's
 * first message, so each process keeps them for as long as the declared generation they were read at stays
 * current. Any process changing a rule moves that generation in the same transaction, so no process ever applies
 * rules another has replaced: with several processes on one database, a time-based cache let a process that had
 * not seen a new rule take its members straight out again at their next session.
 */
import type { Enrollment } from '../../store/index.ts';
import type { DeclaredDeps, GroupRuleList } from './context.ts';
import { deviceAttributes, type GroupRule, matchingGroups } from './rules.ts';

/** @param generation read before calling: a rule changed meanwhile then leaves the memo stale, never wrong. */
async function rules(deps: DeclaredDeps, generation: number | undefined): Promise<GroupRuleList> {
  const hit = deps.memo?.rules;
  if (hit && generation !== undefined && hit.generation === generation) return hit.rules;
  const rows = await deps.store.declared.groups.listRules();
  const fresh = rows.map((r) => ({ group: r.group, rule: r.rules as GroupRule }));
  if (deps.memo && generation !== undefined) deps.memo.rules = { generation, rules: fresh };
  return fresh;
}

function attributesOf(deviceId: string, enrollments: readonly Enrollment[]) {
  // Primary first: the WinDC enrollment's DevInfo comes from the freshest sessions and wins.
  const ordered = [...enrollments].sort((a, b) => (a.kind === b.kind ? a.id - b.id : a.kind === 'primary' ? -1 : 1));
  return deviceAttributes(deviceId, ordered);
}

/**
 * Re-evaluates one device; returns whether its rule groups changed.
 * @param generation the declared generation, read before this (the reconciler reads it anyway).
 */
export async function syncRuleMembership(
  deps: DeclaredDeps,
  enrollment: Enrollment,
  generation: number,
): Promise<boolean> {
  const all = await rules(deps, generation);
  if (all.length === 0) return false;
  const enrollments = await deps.store.devices.listEnrollments({ deviceId: enrollment.deviceId, status: 'active' });
  const groups = matchingGroups(all, attributesOf(enrollment.deviceId, enrollments));
  return deps.store.declared.groups.setRuleGroups(enrollment.devicePk, groups);
}

/** Re-evaluates every device with an active enrollment; returns how many changed. */
export async function reevaluateAll(deps: DeclaredDeps): Promise<{ evaluated: number; changed: number }> {
  const all = await rules(deps, undefined);
  let after: number | undefined;
  const seen = new Map<number, { deviceId: string; enrollments: Enrollment[] }>();
  for (;;) {
    const page = await deps.store.devices.listEnrollments({ status: 'active', after, limit: 1000 });
    for (const e of page) {
      const d = seen.get(e.devicePk) ?? { deviceId: e.deviceId, enrollments: [] };
      d.enrollments.push(e);
      seen.set(e.devicePk, d);
    }
    if (page.length < 1000) break;
    after = page.at(-1)?.id;
  }
  let changed = 0;
  for (const [devicePk, d] of seen) {
    const groups = matchingGroups(all, attributesOf(d.deviceId, d.enrollments));
    if (await deps.store.declared.groups.setRuleGroups(devicePk, groups)) changed++;
  }
  return { evaluated: seen.size, changed };
}
