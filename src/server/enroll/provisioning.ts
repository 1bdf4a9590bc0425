import { createHash, randomBytes } from 'node:crypto';
import type { PollSchedule } from '../../protocol/csp/index.ts';
import {
  buildMdmProvisioningDoc,
  certificateThumbprint,
  characteristic,
  encodeBase64,
  type MdmProvisioningInput,
  type ProvisioningDoc,
  parm,
} from '../../protocol/mde2/index.ts';
import type { DeviceCredentials } from '../../store/index.ts';
import type { EnrollmentRole } from './auth/index.ts';

/**
 * What goes into the wap-provisioningdoc of an enrollment, assembled from plain values so it can be tested
 * without a server. The OMA-DM account it creates (w7 APPLICATION) authenticates both ways with DIGEST, each
 * side with its own random secret and an initial nonce: Windows 11 26200 refuses a document without AAUTHDATA
 * (OBSERVATIONS.md, event 17 / 0x80070057).
 */
export interface AccountCredentials {
  /** APPSRV: what the device presents to windc. */
  device: { name: string; secret: string; nonce: string };
  /** CLIENT: what windc presents to the device. */
  server: { name: string; secret: string; nonce: string };
}

/** Device-side names are per account, so a device enrolled with windc twice (primary and linked) has two. */
export function accountName(deviceId: string, role: EnrollmentRole): string {
  return role === 'primary' ? deviceId : `${deviceId}-linked`;
}

/**
 * The provider of the second account must differ from the first: a device holds one DMClient Provider node
 * per ProviderID, and windc may well be that device's primary MDM too.
 */
export function providerIdFor(providerId: string, role: EnrollmentRole): string {
  return role === 'primary' ? providerId : `${providerId}-declared`;
}

export function generateCredentials(deviceId: string, role: EnrollmentRole, serverName: string): AccountCredentials {
  // One draw for all four values: 192-bit secrets and 128-bit nonces, as four separate calls would give.
  const r = randomBytes(80);
  return {
    device: {
      name: accountName(deviceId, role),
      secret: r.subarray(0, 24).toString('base64url'),
      nonce: r.subarray(48, 64).toString('base64'),
    },
    server: {
      name: serverName,
      secret: r.subarray(24, 48).toString('base64url'),
      nonce: r.subarray(64).toString('base64'),
    },
  };
}

/** syncml:auth-md5 keeps B64(MD5(name:secret)); the device's secret itself is never stored. */
export function md5CredentialDigest(name: string, secret: string): string {
  return createHash('md5').update(`${name}:${secret}`, 'utf8').digest('base64');
}

export function storedCredentials(
  enrollmentId: number,
  creds: AccountCredentials,
): Omit<DeviceCredentials, 'createdAt'> {
  return {
    enrollmentId,
    deviceName: creds.device.name,
    deviceSecretDigest: md5CredentialDigest(creds.device.name, creds.device.secret),
    deviceNonce: creds.device.nonce,
    serverName: creds.server.name,
    serverSecret: creds.server.secret,
    serverNonce: creds.server.nonce,
  };
}

export interface EnrollmentDocParams {
  role: EnrollmentRole;
  caCertificate: Uint8Array;
  clientCertificate: Uint8Array;
  clientStore: 'System' | 'User';
  /** The configured ProviderID; the linked account's is derived from it. */
  providerId: string;
  managementUrl: string;
  deviceId: string;
  upn?: string | undefined;
  deviceName?: string | undefined;
  poll: PollSchedule;
  renewDays: number;
  credentials: AccountCredentials;
}

/** Windows retries a failed automatic renewal this often until the certificate expires (Learn suggests 4-5). */
export const RENEW_RETRY_DAYS = 4;

export function enrollmentDocInput(p: EnrollmentDocParams): MdmProvisioningInput {
  const providerId = providerIdFor(p.providerId, p.role);
  return {
    rootCertificate: p.caCertificate,
    clientCertificate: p.clientCertificate,
    clientStore: p.clientStore,
    renew: { roboSupport: true, renewPeriodDays: p.renewDays, retryIntervalDays: RENEW_RETRY_DAYS },
    application: {
      providerId,
      name: p.role === 'primary' ? 'windc' : 'windc declared configuration',
      addr: p.managementUrl,
      defaultEncoding: 'application/vnd.syncml.dm+xml',
      appsrv: { type: 'DIGEST', ...p.credentials.device },
      client: { type: 'DIGEST', ...p.credentials.server },
    },
    dmClient: {
      entDmId: p.deviceId,
      ...(p.upn ? { upn: p.upn } : {}),
      ...(p.deviceName ? { entDeviceName: p.deviceName } : {}),
      poll: { ...p.poll, pollOnLogin: true },
    },
  };
}

export function enrollmentDoc(p: EnrollmentDocParams): ProvisioningDoc {
  return buildMdmProvisioningDoc(enrollmentDocInput(p));
}

/**
 * A renewal answers with the new certificate only (Learn, "Certificate Renewal": "the Provisioning XML only
 * needs to have the new certificate"), nested as that page's example nests it, plus the provider it belongs to.
 */
export function renewalDoc(p: {
  caCertificate: Uint8Array;
  clientCertificate: Uint8Array;
  clientStore: 'System' | 'User';
  providerId: string;
}): ProvisioningDoc {
  const cert = (der: Uint8Array, ...extra: ReturnType<typeof characteristic>[]) =>
    characteristic(certificateThumbprint(der), parm('EncodedCertificate', encodeBase64(der)), ...extra);
  return {
    version: '1.1',
    characteristics: [
      characteristic(
        'CertificateStore',
        characteristic('Root', characteristic('System', cert(p.caCertificate))),
        characteristic(
          'My',
          characteristic(p.clientStore, cert(p.clientCertificate, characteristic('PrivateKeyContainer'))),
        ),
      ),
      characteristic('APPLICATION', parm('PROVIDER-ID', p.providerId)),
    ],
  };
}
