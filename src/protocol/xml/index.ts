export * from './parse.ts';
export * from './tree.ts';
export * from './write.ts';
