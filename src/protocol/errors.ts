/**
 * Every failure on bad input is a ProtocolError with a stable code from this catalogue, so the server can map
 * it to a SyncML status, a SOAP fault or an HTTP status without parsing messages. `test/protocol/errors.test.ts`
 * keeps the catalogue and docs/errors.md in step.
 */
export const ERROR_CATALOGUE = {
  XML_MALFORMED: { http: 400, syncml: 400, text: 'The XML is not well-formed.' },
  XML_DOCTYPE_FORBIDDEN: {
    http: 400,
    syncml: 400,
    text: 'A DOCTYPE or entity declaration was sent; windc never accepts one.',
  },
  XML_TOO_LARGE: { http: 413, syncml: 413, text: 'The message is larger than the configured maximum.' },
  XML_TOO_DEEP: { http: 400, syncml: 400, text: 'Elements are nested deeper than the configured maximum.' },
  XML_TOO_MANY_NODES: { http: 400, syncml: 400, text: 'The message has more elements than the configured maximum.' },
  XML_UNEXPECTED_ROOT: { http: 400, syncml: 400, text: 'The root element is not the one expected.' },
  SYNCML_MISSING_ELEMENT: { http: 400, syncml: 400, text: 'A required SyncML element is missing.' },
  SYNCML_BAD_VALUE: { http: 400, syncml: 400, text: 'A SyncML element has a value of the wrong form.' },
  SYNCML_UNKNOWN_COMMAND: {
    http: 400,
    syncml: 400,
    text: 'SyncBody holds an element that is not a SyncML DM 1.2 command.',
  },
  SYNCML_UNSUPPORTED_VERSION: {
    http: 400,
    syncml: 505,
    text: 'The SyncML namespace or VerDTD/VerProto is not 1.1/1.2 DM.',
  },
  SYNCML_TOO_MANY_ITEMS: {
    http: 400,
    syncml: 400,
    text: 'The message carries more Items than the configured maximum.',
  },
  SYNCML_UNEXPECTED_ELEMENT: {
    http: 400,
    syncml: 400,
    text: 'An element appears where SyncML DM 1.2 does not allow it, or more often than allowed.',
  },
  SYNCML_TOO_DEEP: {
    http: 400,
    syncml: 400,
    text: 'Atomic and Sequence are nested deeper than the configured maximum.',
  },
  DC_BAD_DOCUMENT: {
    http: 400,
    syncml: 400,
    text: 'The DeclaredConfiguration document is not of the documented form.',
  },
  DC_BAD_ID: { http: 400, syncml: 400, text: 'The document id is not a GUID.' },
  DC_BAD_CONTEXT: { http: 400, syncml: 400, text: 'The document context is neither Device nor User.' },
  DC_UNKNOWN_SCENARIO: { http: 400, syncml: 400, text: 'osdefinedscenario is not a scenario name Windows accepts.' },
  DC_ID_MISMATCH: {
    http: 400,
    syncml: 500,
    text: 'The document id differs from the DocID in its LocURI (Windows: 0x8000FFFF).',
  },
  DC_SCOPE_MISMATCH: {
    http: 400,
    syncml: 404,
    text: 'The LocURI scope differs from the document context (Windows: file not found).',
  },
  DC_SCENARIO_SCOPE: { http: 400, syncml: 400, text: 'Extensibility scenarios are allowed in Device scope only.' },
  DC_BAD_LOCURI: { http: 400, syncml: 404, text: 'The LocURI is not a DeclaredConfiguration CSP path.' },
  DC_BAD_RESULT: {
    http: 400,
    syncml: 400,
    text: 'The DeclaredConfigurationResult document is not of the documented form.',
  },
  DC_BAD_ALERT: {
    http: 400,
    syncml: 400,
    text: 'The 1224 declaredconfigurationdocuments summary is not of the documented form.',
  },
  CSP_BAD_VALUE: { http: 400, syncml: 400, text: 'A value does not satisfy the CSP node definition.' },
  CSP_UNKNOWN_NODE: {
    http: 400,
    syncml: 404,
    text: 'The LocURI names no node of a known CSP in that scope, or a dynamic segment breaks its naming rule.',
  },
  CSP_COMMAND_NOT_ALLOWED: { http: 400, syncml: 405, text: "The node's access types do not include this command." },
  SOAP_MALFORMED: { http: 400, syncml: 400, text: 'The SOAP envelope is not of the MS-MDE2 form.' },
  SOAP_UNEXPECTED_ACTION: {
    http: 400,
    syncml: 400,
    text: 'The SOAP Action or body is not the operation this endpoint serves.',
  },
  SOAP_BAD_VALUE: { http: 400, syncml: 400, text: 'An MS-MDE2 element has a value outside its documented form.' },
  WSSE_MALFORMED: { http: 400, syncml: 400, text: 'The WS-Security header cannot be read (fault a:InvalidSecurity).' },
  CSR_MALFORMED: { http: 400, syncml: 400, text: 'The PKCS#10 request cannot be decoded.' },
  CSR_UNSUPPORTED_ALGORITHM: {
    http: 400,
    syncml: 400,
    text: 'The PKCS#10 request uses a key or signature algorithm windc cannot verify.',
  },
  PROVISIONING_MALFORMED: {
    http: 400,
    syncml: 400,
    text: 'The wap-provisioningdoc is not of the MS-MDE2 form.',
  },
  DISCOVERY_TOO_LARGE: { http: 413, syncml: 413, text: 'The WinDC discovery body is larger than the maximum.' },
  DISCOVERY_BAD_JSON: { http: 400, syncml: 400, text: 'The WinDC discovery body is not a JSON object.' },
  DISCOVERY_BAD_FIELD: { http: 400, syncml: 400, text: 'A WinDC discovery field is not a string.' },
  DISCOVERY_MISSING_OS_VERSION: { http: 400, syncml: 400, text: 'The WinDC discovery body has no osVersion.' },
  DISCOVERY_BAD_OS_VERSION: {
    http: 400,
    syncml: 400,
    text: 'osVersion is not a dotted Windows version such as 10.0.22631.3958.',
  },
  DISCOVERY_BAD_ENROLLMENT_TYPE: {
    http: 400,
    syncml: 400,
    text: 'enrollmentType is neither Device, User nor empty.',
  },
  DISCOVERY_BAD_CONTENT_TYPE: {
    http: 415,
    syncml: 415,
    text: 'The WinDC discovery request is not sent as application/json.',
  },
  DISCOVERY_BAD_API_VERSION: {
    http: 400,
    syncml: 400,
    text: 'The WinDC discovery URL names an api-version other than 1.0.',
  },
  DISCOVERY_BAD_RESPONSE: {
    http: 502,
    syncml: 500,
    text: 'The WinDC discovery response lacks a required field or is not JSON.',
  },
  INPUT_UNRECOGNISED: { http: 400, syncml: 400, text: 'The input is none of the formats windc inspect knows.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface ErrorPosition {
  line: number;
  column: number;
}

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code: ErrorCode;
  readonly position: ErrorPosition | undefined;

  constructor(code: ErrorCode, message: string, position?: ErrorPosition, options?: { cause?: unknown }) {
    super(position ? `${message} (line ${position.line}, column ${position.column})` : message, options);
    this.code = code;
    this.position = position;
  }

  /** The SyncML status a server answers with when this error is about a client's command or header. */
  get syncmlStatus(): number {
    return ERROR_CATALOGUE[this.code].syncml;
  }

  /** The HTTP status when the whole request is refused. */
  get httpStatus(): number {
    return ERROR_CATALOGUE[this.code].http;
  }
}

export function isProtocolError(e: unknown): e is ProtocolError {
  return e instanceof ProtocolError;
}
