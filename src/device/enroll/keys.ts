/**
 * Enrollment keys. Windows generates an RSA key per enrollment (2048 bits unless the policy asks for more) and
 * signs its PKCS#10 with the policy's hash, SHA-1 when the policy leaves it nil. A key is kept as PKCS#8 PEM,
 * what key.pem holds, and imported for WebCrypto only to sign the CSR, because WebCrypto binds the hash to the
 * imported key and the hash is only known once the policy has been read.
 *
 * RSA-2048 generation costs about 180 ms of CPU, so a fleet draws from a pool instead (fleet/keys.ts); a single
 * device generates its own.
 */
import { createPublicKey, generateKeyPair, webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import type { XcepPolicy } from '../../protocol/mde2/index.ts';
import { HASH_OIDS } from '../../protocol/mde2/index.ts';

const generate = promisify(generateKeyPair);

export interface EnrollmentKey {
  /** PKCS#8 PEM, as written to key.pem. */
  privateKeyPem: string;
  bits: number;
}

export interface KeySource {
  /** A key of at least `bits`; each call may return a new one or one shared with other emulated devices. */
  take(bits: number): Promise<EnrollmentKey>;
}

export async function generateRsaKey(bits = 2048): Promise<EnrollmentKey> {
  const { privateKey } = await generate('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKeyPem: privateKey, bits };
}

/** A new key for every enrollment, as Windows does. */
export const freshKeys: KeySource = { take: (bits) => generateRsaKey(Math.max(2048, bits)) };

export type CsrHash = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

/** The hash the policy names; Windows falls back to SHA-1 when it names none it knows. */
export function csrHashFor(policy: Pick<XcepPolicy, 'hashAlgorithmOid'>): CsrHash {
  switch (policy.hashAlgorithmOid) {
    case HASH_OIDS.SHA256:
      return 'SHA-256';
    case HASH_OIDS.SHA384:
      return 'SHA-384';
    case HASH_OIDS.SHA512:
      return 'SHA-512';
    default:
      return 'SHA-1';
  }
}

function pemBody(pem: string): Uint8Array {
  return new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64'));
}

// A pooled key signs thousands of CSRs; importing it each time was a tenth of a fleet enrollment's CPU.
const imported = new WeakMap<EnrollmentKey, Map<CsrHash, Promise<webcrypto.CryptoKeyPair>>>();
const spkis = new WeakMap<EnrollmentKey, string>();

/** The key as a WebCrypto RSASSA-PKCS1-v1_5 pair signing with `hash`. */
export function signingKeys(key: EnrollmentKey, hash: CsrHash): Promise<webcrypto.CryptoKeyPair> {
  let byHash = imported.get(key);
  if (!byHash) imported.set(key, (byHash = new Map()));
  let pair = byHash.get(hash);
  if (!pair) byHash.set(hash, (pair = importSigningKeys(key, hash)));
  return pair;
}

/** The public half as hex SPKI DER, to compare with what a certificate certifies. */
export function publicKeySpki(key: EnrollmentKey): string {
  let spki = spkis.get(key);
  if (spki === undefined) {
    spki = createPublicKey(key.privateKeyPem).export({ format: 'der', type: 'spki' }).toString('hex');
    spkis.set(key, spki);
  }
  return spki;
}

async function importSigningKeys(key: EnrollmentKey, hash: CsrHash): Promise<webcrypto.CryptoKeyPair> {
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash };
  const privateKey = await webcrypto.subtle.importKey('pkcs8', pemBody(key.privateKeyPem), alg, true, ['sign']);
  const jwk = await webcrypto.subtle.exportKey('jwk', privateKey);
  const publicKey = await webcrypto.subtle.importKey(
    'jwk',
    { kty: jwk.kty, n: jwk.n, e: jwk.e, alg: jwk.alg, ext: true } as webcrypto.JsonWebKey,
    alg,
    true,
    ['verify'],
  );
  return { privateKey, publicKey };
}
