/**
 * The refresh schedule (seed 001, "Refresh interval"): created whenever a document exists and none is scheduled,
 * every RefreshInterval minutes (240 by default). Each run re-tests every managed configuration document and
 * re-applies what drifted. A document that cannot be repaired is marked drifted (61 with the failing resource in
 * its result) and, when StartSyncSessionOnFailure is true, a session is requested; a bulk template whose instance
 * data is missing always requests one, as seed 001 says Windows does ("a new sync session is triggered").
 *
 * Left alone: abandoned documents (that is what abandoning means), inventories (they have no desired state),
 * documents still being processed, deleted ones, and 63 (applied once, no refresh).
 */
import { DC_STATES, isPermanent } from '../../protocol/declared/index.ts';
import type { TimerHandle } from '../clock.ts';
import { refreshOutcome } from '../events/event-text.ts';
import { applyDocument, stateFor } from './apply.ts';
import type { DeclaredContext, SyncRequest } from './context.ts';
import { type DocumentRecord, operationOf, ownerKey } from './record.ts';
import { makeResult } from './result-doc.ts';

function refreshable(rec: DocumentRecord): boolean {
  return (
    !rec.abandoned &&
    !rec.pending &&
    !rec.tombstone &&
    isPermanent(rec.state) &&
    rec.state !== DC_STATES.ConfigCompletedSuccessNoRefresh &&
    operationOf(rec.host, rec.document.scenario) === 'config'
  );
}

export class RefreshScheduler {
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly ctx: DeclaredContext) {}

  /** Schedules the next run if documents exist and none is scheduled; drops the schedule when none exist. */
  ensure(): void {
    if (!this.ctx.docs.any()) {
      this.stop();
      return;
    }
    if (this.timer) return;
    this.timer = this.ctx.clock.setTimer(this.ctx.settings.refreshIntervalMs(), async () => {
      this.timer = undefined;
      await this.runNow();
      this.ensure();
    });
  }

  /** RefreshInterval changed: the next run is one new interval from now. */
  reschedule(): void {
    this.stop();
    this.ensure();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  get scheduled(): boolean {
    return this.timer !== undefined;
  }

  /** One refresh pass over every account's documents (what the scheduled task runs). */
  runNow(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    const requests = new Map<string, SyncRequest>();
    for (const rec of this.ctx.docs.list().filter(refreshable)) {
      await this.ctx.queue.run(() => this.refreshOne(rec, requests));
    }
    for (const r of requests.values()) this.ctx.emit.syncRequested(r);
  }

  private async refreshOne(rec: DocumentRecord, requests: Map<string, SyncRequest>): Promise<void> {
    const account = this.ctx.account(rec.accountId);
    if (!account || this.ctx.docs.get(rec.accountId, rec.scope, rec.docId) !== rec || !refreshable(rec)) return;
    const gen = rec.generation;
    const r = await applyDocument(rec, 'refresh', account, this.ctx);
    const cur = this.ctx.docs.get(rec.accountId, rec.scope, rec.docId);
    if (!cur || cur.generation !== gen || !refreshable(cur)) return;
    const state = stateFor('config', r.outcome);
    const result = makeResult(cur, 'Set', state, r.blocks, this.ctx.now());
    if (result.resultChecksum !== cur.result?.resultChecksum || state !== cur.state) {
      cur.result = result;
      cur.state = state;
      this.ctx.docs.touch(cur);
      this.ctx.emit.stateChanged(cur);
    }
    cur.writtenUris = [...new Set([...cur.writtenUris, ...r.written])];
    for (const res of r.resources) {
      this.ctx.ownership.claim(res, { accountId: cur.accountId, docKey: ownerKey(cur), docId: cur.document.id });
    }
    const outcome =
      r.outcome === 'success'
        ? r.drifted
          ? 'drift repaired'
          : 'in desired state'
        : r.instanceDataMissing
          ? 'instance data missing, marked drifted'
          : 'drift could not be repaired, marked drifted';
    this.ctx.events.append({
      time: new Date(this.ctx.now()).toISOString(),
      channel: 'Operational',
      level: r.outcome === 'success' ? 'Information' : 'Warning',
      message: refreshOutcome(cur.document.id, outcome),
    });
    if (r.outcome === 'success') return;
    if (!r.instanceDataMissing && !this.ctx.settings.startSyncSessionOnFailure()) return;
    const reason = r.instanceDataMissing ? 'instance-data-missing' : 'refresh-failure';
    const req = requests.get(cur.accountId) ?? { accountId: cur.accountId, reason, docIds: [] };
    if (r.instanceDataMissing) req.reason = 'instance-data-missing';
    req.docIds.push(cur.docId);
    requests.set(cur.accountId, req);
  }
}
