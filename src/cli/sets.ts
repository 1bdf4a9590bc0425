import { CLIENT_OPTIONS, CLIENT_USAGE, need, print, runApiCommand, table, UsageError } from './api-client.ts';

const USAGE = `usage: windc sets <command> [options]

Document sets: documents belong to sets, sets are assigned to devices or groups, and a device's desired state
is the union of the sets reaching it.

  list                                  sets with their documents and assignments
  get NAME                              one set
  put NAME [--description TEXT]         create a set (or change its description)
  delete NAME                           delete a set; its documents leave the devices it reached
  add NAME DOCUMENT-ID                  put a document in a set
  remove NAME DOCUMENT-ID               take a document out of a set
  assign NAME (--group G | --device DEVICE-ID)
  unassign NAME (--group G | --device DEVICE-ID)

${CLIENT_USAGE}`;

const OPTIONS = {
  ...CLIENT_OPTIONS,
  description: { type: 'string' },
  group: { type: 'string' },
  device: { type: 'string' },
} as const;

type SetView = { name: string; description: string | null; documents: string[]; groups: string[]; devices: string[] };

const e = encodeURIComponent;

export function run(argv: string[]): Promise<number> {
  return runApiCommand('sets', USAGE, OPTIONS, argv, async ({ values, command, args, client }) => {
    const done = (r: { changed: boolean }) => print(values.json, r, () => (r.changed ? 'changed' : 'unchanged'));
    const render = (sets: SetView[]) =>
      table(
        ['SET', 'DOCUMENTS', 'GROUPS', 'DEVICES', 'DESCRIPTION'],
        sets.map((s) => [s.name, s.documents.length, s.groups.join(', '), s.devices.length, s.description]),
      );
    switch (command) {
      case 'list': {
        const r = await client.call<{ sets: SetView[] }>('GET', '/sets?limit=1000');
        print(values.json, r, () => render(r.sets));
        return 0;
      }
      case 'get': {
        const [name] = need(args, 1, 'a set name') as [string];
        const s = await client.call<SetView>('GET', `/sets/${e(name)}`);
        print(values.json, s, () =>
          [
            render([s]),
            '',
            'documents:',
            ...s.documents.map((d) => `  ${d}`),
            'devices:',
            ...s.devices.map((d) => `  ${d}`),
          ].join('\n'),
        );
        return 0;
      }
      case 'put': {
        const [name] = need(args, 1, 'a set name') as [string];
        done(
          await client.call(
            'PUT',
            `/sets/${e(name)}`,
            values.description === undefined ? {} : { description: values.description },
          ),
        );
        return 0;
      }
      case 'delete': {
        const [name] = need(args, 1, 'a set name') as [string];
        done(await client.call('DELETE', `/sets/${e(name)}`));
        return 0;
      }
      case 'add':
      case 'remove': {
        const [name, id] = need(args, 2, 'a set name and a document id') as [string, string];
        done(await client.call(command === 'add' ? 'PUT' : 'DELETE', `/sets/${e(name)}/documents/${e(id)}`));
        return 0;
      }
      case 'assign':
      case 'unassign': {
        const [name] = need(args, 1, 'a set name') as [string];
        if (!values.group === !values.device) throw new UsageError('give exactly one of --group and --device');
        const target = values.group ? `groups/${e(values.group)}` : `devices/${e(values.device as string)}`;
        done(await client.call(command === 'assign' ? 'PUT' : 'DELETE', `/sets/${e(name)}/${target}`));
        return 0;
      }
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  });
}
