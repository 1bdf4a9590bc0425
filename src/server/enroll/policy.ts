import { buildGetPoliciesResponse, readGetPoliciesRequest } from '../../protocol/mde2/index.ts';
import { authenticate, type EnrollmentRole } from './auth/index.ts';
import type { EnrollmentService } from './service.ts';
import type { SoapCall } from './soap.ts';

/**
 * MS-XCEP GetPolicies: the key and hash Windows must use for its CSR. The request is authenticated like the
 * enrollment itself, so the policy endpoint tells nothing to a caller who could not enroll. SHA-256 is named
 * explicitly: left nil, Windows signs its request with SHA-1 (as the fleet capture shows).
 */
export async function getPolicies(call: SoapCall, role: EnrollmentRole, svc: EnrollmentService): Promise<string> {
  const req = readGetPoliciesRequest(call.env);
  await authenticate(call.env, role, svc.auth);
  return buildGetPoliciesResponse({
    ...(req.messageId !== undefined ? { relatesTo: req.messageId } : {}),
    activityId: call.activityId,
    minimalKeyLength: 2048,
    hashAlgorithm: 'SHA256',
    validityPeriodSeconds: svc.config.certValidityDays * 86_400,
    renewalPeriodSeconds: svc.config.certRenewDays * 86_400,
  });
}
