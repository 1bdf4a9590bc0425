export * from './build.ts';
export * from './codes.ts';
export * from './error.ts';
export * from './model.ts';
export * from './parse.ts';
export { DEFAULT_SYNCML_LIMITS, type SyncMLLimits } from './read.ts';
export * from './replies.ts';
