/**
 * The WinDC (linked) enrollment that DMClient LinkedEnrollment/Enroll starts, [MS-MDE2] §2.2.9.3 and seeds
 * 001/003: JSON discovery at the DiscoveryEndpoint, then MS-XCEP and MS-WSTEP with the credential the answer's
 * AuthPolicy names, and a second OMA-DM account linked to the primary.
 *
 * - Discovery body: the seed's fields, `enrollmentType` Device for an Entra-joined device and User for a
 *   registered one; the UPN is left out first and sent only when the service answers UPNRequired, which is the
 *   retry the seed describes. Retry-After is obeyed by the transport.
 * - Federated: the Entra device token, from the emulated tenant's issuer, for the ManagementResource audience.
 * - Certificate: the primary enrollment's certificate and key sign the requests.
 * - The RST context says EnrollmentType Device for a joined device; UXInitiated is false, the enrollment being
 *   run by a scheduled task (deviceenroller /EnrollMmpc), not by a person.
 */
import { randomUUID } from 'node:crypto';
import {
  buildWinDcDiscoveryRequest,
  readWinDcDiscoveryResponse,
  UPN_REQUIRED,
  type WinDcDiscoveryAnswer,
  type WinDcDiscoveryRequest,
} from '../../protocol/discovery/index.ts';
import { ENROLLMENT_ERROR_TYPES, FAULT_SUBCODES } from '../../protocol/mde2/index.ts';
import type { AccountInfo } from '../account.ts';
import type { Device } from '../device.ts';
import { HResult, HResultError } from '../hresult.ts';
import type { TokenIssuer } from '../issuer.ts';
import { type CorrelationVector, winDcDiscoveryHeaders } from '../net/headers.ts';
import { additionalContext } from './context.ts';
import type { EnrollCredential } from './credential.ts';
import type { KeySource } from './keys.ts';
import { type EnrollHttp, fetchPolicy, httpStatusHResult, post, requestCertificate } from './mde2.ts';
import { applyProvisioning } from './provision.ts';
import type { EnrollmentRecord, EnrollmentStore, EntraState } from './record.ts';

/** NTE_NOT_FOUND: the parent enrollment has no certificate to authenticate with. */
export const HRESULT_NO_PARENT_CERTIFICATE = 0x80090011;

export interface LinkedEnrollInput {
  http: EnrollHttp;
  cv: CorrelationVector;
  device: Device;
  store: EnrollmentStore;
  primary: AccountInfo;
  discoveryEndpoint: string;
  entra: EntraState;
  issuer: TokenIssuer | undefined;
  keys: KeySource;
  now?: number;
}

export async function enrollLinked(
  input: LinkedEnrollInput,
): Promise<{ account: AccountInfo; record: EnrollmentRecord }> {
  const { device, entra } = input;
  const request: WinDcDiscoveryRequest = {
    enrollmentType: entra.joinType === 'joined' ? 'Device' : 'User',
    osVersion: device.identity.osVersion,
    emmDeviceId: device.identity.devId,
  };
  if (input.issuer) request.tenantId = input.issuer.tenantId;
  let answer = await discover(input, request);
  if (answer.kind === 'error' && answer.errorCode === UPN_REQUIRED && entra.upn) {
    answer = await discover(input, { ...request, upn: entra.upn, userDomain: entra.upn.split('@')[1] ?? '' });
  }
  if (answer.kind === 'error') {
    const known = ENROLLMENT_ERROR_TYPES[answer.errorCode as keyof typeof ENROLLMENT_ERROR_TYPES];
    throw new HResultError(
      known ?? FAULT_SUBCODES.EnrollmentServer.hresult,
      `discovery refused: ${answer.errorCode}${answer.message ? `: ${answer.message}` : ''}`,
    );
  }
  const cred = await credentialFor(input, answer.AuthPolicy, answer.ManagementResource ?? answer.EnrollmentServiceUrl);
  const policy = await fetchPolicy(input.http, answer.EnrollmentPolicyServiceUrl, cred);
  const issued = await requestCertificate(input.http, answer.EnrollmentServiceUrl, cred, policy, {
    devId: device.identity.devId,
    keys: input.keys,
    context: additionalContext({
      identity: device.identity,
      uxInitiated: false,
      enrollmentType: entra.joinType === 'joined' ? 'Device' : 'Full',
      advertisedVersion: answer.EnrollmentVersion,
    }),
  });
  return applyProvisioning({
    device,
    store: input.store,
    kind: 'windc',
    linkedTo: input.primary.id,
    authPolicy: answer.AuthPolicy,
    provisioningDoc: issued.provisioningDoc,
    key: issued.key,
    now: input.now ?? Date.now(),
  });
}

async function discover(input: LinkedEnrollInput, body: WinDcDiscoveryRequest): Promise<WinDcDiscoveryAnswer> {
  const res = await post(
    input.http,
    input.discoveryEndpoint,
    buildWinDcDiscoveryRequest(body),
    winDcDiscoveryHeaders(input.cv.next(), randomUUID()),
  );
  try {
    return readWinDcDiscoveryResponse(res.body);
  } catch (e) {
    const hr = res.status === 200 ? FAULT_SUBCODES.MessageFormat.hresult : httpStatusHResult(res.status);
    throw new HResultError(hr, `discovery at ${input.discoveryEndpoint}: HTTP ${res.status}: ${(e as Error).message}`);
  }
}

async function credentialFor(input: LinkedEnrollInput, policy: string, audience: string): Promise<EnrollCredential> {
  if (policy === 'Federated') {
    if (!input.issuer) {
      throw new HResultError(HResult.NOT_IMPLEMENTED, 'no Entra token issuer is configured for this device');
    }
    const token = input.issuer.deviceToken({
      audience,
      deviceId: input.entra.deviceId,
      ...(input.entra.upn ? { upn: input.entra.upn } : {}),
    });
    return { policy, token };
  }
  const record = input.store.get(input.primary.id);
  const tls = record ? await input.store.readTls(record.tlsDir) : undefined;
  if (!tls) {
    throw new HResultError(HRESULT_NO_PARENT_CERTIFICATE, 'the primary enrollment has no MDM certificate to sign with');
  }
  return { policy: 'Certificate', certPem: tls.cert, keyPem: tls.key };
}
