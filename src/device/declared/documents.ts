/**
 * The documents of every account, with change notification for persistence. Records are replaced, never edited
 * in place by callers outside the DeclaredConfiguration service, so an undo can put the previous object back.
 */
import type { Scope } from '../../protocol/csp/index.ts';
import type { HostKind } from '../../protocol/declared/index.ts';
import { type DocumentRecord, recordKey } from './record.ts';

export interface DocumentStoreListener {
  changed(rec: DocumentRecord): void;
  removed(rec: DocumentRecord): void;
}

export class DocumentStore {
  private readonly byAccount = new Map<string, Map<string, DocumentRecord>>();
  private nextSeq = 1;
  private listener: DocumentStoreListener = { changed: () => {}, removed: () => {} };

  setListener(l: DocumentStoreListener): void {
    this.listener = l;
  }

  seq(): number {
    return this.nextSeq++;
  }

  get(accountId: string, scope: Scope, docId: string): DocumentRecord | undefined {
    return this.byAccount.get(accountId)?.get(recordKey(scope, docId));
  }

  /** Documents of an account (all accounts when undefined) in creation order. */
  list(accountId?: string): DocumentRecord[] {
    const maps = accountId === undefined ? [...this.byAccount.values()] : [this.byAccount.get(accountId) ?? new Map()];
    return maps.flatMap((m) => [...m.values()]).sort((a, b) => a.seq - b.seq);
  }

  /** Live documents of one host kind, in creation order. */
  inHost(accountId: string, scope: Scope, host: HostKind): DocumentRecord[] {
    return this.list(accountId).filter((r) => r.scope === scope && r.host === host && !r.tombstone);
  }

  put(rec: DocumentRecord): void {
    let m = this.byAccount.get(rec.accountId);
    if (!m) this.byAccount.set(rec.accountId, (m = new Map()));
    m.set(rec.key, rec);
    if (rec.seq >= this.nextSeq) this.nextSeq = rec.seq + 1;
    this.listener.changed(rec);
  }

  /** Notifies persistence after a record was changed in place by the service. */
  touch(rec: DocumentRecord): void {
    if (this.byAccount.get(rec.accountId)?.get(rec.key) === rec) this.listener.changed(rec);
  }

  remove(rec: DocumentRecord): void {
    const m = this.byAccount.get(rec.accountId);
    if (m?.get(rec.key) !== rec) return;
    m.delete(rec.key);
    if (m.size === 0) this.byAccount.delete(rec.accountId);
    this.listener.removed(rec);
  }

  /** Whether any document exists, which is when Windows keeps its refresh schedule. */
  any(): boolean {
    return this.byAccount.size > 0;
  }

  /** Loads records without notifying persistence (they came from it). */
  restore(records: readonly DocumentRecord[]): void {
    const l = this.listener;
    this.listener = { changed: () => {}, removed: () => {} };
    try {
      for (const r of records) this.put(r);
    } finally {
      this.listener = l;
    }
  }
}
