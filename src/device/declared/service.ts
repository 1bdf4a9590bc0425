/**
 * The DeclaredConfiguration CSP and its orchestrator, wired: the synchronous handler the CSP engine calls, the
 * asynchronous processing, the refresh schedule, the 1224 summary, and the notifications the networking half
 * subscribes to (state changes, sync requests).
 */
import { settingLocUri } from '../../protocol/declared/index.ts';
import type { AlertCommand } from '../../protocol/syncml/index.ts';
import type { AccountInfo } from '../account.ts';
import type { Clock } from '../clock.ts';
import type { CspEngine } from '../csp/engine.ts';
import type { Ownership } from '../csp/ownership.ts';
import { parseAddress } from '../csp/path.ts';
import { resolveAddress } from '../csp/resolve.ts';
import type { EventLog } from '../events/event-log.ts';
import type { FaultInjector } from '../faults.ts';
import type { DeviceIdentity } from '../identity.ts';
import type { ProviderRegistry } from '../providers/mi.ts';
import { type DeclaredContext, type ProcessingDelays, SerialQueue, type SyncRequest } from './context.ts';
import { DeclaredCspHandler } from './csp-handler.ts';
import { DocumentStore } from './documents.ts';
import { Orchestrator } from './orchestrator.ts';
import { type DocumentRecord, operationOf, ownerKey } from './record.ts';
import { RefreshScheduler } from './refresh.ts';
import { dropReported, summaryAlert } from './summary.ts';

export interface DeclaredServiceOptions {
  engine: CspEngine;
  providers: ProviderRegistry;
  faults: FaultInjector;
  events: EventLog;
  clock: Clock;
  identity: DeviceIdentity;
  ownership: Ownership;
  delays: ProcessingDelays;
  account(id: string): AccountInfo | undefined;
}

const MINUTE = 60_000;

export class DeclaredConfigurationService {
  readonly docs = new DocumentStore();
  readonly handler: DeclaredCspHandler;
  readonly refresh: RefreshScheduler;
  private readonly orchestrator: Orchestrator;
  private readonly ctx: DeclaredContext;
  private readonly stateListeners = new Set<(rec: DocumentRecord) => void>();
  private readonly syncListeners = new Set<(req: SyncRequest) => void>();

  constructor(o: DeclaredServiceOptions) {
    const engine = o.engine;
    this.ctx = {
      ...o,
      now: () => o.clock.now(),
      docs: this.docs,
      queue: new SerialQueue(),
      settings: {
        refreshIntervalMs: () => Number(engine.readInternal(settingLocUri('RefreshInterval')) ?? '240') * MINUTE,
        startSyncSessionOnFailure: () =>
          (engine.readInternal(settingLocUri('StartSyncSessionOnFailure')) ?? 'false').toLowerCase() === 'true',
      },
      emit: {
        stateChanged: (rec) => {
          for (const l of this.stateListeners) l(rec);
        },
        syncRequested: (req) => {
          for (const l of this.syncListeners) l(req);
        },
      },
    };
    this.refresh = new RefreshScheduler(this.ctx);
    this.orchestrator = new Orchestrator(this.ctx, () => this.refresh.ensure());
    this.handler = new DeclaredCspHandler(this.ctx, {
      start: (rec) => this.orchestrator.start(rec),
      documentsChanged: () => this.refresh.ensure(),
      intervalChanged: () => this.refresh.reschedule(),
    });
  }

  onStateChanged(listener: (rec: DocumentRecord) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onSyncRequested(listener: (req: SyncRequest) => void): () => void {
    this.syncListeners.add(listener);
    return () => this.syncListeners.delete(listener);
  }

  clientAlerts(accountId: string, nextCmdId: () => string): AlertCommand[] {
    return summaryAlert(this.docs, accountId, nextCmdId);
  }

  sessionCompleted(accountId: string): void {
    dropReported(this.docs, accountId);
    this.refresh.ensure();
  }

  /** Resolves when no document is queued or being processed and no refresh pass is running. */
  async idle(): Promise<void> {
    await this.orchestrator.idle();
    await this.ctx.queue.run(async () => {});
  }

  /**
   * Restores documents read from disk: ownership is rebuilt from what they wrote, and a document that was being
   * processed when the device stopped starts over from its request state, as Windows' service would on restart.
   */
  restore(records: readonly DocumentRecord[]): void {
    this.docs.restore(records);
    for (const rec of records) {
      if (rec.tombstone) continue;
      if (!rec.abandoned && !rec.pending && operationOf(rec.host, rec.document.scenario) === 'config') {
        this.claimWritten(rec);
      }
      if (rec.pending) this.orchestrator.start(rec);
    }
    this.refresh.ensure();
  }

  /**
   * Unenrollment of a WinDC account ([MS-MDE2] §2.2.9.3: "all settings and resources provisioned by the Declared
   * Configuration environment MUST be rolled back or removed"): its documents go, and so do the CSP resources they
   * created. Files written by MI providers are left in place; the emulator has no record of their prior state.
   */
  removeAccount(accountId: string): void {
    for (const rec of this.docs.list(accountId)) {
      this.ctx.ownership.release(ownerKey(rec));
      for (const uri of rec.writtenUris) {
        const addr = parseAddress(uri);
        if (typeof addr === 'string') continue;
        const res = resolveAddress(addr);
        this.ctx.engine.ownerDelete(res.kind === 'generic' && res.resource ? res.resource : addr);
      }
      this.docs.remove(rec);
    }
    this.refresh.ensure();
  }

  stop(): void {
    this.refresh.stop();
    this.orchestrator.stop();
  }

  private claimWritten(rec: DocumentRecord): void {
    const owner = { accountId: rec.accountId, docKey: ownerKey(rec), docId: rec.document.id };
    for (const uri of rec.writtenUris) {
      const addr = parseAddress(uri);
      if (typeof addr === 'string') continue;
      const res = resolveAddress(addr);
      if (res.kind === 'generic' && res.resource) this.ctx.ownership.claim(res.resource, owner);
    }
  }
}
