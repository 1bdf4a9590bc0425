import { type ErrorCode, isProtocolError } from '../../protocol/errors.ts';
import { type EnrollmentErrorType, type FaultSubcode, faultSubcodeFor } from '../../protocol/mde2/index.ts';

/**
 * A refusal the enrollment endpoints answer with a SOAP fault. The subcode is what Windows turns into the
 * MENROLL_E_* HRESULT it shows (MS-MDE2 §2.2.10); `errorType` adds the DeviceEnrollmentServiceError detail
 * for the cases that table names, and `code` is the stable name windc logs.
 */
export class EnrollmentFault extends Error {
  override readonly name = 'EnrollmentFault';
  constructor(
    readonly subcode: FaultSubcode,
    readonly code: string,
    message: string,
    readonly options: {
      errorType?: EnrollmentErrorType;
      httpStatus?: number;
      retryAfter?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

export const fault = {
  messageFormat: (code: ErrorCode | string, message: string) => new EnrollmentFault('MessageFormat', code, message),
  invalidSecurity: (code: string, message: string) => new EnrollmentFault('InvalidSecurity', code, message),
  authentication: (code: string, message: string) => new EnrollmentFault('Authentication', code, message),
  authorization: (code: string, message: string) => new EnrollmentFault('Authorization', code, message),
  certificateRequest: (code: string, message: string) => new EnrollmentFault('CertificateRequest', code, message),
  notSupported: (code: string, message: string) =>
    new EnrollmentFault('EnrollmentServer', code, message, { errorType: 'NotSupported' }),
};

/** Any error thrown while serving a SOAP request, as the fault to answer with. Internals are not echoed. */
export function toFault(e: unknown): EnrollmentFault {
  if (e instanceof EnrollmentFault) return e;
  if (isProtocolError(e)) return new EnrollmentFault(faultSubcodeFor(e.code), e.code, e.message);
  return new EnrollmentFault('InternalServiceFault', 'INTERNAL', 'the enrollment server hit an unexpected error', {
    cause: e,
  });
}
