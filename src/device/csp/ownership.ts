/**
 * Resource ownership (resource-access page): once a WinDC document configures a resource — one instance of a CSP,
 * such as a VPNv2 profile — that resource belongs to the document, and direct SyncML writes to it fail with
 * 0x86000031 until the document is deleted or abandoned. Reads stay allowed. The registry is rebuilt from the
 * documents on load, so it is never persisted on its own.
 */
import { type NodeAddress, within } from './path.ts';

export interface Owner {
  accountId: string;
  /** The owning document's record key (see declared/record.ts). */
  docKey: string;
  docId: string;
}

export class Ownership {
  private readonly owned = new Map<string, { resource: NodeAddress; owner: Owner }>();

  claim(resource: NodeAddress, owner: Owner): void {
    this.owned.set(resource.key, { resource, owner });
  }

  /** Releases everything one document owns. */
  release(docKey: string): void {
    for (const [k, v] of this.owned) if (v.owner.docKey === docKey) this.owned.delete(k);
  }

  /**
   * The owner a write to `target` collides with: the target lies in an owned resource, or (a Delete of a parent)
   * an owned resource lies below it.
   */
  conflict(target: NodeAddress): Owner | undefined {
    for (const v of this.owned.values()) {
      if (within(target, v.resource) || within(v.resource, target)) return v.owner;
    }
    return undefined;
  }

  ownerOf(resource: NodeAddress): Owner | undefined {
    return this.owned.get(resource.key)?.owner;
  }

  resourcesOf(docKey: string): NodeAddress[] {
    return [...this.owned.values()].filter((v) => v.owner.docKey === docKey).map((v) => v.resource);
  }
}
