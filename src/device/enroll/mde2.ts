/**
 * The MS-MDE2 exchanges shared by the primary and the linked enrollment: MS-XCEP GetPolicies, then MS-WSTEP
 * RequestSecurityToken with a Windows-shaped PKCS#10. Every failure becomes the HRESULT Windows would report:
 * a SOAP fault's subcode or DeviceEnrollmentServiceError type (MS-MDE2 §2.2.10), an HTTP status as
 * 0x8019xxxx (HTTP_E_STATUS_*), no answer at all as WININET's "cannot connect".
 */
import { randomUUID } from 'node:crypto';
import {
  buildGetPoliciesRequest,
  buildRequestSecurityToken,
  buildWindowsCsr,
  type ContextItem,
  ENROLLMENT_ERROR_TYPES,
  FAULT_SUBCODES,
  parseSoapEnvelope,
  readGetPoliciesResponse,
  readRequestSecurityTokenResponse,
  readSoapFault,
  type SoapEnvelope,
  windowsCsrCommonName,
  type XcepPolicy,
} from '../../protocol/mde2/index.ts';
import type { FaultInjector } from '../faults.ts';
import { HResult, HResultError } from '../hresult.ts';
import { soapHeaders } from '../net/headers.ts';
import { type RetryHooks, type RetryPolicy, sendWithRetry } from '../net/retry.ts';
import { type HttpResponse, type HttpTransport, NetworkError, type TlsIdentity } from '../net/transport.ts';
import { type EnrollCredential, secureEnvelope } from './credential.ts';
import { csrHashFor, type EnrollmentKey, type KeySource, signingKeys } from './keys.ts';

export interface EnrollHttp {
  transport: HttpTransport;
  /** Trust for the enrollment server's TLS certificate (no client certificate unless the policy needs one). */
  tls?: TlsIdentity;
  retry: RetryPolicy;
  hooks?: RetryHooks;
  faults?: FaultInjector;
  /** Every request and answer body, for `--trace`. */
  trace?(direction: 'out' | 'in', url: string, body: string): void;
}

/** ERROR_INTERNET_CANNOT_CONNECT: what the enrollment client reports when the server does not answer. */
export const HRESULT_CANNOT_CONNECT = 0x80072efd;

export function httpStatusHResult(status: number): number {
  return (0x80190000 | (status & 0xffff)) >>> 0;
}

export async function post(
  http: EnrollHttp,
  url: string,
  body: string,
  headers = soapHeaders(),
): Promise<HttpResponse> {
  http.trace?.('out', url, body);
  let res: HttpResponse;
  try {
    res = await sendWithRetry(
      http.transport,
      {
        method: 'POST',
        url: new URL(url),
        headers,
        body,
        ...(http.tls ? { tls: http.tls } : {}),
        ...(http.faults ? { faults: http.faults } : {}),
      },
      http.retry,
      http.hooks,
    );
  } catch (e) {
    if (e instanceof NetworkError) throw new HResultError(HRESULT_CANNOT_CONNECT, e.message, { cause: e });
    throw e;
  }
  http.trace?.('in', url, res.body);
  return res;
}

/** A SOAP answer: the envelope on success, the fault's HRESULT otherwise. */
export async function soapCall(http: EnrollHttp, url: string, envelope: string): Promise<SoapEnvelope> {
  const res = await post(http, url, envelope);
  let env: SoapEnvelope | undefined;
  try {
    env = res.body.trim() === '' ? undefined : parseSoapEnvelope(res.body);
  } catch {
    env = undefined;
  }
  const fault = env ? readSoapFault(env) : undefined;
  if (fault) {
    const typed = fault.detail?.errorType as keyof typeof ENROLLMENT_ERROR_TYPES | undefined;
    const hr =
      (typed && ENROLLMENT_ERROR_TYPES[typed]) ??
      (fault.subcode ? FAULT_SUBCODES[fault.subcode].hresult : HResult.FAIL);
    throw new HResultError(hr, `${url}: ${fault.rawSubcode ?? fault.code}: ${fault.detail?.message ?? fault.reason}`);
  }
  if (res.status !== 200) throw new HResultError(httpStatusHResult(res.status), `${url}: HTTP ${res.status}`);
  if (!env) throw new HResultError(FAULT_SUBCODES.MessageFormat.hresult, `${url}: the answer is not a SOAP envelope`);
  return env;
}

export async function fetchPolicy(http: EnrollHttp, url: string, cred: EnrollCredential): Promise<XcepPolicy> {
  const envelope = secureEnvelope(cred, (security) =>
    buildGetPoliciesRequest({ messageId: `urn:uuid:${randomUUID()}`, to: url, security }),
  );
  return readGetPoliciesResponse(await soapCall(http, url, envelope));
}

export interface CertificateRequest {
  devId: string;
  keys: KeySource;
  context: readonly ContextItem[];
}

export interface IssuedEnrollment {
  key: EnrollmentKey;
  /** The wap-provisioningdoc text. */
  provisioningDoc: string;
}

/** Generates the key the policy asks for, and sends the CSR; the answer is the provisioning document. */
export async function requestCertificate(
  http: EnrollHttp,
  url: string,
  cred: EnrollCredential,
  policy: XcepPolicy,
  req: CertificateRequest,
): Promise<IssuedEnrollment> {
  const key = await req.keys.take(policy.minimalKeyLength);
  const der = await buildWindowsCsr({
    keys: await signingKeys(key, csrHashFor(policy)),
    commonName: windowsCsrCommonName(randomUUID(), req.devId),
    deviceId: req.devId,
  });
  const envelope = secureEnvelope(cred, (security) =>
    buildRequestSecurityToken({
      messageId: `urn:uuid:${randomUUID()}`,
      to: url,
      security,
      request: { format: 'PKCS10', der },
      context: req.context,
    }),
  );
  const rstr = readRequestSecurityTokenResponse(await soapCall(http, url, envelope));
  return { key, provisioningDoc: rstr.provisioningDoc };
}
