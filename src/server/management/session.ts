/**
 * One authenticated management message, applied in one store transaction: the session bookkeeping, what the
 * device reported, its replies to queued commands, the hooks, and the commands handed out. The transaction
 * commits before the reply is sent, so a crash loses neither an ack nor a delivery, and a reply that never
 * arrives is answered again from the delivery records when the device repeats its message.
 */
import {
  AlertCode,
  type ContainedCommand,
  type SyncMLMessage,
  type TolerantParse,
} from '../../protocol/syncml/index.ts';
import type { CheckInOutcome, DeliveredCommand, RecordRepliesResult, Store, StoreTx } from '../../store/index.ts';
import type { Authenticated } from './auth/index.ts';
import type { ManagementConfig } from './config.ts';
import { type ChunkableCommand, isChunkable, Selector } from './engine/outbound.ts';
import { type Received, receive } from './engine/receive.ts';
import { type Composed, compose, decide, type Plan, skeletonSize } from './engine/respond.ts';
import { type EngineState, isEmptyState, readSessionData, type SessionData } from './engine/state.ts';
import type { ManagementHooks } from './hooks.ts';
import { commandPayload, PayloadError, renderQueued } from './payload.ts';

export interface SessionDeps {
  store: Store;
  config: ManagementConfig;
  hooks: ManagementHooks;
}

export interface Outcome {
  composed: Composed;
  received: Received;
  plan: Plan;
  /** `seq` 0: a poll answered without touching the session row (see `poll`). */
  session: { seq: number; isNew: boolean; replay: boolean };
  replies?: RecordRepliesResult | undefined;
  /** Queue rows that can never reach this device, cancelled: worth an error in the log. */
  cancelled: { commandUuid: string; reason: string }[];
}

/** Alert 1200/1201, or MsgID 1: the message starts a session. */
export function opensSession(message: SyncMLMessage): boolean {
  if (message.header.msgId === '1') return true;
  return message.commands.some(
    (c) =>
      c.kind === 'Alert' && (c.code === AlertCode.CLIENT_INITIATED_MGMT || c.code === AlertCode.SERVER_INITIATED_MGMT),
  );
}

function serverMeta(config: ManagementConfig) {
  return { maxMsgSize: config.maxMsgSize, maxObjSize: config.maxObjSize };
}

export async function handleMessage(deps: SessionDeps, auth: Authenticated, parse: TolerantParse): Promise<Outcome> {
  const { config } = deps;
  const request = parse.message;
  const msgId = Number(request.header.msgId);
  const enrollment = auth.enrollment;
  const opens = opensSession(request);
  const quick = opens && auth.queued === false ? await poll(deps, auth, parse) : undefined;
  if (quick) return quick;
  return deps.store.transaction(async (tx) => {
    const arrival = await tx.sessions.arrive({
      enrollmentId: enrollment.id,
      sessionId: request.header.sessionId,
      msgId,
      opens,
      // A digest marks the row authenticated mid-message, so its row must be written on arrival.
      defer: !auth.digest,
    });
    const seq = arrival.session.seq;
    const data: SessionData = arrival.isNew ? { state: {} } : readSessionData(arrival.session.data);
    const session = { seq, isNew: arrival.isNew, replay: arrival.replay };
    if (arrival.replay) return replay(tx, deps, auth, parse, data, session);

    const received = receive({
      parse,
      state: data.state,
      header: auth.header,
      devInfo: enrollment.devInfo,
      maxObjSize: config.maxObjSize,
    });
    if (auth.digest) {
      received.state.authNonce = auth.digest.nonce;
      if (auth.digest.next !== undefined) {
        await tx.sessions.setNonce(enrollment.id, auth.digest.next);
        await tx.sessions.setAuthenticated(enrollment.id, seq);
      }
    }

    let outcome: CheckInOutcome | undefined;
    if (received.report) {
      outcome = await tx.reports.checkIn({
        enrollmentId: enrollment.id,
        devInfo: received.devInfo,
        documents: received.report.documents,
        complete: true,
      });
    } else {
      await tx.devices.touchEnrollment(enrollment.id, received.devInfo ? { devInfo: received.devInfo } : undefined);
    }
    const replies =
      received.replies.length > 0
        ? await tx.queue.recordReplies({ enrollmentId: enrollment.id, sessionSeq: seq, replies: received.replies })
        : undefined;
    if (replies) await retryAlreadyExists(tx, enrollment.id, replies);
    for (const hook of deps.hooks.beforeDequeue) {
      await hook({
        tx,
        enrollment,
        session: { seq, isNew: arrival.isNew, msgId },
        report: received.report && outcome ? { summary: received.report.summary, outcome } : undefined,
        replies,
        devInfo: received.devInfo ?? enrollment.devInfo,
      });
    }
    if (received.unenroll) await tx.devices.unenroll(enrollment.id);

    const outstanding = received.state.delivered ? (await tx.sessions.outstanding(enrollment.id, seq)).length : 0;
    const plan = decide(received, { outstanding });
    const cancelled: Outcome['cancelled'] = [];
    const composed = await respond(
      tx,
      deps,
      { parse, received, plan, seq, msgId, enrollmentId: enrollment.id },
      cancelled,
    );

    const stored: SessionData = opens
      ? { state: composed.state }
      : { state: composed.state, last: { msgId, before: data.state } };
    // A message that opens a session and leaves nothing to remember stores null, as a session starts with.
    const empty = arrival.isNew && opens && isEmptyState(composed.state);
    if (!auth.digest) await tx.sessions.saveArrival(arrival.session, empty ? null : stored);
    else if (!empty) await tx.sessions.saveData(enrollment.id, seq, stored);
    return { composed, received, plan, session, replies, cancelled };
  });
}

/**
 * The poll every device makes when windc has nothing for it: package 1 answered with Statuses and Final. The
 * session ends in this one reply, so it needs no session row (nothing is delivered, nothing is owed, and a
 * repeated MsgID 1 opens a session anyway); the report is the only write, one statement, atomic by itself.
 * Anything else (a digest to record, replies, an abort, commands queued, a hook that is not quiet, a report or
 * DevInfo the hooks have not seen) takes the transaction.
 */
async function poll(deps: SessionDeps, auth: Authenticated, parse: TolerantParse): Promise<Outcome | undefined> {
  if (auth.digest) return undefined;
  const enrollment = auth.enrollment;
  const received = receive({
    parse,
    state: {},
    header: auth.header,
    devInfo: enrollment.devInfo,
    maxObjSize: deps.config.maxObjSize,
  });
  if (received.replies.length > 0 || received.state.receiving) return undefined;
  const plan = decide(received, { outstanding: 0 });
  if (plan.kind !== 'deliver') return undefined;
  const devInfo = received.devInfo ? { devInfo: received.devInfo } : undefined;
  const hooks = deps.hooks.beforeDequeue;
  if (hooks.length > 0) {
    // The hooks act on what changed: new DevInfo (receive sets it only then) or a new report goes the whole
    // way, in a transaction.
    if (received.devInfo) return undefined;
    for (const hook of hooks) {
      if (!hook.quiet || !(await hook.quiet({ store: deps.store, enrollment }))) return undefined;
    }
    if (received.report) {
      const unchanged = await deps.store.reports.touchIfUnchanged({
        enrollmentId: enrollment.id,
        ...devInfo,
        documents: received.report.documents,
        complete: true,
      });
      if (!unchanged) return undefined;
    } else {
      await deps.store.devices.touchEnrollment(enrollment.id, devInfo);
    }
  } else if (received.report) {
    await deps.store.reports.checkIn({
      enrollmentId: enrollment.id,
      ...devInfo,
      documents: received.report.documents,
      complete: true,
    });
  } else {
    await deps.store.devices.touchEnrollment(enrollment.id, devInfo);
  }
  const composed = compose({
    request: parse.message,
    received,
    plan,
    commands: [],
    limit: deps.config.deviceMaxMsgSize,
    meta: serverMeta(deps.config),
  });
  return { composed, received, plan, session: { seq: 0, isNew: true, replay: false }, cancelled: [] };
}

interface RespondInput {
  parse: TolerantParse;
  received: Received;
  plan: Plan;
  seq: number;
  msgId: number;
  enrollmentId: number;
}

type LargeObject = { queueId: number; command: ChunkableCommand; offset: number };

/**
 * Fills the plan from the queue and builds the reply. `redelivered`: the commands a repeated message's first
 * reply carried, which are sent again instead of claiming anything new.
 */
async function respond(
  tx: StoreTx,
  deps: SessionDeps,
  input: RespondInput,
  cancelled: Outcome['cancelled'],
  redelivered?: DeliveredCommand[],
): Promise<Composed> {
  const { config } = deps;
  const { received, plan } = input;
  const request = input.parse.message;
  const meta = serverMeta(config);
  const limit = received.state.deviceMaxMsgSize ?? config.deviceMaxMsgSize;
  const base = { request, received, plan, limit, meta, commands: [] };
  if (plan.kind === 'continue') {
    const row = await tx.queue.get(plan.sending.queueId);
    // Cancelled, expired or answered meanwhile: compose then drops the object.
    if (row?.state !== 'queued') return compose(base);
    let command: ContainedCommand | undefined;
    try {
      command = renderQueued(row.commandUuid, row.payload);
    } catch (e) {
      // It rendered for its first chunk; a payload changed underneath since is dropped, not retried for ever.
      if (!(e instanceof PayloadError)) throw e;
    }
    const object =
      command && isChunkable(command) ? { queueId: row.id, command, offset: plan.sending.offset } : undefined;
    return compose({ ...base, object });
  }
  if (plan.kind !== 'deliver') return compose(base);

  const selector = new Selector(
    limit,
    () => skeletonSize({ request, received, meta }),
    received.state.deviceMaxObjSize,
  );
  let delivered: DeliveredCommand[];
  if (redelivered) {
    delivered = redelivered.filter((c) => selector.select({ ...c, attempts: c.attempt - 1 }) === 'take');
  } else {
    delivered = (
      await tx.queue.dequeue({
        enrollmentId: input.enrollmentId,
        sessionSeq: input.seq,
        msgId: input.msgId,
        select: selector.select,
      })
    ).commands;
    if (selector.undeliverable.length > 0) {
      // Retrying them would block the device's queue behind them for ever.
      await tx.queue.cancel({ ids: selector.undeliverable.map((u) => u.candidate.id) });
      for (const u of selector.undeliverable)
        cancelled.push({ commandUuid: u.candidate.commandUuid, reason: u.reason });
    }
  }
  const commands: ContainedCommand[] = [];
  let object: LargeObject | undefined;
  for (const c of delivered) {
    const { command, chunked } = selector.chosen.get(c.id)!;
    if (chunked && isChunkable(command)) object = { queueId: c.id, command, offset: 0 };
    else commands.push(command);
  }
  return compose({ ...base, commands, object });
}

/**
 * A message seen before: its reply was lost, or it arrived twice. Nothing is recorded again; the answer is
 * rebuilt from the state before the message and the commands its first reply carried (still queued ones).
 */
async function replay(
  tx: StoreTx,
  deps: SessionDeps,
  auth: Authenticated,
  parse: TolerantParse,
  data: SessionData,
  session: Outcome['session'],
): Promise<Outcome> {
  const msgId = Number(parse.message.header.msgId);
  const enrollmentId = auth.enrollment.id;
  const latest = data.last?.msgId === msgId;
  const before: EngineState = latest ? data.last!.before : data.state;
  const received = receive({
    parse,
    state: before,
    header: auth.header,
    devInfo: auth.enrollment.devInfo,
    maxObjSize: deps.config.maxObjSize,
  });
  let plan: Plan;
  let redelivered: DeliveredCommand[] | undefined;
  if (!latest) {
    // A stale duplicate: whatever the device makes of it, the session has moved on.
    plan = { kind: 'statuses', final: received.clientFinal, nextMessage: false, why: 'stale retransmission' };
  } else if (before.sending) {
    plan = { kind: 'continue', sending: before.sending };
  } else {
    // Never anything new under a message number already answered: only what the first reply carried.
    redelivered = await tx.queue.redeliver({ enrollmentId, sessionSeq: session.seq, msgId });
    plan = redelivered.length > 0 ? { kind: 'deliver' } : decide(received, { outstanding: 0 });
  }
  const composed = await respond(
    tx,
    deps,
    { parse, received, plan, seq: session.seq, msgId, enrollmentId },
    [],
    redelivered,
  );
  return { composed, received, plan, session, cancelled: [] };
}

/**
 * 418 on a top-level Add: the node exists already, so the command is queued again as a Replace, as Fleet does,
 * and can go out in this very session. Inside an Atomic the whole Atomic failed and is left as reported.
 */
async function retryAlreadyExists(tx: StoreTx, enrollmentId: number, replies: RecordRepliesResult): Promise<void> {
  for (const m of replies.matched) {
    if (!m.acked || m.reply.kind !== 'status' || m.reply.code !== 418) continue;
    const row = await tx.queue.get(m.queueId);
    let command: ReturnType<typeof renderQueued>;
    try {
      command = renderQueued(m.commandUuid, row?.payload);
    } catch (e) {
      if (e instanceof PayloadError) continue;
      throw e;
    }
    if (command.kind !== 'Add') continue;
    const { cmdId: _, ...template } = command;
    await tx.queue.enqueue({
      enrollmentIds: [enrollmentId],
      payload: commandPayload({ ...template, kind: 'Replace' }),
      locUri: row?.locUri ?? undefined,
      origin: `418:${m.commandUuid}`,
    });
  }
}
