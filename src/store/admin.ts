import type { EpochMs, Page } from './types.ts';

export interface AuditEntry {
  id: number;
  at: EpochMs;
  /** The admin token's name, or 'cli', 'system'. */
  actor: string;
  /** A stable verb such as 'document.put' or 'set.assign'. */
  action: string;
  target: string | null;
  details: unknown;
}

export interface AuditLog {
  append(entry: {
    actor: string;
    action: string;
    target?: string | null | undefined;
    details?: unknown;
  }): Promise<AuditEntry>;
  /** Newest first; `after` pages backwards by id. */
  list(filter?: Page & { actor?: string | undefined; action?: string | undefined }): Promise<AuditEntry[]>;
}

export interface AdminToken {
  id: number;
  name: string;
  scopes: string[];
  createdAt: EpochMs;
  expiresAt: EpochMs | null;
  lastUsedAt: EpochMs | null;
  revokedAt: EpochMs | null;
}

/**
 * The store only ever sees a token's hash (the server hashes with SHA-256 before calling), so a database dump
 * leaks no usable credential.
 */
export interface AdminTokenStore {
  /** CONFLICT if the name or hash is taken. */
  create(input: {
    name: string;
    tokenHash: string;
    scopes: readonly string[];
    expiresAt?: EpochMs | null | undefined;
  }): Promise<AdminToken>;
  /** A usable token only: not revoked, not expired. Records the use. */
  authenticate(tokenHash: string): Promise<AdminToken | undefined>;
  list(): Promise<AdminToken[]>;
  revoke(id: number): Promise<boolean>;
}

export type WebhookState = 'pending' | 'delivered' | 'failed';

export interface WebhookDelivery {
  id: number;
  event: string;
  url: string;
  payload: unknown;
  state: WebhookState;
  attempts: number;
  nextAttemptAt: EpochMs;
  lastError: string | null;
  createdAt: EpochMs;
  finishedAt: EpochMs | null;
}

/**
 * A transactional outbox: events are written in the same transaction as the change they describe, and any
 * process's sender claims due rows with a lease, so a crash mid-send means a retry, not a lost event.
 */
export interface WebhookOutbox {
  enqueue(input: { event: string; url: string; payload: unknown }): Promise<WebhookDelivery>;
  /**
   * Claims up to `limit` due deliveries and pushes their next attempt `leaseMs` ahead, so a sender that dies
   * leaves them to be claimed again once the lease runs out. Concurrent claimers get disjoint rows.
   */
  claimDue(input: { limit: number; leaseMs: number }): Promise<WebhookDelivery[]>;
  markDelivered(id: number): Promise<boolean>;
  /** `retryAt` null gives up (state `failed`). */
  markFailed(id: number, error: string, retryAt: EpochMs | null): Promise<boolean>;
  list(filter?: Page & { state?: WebhookState | undefined }): Promise<WebhookDelivery[]>;
  /** Deletes delivered and failed rows finished before the cutoff. */
  prune(finishedBefore: EpochMs): Promise<number>;
}
