import type { ErrorCode } from '../errors.ts';
import type { XmlElement } from '../xml/index.ts';
import { el, wrap } from '../xml/index.ts';
import { type ActivityId, buildSoapEnvelope, type EnvelopeInput, type SoapEnvelope } from './envelope.ts';
import { ACTIONS, NS } from './namespaces.ts';
import { findChild, trimmedText } from './read.ts';

/**
 * The MS-MDE2 §2.2.10 subcodes with the HRESULT Windows reports for each. The qualifying prefix matters: the
 * first five are in the SOAP envelope namespace (`s:`), the last two in WS-Addressing's (`a:`).
 */
export const FAULT_SUBCODES = {
  MessageFormat: { qname: 's:MessageFormat', hresult: 0x80180001 },
  Authentication: { qname: 's:Authentication', hresult: 0x80180002 },
  Authorization: { qname: 's:Authorization', hresult: 0x80180003 },
  CertificateRequest: { qname: 's:CertificateRequest', hresult: 0x80180004 },
  EnrollmentServer: { qname: 's:EnrollmentServer', hresult: 0x80180005 },
  InternalServiceFault: { qname: 'a:InternalServiceFault', hresult: 0x80180006 },
  InvalidSecurity: { qname: 'a:InvalidSecurity', hresult: 0x80180007 },
} as const;

export type FaultSubcode = keyof typeof FAULT_SUBCODES;

/**
 * DeviceEnrollmentServiceError ErrorType values (MS-MDE2 §2.2.10 detail table) and their HRESULTs.
 * CustomServerError (Windows 10 20H2+) makes Windows show the fault's Message to the user.
 */
export const ENROLLMENT_ERROR_TYPES = {
  DeviceCapReached: 0x80180013,
  DeviceNotSupported: 0x80180014,
  NotSupported: 0x80180015,
  NotEligibleToRenew: 0x80180016,
  InMaintenance: 0x80180017,
  UserLicense: 0x80180018,
  InvalidEnrollmentData: 0x80180019,
  CustomServerError: 0x80180032,
} as const;

export type EnrollmentErrorType = keyof typeof ENROLLMENT_ERROR_TYPES;

export interface FaultDetail {
  errorType: string;
  message?: string;
  traceId?: string;
}

export interface SoapFault {
  /** Local part of the top-level code, `Receiver` for every MS-MDE2 fault. */
  code: string;
  /** The subcode when it is one of MS-MDE2's, matched case-insensitively. */
  subcode: FaultSubcode | undefined;
  /** The subcode QName as sent. */
  rawSubcode: string | undefined;
  reason: string;
  detail: FaultDetail | undefined;
}

export interface FaultInput {
  subcode: FaultSubcode;
  reason: string;
  /** The request's MessageID. */
  relatesTo?: string;
  /** Defaults to the WS-Addressing fault action; Microsoft's example reuses the operation's response action. */
  action?: string;
  activityId?: ActivityId;
  detail?: { errorType: EnrollmentErrorType; message?: string; traceId?: string };
  lang?: string;
}

/**
 * A SOAP 1.2 fault. MS-MDE2 §2.2.10's example is all lower case (`s:receiver`, `deviceenrollmentserviceerror`),
 * which is not SOAP 1.2 (XML names are case-sensitive and the code must be env:Receiver); this writes the
 * spelling of the spec's own subcode table and of Intune's replies (`s:Receiver`, `DeviceEnrollmentServiceError`).
 */
export function buildSoapFault(input: FaultInput): string {
  const sub = FAULT_SUBCODES[input.subcode];
  let fault =
    wrap('s:Code', el('s:Value', 's:Receiver') + wrap('s:Subcode', el('s:Value', sub.qname))) +
    wrap('s:Reason', el('s:Text', input.reason, [['xml:lang', input.lang ?? 'en-US']]));
  if (input.detail) {
    const d = input.detail;
    const inner = el('ErrorType', d.errorType) + el('Message', d.message ?? input.reason) + el('TraceId', d.traceId);
    fault += wrap('s:Detail', wrap('DeviceEnrollmentServiceError', inner, [['xmlns', NS.enrollment]]));
  }
  const env: EnvelopeInput = {
    action: input.action ?? ACTIONS.fault,
    body: wrap('s:Fault', fault),
  };
  if (input.activityId) env.activityId = input.activityId;
  if (input.relatesTo !== undefined) env.relatesTo = input.relatesTo;
  return buildSoapEnvelope(env);
}

/** The fault in the envelope's body, or undefined when the body holds something else. */
export function readSoapFault(env: SoapEnvelope): SoapFault | undefined {
  const f = env.payload;
  const s = env.envelope.uri;
  if (f.local !== 'Fault' || f.uri !== s) return undefined;
  // SOAP 1.1 faults (faultcode/faultstring) carry no MS-MDE2 subcode; read what there is.
  if (env.version === '1.1') {
    const code = findChild(f, 'faultcode', '');
    const text = findChild(f, 'faultstring', '');
    return {
      code: localOf(code ? trimmedText(code) : ''),
      subcode: undefined,
      rawSubcode: undefined,
      reason: text ? trimmedText(text) : '',
      detail: undefined,
    };
  }
  const code = findChild(f, 'Code', s);
  const value = code ? findChild(code, 'Value', s) : undefined;
  const subValue = code ? valueOfSubcode(code, s) : undefined;
  const reason = findChild(f, 'Reason', s);
  const text = reason ? findChild(reason, 'Text', s) : undefined;
  return {
    code: localOf(value ? trimmedText(value) : ''),
    subcode: subValue === undefined ? undefined : matchSubcode(subValue),
    rawSubcode: subValue,
    reason: text ? trimmedText(text) : '',
    detail: readDetail(findChild(f, 'Detail', s)),
  };
}

function valueOfSubcode(code: XmlElement, s: string): string | undefined {
  const sub = findChild(code, 'Subcode', s);
  const v = sub ? findChild(sub, 'Value', s) : undefined;
  return v ? trimmedText(v) : undefined;
}

function matchSubcode(qname: string): FaultSubcode | undefined {
  // Fleet sends `s:messageformat`, Intune `s:MessageFormat`; Windows evidently accepts both, so must we.
  const local = localOf(qname).toLowerCase();
  for (const k of Object.keys(FAULT_SUBCODES) as FaultSubcode[]) if (k.toLowerCase() === local) return k;
  return undefined;
}

function readDetail(detail: XmlElement | undefined): FaultDetail | undefined {
  if (!detail) return undefined;
  const err = detail.children.find(
    (c): c is XmlElement => c.kind === 'element' && c.local.toLowerCase() === 'deviceenrollmentserviceerror',
  );
  if (!err) return undefined;
  const field = (name: string): string | undefined => {
    const e = err.children.find((c): c is XmlElement => c.kind === 'element' && c.local.toLowerCase() === name);
    return e ? trimmedText(e) : undefined;
  };
  const out: FaultDetail = { errorType: field('errortype') ?? '' };
  const message = field('message');
  const traceId = field('traceid');
  if (message !== undefined) out.message = message;
  if (traceId !== undefined) out.traceId = traceId;
  return out;
}

function localOf(qname: string): string {
  const i = qname.indexOf(':');
  return i < 0 ? qname : qname.slice(i + 1);
}

/**
 * The subcode a server answers a refused request with. Windows turns the subcode into the HRESULT it shows the
 * user, so an unreadable security header must not be reported as a generic format error.
 */
export function faultSubcodeFor(code: ErrorCode): FaultSubcode {
  if (code === 'WSSE_MALFORMED') return 'InvalidSecurity';
  if (code.startsWith('CSR_')) return 'CertificateRequest';
  if (code.startsWith('SOAP_') || code.startsWith('XML_')) return 'MessageFormat';
  return 'InternalServiceFault';
}
