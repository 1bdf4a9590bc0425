/**
 * `/api/v1/groups`: device groups with static members, rule-made members (DevInfo and enrollment attributes),
 * and per-group ManagementServiceConfiguration and DMClient settings.
 */
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/index.ts';
import { reevaluateAll } from '../declared/membership.ts';
import { RULE_ATTRIBUTES, RULE_OPERATORS, validateRule } from '../declared/rules.ts';
import { type SettingsInput, validateSettings } from '../declared/settings.ts';
import { notFound } from './errors.ts';
import { type AdminContext, actor } from './plugin.ts';
import {
  arr,
  bool,
  changed,
  describedBody,
  int,
  nameAndDeviceParam,
  nameParam,
  nullable,
  obj,
  out,
  pageQuery,
  str,
} from './schemas.ts';
import { devicePk } from './sets.ts';

const TAGS = ['groups'];

const ruleSchema = obj(
  {
    match: str('all: every condition; any: at least one', { enum: ['all', 'any'] }),
    conditions: arr(
      obj(
        {
          attribute: str(
            Object.entries(RULE_ATTRIBUTES)
              .map(([k, v]) => `${k}: ${v}`)
              .join('; '),
            {
              enum: Object.keys(RULE_ATTRIBUTES),
            },
          ),
          op: str(undefined, { enum: [...RULE_OPERATORS] }),
          value: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
        },
        ['attribute', 'op', 'value'],
      ),
      { maxItems: 32 },
    ),
  },
  ['match', 'conditions'],
);

const pollObject = obj(
  Object.fromEntries(
    [
      'intervalForFirstSetOfRetries',
      'numberOfFirstRetries',
      'intervalForSecondSetOfRetries',
      'numberOfSecondRetries',
      'intervalForRemainingScheduledRetries',
      'numberOfRemainingScheduledRetries',
    ].map((k) => [k, int(undefined, { minimum: 0 })]),
  ),
);

const settingsSchema = obj({
  precedence: int('Lower wins when a device is in several groups (default 100)', { minimum: 0, maximum: 1_000_000 }),
  managementService: obj({
    refreshInterval: int('Minutes between refreshes, 30..4294967295 (device default 240)'),
    certificateExpirationThreshold: int('Minutes, 0..4294967295 (device default 2880)'),
    startSyncSessionOnFailure: bool('Start a session when a refresh fails (device default false)'),
  }),
  dmClient: obj({
    pollSchedule: {
      description: 'MINUTESxCOUNT sets (15x8,480) or the six Poll values; checked against seed 004',
      anyOf: [{ type: 'string' }, pollObject],
    },
    enableOmaDmKeepAliveMessage: bool(),
  }),
});

const group = out({
  name: str(),
  description: nullable(str()),
  members: arr(out({ deviceId: str(), source: str('static or rule', { enum: ['static', 'rule'] }) })),
  rules: { nullable: true },
  settings: { nullable: true },
  sets: arr(str()),
});

async function groupView(store: Store, name: string, limit = 1000) {
  const g = await store.declared.collections.group(name);
  if (!g) throw notFound(`group ${name}`);
  const ruleMade = new Set(await store.declared.groups.ruleMembers(name, { limit: 1000 }));
  const members = [];
  for (const pk of await store.assignments.groupMembers(name, { limit })) {
    const d = await store.devices.getDevice({ pk });
    if (d) members.push({ deviceId: d.deviceId, source: ruleMade.has(pk) ? 'rule' : 'static' });
  }
  const rules = (await store.declared.groups.listRules()).find((r) => r.group === name);
  const settings = (await store.declared.groups.listSettings()).find((s) => s.group === name);
  const sets: string[] = [];
  for (const s of await store.assignments.listSets({ limit: 1000 })) {
    if ((await store.assignments.assignmentsOfSet(s.name)).groups.includes(name)) sets.push(s.name);
  }
  return {
    name: g.name,
    description: g.description,
    members,
    rules: rules?.rules ?? null,
    settings: settings ? { precedence: settings.precedence, ...(settings.settings as object) } : null,
    sets,
  };
}

export function groupRoutes(app: FastifyInstance, { ctx, deps }: AdminContext): void {
  const { store } = ctx;
  const audit = (who: string, action: string, target: string, details?: unknown) =>
    store.audit.append({ actor: who, action, target, details });

  app.get(
    '/groups',
    {
      schema: {
        summary: 'List device groups',
        tags: TAGS,
        querystring: pageQuery(),
        response: { 200: out({ groups: arr(out({})) }) },
      },
    },
    async (req) => {
      const q = req.query as { limit?: number; after?: string };
      const list = await store.assignments.listGroups({ limit: q.limit, after: q.after });
      const rules = new Set((await store.declared.groups.listRules()).map((r) => r.group));
      const settings = new Set((await store.declared.groups.listSettings()).map((s) => s.group));
      return {
        groups: list.map((g) => ({ ...g, hasRules: rules.has(g.name), hasSettings: settings.has(g.name) })),
      };
    },
  );

  app.get(
    '/groups/:name',
    {
      schema: {
        summary: 'A group: members (static or by rule), rules, settings, sets',
        tags: TAGS,
        params: nameParam,
        response: { 200: group },
      },
    },
    async (req) => groupView(store, (req.params as { name: string }).name),
  );

  app.put(
    '/groups/:name',
    {
      schema: {
        summary: 'Create a group, or change its description',
        tags: TAGS,
        params: nameParam,
        body: describedBody,
        response: { 200: changed() },
      },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      const r = await store.assignments.putGroup(
        name,
        (req.body as { description?: string | null } | undefined)?.description,
      );
      if (r.changed) await audit(actor(req), 'group.put', name);
      return { changed: r.changed };
    },
  );

  app.delete(
    '/groups/:name',
    {
      schema: {
        summary: 'Delete a group (its sets leave its devices)',
        tags: TAGS,
        params: nameParam,
        response: { 200: changed() },
      },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      const ok = await store.assignments.deleteGroup(name);
      if (ok) await audit(actor(req), 'group.delete', name);
      return { changed: ok };
    },
  );

  app.put(
    '/groups/:name/members/:deviceId',
    {
      schema: {
        summary: 'Add a device by hand (it stays whatever the rules say)',
        tags: TAGS,
        params: nameAndDeviceParam,
        response: { 200: changed() },
      },
    },
    async (req) => {
      const { name, deviceId } = req.params as { name: string; deviceId: string };
      const pk = await devicePk(store, deviceId);
      const wasRule = (await store.declared.groups.ruleGroupsOf(pk)).includes(name);
      const n = await store.assignments.addToGroup(name, [pk]);
      await store.declared.groups.pin(name, [pk]);
      const ok = n > 0 || wasRule;
      if (ok) await audit(actor(req), 'group.add-member', name, { device: deviceId });
      return { changed: ok };
    },
  );
  app.delete(
    '/groups/:name/members/:deviceId',
    {
      schema: {
        summary: 'Remove a device (a rule that matches it adds it back)',
        tags: TAGS,
        params: nameAndDeviceParam,
        response: { 200: changed({ note: str() }) },
      },
    },
    async (req) => {
      const { name, deviceId } = req.params as { name: string; deviceId: string };
      const pk = await devicePk(store, deviceId);
      const n = await store.assignments.removeFromGroup(name, [pk]);
      await store.declared.groups.pin(name, [pk]);
      if (n > 0) await audit(actor(req), 'group.remove-member', name, { device: deviceId });
      const ruled = (await store.declared.groups.listRules()).some((r) => r.group === name);
      return {
        changed: n > 0,
        ...(ruled ? { note: 'the group has a rule: a matching device is added back at its next session' } : {}),
      };
    },
  );

  app.put(
    '/groups/:name/rules',
    {
      schema: {
        summary: 'Set the membership rule; every enrolled device is re-evaluated now',
        tags: TAGS,
        params: nameParam,
        body: ruleSchema,
        response: { 200: changed({ evaluated: int(), membershipsChanged: int() }) },
      },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      const rule = validateRule(req.body);
      const r = await store.declared.groups.putRules(name, rule);
      const e = r.changed ? await reevaluateAll(deps) : { evaluated: 0, changed: 0 };
      if (r.changed) await audit(actor(req), 'group.rules', name, rule);
      return { changed: r.changed, evaluated: e.evaluated, membershipsChanged: e.changed };
    },
  );
  app.delete(
    '/groups/:name/rules',
    {
      schema: {
        summary: 'Remove the rule and the memberships it made',
        tags: TAGS,
        params: nameParam,
        response: { 200: changed() },
      },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      const r = await store.declared.groups.putRules(name, null);
      if (r.changed) await audit(actor(req), 'group.rules-delete', name);
      return { changed: r.changed };
    },
  );

  app.put(
    '/groups/:name/settings',
    {
      schema: {
        summary: 'ManagementServiceConfiguration and DMClient settings for the group’s devices',
        description:
          'Validated against the CSP definitions (RefreshInterval 30..4294967295) and seed 004’s poll rules before ' +
          'anything is sent. A device that lacks a node (404/406) is recorded as unsupported and not asked again.',
        tags: TAGS,
        params: nameParam,
        body: settingsSchema,
        response: { 200: changed({ notes: arr(str()) }) },
      },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      const { precedence, ...input } = req.body as SettingsInput & { precedence?: number };
      const { value, notes } = validateSettings(input);
      const r = await store.declared.groups.putSettings(name, value, precedence ?? 100);
      if (r.changed) await audit(actor(req), 'group.settings', name, { precedence, ...value });
      return { changed: r.changed, notes };
    },
  );
  app.delete(
    '/groups/:name/settings',
    {
      schema: {
        summary: 'Remove the group’s settings (devices return to their defaults)',
        tags: TAGS,
        params: nameParam,
        response: { 200: changed() },
      },
    },
    async (req) => {
      const { name } = req.params as { name: string };
      const r = await store.declared.groups.putSettings(name, null, 0);
      if (r.changed) await audit(actor(req), 'group.settings-delete', name);
      return { changed: r.changed };
    },
  );
}
