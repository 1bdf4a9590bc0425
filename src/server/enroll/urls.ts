import type { EnrollmentRole } from './auth/index.ts';

/**
 * Where each enrollment service lives. The primary-MDM endpoints sit at the well-known MS-MDE2 paths Windows
 * probes (`EnterpriseEnrollment.<domain>/EnrollmentServer/Discovery.svc`); the WinDC (linked) enrollment gets
 * its own pair, named only in the JSON discovery answer, so a request's role follows from where it arrives and
 * not from guessing at its token.
 */
export const PATHS = {
  windcDiscovery: '/EnrollmentConfiguration',
  discovery: '/EnrollmentServer/Discovery.svc',
  policy: { primary: '/EnrollmentServer/Policy.svc', linked: '/EnrollmentServer/Linked/Policy.svc' },
  enrollment: { primary: '/EnrollmentServer/Enrollment.svc', linked: '/EnrollmentServer/Linked/Enrollment.svc' },
  /** AuthenticationServiceUrl when no external STS is configured: a page saying where tokens come from. */
  auth: '/EnrollmentServer/Auth',
  management: '/ManagementServer/MDM.svc',
} as const;

export interface EnrollmentUrls {
  policy(role: EnrollmentRole): string;
  enrollment(role: EnrollmentRole): string;
  authentication: string;
  management: string;
}

export function enrollmentUrls(publicUrl: string, stsUrl: string | undefined): EnrollmentUrls {
  return {
    policy: (role) => publicUrl + PATHS.policy[role],
    enrollment: (role) => publicUrl + PATHS.enrollment[role],
    authentication: stsUrl ?? publicUrl + PATHS.auth,
    management: publicUrl + PATHS.management,
  };
}
