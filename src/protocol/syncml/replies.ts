/**
 * Small constructors for the replies every OMA DM peer writes: the reply header, Status for the SyncHdr and for
 * commands (per Item when codes differ), Results, challenges and alerts. They only fill in the correlation fields
 * (MsgRef, CmdRef, Cmd, TargetRef) the way Windows expects; what code to answer is the caller's business.
 */
import { type AlertCode, StatusCode } from './codes.ts';
import type {
  AlertCommand,
  Chal,
  ContainedCommand,
  Item,
  Meta,
  MsftAttributes,
  ResultsCommand,
  StatusCommand,
  SyncHdr,
  SyncMLCommand,
} from './model.ts';

export const AuthType = {
  BASIC: 'syncml:auth-basic',
  MD5: 'syncml:auth-md5',
  HMAC: 'syncml:auth-MAC',
} as const;

/** CmdIDs for one outgoing message: unique and never "0" ([MS-MDM] §2.2.3.2). */
export function cmdIdSequence(start = 1): () => string {
  if (!Number.isSafeInteger(start) || start < 1) throw new RangeError('CmdIDs start at 1 or above');
  let next = start;
  return () => String(next++);
}

/**
 * The header answering `request`: same session and protocol versions, Target and Source swapped. The client's
 * LocName is its authentication user name, so it is not echoed back.
 */
export function replyHeader(request: SyncHdr, msgId: string, extra: { meta?: Meta; respUri?: string } = {}): SyncHdr {
  const h: SyncHdr = {
    verDtd: request.verDtd,
    verProto: request.verProto,
    sessionId: request.sessionId,
    msgId,
    target: { locUri: request.source.locUri },
    source: { locUri: request.target.locUri },
  };
  if (extra.respUri !== undefined) h.respUri = extra.respUri;
  if (extra.meta) h.meta = extra.meta;
  return h;
}

export interface StatusExtras {
  targetRefs?: string[];
  sourceRefs?: string[];
  chal?: Chal;
  msft?: MsftAttributes;
  items?: Item[];
}

function makeStatus(
  cmdId: string,
  msgRef: string,
  cmdRef: string,
  cmd: string,
  code: number,
  x: StatusExtras,
): StatusCommand {
  const s: StatusCommand = {
    kind: 'Status',
    cmdId,
    msgRef,
    cmdRef,
    cmd,
    targetRefs: x.targetRefs ?? [],
    sourceRefs: x.sourceRefs ?? [],
    code,
    items: x.items ?? [],
  };
  if (x.chal) s.chal = x.chal;
  if (x.msft) s.msft = x.msft;
  return s;
}

/** The Status that must open every reply body: CmdRef 0, Cmd SyncHdr, MsgRef the request's MsgID. */
export function statusForHeader(
  request: SyncHdr,
  cmdId: string,
  code: number = StatusCode.OK,
  extra: StatusExtras = {},
): StatusCommand {
  return makeStatus(cmdId, request.msgId, '0', 'SyncHdr', code, extra);
}

/** What a Status answers: a decoded command, or just its name and CmdID (e.g. one that failed to decode). */
export type Answered = SyncMLCommand | { cmd: string; cmdId: string };

function refOf(a: Answered): { cmd: string; cmdId: string } {
  return 'kind' in a ? { cmd: a.kind, cmdId: a.cmdId } : a;
}

export function statusFor(
  msgRef: string,
  answered: Answered,
  cmdId: string,
  code: number,
  extra: StatusExtras = {},
): StatusCommand {
  const { cmd, cmdId: cmdRef } = refOf(answered);
  return makeStatus(cmdId, msgRef, cmdRef, cmd, code, extra);
}

type ItemCommand = Extract<ContainedCommand, { items: Item[] }>;

/**
 * Statuses for a command's Items ([MS-MDM] §2.2.6.1): one Status when every Item got the same code, otherwise one
 * per Item with its TargetRef (SourceRef when the Item has only a Source), in Item order — as Windows does.
 */
export function itemStatuses(
  msgRef: string,
  command: ItemCommand,
  codes: readonly number[],
  nextCmdId: () => string,
): StatusCommand[] {
  if (codes.length !== command.items.length) throw new RangeError('one code per Item is needed');
  const first = codes[0];
  if (first === undefined || codes.every((c) => c === first)) {
    return [statusFor(msgRef, command, nextCmdId(), first ?? StatusCode.OK)];
  }
  return command.items.map((it, i) => {
    const extra: StatusExtras = {};
    if (it.target) extra.targetRefs = [it.target.locUri];
    else if (it.source) extra.sourceRefs = [it.source.locUri];
    return statusFor(msgRef, command, nextCmdId(), codes[i] as number, extra);
  });
}

/** Results for a Get, shaped like native Windows output: no Cmd, no TargetRef, Items with Source. */
export function resultsFor(msgRef: string, get: { cmdId: string }, cmdId: string, items: Item[]): ResultsCommand {
  return { kind: 'Results', cmdId, msgRef, cmdRef: get.cmdId, items };
}

/** An Item reporting a node's value, as in Results and in the client's DevInfo Replace. */
export function sourceItem(locUri: string, data: string, meta?: Meta): Item {
  const it: Item = { source: { locUri }, data };
  if (meta) it.meta = meta;
  return it;
}

/** An Item addressing a node, as in the server's Add/Replace/Delete/Get/Exec. */
export function targetItem(locUri: string, data?: string, meta?: Meta): Item {
  const it: Item = { target: { locUri } };
  if (meta) it.meta = meta;
  if (data !== undefined) it.data = data;
  return it;
}

/** The MD5 digest challenge for a 401/407 SyncHdr Status; the nonce is base64, new each session. */
export function md5Challenge(nextNonce: string): Chal {
  return { meta: { format: 'b64', type: AuthType.MD5, nextNonce } };
}

export function alert(cmdId: string, code: number, items: Item[] = []): AlertCommand {
  return { kind: 'Alert', cmdId, code, items };
}

/** A 1224 client event or 1226 generic alert: one Item whose Meta/Type names the event. */
export function typedAlert(
  cmdId: string,
  code: typeof AlertCode.CLIENT_EVENT | typeof AlertCode.GENERIC_ALERT,
  type: string,
  data: string,
  meta: Omit<Meta, 'type'> = {},
): AlertCommand {
  return alert(cmdId, code, [{ meta: { ...meta, type }, data }]);
}

/** Meta/Type of an alert's first Item: how 1224 and 1226 alerts say what they are. */
export function alertType(a: AlertCommand): string | undefined {
  return a.items[0]?.meta?.type;
}
