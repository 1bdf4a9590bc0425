import type { EpochMs, Page } from './types.ts';

/**
 * A physical (or emulated) Windows device, keyed by the DeviceID it presents at enrollment and in every SyncHdr
 * Source. HWDevID is kept for search only: cloned images share it, so it never identifies anything.
 */
export interface Device {
  /** Our key; stable across re-enrollments, so set and group assignments survive them. */
  pk: number;
  deviceId: string;
  hwDevId: string | null;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

/**
 * `primary`: this server is the device's MDM. `linked`: the WinDC (MMP-C) enrollment Windows opens beside
 * another MDM; `parentEnrollmentId` points at our primary enrollment when we are both.
 */
export type EnrollmentKind = 'primary' | 'linked';

/** `replaced`: superseded by a newer enrollment of the same kind for the same device. */
export type EnrollmentStatus = 'active' | 'unenrolled' | 'replaced';

export interface Enrollment {
  id: number;
  devicePk: number;
  deviceId: string;
  kind: EnrollmentKind;
  parentEnrollmentId: number | null;
  status: EnrollmentStatus;
  /** The ./DevInfo nodes of the latest session (DevId, Man, Mod, DmV, Lang). */
  devInfo: Record<string, string> | null;
  /** Enrollment-time facts (AdditionalContext: OS version, EnrollmentType, EmmDeviceId, UPN, …). */
  context: Record<string, string> | null;
  enrolledAt: EpochMs;
  lastSeenAt: EpochMs | null;
  /** Time of the latest 1224 DeclaredConfiguration report; every current reported-state row is from it. */
  lastReportAt: EpochMs | null;
  endedAt: EpochMs | null;
}

export interface EnrollInput {
  deviceId: string;
  hwDevId?: string | null | undefined;
  kind: EnrollmentKind;
  parentEnrollmentId?: number | null | undefined;
  devInfo?: Record<string, string> | null | undefined;
  context?: Record<string, string> | null | undefined;
}

export interface EnrollmentFilter extends Page {
  deviceId?: string | undefined;
  kind?: EnrollmentKind | undefined;
  status?: EnrollmentStatus | undefined;
}

export interface DeviceStore {
  /** Idempotent by DeviceID; a newly learned HWDevID is recorded, a missing one does not erase the old. */
  upsertDevice(input: { deviceId: string; hwDevId?: string | null | undefined }): Promise<Device>;
  getDevice(key: { pk: number } | { deviceId: string }): Promise<Device | undefined>;
  listDevices(page?: Page): Promise<Device[]>;
  /** Deletes the device with its enrollments, certificates' links, reports and queue. */
  deleteDevice(pk: number): Promise<boolean>;

  /**
   * Creates the device if needed and a new active enrollment. An existing active enrollment of the same kind
   * becomes `replaced` in the same transaction: a re-enrolling device keeps its assignments (they hang off the
   * device), and its unacked commands stay with the old enrollment, which will never collect them.
   */
  enroll(input: EnrollInput): Promise<Enrollment>;
  getEnrollment(id: number): Promise<Enrollment | undefined>;
  findActiveEnrollment(deviceId: string, kind: EnrollmentKind): Promise<Enrollment | undefined>;
  listEnrollments(filter?: EnrollmentFilter): Promise<Enrollment[]>;
  /** Records a management session's arrival; DevInfo is replaced only when given. */
  touchEnrollment(id: number, input?: { devInfo?: Record<string, string> | undefined }): Promise<void>;
  /** Ends an enrollment (device-requested 1226 unenroll, admin retire). Returns false if it was not active. */
  unenroll(id: number): Promise<boolean>;
}
