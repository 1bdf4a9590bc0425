/**
 * The second half of answering a device message, pure: whether windc may send commands now, and the reply
 * itself. The rules are OMA DM 1.2's ([O 2.1-2.3]):
 * - a device streaming a package (no Final) gets "Next Message": Statuses and Alert 1222, nothing else;
 * - new commands go out only once the device's package is complete and every command sent in this session
 *   has its Status; they close windc's package with Final, unless a large object is still in transit;
 * - a reply with Statuses and Final only ends the session; so do 1223 and 1226 (no commands to a device that
 *   aborts or leaves).
 * windc's MsgID is the device's: a retransmission gets the same MsgID again, and the device's MsgRef to a
 * command names the message the command went out in.
 */
import {
  AlertCode,
  alert,
  buildSyncML,
  type ContainedCommand,
  cmdIdSequence,
  type Meta,
  replyHeader,
  type SyncMLCommand,
  type SyncMLMessage,
} from '../../../protocol/syncml/index.ts';
import { bytes, type ChunkableCommand, chunkAt, SIZE_MARGIN } from './outbound.ts';
import type { Received } from './receive.ts';
import type { EngineState, Sending } from './state.ts';

export type Plan =
  /** Statuses (and alerts) only; `nextMessage` adds Alert 1222 and withholds Final. */
  | { kind: 'statuses'; final: boolean; nextMessage: boolean; why: string }
  /** Statuses, then commands from the queue. */
  | { kind: 'deliver' }
  /** Statuses, then the next chunk of the large object in transit. */
  | { kind: 'continue'; sending: Sending };

export interface Facts {
  /** Commands sent in this session still without a Status (after recording this message's). */
  outstanding: number;
}

/** A module function, not a closure in `decide`: the TypeScript loader names every closure as it is made. */
function statuses(final: boolean, nextMessage: boolean, why: string): Plan {
  return { kind: 'statuses', final, nextMessage, why };
}

export function decide(r: Received, facts: Facts): Plan {
  if (r.abort) return statuses(true, false, 'the device aborted the session (1223)');
  if (r.unenroll) return statuses(true, false, 'the device unenrolled (1226)');
  if (r.receivingObject) return statuses(false, true, 'the device is sending a large object');
  const sending = r.state.sending;
  if (sending) {
    if (r.chunk === 'accepted') return { kind: 'continue', sending };
    if (!r.clientFinal) return statuses(false, true, 'waiting for the Status of a chunk');
  }
  // The device is busy with an earlier command and says so; the Status is all it wants.
  if (r.keepAlive) return statuses(r.clientFinal, false, 'keep-alive (requestpending)');
  if (!r.clientFinal) return statuses(false, true, "the device's package continues");
  if (facts.outstanding > 0) {
    return statuses(true, false, `${facts.outstanding} command(s) still without a Status at the end of a package`);
  }
  return { kind: 'deliver' };
}

export interface ComposeInput {
  request: SyncMLMessage;
  received: Received;
  plan: Plan;
  /** Queue commands to send whole, in order, already carrying their CmdIDs. */
  commands: readonly ContainedCommand[];
  /** The large object to send a chunk of: the rendered command and where the chunk starts. */
  object?: { queueId: number; command: ChunkableCommand; offset: number } | undefined;
  /** The size the device accepts. */
  limit: number;
  /** windc's own SyncHdr Meta (MaxMsgSize, MaxObjSize). */
  meta?: Meta | undefined;
}

export interface Composed {
  message: SyncMLMessage;
  state: EngineState;
  /** Commands this reply carries (queue CmdIDs). */
  carried: string[];
  /** True when the session is over after this reply: Final, and nothing the device must answer. */
  ends: boolean;
}

/** The reply without queue commands: header, Statuses, windc's alerts. Also what a Selector's budget starts from. */
export function skeleton(
  input: Pick<ComposeInput, 'request' | 'received' | 'meta'>,
  nextMessage: boolean,
): SyncMLMessage {
  const next = cmdIdSequence();
  const commands: SyncMLCommand[] = [];
  for (const s of input.received.statuses) commands.push({ ...s, cmdId: next() });
  for (const a of input.received.alerts) commands.push({ ...a, cmdId: next() });
  if (nextMessage) commands.push(alert(next(), AlertCode.NEXT_MESSAGE));
  const header = replyHeader(input.request.header, input.request.header.msgId, input.meta ? { meta: input.meta } : {});
  return { namespace: input.request.namespace, header, commands, final: true };
}

export function skeletonSize(input: Pick<ComposeInput, 'request' | 'received' | 'meta'>): number {
  return bytes(buildSyncML(skeleton(input, false)));
}

export function compose(input: ComposeInput): Composed {
  const { plan } = input;
  const state: EngineState = { ...input.received.state };
  if (plan.kind === 'statuses') {
    const message = skeleton(input, plan.nextMessage);
    message.final = plan.final && !plan.nextMessage;
    return { message, state, carried: [], ends: message.final };
  }
  const message = skeleton(input, false);
  const carried: string[] = [];
  for (const c of input.commands) {
    message.commands.push(c);
    carried.push(c.cmdId);
  }
  if (input.object) {
    const { command, offset, queueId } = input.object;
    const room = input.limit - bytes(buildSyncML(message)) - SIZE_MARGIN;
    const chunk = chunkAt(command, offset, room);
    message.commands.push(chunk.command);
    carried.push(command.cmdId);
    if (chunk.next === undefined) delete state.sending;
    else state.sending = { queueId, commandUuid: command.cmdId, offset: chunk.next };
    // windc's package stays open while the object is in transit ([O 2.1]: the one case it may).
    message.final = chunk.next === undefined;
  } else if (plan.kind === 'continue') {
    // The object vanished (cancelled or acked meanwhile): nothing more of it to send.
    delete state.sending;
  }
  if (carried.length > 0 && plan.kind === 'deliver') state.delivered = true;
  return { message, state, carried, ends: message.final && carried.length === 0 };
}
