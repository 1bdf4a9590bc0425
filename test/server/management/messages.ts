/**
 * Device messages for the tests, built with the codec rather than copied from captures, in the shape the 26200
 * captures show: CmdIDs from 2 in package 1, a Status for the server's SyncHdr first in every later message.
 */
import { buildSummary } from '../../../src/protocol/declared/index.ts';
import {
  AlertCode,
  AlertType,
  alert,
  buildSyncML,
  type ContainedCommand,
  type Cred,
  type Item,
  type Meta,
  md5Cred,
  type ResultsCommand,
  type StatusCommand,
  SYNCML_12,
  type SyncHdr,
  type SyncMLCommand,
  type SyncMLMessage,
  sourceItem,
  statusForHeader,
  typedAlert,
} from '../../../src/protocol/syncml/index.ts';

export interface Header {
  deviceId: string;
  sessionId?: string;
  msgId?: number;
  cred?: { user: string; secret: string; nonce: string };
  meta?: Meta;
}

function header(h: Header): SyncHdr {
  const hdr: SyncHdr = {
    verDtd: '1.2',
    verProto: 'DM/1.2',
    sessionId: h.sessionId ?? '1',
    msgId: String(h.msgId ?? 1),
    target: { locUri: 'https://localhost:8443/ManagementServer/MDM.svc' },
    source: h.cred ? { locUri: h.deviceId, locName: h.cred.user } : { locUri: h.deviceId },
  };
  if (h.cred) hdr.cred = md5Cred(h.cred.user, h.cred.secret, h.cred.nonce) as Cred;
  if (h.meta) hdr.meta = h.meta;
  return hdr;
}

export function message(h: Header, commands: SyncMLCommand[], final = true): string {
  return buildSyncML({ namespace: SYNCML_12, header: header(h), commands, final });
}

export interface DocState {
  id: string;
  state: number;
  checksum?: string;
}

export function summaryAlert(cmdId: string, docs: readonly DocState[]) {
  const data = buildSummary({
    schema: '1.0',
    documents: docs.map((d) => ({
      id: d.id,
      context: 'Device' as const,
      checksum: d.checksum ?? 'A0',
      resultChecksum: d.checksum ?? 'A0',
      state: d.state as 60,
    })),
  });
  return {
    ...typedAlert(cmdId, AlertCode.CLIENT_EVENT, AlertType.DECLARED_CONFIGURATION_DOCUMENTS, ''),
    items: [{ meta: { type: AlertType.DECLARED_CONFIGURATION_DOCUMENTS }, data, dataForm: 'markup' as const }],
  };
}

/** Package 1: Alert 1201, LoginStatus, optional WinDC summary and extra alerts, the DevInfo Replace. */
export function package1(h: Header, opts: { docs?: DocState[]; extra?: SyncMLCommand[] } = {}): string {
  let n = 2;
  const id = () => String(n++);
  const commands: SyncMLCommand[] = [
    alert(id(), AlertCode.CLIENT_INITIATED_MGMT),
    typedAlert(id(), AlertCode.CLIENT_EVENT, AlertType.LOGIN_STATUS, 'user'),
  ];
  if (opts.docs) commands.push(summaryAlert(id(), opts.docs));
  for (const c of opts.extra ?? []) commands.push({ ...c, cmdId: id() } as SyncMLCommand);
  commands.push({
    kind: 'Replace',
    cmdId: id(),
    items: [
      sourceItem('./DevInfo/DevId', h.deviceId),
      sourceItem('./DevInfo/Man', 'windc tests'),
      sourceItem('./DevInfo/Mod', 'Emulated'),
      sourceItem('./DevInfo/DmV', '1.3'),
      sourceItem('./DevInfo/Lang', 'en-US'),
    ],
  });
  return message(h, commands);
}

export function status(msgRef: number, cmdRef: string, cmd: string, code: number, targetRef?: string): StatusCommand {
  return {
    kind: 'Status',
    cmdId: '0',
    msgRef: String(msgRef),
    cmdRef,
    cmd,
    targetRefs: targetRef ? [targetRef] : [],
    sourceRefs: [],
    code,
    items: [],
  };
}

export function results(msgRef: number, cmdRef: string, items: Item[]): ResultsCommand {
  return { kind: 'Results', cmdId: '0', msgRef: String(msgRef), cmdRef, items };
}

/** What the server sent for the device to act on: every command but Status, Alert and Results. */
export const sent = (m: SyncMLMessage | undefined) =>
  (m?.commands ?? []).filter(
    (c): c is ContainedCommand => c.kind !== 'Status' && c.kind !== 'Alert' && c.kind !== 'Results',
  );
/** Status 200 for each command, as the device's next message would carry. */
export const acks = (m: SyncMLMessage) => sent(m).map((c) => status(Number(m.header.msgId), c.cmdId, c.kind, 200));

/**
 * A later client message: Status for the server's SyncHdr, then `commands`, CmdIDs renumbered from 2 (the
 * SyncHdr Status takes 1).
 */
export function reply(h: Header & { msgRef: number }, commands: SyncMLCommand[], final = true): string {
  let n = 2;
  const body = commands.map((c) => ({ ...c, cmdId: String(n++) }) as SyncMLCommand);
  const hdrStatus = statusForHeader({ ...header(h), msgId: String(h.msgRef) }, '1');
  return message(h, [hdrStatus, ...body], final);
}
