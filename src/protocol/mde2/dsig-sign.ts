import { parseXml } from '../xml/index.ts';
import { attrs, el, wrap } from '../xml/write.ts';
import { exclusiveCanonicalize } from './c14n.ts';
import { DIGEST_SHA256, DSIG, RSA_SHA256, referenceDigest } from './dsig.ts';
import { NS, VALUE_TYPES } from './namespaces.ts';
import { findChild, findElementById } from './read.ts';

export interface SignEnvelopeInput {
  /** A SOAP envelope whose wsse:Security header holds the elements to sign and the signer's X509 token. */
  envelope: string;
  /** wsu:Id values of the signed elements; '' signs the whole envelope (enveloped, MS-MDE2 §4.2.1.2's form). */
  referenceIds: readonly string[];
  /** Id of the BinarySecurityToken carrying the signer's certificate, which KeyInfo points at. */
  keyTokenId: string;
  /** Signs the canonical SignedInfo with the certificate's key (RSASSA-PKCS1-v1_5 over SHA-256 by default). */
  sign: (data: Buffer) => Buffer;
  signatureMethod?: string;
  digestMethod?: string;
}

/**
 * Adds an XML-DSig Signature to the envelope's wsse:Security header, as the Certificate auth policy requires of
 * GetPolicies and RequestSecurityToken: what an Entra-registered device sends with its parent enrollment's
 * certificate. Every reference is canonicalized with exclusive c14n; the signature goes last in the header,
 * with no whitespace around it, so an enveloped reference digests the same bytes before and after insertion.
 */
export function signEnvelope(input: SignEnvelopeInput): string {
  const digestMethod = input.digestMethod ?? DIGEST_SHA256;
  const signatureMethod = input.signatureMethod ?? RSA_SHA256;
  const doc = parseXml(input.envelope);
  const alg = (a: string) => [['Algorithm', a]] as const;
  let refs = '';
  for (const id of input.referenceIds) {
    const target = id === '' ? doc.root : findElementById(doc.root, id);
    if (!target) throw new TypeError(`no element with Id "${id}" to sign`);
    const digest = referenceDigest(exclusiveCanonicalize(doc.root, target), digestMethod);
    if (digest === undefined) throw new TypeError(`unsupported digest method ${digestMethod}`);
    const transforms =
      (id === '' ? el('Transform', '', alg(DSIG.envelopedSignature)) : '') + el('Transform', '', alg(DSIG.excC14n));
    refs += wrap(
      'Reference',
      wrap('Transforms', transforms) + el('DigestMethod', '', alg(digestMethod)) + el('DigestValue', digest),
      [['URI', id === '' ? '' : `#${id}`]],
    );
  }
  const signedInfo = wrap(
    'SignedInfo',
    el('CanonicalizationMethod', '', alg(DSIG.excC14n)) + el('SignatureMethod', '', alg(signatureMethod)) + refs,
  );
  // Exclusive c14n of SignedInfo depends only on the namespaces it uses (the default ds one), so canonicalizing
  // it inside a bare Signature gives the bytes a verifier computes inside the envelope.
  const bare = parseXml(`<Signature xmlns="${NS.ds}">${signedInfo}</Signature>`);
  const signedInfoEl = findChild(bare.root, 'SignedInfo', NS.ds);
  if (!signedInfoEl) throw new Error('unreachable: SignedInfo just written');
  const value = input.sign(Buffer.from(exclusiveCanonicalize(bare.root, signedInfoEl), 'utf8')).toString('base64');
  const keyInfo = wrap(
    'KeyInfo',
    wrap(
      'o:SecurityTokenReference',
      el('o:Reference', '', [
        ['URI', `#${input.keyTokenId}`],
        ['ValueType', VALUE_TYPES.x509v3],
      ]),
      [['xmlns:o', NS.wsse]],
    ),
  );
  const signature = `<Signature${attrs([['xmlns', NS.ds]])}>${signedInfo}${el('SignatureValue', value)}${keyInfo}</Signature>`;

  const header = findChild(doc.root, 'Header', [NS.soap12, NS.soap11]);
  const security = header ? findChild(header, 'Security', NS.wsse) : undefined;
  if (!security) throw new TypeError('the envelope has no wsse:Security header to sign into');
  if (security.innerStart === security.innerEnd && doc.source.charCodeAt(security.innerStart - 2) === 0x2f) {
    throw new TypeError('the wsse:Security header is empty: nothing to sign');
  }
  const at = security.innerEnd;
  return doc.source.slice(0, at) + signature + doc.source.slice(at);
}
