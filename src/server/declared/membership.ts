/**
 * Keeps rule-made group membership current: for one device at each of its sessions (its DevInfo may have
 * changed), and for every device when an admin changes a group's rule. Rules are few and read on every session,
 * so they are cached per process for a few seconds; a rule change re-evaluates everyone at once anyway, so the
 * cache only delays the rare device whose attributes changed in the same seconds.
 */
import type { Enrollment } from '../../store/index.ts';
import type { DeclaredDeps, GroupRuleList } from './context.ts';
import { deviceAttributes, type GroupRule, matchingGroups } from './rules.ts';

const TTL_MS = 5000;

async function rules(deps: DeclaredDeps): Promise<GroupRuleList> {
  const now = deps.now();
  const hit = deps.memo?.rules;
  if (hit && now - hit.at < TTL_MS) return hit.rules;
  const rows = await deps.store.declared.groups.listRules();
  const fresh = { at: now, rules: rows.map((r) => ({ group: r.group, rule: r.rules as GroupRule })) };
  if (deps.memo) deps.memo.rules = fresh;
  return fresh.rules;
}

function attributesOf(deviceId: string, enrollments: readonly Enrollment[]) {
  // Primary first: the WinDC enrollment's DevInfo comes from the freshest sessions and wins.
  const ordered = [...enrollments].sort((a, b) => (a.kind === b.kind ? a.id - b.id : a.kind === 'primary' ? -1 : 1));
  return deviceAttributes(deviceId, ordered);
}

/** Re-evaluates one device; returns whether its rule groups changed. */
export async function syncRuleMembership(deps: DeclaredDeps, enrollment: Enrollment): Promise<boolean> {
  const all = await rules(deps);
  if (all.length === 0) return false;
  const enrollments = await deps.store.devices.listEnrollments({ deviceId: enrollment.deviceId, status: 'active' });
  const groups = matchingGroups(all, attributesOf(enrollment.deviceId, enrollments));
  return deps.store.declared.groups.setRuleGroups(enrollment.devicePk, groups);
}

/** Re-evaluates every device with an active enrollment; returns how many changed. */
export async function reevaluateAll(deps: DeclaredDeps): Promise<{ evaluated: number; changed: number }> {
  if (deps.memo) deps.memo.rules = undefined;
  const all = await rules(deps);
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
