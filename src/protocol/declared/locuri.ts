/**
 * The DeclaredConfiguration CSP LocURIs a server sends and a device answers for, built and parsed here only, so
 * that no other module spells a path by hand. Seed 002 gives the Complete and Inventory trees and
 * ManagementServiceConfiguration; the 2024-09-12 resource-access page adds Host/BulkTemplate (Documents/{DocID}/
 * Document, …/BulkVariables/Value, Results/{DocID}/Document); ConflictResolution is reported for a 2025 page only.
 */

import { type Scope, scopePrefix, splitLocUri } from '../csp/scope.ts';
import { ProtocolError } from '../errors.ts';
import { isGuid } from './guid.ts';

export type HostKind = 'Complete' | 'Inventory' | 'BulkTemplate';

export const HOST_KINDS: readonly HostKind[] = ['Complete', 'Inventory', 'BulkTemplate'];

export type ManagementSetting =
  | 'RefreshInterval'
  | 'CertificateExpirationThreshold'
  | 'StartSyncSessionOnFailure'
  | 'ConflictResolution';

export const MANAGEMENT_SETTINGS: readonly ManagementSetting[] = [
  'RefreshInterval',
  'CertificateExpirationThreshold',
  'StartSyncSessionOnFailure',
  'ConflictResolution',
];

interface DocumentNode {
  scope: Scope;
  host: HostKind;
  docId: string;
}

/**
 * `document`: Host/{host}/Documents/{DocID}/Document. `abandoned`: Host/Complete/Documents/{DocID}/Properties/
 * Abandoned (the only host whose tree has it). `bulk-variables`: Host/BulkTemplate/Documents/{DocID}/BulkVariables/
 * Value. `result`: Host/{host}/Results/{DocID}/Document. `setting`: ManagementServiceConfiguration/{setting}, which
 * exists in Device scope only.
 */
export type DeclaredLocUri =
  | (DocumentNode & { node: 'document' })
  | (DocumentNode & { node: 'abandoned'; host: 'Complete' })
  | (DocumentNode & { node: 'bulk-variables'; host: 'BulkTemplate' })
  | (DocumentNode & { node: 'result' })
  | { node: 'setting'; scope: 'Device'; setting: ManagementSetting };

const CSP = 'DeclaredConfiguration';

function bad(locUri: string, why: string): ProtocolError {
  return new ProtocolError('DC_BAD_LOCURI', `'${locUri}' is not a DeclaredConfiguration LocURI: ${why}`);
}

function canonical<T extends string>(written: string, options: readonly T[]): T | undefined {
  const lower = written.toLowerCase();
  return options.find((o) => o.toLowerCase() === lower);
}

function same(written: string | undefined, expected: string): boolean {
  return written !== undefined && written.toLowerCase() === expected.toLowerCase();
}

/** Parses one of the LocURIs above; anything else is DC_BAD_LOCURI with the reason. */
export function parseDeclaredLocUri(locUri: string): DeclaredLocUri {
  const split = splitLocUri(locUri);
  if (typeof split === 'string') throw bad(locUri, split);
  const { scope, segments: s } = split;
  if (!same(s[0], CSP)) throw bad(locUri, `the CSP is '${s[0] ?? ''}', not ${CSP}`);

  if (same(s[1], 'ManagementServiceConfiguration')) {
    const setting = s.length === 3 ? canonical(s[2] as string, MANAGEMENT_SETTINGS) : undefined;
    if (!setting) throw bad(locUri, `ManagementServiceConfiguration has only ${MANAGEMENT_SETTINGS.join(', ')}`);
    if (scope !== 'Device') throw bad(locUri, 'ManagementServiceConfiguration exists in Device scope only');
    return { node: 'setting', scope, setting };
  }
  if (!same(s[1], 'Host')) throw bad(locUri, `'${s[1] ?? ''}' is neither Host nor ManagementServiceConfiguration`);
  const host = s[2] === undefined ? undefined : canonical(s[2], HOST_KINDS);
  if (!host) throw bad(locUri, `'${s[2] ?? ''}' is not a host kind (${HOST_KINDS.join(', ')})`);
  const docId = s[4];
  if (docId === undefined) throw bad(locUri, 'it names no document');
  if (!isGuid(docId)) throw bad(locUri, `DocID '${docId}' is not a GUID`);
  const tail = s.slice(5).join('/').toLowerCase();

  if (same(s[3], 'Results')) {
    if (tail === 'document') return { node: 'result', scope, host, docId };
    throw bad(locUri, 'under Results/{DocID} there is only Document');
  }
  if (!same(s[3], 'Documents')) throw bad(locUri, `'${s[3] ?? ''}' is neither Documents nor Results`);
  if (tail === 'document') return { node: 'document', scope, host, docId };
  if (tail === 'properties/abandoned') {
    if (host !== 'Complete') throw bad(locUri, 'Properties/Abandoned exists under Host/Complete only');
    return { node: 'abandoned', scope, host, docId };
  }
  if (tail === 'bulkvariables/value') {
    if (host !== 'BulkTemplate') throw bad(locUri, 'BulkVariables/Value exists under Host/BulkTemplate only');
    return { node: 'bulk-variables', scope, host, docId };
  }
  throw bad(locUri, `'${s.slice(5).join('/')}' is not a node of Documents/{DocID}`);
}

/** The canonical spelling, always with an explicit scope: parse(format(x)) equals x. */
export function formatDeclaredLocUri(target: DeclaredLocUri): string {
  const root = `${scopePrefix(target.scope)}/${CSP}`;
  if (target.node === 'setting') return `${root}/ManagementServiceConfiguration/${target.setting}`;
  if (!isGuid(target.docId)) throw new ProtocolError('DC_BAD_ID', `DocID '${target.docId}' is not a GUID`);
  const host = `${root}/Host/${target.host}`;
  switch (target.node) {
    case 'document':
      return `${host}/Documents/${target.docId}/Document`;
    case 'abandoned':
      return `${host}/Documents/${target.docId}/Properties/Abandoned`;
    case 'bulk-variables':
      return `${host}/Documents/${target.docId}/BulkVariables/Value`;
    case 'result':
      return `${host}/Results/${target.docId}/Document`;
  }
}

export function documentLocUri(scope: Scope, host: HostKind, docId: string): string {
  return formatDeclaredLocUri({ node: 'document', scope, host, docId });
}

export function resultLocUri(scope: Scope, host: HostKind, docId: string): string {
  return formatDeclaredLocUri({ node: 'result', scope, host, docId });
}

export function abandonedLocUri(scope: Scope, docId: string): string {
  return formatDeclaredLocUri({ node: 'abandoned', scope, host: 'Complete', docId });
}

export function bulkVariablesLocUri(scope: Scope, docId: string): string {
  return formatDeclaredLocUri({ node: 'bulk-variables', scope, host: 'BulkTemplate', docId });
}

export function settingLocUri(setting: ManagementSetting): string {
  return formatDeclaredLocUri({ node: 'setting', scope: 'Device', setting });
}
