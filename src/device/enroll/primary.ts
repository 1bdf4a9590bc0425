/**
 * Classic MDM enrollment, windc as the device's primary MDM: what "Access work or school" → "Enroll only in
 * device management" runs. The order and headers are the Fleet capture's: an empty GET on Discovery.svc, the
 * SOAP Discover (RequestVersion 4.0, OnPremise and Federated offered, as Windows 10 sent), MS-XCEP GetPolicies
 * and MS-WSTEP RequestSecurityToken to the URLs the answer names, then the provisioning document.
 */
import { randomUUID } from 'node:crypto';
import {
  type AuthPolicy,
  buildDiscoverRequest,
  FAULT_SUBCODES,
  readDiscoverResponse,
} from '../../protocol/mde2/index.ts';
import type { AccountInfo } from '../account.ts';
import type { Device } from '../device.ts';
import { HResultError } from '../hresult.ts';
import { discoveryProbeHeaders } from '../net/headers.ts';
import { NetworkError } from '../net/transport.ts';
import { additionalContext } from './context.ts';
import type { EnrollCredential } from './credential.ts';
import type { KeySource } from './keys.ts';
import {
  type EnrollHttp,
  fetchPolicy,
  HRESULT_CANNOT_CONNECT,
  httpStatusHResult,
  requestCertificate,
  soapCall,
} from './mde2.ts';
import { applyProvisioning } from './provision.ts';
import type { EnrollmentRecord, EnrollmentStore } from './record.ts';

export const DISCOVERY_PATH = '/EnrollmentServer/Discovery.svc';

export interface PrimaryEnrollInput {
  http: EnrollHttp;
  device: Device;
  store: EnrollmentStore;
  /** A server base URL, or the full Discovery.svc URL. */
  server: string;
  /** The work account the person typed (Discover's EmailAddress, the OnPremise user name). */
  email: string;
  /** The OnPremise password: a windc enrollment secret. */
  secret?: string;
  /** A token for the Federated policy, when the server picks it. */
  federatedToken?: (audience: string) => string;
  keys: KeySource;
  now?: number;
}

/** Discovery.svc under a bare server URL; a URL with a path is taken as the discovery URL itself. */
export function discoveryUrl(server: string): string {
  const u = new URL(server);
  if (u.pathname === '/' || u.pathname === '') u.pathname = DISCOVERY_PATH;
  return u.toString();
}

export async function enrollPrimary(
  input: PrimaryEnrollInput,
): Promise<{ account: AccountInfo; record: EnrollmentRecord }> {
  const { http, device } = input;
  const url = discoveryUrl(input.server);
  await probe(http, url);
  const discover = buildDiscoverRequest({
    messageId: `urn:uuid:${randomUUID()}`,
    to: url,
    emailAddress: input.email,
    requestVersion: '4.0',
    applicationVersion: device.identity.osVersion,
    osEdition: 4,
    authPolicies: ['OnPremise', 'Federated'],
  });
  const answer = readDiscoverResponse(await soapCall(http, url, discover));
  const cred = credentialFor(answer.authPolicy, input, answer.enrollmentServiceUrl);
  const policyUrl = answer.enrollmentPolicyServiceUrl ?? answer.enrollmentServiceUrl;
  const policy = await fetchPolicy(http, policyUrl, cred);
  const issued = await requestCertificate(http, answer.enrollmentServiceUrl, cred, policy, {
    devId: device.identity.devId,
    keys: input.keys,
    context: additionalContext({
      identity: device.identity,
      uxInitiated: true,
      enrollmentType: 'Full',
      advertisedVersion: answer.enrollmentVersion,
    }),
  });
  return applyProvisioning({
    device,
    store: input.store,
    kind: 'primary',
    authPolicy: answer.authPolicy,
    provisioningDoc: issued.provisioningDoc,
    key: issued.key,
    now: input.now ?? Date.now(),
  });
}

function credentialFor(policy: AuthPolicy, input: PrimaryEnrollInput, audience: string): EnrollCredential {
  if (policy === 'OnPremise') {
    if (input.secret === undefined)
      throw new HResultError(FAULT_SUBCODES.Authentication.hresult, 'the server wants a password (OnPremise)');
    return { policy, username: input.email, password: input.secret };
  }
  if (policy === 'Federated' && input.federatedToken) {
    return { policy, token: input.federatedToken(new URL(audience).origin) };
  }
  throw new HResultError(
    FAULT_SUBCODES.Authentication.hresult,
    `the server chose ${policy} authentication, which this device cannot satisfy`,
  );
}

/** The empty GET Windows sends first; anything but 200 ends enrollment there. */
async function probe(http: EnrollHttp, url: string): Promise<void> {
  try {
    const res = await http.transport.send({
      method: 'GET',
      url: new URL(url),
      headers: discoveryProbeHeaders(),
      ...(http.tls ? { tls: http.tls } : {}),
      ...(http.faults ? { faults: http.faults } : {}),
    });
    if (res.status !== 200) throw new HResultError(httpStatusHResult(res.status), `GET ${url}: HTTP ${res.status}`);
  } catch (e) {
    if (e instanceof NetworkError) throw new HResultError(HRESULT_CANNOT_CONNECT, e.message, { cause: e });
    throw e;
  }
}
