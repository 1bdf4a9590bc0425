import type { ParsedXml, XmlElement } from '../xml/index.ts';
import { childElements, el, wrap } from '../xml/index.ts';
import { decodeBase64, encodeBase64 } from './base64.ts';
import { ENCODING_BASE64, NS, PASSWORD_TEXT } from './namespaces.ts';
import { attrNs, failAt, findChild, findChildren, isElement, outerXml, trimmedText } from './read.ts';
import { readXmlDsigSignature, type XmlDsigSignature } from './signature.ts';

/** OnPremise credentials (MS-MDE2 §3.4.4.1.1.1.3): Windows sends the password as plain text over TLS. */
export interface UsernameToken {
  id?: string;
  username: string;
  password: string;
  passwordType?: string;
}

export interface BinarySecurityToken {
  id?: string;
  valueType: string;
  encodingType?: string;
  /** The token text as sent (trimmed); decode with {@link decodeBinarySecurityToken}. */
  value: string;
  element: XmlElement;
}

export interface WsTimestamp {
  id?: string;
  created?: Date;
  expires?: Date;
  element: XmlElement;
}

export interface WsSecurityHeader {
  element: XmlElement;
  /** Exact source of the whole wsse:Security element. */
  source: string;
  usernameToken?: UsernameToken;
  /** In document order; the Certificate policy can carry more than one token referenced by Id. */
  binarySecurityTokens: BinarySecurityToken[];
  timestamp?: WsTimestamp;
  signature?: XmlDsigSignature;
}

const WSSE = [NS.wsse];
const WSU = NS.wsu;

/** A malformed security header is its own fault (a:InvalidSecurity), so every failure here is WSSE_MALFORMED. */
export function readSecurityHeader(doc: ParsedXml, sec: XmlElement): WsSecurityHeader {
  const out: WsSecurityHeader = { element: sec, source: outerXml(doc, sec), binarySecurityTokens: [] };
  const users = findChildren(sec, 'UsernameToken', WSSE);
  if (users.length > 1) failAt('WSSE_MALFORMED', 'more than one UsernameToken', users[1]);
  if (users[0]) out.usernameToken = readUsernameToken(users[0]);
  for (const t of findChildren(sec, 'BinarySecurityToken', WSSE)) out.binarySecurityTokens.push(readBinaryToken(t));
  const stamps = childElements(sec).filter((c) => isElement(c, 'Timestamp', WSU));
  if (stamps.length > 1) failAt('WSSE_MALFORMED', 'more than one Timestamp', stamps[1]);
  if (stamps[0]) out.timestamp = readTimestamp(stamps[0]);
  const sig = findChild(sec, 'Signature', NS.ds);
  if (sig) out.signature = readXmlDsigSignature(doc, sig);
  return out;
}

function readUsernameToken(t: XmlElement): UsernameToken {
  const user = findChild(t, 'Username', WSSE) ?? failAt('WSSE_MALFORMED', 'UsernameToken has no Username', t);
  const pass = findChild(t, 'Password', WSSE);
  const out: UsernameToken = { username: trimmedText(user), password: pass ? trimmedText(pass) : '' };
  const id = attrNs(t, 'Id', WSU);
  // The capture has `wsse:Type`, WS-Security 1.0 an unqualified `Type`; attrNs accepts both.
  const type = pass ? attrNs(pass, 'Type', NS.wsse) : undefined;
  if (id !== undefined) out.id = id;
  if (type !== undefined) out.passwordType = type;
  return out;
}

function readBinaryToken(t: XmlElement): BinarySecurityToken {
  const valueType = attrNs(t, 'ValueType') ?? failAt('WSSE_MALFORMED', 'BinarySecurityToken has no ValueType', t);
  const out: BinarySecurityToken = { valueType: valueType.trim(), value: trimmedText(t), element: t };
  const id = attrNs(t, 'Id', WSU);
  const enc = attrNs(t, 'EncodingType');
  if (id !== undefined) out.id = id;
  if (enc !== undefined) out.encodingType = enc.trim();
  return out;
}

function readTimestamp(t: XmlElement): WsTimestamp {
  const out: WsTimestamp = { element: t };
  const id = attrNs(t, 'Id', WSU);
  if (id !== undefined) out.id = id;
  for (const [local, key] of [
    ['Created', 'created'],
    ['Expires', 'expires'],
  ] as const) {
    const e = findChild(t, local, WSU);
    if (!e) continue;
    const d = new Date(trimmedText(e));
    if (Number.isNaN(d.getTime())) failAt('WSSE_MALFORMED', `Timestamp ${local} is not a date`, e);
    out[key] = d;
  }
  return out;
}

/**
 * The token's bytes. Only base64 is defined for MS-MDE2 tokens; a missing EncodingType is read as base64 since
 * WS-Security makes that the default.
 */
export function decodeBinarySecurityToken(token: BinarySecurityToken): Uint8Array {
  if (token.encodingType !== undefined && !/#base64binary$/i.test(token.encodingType)) {
    failAt('WSSE_MALFORMED', `unsupported EncodingType "${token.encodingType}"`, token.element);
  }
  return decodeBase64(token.value, 'WSSE_MALFORMED', 'BinarySecurityToken');
}

/**
 * Resolves a SecurityTokenReference URI to the token it names. MS-MDE2 §4.2.1.2 prints the reference as the
 * bare GUID of a token whose Id is `uuid-<GUID>`; that form is accepted only when it names exactly one token.
 */
export function resolveTokenReference(sec: WsSecurityHeader, uri: string): BinarySecurityToken | undefined {
  const id = uri.startsWith('#') ? uri.slice(1) : uri;
  const exact = sec.binarySecurityTokens.filter((t) => t.id === id);
  if (exact.length === 1) return exact[0];
  if (exact.length > 1) return undefined;
  const loose = sec.binarySecurityTokens.filter((t) => t.id?.toLowerCase() === `uuid-${id.toLowerCase()}`);
  return loose.length === 1 ? loose[0] : undefined;
}

export interface SecurityHeaderInput {
  usernameToken?: { username: string; password: string; id?: string };
  binarySecurityToken?: { valueType: string; value: Uint8Array | string; id?: string };
  timestamp?: { created: Date; expires: Date; id?: string };
  /** A ready ds:Signature element; signing happens outside the codec. */
  signatureXml?: string;
}

/** A wsse:Security header in the shape Windows sends (GetPolicies/RST) and Microsoft's servers answer (RSTR). */
export function buildSecurityHeader(input: SecurityHeaderInput): string {
  let inner = '';
  if (input.timestamp) {
    const t = input.timestamp;
    inner += wrap('u:Timestamp', el('u:Created', t.created.toISOString()) + el('u:Expires', t.expires.toISOString()), [
      ['u:Id', t.id],
    ]);
  }
  if (input.usernameToken) {
    const u = input.usernameToken;
    inner += wrap(
      'wsse:UsernameToken',
      el('wsse:Username', u.username) + el('wsse:Password', u.password, [['wsse:Type', PASSWORD_TEXT]]),
      [['u:Id', u.id]],
    );
  }
  if (input.binarySecurityToken) {
    const b = input.binarySecurityToken;
    const value = typeof b.value === 'string' ? b.value : encodeBase64(b.value);
    inner += el('wsse:BinarySecurityToken', value, [
      ['ValueType', b.valueType],
      ['EncodingType', ENCODING_BASE64],
      ['u:Id', b.id],
    ]);
  }
  inner += input.signatureXml ?? '';
  return wrap('wsse:Security', inner, [
    ['xmlns:wsse', NS.wsse],
    ['s:mustUnderstand', '1'],
  ]);
}
