/**
 * What the session engine remembers between the messages of one session. It lives in the session row
 * (SessionState.data), so any server process can take the next message; a new session starts from nothing.
 */
import type { Meta } from '../../../protocol/syncml/index.ts';

/** A large object windc is sending in chunks (OMA DM 1.2 §2.2): the queued command and how far it got. */
export interface Sending {
  queueId: number;
  commandUuid: string;
  /** UTF-16 offset into the Item's data where the next chunk starts. */
  offset: number;
}

/** A large object the device is sending: a Results Item split over messages with MoreData. */
export interface Receiving {
  /** The Results' CmdRef: the command the data answers. */
  cmdRef: string;
  msgRef: string;
  /** Source LocURI of the chunked Item. */
  locUri: string;
  /** The first chunk's Meta without Size. */
  meta?: Meta;
  /** Meta/Size of the first chunk: the whole object's UTF-8 length. */
  size?: number;
  data: string;
}

export interface EngineState {
  /** From the device's SyncHdr Meta; OMA DM keeps MaxObjSize for the session unless a new value comes. */
  deviceMaxMsgSize?: number;
  deviceMaxObjSize?: number;
  /** Digest auth: the nonce this session authenticated with (the next session's went out with the 212). */
  authNonce?: string;
  /** Queued commands went out in this session, so Statuses may be owed. */
  delivered?: true;
  sending?: Sending;
  receiving?: Receiving;
}

/** What is stored: the state, and the state before the last message so a retransmission gets the same answer. */
export interface SessionData {
  state: EngineState;
  last?: { msgId: number; before: EngineState };
}

export function isEmptyState(s: EngineState): boolean {
  return Object.keys(s).length === 0;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isStr = (v: unknown): v is string => typeof v === 'string';

/**
 * Reads the stored JSON back. Whatever does not have the expected shape (written by another version, or
 * damaged) is dropped field by field: losing a field costs at worst a re-sent large object or a redundant
 * Status check, never a wrong answer built on garbage.
 */
export function readState(v: unknown): EngineState {
  if (!isObject(v)) return {};
  const s: EngineState = {};
  if (isUint(v.deviceMaxMsgSize)) s.deviceMaxMsgSize = v.deviceMaxMsgSize;
  if (isUint(v.deviceMaxObjSize)) s.deviceMaxObjSize = v.deviceMaxObjSize;
  if (isStr(v.authNonce)) s.authNonce = v.authNonce;
  if (v.delivered === true) s.delivered = true;
  const snd = v.sending;
  if (isObject(snd) && isUint(snd.queueId) && isStr(snd.commandUuid) && isUint(snd.offset)) {
    s.sending = { queueId: snd.queueId, commandUuid: snd.commandUuid, offset: snd.offset };
  }
  const rcv = v.receiving;
  if (isObject(rcv) && isStr(rcv.cmdRef) && isStr(rcv.msgRef) && isStr(rcv.locUri) && isStr(rcv.data)) {
    const r: Receiving = { cmdRef: rcv.cmdRef, msgRef: rcv.msgRef, locUri: rcv.locUri, data: rcv.data };
    if (isObject(rcv.meta)) r.meta = rcv.meta as Meta;
    if (isUint(rcv.size)) r.size = rcv.size;
    s.receiving = r;
  }
  return s;
}

export function readSessionData(v: unknown): SessionData {
  if (!isObject(v)) return { state: {} };
  const data: SessionData = { state: readState(v.state) };
  const last = v.last;
  if (isObject(last) && isUint(last.msgId)) data.last = { msgId: last.msgId, before: readState(last.before) };
  return data;
}
