import type { AdminTokenStore, AuditLog, WebhookOutbox } from './admin.ts';
import type { AssignmentStore } from './assignments.ts';
import type { CertificateStore } from './certificates.ts';
import type { DeviceCredentialStore, EnrollmentSecretStore, UsedOnceStore } from './credentials.ts';
import type { DeclaredStore } from './declared.ts';
import type { DeviceStore } from './devices.ts';
import type { DocumentStore } from './documents.ts';
import type { CommandQueue } from './queue.ts';
import type { ReportStore } from './reports.ts';
import type { SessionStore } from './sessions.ts';

export type Backend = 'sqlite' | 'postgres';

/** Everything the server persists, grouped by concern. Every method is atomic on its own. */
export interface StoreTx {
  readonly backend: Backend;
  readonly devices: DeviceStore;
  readonly certificates: CertificateStore;
  readonly sessions: SessionStore;
  readonly queue: CommandQueue;
  readonly documents: DocumentStore;
  readonly assignments: AssignmentStore;
  readonly reports: ReportStore;
  readonly audit: AuditLog;
  readonly tokens: AdminTokenStore;
  readonly webhooks: WebhookOutbox;
  readonly secrets: EnrollmentSecretStore;
  readonly deviceCredentials: DeviceCredentialStore;
  readonly usedOnce: UsedOnceStore;
  /** Declared-configuration management beyond documents and reports: ledger, status, rules, events. */
  readonly declared: DeclaredStore;
  /**
   * Runs `fn` in one transaction: all of it commits or none of it does. Inside, nested calls join the outer
   * transaction. On PostgreSQL a deadlock or serialization failure re-runs `fn` (up to 3 times), so `fn` must
   * not have side effects outside the store.
   */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
}

export interface MigrationReport {
  /** Names of the migrations this call applied, in order. */
  applied: string[];
  /** Every migration now in the database. */
  current: string[];
}

export interface Store extends StoreTx {
  /** Where the data lives, with any password removed: for logs and `windc migrate`. */
  readonly location: string;
  /** Applies pending migrations. Safe to call from several processes at once. */
  migrate(): Promise<MigrationReport>;
  /** Names of migrations this build knows and the database has not applied. */
  pendingMigrations(): Promise<string[]>;
  close(): Promise<void>;
}
