/**
 * CSP node definitions as data: one table the server reads to check what it sends and the emulator reads to
 * enforce what it accepts. The vocabulary is the DDF's (Microsoft's "Description framework properties").
 */
import type { Scope } from './scope.ts';

/** OMA DM formats used by Windows DDFs. */
export type NodeFormat = 'node' | 'chr' | 'int' | 'bool' | 'b64' | 'bin' | 'xml' | 'float' | 'date' | 'time' | 'null';

export const NODE_FORMATS: readonly NodeFormat[] = [
  'node',
  'chr',
  'int',
  'bool',
  'b64',
  'bin',
  'xml',
  'float',
  'date',
  'time',
  'null',
];

export type AccessType = 'Add' | 'Delete' | 'Exec' | 'Get' | 'Replace';

export const ACCESS_TYPES: readonly AccessType[] = ['Add', 'Delete', 'Exec', 'Get', 'Replace'];

/** How the name of a dynamic node (`{DocID}`, `{ProviderID}`) comes about, as the DDF says it. */
export type DynamicNaming = 'ServerGeneratedUniqueIdentifier' | 'ClientInventory' | 'UniqueName';

export interface EnumValue {
  value: string;
  description: string;
}

export type AllowedValues =
  | { kind: 'enum'; values: readonly EnumValue[] }
  /** Inclusive bounds. */
  | { kind: 'range'; min: number; max: number }
  /** Matched against the whole value. */
  | { kind: 'regex'; pattern: string };

export interface NodeDefinition {
  /**
   * Path below `./{scope}/Vendor/MSFT`, starting with the CSP name, `/`-separated; `{Name}` marks a dynamic
   * segment. Matching is case-insensitive for fixed segments (see scope.ts).
   */
  path: string;
  format: NodeFormat;
  access: readonly AccessType[];
  scopes: readonly Scope[];
  /**
   * For a dynamic node, the rule its own name obeys (DocID's GUID regex); for a leaf, the rule its value obeys.
   */
  allowed?: AllowedValues;
  dynamicNaming?: DynamicNaming;
  defaultValue?: string;
  description: string;
  /** Where this definition goes beyond, or resolves a conflict in, the documentation it is taken from. */
  note?: string;
}

export interface CspDefinition {
  /** The segment after `Vendor/MSFT`, which every node path starts with. */
  name: string;
  /** Where the definitions come from. */
  source: string;
  nodes: readonly NodeDefinition[];
}
