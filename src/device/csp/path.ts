/**
 * Node addresses. A LocURI names a node in one of two spaces: the OMA standard objects at the root (`./DevInfo`,
 * `./DevDetail`) or a CSP below `Vendor/MSFT` in Device or User scope (the prefix-less `./Vendor/MSFT` being
 * Device). Windows compares node names case-insensitively (see src/protocol/csp/scope.ts), so the key that
 * identifies a node is lower-cased; the LocURI as the server wrote it is kept for replies, since Windows echoes it.
 */
import { type Scope, scopePrefix, splitLocUri } from '../../protocol/csp/index.ts';

export type NodeSpace = 'root' | 'msft';

export interface NodeAddress {
  space: NodeSpace;
  scope: Scope;
  /** Below `./` for root nodes (`DevInfo`, `DevId`), below `Vendor/MSFT` for CSP nodes, as written. */
  segments: readonly string[];
  /** Identity of the node: case-insensitive, scope-qualified. */
  key: string;
}

const ROOT_OBJECTS = ['devinfo', 'devdetail'];

function keyOf(space: NodeSpace, scope: Scope, segments: readonly string[]): string {
  const base = space === 'root' ? '.' : scope;
  return `${base}/${segments.join('/')}`.toLowerCase();
}

export function address(space: NodeSpace, scope: Scope, segments: readonly string[]): NodeAddress {
  return { space, scope, segments, key: keyOf(space, scope, segments) };
}

/** The address a LocURI names, or why it names none (a 404 to the caller). */
export function parseAddress(locUri: string): NodeAddress | string {
  if (locUri.startsWith('./')) {
    const parts = locUri.slice(2).split('/');
    if (ROOT_OBJECTS.includes((parts[0] ?? '').toLowerCase())) {
      if (parts.some((p) => p === '')) return 'it has an empty segment';
      return address('root', 'Device', parts);
    }
  }
  const split = splitLocUri(locUri);
  if (typeof split === 'string') return split;
  if (split.segments.length === 0) return 'it names no CSP';
  return address('msft', split.scope, split.segments);
}

/** The canonical LocURI of an address, with an explicit scope. */
export function formatAddress(a: NodeAddress): string {
  return a.space === 'root' ? `./${a.segments.join('/')}` : `${scopePrefix(a.scope)}/${a.segments.join('/')}`;
}

export function parentOf(a: NodeAddress): NodeAddress | undefined {
  if (a.segments.length <= 1) return undefined;
  return address(a.space, a.scope, a.segments.slice(0, -1));
}

export function childOf(a: NodeAddress, name: string): NodeAddress {
  return address(a.space, a.scope, [...a.segments, name]);
}

/** Whether `inner` is `outer` or lies below it. */
export function within(inner: NodeAddress, outer: NodeAddress): boolean {
  return inner.key === outer.key || inner.key.startsWith(`${outer.key}/`);
}
