/**
 * Server commands in, Status and Results out, in the shapes the 26200 capture shows: one Status per command, or one
 * per Item with TargetRef when a command's Items got different codes; then, for a Get, one Results holding every
 * Item that succeeded (failed Items are left out), without Cmd or TargetRef; Meta/Format only for non-chr values.
 *
 * Atomic follows OMA DM and Learn's notes on Windows: all or nothing (507 on the Atomic, 216 on what was rolled
 * back, 215 on what never ran, the failing command keeps its code); a nested Atomic gets 500 and fails its parent;
 * Get inside Atomic is unsupported (500); so is Replace of a node the same Atomic added. Sequence only orders its
 * commands: a failure does not stop the rest (OMA leaves that open; windc chooses the reading that loses nothing).
 */
import {
  type AtomicCommand,
  type ContainedCommand,
  type Item,
  type ResultsCommand,
  resultsFor,
  type SequenceCommand,
  StatusCode,
  type StatusCommand,
  type SyncMLCommand,
  sourceItem,
  statusFor,
} from '../../protocol/syncml/index.ts';
import type { AccountInfo } from '../account.ts';
import { hex } from '../hresult.ts';
import type { CspEngine } from './engine.ts';
import { Transaction } from './transaction.ts';
import type { CspCommand, ItemOutcome } from './types.ts';

export interface CommandContext {
  /** MsgID of the server message the commands came in: the MsgRef of every reply. */
  msgRef: string;
  /** CmdIDs of the client's message; replies take them in output order. */
  nextCmdId: () => string;
  /** Put msft:originalerror on failures, as Windows does once SyncApplicationVersion is 3.0 or more. */
  originalError?: boolean;
}

export type Reply = StatusCommand | ResultsCommand;

type ItemCommand = Extract<ContainedCommand, { kind: CspCommand }>;

interface Executed {
  cmd: ContainedCommand;
  /** One outcome per Item for item commands, exactly one for the rest. */
  outcomes: ItemOutcome[];
  children: Executed[];
}

const single = (code: number): ItemOutcome[] => [{ code }];

function failed(e: Executed): boolean {
  return e.outcomes.some((o) => o.code >= 300) || e.children.some(failed);
}

function notExecuted(cmd: ContainedCommand): Executed {
  const count = 'items' in cmd && cmd.kind !== 'Alert' ? cmd.items.length : 1;
  const children = cmd.kind === 'Atomic' || cmd.kind === 'Sequence' ? cmd.commands.map(notExecuted) : [];
  return { cmd, outcomes: Array.from({ length: count }, () => ({ code: StatusCode.NOT_EXECUTED })), children };
}

function rolledBack(e: Executed): Executed {
  return {
    cmd: e.cmd,
    outcomes: e.outcomes.map((o) =>
      o.code < 300 && o.code !== StatusCode.NOT_EXECUTED ? { code: StatusCode.ATOMIC_ROLLBACK_OK } : o,
    ),
    children: e.children.map(rolledBack),
  };
}

class Runner {
  constructor(
    private readonly engine: CspEngine,
    private readonly account: AccountInfo,
  ) {}

  top(cmd: ContainedCommand): Executed {
    if (cmd.kind === 'Atomic') return this.atomic(cmd);
    if (cmd.kind === 'Sequence') return this.sequence(cmd, undefined);
    const tx = new Transaction(false);
    const e = this.one(cmd, tx);
    tx.commit();
    return e;
  }

  private one(cmd: ContainedCommand, tx: Transaction): Executed {
    switch (cmd.kind) {
      case 'Alert':
        return { cmd, outcomes: single(StatusCode.OK), children: [] };
      case 'Copy':
        // Windows does not implement Copy ([MS-MDM] lists the commands it does).
        return { cmd, outcomes: single(StatusCode.OPTIONAL_FEATURE_NOT_SUPPORTED), children: [] };
      case 'Atomic':
        return this.atomic(cmd);
      case 'Sequence':
        return this.sequence(cmd, tx);
      default:
        return this.items(cmd, tx);
    }
  }

  private items(cmd: ItemCommand, tx: Transaction): Executed {
    const outcomes: ItemOutcome[] = [];
    for (const item of cmd.items) {
      if (tx.atomic && outcomes.some((o) => o.code >= 300)) {
        outcomes.push({ code: StatusCode.NOT_EXECUTED });
        continue;
      }
      outcomes.push(this.item(cmd, item, tx));
    }
    return { cmd, outcomes, children: [] };
  }

  private item(cmd: ItemCommand, item: Item, tx: Transaction): ItemOutcome {
    const locUri = item.target?.locUri;
    if (locUri === undefined) return { code: StatusCode.BAD_REQUEST };
    return this.engine.execute({
      command: cmd.kind,
      locUri,
      data: item.data,
      format: item.meta?.format ?? cmd.meta?.format,
      account: this.account,
      tx,
    });
  }

  /** `outer` is the enclosing Atomic's transaction, when the Sequence is inside one. */
  private sequence(cmd: SequenceCommand, outer: Transaction | undefined): Executed {
    const children: Executed[] = [];
    for (const c of cmd.commands) {
      if (outer) {
        if (outer.atomic && children.some(failed)) children.push(notExecuted(c));
        else children.push(this.inAtomic(c, outer));
        continue;
      }
      children.push(this.top(c));
    }
    return { cmd, outcomes: single(StatusCode.OK), children };
  }

  private atomic(cmd: AtomicCommand): Executed {
    const tx = new Transaction(true);
    const children: Executed[] = [];
    for (const c of cmd.commands) {
      children.push(children.some(failed) ? notExecuted(c) : this.inAtomic(c, tx));
    }
    if (children.some(failed)) {
      tx.rollback();
      return { cmd, outcomes: single(StatusCode.ATOMIC_FAILED), children: children.map(rolledBack) };
    }
    tx.commit();
    return { cmd, outcomes: single(StatusCode.OK), children };
  }

  private inAtomic(c: ContainedCommand, tx: Transaction): Executed {
    if (c.kind === 'Atomic') {
      return { cmd: c, outcomes: single(StatusCode.COMMAND_FAILED), children: c.commands.map(notExecuted) };
    }
    if (c.kind === 'Get') {
      return { cmd: c, outcomes: c.items.map(() => ({ code: StatusCode.COMMAND_FAILED })), children: [] };
    }
    return this.one(c, tx);
  }
}

function render(e: Executed, ctx: CommandContext, out: Reply[]): void {
  if (!e.cmd.noResp) out.push(...statuses(e, ctx));
  if (e.cmd.kind === 'Get') {
    const items = e.cmd.items.flatMap((it, i) => {
      const o = e.outcomes[i];
      if (!o || o.code !== StatusCode.OK || it.target === undefined) return [];
      const meta = o.format && o.format !== 'chr' ? { format: o.format } : undefined;
      return [sourceItem(it.target.locUri, o.value ?? '', meta)];
    });
    if (items.length > 0) out.push(resultsFor(ctx.msgRef, e.cmd, ctx.nextCmdId(), items));
  }
  for (const c of e.children) render(c, ctx, out);
}

function msftOf(o: ItemOutcome, ctx: CommandContext): { originalerror: string } | undefined {
  return ctx.originalError && o.code >= 300 && o.hresult !== undefined ? { originalerror: hex(o.hresult) } : undefined;
}

function statuses(e: Executed, ctx: CommandContext): StatusCommand[] {
  const first = e.outcomes[0] as ItemOutcome;
  const same = e.outcomes.every((o) => o.code === first.code && o.hresult === first.hresult);
  if (same || !('items' in e.cmd) || e.cmd.kind === 'Alert') {
    const msft = msftOf(first, ctx);
    return [statusFor(ctx.msgRef, e.cmd, ctx.nextCmdId(), first.code, msft ? { msft } : {})];
  }
  const items = e.cmd.items;
  return e.outcomes.map((o, i) => {
    const it = items[i];
    const msft = msftOf(o, ctx);
    const extra = {
      ...(it?.target ? { targetRefs: [it.target.locUri] } : it?.source ? { sourceRefs: [it.source.locUri] } : {}),
      ...(msft ? { msft } : {}),
    };
    return statusFor(ctx.msgRef, e.cmd, ctx.nextCmdId(), o.code, extra);
  });
}

/**
 * Executes a server message's commands for one account. Status and Results the server sent are not commands to
 * answer; they are skipped here and left to the session layer.
 */
export function executeCommands(
  engine: CspEngine,
  account: AccountInfo,
  commands: readonly SyncMLCommand[],
  ctx: CommandContext,
): Reply[] {
  const runner = new Runner(engine, account);
  const out: Reply[] = [];
  for (const cmd of commands) {
    if (cmd.kind === 'Status' || cmd.kind === 'Results') continue;
    render(runner.top(cmd), ctx, out);
  }
  return out;
}
