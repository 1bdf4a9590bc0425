/**
 * Read-only nodes whose values come from the device itself rather than from a server: the OMA standard objects
 * DevInfo and DevDetail, and DeviceManageability's CSPVersions. Formats follow the 26200 capture, which is more
 * reliable than the DDFs here: URI/MaxSegLen comes back without Meta Format (chr) and LrgObj as bool.
 */
import { type AccessType, CSPS, type NodeFormat, type Scope } from '../../protocol/csp/index.ts';
import type { DeviceIdentity } from '../identity.ts';
import { GENERIC_CSPS } from './generic.ts';
import type { NodeAddress } from './path.ts';

export interface StandardContext {
  identity: DeviceIdentity;
  now: () => number;
}

export interface StandardNode {
  space: 'root' | 'msft';
  /** Below `./` or below `Vendor/MSFT`. */
  path: string;
  scopes: readonly Scope[];
  format: NodeFormat;
  access: readonly AccessType[];
  value?: (ctx: StandardContext) => string;
}

const GET: readonly AccessType[] = ['Get'];
const DEVICE: readonly Scope[] = ['Device'];

function root(path: string, format: NodeFormat, value?: (ctx: StandardContext) => string): StandardNode {
  const n: StandardNode = { space: 'root', path, scopes: DEVICE, format, access: GET };
  if (value) n.value = value;
  return n;
}

/** The CSPVersions document Windows returns (Format xml), listing what this emulator implements. */
export function cspVersionsXml(): string {
  const nodes: Array<[string, string]> = [
    ['./DevDetail', '1.2'],
    ['./DevInfo', '1.0'],
    ['./Device/Vendor/MSFT/DeviceManageability', '2.0'],
  ];
  const versions: Record<string, string> = { DeclaredConfiguration: '1.0', DMClient: '1.7' };
  const all = [
    ...CSPS.map((c) => ({ name: c.name, version: versions[c.name] ?? '1.0', scopes: ['Device', 'User'] })),
    ...GENERIC_CSPS.map((c) => ({ name: c.name, version: c.version, scopes: c.scopes })),
  ];
  for (const c of all) for (const s of c.scopes) nodes.push([`./${s}/Vendor/MSFT/${c.name}`, c.version]);
  nodes.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const lines = nodes.map(([node, v]) => `      <CSP Node="${node}" Version="${v}"></CSP>`);
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<DeviceManageability Version="com.microsoft/1.1/MDM/DeviceManageability">',
    '  <Capabilities>',
    '    <CSPVersions>',
    ...lines,
    '    </CSPVersions>',
    '  </Capabilities>',
    '</DeviceManageability>',
  ].join('\n');
}

export const STANDARD_NODES: readonly StandardNode[] = [
  root('DevInfo', 'node'),
  root('DevInfo/DevId', 'chr', (c) => c.identity.devId),
  root('DevInfo/Man', 'chr', (c) => c.identity.manufacturer),
  root('DevInfo/Mod', 'chr', (c) => c.identity.model),
  root('DevInfo/DmV', 'chr', (c) => c.identity.dmVersion),
  root('DevInfo/Lang', 'chr', (c) => c.identity.language),
  root('DevDetail', 'node'),
  root('DevDetail/DevTyp', 'chr', () => 'Desktop'),
  root('DevDetail/OEM', 'chr', (c) => c.identity.oem),
  root('DevDetail/FwV', 'chr', (c) => c.identity.firmwareVersion),
  root('DevDetail/SwV', 'chr', (c) => c.identity.osVersion),
  root('DevDetail/HwV', 'chr', (c) => c.identity.hardwareVersion),
  root('DevDetail/LrgObj', 'bool', () => 'false'),
  root('DevDetail/URI', 'node'),
  root('DevDetail/URI/MaxDepth', 'chr', () => '0'),
  root('DevDetail/URI/MaxTotLen', 'chr', () => '0'),
  root('DevDetail/URI/MaxSegLen', 'chr', () => '0'),
  root('DevDetail/Ext', 'node'),
  root('DevDetail/Ext/Microsoft', 'node'),
  root('DevDetail/Ext/Microsoft/DeviceName', 'chr', (c) => c.identity.deviceName),
  root('DevDetail/Ext/Microsoft/DNSComputerName', 'chr', (c) => c.identity.deviceName),
  root('DevDetail/Ext/Microsoft/OSPlatform', 'chr', (c) => c.identity.osPlatform),
  root('DevDetail/Ext/Microsoft/LocalTime', 'chr', (c) => new Date(c.now()).toISOString()),
  { space: 'msft', path: 'DeviceManageability', scopes: DEVICE, format: 'node', access: GET },
  { space: 'msft', path: 'DeviceManageability/Capabilities', scopes: DEVICE, format: 'node', access: GET },
  {
    space: 'msft',
    path: 'DeviceManageability/Capabilities/CSPVersions',
    scopes: DEVICE,
    format: 'xml',
    access: GET,
    value: cspVersionsXml,
  },
];

const INDEX = new Map(STANDARD_NODES.map((n) => [`${n.space}:${n.path.toLowerCase()}`, n]));

export function standardNode(addr: NodeAddress): StandardNode | undefined {
  const n = INDEX.get(`${addr.space}:${addr.segments.join('/').toLowerCase()}`);
  return n?.scopes.includes(addr.scope) ? n : undefined;
}

/** Names of the standard nodes directly below `addr`. */
export function standardChildren(addr: NodeAddress): string[] {
  const prefix = `${addr.segments.join('/').toLowerCase()}/`;
  return STANDARD_NODES.filter(
    (n) =>
      n.space === addr.space && n.path.toLowerCase().startsWith(prefix) && !n.path.slice(prefix.length).includes('/'),
  ).map((n) => n.path.slice(prefix.length));
}

/** Whether the address is DeviceManageability, which is standard although it sits below Vendor/MSFT. */
export function isStandardCsp(addr: NodeAddress): boolean {
  return addr.space === 'root' || addr.segments[0]?.toLowerCase() === 'devicemanageability';
}
