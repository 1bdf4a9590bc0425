/**
 * The WS-Security header of GetPolicies and RequestSecurityToken, for each AuthPolicy the emulator can satisfy:
 *
 * - OnPremise: a UsernameToken with the password in clear (MS-MDE2 §3.4.4.1.1.1.3; the Fleet capture's shape).
 * - Federated: the token as a BinarySecurityToken. An Entra-joined device sends its Entra device token as a JWT
 *   (`urn:ietf:params:oauth:token-type:jwt`, base64 of the compact token), as Fleet's server accepts from real
 *   auto-enrollment; the emulator's token comes from its local issuer (../issuer.ts).
 * - Certificate: wsu:Timestamp, the parent enrollment's certificate as an X509v3 token and an XML-DSig
 *   signature over the whole envelope (enveloped, exclusive c14n, RSA-SHA256), the shape of MS-MDE2 §4.2.1.2.
 */
import { createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { buildSecurityHeader, RSA_SHA256, signEnvelope, VALUE_TYPES } from '../../protocol/mde2/index.ts';

export type EnrollCredential =
  | { policy: 'OnPremise'; username: string; password: string }
  | { policy: 'Federated'; token: string }
  | { policy: 'Certificate'; certPem: string; keyPem: string };

/** How long a signed request stays valid; the capture-era clients used five minutes. */
const TIMESTAMP_MS = 5 * 60_000;
const ECDSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256';

/**
 * A complete envelope for `build`, which turns a security header into the request. The Certificate policy signs
 * the finished envelope, so the header cannot simply be pasted in.
 */
export function secureEnvelope(
  cred: EnrollCredential,
  build: (security: string) => string,
  now: number = Date.now(),
): string {
  switch (cred.policy) {
    case 'OnPremise':
      return build(
        buildSecurityHeader({
          usernameToken: {
            username: cred.username,
            password: cred.password,
            id: `uuid-${randomUUID()}-4`,
          },
        }),
      );
    case 'Federated':
      return build(
        buildSecurityHeader({ binarySecurityToken: { valueType: VALUE_TYPES.jwt, value: Buffer.from(cred.token) } }),
      );
    case 'Certificate':
      return signedEnvelope(cred, build, now);
  }
}

function signedEnvelope(
  cred: Extract<EnrollCredential, { policy: 'Certificate' }>,
  build: (security: string) => string,
  now: number,
): string {
  const der = new X509Certificate(cred.certPem).raw;
  const tokenId = `uuid-${randomUUID().toUpperCase()}`;
  const envelope = build(
    buildSecurityHeader({
      timestamp: { created: new Date(now), expires: new Date(now + TIMESTAMP_MS) },
      binarySecurityToken: { valueType: VALUE_TYPES.x509v3, value: new Uint8Array(der), id: tokenId },
    }),
  );
  const key = createPrivateKey(cred.keyPem);
  const ec = key.asymmetricKeyType === 'ec';
  return signEnvelope({
    envelope,
    referenceIds: [''],
    keyTokenId: tokenId,
    signatureMethod: ec ? ECDSA_SHA256 : RSA_SHA256,
    sign: (data) => sign('sha256', data, ec ? { key, dsaEncoding: 'ieee-p1363' } : key),
  });
}
