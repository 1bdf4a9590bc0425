import type { Enrollment } from './devices.ts';
import type { EpochMs } from './types.ts';

/** A client certificate the built-in CA issued. Serial and thumbprint are stored as lower-case hex. */
export interface IssuedCertificate {
  serial: string;
  /** SHA-1 of the DER, as TLS peer certificates are looked up by it on every management request. */
  thumbprint: string;
  subject: string;
  notBefore: EpochMs;
  notAfter: EpochMs;
  enrollmentId: number | null;
  issuedAt: EpochMs;
  revokedAt: EpochMs | null;
  revocationReason: string | null;
}

export interface RecordCertificateInput {
  serial: string;
  thumbprint: string;
  subject: string;
  notBefore: EpochMs;
  notAfter: EpochMs;
  enrollmentId?: number | null | undefined;
}

export interface Identified {
  certificate: IssuedCertificate;
  enrollment: Enrollment | undefined;
  /**
   * The enrollment had open queued commands when this was read. A hint, read in the same statement so a poll
   * with nothing to deliver costs no queue read: a command queued a moment later simply waits for the next poll.
   */
  queued: boolean;
}

/**
 * Where a CA's key lives (`keyRef`: a file name in the data dir, a KMS URI, …) plus its public certificate.
 * The key itself is never stored: the row exists so that several processes sharing one database can prove
 * they issue from the same CA.
 */
export interface Authority {
  name: string;
  certificatePem: string;
  /** SHA-256 of the certificate's DER, lower-case hex. */
  fingerprint: string;
  keyRef: string;
  createdAt: EpochMs;
}

export interface CertificateStore {
  /** Idempotent by serial: re-recording the same certificate returns the stored row. */
  record(input: RecordCertificateInput): Promise<IssuedCertificate>;
  findBySerial(serial: string): Promise<IssuedCertificate | undefined>;
  findByThumbprint(thumbprint: string): Promise<IssuedCertificate | undefined>;
  /**
   * The certificate with the enrollment it was issued for, in one read: what every management message asks
   * first, so it is a single prebuilt statement. `enrollment` is undefined for a certificate not tied to one.
   */
  identify(thumbprint: string): Promise<Identified | undefined>;
  listForEnrollment(enrollmentId: number): Promise<IssuedCertificate[]>;
  /** Returns false when the serial is unknown or already revoked (the first revocation's time is kept). */
  revoke(serial: string, reason?: string | undefined): Promise<boolean>;

  /**
   * First writer wins: returns the stored authority, which differs from `input` when another process
   * registered its CA first. Callers compare fingerprints and refuse to run on a mismatch.
   */
  ensureAuthority(input: Omit<Authority, 'createdAt'>): Promise<Authority>;
  getAuthority(name: string): Promise<Authority | undefined>;
}
