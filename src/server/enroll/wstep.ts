import {
  buildRequestSecurityTokenResponse,
  type ContextItem,
  contextValue,
  readRequestSecurityToken,
  serializeProvisioningDoc,
} from '../../protocol/mde2/index.ts';
import { authenticate, type EnrollAuth, type EnrollmentRole } from './auth/index.ts';
import { checkCsr } from './csr.ts';
import { fault } from './faults.ts';
import { enrollmentDoc, generateCredentials, providerIdFor } from './provisioning.ts';
import { enrollmentContext, parentEnrollmentOf, recordEnrollment } from './record.ts';
import { renew } from './renew.ts';
import type { EnrollmentService } from './service.ts';
import type { SoapCall } from './soap.ts';

/** MS-WSTEP RequestSecurityToken: Issue enrolls, Renew replaces the certificate of an existing enrollment. */
export async function requestSecurityToken(
  call: SoapCall,
  role: EnrollmentRole,
  svc: EnrollmentService,
): Promise<string> {
  const rst = readRequestSecurityToken(call.env);
  if (rst.requestType === 'Renew') return renew(call, rst, role, svc);
  if (rst.requestType === 'Recovery') {
    throw fault.notSupported('RECOVERY', 'MDM recovery is not supported: re-enroll the device instead');
  }
  if (rst.request.format !== 'PKCS10') {
    throw fault.messageFormat('ISSUE_NEEDS_PKCS10', 'an Issue request carries a PKCS#10, not a PKCS#7');
  }
  const auth = await authenticate(call.env, role, svc.auth);
  return issue(auth, rst.request.der, rst.context, role, svc, call);
}

/** Where Windows is told to keep the certificate: the machine store for a device enrollment. */
export function clientStoreFor(context: readonly ContextItem[]): 'System' | 'User' {
  return contextValue(context, 'EnrollmentType') === 'Device' ? 'System' : 'User';
}

async function issue(
  auth: EnrollAuth,
  csrDer: Uint8Array,
  context: readonly ContextItem[],
  role: EnrollmentRole,
  svc: EnrollmentService,
  call: SoapCall,
): Promise<string> {
  const { csr, deviceId } = await checkCsr(csrDer, context);
  const { ctx, config } = svc;
  const store = clientStoreFor(context);
  const parentEnrollmentId = role === 'linked' ? await parentEnrollmentOf(ctx.store, auth, deviceId) : null;
  const certificate = await ctx.ca.issueClientCertificate({
    publicKey: csr.publicKey.spki,
    deviceId,
    validityDays: config.certValidityDays,
    now: new Date(ctx.now()),
  });
  const providerId = providerIdFor(config.providerId, role);
  const credentials = generateCredentials(deviceId, role, providerId);
  const recorded = await recordEnrollment(ctx.store, {
    role,
    deviceId,
    hwDevId: contextValue(context, 'HWDevID'),
    parentEnrollmentId,
    context: enrollmentContext(context, auth, store),
    certificate,
    credentials,
    auth,
  });
  const upn = auth.policy === 'Certificate' ? undefined : auth.principal.includes('@') ? auth.principal : undefined;
  const doc = enrollmentDoc({
    role,
    caCertificate: svc.caDer,
    clientCertificate: certificate.der,
    clientStore: store,
    providerId: config.providerId,
    managementUrl: svc.urls.management,
    deviceId,
    upn,
    deviceName: contextValue(context, 'DeviceName'),
    poll: config.poll,
    renewDays: config.certRenewDays,
    credentials,
  });
  call.req.log.info(
    {
      activityId: call.activityId.id,
      deviceId,
      enrollmentId: recorded.enrollment.id,
      kind: role,
      parentEnrollmentId,
      policy: auth.policy,
      serial: certificate.serial,
      replaced: recorded.replaced?.id,
      revoked: recorded.revoked.length,
    },
    'device enrolled',
  );
  return buildRequestSecurityTokenResponse({
    provisioningDoc: serializeProvisioningDoc(doc),
    ...(call.env.addressing.messageId !== undefined ? { relatesTo: call.env.addressing.messageId } : {}),
    activityId: call.activityId,
  });
}
