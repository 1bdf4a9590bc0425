/**
 * What Windows 11 26200 puts in the RequestSecurityToken's AdditionalContext, item by item in its order
 * (fixtures/windows-26200/enrollment-context.json, whose values are lengths unless non-identifying): UXInitiated,
 * HWDevID, Locale, TargetedUserLoggedIn, OSEdition, DeviceName, one MAC per adapter, DeviceID, EnrollmentType,
 * DeviceType, OSVersion, ApplicationVersion, NotInOobe, Manufacturer, DeviceModel, SerialNumber, RequestVersion,
 * then the attestation outcome.
 *
 * RequestVersion followed what the server advertised in a way only three runs show: 3.0 and 9.0 gave 9.0 with
 * "no attestation", 5.0 gave 5.0 with AIK claims first. The emulator has no TPM: for 5.0 it sends 5.0 without the
 * AIK items (a server must cope with a device that cannot attest), otherwise the 9.0 shape with the capture's
 * attestation status.
 */
import { createHash } from 'node:crypto';
import type { ContextItem } from '../../protocol/mde2/index.ts';
import type { DeviceIdentity } from '../identity.ts';

export interface ContextInput {
  identity: DeviceIdentity;
  /** True for an enrollment a person started in Settings; false for one a scheduled task runs (WinDC). */
  uxInitiated: boolean;
  /** `Full` for a user-driven MDM enrollment (captured); `Device` for a device enrollment. */
  enrollmentType: 'Full' | 'Device';
  /** EnrollmentVersion of the discovery answer. */
  advertisedVersion: string | undefined;
}

/** PRODUCT_ENTERPRISE: the one-digit OSEdition the 26200 Enterprise capture sent. */
const OS_EDITION_ENTERPRISE = '4';

/** Stable per device: the MACs and serial number are derived from its identity, not invented per request. */
function derived(identity: DeviceIdentity, label: string, length: number): string {
  return createHash('sha256').update(`${label}:${identity.hwDevId}`).digest('hex').toUpperCase().slice(0, length);
}

export function macAddresses(identity: DeviceIdentity): string[] {
  return [0, 1].map((i) => {
    const hex = derived(identity, `mac${i}`, 12);
    // Locally administered, unicast: never a vendor's real range.
    const first = ((Number.parseInt(hex.slice(0, 2), 16) & 0xfc) | 0x02).toString(16).toUpperCase().padStart(2, '0');
    return `${first}${hex.slice(2)}`.match(/../g)?.join('-') ?? '';
  });
}

export function requestVersionFor(advertised: string | undefined): string {
  return advertised === '5.0' ? '5.0' : '9.0';
}

export function additionalContext(input: ContextInput): ContextItem[] {
  const id = input.identity;
  const item = (name: string, value: string): ContextItem => ({ name, value });
  const version = requestVersionFor(input.advertisedVersion);
  const items: ContextItem[] = [
    item('UXInitiated', String(input.uxInitiated)),
    item('HWDevID', id.hwDevId),
    item('Locale', id.language),
    item('TargetedUserLoggedIn', 'true'),
    item('OSEdition', OS_EDITION_ENTERPRISE),
    item('DeviceName', id.deviceName),
    ...macAddresses(id).map((m) => item('MAC', m)),
    item('DeviceID', id.devId),
    item('EnrollmentType', input.enrollmentType),
    item('DeviceType', 'CIMClient_Windows'),
    item('OSVersion', id.osVersion),
    item('ApplicationVersion', id.osVersion),
    item('NotInOobe', 'false'),
    item('Manufacturer', id.manufacturer),
    item('DeviceModel', id.model),
    item('SerialNumber', derived(id, 'serial', 14)),
    item('RequestVersion', version),
  ];
  if (version !== '5.0') {
    items.push(
      item('AttestationStatus', 'Status=AttestationResultNoAttestation;AttestationErrorMsg=No AIK algorithms provided'),
      item('AttestationStatusHResult', '0x80070057'),
    );
  }
  return items;
}
