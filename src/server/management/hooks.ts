/**
 * The extension point for what turns a check-in into commands (the reconciler, a later feature): hooks run in
 * the message's transaction after the device's report is recorded and before the queue is read, so whatever
 * they enqueue can leave in this very reply, and a failing hook rolls the whole message back. They are looked
 * up per request, so a feature may add its hook whenever it registers.
 */
import type { DeclaredConfigurationsSummary } from '../../protocol/declared/index.ts';
import type { CheckInOutcome, Enrollment, RecordRepliesResult, Store, StoreTx } from '../../store/index.ts';
import type { ServerContext } from '../context.ts';

export interface CheckInEvent {
  /** The message's transaction: use it for every read and write. */
  tx: StoreTx;
  enrollment: Enrollment;
  session: { seq: number; isNew: boolean; msgId: number };
  /** The WinDC document summary the message carried, and what it changed. */
  report?: { summary: DeclaredConfigurationsSummary; outcome: CheckInOutcome } | undefined;
  /** Status and Results the message carried for queued commands, as recorded. */
  replies?: RecordRepliesResult | undefined;
  /** The enrollment's reported facts after this message (DevInfo, LoginStatus, DevDetail). */
  devInfo: Readonly<Record<string, string>> | null;
}

export interface QuietQuery {
  /** Not a transaction: the poll that asks has taken none. */
  store: Store;
  enrollment: Enrollment;
}

/**
 * `quiet`, when a hook has one, says that a poll bringing nothing new (no replies, the same report and DevInfo
 * as stored, nothing queued) would make the hook do nothing. Only when every hook says so can a poll take the
 * engine's fast path, one statement and no transaction; a hook without it sees every message.
 */
export type BeforeDequeueHook = ((event: CheckInEvent) => Promise<void>) & {
  quiet?: (query: QuietQuery) => Promise<boolean>;
};

export interface ManagementHooks {
  beforeDequeue: BeforeDequeueHook[];
}

const registry = new WeakMap<ServerContext, ManagementHooks>();

/** The hooks of one server; features push onto the lists. */
export function managementHooks(ctx: ServerContext): ManagementHooks {
  let hooks = registry.get(ctx);
  if (!hooks) {
    hooks = { beforeDequeue: [] };
    registry.set(ctx, hooks);
  }
  return hooks;
}
