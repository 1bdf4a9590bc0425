/**
 * SyncML DM 1.2 as Windows speaks it: a pure codec, no I/O.
 *
 * - Decode: `parseSyncML` (all or nothing), `parseSyncMLTolerant` (bad commands reported in place, for a server
 *   answering Status 400 per command), `parseSyncMLFragment` / `parseSyncMLCommand` (documentation samples).
 *   Every failure is a `SyncMLError` (a ProtocolError) carrying the header and failing command when known.
 * - Encode: `buildSyncML`, `buildCommand`: deterministic, DTD element order, refusing what would not decode back.
 * - Codes: `StatusCode`, `AlertCode`, `AlertType`, `describeStatus`, `describeAlert`.
 * - Auth: `md5Digest`, `md5Cred` (syncml:auth-md5, the nonce hashed as bytes).
 * - Replies: `replyHeader`, `statusForHeader`, `statusFor`, `itemStatuses`, `resultsFor`, `md5Challenge`...
 */
export * from './auth.ts';
export * from './build.ts';
export * from './codes.ts';
export * from './error.ts';
export * from './model.ts';
export * from './parse.ts';
export { DEFAULT_SYNCML_LIMITS, type SyncMLLimits } from './read.ts';
export * from './replies.ts';
