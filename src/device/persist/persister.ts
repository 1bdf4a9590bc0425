/**
 * Keeps the device directory in step with memory. Changes mark what is dirty and a write is scheduled on the event
 * loop (not the injectable clock: disk writes are not part of the emulated timeline); `flush` waits for it. Writes
 * never overlap, and each file is written atomically, so a device stopped at any moment loads again.
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { DocumentRecord, DocumentRecordJson } from '../declared/record.ts';
import { recordToJson } from '../declared/record.ts';
import { DEVICE_FILES, readJsonIfExists, writeJsonAtomic } from './files.ts';

export interface PersistSources {
  deviceJson(): unknown;
  cspJson(): unknown;
}

/** declared/<accountId>/<scope>-<docid>.json */
export function documentFile(dir: string, rec: Pick<DocumentRecord, 'accountId' | 'scope' | 'docId'>): string {
  return path.join(dir, DEVICE_FILES.declared, rec.accountId, `${rec.scope}-${rec.docId.toLowerCase()}.json`);
}

export class Persister {
  private device = false;
  private csp = false;
  private readonly docs = new Map<string, DocumentRecord>();
  private readonly removed = new Map<string, DocumentRecord>();
  private scheduled = false;
  private chain: Promise<void> = Promise.resolve();
  private lastError: unknown;
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly enabled: boolean,
    private readonly sources: PersistSources,
  ) {}

  markDevice(): void {
    this.device = true;
    this.schedule();
  }

  markCsp(): void {
    this.csp = true;
    this.schedule();
  }

  markDoc(rec: DocumentRecord): void {
    const f = documentFile(this.dir, rec);
    this.removed.delete(f);
    this.docs.set(f, rec);
    this.schedule();
  }

  markDocRemoved(rec: DocumentRecord): void {
    const f = documentFile(this.dir, rec);
    this.docs.delete(f);
    this.removed.set(f, rec);
    this.schedule();
  }

  /** Writes everything dirty; rejects with the first write failure since the last flush. */
  async flush(): Promise<void> {
    this.chain = this.chain.then(() => this.write());
    await this.chain;
    const e = this.lastError;
    this.lastError = undefined;
    if (e) throw e;
  }

  /** Writes what is pending, then ignores further changes: the device is closing. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  /** Marks everything dirty and writes it: a full save. */
  saveAll(records: readonly DocumentRecord[]): Promise<void> {
    this.device = true;
    this.csp = true;
    for (const r of records) this.docs.set(documentFile(this.dir, r), r);
    return this.flush();
  }

  private schedule(): void {
    if (!this.enabled || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.chain = this.chain.then(() => this.write());
    });
  }

  private async write(): Promise<void> {
    if (!this.enabled || this.closed) return;
    try {
      if (this.device) {
        this.device = false;
        await writeJsonAtomic(path.join(this.dir, DEVICE_FILES.device), this.sources.deviceJson());
      }
      if (this.csp) {
        this.csp = false;
        await writeJsonAtomic(path.join(this.dir, DEVICE_FILES.csp), this.sources.cspJson());
      }
      const docs = [...this.docs.entries()];
      this.docs.clear();
      for (const [file, rec] of docs) await writeJsonAtomic(file, recordToJson(rec));
      const removed = [...this.removed.keys()];
      this.removed.clear();
      for (const file of removed) await rm(file, { force: true });
    } catch (e) {
      this.lastError ??= e;
    }
  }
}

/** Every document file below declared/, oldest format first to fail loudly. */
export async function readDocumentFiles(dir: string): Promise<DocumentRecordJson[]> {
  const root = path.join(dir, DEVICE_FILES.declared);
  let accounts: string[];
  try {
    accounts = await readdir(root);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: DocumentRecordJson[] = [];
  for (const a of accounts.sort()) {
    const files = (await readdir(path.join(root, a))).filter((f) => f.endsWith('.json')).sort();
    for (const f of files) {
      const json = await readJsonIfExists<DocumentRecordJson>(path.join(root, a, f));
      if (json) out.push(json);
    }
  }
  return out;
}
