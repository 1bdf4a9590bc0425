/**
 * Row shapes of the declared-configuration management tables (migration 0004). Repositories reach them through
 * `declaredDb(ctx)`, kysely's `withTables`, so the shared Schema stays as it is. Same conventions as schema.ts:
 * epoch-millisecond times, 0/1 flags, JSON as text.
 */
import type { Generated, Kysely } from 'kysely';
import type { DeclaredStatus, LinkState, SettingState } from '../declared.ts';
import type { Schema } from './schema.ts';

export interface DeclaredDocumentMetaTable {
  document_id: string;
  name: string | null;
  description: string | null;
  abandoned: number;
  updated_at: number;
}

export interface DeclaredTombstonesTable {
  document_id: string;
  scope: 'device' | 'user';
  scenario: string;
  checksum: string;
  deleted_at: number;
}

export interface DeclaredStatusTable {
  enrollment_id: number;
  document_id: string;
  status: DeclaredStatus;
  detail: string | null;
  desired_checksum: string | null;
  compliant_checksum: string | null;
  compliant_result_checksum: string | null;
  rejected_checksum: string | null;
  rejected_code: number | null;
  sent_checksum: string | null;
  sent_command_uuid: string | null;
  sent_at: number | null;
  since: number;
  updated_at: number;
}

export interface DeclaredSettingsAppliedTable {
  enrollment_id: number;
  loc_uri: string;
  value: string | null;
  state: SettingState;
  code: number | null;
  command_uuid: string | null;
  updated_at: number;
}

export interface DeclaredLinksTable {
  enrollment_id: number;
  state: LinkState;
  discovery_endpoint: string | null;
  enroll_status: number | null;
  last_error: number | null;
  polls: number;
  command_uuid: string | null;
  detail: string | null;
  requested_at: number;
  updated_at: number;
}

export interface DeviceGroupRulesTable {
  group_name: string;
  rules: string;
  updated_at: number;
}

/** Which group memberships a rule created (the membership itself is a device_group_members row). */
export interface DeviceGroupRuleMarksTable {
  group_name: string;
  device_pk: number;
}

export interface DeviceGroupSettingsTable {
  group_name: string;
  settings: string;
  precedence: number;
  updated_at: number;
}

export interface DeclaredEventsTable {
  id: Generated<number>;
  at: number;
  type: string;
  payload: string;
}

export interface WebhookSubscriptionsTable {
  id: Generated<number>;
  url: string;
  secret: string;
  events: string;
  created_at: number;
}

export interface ServerSettingsTable {
  key: string;
  value: string;
  updated_at: number;
}

// A type alias, not an interface: withTables needs an index-compatible record.
export type DeclaredSchema = {
  declared_document_meta: DeclaredDocumentMetaTable;
  declared_tombstones: DeclaredTombstonesTable;
  declared_status: DeclaredStatusTable;
  declared_settings_applied: DeclaredSettingsAppliedTable;
  declared_links: DeclaredLinksTable;
  device_group_rules: DeviceGroupRulesTable;
  device_group_rule_marks: DeviceGroupRuleMarksTable;
  device_group_settings: DeviceGroupSettingsTable;
  declared_events: DeclaredEventsTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  server_settings: ServerSettingsTable;
};

export type DeclaredDb = Kysely<Schema & DeclaredSchema>;

/** The caller's database or transaction, typed with the declared tables as well. */
export function declaredDb(db: Kysely<Schema>): DeclaredDb {
  return db.withTables<DeclaredSchema>() as DeclaredDb;
}
