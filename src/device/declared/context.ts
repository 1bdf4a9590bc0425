/** What the DeclaredConfiguration service's parts share: the device's machinery, seen from the orchestrator. */
import type { AccountInfo } from '../account.ts';
import type { Clock } from '../clock.ts';
import type { Ownership } from '../csp/ownership.ts';
import type { DeviceIdentity } from '../identity.ts';
import type { ApplyDeps } from './apply.ts';
import type { DocumentStore } from './documents.ts';
import type { DocumentRecord } from './record.ts';

/**
 * Processing delays. Windows hands a document to its orchestrator service and answers the session at once; the
 * states in between are observable only through the 1224 summary, so they take time here too.
 */
export interface ProcessingDelays {
  /** From the request state (1, 10, 20) to in progress (2, 11, 21). */
  queueMs: number;
  /** From in progress to the permanent state. */
  applyMs: number;
}

export const DEFAULT_DELAYS: ProcessingDelays = { queueMs: 100, applyMs: 300 };

/** Why the device asks its networking half for a session. */
export interface SyncRequest {
  accountId: string;
  /** `refresh-failure`: StartSyncSessionOnFailure is true and a refresh could not repair a document. */
  reason: 'refresh-failure' | 'instance-data-missing';
  docIds: string[];
}

export interface DeclaredEvents {
  stateChanged(rec: DocumentRecord): void;
  syncRequested(req: SyncRequest): void;
}

export interface DeclaredSettings {
  refreshIntervalMs(): number;
  startSyncSessionOnFailure(): boolean;
}

/** Runs async steps one at a time, the way Windows' declared configuration service works its queue. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export interface DeclaredContext extends ApplyDeps {
  clock: Clock;
  docs: DocumentStore;
  ownership: Ownership;
  delays: ProcessingDelays;
  identity: DeviceIdentity;
  settings: DeclaredSettings;
  events: ApplyDeps['events'];
  emit: DeclaredEvents;
  queue: SerialQueue;
  account(id: string): AccountInfo | undefined;
}
