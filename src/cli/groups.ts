import {
  CLIENT_OPTIONS,
  CLIENT_USAGE,
  need,
  print,
  readFileOrStdin,
  runApiCommand,
  table,
  UsageError,
} from './api-client.ts';

const USAGE = `usage: windc groups <command> [options]

Device groups: static members, members by rule (DevInfo and enrollment attributes), and the
ManagementServiceConfiguration and DMClient settings their devices get.

  list                                  groups
  get NAME                              members (static or rule), rule, settings, sets
  put NAME [--description TEXT]         create a group (or change its description)
  delete NAME                           delete a group
  add-member NAME DEVICE-ID             add a device by hand (it stays whatever the rule says)
  remove-member NAME DEVICE-ID          remove a device
  rule NAME --file RULE.json            set the membership rule, e.g.
                                        {"match":"all","conditions":[{"attribute":"model","op":"equals","value":"X1"}]}
  rule NAME --clear                     remove the rule and the memberships it made
  settings NAME [--refresh-interval MIN] [--cert-threshold MIN] [--sync-on-failure true|false]
                [--poll 15x8,480] [--keep-alive true|false] [--precedence N]
  settings NAME --clear

${CLIENT_USAGE}`;

const OPTIONS = {
  ...CLIENT_OPTIONS,
  description: { type: 'string' },
  file: { type: 'string' },
  clear: { type: 'boolean' },
  'refresh-interval': { type: 'string' },
  'cert-threshold': { type: 'string' },
  'sync-on-failure': { type: 'string' },
  poll: { type: 'string' },
  'keep-alive': { type: 'string' },
  precedence: { type: 'string' },
} as const;

const e = encodeURIComponent;

function integer(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${flag} must be a whole number, got '${v}'`);
  return Number(v);
}

function boolean(flag: string, v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new UsageError(`--${flag} must be true or false, got '${v}'`);
}

type Group = {
  name: string;
  description: string | null;
  members: { deviceId: string; source: string }[];
  rules: unknown;
  settings: unknown;
  sets: string[];
};

export function run(argv: string[]): Promise<number> {
  return runApiCommand('groups', USAGE, OPTIONS, argv, async ({ values, command, args, client }) => {
    const done = (r: { changed: boolean; notes?: string[]; note?: string; evaluated?: number }) =>
      print(values.json, r, () =>
        [
          r.changed ? 'changed' : 'unchanged',
          ...(r.evaluated !== undefined ? [`${r.evaluated} devices evaluated`] : []),
          ...(r.note ? [r.note] : []),
          ...(r.notes ?? []).map((n) => `note: ${n}`),
        ].join('\n'),
      );
    switch (command) {
      case 'list': {
        type Row = { name: string; description: string | null; hasRules: boolean; hasSettings: boolean };
        const r = await client.call<{ groups: Row[] }>('GET', '/groups?limit=1000');
        print(values.json, r, () =>
          table(
            ['GROUP', 'RULE', 'SETTINGS', 'DESCRIPTION'],
            r.groups.map((g) => [g.name, g.hasRules ? 'yes' : '', g.hasSettings ? 'yes' : '', g.description]),
          ),
        );
        return 0;
      }
      case 'get': {
        const [name] = need(args, 1, 'a group name') as [string];
        const g = await client.call<Group>('GET', `/groups/${e(name)}`);
        print(values.json, g, () =>
          [
            `${g.name}${g.description ? `  ${g.description}` : ''}`,
            `  sets: ${g.sets.join(', ') || '-'}`,
            `  rule: ${g.rules ? JSON.stringify(g.rules) : '-'}`,
            `  settings: ${g.settings ? JSON.stringify(g.settings) : '-'}`,
            '',
            table(
              ['MEMBER', 'SOURCE'],
              g.members.map((m) => [m.deviceId, m.source]),
            ),
          ].join('\n'),
        );
        return 0;
      }
      case 'put': {
        const [name] = need(args, 1, 'a group name') as [string];
        done(
          await client.call(
            'PUT',
            `/groups/${e(name)}`,
            values.description === undefined ? {} : { description: values.description },
          ),
        );
        return 0;
      }
      case 'delete': {
        const [name] = need(args, 1, 'a group name') as [string];
        done(await client.call('DELETE', `/groups/${e(name)}`));
        return 0;
      }
      case 'add-member':
      case 'remove-member': {
        const [name, device] = need(args, 2, 'a group name and a device id') as [string, string];
        done(await client.call(command === 'add-member' ? 'PUT' : 'DELETE', `/groups/${e(name)}/members/${e(device)}`));
        return 0;
      }
      case 'rule': {
        const [name] = need(args, 1, 'a group name') as [string];
        if (values.clear) {
          done(await client.call('DELETE', `/groups/${e(name)}/rules`));
          return 0;
        }
        if (!values.file) throw new UsageError('give --file RULE.json or --clear');
        const text = readFileOrStdin(values.file);
        done(await client.call('PUT', `/groups/${e(name)}/rules`, JSON.parse(text)));
        return 0;
      }
      case 'settings': {
        const [name] = need(args, 1, 'a group name') as [string];
        if (values.clear) {
          done(await client.call('DELETE', `/groups/${e(name)}/settings`));
          return 0;
        }
        const msc = {
          refreshInterval: integer('refresh-interval', values['refresh-interval']),
          certificateExpirationThreshold: integer('cert-threshold', values['cert-threshold']),
          startSyncSessionOnFailure: boolean('sync-on-failure', values['sync-on-failure']),
        };
        const dm = {
          pollSchedule: values.poll,
          enableOmaDmKeepAliveMessage: boolean('keep-alive', values['keep-alive']),
        };
        const defined = <T extends object>(o: T) =>
          Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
        const body: Record<string, unknown> = {};
        if (Object.keys(defined(msc)).length > 0) body.managementService = defined(msc);
        if (Object.keys(defined(dm)).length > 0) body.dmClient = defined(dm);
        const precedence = integer('precedence', values.precedence);
        if (precedence !== undefined) body.precedence = precedence;
        if (Object.keys(body).length === 0) throw new UsageError('give at least one setting, or --clear');
        done(await client.call('PUT', `/groups/${e(name)}/settings`, body));
        return 0;
      }
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  });
}
