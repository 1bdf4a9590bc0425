/**
 * JSON Schemas shared by the admin routes. fastify validates requests with them and the OpenAPI document is built
 * from them, so each shape is written once.
 */
import { DECLARED_STATUSES } from '../../store/index.ts';

export type Schema = Record<string, unknown>;

export const str = (description?: string, extra: Schema = {}): Schema => ({
  type: 'string',
  ...(description ? { description } : {}),
  ...extra,
});
export const int = (description?: string, extra: Schema = {}): Schema => ({
  type: 'integer',
  ...(description ? { description } : {}),
  ...extra,
});
export const bool = (description?: string): Schema => ({ type: 'boolean', ...(description ? { description } : {}) });
export const nullable = (s: Schema): Schema => ({ ...s, nullable: true });
export const arr = (items: Schema, extra: Schema = {}): Schema => ({ type: 'array', items, ...extra });

/** A closed object: unknown properties are refused (see unknownProperty in plugin.ts), not silently dropped. */
export function obj(properties: Record<string, Schema>, required: string[] = [], extra: Schema = {}): Schema {
  return { type: 'object', properties, required, additionalProperties: false, ...extra };
}

/** An open object for responses: fast-json-stringify drops undeclared properties unless told otherwise. */
export function out(properties: Record<string, Schema>, extra: Schema = {}): Schema {
  return { type: 'object', properties, additionalProperties: true, ...extra };
}

export const GUID = '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$';
export const NAME = '^[A-Za-z0-9][A-Za-z0-9._ -]{0,127}$';

export const documentIdParam = obj({ id: str('Document GUID (assigned by windc)', { pattern: GUID }) }, ['id']);
export const nameParam = obj({ name: str('Set or group name', { pattern: NAME }) }, ['name']);
export const deviceParam = obj({ deviceId: str('The DeviceID the device enrolled with', { minLength: 1 }) }, [
  'deviceId',
]);

/** `:name/:deviceId`: a set or group, and one device. */
export const nameAndDeviceParam = obj(
  {
    name: str(undefined, { pattern: NAME }),
    deviceId: (deviceParam.properties as Record<string, Record<string, unknown>>).deviceId!,
  },
  ['name', 'deviceId'],
);
/** The body that creates a set or group, or changes its description. */
export const describedBody = obj({ description: nullable(str(undefined, { maxLength: 2000 })) });

export const pageQuery = (extra: Record<string, Schema> = {}): Schema =>
  obj({
    limit: int('Page size (default 100, at most 1000)', { minimum: 1, maximum: 1000 }),
    after: str('The last key of the previous page'),
    ...extra,
  });

export const changed = (extra: Record<string, Schema> = {}, description = 'Whether anything changed'): Schema =>
  out({ changed: bool(description), ...extra }, { required: ['changed'] });

export const statusEnum = str('Derived status', { enum: [...DECLARED_STATUSES] });

export const counts = out(Object.fromEntries(DECLARED_STATUSES.map((s) => [s, int()])), {
  description: 'Devices per status',
});

export const rollup = out({
  counts,
  assigned: int('Devices the document reaches through its sets'),
  notEnrolled: int('Of those, devices without an active WinDC enrollment'),
  notReported: int('Of those, enrolled devices with no status yet (counted as pending)'),
});

export const document = out({
  id: str(),
  name: nullable(str()),
  description: nullable(str()),
  kind: str('configuration (Host/Complete) or inventory (Host/Inventory)', { enum: ['configuration', 'inventory'] }),
  scope: str('', { enum: ['device', 'user'] }),
  scenario: str(),
  checksum: str(),
  revision: int(),
  abandoned: bool(),
  createdAt: int(),
  updatedAt: int(),
  locUri: str('Where devices receive it'),
  xml: str('The DeclaredConfiguration document as sent'),
  sets: arr(str()),
  rollup,
});

export const dscInput = obj(
  {
    namespace: str('MI namespace, e.g. root/Microsoft/Windows/DesiredStateConfiguration'),
    className: str('MI class, e.g. MSFT_FileDirectoryConfiguration'),
    keys: { type: 'object', additionalProperties: { type: 'string' }, description: 'Key properties by name' },
    values: { type: 'object', additionalProperties: { type: 'string' }, description: 'Value properties by name' },
  },
  ['namespace', 'className', 'keys'],
);

export const cspInput = obj(
  {
    name: str('CSP root without scope, e.g. ./Vendor/MSFT/VPNv2'),
    uris: arr(
      obj({ path: str('Relative to the CSP root'), type: str('chr, int, bool, …'), value: str() }, ['path', 'type']),
      { minItems: 1 },
    ),
  },
  ['name', 'uris'],
);

export const documentInput = obj({
  name: nullable(str('A label for humans', { maxLength: 200 })),
  description: nullable(str(undefined, { maxLength: 2000 })),
  scope: str('device (default) or user', { enum: ['device', 'user'] }),
  scenario: str('osdefinedscenario, e.g. MSFTExtensibilityMIProviderConfig'),
  dsc: arr(dscInput),
  csp: arr(cspInput),
  xml: str('A whole <DeclaredConfiguration> document instead; windc replaces its id and checksum'),
});
