/**
 * The device's explicit CSP nodes: interior nodes that were added (a VPN profile, a DMClient provider) and leaves
 * that hold a value. Nodes that exist by definition (a CSP root, a leaf with a default) are not stored; the
 * resolver knows them from the tables. Every mutation returns its own undo, which is how Atomic rolls back.
 */
import type { NodeFormat } from '../../protocol/csp/index.ts';
import { type NodeAddress, parentOf, parseAddress } from './path.ts';

export interface StoredNode {
  format: NodeFormat;
  /** Present on leaves; interior nodes (format `node`) carry none. */
  value?: string;
}

export type Undo = () => void;

interface Entry {
  addr: NodeAddress;
  node: StoredNode;
}

/** csp.json: explicit nodes in key order, so the file diffs cleanly. */
export interface NodeStoreJson {
  format: 1;
  nodes: Array<{ locUri: string; format: NodeFormat; value?: string }>;
}

export class NodeStore {
  private readonly entries = new Map<string, Entry>();
  private readonly kids = new Map<string, Set<string>>();
  private changed: () => void = () => {};

  /** Called after every mutation (persistence marks the tree dirty). */
  onChange(listener: () => void): void {
    this.changed = listener;
  }

  get(addr: NodeAddress): StoredNode | undefined {
    return this.entries.get(addr.key)?.node;
  }

  has(addr: NodeAddress): boolean {
    return this.entries.has(addr.key);
  }

  /** Stored children's names as first written, in insertion order. */
  childNames(addr: NodeAddress): string[] {
    const out: string[] = [];
    for (const k of this.kids.get(addr.key) ?? []) {
      const e = this.entries.get(k);
      if (e) out.push(e.addr.segments[e.addr.segments.length - 1] as string);
    }
    return out;
  }

  /** Sets a node, keeping the spelling it was first written with. */
  set(addr: NodeAddress, node: StoredNode): Undo {
    const before = this.entries.get(addr.key);
    this.put({ addr: before?.addr ?? addr, node: { ...node } });
    this.changed();
    return () => {
      if (before) this.put(before);
      else this.drop(addr.key);
      this.changed();
    };
  }

  /** Creates the missing interior ancestors of `addr` (OMA DM implicit Add, which Windows supports). */
  ensureAncestors(addr: NodeAddress, stopDepth = 1): Undo {
    const created: string[] = [];
    const chain: NodeAddress[] = [];
    for (let p = parentOf(addr); p && p.segments.length >= stopDepth; p = parentOf(p)) chain.unshift(p);
    for (const p of chain) {
      if (this.entries.has(p.key)) continue;
      this.put({ addr: p, node: { format: 'node' } });
      created.push(p.key);
    }
    if (created.length > 0) this.changed();
    return () => {
      for (const k of created.reverse()) this.drop(k);
      if (created.length > 0) this.changed();
    };
  }

  /** Removes the node and everything below it. */
  remove(addr: NodeAddress): Undo {
    const removed: Entry[] = [];
    const visit = (key: string) => {
      for (const k of [...(this.kids.get(key) ?? [])]) visit(k);
      const e = this.entries.get(key);
      if (e) {
        removed.push(e);
        this.drop(key);
      }
    };
    visit(addr.key);
    if (removed.length > 0) this.changed();
    return () => {
      for (const e of removed.reverse()) this.put(e);
      if (removed.length > 0) this.changed();
    };
  }

  /** Every stored node at or below `addr`, parents before children. */
  subtree(addr: NodeAddress): Array<{ addr: NodeAddress; node: StoredNode }> {
    const out: Entry[] = [];
    const visit = (key: string) => {
      const e = this.entries.get(key);
      if (e) out.push(e);
      for (const k of this.kids.get(key) ?? []) visit(k);
    };
    visit(addr.key);
    return out.map((e) => ({ addr: e.addr, node: { ...e.node } }));
  }

  get size(): number {
    return this.entries.size;
  }

  toJSON(format: (a: NodeAddress) => string): NodeStoreJson {
    const nodes = [...this.entries.values()]
      .sort((a, b) => (a.addr.key < b.addr.key ? -1 : a.addr.key > b.addr.key ? 1 : 0))
      .map((e) => {
        const n: NodeStoreJson['nodes'][number] = { locUri: format(e.addr), format: e.node.format };
        if (e.node.value !== undefined) n.value = e.node.value;
        return n;
      });
    return { format: 1, nodes };
  }

  load(json: NodeStoreJson): void {
    this.entries.clear();
    this.kids.clear();
    for (const n of json.nodes) {
      const addr = parseAddress(n.locUri);
      if (typeof addr === 'string') throw new Error(`csp.json: ${n.locUri}: ${addr}`);
      const node: StoredNode = { format: n.format };
      if (n.value !== undefined) node.value = n.value;
      this.put({ addr, node });
    }
  }

  private put(e: Entry): void {
    this.entries.set(e.addr.key, e);
    const parent = parentOf(e.addr);
    if (!parent) return;
    let set = this.kids.get(parent.key);
    if (!set) this.kids.set(parent.key, (set = new Set()));
    set.add(e.addr.key);
  }

  private drop(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    const parent = parentOf(e.addr);
    if (parent) this.kids.get(parent.key)?.delete(key);
    this.kids.delete(key);
  }
}
