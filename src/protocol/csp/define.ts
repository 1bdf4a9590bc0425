/** Shorthand for writing node tables: most nodes differ only in path, format, access and a sentence. */
import type { Scope } from './scope.ts';
import type { AccessType, AllowedValues, EnumValue, NodeDefinition, NodeFormat } from './types.ts';

export const DEVICE: readonly Scope[] = ['Device'];

export const RW: readonly AccessType[] = ['Add', 'Delete', 'Get', 'Replace'];
export const GET: readonly AccessType[] = ['Get'];
export const GET_REPLACE: readonly AccessType[] = ['Get', 'Replace'];

export function node(
  path: string,
  format: NodeFormat,
  access: readonly AccessType[],
  description: string,
  extra: Partial<NodeDefinition> = {},
): NodeDefinition {
  return { path, format, access, scopes: DEVICE, description, ...extra };
}

/** Allowed values written as `value: description` pairs, in the order the source lists them. */
export function oneOf(values: Record<string, string>): AllowedValues {
  const list: EnumValue[] = Object.entries(values).map(([value, description]) => ({ value, description }));
  return { kind: 'enum', values: list };
}

export function range(min: number, max: number): AllowedValues {
  return { kind: 'range', min, max };
}

/** DWORD-valued settings (minutes, counts) the source gives no bounds for. */
export const UINT32 = range(0, 4294967295);
