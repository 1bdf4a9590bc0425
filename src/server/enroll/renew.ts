import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import {
  buildRequestSecurityTokenResponse,
  decodeRenewalRequest,
  type RequestSecurityToken,
  serializeProvisioningDoc,
  verifyRenewalRequest,
} from '../../protocol/mde2/index.ts';
import { authenticate, type EnrollmentRole } from './auth/index.ts';
import { checkCsr } from './csr.ts';
import { EnrollmentFault, fault } from './faults.ts';
import { providerIdFor, renewalDoc } from './provisioning.ts';
import type { EnrollmentService } from './service.ts';
import type { SoapCall } from './soap.ts';

const DAY = 86_400_000;

/**
 * MS-WSTEP Renew (Learn, "Certificate Renewal"). Automatic renewal (ROBO) authenticates with the current
 * certificate over TLS and sends no security token; manual renewal sends the enrollment credentials instead.
 * Either way the PKCS#7 must be signed by the certificate being renewed, which must be windc's, unrevoked,
 * belong to an active enrollment and be inside its renewal window. The old certificate is not revoked: it
 * expires within the window anyway, and a device whose response got lost can then still renew with it.
 */
export async function renew(
  call: SoapCall,
  rst: RequestSecurityToken,
  role: EnrollmentRole,
  svc: EnrollmentService,
): Promise<string> {
  const { ctx, config } = svc;
  if (rst.request.format !== 'PKCS7') {
    throw fault.messageFormat(
      'RENEW_NEEDS_PKCS7',
      'a Renew request carries a PKCS#7 signed with the current certificate',
    );
  }
  const token = decodeRenewalRequest(rst.request.der);
  const tls = peerCertificate(call.req);
  if (!tls) {
    if (!call.env.security) {
      throw fault.authentication(
        'RENEW_UNAUTHENTICATED',
        'a renewal needs the current certificate as TLS client certificate, or the enrollment credentials',
      );
    }
    await authenticate(call.env, role, svc.auth);
  }
  const signer = await verifyRenewalRequest(token, tls ? [tls] : []);
  if (!signer) {
    throw fault.authentication('RENEW_SIGNATURE', 'the PKCS#7 signature does not verify with the certificate it names');
  }
  const thumbprint = sha1(signer);
  if (tls && thumbprint !== sha1(tls)) {
    throw fault.authentication('RENEW_SIGNER_MISMATCH', 'the PKCS#7 is signed by another certificate than the TLS one');
  }
  const known = await ctx.store.certificates.findByThumbprint(thumbprint);
  if (!known) throw fault.authentication('RENEW_UNKNOWN_CERT', 'the certificate being renewed was not issued by windc');
  if (known.revokedAt !== null) throw fault.authentication('RENEW_REVOKED', 'the certificate being renewed is revoked');
  const enrollment =
    known.enrollmentId === null ? undefined : await ctx.store.devices.getEnrollment(known.enrollmentId);
  const notEligible = (code: string, message: string) =>
    new EnrollmentFault('Authorization', code, message, { errorType: 'NotEligibleToRenew' });
  if (enrollment?.status !== 'active')
    throw notEligible('RENEW_NOT_ENROLLED', "the certificate's enrollment has ended");
  if (enrollment.kind !== role) {
    throw fault.authentication('RENEW_WRONG_ENDPOINT', `a ${enrollment.kind} enrollment renews at its own endpoint`);
  }
  const now = ctx.now();
  if (known.notAfter <= now) throw notEligible('RENEW_EXPIRED', 'an expired certificate cannot be renewed: re-enroll');
  // A day of slack: Windows schedules renewal by its own clock, from the RenewPeriod it was given.
  if (known.notAfter - now > (config.certRenewDays + 1) * DAY) {
    throw notEligible(
      'RENEW_TOO_EARLY',
      `renewal opens ${config.certRenewDays} days before ${new Date(known.notAfter).toISOString()}`,
    );
  }

  const { csr } = await checkCsr(token.csr, rst.context, enrollment.deviceId);
  const certificate = await ctx.ca.issueClientCertificate({
    publicKey: csr.publicKey.spki,
    deviceId: enrollment.deviceId,
    validityDays: config.certValidityDays,
    now: new Date(now),
  });
  await ctx.store.certificates.record({
    serial: certificate.serial.toLowerCase(),
    thumbprint: certificate.thumbprint.toLowerCase(),
    subject: certificate.subject,
    notBefore: certificate.notBefore.getTime(),
    notAfter: certificate.notAfter.getTime(),
    enrollmentId: enrollment.id,
  });
  call.req.log.info(
    {
      activityId: call.activityId.id,
      deviceId: enrollment.deviceId,
      enrollmentId: enrollment.id,
      renewed: known.serial,
      serial: certificate.serial,
      robo: tls !== undefined,
    },
    'device certificate renewed',
  );
  const doc = renewalDoc({
    caCertificate: svc.caDer,
    clientCertificate: certificate.der,
    clientStore: enrollment.context?.['windc.certStore'] === 'System' ? 'System' : 'User',
    providerId: providerIdFor(config.providerId, role),
  });
  return buildRequestSecurityTokenResponse({
    provisioningDoc: serializeProvisioningDoc(doc),
    ...(call.env.addressing.messageId !== undefined ? { relatesTo: call.env.addressing.messageId } : {}),
    activityId: call.activityId,
  });
}

/** The TLS client certificate, when one was sent and chains to windc's CA (the TLS layer checked that). */
function peerCertificate(req: FastifyRequest): Uint8Array | undefined {
  const socket = req.raw.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return undefined;
  const raw = socket.getPeerCertificate().raw;
  return raw ? new Uint8Array(raw) : undefined;
}

function sha1(der: Uint8Array): string {
  return createHash('sha1').update(der).digest('hex').toUpperCase();
}
