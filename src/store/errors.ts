/**
 * Failures callers are expected to handle. Anything else (a lost connection, a bug) surfaces as the driver's
 * own error. Codes are stable so the admin API can map them to HTTP statuses without string matching.
 */
export type StoreErrorCode =
  /** A referenced row (enrollment, set, group, document, device) does not exist. */
  | 'NOT_FOUND'
  /** A unique name or key is already taken. */
  | 'CONFLICT'
  /** The database schema is older or newer than this build; run `windc migrate` or upgrade windc. */
  | 'SCHEMA_MISMATCH'
  /** An argument violates the store's contract (e.g. CmdID 0). */
  | 'INVALID';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
