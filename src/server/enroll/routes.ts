import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { buildWinDcDiscoveryError, DISCOVERY_MAX_BYTES } from '../../protocol/discovery/index.ts';
import { SOAP_XML_LIMITS } from '../../protocol/mde2/index.ts';
import type { ServerContext } from '../context.ts';
import { clientAddress } from '../http/client-address.ts';
import type { EnrollmentRole } from './auth/index.ts';
import { authPage } from './auth-page.ts';
import { windcDiscoveryHandler } from './discovery.ts';
import { EnrollmentFault } from './faults.ts';
import { getPolicies } from './policy.ts';
import { RateLimiter } from './rate-limit.ts';
import { createEnrollmentService } from './service.ts';
import { sendFault, soapHandler } from './soap.ts';
import { discover } from './soap-discovery.ts';
import { PATHS } from './urls.ts';
import { requestSecurityToken } from './wstep.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Which error shape an enrollment route answers in. */
    enrollmentShape?: 'soap' | 'json';
  }
}

/** Correlation headers Windows sends and expects back (seed 003; Ms-Cv on every MS-MDE2 and OMA-DM request). */
const ECHOED = ['client-request-id', 'ms-cv'];

/**
 * The enrollment feature: WinDC JSON discovery, classic SOAP discovery, MS-XCEP and MS-WSTEP for the primary
 * and linked roles, and the AuthenticationServiceUrl page. Everything lives in one encapsulated scope, so its
 * body parsers, error shapes and rate limit touch no other feature's routes.
 */
export async function register(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  const svc = createEnrollmentService(ctx);
  const limit = ctx.config.enrollment.rateLimit;
  const limiter = limit ? new RateLimiter(limit.perSecond, limit.burst) : undefined;

  await app.register(async (scope) => {
    // The discovery body is validated by its own codec, which needs the text: malformed JSON must get the
    // discovery error shape, not fastify's. Any other type reaches the handler too, to be refused there by name.
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser(
      ['application/json', '*'],
      { parseAs: 'string', bodyLimit: ctx.config.maxBodyBytes },
      (_req, body, done) => done(null, body),
    );

    scope.addHook('onRequest', async (req, reply) => {
      if (!limiter) return;
      const client = clientAddress(
        req.socket.remoteAddress,
        req.headers['x-forwarded-for'],
        ctx.config.management.trustedProxies,
      );
      const decision = limiter.take(client, ctx.now());
      if (decision.ok) return;
      const retryAfter = decision.retryAfter ?? 1;
      const message = `too many enrollment requests from ${client}; retry in ${retryAfter} s`;
      if (req.routeOptions.config.enrollmentShape === 'json') {
        reply.status(429).header('retry-after', String(retryAfter)).type('application/json');
        return reply.send(buildWinDcDiscoveryError({ errorCode: 'TooManyRequests', message }));
      }
      // MS-MDE2 has no throttling fault; InMaintenance is its "try again later", and 503 carries Retry-After.
      const f = new EnrollmentFault('EnrollmentServer', 'RATE_LIMITED', message, {
        errorType: 'InMaintenance',
        httpStatus: 503,
        retryAfter,
      });
      sendFault(reply, f, {});
      return reply;
    });

    scope.addHook('onSend', async (req, reply) => {
      for (const name of ECHOED) {
        const v = req.headers[name];
        if (typeof v === 'string' && v.length <= 256) reply.header(name, v);
      }
    });

    scope.setErrorHandler((err: FastifyError, req, reply) => replyError(err, req, reply));

    const json = { config: { enrollmentShape: 'json' as const }, bodyLimit: DISCOVERY_MAX_BYTES * 2 };
    const soap = { config: { enrollmentShape: 'soap' as const }, bodyLimit: SOAP_XML_LIMITS.maxBytes + 4096 };
    scope.post(PATHS.windcDiscovery, json, windcDiscoveryHandler(svc));

    // Windows probes with an empty GET before posting Discover (fleet capture 06) and wants a bare 200.
    scope.get(PATHS.discovery, soap, async (_req, reply) => reply.status(200).header('content-length', '0').send());
    scope.post(
      PATHS.discovery,
      soap,
      soapHandler('Discover', (call) => discover(call, svc)),
    );
    for (const role of ['primary', 'linked'] as const satisfies readonly EnrollmentRole[]) {
      scope.post(
        PATHS.policy[role],
        soap,
        soapHandler('GetPolicies', (call) => getPolicies(call, role, svc)),
      );
      scope.post(
        PATHS.enrollment[role],
        soap,
        soapHandler('RequestSecurityToken', (call) => requestSecurityToken(call, role, svc)),
      );
    }
    const page = authPage(ctx.config.publicUrl);
    scope.get(PATHS.auth, async (_req, reply) => reply.type('text/html; charset=utf-8').send(page));
  });
}

/** Failures before a handler runs (oversized or unreadable bodies) in the shape the route speaks. */
function replyError(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
  if (status >= 500) req.log.error({ err }, 'enrollment request failed');
  const tooLarge = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE';
  if (req.routeOptions.config.enrollmentShape === 'json') {
    const errorCode = tooLarge ? 'DISCOVERY_TOO_LARGE' : status >= 500 ? 'INTERNAL' : 'DISCOVERY_BAD_JSON';
    const message = status >= 500 ? 'internal error' : err.message;
    reply.status(status).type('application/json').send(buildWinDcDiscoveryError({ errorCode, message }));
    return;
  }
  const f =
    status >= 500
      ? new EnrollmentFault('InternalServiceFault', 'INTERNAL', 'the enrollment server hit an unexpected error')
      : new EnrollmentFault('MessageFormat', tooLarge ? 'XML_TOO_LARGE' : 'SOAP_MALFORMED', err.message, {
          httpStatus: status,
        });
  sendFault(reply, f, {});
}
