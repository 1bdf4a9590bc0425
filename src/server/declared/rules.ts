/**
 * Device-group rules: membership decided by what a device said about itself, in its DevInfo (every session)
 * and its enrollment's AdditionalContext (MS-MDE2 §4.3.1.2). Pure: validation and evaluation only; the
 * materialised membership lives in the store (membership.ts keeps it current).
 *
 * A rule is `{ match: "all" | "any", conditions: [{ attribute, op, value }] }`; `all` with no conditions matches
 * every device. A condition on an attribute the device never reported is false, whatever the operator, so a
 * rule never captures a device on missing data.
 */
import { ApiError } from '../admin/errors.ts';

export const RULE_ATTRIBUTES = {
  manufacturer: 'DevInfo Man',
  model: 'DevInfo Mod',
  language: 'DevInfo Lang',
  dmVersion: 'DevInfo DmV',
  osVersion: 'AdditionalContext OSVersion (10.0.22631.3958)',
  osBuild: 'the build of osVersion (22631.3958)',
  osEdition: 'AdditionalContext OSEdition',
  deviceName: 'AdditionalContext DeviceName',
  enrollmentType: 'AdditionalContext EnrollmentType (Full, Device)',
  deviceId: 'the DeviceID the device enrolled with',
} as const;

export type RuleAttribute = keyof typeof RULE_ATTRIBUTES;

export const RULE_OPERATORS = [
  'equals',
  'notEquals',
  'startsWith',
  'contains',
  'in',
  'matches',
  'versionAtLeast',
  'versionBelow',
] as const;

export type RuleOperator = (typeof RULE_OPERATORS)[number];

export interface Condition {
  attribute: RuleAttribute;
  op: RuleOperator;
  value: string | string[];
}

export interface GroupRule {
  match: 'all' | 'any';
  conditions: Condition[];
}

export type DeviceAttributes = Partial<Record<RuleAttribute, string>>;

const MAX_CONDITIONS = 32;
const MAX_PATTERN = 200;
const VERSION_RE = /^\d+(\.\d+){0,3}$/;

function bad(message: string): ApiError {
  return new ApiError('RULE_INVALID', message);
}

/** Checks an admin's rule and returns it in canonical form (what is stored and compared for "changed"). */
export function validateRule(input: unknown): GroupRule {
  if (typeof input !== 'object' || input === null) throw bad('a rule is an object with match and conditions');
  const { match, conditions } = input as { match?: unknown; conditions?: unknown };
  if (match !== 'all' && match !== 'any') throw bad(`match must be 'all' or 'any', got ${JSON.stringify(match)}`);
  if (!Array.isArray(conditions)) throw bad('conditions must be a list');
  if (conditions.length > MAX_CONDITIONS) throw bad(`at most ${MAX_CONDITIONS} conditions`);
  if (match === 'any' && conditions.length === 0) throw bad("'any' of no conditions would match nothing");
  return { match, conditions: conditions.map((c, i) => validateCondition(c, i)) };
}

function validateCondition(input: unknown, i: number): Condition {
  const at = `condition ${i + 1}`;
  if (typeof input !== 'object' || input === null) throw bad(`${at} is not an object`);
  const { attribute, op, value } = input as { attribute?: unknown; op?: unknown; value?: unknown };
  if (typeof attribute !== 'string' || !(attribute in RULE_ATTRIBUTES)) {
    throw bad(`${at}: attribute must be one of ${Object.keys(RULE_ATTRIBUTES).join(', ')}`);
  }
  if (typeof op !== 'string' || !(RULE_OPERATORS as readonly string[]).includes(op)) {
    throw bad(`${at}: op must be one of ${RULE_OPERATORS.join(', ')}`);
  }
  const o = op as RuleOperator;
  if (o === 'in') {
    if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string')) {
      throw bad(`${at}: 'in' takes a non-empty list of strings`);
    }
    return { attribute: attribute as RuleAttribute, op: o, value: [...value] };
  }
  if (typeof value !== 'string') throw bad(`${at}: '${o}' takes a string value`);
  if (o === 'matches') {
    if (value.length > MAX_PATTERN) throw bad(`${at}: a pattern is at most ${MAX_PATTERN} characters`);
    try {
      new RegExp(value, 'i');
    } catch (e) {
      throw bad(`${at}: ${(e as Error).message}`);
    }
  }
  if ((o === 'versionAtLeast' || o === 'versionBelow') && !VERSION_RE.test(value)) {
    throw bad(`${at}: '${value}' is not a dotted version such as 10.0.22631`);
  }
  return { attribute: attribute as RuleAttribute, op: o, value };
}

/** Numeric, part by part; a missing part counts 0 (10.0 = 10.0.0). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

const regexCache = new Map<string, RegExp>();

function regex(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) {
    re = new RegExp(pattern, 'i');
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re;
}

function holds(c: Condition, attrs: DeviceAttributes): boolean {
  const actual = attrs[c.attribute];
  if (actual === undefined || actual === '') return false;
  const a = actual.toLowerCase();
  const v = c.value;
  switch (c.op) {
    case 'equals':
      return a === String(v).toLowerCase();
    case 'notEquals':
      return a !== String(v).toLowerCase();
    case 'startsWith':
      return a.startsWith(String(v).toLowerCase());
    case 'contains':
      return a.includes(String(v).toLowerCase());
    case 'in':
      return (v as string[]).some((x) => x.toLowerCase() === a);
    case 'matches':
      return regex(String(v)).test(actual);
    case 'versionAtLeast':
      return VERSION_RE.test(actual) && compareVersions(actual, String(v)) >= 0;
    case 'versionBelow':
      return VERSION_RE.test(actual) && compareVersions(actual, String(v)) < 0;
  }
}

export function ruleMatches(rule: GroupRule, attrs: DeviceAttributes): boolean {
  return rule.match === 'all'
    ? rule.conditions.every((c) => holds(c, attrs))
    : rule.conditions.some((c) => holds(c, attrs));
}

function pick(record: Record<string, string> | null | undefined, ...names: string[]): string | undefined {
  if (!record) return undefined;
  for (const n of names) {
    const key = Object.keys(record).find((k) => k.toLowerCase() === n.toLowerCase());
    if (key !== undefined && record[key] !== undefined && record[key] !== '') return record[key];
  }
  return undefined;
}

/**
 * A device's attributes from its enrollments' DevInfo and AdditionalContext; later sources win, so pass the
 * primary enrollment before the linked one (the linked session's DevInfo is the freshest).
 */
export function deviceAttributes(
  deviceId: string,
  sources: readonly { devInfo: Record<string, string> | null; context: Record<string, string> | null }[],
): DeviceAttributes {
  const attrs: DeviceAttributes = { deviceId };
  for (const s of sources) {
    const set = (k: RuleAttribute, v: string | undefined) => {
      if (v !== undefined) attrs[k] = v;
    };
    set('manufacturer', pick(s.devInfo, 'Man'));
    set('model', pick(s.devInfo, 'Mod'));
    set('language', pick(s.devInfo, 'Lang'));
    set('dmVersion', pick(s.devInfo, 'DmV'));
    set('osVersion', pick(s.context, 'OSVersion', 'osVersion'));
    set('osEdition', pick(s.context, 'OSEdition'));
    set('deviceName', pick(s.context, 'DeviceName'));
    set('enrollmentType', pick(s.context, 'EnrollmentType'));
  }
  if (attrs.osVersion) {
    const parts = attrs.osVersion.split('.');
    if (parts.length >= 3) attrs.osBuild = parts.slice(2).join('.');
  }
  return attrs;
}

/** Names of the rule groups the device belongs in. */
export function matchingGroups(
  rules: readonly { group: string; rule: GroupRule }[],
  attrs: DeviceAttributes,
): string[] {
  return rules.filter((r) => ruleMatches(r.rule, attrs)).map((r) => r.group);
}
