/**
 * OMA DM application-level authentication with `syncml:auth-md5` (OMA DM Security §5.1.3.2):
 * `B64(H(B64(H(username:password)):nonce))`, H being MD5. The nonce enters the hash as raw bytes; on the wire it
 * travels base64 (NextNonce with Format b64, AAUTHDATA in the provisioning document). go-microsoft-dm's engine,
 * which the 26200 captures were taken against, computes it this way and native Windows authenticated.
 */
import { createHash } from 'node:crypto';
import type { Cred } from './model.ts';
import { AuthType } from './replies.ts';

/** `B64(H(username:password))`: what a server may store instead of the password. */
export function md5UserHash(username: string, password: string): string {
  return createHash('md5').update(`${username}:${password}`, 'utf8').digest('base64');
}

/** The digest for one nonce, base64; `nonce` is the base64 text the challenge or AAUTHDATA carried. */
export function md5Digest(username: string, password: string, nonce: string): string {
  return md5DigestFromHash(md5UserHash(username, password), nonce);
}

/** Same digest from the stored `B64(H(username:password))`. */
export function md5DigestFromHash(userHash: string, nonce: string): string {
  return createHash('md5')
    .update(Buffer.concat([Buffer.from(`${userHash}:`, 'utf8'), Buffer.from(nonce, 'base64')]))
    .digest('base64');
}

/** The SyncHdr Cred a client sends: Meta Format before Type, as the 26200 capture orders them. */
export function md5Cred(username: string, password: string, nonce: string): Cred {
  return { meta: { format: 'b64', type: AuthType.MD5 }, data: md5Digest(username, password, nonce) };
}
