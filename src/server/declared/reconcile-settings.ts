/**
 * ManagementServiceConfiguration and DMClient settings on one WinDC enrollment: merge the device's group
 * settings, diff against what was applied, queue Replaces (the poll schedule as one Atomic) and Deletes, and
 * record each node as pending until the device answers (replies.ts).
 */
import type { AppliedSetting, Enrollment, SettingState } from '../../store/index.ts';
import { type CommandTemplate, queueCommand } from '../management/payload.ts';
import type { DeclaredDeps } from './context.ts';
import { type NewEvent, publish } from './events.ts';
import { type DesiredNode, desiredNodes, diffSettings, mergeSettings } from './settings.ts';

export const SETTINGS_ORIGIN = 'settings';

function replace(n: DesiredNode): CommandTemplate {
  return {
    kind: 'Replace',
    items: [{ target: { locUri: n.locUri }, meta: { format: n.format, type: 'text/plain' }, data: n.value }],
  };
}

export async function reconcileSettings(
  deps: DeclaredDeps,
  enrollment: Enrollment,
  resync = false,
): Promise<{ queued: number; lastEventId: number }> {
  const { store } = deps;
  const groups = await store.declared.groups.settingsForDevice(enrollment.devicePk);
  const applied = await store.declared.settings.list(enrollment.id);
  if (groups.length === 0 && applied.length === 0) return { queued: 0, lastEventId: 0 };
  const desired = desiredNodes(mergeSettings(groups), deps.linkedProviderId);
  const actions = diffSettings(desired, applied, resync);
  if (actions.length === 0) return { queued: 0, lastEventId: 0 };
  const before = new Map(applied.map((a) => [a.locUri, a]));
  const now = deps.now();
  let queued = 0;
  let lastEventId = 0;
  await store.transaction(async (tx) => {
    const rows: AppliedSetting[] = [];
    for (const a of actions) {
      const command: CommandTemplate =
        a.kind === 'clear'
          ? { kind: 'Delete', items: [{ target: { locUri: a.locUri } }] }
          : a.nodes.length === 1
            ? replace(a.nodes[0]!)
            : { kind: 'Atomic', commands: a.nodes.map(replace) };
      const key =
        a.kind === 'clear'
          ? `dc:setting:${a.locUri}:delete`
          : `dc:setting:${a.nodes.map((n) => `${n.locUri}=${n.value}`).join(';')}`;
      const r = await queueCommand(tx, {
        enrollmentIds: [enrollment.id],
        command,
        origin: SETTINGS_ORIGIN,
        dedupeKey: key,
      });
      if (r.queued.length === 0) continue;
      queued++;
      const nodes = a.kind === 'clear' ? [{ locUri: a.locUri, value: null }] : a.nodes;
      for (const n of nodes) {
        rows.push({
          enrollmentId: enrollment.id,
          locUri: n.locUri,
          value: n.value,
          state: 'pending',
          code: null,
          commandUuid: r.commandUuid,
          updatedAt: now,
        });
      }
    }
    await tx.declared.settings.put(rows);
    lastEventId = await publish(tx, settingEvents(enrollment, before, rows));
  });
  return { queued, lastEventId };
}

export function settingEvents(
  enrollment: Enrollment,
  before: ReadonlyMap<string, Pick<AppliedSetting, 'state'>>,
  rows: readonly AppliedSetting[],
): NewEvent[] {
  return rows
    .filter((r) => before.get(r.locUri)?.state !== r.state)
    .map((r) => ({
      type: 'setting.status',
      payload: {
        deviceId: enrollment.deviceId,
        enrollmentId: enrollment.id,
        locUri: r.locUri,
        value: r.value,
        from: (before.get(r.locUri)?.state ?? null) as SettingState | null,
        to: r.state,
        code: r.code,
      },
    }));
}

/** The state a node reaches from the device's Status: 404/406 mean the node does not exist on that build. */
export function settingStateFor(code: number): SettingState {
  if (code >= 200 && code < 300) return 'applied';
  if (code === 404 || code === 406) return 'unsupported';
  return 'failed';
}
