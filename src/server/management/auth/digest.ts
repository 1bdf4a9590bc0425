/**
 * OMA DM `syncml:auth-md5` against the APPAUTH credentials provisioned at enrollment ([O 2.4], [S §1.3.1]):
 * the device sends B64(MD5(B64(MD5(name:secret)):nonce)), the server keeps only B64(MD5(name:secret)).
 * A missing Cred is answered 407 and a wrong one 401, both with a fresh nonce in Chal; an accepted one 212,
 * with the nonce for the next session ("the next nonce in Chal MUST be used when the next DM session is
 * started", [O 2.4.1]).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthType, type Cred, md5DigestFromHash } from '../../../protocol/syncml/index.ts';
import type { DeviceCredentials } from '../../../store/index.ts';

/** 16 random bytes, base64: what Windows itself accepts as AAUTHDATA. */
export function freshNonce(): string {
  return randomBytes(16).toString('base64');
}

export type DigestVerdict = { kind: 'missing' } | { kind: 'ok'; nonce: string } | { kind: 'bad'; reason: string };

/**
 * Checks a Cred against one enrollment's credentials and the nonces it may have used: the current one, and in
 * a session already authenticated the one the session started with.
 */
export function checkDigest(
  cred: Cred | undefined,
  locName: string | undefined,
  creds: Pick<DeviceCredentials, 'deviceName' | 'deviceSecretDigest'>,
  nonces: readonly string[],
): DigestVerdict {
  if (!cred) return { kind: 'missing' };
  if (cred.meta?.type !== AuthType.MD5) {
    return { kind: 'bad', reason: `Cred type ${cred.meta?.type ?? '(none)'} is not ${AuthType.MD5}` };
  }
  if (cred.meta.format !== undefined && cred.meta.format !== 'b64') {
    return { kind: 'bad', reason: `Cred format ${cred.meta.format} is not b64` };
  }
  if (locName !== undefined && locName !== creds.deviceName) {
    return { kind: 'bad', reason: `LocName '${locName}' is not this enrollment's user name` };
  }
  const sent = Buffer.from(cred.data, 'base64');
  for (const nonce of nonces) {
    const expected = Buffer.from(md5DigestFromHash(creds.deviceSecretDigest, nonce), 'base64');
    if (sent.length === expected.length && timingSafeEqual(sent, expected)) return { kind: 'ok', nonce };
  }
  return { kind: 'bad', reason: 'the digest does not match' };
}
