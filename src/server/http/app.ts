import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import type { TlsMaterial } from '../pki/server-tls.ts';

export interface AppOptions {
  tls: TlsMaterial;
  /** PEM CAs whose client certificates the TLS layer asks for (windc's own CA at least). */
  clientCaPems: string[];
  maxBodyBytes: number;
  logger: FastifyServerOptions['logger'];
}

/** The XML bodies Windows sends; kept as strings because every codec parses from text. */
const XML_TYPES = ['application/soap+xml', 'application/vnd.syncml.dm+xml', 'application/xml', 'text/xml'];

/**
 * The HTTPS server every endpoint hangs off. Client certificates are requested but not required at the TLS
 * layer: enrollment runs before a device has one, so each management route checks `socket.authorized` itself.
 */
export function buildApp(opts: AppOptions): FastifyInstance {
  const app = Fastify({
    https: {
      key: opts.tls.keyPem,
      cert: opts.tls.certPem,
      ca: opts.clientCaPems,
      requestCert: true,
      rejectUnauthorized: false,
    },
    bodyLimit: opts.maxBodyBytes,
    logger: opts.logger,
    // Windows sends paths such as /EnrollmentServer/discovery.svc in varying case.
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true },
    // Per-request access lines would double the log volume of the hot path; routes log what matters.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  });
  app.addContentTypeParser(XML_TYPES, { parseAs: 'string', bodyLimit: opts.maxBodyBytes }, (_req, body, done) =>
    done(null, body),
  );
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    reply.status(status).send({
      error: { code: err.code ?? 'INTERNAL', message: status >= 500 ? 'internal error' : err.message },
    });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route for ${req.method} ${req.url}` } });
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  return app;
}
