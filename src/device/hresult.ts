/**
 * The HRESULTs the emulator reports, with the text Windows' event log prints for them. Windows formats a code it
 * has a message for as that message and anything else as "Unknown Win32 Error code: 0x…" (seed 001 shows both), so
 * only codes whose system message is well known carry text here.
 */
export const HResult = {
  S_OK: 0x00000000,
  /** E_NOTIMPL. */
  NOT_IMPLEMENTED: 0x80004001,
  /** E_FAIL. */
  FAIL: 0x80004005,
  /** E_UNEXPECTED: what Windows logs when a document's id differs from its DocID (seed 001). */
  CATASTROPHIC_FAILURE: 0x8000ffff,
  /** ERROR_FILE_NOT_FOUND: scope/context mismatch (seed 001) and Enroll without a DiscoveryEndpoint. */
  FILE_NOT_FOUND: 0x80070002,
  ACCESS_DENIED: 0x80070005,
  INVALID_PARAMETER: 0x80070057,
  DIR_NOT_EMPTY: 0x80070091,
  ALREADY_EXISTS: 0x800700b7,
  /** ERROR_NOT_FOUND: a bulk template's instance data is missing. */
  ELEMENT_NOT_FOUND: 0x80070490,
  /** A URI of a resource-access document names no node (seed 001, the TrafficFilterList typo). */
  OMADM_NODE_NOT_FOUND: 0x86000002,
  /** A direct SyncML write to a resource a live WinDC document owns (resource-access page). */
  OMADM_RESOURCE_OWNED: 0x86000031,
  /** "ErrorAtDocLevel: one or more CSPs failed" (seed 001). */
  DC_ERROR_AT_DOC_LEVEL: 0x82d00007,
  /** WMI: the MI provider reports a failure of its own. */
  WBEM_PROVIDER_FAILURE: 0x80041004,
  /** WMI: a property value or name the provider does not accept. */
  WBEM_INVALID_PARAMETER: 0x80041008,
  /** WMI: no provider for the DSC block's namespace. */
  WBEM_INVALID_NAMESPACE: 0x8004100e,
  /** WMI: no provider for the DSC block's className. */
  WBEM_INVALID_CLASS: 0x80041010,
} as const;

const MESSAGES: ReadonlyMap<number, string> = new Map([
  [HResult.S_OK, 'The operation completed successfully.'],
  [HResult.NOT_IMPLEMENTED, 'Not implemented'],
  [HResult.FAIL, 'Unspecified error'],
  [HResult.CATASTROPHIC_FAILURE, 'Catastrophic failure'],
  [HResult.FILE_NOT_FOUND, 'The system cannot find the file specified.'],
  [HResult.ACCESS_DENIED, 'Access is denied.'],
  [HResult.INVALID_PARAMETER, 'The parameter is incorrect.'],
  [HResult.DIR_NOT_EMPTY, 'The directory is not empty.'],
  [HResult.ALREADY_EXISTS, 'Cannot create a file when that file already exists.'],
  [HResult.ELEMENT_NOT_FOUND, 'Element not found.'],
]);

/** `0x86000002`: eight lower-case hex digits, as Windows prints them and as result documents carry them. */
export function hex(hr: number): string {
  return `0x${(hr >>> 0).toString(16).padStart(8, '0')}`;
}

/** The event-log rendering of a code: its message, or "Unknown Win32 Error code: 0x…". */
export function describeHResult(hr: number): string {
  return MESSAGES.get(hr >>> 0) ?? `Unknown Win32 Error code: ${hex(hr)}`;
}

/**
 * An int CSP node reports an HRESULT as the unsigned DWORD Windows stores (2147942402 for 0x80070002). The value
 * table accepts both readings of a 32-bit int; unsigned is what a registry-backed node returns.
 */
export function hresultNodeValue(hr: number): string {
  return String(hr >>> 0);
}

/** An error carrying the HRESULT Windows would report for it. */
export class HResultError extends Error {
  override readonly name = 'HResultError';
  readonly hresult: number;
  /** A failure of the machinery rather than of the requested setting (states 62, 72, 82). */
  readonly infra: boolean;

  constructor(hresult: number, message: string, options: { infra?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.hresult = hresult >>> 0;
    this.infra = options.infra ?? false;
  }
}

export function hresultOf(e: unknown, fallback: number = HResult.FAIL): number {
  return e instanceof HResultError ? e.hresult : fallback >>> 0;
}
