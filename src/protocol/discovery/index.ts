export * from './platform.ts';
export * from './request.ts';
export * from './response.ts';
