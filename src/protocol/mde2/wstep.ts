import type { XmlElement } from '../xml/index.ts';
import { el, wrap } from '../xml/index.ts';
import { decodeBase64, encodeBase64 } from './base64.ts';
import {
  type ActivityId,
  buildSoapEnvelope,
  type EnvelopeInput,
  expectAction,
  expectPayload,
  parseSoapEnvelope,
  type SoapEnvelope,
} from './envelope.ts';
import {
  ACTIONS,
  ENCODING_BASE64,
  NS,
  REQUEST_TYPES,
  type RequestType,
  TOKEN_TYPES,
  VALUE_TYPES,
  WSA_ANONYMOUS,
} from './namespaces.ts';
import { attrNs, failAt, findChild, findChildren, optionalText, requireChild, trimmedText } from './read.ts';
import { buildSecurityHeader } from './security.ts';

/** One ac:ContextItem. Names repeat (a MAC per adapter), so the list keeps document order and duplicates. */
export interface ContextItem {
  name: string;
  value: string;
}

/** MS-WSTEP RequestSecurityToken as profiled by MS-MDE2 §3.4 (Issue), §3.5 (Renew) and recovery. */
export interface RequestSecurityToken {
  messageId?: string;
  to?: string;
  tokenType: string;
  requestType: RequestType;
  /** PKCS#10 for Issue and Recovery; PKCS#7 (a CSR signed with the old certificate) for Renew. */
  request: { format: 'PKCS10' | 'PKCS7'; valueType: string; der: Uint8Array };
  context: ContextItem[];
}

const WST = [NS.wst];
const WSSE = [NS.wsse];
const AC = [NS.ac];
// Without this cap a 512 KiB envelope could smuggle a CSR far beyond anything Windows produces.
const MAX_REQUEST_TOKEN = 64 * 1024;

export function readRequestSecurityToken(input: string | SoapEnvelope): RequestSecurityToken {
  const env = typeof input === 'string' ? parseSoapEnvelope(input) : input;
  expectAction(env, ACTIONS.requestSecurityToken);
  const rst = expectPayload(env, 'RequestSecurityToken', WST);
  const tokenType = trimmedText(requireChild(rst, 'TokenType', WST));
  if (tokenType !== TOKEN_TYPES.deviceEnrollment) {
    failAt('SOAP_BAD_VALUE', `TokenType "${tokenType}" is not the MS-MDE2 device enrollment token`, rst);
  }
  const typeEl = requireChild(rst, 'RequestType', WST);
  const typeUri = trimmedText(typeEl);
  const requestType = (Object.keys(REQUEST_TYPES) as RequestType[]).find((k) => REQUEST_TYPES[k] === typeUri);
  if (!requestType) failAt('SOAP_BAD_VALUE', `RequestType "${typeUri}" is not Issue, Renew or Recovery`, typeEl);

  const bst = requireChild(rst, 'BinarySecurityToken', WSSE);
  const valueType = attrNs(bst, 'ValueType')?.trim() ?? '';
  const format =
    valueType === VALUE_TYPES.pkcs10
      ? 'PKCS10'
      : valueType === VALUE_TYPES.pkcs7 || valueType === VALUE_TYPES.pkcs7Wsse
        ? 'PKCS7'
        : undefined;
  if (!format) failAt('SOAP_BAD_VALUE', `BinarySecurityToken ValueType "${valueType}" is not PKCS10 or PKCS7`, bst);
  const der = decodeBase64(trimmedText(bst), 'CSR_MALFORMED', `${format} request`, MAX_REQUEST_TOKEN);

  const out: RequestSecurityToken = {
    tokenType,
    requestType,
    request: { format, valueType, der },
    context: readContext(rst),
  };
  if (env.addressing.messageId !== undefined) out.messageId = env.addressing.messageId;
  if (env.addressing.to !== undefined) out.to = env.addressing.to;
  return out;
}

function readContext(rst: XmlElement): ContextItem[] {
  const ac = findChild(rst, 'AdditionalContext', AC);
  if (!ac) return [];
  return findChildren(ac, 'ContextItem', AC).map((item) => {
    const name = attrNs(item, 'Name') ?? failAt('SOAP_MALFORMED', 'ContextItem has no Name', item);
    return { name, value: optionalText(item, 'Value', AC) ?? '' };
  });
}

/** First value of a context item; names are compared exactly, as Windows spells them consistently. */
export function contextValue(items: readonly ContextItem[], name: string): string | undefined {
  return items.find((i) => i.name === name)?.value;
}

export function contextValues(items: readonly ContextItem[], name: string): string[] {
  return items.filter((i) => i.name === name).map((i) => i.value);
}

export interface RequestSecurityTokenInput {
  messageId: string;
  to: string;
  /** A serialised wsse:Security header (buildSecurityHeader). */
  security: string;
  requestType?: RequestType;
  request: { format: 'PKCS10' | 'PKCS7'; der: Uint8Array };
  context: readonly ContextItem[];
}

/** The RST in the exact shape of the Windows 10 capture (prefixes wst/wsse/ac declared on the envelope's body). */
export function buildRequestSecurityToken(input: RequestSecurityTokenInput): string {
  const items = input.context.map((c) => wrap('ac:ContextItem', el('ac:Value', c.value), [['Name', c.name]])).join('');
  const body = wrap(
    'wst:RequestSecurityToken',
    el('wst:TokenType', TOKEN_TYPES.deviceEnrollment) +
      el('wst:RequestType', REQUEST_TYPES[input.requestType ?? 'Issue']) +
      el('wsse:BinarySecurityToken', encodeBase64(input.request.der), [
        ['ValueType', input.request.format === 'PKCS10' ? VALUE_TYPES.pkcs10 : VALUE_TYPES.pkcs7],
        ['EncodingType', ENCODING_BASE64],
      ]) +
      wrap('ac:AdditionalContext', items, [['xmlns', NS.ac]]),
  );
  return buildSoapEnvelope({
    action: ACTIONS.requestSecurityToken,
    messageId: input.messageId,
    replyTo: WSA_ANONYMOUS,
    to: input.to,
    security: input.security,
    body,
    bodyAttrs: [
      ['xmlns:wsse', NS.wsse],
      ['xmlns:wst', NS.wst],
      ['xmlns:ac', NS.ac],
    ],
  });
}

export interface RequestSecurityTokenResponse {
  tokenType: string;
  dispositionMessage?: string;
  requestId?: string;
  /** The decoded wap-provisioningdoc XML text. */
  provisioningDoc: string;
}

export interface RequestSecurityTokenResponseInput {
  /** The wap-provisioningdoc XML text; encoded here as UTF-8 base64. */
  provisioningDoc: string;
  relatesTo?: string;
  activityId?: ActivityId;
  requestId?: string | number;
  dispositionMessage?: string;
  /** Microsoft's servers add a wsu:Timestamp to the RSTR; Windows does not require it. */
  timestamp?: { created: Date; expires: Date };
}

export function buildRequestSecurityTokenResponse(input: RequestSecurityTokenResponseInput): string {
  const rstr =
    el('TokenType', TOKEN_TYPES.deviceEnrollment) +
    el('DispositionMessage', input.dispositionMessage ?? '', [['xmlns', NS.enrollment]]) +
    wrap(
      'RequestedSecurityToken',
      el('BinarySecurityToken', encodeBase64(input.provisioningDoc), [
        ['ValueType', VALUE_TYPES.provisionDoc],
        ['EncodingType', ENCODING_BASE64],
        ['xmlns', NS.wsse],
      ]),
    ) +
    el('RequestID', input.requestId ?? 0, [['xmlns', NS.enrollment]]);
  const env: EnvelopeInput = {
    action: ACTIONS.requestSecurityTokenResponse,
    body: wrap('RequestSecurityTokenResponseCollection', wrap('RequestSecurityTokenResponse', rstr), [
      ['xmlns', NS.wst],
    ]),
  };
  if (input.relatesTo !== undefined) env.relatesTo = input.relatesTo;
  if (input.activityId) env.activityId = input.activityId;
  if (input.timestamp) env.security = buildSecurityHeader({ timestamp: { ...input.timestamp, id: '_0' } });
  return buildSoapEnvelope(env);
}

const MAX_PROVISIONING_DOC = 256 * 1024;

export function readRequestSecurityTokenResponse(
  input: string | SoapEnvelope,
): RequestSecurityTokenResponse & { relatesTo?: string } {
  const env = typeof input === 'string' ? parseSoapEnvelope(input) : input;
  expectAction(env, ACTIONS.requestSecurityTokenResponse);
  const coll = expectPayload(env, 'RequestSecurityTokenResponseCollection', WST);
  const rstr = requireChild(coll, 'RequestSecurityTokenResponse', WST);
  const requested = requireChild(rstr, 'RequestedSecurityToken', WST);
  const bst = requireChild(requested, 'BinarySecurityToken', WSSE);
  const valueType = attrNs(bst, 'ValueType')?.trim();
  if (valueType !== VALUE_TYPES.provisionDoc) {
    failAt('SOAP_BAD_VALUE', `BinarySecurityToken ValueType "${valueType ?? ''}" is not a provisioning document`, bst);
  }
  const bytes = decodeBase64(trimmedText(bst), 'PROVISIONING_MALFORMED', 'provisioning document', MAX_PROVISIONING_DOC);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return failAt('PROVISIONING_MALFORMED', 'provisioning document is not UTF-8', bst);
  }
  const out: RequestSecurityTokenResponse & { relatesTo?: string } = {
    tokenType: optionalText(rstr, 'TokenType', WST) ?? '',
    provisioningDoc: text,
  };
  const disposition = optionalText(rstr, 'DispositionMessage', [NS.enrollment]);
  const requestId = optionalText(rstr, 'RequestID', [NS.enrollment]);
  if (disposition !== undefined) out.dispositionMessage = disposition;
  if (requestId !== undefined) out.requestId = requestId;
  if (env.addressing.relatesTo !== undefined) out.relatesTo = env.addressing.relatesTo;
  return out;
}
