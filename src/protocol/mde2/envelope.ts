import { ProtocolError } from '../errors.ts';
import type { Attrs, ParsedXml, XmlElement, XmlLimits } from '../xml/index.ts';
import { attrs, childElements, el, parseXml, wrap } from '../xml/index.ts';
import { NS } from './namespaces.ts';
import { attrNs, failAt, findChild, isElement, trimmedText } from './read.ts';
import { readSecurityHeader, type WsSecurityHeader } from './security.ts';

export type SoapVersion = '1.2' | '1.1';

/** The WS-Addressing 1.0 headers MS-MDE2 uses. Values are trimmed but otherwise kept verbatim. */
export interface WsAddressing {
  action: string;
  /** Echo it byte for byte in RelatesTo: Microsoft's examples even carry `urn:uuid: 7481…` with a space. */
  messageId?: string;
  to?: string;
  replyTo?: string;
  relatesTo?: string;
}

/** WCF's diagnostics header; Microsoft's servers send it on responses and faults, clients log it. */
export interface ActivityId {
  id: string;
  correlationId?: string;
}

export interface SoapEnvelope {
  /** Tree plus exact source text: what exclusive c14n and XML-DSig verification start from. */
  doc: ParsedXml;
  version: SoapVersion;
  envelope: XmlElement;
  header: XmlElement | undefined;
  body: XmlElement;
  addressing: WsAddressing;
  activityId: ActivityId | undefined;
  security: WsSecurityHeader | undefined;
  /** The single element child of Body: the operation's request or response, or a Fault. */
  payload: XmlElement;
  /**
   * Header blocks flagged mustUnderstand that this codec does not interpret. SOAP 1.2 §5.2.3 says the receiver
   * must fault on them; the server decides, since it may handle some itself.
   */
  unknownMustUnderstand: string[];
}

/**
 * Enrollment messages are small (a real RST with attestation claims is under 10 KB; a response with the
 * provisioning document a few KB more), so the limits are far tighter than the general XML defaults.
 */
export const SOAP_XML_LIMITS: XmlLimits = { maxBytes: 512 * 1024, maxDepth: 32, maxElements: 10_000 };

const WSA = [NS.wsa];
const KNOWN_HEADERS = new Set(['Action', 'MessageID', 'To', 'ReplyTo', 'RelatesTo', 'Security', 'ActivityId']);

export function parseSoapEnvelope(text: string, limits: Partial<XmlLimits> = SOAP_XML_LIMITS): SoapEnvelope {
  const doc = parseXml(text, { ...SOAP_XML_LIMITS, ...limits });
  const envelope = doc.root;
  if (envelope.local !== 'Envelope') {
    failAt('XML_UNEXPECTED_ROOT', `expected a SOAP Envelope, found <${envelope.name}>`, envelope);
  }
  const version: SoapVersion | undefined =
    envelope.uri === NS.soap12 ? '1.2' : envelope.uri === NS.soap11 ? '1.1' : undefined;
  if (!version) failAt('SOAP_MALFORMED', `Envelope namespace "${envelope.uri}" is not SOAP 1.2 or 1.1`, envelope);
  const envNs = envelope.uri;
  let header: XmlElement | undefined;
  let body: XmlElement | undefined;
  for (const c of childElements(envelope)) {
    if (c.uri === envNs && c.local === 'Header' && !header && !body) header = c;
    else if (c.uri === envNs && c.local === 'Body' && !body) body = c;
    else failAt('SOAP_MALFORMED', `unexpected <${c.name}> in Envelope`, c);
  }
  if (!body) return failAt('SOAP_MALFORMED', 'Envelope has no Body', envelope);
  const payloads = childElements(body);
  if (payloads.length !== 1) {
    failAt('SOAP_MALFORMED', `Body must hold exactly one element, found ${payloads.length}`, body);
  }

  const addressing = header ? readAddressing(header) : undefined;
  if (!addressing) failAt('SOAP_MALFORMED', 'no WS-Addressing Action header', header ?? envelope);
  const sec = header ? findChild(header, 'Security', NS.wsse) : undefined;
  const activity = header ? findChild(header, 'ActivityId', NS.diagnostics) : undefined;
  const unknownMustUnderstand: string[] = [];
  for (const h of header ? childElements(header) : []) {
    const mu = attrNs(h, 'mustUnderstand', envNs);
    if ((mu === '1' || mu === 'true') && !KNOWN_HEADERS.has(h.local)) unknownMustUnderstand.push(h.name);
  }
  return {
    doc,
    version,
    envelope,
    header,
    body,
    addressing,
    activityId: activity ? readActivityId(activity) : undefined,
    security: sec ? readSecurityHeader(doc, sec) : undefined,
    payload: payloads[0] as XmlElement,
    unknownMustUnderstand,
  };
}

function readAddressing(header: XmlElement): WsAddressing | undefined {
  const one = (local: string): string | undefined => {
    const found = childElements(header).filter((c) => isElement(c, local, WSA));
    if (found.length > 1) failAt('SOAP_MALFORMED', `more than one ${local} header`, found[1]);
    return found[0] ? trimmedText(found[0]) : undefined;
  };
  const action = one('Action');
  if (!action) return undefined;
  const out: WsAddressing = { action };
  const messageId = one('MessageID');
  const to = one('To');
  const relatesTo = one('RelatesTo');
  if (messageId !== undefined) out.messageId = messageId;
  if (to !== undefined) out.to = to;
  if (relatesTo !== undefined) out.relatesTo = relatesTo;
  const replyTo = findChild(header, 'ReplyTo', WSA);
  const address = replyTo ? findChild(replyTo, 'Address', WSA) : undefined;
  if (address) out.replyTo = trimmedText(address);
  return out;
}

function readActivityId(el: XmlElement): ActivityId {
  const out: ActivityId = { id: trimmedText(el) };
  const correlationId = attrNs(el, 'CorrelationId');
  if (correlationId !== undefined) out.correlationId = correlationId;
  return out;
}

/** Refuses a message sent to the wrong operation, so that a body is never read with the wrong schema. */
export function expectAction(env: SoapEnvelope, action: string): void {
  if (env.addressing.action !== action) {
    throw new ProtocolError(
      'SOAP_UNEXPECTED_ACTION',
      `Action is "${env.addressing.action}", expected "${action}"`,
      env.header ? { line: env.header.line, column: env.header.column } : undefined,
    );
  }
}

export function expectPayload(env: SoapEnvelope, local: string, ns: string | readonly string[]): XmlElement {
  const p = env.payload;
  if (p.local === 'Fault' && (p.uri === NS.soap12 || p.uri === NS.soap11)) {
    failAt('SOAP_UNEXPECTED_ACTION', `expected <${local}>, the body holds a SOAP fault`, p);
  }
  if (!isElement(p, local, ns)) failAt('SOAP_MALFORMED', `expected <${local}> in Body, found <${p.name}>`, p);
  return p;
}

/** Input of {@link buildSoapEnvelope}: the header values plus the already-serialised body content. */
export interface EnvelopeInput {
  action: string;
  messageId?: string;
  relatesTo?: string;
  /** WS-Addressing To; Windows marks it mustUnderstand like the Action. */
  to?: string;
  replyTo?: string;
  activityId?: ActivityId;
  /** A serialised wsse:Security element (see buildSecurityHeader). */
  security?: string;
  body: string;
  /** Namespace declarations for the Body element, e.g. xsi for nil values. */
  bodyAttrs?: Attrs;
}

/**
 * A SOAP 1.2 envelope with the prefixes Windows and Microsoft's servers use (s, a, u). No XML declaration: the
 * HTTP Content-Type carries the charset and Windows' own requests have none.
 */
export function buildSoapEnvelope(input: EnvelopeInput): string {
  const mu = [['s:mustUnderstand', '1']] as const;
  let h = el('a:Action', input.action, mu);
  if (input.activityId) {
    h += el('ActivityId', input.activityId.id, [
      ['CorrelationId', input.activityId.correlationId],
      ['xmlns', NS.diagnostics],
    ]);
  }
  h += el('a:MessageID', input.messageId);
  h += el('a:RelatesTo', input.relatesTo);
  if (input.replyTo !== undefined) h += wrap('a:ReplyTo', el('a:Address', input.replyTo));
  h += el('a:To', input.to, mu);
  h += input.security ?? '';
  const envAttrs = attrs([
    ['xmlns:s', NS.soap12],
    ['xmlns:a', NS.wsa],
    ['xmlns:u', NS.wsu],
  ]);
  return `<s:Envelope${envAttrs}><s:Header>${h}</s:Header>${wrap('s:Body', input.body, input.bodyAttrs ?? [])}</s:Envelope>`;
}
