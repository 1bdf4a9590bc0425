import type { ContextItem } from '../../protocol/mde2/index.ts';
import type { Enrollment, Store } from '../../store/index.ts';
import type { IssuedCertificate } from '../pki/ca.ts';
import type { EnrollAuth, EnrollmentRole } from './auth/index.ts';
import { fault } from './faults.ts';
import { type AccountCredentials, storedCredentials } from './provisioning.ts';

export interface NewEnrollment {
  role: EnrollmentRole;
  deviceId: string;
  hwDevId: string | undefined;
  parentEnrollmentId: number | null;
  context: Record<string, string>;
  certificate: IssuedCertificate;
  credentials: AccountCredentials;
  auth: EnrollAuth;
}

export interface RecordedEnrollment {
  enrollment: Enrollment;
  /** The enrollment this one replaced (same device, same kind), if any. */
  replaced: Enrollment | undefined;
  /** Serials revoked because their enrollment was replaced. */
  revoked: string[];
}

/**
 * Stores an enrollment in one transaction: the enrollment (replacing an active one of the same kind), its
 * certificate, its OMA-DM credentials, the revocation of the replaced enrollment's certificates and the use
 * of the OnPremise secret. Either all of it is stored or none, so a refused or failed request leaves nothing.
 */
export function recordEnrollment(store: Store, n: NewEnrollment): Promise<RecordedEnrollment> {
  return store.transaction(async (tx) => {
    const secret = n.auth.policy === 'OnPremise' ? n.auth.secret : undefined;
    // Counted here, not at authentication: a secret revoked since then refuses the enrollment after all.
    if (secret && !(await tx.secrets.verify(secret.hash, { recordUse: true }))) {
      throw fault.authentication('SECRET_REVOKED', `enrollment secret ${secret.name} was revoked or has expired`);
    }
    const replaced = await tx.devices.findActiveEnrollment(n.deviceId, n.role);
    const enrollment = await tx.devices.enroll({
      deviceId: n.deviceId,
      hwDevId: n.hwDevId,
      kind: n.role,
      parentEnrollmentId: n.parentEnrollmentId,
      context: n.context,
    });
    const revoked: string[] = [];
    if (replaced) {
      for (const c of await tx.certificates.listForEnrollment(replaced.id)) {
        if (c.revokedAt === null && (await tx.certificates.revoke(c.serial, 'superseded by re-enrollment'))) {
          revoked.push(c.serial);
        }
      }
    }
    const cert = n.certificate;
    await tx.certificates.record({
      serial: cert.serial.toLowerCase(),
      thumbprint: cert.thumbprint.toLowerCase(),
      subject: cert.subject,
      notBefore: cert.notBefore.getTime(),
      notAfter: cert.notAfter.getTime(),
      enrollmentId: enrollment.id,
    });
    await tx.deviceCredentials.put(storedCredentials(enrollment.id, n.credentials));
    return { enrollment, replaced, revoked };
  });
}

/**
 * The primary enrollment a linked one hangs off: the enrollment of the parent certificate when windc issued it
 * (Certificate policy), else windc's own active primary enrollment of the same DeviceID, if any.
 */
export async function parentEnrollmentOf(store: Store, auth: EnrollAuth, deviceId: string): Promise<number | null> {
  if (auth.policy === 'Certificate' && auth.signer.anchor.kind === 'windc') {
    const cert = await store.certificates.findByThumbprint(auth.signer.thumbprint);
    const parent = cert?.enrollmentId != null ? await store.devices.getEnrollment(cert.enrollmentId) : undefined;
    if (parent?.status === 'active' && parent.kind === 'primary') return parent.id;
  }
  return (await store.devices.findActiveEnrollment(deviceId, 'primary'))?.id ?? null;
}

/**
 * What is kept about an enrollment: every AdditionalContext item (repeated names such as MAC joined by commas)
 * plus how it authenticated, under `windc.` keys no Windows item uses.
 */
export function enrollmentContext(
  items: readonly ContextItem[],
  auth: EnrollAuth,
  certStore: 'System' | 'User',
): Record<string, string> {
  // No prototype: a context item named __proto__ is just a name here.
  const out: Record<string, string> = Object.create(null);
  for (const { name, value } of items) out[name] = Object.hasOwn(out, name) ? `${out[name]},${value}` : value;
  out['windc.authPolicy'] = auth.policy;
  out['windc.principal'] = auth.principal;
  out['windc.certStore'] = certStore;
  if (auth.policy === 'OnPremise' && auth.secret) out['windc.secret'] = auth.secret.name;
  if (auth.policy === 'Federated') out['windc.tenant'] = auth.tenantId;
  if (auth.policy === 'Certificate') out['windc.parentCertificate'] = auth.signer.thumbprint;
  return out;
}
