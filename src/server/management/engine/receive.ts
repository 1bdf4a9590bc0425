/**
 * The first half of answering a device message, pure: what each of the device's commands gets back, and what
 * the message tells windc (replies to queued commands, DevInfo, LoginStatus, the WinDC document summary,
 * unenrollment, abort). Nothing here touches the store; the shell applies the effects in one transaction.
 */
import { type DeclaredConfigurationsSummary, parseSummary } from '../../../protocol/declared/index.ts';
import {
  AlertCode,
  type AlertCommand,
  AlertType,
  alert,
  alertType,
  bodyInOrder,
  type Chal,
  type CommandFailure,
  isSuccessStatus,
  itemStatuses,
  type ResultsCommand,
  StatusCode,
  type StatusCommand,
  type SyncMLCommand,
  statusFor,
  statusForHeader,
  type TolerantParse,
} from '../../../protocol/syncml/index.ts';
import type { DocumentReport, Reply, ResultItem } from '../../../store/index.ts';
import { assembleResults } from './inbound.ts';
import type { EngineState } from './state.ts';

export interface ReceiveInput {
  parse: TolerantParse;
  state: EngineState;
  /** What the SyncHdr gets: 200, or 212 with the next session's nonce once digest credentials are accepted. */
  header: { code: number; chal?: Chal | undefined };
  /** The enrollment's reported facts as stored, so that this message's are merged into them. */
  devInfo: Readonly<Record<string, string>> | null;
  /** The largest object windc takes in chunks. */
  maxObjSize: number;
}

export interface Received {
  /** Status for the SyncHdr, then for the device's commands in their order. CmdIDs are given at compose. */
  statuses: StatusCommand[];
  /** Alerts windc sends besides 1222: a 1225 for a large object the device broke off. */
  alerts: AlertCommand[];
  /** Status and Results for queued commands, to record. */
  replies: Reply[];
  /** The merged facts, when this message changed them. */
  devInfo?: Record<string, string>;
  /** The last valid WinDC summary of the message. */
  report?: { documents: readonly DocumentReport[]; summary: DeclaredConfigurationsSummary };
  /** Meta/Type of a 1226 asking to end the enrollment. */
  unenroll?: string;
  abort: boolean;
  keepAlive: boolean;
  /** Alert 1200/1201: the message starts a session. */
  opens: boolean;
  clientFinal: boolean;
  /** The device asked for the next message of windc's package (Alert 1222). */
  nextRequested: boolean;
  /** The device is in the middle of sending a large object. */
  receivingObject: boolean;
  /** How the device answered the chunk windc sent last, if it did. */
  chunk?: 'accepted' | 'refused';
  state: EngineState;
  /** Tolerated oddities worth a log line. */
  notes: string[];
}

/** The engine's own commands carry integer CmdIDs; Statuses for them are not the queue's business. */
const OWN_CMD_ID = /^\d+$/;
const DEVINFO = './DevInfo/';

/** `./DevInfo/Man` is stored as `Man`, anything else without its leading `./` (`DevDetail/SwV`). */
export function factKey(locUri: string): string {
  if (locUri.startsWith(DEVINFO)) return locUri.slice(DEVINFO.length);
  return locUri.startsWith('./') ? locUri.slice(2) : locUri;
}

/**
 * The MsgID of windc's message a reply refers to. windc's MsgIDs equal the device's (see compose.ts), so when
 * the reference is absent (Results may omit it) or unusable, it is the message before this one. The queue
 * resolves a reply by its CmdRef alone; MsgRef is kept for the record.
 */
function msgRefOf(s: string | undefined, msgId: string, r: Received, what: string): number {
  if (s !== undefined && /^\d{1,9}$/.test(s) && Number(s) >= 1) return Number(s);
  if (s !== undefined) r.notes.push(`${what} has unusable MsgRef '${s}'`);
  return Math.max(1, Number(msgId) - 1);
}

export function receive(input: ReceiveInput): Received {
  const { header } = input;
  const message = input.parse.message;
  const msgId = message.header.msgId;
  const state: EngineState = { ...input.state };
  const meta = message.header.meta;
  if (meta?.maxMsgSize !== undefined) state.deviceMaxMsgSize = meta.maxMsgSize;
  if (meta?.maxObjSize !== undefined) state.deviceMaxObjSize = meta.maxObjSize;

  const r: Received = {
    statuses: [statusForHeader(message.header, '', header.code, header.chal ? { chal: header.chal } : {})],
    alerts: [],
    replies: [],
    abort: false,
    keepAlive: false,
    opens: false,
    clientFinal: message.final,
    nextRequested: false,
    receivingObject: false,
    state,
    notes: [],
  };
  const facts = new Facts(input.devInfo);

  for (const cmd of bodyInOrder(input.parse)) {
    switch (cmd.kind) {
      case 'Invalid':
        if (cmd.cmd === 'Status' || cmd.cmd === 'Results') {
          r.notes.push(`undecodable ${cmd.cmd} ${cmd.cmdId ?? '(no CmdID)'}: ${cmd.error.message}`);
        } else if (cmd.cmdId === undefined) {
          r.notes.push(`undecodable ${cmd.cmd} without a CmdID left unanswered: ${cmd.error.message}`);
        } else {
          status(r, msgId, cmd, cmd.error.syncmlStatus);
        }
        break;
      case 'Alert':
        status(r, msgId, cmd, onAlert(cmd, r, state, facts));
        break;
      case 'Replace': {
        // The device reports facts about itself (DevInfo); an Item without a node or a value says nothing.
        const codes = cmd.items.map((it) => {
          const uri = it.source?.locUri ?? it.target?.locUri;
          if (uri === undefined || it.data === undefined) return StatusCode.BAD_REQUEST;
          facts.set(factKey(uri), it.data);
          return StatusCode.OK;
        });
        r.statuses.push(...itemStatuses(msgId, cmd, codes, () => ''));
        break;
      }
      case 'Status':
        onStatus(cmd, r, state, msgId);
        break;
      case 'Results':
        onResults(cmd, r, state, input.maxObjSize, facts, msgId);
        break;
      default:
        // A client may send only Alert, Replace (DevInfo), Status and Results ([O 2.3]).
        status(r, msgId, cmd, StatusCode.COMMAND_NOT_ALLOWED);
    }
  }
  if (message.final && state.receiving) {
    // A package cannot end inside an object: whatever was buffered is incomplete for good.
    r.alerts.push(alert('', AlertCode.NO_END_OF_DATA, [{ source: { locUri: state.receiving.locUri } }]));
    r.notes.push(`device closed its package inside large object ${state.receiving.locUri}`);
    delete state.receiving;
  }
  r.receivingObject = state.receiving !== undefined;
  if (facts.changed) r.devInfo = facts.values;
  return r;
}

/**
 * What the device says about itself (DevInfo, DevDetail, LoginStatus), and whether this message changed it. A
 * class rather than closures over locals: this runs for every message, and the TypeScript loader gives every
 * named closure a defineProperty call each time one is created.
 */
class Facts {
  readonly values: Record<string, string>;
  changed = false;

  constructor(known: Readonly<Record<string, string>> | null | undefined) {
    this.values = { ...(known ?? {}) };
  }

  set(key: string, value: string): void {
    if (this.values[key] !== value) {
      this.values[key] = value;
      this.changed = true;
    }
  }
}

function status(r: Received, msgId: string, cmd: SyncMLCommand | CommandFailure, code: number): void {
  if (cmd.cmdId === undefined) return;
  const name = 'kind' in cmd && cmd.kind !== 'Invalid' ? cmd.kind : cmd.cmd;
  r.statuses.push(statusFor(msgId, { cmd: name, cmdId: cmd.cmdId }, '', code));
}

function onAlert(a: AlertCommand, r: Received, state: EngineState, facts: Facts): number {
  switch (a.code) {
    case AlertCode.SERVER_INITIATED_MGMT:
    case AlertCode.CLIENT_INITIATED_MGMT:
      r.opens = true;
      return StatusCode.OK;
    case AlertCode.NEXT_MESSAGE:
      r.nextRequested = true;
      return StatusCode.OK;
    case AlertCode.SESSION_ABORT:
      r.abort = true;
      return StatusCode.OK;
    case AlertCode.NO_END_OF_DATA:
      // The device dropped the object windc was sending; the row stays queued for the next session.
      if (state.sending) r.notes.push(`device broke off large object ${state.sending.commandUuid} (1225)`);
      delete state.sending;
      return StatusCode.OK;
    case AlertCode.CLIENT_EVENT:
      return onClientEvent(a, r, facts);
    case AlertCode.GENERIC_ALERT: {
      const type = alertType(a);
      if (type === AlertType.UNENROLLMENT_USER_REQUEST) r.unenroll = type;
      else r.notes.push(`generic alert ${type ?? '(no type)'}: ${a.items[0]?.data ?? ''}`);
      return StatusCode.OK;
    }
    default:
      return StatusCode.OPTIONAL_FEATURE_NOT_SUPPORTED;
  }
}

function onClientEvent(a: AlertCommand, r: Received, facts: Facts): number {
  const item = a.items[0];
  switch (alertType(a)) {
    case AlertType.LOGIN_STATUS:
      if (item?.data === undefined) return StatusCode.BAD_REQUEST;
      facts.set('LoginStatus', item.data);
      return StatusCode.OK;
    case AlertType.DECLARED_CONFIGURATION_DOCUMENTS:
      try {
        r.report = readSummary(item?.data ?? '');
        return StatusCode.OK;
      } catch (e) {
        r.notes.push(`WinDC summary refused: ${(e as Error).message}`);
        return (e as { syncmlStatus?: number }).syncmlStatus ?? StatusCode.BAD_REQUEST;
      }
    case AlertType.REQUEST_PENDING:
      r.keepAlive = true;
      return StatusCode.OK;
    default:
      return StatusCode.OK;
  }
}

type Report = NonNullable<Received['report']>;

/**
 * Parsed summaries by their text. A device repeats the same summary in every message of every session until a
 * document changes, and devices holding the same documents send the same text, so a small cache turns the
 * second XML parse of each poll into a lookup. Entries are shared: nothing downstream may mutate them.
 */
const summaries = new Map<string, Report>();
const SUMMARY_CACHE = 512;

function readSummary(text: string): Report {
  const hit = summaries.get(text);
  if (hit) return hit;
  const summary = parseSummary(text);
  // Frozen, rows and all: the cache shares them, and the store keys its report digest on the frozen array.
  const documents = Object.freeze(
    summary.documents.map(
      (d): DocumentReport =>
        Object.freeze({
          documentId: d.id,
          scope: d.contextAsWritten ?? d.context,
          checksum: d.checksum,
          resultChecksum: d.resultChecksum ?? null,
          state: d.state,
        }),
    ),
  );
  const report: Report = Object.freeze({ documents, summary });
  if (summaries.size >= SUMMARY_CACHE) summaries.delete(summaries.keys().next().value as string);
  summaries.set(text, report);
  return report;
}

function onStatus(s: StatusCommand, r: Received, state: EngineState, msgId: string): void {
  if (s.cmdRef === '0') {
    if (!isSuccessStatus(s.code)) r.notes.push(`device answered windc's SyncHdr with ${s.code}`);
    return;
  }
  if (OWN_CMD_ID.test(s.cmdRef)) return;
  if (state.sending && s.cmdRef.toLowerCase() === state.sending.commandUuid) {
    r.chunk = s.code === StatusCode.CHUNKED_ITEM_ACCEPTED ? 'accepted' : 'refused';
    if (r.chunk === 'refused') delete state.sending;
  }
  const msgRef = msgRefOf(s.msgRef, msgId, r, `Status for ${s.cmdRef}`);
  const refs = s.targetRefs.length > 0 ? s.targetRefs : [undefined];
  // One reply per TargetRef: a Status may name several Items, each deserves its own record.
  refs.forEach((targetRef, i) => {
    r.replies.push({
      kind: 'status',
      msgRef,
      cmdRef: s.cmdRef,
      code: s.code,
      targetRef,
      sourceRef: s.sourceRefs[i] ?? (refs.length === 1 ? s.sourceRefs[0] : undefined),
    });
  });
}

function onResults(
  res: ResultsCommand,
  r: Received,
  state: EngineState,
  maxObjSize: number,
  facts: Facts,
  msgId: string,
): void {
  const assembled = assembleResults(res, state, maxObjSize);
  if (assembled.interrupted) {
    r.alerts.push(assembled.interrupted);
    r.notes.push(
      `device started a new command before finishing large object ${assembled.interrupted.items[0]?.source?.locUri}`,
    );
  }
  if (assembled.code !== undefined) r.statuses.push(statusFor(msgId, res, '', assembled.code));
  if (assembled.items.length === 0) return;
  const items: ResultItem[] = assembled.items.map((it) => {
    const source = it.source?.locUri ?? it.target?.locUri ?? '';
    const meta = it.meta ?? res.meta;
    if (source.startsWith('./DevDetail/') && it.data !== undefined) facts.set(factKey(source), it.data);
    const out: ResultItem = { source };
    if (meta?.format !== undefined) out.format = meta.format;
    if (meta?.type !== undefined) out.type = meta.type;
    if (it.data !== undefined) out.data = it.data;
    return out;
  });
  if (OWN_CMD_ID.test(res.cmdRef)) return;
  r.replies.push({
    kind: 'results',
    msgRef: msgRefOf(res.msgRef, msgId, r, `Results for ${res.cmdRef}`),
    cmdRef: res.cmdRef,
    items,
  });
}
