/**
 * Row shapes as the database holds them, for kysely's type checking. Both backends store the same values:
 * times are epoch milliseconds (bigint, parsed to number on PostgreSQL), flags are 0/1 integers (better-sqlite3
 * cannot bind booleans) and JSON is text. Conversion to the domain types happens in the repositories only.
 */
import type { ColumnType, Generated } from 'kysely';

/** A column written once by the database (identity) and read as a number. */
type Id = Generated<number>;

export interface DevicesTable {
  id: Id;
  device_id: string;
  hw_dev_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface EnrollmentsTable {
  id: Id;
  device_pk: number;
  kind: 'primary' | 'linked';
  parent_enrollment_id: number | null;
  status: 'active' | 'unenrolled' | 'replaced';
  dev_info: string | null;
  context: string | null;
  enrolled_at: number;
  last_seen_at: number | null;
  last_report_at: number | null;
  /** Digest of the reported-state rows as the last check-in left them; see SqlReports.checkIn. */
  report_digest: string | null;
  ended_at: number | null;
}

export interface CertificatesTable {
  serial: string;
  thumbprint: string;
  subject: string;
  not_before: number;
  not_after: number;
  enrollment_id: number | null;
  issued_at: number;
  revoked_at: number | null;
  revocation_reason: string | null;
}

export interface AuthoritiesTable {
  name: string;
  certificate_pem: string;
  fingerprint: string;
  key_ref: string;
  created_at: number;
}

export interface DmSessionsTable {
  enrollment_id: number;
  seq: number;
  session_id: string;
  last_msg_id: number;
  authenticated: number;
  nonce: string | null;
  /** The session engine's own state (JSON), null at the start of every session. */
  data: string | null;
  started_at: number;
  updated_at: number;
}

export type CommandState = 'queued' | 'acked' | 'cancelled' | 'expired';

export interface CommandQueueTable {
  id: Id;
  command_uuid: string;
  enrollment_id: number;
  payload: string;
  /** Unused since migration 0003 (always 1); see there why it stays. */
  cmd_span: number;
  loc_uri: string | null;
  origin: string | null;
  dedupe_key: string | null;
  state: CommandState;
  attempts: ColumnType<number, number | undefined, number>;
  status: number | null;
  item_statuses: string | null;
  results: string | null;
  created_at: number;
  last_delivered_at: number | null;
  /** Session seq of the latest delivery; see delivery.ts for why this lives on the row. */
  last_session_seq: number | null;
  finished_at: number | null;
}

/** (queue_id, session_seq) is the key: a command goes out at most once per session. */
export interface CommandDeliveriesTable {
  queue_id: number;
  session_seq: number;
  enrollment_id: number;
  msg_id: number;
  delivered_at: number;
}

export interface DeclaredDocumentsTable {
  id: string;
  checksum: string;
  revision: number;
  scenario: string;
  scope: 'device' | 'user';
  body: string;
  created_at: number;
  updated_at: number;
}

/** Document sets and device groups: a name, a description, nothing else of their own. */
export interface NamedTable {
  name: string;
  description: string | null;
  created_at: number;
  updated_at: number;
}

export interface DocSetMembersTable {
  set_name: string;
  document_id: string;
}

export interface DeviceGroupMembersTable {
  group_name: string;
  device_pk: number;
}

export interface DeviceSetAssignmentsTable {
  device_pk: number;
  set_name: string;
}

export interface GroupSetAssignmentsTable {
  group_name: string;
  set_name: string;
}

export interface ReportedDocumentsTable {
  enrollment_id: number;
  document_id: string;
  scope: string | null;
  checksum: string | null;
  result_checksum: string | null;
  state: number | null;
  abandoned: ColumnType<number, number | undefined, number>;
  changed_at: number;
  result: string | null;
  result_at: number | null;
  fetched_result_checksum: string | null;
}

export interface ReportTransitionsTable {
  id: Id;
  enrollment_id: number;
  document_id: string;
  at: number;
  from_state: number | null;
  to_state: number | null;
  checksum: string | null;
  result_checksum: string | null;
}

export interface AuditLogTable {
  id: Id;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  details: string | null;
}

export interface AdminTokensTable {
  id: Id;
  name: string;
  token_hash: string;
  scopes: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

export type WebhookState = 'pending' | 'delivered' | 'failed';

export interface WebhookDeliveriesTable {
  id: Id;
  event: string;
  url: string;
  payload: string;
  state: WebhookState;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  finished_at: number | null;
}

export interface EnrollmentSecretsTable {
  id: Id;
  name: string;
  secret_hash: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
  use_count: ColumnType<number, number | undefined, number>;
}

export interface DeviceCredentialsTable {
  enrollment_id: number;
  device_name: string;
  device_secret_digest: string;
  device_nonce: string;
  server_name: string;
  server_secret: string;
  server_nonce: string;
  created_at: number;
}

export interface UsedOnceTable {
  key: string;
  expires_at: number;
}

export interface Schema {
  devices: DevicesTable;
  enrollments: EnrollmentsTable;
  certificates: CertificatesTable;
  authorities: AuthoritiesTable;
  dm_sessions: DmSessionsTable;
  command_queue: CommandQueueTable;
  command_deliveries: CommandDeliveriesTable;
  declared_documents: DeclaredDocumentsTable;
  doc_sets: NamedTable;
  doc_set_members: DocSetMembersTable;
  device_groups: NamedTable;
  device_group_members: DeviceGroupMembersTable;
  device_set_assignments: DeviceSetAssignmentsTable;
  group_set_assignments: GroupSetAssignmentsTable;
  reported_documents: ReportedDocumentsTable;
  report_transitions: ReportTransitionsTable;
  audit_log: AuditLogTable;
  admin_tokens: AdminTokensTable;
  webhook_deliveries: WebhookDeliveriesTable;
  enrollment_secrets: EnrollmentSecretsTable;
  device_credentials: DeviceCredentialsTable;
  used_once: UsedOnceTable;
}
