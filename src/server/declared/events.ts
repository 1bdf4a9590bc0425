/**
 * Every status transition is an event: stored (so a stream can resume from Last-Event-ID and any process can
 * serve it), delivered to webhook subscriptions through the store's outbox, and announced in-process so a
 * server-sent-events stream on this process wakes at once instead of at its next poll.
 */
import { EventEmitter } from 'node:events';
import type { DeclaredStatus, LinkState, SettingState, StoreTx } from '../../store/index.ts';

export const EVENT_TYPES = ['document.status', 'setting.status', 'link.status'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface DocumentStatusEvent {
  deviceId: string;
  enrollmentId: number;
  documentId: string;
  from: DeclaredStatus | null;
  to: DeclaredStatus;
  detail: string | null;
  /** The desired checksum, when the document is desired. */
  checksum: string | null;
  /** What the device last reported. */
  reportedChecksum: string | null;
  state: number | null;
}

export interface SettingStatusEvent {
  deviceId: string;
  enrollmentId: number;
  locUri: string;
  value: string | null;
  from: SettingState | null;
  to: SettingState;
  code: number | null;
}

export interface LinkStatusEvent {
  deviceId: string;
  enrollmentId: number;
  from: LinkState | null;
  to: LinkState;
  detail: string | null;
  enrollStatus: number | null;
  lastError: number | null;
}

export type NewEvent =
  | { type: 'document.status'; payload: DocumentStatusEvent }
  | { type: 'setting.status'; payload: SettingStatusEvent }
  | { type: 'link.status'; payload: LinkStatusEvent };

/** In-process wake-ups for streams; carries the newest event id. */
export const eventBus = new EventEmitter();
eventBus.setMaxListeners(0);

/** Appends (in the caller's transaction when there is one) and returns the newest id, 0 for none. */
export async function publish(store: Pick<StoreTx, 'declared'>, events: readonly NewEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const written = await store.declared.events.append(events);
  return written.at(-1)?.id ?? 0;
}

/** Wakes this process's streams; call once the transaction that published has committed. */
export function announce(lastId: number): void {
  if (lastId > 0) eventBus.emit('appended', lastId);
}
