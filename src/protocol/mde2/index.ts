export * from './base64.ts';
export * from './discover.ts';
export * from './envelope.ts';
export * from './fault.ts';
export * from './namespaces.ts';
export { findElementById, outerXml } from './read.ts';
export * from './security.ts';
export * from './signature.ts';
export * from './xcep.ts';
