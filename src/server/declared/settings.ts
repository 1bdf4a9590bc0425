/**
 * Settings windc manages on the WinDC enrollment outside documents, per device group:
 * ManagementServiceConfiguration (RefreshInterval, CertificateExpirationThreshold, StartSyncSessionOnFailure; seed
 * 002) and the linked account's DMClient poll schedule and EnableOmaDmKeepAliveMessage (seed 004). Pure: the
 * admin's input is validated against the CSP node definitions (one source of ranges for server and emulator),
 * groups are merged by precedence, and the desired node values are diffed against what was applied.
 *
 * A device that answers 404 or 406 lacks the node (the 2024-09-12 CSP page dropped ManagementServiceConfiguration
 * and the 26200 capture answered 406 on a primary enrollment): that is recorded as `unsupported` and the same
 * value is not sent again; a new value, or an admin resync, tries once more.
 */
import { checkPollSchedule, findNode, type PollSchedule, validateValue } from '../../protocol/csp/index.ts';
import { settingLocUri } from '../../protocol/declared/index.ts';
import type { AppliedSetting, GroupSettings } from '../../store/index.ts';
import { ApiError } from '../admin/errors.ts';
import { parsePollSchedule } from '../enroll/config.ts';

export interface ManagementServiceSettings {
  refreshInterval?: number | undefined;
  certificateExpirationThreshold?: number | undefined;
  startSyncSessionOnFailure?: boolean | undefined;
}

export interface DmClientSettings {
  /** Canonical form: the six Poll values. */
  pollSchedule?: PollSchedule | undefined;
  enableOmaDmKeepAliveMessage?: boolean | undefined;
}

export interface GroupSettingsValue {
  managementService?: ManagementServiceSettings | undefined;
  dmClient?: DmClientSettings | undefined;
}

export interface SettingsInput {
  managementService?: ManagementServiceSettings | undefined;
  dmClient?:
    | { pollSchedule?: string | Partial<PollSchedule> | undefined; enableOmaDmKeepAliveMessage?: boolean | undefined }
    | undefined;
}

/** One node windc wants set on the device, and how it is sent. */
export interface DesiredNode {
  locUri: string;
  format: 'int' | 'bool';
  value: string;
  /** Nodes sent together in one Atomic (the poll schedule: seed 004's rules hold for the six values together). */
  batch?: string | undefined;
}

const MSC_NODES = {
  refreshInterval: 'RefreshInterval',
  certificateExpirationThreshold: 'CertificateExpirationThreshold',
  startSyncSessionOnFailure: 'StartSyncSessionOnFailure',
} as const;

const POLL_NODES: Record<keyof PollSchedule, string> = {
  intervalForFirstSetOfRetries: 'IntervalForFirstSetOfRetries',
  numberOfFirstRetries: 'NumberOfFirstRetries',
  intervalForSecondSetOfRetries: 'IntervalForSecondSetOfRetries',
  numberOfSecondRetries: 'NumberOfSecondRetries',
  intervalForRemainingScheduledRetries: 'IntervalForRemainingScheduledRetries',
  numberOfRemainingScheduledRetries: 'NumberOfRemainingScheduledRetries',
};

function checkNode(locUri: string, value: string, what: string): void {
  const m = findNode(locUri);
  if (!m) throw new Error(`${locUri} is not a catalogued node`);
  const check = validateValue(m.node, value);
  if (!check.ok) throw new ApiError('SETTING_INVALID', `${what}: ${check.error.message}`);
}

/** Validates an admin's settings; returns the canonical value stored for the group and any advice. */
export function validateSettings(input: SettingsInput): { value: GroupSettingsValue; notes: string[] } {
  const notes: string[] = [];
  const value: GroupSettingsValue = {};
  const msc = input.managementService;
  if (msc) {
    const out: ManagementServiceSettings = {};
    for (const [key, node] of Object.entries(MSC_NODES) as [keyof ManagementServiceSettings, string][]) {
      const v = msc[key];
      if (v === undefined) continue;
      checkNode(settingLocUri(node as 'RefreshInterval'), String(v), key);
      (out as Record<string, unknown>)[key] = v;
    }
    if (Object.keys(out).length > 0) value.managementService = out;
  }
  const dm = input.dmClient;
  if (dm) {
    const out: DmClientSettings = {};
    if (dm.pollSchedule !== undefined) {
      out.pollSchedule = pollFrom(dm.pollSchedule);
      const check = checkPollSchedule(out.pollSchedule);
      const refused = check.findings.find((f) => f.severity !== 'note');
      if (refused) throw new ApiError('POLL_SCHEDULE_INVALID', refused.message, { findings: check.findings });
      notes.push(...check.findings.map((f) => f.message));
    }
    if (dm.enableOmaDmKeepAliveMessage !== undefined) out.enableOmaDmKeepAliveMessage = dm.enableOmaDmKeepAliveMessage;
    if (Object.keys(out).length > 0) value.dmClient = out;
  }
  return { value, notes };
}

function pollFrom(p: string | Partial<PollSchedule>): PollSchedule {
  if (typeof p === 'string') {
    try {
      return parsePollSchedule(p);
    } catch (e) {
      throw new ApiError('POLL_SCHEDULE_INVALID', (e as Error).message.replace(/^--poll-schedule:?\s*/, ''));
    }
  }
  // Values left out are 0 here, not the device default: a schedule is sent whole.
  const s = Object.fromEntries(Object.keys(POLL_NODES).map((k) => [k, p[k as keyof PollSchedule] ?? 0]));
  return s as unknown as PollSchedule;
}

/** Group settings merged field by field; the group with the lowest precedence that sets a field wins. */
export function mergeSettings(groups: readonly GroupSettings[]): GroupSettingsValue {
  const sorted = [...groups].sort((a, b) => a.precedence - b.precedence || (a.group < b.group ? -1 : 1));
  const msc: ManagementServiceSettings = {};
  const dm: DmClientSettings = {};
  for (const g of [...sorted].reverse()) {
    const v = g.settings as GroupSettingsValue;
    Object.assign(msc, stripUndefined(v.managementService));
    Object.assign(dm, stripUndefined(v.dmClient));
  }
  const out: GroupSettingsValue = {};
  if (Object.keys(msc).length > 0) out.managementService = msc;
  if (Object.keys(dm).length > 0) out.dmClient = dm;
  return out;
}

function stripUndefined<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The node values a device must hold; `providerId` is the linked account's DMClient ProviderID. */
export function desiredNodes(settings: GroupSettingsValue, providerId: string): DesiredNode[] {
  const out: DesiredNode[] = [];
  const msc = settings.managementService ?? {};
  for (const [key, node] of Object.entries(MSC_NODES) as [keyof ManagementServiceSettings, string][]) {
    const v = msc[key];
    if (v === undefined) continue;
    out.push({
      locUri: settingLocUri(node as 'RefreshInterval'),
      format: typeof v === 'boolean' ? 'bool' : 'int',
      value: String(v),
    });
  }
  const base = `./Device/Vendor/MSFT/DMClient/Provider/${encodeURIComponent(providerId)}`;
  const dm = settings.dmClient ?? {};
  if (dm.pollSchedule) {
    for (const [key, node] of Object.entries(POLL_NODES) as [keyof PollSchedule, string][]) {
      out.push({ locUri: `${base}/Poll/${node}`, format: 'int', value: String(dm.pollSchedule[key]), batch: 'poll' });
    }
  }
  if (dm.enableOmaDmKeepAliveMessage !== undefined) {
    out.push({
      locUri: `${base}/EnableOmaDmKeepAliveMessage`,
      format: 'bool',
      value: String(dm.enableOmaDmKeepAliveMessage),
    });
  }
  return out;
}

export type SettingAction =
  | { kind: 'set'; nodes: DesiredNode[] }
  /** A node windc set is no longer wanted: Delete restores the device default (the DDF allows Delete). */
  | { kind: 'clear'; locUri: string };

/**
 * What to send: every desired node whose last sent value differs. The same value is never sent twice on its own,
 * whether it is pending, applied, refused as unsupported or failed; `resync` re-sends everything. A batch goes
 * whole when any of its nodes must.
 */
export function diffSettings(
  desired: readonly DesiredNode[],
  applied: readonly AppliedSetting[],
  resync = false,
): SettingAction[] {
  const byUri = new Map(applied.map((a) => [a.locUri, a]));
  const needed = desired.filter((d) => {
    const a = byUri.get(d.locUri);
    return resync || !a || a.value !== d.value;
  });
  const batches = new Set(needed.map((n) => n.batch).filter((b) => b !== undefined));
  const actions: SettingAction[] = [];
  const singles = needed.filter((n) => n.batch === undefined);
  for (const n of singles) actions.push({ kind: 'set', nodes: [n] });
  for (const b of [...batches].sort()) actions.push({ kind: 'set', nodes: desired.filter((d) => d.batch === b) });
  const wanted = new Set(desired.map((d) => d.locUri));
  for (const a of applied) {
    if (!wanted.has(a.locUri) && a.value !== null && a.state !== 'unsupported') {
      actions.push({ kind: 'clear', locUri: a.locUri });
    }
  }
  return actions;
}
