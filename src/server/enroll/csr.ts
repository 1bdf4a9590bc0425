import {
  type ContextItem,
  contextValue,
  type DecodedCsr,
  decodeCsr,
  OID,
  verifyCsrSignature,
} from '../../protocol/mde2/index.ts';
import { fault } from './faults.ts';

/**
 * A PKCS#10 checked for certification: signed by its own key (proof of possession), with a key windc is willing
 * to certify, and carrying one consistent DeviceID. Windows states the DeviceID three times (the CN after `!`,
 * extension 1.3.6.1.4.1.311.66.1.0, AdditionalContext DeviceID); when two disagree the request is refused, as
 * certifying either would bind the certificate to a device the other claims.
 */
export interface CheckedCsr {
  csr: DecodedCsr;
  deviceId: string;
}

/** What a DeviceID may look like: it becomes the certificate CN and the OMA-DM SyncHdr Source. */
const DEVICE_ID = /^[A-Za-z0-9{}._-]{1,64}$/;
const EC_CURVES = new Set(['1.2.840.10045.3.1.7', '1.3.132.0.34']);

/**
 * `enrolled`: the DeviceID of the enrollment a renewal belongs to. A renewal request need not repeat it, but
 * any DeviceID it does state must be that one ("the requester is the same as for the initial enrollment").
 */
export async function checkCsr(
  der: Uint8Array,
  context: readonly ContextItem[],
  enrolled?: string,
): Promise<CheckedCsr> {
  const csr = decodeCsr(der);
  const key = csr.publicKey;
  if (key.algorithmOid === OID.rsaEncryption) {
    if ((key.rsa?.modulusBits ?? 0) < 2048) {
      throw fault.certificateRequest('WEAK_KEY', `RSA keys under 2048 bits are refused (got ${key.rsa?.modulusBits})`);
    }
  } else if (key.algorithmOid !== OID.ecPublicKey || !EC_CURVES.has(key.ecCurveOid ?? '')) {
    throw fault.certificateRequest('KEY_ALGORITHM', 'only RSA (2048+) and EC P-256/P-384 keys are certified');
  }
  if (!(await verifyCsrSignature(csr))) {
    throw fault.certificateRequest('CSR_SIGNATURE', 'the PKCS#10 signature does not verify with its own key');
  }
  const claims = [
    ['AdditionalContext DeviceID', contextValue(context, 'DeviceID')?.trim()],
    ['CSR extension 1.3.6.1.4.1.311.66.1.0', csr.deviceIdExtension?.trim()],
    ['CSR subject', csr.windowsIdentity?.deviceId],
  ].filter((c): c is [string, string] => c[1] !== undefined && c[1] !== '');
  if (enrolled !== undefined) claims.unshift(['the enrolled DeviceID', enrolled]);
  const [first, ...rest] = claims;
  if (!first) throw fault.messageFormat('NO_DEVICE_ID', 'the request names no DeviceID (context, CSR extension or CN)');
  const clash = rest.find((c) => c[1].toUpperCase() !== first[1].toUpperCase());
  if (clash) {
    throw fault.certificateRequest(
      'DEVICE_ID_MISMATCH',
      `${first[0]} ${first[1]} differs from ${clash[0]} ${clash[1]}`,
    );
  }
  if (!DEVICE_ID.test(first[1])) {
    throw fault.messageFormat('BAD_DEVICE_ID', `DeviceID "${first[1].slice(0, 80)}" is not of a form windc accepts`);
  }
  return { csr, deviceId: first[1] };
}
