import {
  CLIENT_OPTIONS,
  CLIENT_USAGE,
  need,
  print,
  runApiCommand,
  short,
  table,
  UsageError,
  when,
} from './api-client.ts';

const USAGE = `usage: windc devices <command> [options]

Devices and where each document stands on them.

  list                                  devices, their enrollments and documents per status
  get DEVICE-ID                         every document: status, state, versions, result; settings; linking
  document DEVICE-ID DOCUMENT-ID        one document on one device, with its result and state history
  resync DEVICE-ID                      re-send everything at the next session, whatever the device reported
  link DEVICE-ID                        link the device to windc's WinDC service (windc is its primary MDM)
  unlink DEVICE-ID                      Exec LinkedEnrollment/Unenroll on the device
  watch [--type T,…] [--after ID]       follow status transitions as they happen (server-sent events)

${CLIENT_USAGE}`;

const OPTIONS = { ...CLIENT_OPTIONS, type: { type: 'string' }, after: { type: 'string' } } as const;

const e = encodeURIComponent;

type DocRow = {
  documentId: string;
  name?: string | null;
  status: string;
  detail: string | null;
  stateName: string | null;
  state: number | null;
  desiredChecksum: string | null;
  reportedChecksum: string | null;
  resultChecksum: string | null;
  lastReportAt: number | null;
  result: null | {
    current: boolean;
    resources: {
      kind: string;
      name: string;
      status: string | null;
      stateName: string | null;
      values?: Record<string, string>;
    }[];
  };
};

function resultLines(r: DocRow['result']): string[] {
  if (!r) return ['  result: not fetched'];
  return [
    `  result${r.current ? '' : ' (older version)'}:`,
    ...r.resources.map(
      (x) =>
        `    ${x.kind} ${x.name}: ${x.status ?? '-'} ${x.stateName ?? ''}${x.values ? ` ${JSON.stringify(x.values)}` : ''}`,
    ),
  ];
}

export function run(argv: string[]): Promise<number> {
  return runApiCommand('devices', USAGE, OPTIONS, argv, async ({ values, command, args, client }) => {
    switch (command) {
      case 'list': {
        type Row = {
          deviceId: string;
          enrollments: { kind: string; lastSeenAt: number | null }[];
          statuses: Record<string, number>;
        };
        const r = await client.call<{ devices: Row[] }>('GET', '/devices?limit=1000');
        print(values.json, r, () =>
          table(
            ['DEVICE', 'ENROLLMENTS', 'LAST SEEN', 'DOCUMENTS'],
            r.devices.map((d) => [
              d.deviceId,
              d.enrollments.map((x) => x.kind).join(', '),
              when(Math.max(0, ...d.enrollments.map((x) => x.lastSeenAt ?? 0))),
              Object.entries(d.statuses)
                .map(([s, n]) => `${s} ${n}`)
                .join(', '),
            ]),
          ),
        );
        return 0;
      }
      case 'get': {
        const [id] = need(args, 1, 'a device id') as [string];
        type Device = {
          deviceId: string;
          enrollments: { id: number; kind: string; lastSeenAt: number | null; lastReportAt: number | null }[];
          groups: { name: string; source: string }[];
          sets: string[];
          documents: DocRow[];
          settings: { locUri: string; value: string | null; state: string; code: number | null }[];
          link: { state: string; detail: string | null } | null;
        };
        const d = await client.call<Device>('GET', `/devices/${e(id)}`);
        print(values.json, d, () =>
          [
            d.deviceId,
            ...d.enrollments.map(
              (x) =>
                `  ${x.kind} enrollment ${x.id}: last seen ${when(x.lastSeenAt)}, last report ${when(x.lastReportAt)}`,
            ),
            `  groups: ${d.groups.map((g) => `${g.name}${g.source === 'rule' ? ' (rule)' : ''}`).join(', ') || '-'}`,
            `  sets: ${d.sets.join(', ') || '-'}`,
            ...(d.link ? [`  linking: ${d.link.state}${d.link.detail ? ` (${d.link.detail})` : ''}`] : []),
            '',
            table(
              ['DOCUMENT', 'NAME', 'STATUS', 'STATE', 'DESIRED', 'REPORTED', 'DETAIL'],
              d.documents.map((x) => [
                x.documentId,
                x.name,
                x.status,
                x.stateName,
                short(x.desiredChecksum),
                short(x.reportedChecksum),
                x.detail,
              ]),
            ),
            ...(d.settings.length
              ? [
                  '',
                  table(
                    ['SETTING', 'VALUE', 'STATE', 'CODE'],
                    d.settings.map((s) => [s.locUri, s.value, s.state, s.code]),
                  ),
                ]
              : []),
          ].join('\n'),
        );
        return 0;
      }
      case 'document': {
        const [id, doc] = need(args, 2, 'a device id and a document id') as [string, string];
        type History = {
          at: number;
          fromStateName: string | null;
          toStateName: string | null;
          checksum: string | null;
        };
        const d = await client.call<DocRow & { history: History[] }>('GET', `/devices/${e(id)}/documents/${e(doc)}`);
        print(values.json, d, () =>
          [
            `${d.documentId}: ${d.status}${d.detail ? ` (${d.detail})` : ''}`,
            `  state ${d.stateName ?? '-'}, desired ${short(d.desiredChecksum)}, reported ${short(d.reportedChecksum)}, result ${short(d.resultChecksum)}, last report ${when(d.lastReportAt)}`,
            ...resultLines(d.result),
            '  history (newest first):',
            ...d.history.map(
              (h) => `    ${when(h.at)}  ${h.fromStateName ?? '-'} -> ${h.toStateName ?? 'gone'}  ${short(h.checksum)}`,
            ),
          ].join('\n'),
        );
        return 0;
      }
      case 'resync': {
        const [id] = need(args, 1, 'a device id') as [string];
        const r = await client.call<{ queued: number }>('POST', `/devices/${e(id)}/resync`);
        print(values.json, r, () => `${r.queued} commands queued for the next session`);
        return 0;
      }
      case 'link':
      case 'unlink': {
        const [id] = need(args, 1, 'a device id') as [string];
        const r = await client.call<{ link: { state: string } }>('POST', `/devices/${e(id)}/${command}`);
        print(values.json, r, () => `${command}: ${r.link.state}; the device acts at its next session`);
        return 0;
      }
      case 'watch': {
        need(args, 0, 'no positional arguments');
        const after = values.after === undefined ? undefined : Number(values.after);
        if (after !== undefined && !Number.isInteger(after)) throw new UsageError('--after takes an event id');
        const q = values.type ? `?type=${e(values.type)}` : '';
        await client.stream(
          `/events/stream${q}`,
          (ev) => {
            if (values.json) return console.log(JSON.stringify(ev.data));
            const p = (ev.data as { payload: Record<string, unknown> }).payload;
            const what = p.documentId ?? p.locUri ?? 'link';
            console.log(
              `${ev.id}  ${ev.type}  ${p.deviceId}  ${what}  ${p.from ?? '-'} -> ${p.to}${p.detail ? `  (${p.detail})` : ''}`,
            );
          },
          after,
        );
        return 0;
      }
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  });
}
