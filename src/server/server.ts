import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { openStore, type Store } from '../store/index.ts';
import type { ServerConfig } from './config.ts';
import type { ServerContext } from './context.ts';
import { buildApp } from './http/app.ts';
import { loadOrCreateCa } from './pki/ca-files.ts';
import { loadServerTls } from './pki/server-tls.ts';
import { registerRoutes } from './routes.ts';

export interface RunningServer {
  app: FastifyInstance;
  context: ServerContext;
  /** The base URL actually listened on (port resolved when 0 was asked for). */
  listenUrl: string;
  caCreated: boolean;
  close(): Promise<void>;
}

/**
 * Opens the store (applying migrations), loads or creates the CA and the TLS identity, registers every route
 * and starts listening. Anything that would only fail once a device arrives is checked here instead.
 */
export async function startServer(
  config: ServerConfig,
  opts: { logger?: boolean | object; now?: () => number } = {},
): Promise<RunningServer> {
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  try {
    const { ca, created } = await loadOrCreateCa({
      dataDir: config.dataDir,
      certPath: config.caCert,
      keyPath: config.caKey,
    });
    await checkAuthority(store, ca.certPem, config.caKey ?? 'data-dir:ca-key.pem');
    const tls = await loadServerTls({
      dataDir: config.dataDir,
      publicUrl: config.publicUrl,
      ca,
      certPath: config.tlsCert,
      keyPath: config.tlsKey,
    });
    const app = buildApp({
      tls,
      clientCaPems: [ca.certPem],
      maxBodyBytes: config.maxBodyBytes,
      logger: opts.logger ?? { level: config.logLevel },
    });
    const context: ServerContext = { config, store, ca, log: app.log, now: opts.now ?? Date.now };
    await registerRoutes(app, context);
    await app.listen({ host: config.listenHost, port: config.listenPort });
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.listenPort;
    const host = config.listenHost.includes(':') ? `[${config.listenHost}]` : config.listenHost;
    return {
      app,
      context,
      listenUrl: `https://${host}:${port}`,
      caCreated: created,
      async close() {
        await app.close();
        await store.close();
      },
    };
  } catch (e) {
    await store.close();
    throw e;
  }
}

/**
 * Several processes on one PostgreSQL must issue from one CA, or devices enrolled through one process would be
 * refused by the next. The first process registers its CA; every later one must present the same certificate.
 */
async function checkAuthority(store: Store, certPem: string, keyRef: string): Promise<void> {
  const der = Buffer.from(certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const fingerprint = createHash('sha256').update(der).digest('hex');
  const stored = await store.certificates.ensureAuthority({
    name: 'device-ca',
    certificatePem: certPem,
    fingerprint,
    keyRef,
  });
  if (stored.fingerprint !== fingerprint) {
    throw new Error(
      `this database already belongs to another CA (fingerprint ${stored.fingerprint}); give every server process the same --ca-cert/--ca-key`,
    );
  }
}
