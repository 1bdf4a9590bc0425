import type { EpochMs } from './types.ts';

/**
 * A shared secret an admin hands out for OnPremise enrollment (the password typed into Windows' "Access work or
 * school" dialog). The store only ever sees its SHA-256: the secrets are random and high-entropy, so a plain
 * hash is enough and lets the server look one up without knowing which it is.
 */
export interface EnrollmentSecret {
  id: number;
  name: string;
  createdAt: EpochMs;
  expiresAt: EpochMs | null;
  revokedAt: EpochMs | null;
  lastUsedAt: EpochMs | null;
  /** Enrollments completed with it (policy requests do not count). */
  useCount: number;
}

export interface EnrollmentSecretStore {
  /** CONFLICT when the name or the hash is taken. */
  create(input: {
    name: string;
    secretHash: string;
    expiresAt?: EpochMs | null | undefined;
  }): Promise<EnrollmentSecret>;
  /** Every secret ever created, revoked and expired ones included, oldest first. */
  list(): Promise<EnrollmentSecret[]>;
  /** False when no secret has that name or it is already revoked (the first revocation's time is kept). */
  revoke(name: string): Promise<boolean>;
  /**
   * The secret with this hash if it is usable: not revoked, not expired. `recordUse` counts an enrollment and
   * stamps lastUsedAt in the same statement, so a secret revoked concurrently is never counted.
   */
  verify(secretHash: string, options?: { recordUse?: boolean | undefined }): Promise<EnrollmentSecret | undefined>;
}

/**
 * The OMA-DM application credentials the provisioning document gave one enrollment (w7 APPLICATION APPAUTH).
 * The w7 CSP names them from the device's side: AAUTHLEVEL APPSRV is what the device presents to the server,
 * CLIENT what the server presents to the device. Nonces are the initial AAUTHDATA values, which the device
 * uses until the server sends a NextNonce.
 */
export interface DeviceCredentials {
  enrollmentId: number;
  /** APPSRV AAUTHNAME: the user name in the device's SyncHdr Cred. */
  deviceName: string;
  /**
   * base64(MD5(name ":" secret)): the stored form syncml:auth-md5 needs (H(B64(H(name:secret)):nonce)). The
   * secret itself is not kept.
   */
  deviceSecretDigest: string;
  /** APPSRV AAUTHDATA, base64: the nonce the device's first Cred is computed with. */
  deviceNonce: string;
  /** CLIENT AAUTHNAME. */
  serverName: string;
  /** CLIENT AAUTHSECRET in clear: the server computes its own digest from it, so a hash would not do. */
  serverSecret: string;
  /** CLIENT AAUTHDATA, base64. */
  serverNonce: string;
  createdAt: EpochMs;
}

export interface DeviceCredentialStore {
  /** Creates or replaces the enrollment's credentials. NOT_FOUND when the enrollment does not exist. */
  put(input: Omit<DeviceCredentials, 'createdAt'>): Promise<DeviceCredentials>;
  get(enrollmentId: number): Promise<DeviceCredentials | undefined>;
}

/**
 * Keys accepted once until they expire, shared by every process on the database. A signed enrollment request
 * (WS-Security, Certificate auth) is accepted once per signature: the signature may cover only the Timestamp,
 * so a replayed one could be lifted onto another body within its lifetime, on whichever process it reaches.
 */
export interface UsedOnceStore {
  /** True the first time `key` is claimed; false while an earlier claim holds, that is until its `expiresAt`. */
  claim(key: string, expiresAt: EpochMs): Promise<boolean>;
}
