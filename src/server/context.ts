import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../store/index.ts';
import type { ServerConfig } from './config.ts';
import type { CertificateAuthority } from './pki/ca.ts';

/**
 * What every route module receives. Built once by `startServer`; route modules keep no state of their own, so
 * any number of processes can share one database.
 */
export interface ServerContext {
  config: ServerConfig;
  store: Store;
  ca: CertificateAuthority;
  log: FastifyBaseLogger;
  now: () => number;
}
