import type { ParsedXml, XmlElement } from '../xml/index.ts';
import { NS } from './namespaces.ts';
import { attrNs, failAt, findChild, findChildren, findElementById, outerXml, trimmedText } from './read.ts';

/**
 * An XML-DSig Signature as the Certificate auth policy puts it in wsse:Security (MS-MDE2 §3.4.4.1.1.1.2). This
 * only reads it: verification needs exclusive c14n of the referenced elements and of SignedInfo, which the
 * server does from {@link XmlDsigSignature.element}, the parsed tree and the exact source kept here.
 */
export interface XmlDsigSignature {
  element: XmlElement;
  source: string;
  signedInfo: XmlElement;
  signedInfoSource: string;
  canonicalizationMethod: string;
  signatureMethod: string;
  references: XmlDsigReference[];
  /** Base64 text as sent, whitespace included. */
  signatureValue: string;
  keyInfo?: XmlDsigKeyInfo;
}

export interface XmlDsigReference {
  /** '' means the whole document (enveloped signature, as in MS-MDE2 §4.2.1.2); `#id` a wsu:Id. */
  uri: string;
  transforms: string[];
  digestMethod: string;
  digestValue: string;
  element: XmlElement;
}

export interface XmlDsigKeyInfo {
  /** wsse:SecurityTokenReference/wsse:Reference, pointing at a BinarySecurityToken. */
  tokenReference?: { uri: string; valueType?: string };
  /** Inline ds:X509Data/ds:X509Certificate values, base64 as sent. */
  x509Certificates: string[];
}

const DS = NS.ds;

export function readXmlDsigSignature(doc: ParsedXml, sig: XmlElement): XmlDsigSignature {
  const need = (parent: XmlElement, local: string, ns: string = DS): XmlElement =>
    findChild(parent, local, ns) ?? failAt('WSSE_MALFORMED', `Signature: <${parent.local}> has no <${local}>`, parent);
  const algorithm = (e: XmlElement): string =>
    attrNs(e, 'Algorithm') ?? failAt('WSSE_MALFORMED', `Signature: <${e.local}> has no Algorithm`, e);

  const signedInfo = need(sig, 'SignedInfo');
  const references = findChildren(signedInfo, 'Reference', DS).map((r): XmlDsigReference => {
    const transforms = findChild(r, 'Transforms', DS);
    return {
      uri: attrNs(r, 'URI') ?? '',
      transforms: transforms ? findChildren(transforms, 'Transform', DS).map(algorithm) : [],
      digestMethod: algorithm(need(r, 'DigestMethod')),
      digestValue: trimmedText(need(r, 'DigestValue')),
      element: r,
    };
  });
  if (references.length === 0) failAt('WSSE_MALFORMED', 'Signature: SignedInfo has no Reference', signedInfo);

  const out: XmlDsigSignature = {
    element: sig,
    source: outerXml(doc, sig),
    signedInfo,
    signedInfoSource: outerXml(doc, signedInfo),
    canonicalizationMethod: algorithm(need(signedInfo, 'CanonicalizationMethod')),
    signatureMethod: algorithm(need(signedInfo, 'SignatureMethod')),
    references,
    signatureValue: trimmedText(need(sig, 'SignatureValue')),
  };
  const keyInfo = findChild(sig, 'KeyInfo', DS);
  if (keyInfo) out.keyInfo = readKeyInfo(keyInfo);
  return out;
}

function readKeyInfo(keyInfo: XmlElement): XmlDsigKeyInfo {
  const out: XmlDsigKeyInfo = { x509Certificates: [] };
  const str = findChild(keyInfo, 'SecurityTokenReference', NS.wsse);
  const ref = str ? findChild(str, 'Reference', NS.wsse) : undefined;
  if (ref) {
    const uri = attrNs(ref, 'URI') ?? failAt('WSSE_MALFORMED', 'SecurityTokenReference has no URI', ref);
    const valueType = attrNs(ref, 'ValueType');
    out.tokenReference = valueType === undefined ? { uri } : { uri, valueType };
  }
  for (const data of findChildren(keyInfo, 'X509Data', DS)) {
    for (const c of findChildren(data, 'X509Certificate', DS)) out.x509Certificates.push(trimmedText(c));
  }
  return out;
}

/** A Reference paired with the element it covers and that element's exact source, the input of its digest. */
export interface SignedPart {
  reference: XmlDsigReference;
  /** undefined when the URI names no element: the signature cannot be valid. */
  element: XmlElement | undefined;
  source: string | undefined;
}

/**
 * Resolves each Reference: `#id` to the element carrying that wsu:Id/Id, `''` to the whole document (the
 * enveloped form of MS-MDE2 §4.2.1.2, whose enveloped-signature transform the verifier applies).
 */
export function signedParts(doc: ParsedXml, sig: XmlDsigSignature): SignedPart[] {
  return sig.references.map((reference) => {
    const element = reference.uri === '' ? doc.root : findElementById(doc.root, reference.uri);
    return { reference, element, source: element ? outerXml(doc, element) : undefined };
  });
}
