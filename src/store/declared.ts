import type { NamedCollection } from './assignments.ts';
import type { DocumentSummary, PutResult } from './documents.ts';
import type { ReportedDocument } from './reports.ts';
import type { EpochMs, Page } from './types.ts';

/**
 * What declared-configuration management keeps beyond documents, sets and reports: the admin's own facts about
 * a document (name, abandon), the server's per device × document ledger and its derived status, settings and
 * linking progress per enrollment, rule-based group membership, per-group settings, the event stream and webhook
 * subscriptions. Everything here is written by the server; devices never see it.
 */

/** The seven statuses an admin sees per device × document (see src/server/declared/status.ts). */
export type DeclaredStatus = 'pending' | 'delivered' | 'compliant' | 'error' | 'drifted' | 'abandoned' | 'removed';

export const DECLARED_STATUSES: readonly DeclaredStatus[] = [
  'pending',
  'delivered',
  'compliant',
  'error',
  'drifted',
  'abandoned',
  'removed',
];

export interface DocumentMeta {
  documentId: string;
  name: string | null;
  description: string | null;
  /** The admin stopped enforcement: devices get Properties/Abandoned = 1 and keep what was applied. */
  abandoned: boolean;
  updatedAt: EpochMs;
}

/** A document's desired entry for one device: the summary and the admin's abandon flag. */
export interface DesiredDocument extends DocumentSummary {
  abandoned: boolean;
}

/**
 * What the server still needs of a deleted document: devices may report it for a while, and a Delete must be
 * addressed to the right scope and host.
 */
export interface DocumentTombstone {
  documentId: string;
  scope: 'device' | 'user';
  scenario: string;
  checksum: string;
  deletedAt: EpochMs;
}

/**
 * The server's ledger for one document on one enrollment: the derived status and the facts it needs that the
 * device's report does not carry (the last compliant version, a synchronous refusal, the last command sent).
 */
export interface StatusRow {
  enrollmentId: number;
  documentId: string;
  status: DeclaredStatus;
  /** Human-readable qualifier: "queued", "rejected with 400", "Delete sent", "result changed"… */
  detail: string | null;
  desiredChecksum: string | null;
  /** The checksum and result checksum last seen compliant: leaving them without a new revision is drift. */
  compliantChecksum: string | null;
  compliantResultChecksum: string | null;
  /** The device refused this checksum synchronously (Status ≥ 300 to the Replace); not re-sent until it changes. */
  rejectedChecksum: string | null;
  rejectedCode: number | null;
  /** The last document Replace enqueued: superseded by a newer checksum, its row is cancelled. */
  sentChecksum: string | null;
  sentCommandUuid: string | null;
  sentAt: EpochMs | null;
  /** When `status` last changed. */
  since: EpochMs;
  updatedAt: EpochMs;
}

export type StatusCounts = Record<DeclaredStatus, number>;

/** Every status at 0. */
export function emptyCounts(): StatusCounts {
  return Object.fromEntries(DECLARED_STATUSES.map((s) => [s, 0])) as StatusCounts;
}

export interface StatusFilter extends Page {
  status?: DeclaredStatus | undefined;
}

export type SettingState = 'pending' | 'applied' | 'unsupported' | 'failed';

/** One node windc manages outside documents (ManagementServiceConfiguration, DMClient) on one enrollment. */
export interface AppliedSetting {
  enrollmentId: number;
  locUri: string;
  /** The value last sent; null when windc deleted the node to restore the device default. */
  value: string | null;
  state: SettingState;
  /** The device's Status code, once it answered. */
  code: number | null;
  commandUuid: string | null;
  updatedAt: EpochMs;
}

export type LinkState =
  | 'requested'
  | 'enrolling'
  | 'linked'
  | 'failed'
  | 'unenroll-requested'
  | 'unenrolling'
  | 'unenrolled';

/** Linking progress of a primary enrollment toward its WinDC (linked) enrollment. */
export interface LinkRow {
  enrollmentId: number;
  state: LinkState;
  discoveryEndpoint: string | null;
  /** LinkedEnrollment/EnrollStatus and LastError as last read; informative only (research §3). */
  enrollStatus: number | null;
  lastError: number | null;
  /** Status reads sent so far in this state; polling stops at a bound. */
  polls: number;
  commandUuid: string | null;
  detail: string | null;
  requestedAt: EpochMs;
  updatedAt: EpochMs;
}

export interface GroupRules {
  group: string;
  /** The rule expression as validated by the server (src/server/declared/rules.ts); opaque here. */
  rules: unknown;
  updatedAt: EpochMs;
}

export interface GroupSettings {
  group: string;
  settings: unknown;
  /** Lower wins when a device's groups disagree; ties go to the group name in order. */
  precedence: number;
  updatedAt: EpochMs;
}

export interface DeclaredEvent {
  id: number;
  at: EpochMs;
  type: string;
  payload: unknown;
}

export interface WebhookSubscription {
  id: number;
  url: string;
  /** The HMAC key; returned by the store because the sender needs it, never by the admin API after creation. */
  secret: string;
  /** Event types delivered; empty means all. */
  events: string[];
  createdAt: EpochMs;
}

export interface DeclaredDocumentsExtra {
  /** Creates or updates the admin's facts; fields left undefined are kept. NOT_FOUND if the document is missing. */
  putMeta(
    documentId: string,
    input: { name?: string | null; description?: string | null; abandoned?: boolean },
  ): Promise<PutResult<DocumentMeta>>;
  getMeta(documentIds: readonly string[]): Promise<Map<string, DocumentMeta>>;
  putTombstone(tombstone: DocumentTombstone): Promise<void>;
  getTombstones(documentIds: readonly string[]): Promise<Map<string, DocumentTombstone>>;
  /** Removes a tombstone (the id was reused by a restore). */
  dropTombstone(documentId: string): Promise<void>;
  /** The union of every document reaching the device with its abandon flag, each once, ordered by id. */
  desiredForDevice(devicePk: number): Promise<DesiredDocument[]>;
}

export interface DeclaredStatusStore {
  list(enrollmentId: number): Promise<StatusRow[]>;
  /** Inserts or replaces whole rows. */
  put(rows: readonly StatusRow[]): Promise<void>;
  /** Rows of active enrollments for one document, by enrollment id. */
  listForDocument(documentId: string, filter?: StatusFilter): Promise<StatusRow[]>;
  /** Counts by status over active enrollments; statuses with no rows count 0. */
  countsForDocument(documentId: string): Promise<StatusCounts>;
  /** Counts for every document that has rows, in one query. */
  countsByDocument(): Promise<Map<string, StatusCounts>>;
  /**
   * Per document, the active WinDC enrollments of devices it reaches (through sets and groups) that have no status
   * row for it yet: never reconciled since it was assigned, so pending. Documents with none are left out.
   */
  unreportedByDocument(documentIds: readonly string[]): Promise<Map<string, number>>;
  /** Those enrollments for one document, by id, paged by id. */
  unreportedForDocument(documentId: string, page?: Page): Promise<number[]>;
}

export interface AppliedSettingsStore {
  list(enrollmentId: number): Promise<AppliedSetting[]>;
  put(rows: readonly AppliedSetting[]): Promise<void>;
  /** Finds the enrollment's setting a command was sent for. */
  byCommand(enrollmentId: number, commandUuid: string): Promise<AppliedSetting[]>;
}

export interface LinkStore {
  get(enrollmentId: number): Promise<LinkRow | undefined>;
  put(row: LinkRow): Promise<void>;
  list(page?: Page): Promise<LinkRow[]>;
}

export interface GroupRuleStore {
  /** `null` removes the rules and every membership they created. NOT_FOUND if the group is missing. */
  putRules(group: string, rules: unknown): Promise<PutResult<GroupRules | null>>;
  listRules(): Promise<GroupRules[]>;
  /** Groups the device is in because a rule matched it. */
  ruleGroupsOf(devicePk: number): Promise<string[]>;
  /**
   * Makes the device's rule memberships exactly `groups`: adds it to newly matching groups (unless already a
   * static member) and removes it from groups it no longer matches (only where a rule put it). Returns whether
   * anything changed.
   */
  setRuleGroups(devicePk: number, groups: readonly string[]): Promise<boolean>;
  /** Devices in the group because of its rule. */
  ruleMembers(group: string, page?: Page): Promise<number[]>;
  /** An admin added these devices by hand: they stay whatever the rules say later. */
  pin(group: string, devicePks: readonly number[]): Promise<void>;

  putSettings(group: string, settings: unknown, precedence: number): Promise<PutResult<GroupSettings | null>>;
  listSettings(): Promise<GroupSettings[]>;
  /** Settings of every group the device is in, lowest precedence first. */
  settingsForDevice(devicePk: number): Promise<GroupSettings[]>;
}

export interface DeclaredEventStore {
  /** Appends events and queues a webhook delivery for each matching subscription, in one transaction. */
  append(events: readonly { type: string; payload: unknown }[]): Promise<DeclaredEvent[]>;
  /** Oldest first, after the given id. */
  list(filter?: {
    after?: number | undefined;
    limit?: number | undefined;
    types?: readonly string[];
  }): Promise<DeclaredEvent[]>;
  /** The newest event id, 0 when there is none. */
  lastId(): Promise<number>;
  prune(before: EpochMs): Promise<number>;

  subscribe(input: { url: string; secret: string; events: readonly string[] }): Promise<WebhookSubscription>;
  subscriptions(): Promise<WebhookSubscription[]>;
  getSubscription(id: number): Promise<WebhookSubscription | undefined>;
  unsubscribe(id: number): Promise<boolean>;
}

/** Single sets and groups by name (the assignment store only lists them). */
export interface CollectionLookup {
  set(name: string): Promise<NamedCollection | undefined>;
  group(name: string): Promise<NamedCollection | undefined>;
}

/** Server-wide settings changed at run time through the admin API, shared by every process. */
export interface ServerSettingsStore {
  get(key: string): Promise<unknown>;
  put(key: string, value: unknown): Promise<boolean>;
}

/** Everything the reconciler reads for one enrollment at each message. */
export interface EnrollmentSnapshot {
  desired: DesiredDocument[];
  /** `lastReportAt` is not read here (null). */
  reported: ReportedDocument[];
  ledger: StatusRow[];
}

/** What a reply's queue row says about the command it answers. */
export interface ReplyTarget {
  queueId: number;
  commandUuid: string;
  origin: string | null;
  dedupeKey: string | null;
  locUri: string | null;
}

/**
 * The reconciler's "nothing to do" marks: an enrollment is quiet while the generation its last complete run saw
 * is still current. Writes to anything that shapes desired state move the generation (or, for one device's own
 * sets, groups and link, drop that device's marks) in the same transaction, so a quiet enrollment's poll can
 * skip the reconciler without missing a change.
 */
export interface QuietStore {
  /** The current generation: read it before what a run reads, and mark with it after. */
  generation(): Promise<number>;
  mark(enrollmentId: number, generation: number): Promise<void>;
  isQuiet(enrollmentId: number): Promise<boolean>;
}

export interface DeclaredStore {
  /** Desired documents of the device, the enrollment's reported rows and its ledger, in three cheap reads. */
  snapshot(enrollmentId: number, devicePk: number): Promise<EnrollmentSnapshot>;
  readonly documents: DeclaredDocumentsExtra;
  readonly status: DeclaredStatusStore;
  readonly settings: AppliedSettingsStore;
  readonly links: LinkStore;
  readonly groups: GroupRuleStore;
  readonly events: DeclaredEventStore;
  readonly server: ServerSettingsStore;
  readonly collections: CollectionLookup;
  readonly quiet: QuietStore;
}
