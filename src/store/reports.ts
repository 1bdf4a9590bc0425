import type { EpochMs, Page } from './types.ts';

/** One entry of a device's 1224 `com.microsoft.mdm.declaredconfigurationdocuments` alert. */
export interface DocumentReport {
  documentId: string;
  /** The document's `context` as reported (Device/User), kept verbatim. */
  scope?: string | null | undefined;
  checksum: string | null;
  resultChecksum: string | null;
  state: number | null;
}

/**
 * What the server knows of one document on one enrollment. A row exists only while the latest report lists
 * the document, so the time of that report is the enrollment's `lastReportAt`.
 */
export interface ReportedDocument {
  enrollmentId: number;
  documentId: string;
  scope: string | null;
  checksum: string | null;
  resultChecksum: string | null;
  state: number | null;
  /** The server set Properties/Abandoned=1 and the device acknowledged it. */
  abandoned: boolean;
  /** When checksum or state last changed. */
  changedAt: EpochMs;
  lastReportAt: EpochMs | null;
  /** The parsed DeclaredConfigurationResult, as the protocol layer produced it. */
  result: unknown;
  resultAt: EpochMs | null;
  /**
   * The result checksum the stored `result` was fetched for. When it differs from `resultChecksum` the
   * result is stale and worth a Get, even if the report that announced the change was missed.
   */
  fetchedResultChecksum: string | null;
}

/** Appended only when (checksum, state) changes; `toState` null means the document left the report. */
export interface Transition {
  id: number;
  enrollmentId: number;
  documentId: string;
  at: EpochMs;
  fromState: number | null;
  toState: number | null;
  checksum: string | null;
  resultChecksum: string | null;
}

export interface CheckIn {
  enrollmentId: number;
  /** DevInfo from the session's Replace, when present. */
  devInfo?: Record<string, string> | undefined;
  documents: readonly DocumentReport[];
  /**
   * The report lists every document on the device (true for the 1224 DeclaredConfiguration alert): rows for
   * documents it omits are removed, with a transition to null.
   */
  complete?: boolean | undefined;
}

export interface ReportChange {
  documentId: string;
  /** Null when the document is new in the report. */
  previous: { checksum: string | null; resultChecksum: string | null; state: number | null } | null;
  current: DocumentReport;
  /** A transition was appended (checksum or state changed, or the document appeared). */
  transition: boolean;
}

export interface CheckInOutcome {
  /** Documents that appeared or whose checksum, result checksum or state changed: candidates for a Results Get. */
  changed: ReportChange[];
  /** Documents the previous report listed and this complete one does not. */
  removed: string[];
}

export interface ReportStore {
  /**
   * The per-session hot path, one transaction: last-seen (and DevInfo), then a diff of the report against the
   * stored rows; only rows that differ are written, and only state changes append a transition.
   */
  checkIn(input: CheckIn): Promise<CheckInOutcome>;
  /**
   * A complete report that equals what is stored: records last-seen (and DevInfo) in one statement and returns
   * true. Otherwise writes nothing and returns false, leaving the report to `checkIn` where it can be acted on.
   */
  touchIfUnchanged(input: CheckIn): Promise<boolean>;
  /** Stores the parsed result document fetched for a reported document. False if the row does not exist. */
  recordResult(input: {
    enrollmentId: number;
    documentId: string;
    resultChecksum: string | null;
    result: unknown;
  }): Promise<boolean>;
  setAbandoned(enrollmentId: number, documentId: string, abandoned: boolean): Promise<boolean>;
  get(enrollmentId: number, documentId: string): Promise<ReportedDocument | undefined>;
  listForEnrollment(enrollmentId: number): Promise<ReportedDocument[]>;
  /** Every enrollment's view of one document, keyed by enrollment id. */
  listForDocument(documentId: string, page?: Page): Promise<ReportedDocument[]>;
  /** Newest first. */
  history(enrollmentId: number, documentId?: string | undefined, page?: Page): Promise<Transition[]>;
}
