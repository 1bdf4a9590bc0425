/**
 * The DeclaredConfiguration CSP. Formats, access types, regex, ranges and defaults are the DDF's (seed 002, and the
 * 2024-09-12 page for the same nodes). The DDF marks every node Device-only, yet Learn's resource-access pages
 * write documents to `./User/…` with `context="user"`; the document subtrees are therefore in both scopes, and
 * ManagementServiceConfiguration, which only a device-wide service reads, stays Device-only.
 */
import { GUID_PATTERN } from '../declared/guid.ts';
import type { Scope } from './scope.ts';
import type { CspDefinition, NodeDefinition } from './types.ts';

const BOTH: readonly Scope[] = ['Device', 'User'];
const DEVICE: readonly Scope[] = ['Device'];
const ROOT = 'DeclaredConfiguration';

function hostTree(host: 'Complete' | 'Inventory' | 'BulkTemplate', what: string): NodeDefinition[] {
  const base = `${ROOT}/Host/${host}`;
  const bulk = host === 'BulkTemplate' ? ' Only on the 2024-09-12 resource-access page, not in the DDF.' : '';
  const nodes: NodeDefinition[] = [
    { path: base, format: 'node', access: ['Add', 'Delete', 'Get'], scopes: BOTH, description: what },
    {
      path: `${base}/Documents`,
      format: 'node',
      access: ['Add', 'Delete', 'Get'],
      scopes: BOTH,
      description: 'The documents of this kind.',
    },
    {
      path: `${base}/Documents/{DocID}`,
      format: 'node',
      access: ['Add', 'Delete', 'Get'],
      scopes: BOTH,
      dynamicNaming: 'ServerGeneratedUniqueIdentifier',
      allowed: { kind: 'regex', pattern: GUID_PATTERN },
      description: 'One document, named by its GUID id.',
    },
    {
      path: `${base}/Documents/{DocID}/Document`,
      format: 'chr',
      access: ['Add', 'Delete', 'Get', 'Replace'],
      scopes: BOTH,
      description: 'The DeclaredConfiguration XML; syntax is checked synchronously, the rest runs asynchronously.',
      note: `Replace creates a missing document (every Learn example creates with Replace).${bulk}`,
    },
    { path: `${base}/Results`, format: 'node', access: ['Get'], scopes: BOTH, description: 'Results by DocID.' },
    {
      path: `${base}/Results/{DocID}`,
      format: 'node',
      access: ['Get'],
      scopes: BOTH,
      dynamicNaming: 'ClientInventory',
      description: 'The result of one document.',
    },
    {
      path: `${base}/Results/{DocID}/Document`,
      format: 'chr',
      access: ['Get'],
      scopes: BOTH,
      description: 'The DeclaredConfigurationResult XML.',
    },
  ];
  if (host === 'Complete') {
    nodes.push(
      {
        path: `${base}/Documents/{DocID}/Properties`,
        format: 'node',
        access: ['Add', 'Delete', 'Get'],
        scopes: BOTH,
        description: 'Properties of the document.',
      },
      {
        path: `${base}/Documents/{DocID}/Properties/Abandoned`,
        format: 'int',
        access: ['Add', 'Delete', 'Get', 'Replace'],
        scopes: BOTH,
        defaultValue: '0',
        allowed: {
          kind: 'enum',
          values: [
            { value: '0', description: 'Managed: the document is (re)applied and owns its resources.' },
            { value: '1', description: 'Abandoned: settings stay, refresh stops, ownership returns to MDM.' },
          ],
        },
        description: 'Whether the server has stopped managing the document.',
        note: "The 2024-09-12 allowed-values table inverts 0 and 1; the same page's prose and examples (1 abandons) are followed.",
      },
    );
  }
  if (host === 'BulkTemplate') {
    nodes.push(
      {
        path: `${base}/Documents/{DocID}/BulkVariables`,
        format: 'node',
        access: ['Add', 'Delete', 'Get'],
        scopes: BOTH,
        description: 'Instance data for the template.',
        note: 'Only the Value leaf appears on Learn; format and access of this node are assumed.',
      },
      {
        path: `${base}/Documents/{DocID}/BulkVariables/Value`,
        format: 'chr',
        access: ['Add', 'Delete', 'Get', 'Replace'],
        scopes: BOTH,
        description: 'The InstanceBlob XML giving every placeholder a value per instance.',
        note: 'Learn shows Replace with Format chr; the other access types are assumed.',
      },
    );
  }
  return nodes;
}

export const DECLARED_CONFIGURATION_CSP: CspDefinition = {
  name: ROOT,
  source: 'seed 002 (DDF, 2023), DeclaredConfiguration CSP and resource-access pages 2024-09-12',
  nodes: [
    { path: ROOT, format: 'node', access: ['Get'], scopes: BOTH, description: 'The CSP root.' },
    {
      path: `${ROOT}/Host`,
      format: 'node',
      access: ['Add', 'Delete', 'Get'],
      scopes: BOTH,
      description: 'The host OS as target (as opposed to enclaves).',
    },
    ...hostTree('Complete', 'Self-contained configuration documents, without placeholders.'),
    ...hostTree('Inventory', 'Inventory (get) requests.'),
    ...hostTree('BulkTemplate', 'Documents with @#name# placeholders filled from BulkVariables.'),
    {
      path: `${ROOT}/ManagementServiceConfiguration`,
      format: 'node',
      access: ['Get'],
      scopes: DEVICE,
      description: 'Configuration settings for WinDC behaviour.',
      note: 'In seed 002 (2023) and seed 001; absent from the 2024-09-12 page, so a server should probe it.',
    },
    {
      path: `${ROOT}/ManagementServiceConfiguration/CertificateExpirationThreshold`,
      format: 'int',
      access: ['Add', 'Delete', 'Get', 'Replace'],
      scopes: DEVICE,
      allowed: { kind: 'range', min: 0, max: 4294967295 },
      defaultValue: '2880',
      description: 'Minutes before certificate expiry at which a certificate counts as near expiration.',
    },
    {
      path: `${ROOT}/ManagementServiceConfiguration/RefreshInterval`,
      format: 'int',
      access: ['Add', 'Delete', 'Get', 'Replace'],
      scopes: DEVICE,
      allowed: { kind: 'range', min: 30, max: 4294967295 },
      defaultValue: '240',
      description: 'Minutes between refreshes (drift checks); Delete restores the default.',
    },
    {
      path: `${ROOT}/ManagementServiceConfiguration/StartSyncSessionOnFailure`,
      format: 'bool',
      access: ['Add', 'Delete', 'Get', 'Replace'],
      scopes: DEVICE,
      defaultValue: 'false',
      description: 'Whether a failed refresh starts a sync session.',
    },
    {
      path: `${ROOT}/ManagementServiceConfiguration/ConflictResolution`,
      format: 'int',
      access: ['Add', 'Delete', 'Get', 'Replace'],
      scopes: DEVICE,
      allowed: {
        kind: 'enum',
        values: [
          { value: '0', description: 'Off.' },
          { value: '1', description: 'On.' },
        ],
      },
      description: 'Conflict resolution between WinDC and MDM.',
      note: 'Reported by a third-party summary of a 2025 page only; format, access, values and meaning unverified.',
    },
  ],
};
