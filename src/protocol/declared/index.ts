/**
 * @module declared
 * The DeclaredConfiguration model: documents (DSC and CSP bodies, bulk templates), result documents, the 1224
 * `declaredconfigurationdocuments` summary, DCCSPURIState, scenario names, checksums and the CSP's LocURIs.
 * Pure code: strings in, strings out, ProtocolError on anything that breaks a documented rule.
 */
export * from './alert.ts';
export * from './bulk.ts';
export {
  canonicalXml,
  documentChecksum,
  resultChecksum,
  sha256Hex,
  withChecksum,
  withResultChecksum,
} from './canonical.ts';
export { type ContextValue, SCHEMA_VERSION } from './checks.ts';
export * from './document.ts';
export * from './document-parse.ts';
export * from './guid.ts';
export * from './locuri.ts';
export * from './result.ts';
export * from './result-parse.ts';
export * from './scenarios.ts';
export * from './state.ts';
export * from './target.ts';
