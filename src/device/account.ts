/**
 * OMA-DM accounts. A Windows device managed through WinDC has two: the primary MDM enrollment, and the linked
 * WinDC enrollment that primary's LinkedEnrollment/Enroll creates. Each account talks to its own server and owns its
 * DeclaredConfiguration documents; the CSP tree, the sandbox and the event log belong to the device.
 */
import { randomUUID } from 'node:crypto';

export type AccountKind = 'primary' | 'windc';

/**
 * Which DeclaredConfiguration nodes an account may use. The 26200 capture answered 406 on a primary enrollment for
 * ManagementServiceConfiguration/RefreshInterval, Host/BulkTemplate and the User-scope root; how a linked WinDC
 * enrollment answers is not captured, so there everything is supported by default.
 */
export interface DeclaredFeatures {
  documents: boolean;
  managementServiceConfiguration: boolean;
  bulkTemplate: boolean;
  userScope: boolean;
}

export interface AccountConfig {
  /** The enrollment id; the event log's "Configuration Source ID" / "Enrollment Id". Default: a new GUID. */
  id?: string;
  kind: AccountKind;
  /** DMClient ProviderID, URI-encoded as it appears in LocURIs (`MS%20DM%20SERVER`). */
  providerId: string;
  /** Where the networking half sends this account's sessions. */
  serverUrl?: string;
  /** For a WinDC account: the primary account whose LinkedEnrollment created it. */
  linkedTo?: string;
  /** Event-log "Enrollment Name"/"Enrollment Type". */
  enrollmentName?: string;
  /** Event-log "Enroll Type". */
  enrollType?: number;
  features?: Partial<DeclaredFeatures>;
}

export interface AccountInfo {
  readonly id: string;
  readonly kind: AccountKind;
  readonly providerId: string;
  readonly serverUrl: string | undefined;
  readonly linkedTo: string | undefined;
  readonly enrollmentName: string;
  readonly enrollType: number;
  readonly features: Readonly<DeclaredFeatures>;
}

const DEFAULTS: Record<AccountKind, { enrollmentName: string; enrollType: number; features: DeclaredFeatures }> = {
  // Seed 001's WinDC events and the 0x1A EnrollmentType reported for MMP-C enrollments.
  windc: {
    enrollmentName: 'MicrosoftManagementPlatformCloud',
    enrollType: 0x1a,
    features: { documents: true, managementServiceConfiguration: true, bulkTemplate: true, userScope: true },
  },
  // The resource-access page's ownership event names an Entra-joined MDM enrollment; Intune's primary is type 6.
  primary: {
    enrollmentName: 'MDMDeviceWithAAD',
    enrollType: 0x6,
    features: { documents: true, managementServiceConfiguration: false, bulkTemplate: false, userScope: false },
  },
};

export function accountInfo(config: AccountConfig): AccountInfo {
  const d = DEFAULTS[config.kind];
  if (config.providerId === '' || /[/\s]/.test(config.providerId)) {
    throw new Error(`ProviderID '${config.providerId}' must be one URI segment (URI-encode spaces)`);
  }
  return Object.freeze({
    id: config.id ?? randomUUID().toUpperCase(),
    kind: config.kind,
    providerId: config.providerId,
    serverUrl: config.serverUrl,
    linkedTo: config.linkedTo,
    enrollmentName: config.enrollmentName ?? d.enrollmentName,
    enrollType: config.enrollType ?? d.enrollType,
    features: Object.freeze({ ...d.features, ...config.features }),
  });
}

/** The form stored in device.json; reading it back gives the same AccountInfo. */
export function accountConfig(a: AccountInfo): AccountConfig {
  const c: AccountConfig = {
    id: a.id,
    kind: a.kind,
    providerId: a.providerId,
    enrollmentName: a.enrollmentName,
    enrollType: a.enrollType,
    features: { ...a.features },
  };
  if (a.serverUrl !== undefined) c.serverUrl = a.serverUrl;
  if (a.linkedTo !== undefined) c.linkedTo = a.linkedTo;
  return c;
}
