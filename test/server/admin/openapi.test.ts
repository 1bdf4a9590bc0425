import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { API_ERRORS } from '../../../src/server/admin/errors.ts';
import { type ApiServer, api, startApiServer } from './support.ts';

type Operation = { summary: string; responses: Record<string, unknown>; parameters?: { name: string; in: string }[] };
type OpenApi = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  'x-error-codes': { code: string; http: number }[];
};

describe('OpenAPI document', () => {
  let s: ApiServer;
  let doc: OpenApi;
  before(async () => {
    s = await startApiServer();
    const r = await api<OpenApi>(s, 'GET', '/api/openapi.json', undefined, {});
    assert.equal(r.status, 200);
    doc = r.body;
  });
  after(() => s.close());

  it('lists every admin route the server has, and only those', () => {
    assert.equal(doc.openapi, '3.0.3');
    const documented: Array<[string, string]> = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) documented.push([method.toUpperCase(), path]);
    }
    assert.ok(documented.length >= 30, `${documented.length} operations`);
    for (const [method, path] of documented) {
      const url = path.replace(/\{([^}]+)\}/g, ':$1');
      assert.ok(s.server.app.hasRoute({ method, url }), `${method} ${path} is documented but not served`);
    }
    // The reverse: routes fastify serves under /api/v1 (read from its own route table) are all documented.
    const table = s.server.app.printRoutes({ commonPrefix: false });
    const served = new Set<string>();
    for (const line of table.split('\n')) {
      const m = /(\/api\/v1\S*) \(([A-Z, ]+)\)/.exec(line.replace(/^[│├└─\s]+/, ''));
      if (!m) continue;
      for (const method of m[2]!.split(', ')) if (method !== 'HEAD') served.add(`${method} ${m[1]}`);
    }
    assert.ok(served.size > 0, 'the route table was read');
    const docSet = new Set(documented.map(([m, p]) => `${m} ${p.replace(/\{([^}]+)\}/g, ':$1')}`));
    for (const r of served) assert.ok(docSet.has(r), `${r} is served but not documented`);
  });

  it('describes each operation: a summary, its path parameters, a success and an error response', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        assert.ok(op.summary.length > 0, `${method} ${path} has a summary`);
        assert.ok('default' in op.responses, `${method} ${path} documents errors`);
        assert.ok(
          Object.keys(op.responses).some((c) => /^2\d\d$/.test(c)),
          `${method} ${path} documents success`,
        );
        for (const name of [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1])) {
          assert.ok(
            op.parameters?.some((p) => p.in === 'path' && p.name === name),
            `${method} ${path} declares ${name}`,
          );
        }
      }
    }
  });

  it('lists every error code the API can answer with', () => {
    const codes = new Set(doc['x-error-codes'].map((c) => c.code));
    for (const code of Object.keys(API_ERRORS)) assert.ok(codes.has(code), code);
    for (const code of ['DC_UNKNOWN_SCENARIO', 'DC_SCOPE_MISMATCH', 'DC_ID_MISMATCH', 'CSP_BAD_VALUE']) {
      assert.ok(codes.has(code), code);
    }
  });
});
