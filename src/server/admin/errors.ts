/**
 * The admin API's error catalogue. Every refusal is `{"error": {"code", "message"}}` with one of these codes (or
 * a protocol code from src/protocol/errors.ts when a document breaks a WinDC rule), so scripts branch on codes,
 * never on messages. The OpenAPI document lists them all; test/server/admin/openapi.test.ts keeps it so.
 */
import { ERROR_CATALOGUE, type ErrorCode, isProtocolError } from '../../protocol/errors.ts';
import { StoreError } from '../../store/index.ts';

export const API_ERRORS = {
  AUTH_REQUIRED: { http: 401, text: 'No `Authorization: Bearer <token>` header was sent.' },
  AUTH_INVALID: { http: 401, text: 'The bearer token is unknown, revoked or expired.' },
  BAD_REQUEST: { http: 400, text: 'The request does not match the route schema (body, query or path).' },
  NOT_FOUND: { http: 404, text: 'The document, set, group, device, enrollment or subscription does not exist.' },
  CONFLICT: { http: 409, text: 'The name is already taken, or the change contradicts the current state.' },
  DOCUMENT_AMBIGUOUS: { http: 400, text: 'Both `xml` and a structured document were given.' },
  DOCUMENT_INCOMPLETE: { http: 400, text: 'The document lacks its scenario or blocks.' },
  DOCUMENT_TEMPLATE: {
    http: 400,
    text: 'Bulk-template placeholders or ReflectedProperties in a Host/Complete document (not served by windc).',
  },
  DOCUMENT_INVENTORY_VALUES: { http: 400, text: 'An inventory document sets values; inventory only reads them.' },
  DOCUMENT_NOT_ABANDONABLE: { http: 400, text: 'Only configuration (Host/Complete) documents can be abandoned.' },
  RULE_INVALID: { http: 400, text: 'A group rule names an unknown attribute or operator, or a bad value.' },
  SETTING_INVALID: {
    http: 400,
    text: 'A ManagementServiceConfiguration or DMClient setting is outside its documented range.',
  },
  POLL_SCHEDULE_INVALID: { http: 400, text: 'The DMClient poll schedule is one seed 004 calls invalid.' },
  WEBHOOK_URL_INVALID: { http: 400, text: 'A webhook URL must be http(s) and absolute.' },
  LINK_NOT_PRIMARY: { http: 409, text: 'Linking runs on a primary enrollment with windc as the MDM.' },
  NOT_ACCEPTABLE: { http: 406, text: 'The endpoint streams text/event-stream only.' },
  INTERNAL: { http: 500, text: 'An unexpected server error; the log has the details.' },
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

/** Protocol codes the admin API passes through as they are (all are 4xx in the protocol catalogue). */
export type AnyErrorCode = ApiErrorCode | ErrorCode;

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: AnyErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  get status(): number {
    return this.code in API_ERRORS
      ? API_ERRORS[this.code as ApiErrorCode].http
      : ERROR_CATALOGUE[this.code as ErrorCode].http;
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** Every way a handler can fail, as the HTTP status and body the client receives. */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody } | undefined {
  if (err instanceof ApiError) {
    const body: ErrorBody = { error: { code: err.code, message: err.message } };
    if (err.details !== undefined) body.error.details = err.details;
    return { status: err.status, body };
  }
  if (isProtocolError(err)) {
    return { status: err.httpStatus, body: { error: { code: err.code, message: err.message } } };
  }
  if (err instanceof StoreError) {
    if (err.code === 'NOT_FOUND') return { status: 404, body: { error: { code: 'NOT_FOUND', message: err.message } } };
    if (err.code === 'CONFLICT') return { status: 409, body: { error: { code: 'CONFLICT', message: err.message } } };
    if (err.code === 'INVALID') {
      return { status: 400, body: { error: { code: 'BAD_REQUEST', message: err.message } } };
    }
  }
  return undefined;
}

export function notFound(what: string): ApiError {
  return new ApiError('NOT_FOUND', `${what} does not exist`);
}

/** Every code a client may see, for the OpenAPI document. */
export function allErrorCodes(): { code: string; http: number; text: string }[] {
  return [
    ...Object.entries(API_ERRORS).map(([code, v]) => ({ code, http: v.http, text: v.text })),
    ...Object.entries(ERROR_CATALOGUE)
      .filter(([code]) => code.startsWith('DC_') || code.startsWith('CSP_') || code.startsWith('XML_'))
      .map(([code, v]) => ({ code, http: v.http, text: v.text })),
  ];
}
