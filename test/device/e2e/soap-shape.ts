/**
 * The structure of a SOAP enrollment request, prefix-blind: `{namespace}local` names in order, the attributes
 * that carry protocol meaning (ValueType, EncodingType, Name, mustUnderstand, nil) and the text of elements
 * whose value is fixed by the protocol (Action, TokenType, RequestType, DeviceType, AuthPolicy); identifiers,
 * addresses, tokens and device values are masked. Namespace declarations move around between clients (Windows
 * declares wsse/wst/ac on the Envelope, windc's builder on the Body) and are ignored.
 */
import { parseXml, type XmlElement } from '../../../src/protocol/xml/index.ts';

const KEEP_TEXT = new Set(['Action', 'TokenType', 'RequestType', 'DeviceType', 'AuthPolicy', 'EnrollmentType']);
const KEEP_ATTRS = new Set(['ValueType', 'EncodingType', 'Name', 'mustUnderstand', 'nil', 'Type']);

const SHORT: Record<string, string> = {
  'http://www.w3.org/2003/05/soap-envelope': 's',
  'http://www.w3.org/2005/08/addressing': 'a',
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd': 'wsse',
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd': 'u',
  'http://docs.oasis-open.org/ws-sx/ws-trust/200512': 'wst',
  'http://schemas.xmlsoap.org/ws/2006/12/authorization': 'ac',
  'http://www.w3.org/2001/XMLSchema-instance': 'xsi',
  'http://schemas.microsoft.com/windows/management/2012/01/enrollment': 'disco',
  'http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy': 'xcep',
};

const qname = (uri: string, local: string) => `${SHORT[uri] ?? uri}:${local}`;

function text(el: XmlElement): string {
  let s = '';
  for (const c of el.children) if (c.kind === 'text') s += c.text;
  return s.trim();
}

function walk(el: XmlElement, depth: number, out: string[]): void {
  const attrs = el.attrs
    .filter((a) => !a.name.startsWith('xmlns') && KEEP_ATTRS.has(a.name.replace(/^.*:/, '')))
    .map((a) => `${a.name.replace(/^.*:/, '')}=${a.value.trim()}`)
    .join(' ');
  const kids = el.children.filter((c): c is XmlElement => c.kind === 'element');
  const t = kids.length === 0 ? text(el) : '';
  const value = t === '' ? '' : KEEP_TEXT.has(el.local) ? ` = ${t}` : ' = …';
  out.push(`${'  '.repeat(depth)}${qname(el.uri, el.local)}${attrs ? ` [${attrs}]` : ''}${value}`);
  for (const k of kids) walk(k, depth + 1, out);
}

export function soapShape(xml: string): string {
  const out: string[] = [];
  walk(parseXml(xml.replace(/^\s*<!--[\s\S]*?-->\s*/, '')).root, 0, out);
  return out.join('\n');
}

/** The AdditionalContext item names of an RST, in order. */
export function contextNames(xml: string): string[] {
  return [...xml.matchAll(/<ac:ContextItem Name="([^"]+)"/g)].map((m) => m[1] as string);
}
