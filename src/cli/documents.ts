import {
  CLIENT_OPTIONS,
  CLIENT_USAGE,
  need,
  print,
  readFileOrStdin,
  runApiCommand,
  short,
  table,
  UsageError,
  when,
} from './api-client.ts';

const USAGE = `usage: windc documents <command> [options]

Declared documents. windc assigns each one's GUID and checksum; devices get changes at their next session.

  list                                  documents with devices per status
  get ID [--xml]                        one document and its roll-up (--xml: the document as sent)
  create --file FILE [--name N] [--scope device|user]
                                        FILE is JSON ({"scenario", "dsc": [...], "csp": [...]}) or a
                                        <DeclaredConfiguration> XML document (its id and checksum are replaced)
  update ID --file FILE [--name N]      a new revision: same id, new checksum when the content changed
  touch ID                              a new checksum for the same content: every device re-applies it
  abandon ID | unabandon ID             stop (or resume) enforcement; devices keep what was applied
  delete ID                             remove from devices; the settings it applied stay (tattoo)
  status ID [--status S]                per device: status, state, versions, detail

${CLIENT_USAGE}`;

const OPTIONS = {
  ...CLIENT_OPTIONS,
  file: { type: 'string' },
  name: { type: 'string' },
  description: { type: 'string' },
  scope: { type: 'string' },
  status: { type: 'string' },
  xml: { type: 'boolean' },
} as const;

type Rollup = { counts: Record<string, number> | null; assigned?: number; notEnrolled?: number };
type Doc = {
  id: string;
  name: string | null;
  kind: string;
  scope: string;
  scenario: string;
  checksum: string;
  revision: number;
  abandoned: boolean;
  updatedAt: number;
  locUri: string;
  xml?: string;
  sets?: string[];
  rollup?: Rollup;
};

function countsText(c: Record<string, number> | null | undefined): string {
  if (!c) return '-';
  return (
    Object.entries(c)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${s} ${n}`)
      .join(', ') || '-'
  );
}

function readInput(file: string | undefined, values: { name?: string; description?: string; scope?: string }) {
  if (!file) throw new UsageError('--file is required');
  const text = readFileOrStdin(file);
  let body: Record<string, unknown>;
  if (text.trimStart().startsWith('<')) body = { xml: text };
  else {
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      throw new UsageError(`${file} is neither XML nor JSON: ${(e as Error).message}`);
    }
  }
  if (values.name !== undefined) body.name = values.name;
  if (values.description !== undefined) body.description = values.description;
  if (values.scope !== undefined) body.scope = values.scope;
  return body;
}

export function run(argv: string[]): Promise<number> {
  return runApiCommand('documents', USAGE, OPTIONS, argv, async ({ values, command, args, client }) => {
    const written = (r: { changed: boolean; document?: Doc; note?: string }) =>
      print(values.json, r, () =>
        [
          `${r.changed ? 'changed' : 'unchanged'}${r.document ? `: ${r.document.id} revision ${r.document.revision} checksum ${short(r.document.checksum)}` : ''}`,
          ...(r.note ? [r.note] : []),
        ].join('\n'),
      );
    switch (command) {
      case 'list': {
        const r = await client.call<{ documents: Doc[] }>('GET', '/documents?limit=1000');
        print(values.json, r, () =>
          table(
            ['ID', 'NAME', 'KIND', 'REV', 'CHECKSUM', 'ABANDONED', 'DEVICES'],
            r.documents.map((d) => [
              d.id,
              d.name,
              d.kind,
              d.revision,
              short(d.checksum),
              d.abandoned ? 'yes' : '',
              countsText(d.rollup?.counts),
            ]),
          ),
        );
        return 0;
      }
      case 'get': {
        const [id] = need(args, 1, 'a document id') as [string];
        const d = await client.call<Doc>('GET', `/documents/${encodeURIComponent(id)}`);
        print(values.json, d, () =>
          values.xml
            ? (d.xml ?? '')
            : [
                `${d.id}  ${d.name ?? ''}`,
                `  ${d.kind}, ${d.scope} scope, ${d.scenario}`,
                `  revision ${d.revision}, checksum ${d.checksum}${d.abandoned ? ', ABANDONED' : ''}`,
                `  ${d.locUri}`,
                `  sets: ${d.sets?.join(', ') || '-'}`,
                `  devices: ${d.rollup?.assigned ?? 0} assigned (${d.rollup?.notEnrolled ?? 0} without WinDC); ${countsText(d.rollup?.counts)}`,
              ].join('\n'),
        );
        return 0;
      }
      case 'create':
        need(args, 0, 'no positional arguments');
        written(await client.call('POST', '/documents', readInput(values.file, values)));
        return 0;
      case 'update': {
        const [id] = need(args, 1, 'a document id') as [string];
        written(await client.call('PUT', `/documents/${encodeURIComponent(id)}`, readInput(values.file, values)));
        return 0;
      }
      case 'touch':
      case 'abandon':
      case 'unabandon': {
        const [id] = need(args, 1, 'a document id') as [string];
        written(await client.call('POST', `/documents/${encodeURIComponent(id)}/${command}`));
        return 0;
      }
      case 'delete': {
        const [id] = need(args, 1, 'a document id') as [string];
        written(await client.call('DELETE', `/documents/${encodeURIComponent(id)}`));
        return 0;
      }
      case 'status': {
        const [id] = need(args, 1, 'a document id') as [string];
        const q = values.status ? `&status=${encodeURIComponent(values.status)}` : '';
        type Row = {
          deviceId: string | null;
          status: string;
          stateName: string | null;
          reportedChecksum: string | null;
          desiredChecksum: string | null;
          lastReportAt: number | null;
          detail: string | null;
        };
        const r = await client.call<{ counts: Record<string, number>; devices: Row[] }>(
          'GET',
          `/documents/${encodeURIComponent(id)}/devices?limit=1000${q}`,
        );
        print(values.json, r, () =>
          [
            countsText(r.counts),
            table(
              ['DEVICE', 'STATUS', 'STATE', 'REPORTED', 'DESIRED', 'LAST REPORT', 'DETAIL'],
              r.devices.map((d) => [
                d.deviceId,
                d.status,
                d.stateName,
                short(d.reportedChecksum),
                short(d.desiredChecksum),
                when(d.lastReportAt),
                d.detail,
              ]),
            ),
          ].join('\n'),
        );
        return 0;
      }
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  });
}
