/**
 * What a queued command's payload is: a SyncML command as it will go out, minus its CmdIDs, which the engine
 * fills in at delivery (the row's commandUuid on top, `${uuid}.${n}` inside Atomic and Sequence, numbered
 * depth-first from 1). Rendering happens on every delivery, so a payload is checked once, at enqueue, by
 * rendering it: a command Windows would reject costs a session round trip, while a refused enqueue points at
 * the caller's bug.
 */
import {
  type AddCommand,
  type AtomicCommand,
  buildCommand,
  type ContainedCommand,
  type CopyCommand,
  type DeleteCommand,
  type ExecCommand,
  type GetCommand,
  type Meta,
  type ReplaceCommand,
  type SequenceCommand,
} from '../../protocol/syncml/index.ts';
import type { EnqueueResult, StoreTx } from '../../store/index.ts';

type Template<C> = Omit<C, 'cmdId'>;

/** A server command without CmdIDs. Alerts are the engine's own business and never queued. */
export type CommandTemplate =
  | Template<AddCommand>
  | Template<ReplaceCommand>
  | Template<DeleteCommand>
  | Template<CopyCommand>
  | Template<GetCommand>
  | Template<ExecCommand>
  | { kind: 'Atomic'; noResp?: boolean; meta?: Meta; commands: CommandTemplate[] }
  | { kind: 'Sequence'; noResp?: boolean; meta?: Meta; commands: CommandTemplate[] };

/** The stored form. Versioned so a later engine can still render what an older one queued. */
export interface CommandPayload {
  v: 1;
  command: CommandTemplate;
}

export class PayloadError extends Error {
  override readonly name = 'PayloadError';
}

const ITEM_KINDS = new Set(['Add', 'Replace', 'Delete', 'Copy', 'Get', 'Exec']);

/** Gives the template its CmdIDs; throws PayloadError when it is not a command template at all. */
export function withCmdIds(commandUuid: string, template: CommandTemplate): ContainedCommand {
  let n = 0;
  const visit = (t: CommandTemplate, id: string, depth: number): ContainedCommand => {
    if (typeof t !== 'object' || t === null || typeof t.kind !== 'string') {
      throw new PayloadError('a queued command is not an object with a kind');
    }
    if (depth > 8) throw new PayloadError('Atomic/Sequence nested deeper than 8 levels');
    if (t.kind === 'Atomic' || t.kind === 'Sequence') {
      if (!Array.isArray(t.commands)) throw new PayloadError(`${t.kind} without a command list`);
      const out = { ...t, cmdId: id } as AtomicCommand | SequenceCommand;
      out.commands = t.commands.map((c) => visit(c, `${commandUuid}.${++n}`, depth + 1));
      return out;
    }
    if (!ITEM_KINDS.has(t.kind) || !Array.isArray((t as { items?: unknown }).items)) {
      throw new PayloadError(`'${t.kind}' is not a command windc queues, or has no Item list`);
    }
    return { ...t, cmdId: id } as ContainedCommand;
  };
  return visit(template, commandUuid, 0);
}

/**
 * The command a delivered row goes out as. Throws PayloadError for a payload this engine cannot render, and
 * SyncMLError (from the encoder) for one Windows could not decode.
 */
export function renderQueued(commandUuid: string, payload: unknown): ContainedCommand {
  const p = payload as Partial<CommandPayload> | null;
  if (typeof p !== 'object' || p === null || p.v !== 1 || p.command === undefined) {
    throw new PayloadError('the payload is not a version 1 SyncML command payload');
  }
  return withCmdIds(commandUuid, p.command);
}

/** The payload for `command`, proven renderable. */
export function commandPayload(command: CommandTemplate): CommandPayload {
  const payload: CommandPayload = { v: 1, command: structuredClone(command) };
  // Renders it once under a placeholder id, so what is stored is known to encode and to decode back.
  buildCommand(renderQueued('00000000-0000-4000-8000-000000000000', payload));
  return payload;
}

function firstTarget(t: CommandTemplate): string | undefined {
  if (t.kind === 'Atomic' || t.kind === 'Sequence') {
    for (const c of t.commands) {
      const u = firstTarget(c);
      if (u !== undefined) return u;
    }
    return undefined;
  }
  return t.items[0]?.target?.locUri;
}

export interface QueueCommandInput {
  enrollmentIds: readonly number[];
  command: CommandTemplate;
  origin?: string | undefined;
  dedupeKey?: string | undefined;
  commandUuid?: string | undefined;
}

/** Queues a SyncML command for some enrollments: what the admin API and the reconciler call. */
export function queueCommand(store: Pick<StoreTx, 'queue'>, input: QueueCommandInput): Promise<EnqueueResult> {
  return store.queue.enqueue({
    enrollmentIds: input.enrollmentIds,
    payload: commandPayload(input.command),
    locUri: firstTarget(input.command),
    origin: input.origin,
    dedupeKey: input.dedupeKey,
    commandUuid: input.commandUuid,
  });
}
