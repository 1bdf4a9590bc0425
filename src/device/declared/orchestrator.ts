/**
 * The asynchronous half of the DeclaredConfiguration CSP: what Windows' declared configuration service does after
 * the session has moved on. States follow seed 002's DCCSPURIState: configuration 1 → 2 (→ 3) → 60/61/62, or 63
 * for a one-time scenario that refresh leaves alone; inventory 20 → 21 → 80/81/82; deletion 10 → 11 → 70. A delete
 * touches no setting (the document is removed, its settings stay: "tattoo"), so nothing can make it fail and
 * 71/72 never arise here.
 *
 * Every step checks the record's generation: a new version, a delete or an unabandon written meanwhile supersedes
 * the step, which then does nothing.
 */
import { DC_STATES, type DcState } from '../../protocol/declared/index.ts';
import type { TimerHandle } from '../clock.ts';
import { applyDocument, stateFor } from './apply.ts';
import type { DeclaredContext } from './context.ts';
import { type DocOperation, type DocumentRecord, ownerKey } from './record.ts';
import { makeResult, restate } from './result-doc.ts';

const REQUEST: Record<DocOperation, DcState> = {
  config: DC_STATES.ConfigRequest,
  get: DC_STATES.GetRequest,
  delete: DC_STATES.DeleteRequest,
};

const IN_PROGRESS: Record<DocOperation, DcState> = {
  config: DC_STATES.ConfigInprogress,
  get: DC_STATES.GetInprogress,
  delete: DC_STATES.DeleteInprogress,
};

/** The 2024-07-29 scenario list's one-time scenario: applied once, never refreshed. */
const ONE_TIME = 'msftonetime';

export function requestState(op: DocOperation): DcState {
  return REQUEST[op];
}

export class Orchestrator {
  private active = 0;
  private idleWaiters: Array<() => void> = [];
  private readonly timers = new Set<TimerHandle>();
  private stopped = false;

  constructor(
    private readonly ctx: DeclaredContext,
    private readonly afterFinish: () => void,
  ) {}

  /** Starts the processing `rec.pending` asks for; the record is already in its request state. */
  start(rec: DocumentRecord): void {
    const op = rec.pending;
    if (!op) return;
    const gen = rec.generation;
    this.schedule(this.ctx.delays.queueMs + this.ctx.faults.processingDelayMs, () => this.begin(rec, op, gen));
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Cancels every queued step (the device is closing); records keep their states and restart on load. */
  stop(): void {
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    this.stopped = true;
    this.active = 0;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private schedule(ms: number, step: () => Promise<void>): void {
    if (this.stopped) return;
    this.active++;
    const handle = this.ctx.clock.setTimer(ms, async () => {
      this.timers.delete(handle);
      try {
        await step();
      } catch (e) {
        process.emitWarning(`windc device: document processing step failed: ${String(e)}`);
      } finally {
        if (--this.active <= 0) {
          this.active = 0;
          for (const w of this.idleWaiters.splice(0)) w();
        }
      }
    });
    this.timers.add(handle);
  }

  /** The record the step is for, if it has not been superseded. */
  private current(rec: DocumentRecord, gen: number): DocumentRecord | undefined {
    const cur = this.ctx.docs.get(rec.accountId, rec.scope, rec.docId);
    return cur && cur.generation === gen && !cur.tombstone ? cur : undefined;
  }

  private setState(rec: DocumentRecord, state: DcState): void {
    rec.state = state;
    this.ctx.docs.touch(rec);
    this.ctx.emit.stateChanged(rec);
  }

  private async begin(rec: DocumentRecord, op: DocOperation, gen: number): Promise<void> {
    const cur = this.current(rec, gen);
    if (!cur) return;
    this.setState(cur, IN_PROGRESS[op]);
    this.schedule(this.ctx.delays.applyMs, () => this.finish(cur, op, gen));
  }

  private async finish(rec: DocumentRecord, op: DocOperation, gen: number, pended = false): Promise<void> {
    if (op === 'config' && !pended && this.ctx.faults.asyncPendingMs > 0) {
      const cur = this.current(rec, gen);
      if (!cur) return;
      this.setState(cur, DC_STATES.ConfigInProgressAsyncPending);
      this.schedule(this.ctx.faults.asyncPendingMs, () => this.finish(cur, op, gen, true));
      return;
    }
    await this.ctx.queue.run(async () => {
      const cur = this.current(rec, gen);
      if (!cur) return;
      if (op === 'delete') this.deleted(cur);
      else await this.applied(cur, op, gen);
    });
    this.afterFinish();
  }

  private async applied(rec: DocumentRecord, op: 'config' | 'get', gen: number): Promise<void> {
    const account = this.ctx.account(rec.accountId);
    if (!account) return;
    const r = await applyDocument(rec, op === 'get' ? 'get' : 'set', account, this.ctx);
    const cur = this.current(rec, gen);
    if (!cur) return;
    let state = stateFor(op, r.outcome);
    if (state === DC_STATES.ConfigCompletedSuccess && cur.document.scenario.toLowerCase() === ONE_TIME) {
      state = DC_STATES.ConfigCompletedSuccessNoRefresh;
    }
    cur.result = makeResult(cur, op === 'get' ? 'Get' : 'Set', state, r.blocks, this.ctx.now());
    cur.pending = undefined;
    cur.writtenUris = [...new Set([...cur.writtenUris, ...r.written])];
    if (op === 'config') {
      this.ctx.ownership.release(ownerKey(cur));
      if (!cur.abandoned) for (const res of r.resources) this.ctx.ownership.claim(res, this.owner(cur));
    }
    this.setState(cur, state);
    if (r.instanceDataMissing) {
      this.ctx.emit.syncRequested({ accountId: cur.accountId, reason: 'instance-data-missing', docIds: [cur.docId] });
    }
  }

  private deleted(rec: DocumentRecord): void {
    this.ctx.ownership.release(ownerKey(rec));
    const blocks = restate(rec.result?.blocks ?? [], DC_STATES.DeleteCompletedSuccess);
    rec.result = makeResult(rec, 'Delete', DC_STATES.DeleteCompletedSuccess, blocks, this.ctx.now());
    rec.pending = undefined;
    rec.tombstone = { reported: false };
    this.setState(rec, DC_STATES.DeleteCompletedSuccess);
  }

  owner(rec: DocumentRecord): { accountId: string; docKey: string; docId: string } {
    return { accountId: rec.accountId, docKey: ownerKey(rec), docId: rec.document.id };
  }
}
