import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AccountInfo,
  Device,
  type DeviceOptions,
  type ManagementEndpoint,
  ManualClock,
} from '../../src/device/index.ts';
import type { Scope } from '../../src/protocol/csp/index.ts';
import {
  documentLocUri,
  type HostKind,
  parseResult,
  parseSummary,
  resultLocUri,
} from '../../src/protocol/declared/index.ts';
import {
  type AtomicCommand,
  type ContainedCommand,
  cmdIdSequence,
  type Item,
  type Meta,
  type SequenceCommand,
  type SyncMLCommand,
  targetItem,
} from '../../src/protocol/syncml/index.ts';

export const repoRoot = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));

export function fixture(name: string): Promise<string> {
  return readFile(path.join(repoRoot, 'test/fixtures/device', name), 'utf8');
}

export interface Harness {
  dir: string;
  clock: ManualClock;
  device: Device;
  windc: AccountInfo;
  primary: AccountInfo;
  ep: ManagementEndpoint;
  primaryEp: ManagementEndpoint;
  cleanup(): Promise<void>;
}

/** A device with a primary account and a linked WinDC account, on a manual clock, in a fresh directory. */
export async function harness(options: DeviceOptions = {}): Promise<Harness> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'windc-device-'));
  const clock = new ManualClock();
  const device = await Device.create(dir, { clock, ...options });
  const primary = device.addAccount({
    kind: 'primary',
    providerId: 'MS%20DM%20SERVER',
    id: 'DAD70CC2-365B-450D-A8AB-2EB23F4300CC',
  });
  const windc = device.addAccount({
    kind: 'windc',
    providerId: 'Microsoft%20Device%20Management',
    id: 'A1C4E3F2-1B2D-4C5E-8F90-112233445566',
    linkedTo: primary.id,
  });
  return {
    dir,
    clock,
    device,
    windc,
    primary,
    ep: device.endpoint(windc.id),
    primaryEp: device.endpoint(primary.id),
    cleanup: async () => {
      await device.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Sends one server message's commands and returns the replies; MsgRef 1, CmdIDs from 1. */
export function send(ep: ManagementEndpoint, ...commands: SyncMLCommand[]) {
  return ep.handleCommands(commands, { msgRef: '1', nextCmdId: cmdIdSequence(1) });
}

let nextId = 100;
const id = () => String(nextId++);

function item(locUri: string, data?: string, format?: string): Item {
  return targetItem(locUri, data, format ? ({ format } satisfies Meta) : undefined);
}

export const cmd = {
  add: (locUri: string, data?: string, format?: string): ContainedCommand => ({
    kind: 'Add',
    cmdId: id(),
    items: [item(locUri, data, format)],
  }),
  replace: (locUri: string, data: string, format?: string): ContainedCommand => ({
    kind: 'Replace',
    cmdId: id(),
    items: [item(locUri, data, format)],
  }),
  delete: (...locUris: string[]): ContainedCommand => ({
    kind: 'Delete',
    cmdId: id(),
    items: locUris.map((u) => item(u)),
  }),
  get: (...locUris: string[]): ContainedCommand => ({ kind: 'Get', cmdId: id(), items: locUris.map((u) => item(u)) }),
  exec: (locUri: string, data?: string): ContainedCommand => ({
    kind: 'Exec',
    cmdId: id(),
    items: [item(locUri, data)],
  }),
  atomic: (...commands: ContainedCommand[]): AtomicCommand => ({ kind: 'Atomic', cmdId: id(), commands }),
  sequence: (...commands: ContainedCommand[]): SequenceCommand => ({ kind: 'Sequence', cmdId: id(), commands }),
};

/** The codes of the Status commands in a reply, in order. */
export function codes(replies: { statuses: { code: number }[] }): number[] {
  return replies.statuses.map((s) => s.code);
}

export function docUri(scope: Scope, host: HostKind, docId: string): string {
  return documentLocUri(scope, host, docId);
}

export function resUri(scope: Scope, host: HostKind, docId: string): string {
  return resultLocUri(scope, host, docId);
}

/** The 1224 summary the next client message would carry, parsed. */
export function summary(ep: ManagementEndpoint) {
  const alerts = ep.clientAlerts(cmdIdSequence(1));
  if (alerts.length === 0) return undefined;
  return parseSummary(alerts[0]?.items[0]?.data ?? '');
}

export function stateOf(ep: ManagementEndpoint, docId: string): number | undefined {
  return summary(ep)?.documents.find((d) => d.id.toLowerCase() === docId.toLowerCase())?.state;
}

/** Get of a result document, parsed; undefined on 404. */
export function result(ep: ManagementEndpoint, scope: Scope, host: HostKind, docId: string) {
  const r = send(ep, cmd.get(resUri(scope, host, docId)));
  const data = r.results[0]?.items[0]?.data;
  return data === undefined ? undefined : parseResult(data);
}

/** A DSC configuration document for MSFT_FileDirectoryConfiguration. */
export function fileDoc(
  docId: string,
  properties: Record<string, string>,
  opts: { checksum?: string; scenario?: string; context?: string; className?: string } = {},
): string {
  const props = Object.entries(properties)
    .map(([k, v]) => (k === 'DestinationPath' ? `<Key name="${k}">${v}</Key>` : `<Value name="${k}">${v}</Value>`))
    .join('');
  return (
    `<DeclaredConfiguration schema="1.0" context="${opts.context ?? 'Device'}" id="${docId}" ` +
    `checksum="${opts.checksum ?? 'A1'}" osdefinedscenario="${opts.scenario ?? 'MSFTExtensibilityMIProviderConfig'}">` +
    `<DSC namespace="root/Microsoft/Windows/DesiredStateConfiguration" ` +
    `className="${opts.className ?? 'MSFT_FileDirectoryConfiguration'}">${props}</DSC></DeclaredConfiguration>`
  );
}

/** The sandbox host path of a Windows path below C:. */
export function sandboxFile(h: Harness, ...segments: string[]): string {
  return path.join(h.device.paths.sandbox, 'C', ...segments);
}

/** Runs every processing step: the default delays are 100 + 300 ms. */
export async function settle(h: Harness, ms = 1000): Promise<void> {
  await h.clock.advance(ms);
  await h.device.idle();
}
