import { createHash } from 'node:crypto';
import type { ParsedXml, XmlElement } from '../xml/index.ts';
import { C14N, type C14nOptions, canonicalize, EXC_C14N } from './c14n.ts';
import { attrNs, failAt, findChild, findChildren } from './read.ts';
import type { SignedPart, XmlDsigSignature } from './signature.ts';

/**
 * The XML-DSig algorithms windc accepts. SHA-1 digests and signatures are left out on purpose: MS-MDE2 §4.2.1.2
 * signs with rsa-sha256, and a verifier that accepted SHA-1 would let a collision forge a signed request.
 */
export const DSIG = {
  envelopedSignature: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  excC14n: EXC_C14N,
  c14n: C14N,
  digests: {
    'http://www.w3.org/2001/04/xmlenc#sha256': 'sha256',
    'http://www.w3.org/2001/04/xmldsig-more#sha384': 'sha384',
    'http://www.w3.org/2001/04/xmlenc#sha512': 'sha512',
  } as Readonly<Record<string, 'sha256' | 'sha384' | 'sha512'>>,
  signatures: {
    'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256': { key: 'rsa', hash: 'sha256' },
    'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384': { key: 'rsa', hash: 'sha384' },
    'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512': { key: 'rsa', hash: 'sha512' },
    'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256': { key: 'ec', hash: 'sha256' },
    'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384': { key: 'ec', hash: 'sha384' },
  } as Readonly<Record<string, { key: 'rsa' | 'ec'; hash: 'sha256' | 'sha384' | 'sha512' }>>,
} as const;

export const DIGEST_SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';

/** The PrefixList of an ec:InclusiveNamespaces child (exclusive c14n's parameter), if any. */
function inclusivePrefixes(method: XmlElement): string[] {
  const list = findChild(method, 'InclusiveNamespaces', EXC_C14N);
  const value = list ? attrNs(list, 'PrefixList') : undefined;
  return value ? value.trim().split(/\s+/) : [];
}

function c14nFor(method: XmlElement, algorithm: string): Pick<C14nOptions, 'mode' | 'inclusivePrefixes'> {
  if (algorithm === EXC_C14N) return { mode: 'exclusive', inclusivePrefixes: inclusivePrefixes(method) };
  if (algorithm === C14N) return { mode: 'inclusive' };
  return failAt('WSSE_MALFORMED', `canonicalization ${algorithm} is not supported`, method);
}

/** The octets SignedInfo's SignatureValue covers: SignedInfo under its own CanonicalizationMethod. */
export function canonicalSignedInfo(doc: ParsedXml, sig: XmlDsigSignature): string {
  const method = findChild(sig.signedInfo, 'CanonicalizationMethod', 'http://www.w3.org/2000/09/xmldsig#');
  if (!method) return failAt('WSSE_MALFORMED', 'SignedInfo has no CanonicalizationMethod', sig.signedInfo);
  return canonicalize(doc.root, sig.signedInfo, c14nFor(method, sig.canonicalizationMethod));
}

/**
 * The octets one Reference's DigestValue covers, after its transforms. Only the transforms a WS-Security
 * signature uses are accepted: enveloped-signature and a canonicalization; with none of the latter, XML-DSig
 * §4.3.3.2 converts the node-set with Canonical XML 1.0, which is what MS-MDE2 §4.2.1.2's example relies on.
 */
export function canonicalReference(doc: ParsedXml, sig: XmlDsigSignature, part: SignedPart): string {
  const ref = part.reference;
  if (!part.element) return failAt('WSSE_MALFORMED', `Reference URI "${ref.uri}" names no element`, ref.element);
  const transforms = findChild(ref.element, 'Transforms', 'http://www.w3.org/2000/09/xmldsig#');
  const transformEls = transforms ? findChildren(transforms, 'Transform', 'http://www.w3.org/2000/09/xmldsig#') : [];
  const options: C14nOptions = { mode: 'inclusive' };
  let canonicalized = false;
  for (const [i, algorithm] of ref.transforms.entries()) {
    if (algorithm === DSIG.envelopedSignature) {
      // Meaningful only for a part that contains the signature; elsewhere it removes nothing.
      options.exclude = sig.element;
    } else if (algorithm === EXC_C14N || algorithm === C14N) {
      if (canonicalized) failAt('WSSE_MALFORMED', 'Reference canonicalizes twice', ref.element);
      Object.assign(options, c14nFor(transformEls[i] as XmlElement, algorithm));
      canonicalized = true;
    } else {
      failAt('WSSE_MALFORMED', `transform ${algorithm} is not supported`, ref.element);
    }
  }
  return canonicalize(doc.root, part.element, options);
}

/** base64 digest of a reference's canonical form, or undefined when its DigestMethod is not accepted. */
export function referenceDigest(canonical: string, digestMethod: string): string | undefined {
  const hash = DSIG.digests[digestMethod];
  return hash ? createHash(hash).update(canonical, 'utf8').digest('base64') : undefined;
}
