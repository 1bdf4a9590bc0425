/**
 * The HTTP headers Windows sends, byte for byte as captured: the OMA-DM client's (marcosd4h and Fleet captures,
 * Windows 10 21H1) and the enrollment client's (Fleet capture). WinDC discovery is JSON with the MS-CV and
 * client-request-id headers seed 003 lists.
 */
import { randomBytes } from 'node:crypto';

export const OMADM_USER_AGENT = 'MSFT OMA DM Client/1.2.0.1';
export const ENROLL_USER_AGENT = 'ENROLLClient';
export const SYNCML_XML = 'application/vnd.syncml.dm+xml';
export const SOAP_XML = 'application/soap+xml; charset=utf-8';

/**
 * A Microsoft correlation vector as the OMA-DM client writes it: a 16-character base64 base and three extension
 * levels, the last counting up (`a/tCeBgffEqA5408.0.0.0`, then `.0.0.1` on the next request in Fleet's dump).
 */
export class CorrelationVector {
  private readonly base: string;
  private n = 0;

  constructor(base?: string) {
    this.base = base ?? randomBytes(12).toString('base64');
  }

  /** The vector for the next request. */
  next(): string {
    return `${this.base}.0.0.${this.n++}`;
  }
}

/**
 * The management URL as the client extends it ([MS-MDM] §2.1, every capture): `mode=Maintenance` because the
 * emulator is always the SYSTEM-context client with the user profile loaded.
 */
export function managementUrl(serverUrl: string): URL {
  const u = new URL(serverUrl);
  u.searchParams.set('mode', 'Maintenance');
  u.searchParams.set('Platform', 'WoA');
  return u;
}

/**
 * Headers of an OMA-DM POST, in the captured order. Client-Request-Id is `0` until the server sets EntDMID,
 * then that value ([MS-MDM] product note 8).
 */
export function omadmHeaders(cv: string, clientRequestId: string | undefined): Record<string, string> {
  return {
    Accept: 'application/vnd.syncml.dm+xml, application/vnd.syncml.dm+wbxml, application/octet-stream',
    'Accept-Charset': 'UTF-8',
    'Client-Request-Id': clientRequestId || '0',
    'Content-Type': SYNCML_XML,
    'Ms-Cv': cv,
    'User-Agent': OMADM_USER_AGENT,
  };
}

/** The enrollment client's SOAP POSTs (Discover, GetPolicies, RequestSecurityToken). */
export function soapHeaders(): Record<string, string> {
  return { 'Content-Type': SOAP_XML, 'User-Agent': ENROLL_USER_AGENT };
}

/** The empty GET that precedes Discover (Fleet capture): the enrollment client checks the service is there. */
export function discoveryProbeHeaders(): Record<string, string> {
  return { 'Cache-Control': 'no-cache', Pragma: 'no-cache', 'User-Agent': ENROLL_USER_AGENT };
}

/** WinDC JSON discovery (seed 003's header table). */
export function winDcDiscoveryHeaders(cv: string, requestId: string): Record<string, string> {
  return { 'Content-Type': 'application/json', 'MS-CV': cv, 'client-request-id': requestId };
}
