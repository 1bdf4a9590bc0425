/**
 * Status and alert codes. Meanings follow the SyncML Representation Protocol's response codes as Windows
 * documents them ([MS-MDM], Learn "OMA DM protocol support"); the Windows-specific notes say where Windows
 * narrows or extends the OMA meaning.
 */

export const StatusCode = {
  IN_PROGRESS: 101,
  OK: 200,
  ITEM_ADDED: 201,
  ACCEPTED_FOR_PROCESSING: 202,
  NON_AUTHORITATIVE: 203,
  NO_CONTENT: 204,
  RESET_CONTENT: 205,
  PARTIAL_CONTENT: 206,
  AUTHENTICATION_ACCEPTED: 212,
  CHUNKED_ITEM_ACCEPTED: 213,
  OPERATION_CANCELLED: 214,
  NOT_EXECUTED: 215,
  ATOMIC_ROLLBACK_OK: 216,
  MULTIPLE_CHOICES: 300,
  MOVED_PERMANENTLY: 301,
  FOUND: 302,
  SEE_OTHER: 303,
  NOT_MODIFIED: 304,
  USE_PROXY: 305,
  BAD_REQUEST: 400,
  INVALID_CREDENTIALS: 401,
  PAYMENT_REQUIRED: 402,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  COMMAND_NOT_ALLOWED: 405,
  OPTIONAL_FEATURE_NOT_SUPPORTED: 406,
  MISSING_CREDENTIALS: 407,
  REQUEST_TIMEOUT: 408,
  CONFLICT: 409,
  GONE: 410,
  SIZE_REQUIRED: 411,
  INCOMPLETE_COMMAND: 412,
  REQUEST_ENTITY_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  REQUESTED_SIZE_TOO_BIG: 416,
  RETRY_LATER: 417,
  ALREADY_EXISTS: 418,
  DEVICE_FULL: 420,
  SIZE_MISMATCH: 424,
  PERMISSION_DENIED: 425,
  COMMAND_FAILED: 500,
  COMMAND_NOT_IMPLEMENTED: 501,
  BAD_GATEWAY: 502,
  SERVICE_UNAVAILABLE: 503,
  GATEWAY_TIMEOUT: 504,
  DTD_VERSION_NOT_SUPPORTED: 505,
  PROCESSING_ERROR: 506,
  ATOMIC_FAILED: 507,
  PROTOCOL_VERSION_NOT_SUPPORTED: 513,
  OPERATION_CANCELLED_BEFORE_PROCESSING: 514,
  ATOMIC_ROLLBACK_FAILED: 516,
  ATOMIC_RESPONSE_TOO_LARGE: 517,
} as const;

export type KnownStatusCode = (typeof StatusCode)[keyof typeof StatusCode];

const STATUS_MEANINGS: Readonly<Record<KnownStatusCode, string>> = {
  101: 'In progress: the command is being carried out but has not completed.',
  200: 'OK: the command completed successfully.',
  201: 'Item added.',
  202: 'Accepted for processing: the command runs asynchronously (Windows answers this for some Replace and Exec).',
  203: 'Non-authoritative response: answered by an entity other than the target.',
  204: 'No content: completed, no data returned (e.g. a Get on an empty node).',
  205: 'Reset content: the source should refresh its content.',
  206: 'Partial content: only part of the command was completed.',
  212: 'Authentication accepted: no further credentials are needed in this session.',
  213: 'Chunked item accepted and buffered: send the next chunk of the large object.',
  214: 'Operation cancelled: the command completed but no more commands are processed in this session.',
  215: 'Not executed: cancelled by user interaction, or never run because an earlier command stopped the sequence.',
  216: 'Atomic rollback OK: the command was in a failed Atomic and was rolled back.',
  300: 'Multiple choices: the target maps to several items.',
  301: 'Moved permanently.',
  302: 'Found: the target was temporarily moved.',
  303: 'See other: the target is at another URI.',
  304: 'Not modified.',
  305: 'Use proxy.',
  400: 'Bad request: malformed syntax (unknown element, missing CmdID...).',
  401: 'Invalid credentials: authentication failed; a Chal with a new nonce is expected.',
  402: 'Payment required.',
  403: 'Forbidden: understood but refused.',
  404: 'Not found: the target node does not exist.',
  405: 'Command not allowed: e.g. a write to a read-only node, or a command in the wrong scope.',
  406: 'Optional feature not supported: the command or node property is not supported by the recipient.',
  407: 'Missing credentials: authentication required; the Status carries a Chal.',
  408: 'Request timeout.',
  409: 'Conflict.',
  410: 'Gone: the target no longer exists.',
  411: 'Size required: a large object chunk came without Meta/Size.',
  412: 'Incomplete command: required information is missing.',
  413: 'Request entity too large.',
  414: 'URI too long.',
  415: 'Unsupported media type or format.',
  416: 'Requested size too big.',
  417: 'Retry later.',
  418: 'Already exists: an Add targeted an existing node.',
  420: 'Device full.',
  424: 'Size mismatch: a reassembled large object does not match its Meta/Size.',
  425: 'Permission denied: the sender lacks the access rights.',
  500: 'Command failed: the recipient hit an unexpected condition.',
  501: 'Command not implemented.',
  502: 'Bad gateway.',
  503: 'Service unavailable.',
  504: 'Gateway timeout.',
  505: 'DTD version not supported.',
  506: 'Processing error.',
  507: 'Atomic failed: every command in the Atomic failed with it (also the outer status of a nested Atomic).',
  513: 'Protocol version not supported.',
  514: 'Operation cancelled before the command was processed.',
  516: 'Atomic rollback failed: the command was in a failed Atomic and could not be rolled back.',
  517: 'Atomic response too large to fit in one message.',
};

const STATUS_CLASSES: Readonly<Record<number, string>> = {
  1: 'informational',
  2: 'success',
  3: 'redirection',
  4: 'originator error',
  5: 'recipient error',
};

/** A one-line meaning for any status code, including codes this table does not name. */
export function describeStatus(code: number): string {
  const known = (STATUS_MEANINGS as Readonly<Record<number, string>>)[code];
  if (known) return known;
  const cls = Number.isInteger(code) ? STATUS_CLASSES[Math.floor(code / 100)] : undefined;
  return cls ? `Unassigned ${cls} code ${code}.` : `Not a SyncML status code: ${code}.`;
}

export function isSuccessStatus(code: number): boolean {
  return code >= 200 && code < 300;
}

export const AlertCode = {
  DISPLAY: 1100,
  CONFIRM_OR_REJECT: 1101,
  TEXT_INPUT: 1102,
  SINGLE_CHOICE: 1103,
  MULTIPLE_CHOICE: 1104,
  SERVER_INITIATED_MGMT: 1200,
  CLIENT_INITIATED_MGMT: 1201,
  NEXT_MESSAGE: 1222,
  SESSION_ABORT: 1223,
  CLIENT_EVENT: 1224,
  NO_END_OF_DATA: 1225,
  GENERIC_ALERT: 1226,
} as const;

export type KnownAlertCode = (typeof AlertCode)[keyof typeof AlertCode];

const ALERT_MEANINGS: Readonly<Record<KnownAlertCode, string>> = {
  1100: 'User interaction: display a message.',
  1101: 'User interaction: confirm or reject.',
  1102: 'User interaction: text input.',
  1103: 'User interaction: single choice.',
  1104: 'User interaction: multiple choice.',
  1200: 'Server-initiated management session.',
  1201: 'Client-initiated management session.',
  1222: 'Next message: more messages of this package follow (large objects, multi-message packages).',
  1223: 'Session abort: the sender ends the session; no response is expected.',
  1224: 'Client event (Windows): Item Meta/Type names the event, e.g. LoginStatus or the WinDC document summary.',
  1225: 'End of data for a chunked object not received: a new command arrived before the last chunk.',
  1226: 'Generic alert: Item Meta/Type names the alert, Mark its severity (e.g. unenrollment).',
};

export function describeAlert(code: number): string {
  return (ALERT_MEANINGS as Readonly<Record<number, string>>)[code] ?? `Unknown alert code ${code}.`;
}

/** The Item Meta/Type strings Windows sends with 1224 and 1226 alerts, exactly as on the wire. */
export const AlertType = {
  /** 1224, Data `user` | `others` | `none`. */
  LOGIN_STATUS: 'com.microsoft/MDM/LoginStatus',
  /** 1224, Data `user` | `device` | `mixed` (multi-session AVD). */
  SYNC_TYPE: 'com.microsoft.mdm.synctype',
  /** 1224, Windows 11 24H2 and later. */
  DEVICE_PREP_SYNC: 'com.microsoft/MDM/DevicePrepSync',
  /** 1224 keep-alive while a long operation is pending. */
  REQUEST_PENDING: 'Reversed-Domain-Name:com.microsoft.mdm.requestpending',
  /** 1224 WinDC summary: Data is the DeclaredConfigurations document list, on every message once any exists. */
  DECLARED_CONFIGURATION_DOCUMENTS: 'com.microsoft.mdm.declaredconfigurationdocuments',
  /** 1226, Format int, Data 1: the user removed the work account. */
  UNENROLLMENT_USER_REQUEST: 'com.microsoft:mdm.unenrollment.userrequest',
  /** 1226 result of a Win32 CSP install. */
  WIN32_CSP_INSTALL: 'Reversed-Domain-Name:com.microsoft.mdm.win32csp_install',
} as const;

/** The values of `com.microsoft/MDM/LoginStatus`. */
export const LoginStatus = { USER: 'user', OTHERS: 'others', NONE: 'none' } as const;
