/**
 * Which kind of node a LocURI names: a standard object (DevInfo, DevDetail, CSPVersions), a node of a CSP with a
 * table in src/protocol/csp (DeclaredConfiguration, DMClient), a node of a generic CSP (VPNv2, WiFi…), or nothing
 * (404). Resolution is pure; whether a resolvable node currently exists is the engine's question.
 */
import { CSPS, findNode, type NodeDefinition, type NodeMatch, requireNode } from '../../protocol/csp/index.ts';
import { ProtocolError } from '../../protocol/errors.ts';
import { checkGenericPath, type GenericCsp, genericCsp } from './generic.ts';
import { address, formatAddress, type NodeAddress, parseAddress } from './path.ts';
import { isStandardCsp, type StandardNode, standardNode } from './standard.ts';

export type Resolution =
  | { kind: 'standard'; addr: NodeAddress; node: StandardNode }
  | { kind: 'catalogued'; addr: NodeAddress; match: NodeMatch }
  | {
      kind: 'generic';
      addr: NodeAddress;
      csp: GenericCsp;
      /** Segments below the CSP root. */
      rel: readonly string[];
      /** The instance (resource) the node belongs to, when it is in one. */
      resource: NodeAddress | undefined;
    }
  | { kind: 'missing'; addr: NodeAddress | undefined; reason: string };

const CATALOGUED = new Set(CSPS.map((c) => c.name.toLowerCase()));

export function resolve(locUri: string): Resolution {
  const addr = parseAddress(locUri);
  if (typeof addr === 'string') return { kind: 'missing', addr: undefined, reason: `${locUri}: ${addr}` };
  return resolveAddress(addr);
}

export function resolveAddress(addr: NodeAddress): Resolution {
  if (isStandardCsp(addr)) {
    const node = standardNode(addr);
    return node
      ? { kind: 'standard', addr, node }
      : { kind: 'missing', addr, reason: `no node ${formatAddress(addr)}` };
  }
  const cspName = (addr.segments[0] as string).toLowerCase();
  if (CATALOGUED.has(cspName)) {
    const locUri = formatAddress(addr);
    const match = findNode(locUri);
    if (match) return { kind: 'catalogued', addr, match };
    try {
      requireNode(locUri);
    } catch (e) {
      if (e instanceof ProtocolError) return { kind: 'missing', addr, reason: e.message };
      throw e;
    }
    return { kind: 'missing', addr, reason: `no node ${locUri}` };
  }
  const csp = genericCsp(cspName);
  if (!csp) return { kind: 'missing', addr, reason: `no CSP named '${addr.segments[0]}' on this device` };
  if (!csp.scopes.includes(addr.scope)) {
    return { kind: 'missing', addr, reason: `${csp.name} exists in ${csp.scopes.join(' and ')} scope only` };
  }
  const rel = addr.segments.slice(1);
  const check = checkGenericPath(csp, rel);
  if (!check.ok) return { kind: 'missing', addr, reason: check.reason };
  const resource =
    check.instanceDepth === undefined
      ? undefined
      : address('msft', addr.scope, addr.segments.slice(0, 1 + check.instanceDepth));
  return { kind: 'generic', addr, csp, rel, resource };
}

/**
 * The addresses of the dynamic nodes on the way to a catalogued node (a DMClient provider, a DocID), each of which
 * must exist for the node to exist. The node itself is included when it is dynamic.
 */
export function dynamicAncestors(addr: NodeAddress, def: NodeDefinition): NodeAddress[] {
  const segs = def.path.split('/');
  const out: NodeAddress[] = [];
  segs.forEach((s, i) => {
    if (s.startsWith('{')) out.push(address(addr.space, addr.scope, addr.segments.slice(0, i + 1)));
  });
  return out;
}

/** Whether the catalogued definition's own last segment is dynamic (`{ProviderID}`, `{DocID}`). */
export function isDynamic(def: NodeDefinition): boolean {
  return def.path.endsWith('}');
}
