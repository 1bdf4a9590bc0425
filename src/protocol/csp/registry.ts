/**
 * Finding the definition of the node a LocURI names. The tables become a tree of segments; fixed segments match
 * case-insensitively, a `{Name}` segment matches any segment its own definition's regex allows (DocID must be a
 * GUID) and is captured as written, still URI-encoded (`MS%20DM%20SERVER`).
 */
import { ProtocolError } from '../errors.ts';
import { DECLARED_CONFIGURATION_CSP } from './declared-configuration.ts';
import { DMCLIENT_CSP } from './dmclient.ts';
import { type Scope, scopePrefix, splitLocUri } from './scope.ts';
import type { AccessType, CspDefinition, NodeDefinition } from './types.ts';
import { matchesWhole } from './values.ts';

export const CSPS: readonly CspDefinition[] = [DECLARED_CONFIGURATION_CSP, DMCLIENT_CSP];

export interface NodeMatch {
  csp: CspDefinition;
  node: NodeDefinition;
  scope: Scope;
  /** Dynamic segments by name, as written in the LocURI. */
  captures: Readonly<Record<string, string>>;
}

interface Branch {
  def?: NodeDefinition;
  literals: Map<string, Branch>;
  dynamic?: { name: string; branch: Branch };
}

const DYNAMIC_RE = /^\{([A-Za-z]+)\}$/;

function newBranch(): Branch {
  return { literals: new Map() };
}

function buildTree(csps: readonly CspDefinition[]): Map<string, { csp: CspDefinition; root: Branch }> {
  const roots = new Map<string, { csp: CspDefinition; root: Branch }>();
  for (const csp of csps) {
    const root = newBranch();
    roots.set(csp.name.toLowerCase(), { csp, root });
    for (const def of csp.nodes) {
      const [first, ...rest] = def.path.split('/');
      if (first !== csp.name) throw new Error(`${def.path} is not under ${csp.name}`);
      let b = root;
      for (const seg of rest) {
        const dyn = DYNAMIC_RE.exec(seg);
        if (dyn) {
          b.dynamic ??= { name: dyn[1] as string, branch: newBranch() };
          b = b.dynamic.branch;
        } else {
          const key = seg.toLowerCase();
          let next = b.literals.get(key);
          if (!next) b.literals.set(key, (next = newBranch()));
          b = next;
        }
      }
      if (b.def) throw new Error(`${def.path} is defined twice`);
      b.def = def;
    }
  }
  return roots;
}

const TREE = buildTree(CSPS);

function nameAllowed(def: NodeDefinition | undefined, segment: string): boolean {
  return def?.allowed?.kind !== 'regex' || matchesWhole(def.allowed.pattern, segment);
}

/** The match, or why there is none, in words fit for a Status message. */
function resolve(locUri: string): NodeMatch | string {
  const split = splitLocUri(locUri);
  if (typeof split === 'string') return split;
  const [cspName, ...rest] = split.segments;
  const entry = cspName === undefined ? undefined : TREE.get(cspName.toLowerCase());
  if (!entry) return `no CSP named '${cspName ?? ''}' is defined`;
  let b = entry.root;
  const captures: Record<string, string> = {};
  for (const seg of rest) {
    const lit = b.literals.get(seg.toLowerCase());
    if (lit) {
      b = lit;
    } else if (b.dynamic) {
      const { name, branch } = b.dynamic;
      if (!nameAllowed(branch.def, seg)) {
        return `${name} '${seg}' does not match ${branch.def?.allowed?.kind === 'regex' ? branch.def.allowed.pattern : ''}`;
      }
      captures[name] = seg;
      b = branch;
    } else {
      return `'${seg}' is not a child of ${b.def?.path ?? entry.csp.name}`;
    }
  }
  const node = b.def;
  if (!node) return `${locUri} names no defined node`;
  if (!node.scopes.includes(split.scope)) return `${node.path} exists in ${node.scopes.join(' and ')} scope only`;
  return { csp: entry.csp, node, scope: split.scope, captures };
}

/** The definition of the node a LocURI names, or undefined when there is none in that scope (Windows: 404). */
export function findNode(locUri: string): NodeMatch | undefined {
  const m = resolve(locUri);
  return typeof m === 'string' ? undefined : m;
}

/** As findNode, but a missing node is a CSP_UNKNOWN_NODE error that says why. */
export function requireNode(locUri: string): NodeMatch {
  const m = resolve(locUri);
  if (typeof m === 'string') throw new ProtocolError('CSP_UNKNOWN_NODE', `${locUri}: ${m}`);
  return m;
}

export function allows(def: NodeDefinition, command: AccessType): boolean {
  return def.access.includes(command);
}

export function assertAccess(def: NodeDefinition, command: AccessType): void {
  if (!allows(def, command)) {
    throw new ProtocolError('CSP_COMMAND_NOT_ALLOWED', `${def.path} allows ${def.access.join(', ')}, not ${command}`);
  }
}

/**
 * The LocURI of a node definition with its dynamic segments filled in. Values are written as given, so pass them
 * URI-encoded as they must appear; findNode(buildLocUri(…)) gives back the same captures.
 */
export function buildLocUri(def: NodeDefinition, scope: Scope, values: Readonly<Record<string, string>> = {}): string {
  const segments = def.path.split('/').map((seg) => {
    const dyn = DYNAMIC_RE.exec(seg);
    if (!dyn) return seg;
    const v = values[dyn[1] as string];
    if (v === undefined || v === '' || /[/\s]/.test(v)) {
      throw new ProtocolError('CSP_UNKNOWN_NODE', `${def.path}: ${dyn[1]} needs a value without '/' or whitespace`);
    }
    return v;
  });
  const locUri = `${scopePrefix(scope)}/${segments.join('/')}`;
  requireNode(locUri);
  return locUri;
}
