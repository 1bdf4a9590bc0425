import type { EpochMs, Page } from './types.ts';

export type DocumentScope = 'device' | 'user';

/**
 * A DeclaredConfiguration document as the server will send it. `checksum` is the value the device echoes in
 * its reports (computed by the protocol layer from a canonical form); `revision` counts the changes this
 * server made to the document, touches included, for humans and for audit.
 */
export interface DeclaredDocument {
  id: string;
  checksum: string;
  revision: number;
  scenario: string;
  scope: DocumentScope;
  body: string;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

/** What the reconciler compares against reports: no body, so the per-session query stays small. */
export type DocumentSummary = Omit<DeclaredDocument, 'body'>;

export interface PutDocumentInput {
  id: string;
  checksum: string;
  scenario: string;
  scope: DocumentScope;
  body: string;
}

export interface PutResult<T> {
  value: T;
  /** False when the stored row already said exactly this (KMFDDM's 304). */
  changed: boolean;
}

export interface DocumentStore {
  /**
   * Creates or replaces a document. Unchanged input (same checksum, scenario, scope and body) is a no-op with
   * `changed: false`, decided by comparing with the stored row rather than trusting an upsert's row count.
   */
  put(input: PutDocumentInput): Promise<PutResult<DeclaredDocument>>;
  get(id: string): Promise<DeclaredDocument | undefined>;
  list(page?: Page<string>): Promise<DocumentSummary[]>;
  /**
   * Forces devices to re-apply a document: a new checksum (devices compare checksums only) and revision + 1.
   * The protocol layer chooses the checksum, so this stays a pure store operation.
   */
  touch(id: string, checksum: string): Promise<DeclaredDocument | undefined>;
  /** Removes the document and its set memberships; reported state about it is kept. */
  delete(id: string): Promise<boolean>;
}
