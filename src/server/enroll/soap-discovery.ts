import { type AuthPolicy, buildDiscoverResponse, readDiscoverRequest } from '../../protocol/mde2/index.ts';
import { fault } from './faults.ts';
import type { EnrollmentService } from './service.ts';
import type { SoapCall } from './soap.ts';

/**
 * The highest MS-MDE2 version windc speaks. 5.0 and later make Windows attach TPM attestation claims, which
 * windc would only ignore; 4.0 is what Fleet advertises to Windows 10 and 11 alike.
 */
export const ENROLLMENT_VERSION = '4.0';

/**
 * Picks the policy for a classic (primary MDM) enrollment from the ones the client offers. Federated needs a
 * token windc can verify (--tenants) and is preferred only when it can actually be obtained: through an
 * external STS, or because the client offers nothing else (Entra auto-enrollment arrives with its token). Else
 * OnPremise, with an enrollment secret or a configured user.
 */
export function choosePrimaryPolicy(offered: readonly string[], svc: EnrollmentService): AuthPolicy | undefined {
  const has = (p: string) => offered.some((o) => o.toLowerCase() === p.toLowerCase());
  const federation = svc.config.federation !== undefined;
  if (has('Federated') && federation && (svc.config.stsUrl !== undefined || !has('OnPremise'))) return 'Federated';
  if (has('OnPremise')) return 'OnPremise';
  return undefined;
}

/** MS-MDE2 §3.1 Discover, answered for windc as the device's primary MDM. */
export async function discover(call: SoapCall, svc: EnrollmentService): Promise<string> {
  const req = readDiscoverRequest(call.env);
  const policy = choosePrimaryPolicy(req.authPolicies, svc);
  if (!policy) {
    throw fault.notSupported(
      'NO_COMMON_POLICY',
      `windc enrolls with OnPremise${svc.config.federation ? ' or Federated' : ''}; the device offered ${req.authPolicies.join(', ') || 'none'}`,
    );
  }
  return buildDiscoverResponse({
    authPolicy: policy,
    enrollmentVersion: ENROLLMENT_VERSION,
    enrollmentPolicyServiceUrl: svc.urls.policy('primary'),
    enrollmentServiceUrl: svc.urls.enrollment('primary'),
    ...(policy === 'Federated' ? { authenticationServiceUrl: svc.urls.authentication } : {}),
    ...(req.messageId !== undefined ? { relatesTo: req.messageId } : {}),
    activityId: call.activityId,
  });
}
