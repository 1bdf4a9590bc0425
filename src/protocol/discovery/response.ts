import { ProtocolError } from '../errors.ts';
import { supportsEntraRegistered } from './platform.ts';
import type { WinDcDiscoveryRequest } from './request.ts';

export type WinDcAuthPolicy = 'Federated' | 'Certificate';

/** What the discovery service answers with, in the spelling of seed 003 (PascalCase, unlike the request). */
export interface WinDcDiscoveryResponse {
  EnrollmentServiceUrl: string;
  EnrollmentPolicyServiceUrl: string;
  AuthenticationServiceUrl: string;
  AuthPolicy: WinDcAuthPolicy;
  EnrollmentVersion?: string;
  ManagementResource?: string;
  TouUrl?: string;
}

/** The error shape: `errorCode` and `message`, lower camel case as in the seed's response table. */
export interface WinDcDiscoveryError {
  errorCode: string;
  message?: string;
}

/** Asks the client to retry with a UPN (seed 003, "Error handling"). */
export const UPN_REQUIRED = 'UPNRequired';

export type WinDcAuthDecision =
  | { ok: true; authPolicy: WinDcAuthPolicy }
  | { ok: false; reason: 'platform-unsupported'; message: string };

/**
 * The seed's rules: Device, '' and a missing enrollmentType mean Entra joined (Federated, device token); User
 * means Entra registered (Certificate, the parent enrollment's MDM certificate), which needs a July 2024 build.
 */
export function resolveWinDcAuthPolicy(req: WinDcDiscoveryRequest): WinDcAuthDecision {
  if (req.enrollmentType !== 'User') return { ok: true, authPolicy: 'Federated' };
  if (supportsEntraRegistered(req.osVersion)) return { ok: true, authPolicy: 'Certificate' };
  return {
    ok: false,
    reason: 'platform-unsupported',
    message: `WinDC for Entra registered devices needs 19045.4717, 22621/22631.3958, 26100.1301 or later; got ${req.osVersion}`,
  };
}

/** Serialises in the field order of the seed's example, which is also the order of its table. */
export function buildWinDcDiscoveryResponse(res: WinDcDiscoveryResponse): string {
  const out: WinDcDiscoveryResponse = {
    EnrollmentServiceUrl: res.EnrollmentServiceUrl,
    EnrollmentPolicyServiceUrl: res.EnrollmentPolicyServiceUrl,
    AuthenticationServiceUrl: res.AuthenticationServiceUrl,
    AuthPolicy: res.AuthPolicy,
  };
  if (res.EnrollmentVersion !== undefined) out.EnrollmentVersion = res.EnrollmentVersion;
  if (res.ManagementResource !== undefined) out.ManagementResource = res.ManagementResource;
  if (res.TouUrl !== undefined) out.TouUrl = res.TouUrl;
  return JSON.stringify(out);
}

export function buildWinDcDiscoveryError(err: WinDcDiscoveryError): string {
  return JSON.stringify(err.message === undefined ? { errorCode: err.errorCode } : err);
}

export type WinDcDiscoveryAnswer =
  | ({ kind: 'enroll' } & WinDcDiscoveryResponse)
  | ({ kind: 'error' } & WinDcDiscoveryError);

const REQUIRED = ['EnrollmentServiceUrl', 'EnrollmentPolicyServiceUrl', 'AuthenticationServiceUrl'] as const;

/** Reads the service's answer on the device side: an error when errorCode is set, else the enrollment URLs. */
export function readWinDcDiscoveryResponse(text: string): WinDcDiscoveryAnswer {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ProtocolError('DISCOVERY_BAD_RESPONSE', `discovery response is not JSON: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new ProtocolError('DISCOVERY_BAD_RESPONSE', 'discovery response is not a JSON object');
  }
  const o = v as Record<string, unknown>;
  const str = (k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const errorCode = str('errorCode');
  if (errorCode) {
    const message = str('message');
    return message === undefined ? { kind: 'error', errorCode } : { kind: 'error', errorCode, message };
  }
  for (const k of REQUIRED) {
    if (!str(k)) throw new ProtocolError('DISCOVERY_BAD_RESPONSE', `discovery response has no ${k}`);
  }
  const policy = str('AuthPolicy');
  if (policy !== 'Federated' && policy !== 'Certificate') {
    throw new ProtocolError('DISCOVERY_BAD_RESPONSE', `AuthPolicy "${policy ?? ''}" is not Federated or Certificate`);
  }
  const out: WinDcDiscoveryAnswer = {
    kind: 'enroll',
    EnrollmentServiceUrl: str('EnrollmentServiceUrl') as string,
    EnrollmentPolicyServiceUrl: str('EnrollmentPolicyServiceUrl') as string,
    AuthenticationServiceUrl: str('AuthenticationServiceUrl') as string,
    AuthPolicy: policy,
  };
  for (const k of ['EnrollmentVersion', 'ManagementResource', 'TouUrl'] as const) {
    const val = str(k);
    if (val !== undefined) out[k] = val;
  }
  return out;
}
