/**
 * The OpenAPI document is generated from the routes as fastify registers them (an `onRoute` hook), from the
 * same schemas fastify validates requests with, so the document cannot drift from the API (KMFDDM's docs and
 * code disagreed on paths and on 204 vs 304; research anchors §1.1).
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import { allErrorCodes } from './errors.ts';

interface RouteSchema {
  summary?: string;
  description?: string;
  tags?: string[];
  params?: JsonSchema;
  querystring?: JsonSchema;
  body?: JsonSchema;
  response?: Record<string, JsonSchema>;
  /** Routes that answer with something other than JSON (the event stream). */
  produces?: string[];
}

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; required?: string[] };

interface Collected {
  method: string;
  url: string;
  schema: RouteSchema | undefined;
}

export class OpenApiCollector {
  readonly routes: Collected[] = [];

  /** Registers the hook; every route added after this on `app` or its children is collected. */
  attach(app: FastifyInstance, prefix: string): void {
    app.addHook('onRoute', (route: RouteOptions) => {
      if (!route.url.startsWith(prefix)) return;
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const m of methods) {
        // fastify adds HEAD for every GET on its own; it is not part of the API.
        if (m === 'HEAD') continue;
        this.routes.push({ method: m.toLowerCase(), url: route.url, schema: route.schema as RouteSchema | undefined });
      }
    });
  }

  document(info: { title: string; version: string; serverUrl: string }): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const r of this.routes) {
      const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\/$/, '') || '/';
      paths[path] ??= {};
      paths[path][r.method] = operation(r);
    }
    return {
      openapi: '3.0.3',
      info: {
        title: info.title,
        version: info.version,
        description:
          'windc admin API. Authenticate with `Authorization: Bearer <token>`. Writes answer `changed: true|false` ' +
          '(nothing is rewritten when nothing changed). Errors are `{"error": {"code", "message"}}`; the codes are ' +
          'listed under `x-error-codes`.',
      },
      servers: [{ url: info.serverUrl }],
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
        schemas: {
          Error: {
            type: 'object',
            required: ['error'],
            properties: {
              error: {
                type: 'object',
                required: ['code', 'message'],
                properties: {
                  code: { type: 'string', enum: allErrorCodes().map((c) => c.code) },
                  message: { type: 'string' },
                  details: {},
                },
              },
            },
          },
        },
      },
      security: [{ bearer: [] }],
      paths,
      'x-error-codes': allErrorCodes(),
    };
  }
}

function parameters(where: 'path' | 'query', schema: JsonSchema | undefined): unknown[] {
  if (!schema?.properties) return [];
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
    schema: s,
  }));
}

function operation(r: Collected): Record<string, unknown> {
  const s = r.schema ?? {};
  const op: Record<string, unknown> = {
    operationId: `${r.method}${r.url.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    summary: s.summary ?? '',
    tags: s.tags ?? [],
  };
  if (s.description) op.description = s.description;
  const params = [...parameters('path', s.params), ...parameters('query', s.querystring)];
  if (params.length > 0) op.parameters = params;
  if (s.body) op.requestBody = { required: true, content: { 'application/json': { schema: s.body } } };
  const responses: Record<string, unknown> = {};
  for (const [code, schema] of Object.entries(s.response ?? {})) {
    const { description, ...rest } = schema;
    const types = s.produces ?? ['application/json'];
    responses[code] = {
      description: typeof description === 'string' ? description : `HTTP ${code}`,
      content: Object.fromEntries(types.map((t) => [t, { schema: rest }])),
    };
  }
  responses.default = {
    description: 'An error: see x-error-codes',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  };
  op.responses = responses;
  return op;
}
