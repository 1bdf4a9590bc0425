/**
 * @module csp
 * CSP node definitions as data (DeclaredConfiguration, DMClient) and the functions that read them: which node a
 * LocURI names, whether a command may touch it, whether a value fits it, and the DMClient Poll schedule rules.
 */
export * from './declared-configuration.ts';
export * from './dmclient.ts';
export * from './poll.ts';
export * from './registry.ts';
export * from './scope.ts';
export * from './types.ts';
export * from './values.ts';
