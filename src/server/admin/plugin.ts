/**
 * The `/api/v1` scope: every route in it is authenticated, validated against its schema (unknown properties are
 * an error, not silently dropped as fastify's default Ajv setup would), and fails with the catalogue's JSON
 * errors. Resource modules only add routes.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AdminToken } from '../../store/index.ts';
import type { ServerContext } from '../context.ts';
import type { DeclaredDeps } from '../declared/context.ts';
import { authenticate } from './auth.ts';
import { ApiError, toErrorResponse } from './errors.ts';
import type { Schema } from './schemas.ts';

export interface AdminContext {
  ctx: ServerContext;
  deps: DeclaredDeps;
}

export type AdminRoutes = (app: FastifyInstance, a: AdminContext) => void;

const TOKEN = Symbol('windc.adminToken');

type WithToken = FastifyRequest & { [TOKEN]?: AdminToken };

/** Who did it, for the audit log. */
export function actor(req: FastifyRequest): string {
  return (req as WithToken)[TOKEN]?.name ?? 'unknown';
}

/** The first property the body has that its schema does not allow, as a path (`dsc[0].kyes`). */
export function unknownProperty(value: unknown, schema: Schema | undefined, path = ''): string | undefined {
  if (!schema || value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(schema.anyOf)) {
    const branch = (schema.anyOf as Schema[]).find((b) => b.type === (Array.isArray(value) ? 'array' : 'object'));
    return unknownProperty(value, branch, path);
  }
  if (Array.isArray(value)) {
    const items = schema.items as Schema | undefined;
    for (let i = 0; i < value.length; i++) {
      const found = unknownProperty(value[i], items, `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  for (const [k, v] of Object.entries(value)) {
    const where = path ? `${path}.${k}` : k;
    const sub = props[k];
    if (!sub) {
      if (schema.additionalProperties === false) return where;
      continue;
    }
    const found = unknownProperty(v, sub, where);
    if (found) return found;
  }
  return undefined;
}

export function sendError(reply: FastifyReply, err: unknown, req: FastifyRequest): FastifyReply {
  const mapped = toErrorResponse(err);
  if (mapped) return reply.status(mapped.status).send(mapped.body);
  const fe = err as FastifyError;
  if (fe.validation) {
    return reply.status(400).send({ error: { code: 'BAD_REQUEST', message: `${fe.validationContext} ${fe.message}` } });
  }
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    return reply.status(fe.statusCode).send({ error: { code: 'BAD_REQUEST', message: fe.message } });
  }
  req.log.error({ err }, 'admin API request failed');
  return reply.status(500).send({ error: { code: 'INTERNAL', message: 'internal error' } });
}

/** Registers the scope's hooks and error handling on `app` (an encapsulated child). */
export function secure(app: FastifyInstance, a: AdminContext): void {
  app.addHook('onRequest', async (req) => {
    (req as WithToken)[TOKEN] = await authenticate(a.ctx.store, req);
  });
  app.addHook('preValidation', async (req) => {
    const schema = req.routeOptions.schema as { body?: Schema; querystring?: Schema } | undefined;
    const body = unknownProperty(req.body, schema?.body);
    if (body) throw new ApiError('BAD_REQUEST', `body has an unknown property '${body}'`);
    const query = unknownProperty(req.query, schema?.querystring);
    if (query) throw new ApiError('BAD_REQUEST', `unknown query parameter '${query}'`);
  });
  app.setErrorHandler((err, req, reply) => sendError(reply, err, req));
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route for ${req.method} ${req.url}` } }),
  );
}
