/**
 * OMA DM semantics on the node tables, with the status codes Windows uses ([MS-MDM], Learn "OMA DM protocol
 * support"): Add of an existing node 418, anything on a missing node 404, a command the node's access types exclude
 * 405, a declared Meta/Format other than the node's 415, a value the node's format or allowed values reject 400.
 * Implicit Add is supported (missing dynamic parents are created), as Learn says of Windows. Replace of a missing
 * leaf creates it: seed 001 logs Windows' configuration manager turning it into "Add: from Replace or Add".
 */
import { allows, formatProblem, NODE_FORMATS, type NodeFormat, validateValue } from '../../protocol/csp/index.ts';
import { StatusCode } from '../../protocol/syncml/index.ts';
import { childOf } from './path.ts';
import { dynamicAncestors, isDynamic, type Resolution } from './resolve.ts';
import { type StandardContext, standardChildren } from './standard.ts';
import type { NodeStore } from './store.ts';
import type { Transaction } from './transaction.ts';
import type { CspCommand, ItemOutcome } from './types.ts';

type Catalogued = Extract<Resolution, { kind: 'catalogued' }>;
type Generic = Extract<Resolution, { kind: 'generic' }>;

export interface NodeEnv {
  store: NodeStore;
  standard: StandardContext;
}

/**
 * Values the emulator reports for nodes the tables give no default: [MS-MDE2] says an unset DiscoveryEndpoint
 * reads as an empty string, and a linked enrollment that never ran reports EnrollStatus 0 (Undefined), LastError 0.
 */
const EMULATOR_DEFAULTS: Readonly<Record<string, string>> = {
  'DMClient/Provider/{ProviderID}/LinkedEnrollment/DiscoveryEndpoint': '',
  'DMClient/Provider/{ProviderID}/LinkedEnrollment/EnrollStatus': '0',
  'DMClient/Provider/{ProviderID}/LinkedEnrollment/LastError': '0',
};

const ok = (extra: Omit<ItemOutcome, 'code'> = {}): ItemOutcome => ({ code: StatusCode.OK, ...extra });
const code = (c: number): ItemOutcome => ({ code: c });

export function defaultOf(res: Catalogued): string | undefined {
  return EMULATOR_DEFAULTS[res.match.node.path] ?? res.match.node.defaultValue;
}

function formatMismatch(declared: string | undefined, actual: NodeFormat): boolean {
  return declared !== undefined && declared.toLowerCase() !== actual;
}

function missingParent(env: NodeEnv, res: Catalogued): boolean {
  const own = isDynamic(res.match.node) ? res.addr.key : undefined;
  return dynamicAncestors(res.addr, res.match.node).some((a) => a.key !== own && !env.store.has(a));
}

function cataloguedChildren(env: NodeEnv, res: Catalogued): string[] {
  const { csp, node } = res.match;
  const prefix = `${node.path}/`;
  const names: string[] = [];
  for (const d of csp.nodes) {
    if (!d.path.startsWith(prefix) || d.path.slice(prefix.length).includes('/')) continue;
    if (!d.scopes.includes(res.addr.scope)) continue;
    if (isDynamic(d)) names.push(...env.store.childNames(res.addr));
    else names.push(d.path.slice(prefix.length));
  }
  return [...new Set(names)];
}

/** The fixed names below a generic path that lead to instances (`Profile` below WiFi). */
function genericFixedChildren(res: Generic): string[] {
  const out: string[] = [];
  for (const p of [res.csp.instance, ...(res.csp.otherInstances ?? [])]) {
    const next = p[res.rel.length];
    if (next && next !== '*' && res.rel.every((s, i) => p[i] === '*' || p[i]?.toLowerCase() === s.toLowerCase())) {
      out.push(next);
    }
  }
  return out;
}

/** A generic node that exists without being stored: the CSP root, or a fixed segment on the way to instances. */
function genericStatic(res: Generic): boolean {
  if (res.rel.length === 0) return true;
  return [res.csp.instance, ...(res.csp.otherInstances ?? [])].some(
    (p) =>
      res.rel.length < p.length && res.rel.every((s, i) => p[i] !== '*' && p[i]?.toLowerCase() === s.toLowerCase()),
  );
}

function interiorOutcome(names: string[]): ItemOutcome {
  return ok({ value: [...new Set(names)].join('/'), format: 'node' });
}

export function nodeGet(env: NodeEnv, res: Resolution): ItemOutcome {
  switch (res.kind) {
    case 'missing':
      return code(StatusCode.NOT_FOUND);
    case 'standard': {
      if (res.node.format === 'node') return interiorOutcome(standardChildren(res.addr));
      return ok({ value: res.node.value?.(env.standard) ?? '', format: res.node.format });
    }
    case 'catalogued': {
      const def = res.match.node;
      if (!allows(def, 'Get')) return code(StatusCode.COMMAND_NOT_ALLOWED);
      if (missingParent(env, res) || (isDynamic(def) && !env.store.has(res.addr))) return code(StatusCode.NOT_FOUND);
      if (def.format === 'node') return interiorOutcome(cataloguedChildren(env, res));
      const value = env.store.get(res.addr)?.value ?? defaultOf(res);
      return value === undefined ? code(StatusCode.NOT_FOUND) : ok({ value, format: def.format });
    }
    case 'generic': {
      const stored = env.store.get(res.addr);
      if (stored && stored.format !== 'node') return ok({ value: stored.value ?? '', format: stored.format });
      if (stored || genericStatic(res)) {
        return interiorOutcome([...genericFixedChildren(res), ...env.store.childNames(res.addr)]);
      }
      return code(StatusCode.NOT_FOUND);
    }
  }
}

/** Add, Replace and the owner's writes share one path; `command` picks the OMA rule for an existing node. */
export function nodeWrite(
  env: NodeEnv,
  res: Resolution,
  command: 'Add' | 'Replace',
  data: string | undefined,
  format: string | undefined,
  tx: Transaction,
): ItemOutcome {
  if (res.kind === 'missing') return code(StatusCode.NOT_FOUND);
  if (res.kind === 'standard') return code(StatusCode.COMMAND_NOT_ALLOWED);
  if (command === 'Replace' && tx.atomic && tx.added.has(res.addr.key)) return code(StatusCode.COMMAND_FAILED);
  const outcome = res.kind === 'catalogued' ? writeCatalogued(env, res, command, data, format, tx) : undefined;
  const result = outcome ?? writeGeneric(env, res as Generic, command, data, format, tx);
  if (command === 'Add' && result.code === StatusCode.OK) tx.added.add(res.addr.key);
  return result;
}

function writeCatalogued(
  env: NodeEnv,
  res: Catalogued,
  command: 'Add' | 'Replace',
  data: string | undefined,
  format: string | undefined,
  tx: Transaction,
): ItemOutcome {
  const def = res.match.node;
  if (!allows(def, command)) return code(StatusCode.COMMAND_NOT_ALLOWED);
  if (def.format === 'node') {
    if (command === 'Replace' || !isDynamic(def)) {
      return code(command === 'Add' ? StatusCode.ALREADY_EXISTS : StatusCode.COMMAND_NOT_ALLOWED);
    }
    if (env.store.has(res.addr)) return code(StatusCode.ALREADY_EXISTS);
    createParents(env, res, tx);
    tx.onRollback(env.store.set(res.addr, { format: 'node' }));
    return ok();
  }
  if (formatMismatch(format, def.format)) return code(StatusCode.UNSUPPORTED_MEDIA_TYPE);
  if (command === 'Add' && env.store.get(res.addr)?.value !== undefined) return code(StatusCode.ALREADY_EXISTS);
  if (command === 'Replace' && missingParent(env, res)) return code(StatusCode.NOT_FOUND);
  const value = data ?? '';
  if (!validateValue(def, value).ok) return code(StatusCode.BAD_REQUEST);
  createParents(env, res, tx);
  tx.onRollback(env.store.set(res.addr, { format: def.format, value }));
  return ok();
}

function createParents(env: NodeEnv, res: Catalogued, tx: Transaction): void {
  for (const a of dynamicAncestors(res.addr, res.match.node)) {
    if (a.key === res.addr.key || env.store.has(a)) continue;
    tx.onRollback(env.store.set(a, { format: 'node' }));
  }
}

function writeGeneric(
  env: NodeEnv,
  res: Generic,
  command: 'Add' | 'Replace',
  data: string | undefined,
  format: string | undefined,
  tx: Transaction,
): ItemOutcome {
  const stored = env.store.get(res.addr);
  const exists = stored !== undefined || genericStatic(res);
  if (command === 'Add' && exists) return code(StatusCode.ALREADY_EXISTS);
  if (command === 'Replace' && (stored?.format === 'node' || (!stored && exists))) {
    return code(StatusCode.COMMAND_NOT_ALLOWED);
  }
  const declared = format?.toLowerCase();
  if (declared !== undefined && !(NODE_FORMATS as readonly string[]).includes(declared)) {
    return code(StatusCode.UNSUPPORTED_MEDIA_TYPE);
  }
  const fmt = (declared ??
    stored?.format ??
    (command === 'Add' && (data === undefined || data === '') ? 'node' : 'chr')) as NodeFormat;
  if (fmt === 'node') {
    if (command === 'Replace' || (data ?? '') !== '') return code(StatusCode.BAD_REQUEST);
    tx.onRollback(env.store.ensureAncestors(res.addr, 2));
    tx.onRollback(env.store.set(res.addr, { format: 'node' }));
    return ok();
  }
  const value = data ?? '';
  if (formatProblem(fmt, value) !== undefined) return code(StatusCode.BAD_REQUEST);
  tx.onRollback(env.store.ensureAncestors(res.addr, 2));
  tx.onRollback(env.store.set(res.addr, { format: fmt, value }));
  return ok();
}

export function nodeDelete(env: NodeEnv, res: Resolution, tx: Transaction): ItemOutcome {
  switch (res.kind) {
    case 'missing':
      return code(StatusCode.NOT_FOUND);
    case 'standard':
      return code(StatusCode.COMMAND_NOT_ALLOWED);
    case 'catalogued': {
      const def = res.match.node;
      if (!allows(def, 'Delete')) return code(StatusCode.COMMAND_NOT_ALLOWED);
      if (missingParent(env, res)) return code(StatusCode.NOT_FOUND);
      if (env.store.has(res.addr)) {
        tx.onRollback(env.store.remove(res.addr));
        return ok();
      }
      if (def.format === 'node' && !isDynamic(def)) {
        for (const name of env.store.childNames(res.addr)) tx.onRollback(env.store.remove(childOf(res.addr, name)));
        return ok();
      }
      // Deleting a leaf at its default restores the default, which is where it already is.
      return defaultOf(res) !== undefined ? ok() : code(StatusCode.NOT_FOUND);
    }
    case 'generic': {
      if (env.store.has(res.addr)) {
        tx.onRollback(env.store.remove(res.addr));
        return ok();
      }
      if (!genericStatic(res)) return code(StatusCode.NOT_FOUND);
      for (const name of env.store.childNames(res.addr)) tx.onRollback(env.store.remove(childOf(res.addr, name)));
      return ok();
    }
  }
}

/** Exec on a node without behaviour of its own: allowed where the tables say so, and a no-op. */
export function nodeExec(env: NodeEnv, res: Resolution): ItemOutcome {
  switch (res.kind) {
    case 'missing':
      return code(StatusCode.NOT_FOUND);
    case 'standard':
      return code(StatusCode.COMMAND_NOT_ALLOWED);
    case 'catalogued':
      if (!allows(res.match.node, 'Exec')) return code(StatusCode.COMMAND_NOT_ALLOWED);
      return missingParent(env, res) ? code(StatusCode.NOT_FOUND) : ok();
    case 'generic': {
      const leaf = res.rel[res.rel.length - 1]?.toLowerCase();
      const execs = res.csp.execLeaves ?? [];
      return execs.some((e) => e.toLowerCase() === leaf) ? ok() : code(StatusCode.COMMAND_NOT_ALLOWED);
    }
  }
}

/** Dispatch by command for the engine. */
export function nodeOperation(
  env: NodeEnv,
  res: Resolution,
  command: CspCommand,
  data: string | undefined,
  format: string | undefined,
  tx: Transaction,
): ItemOutcome {
  switch (command) {
    case 'Get':
      return nodeGet(env, res);
    case 'Add':
    case 'Replace':
      return nodeWrite(env, res, command, data, format, tx);
    case 'Delete':
      return nodeDelete(env, res, tx);
    case 'Exec':
      return nodeExec(env, res);
  }
}
