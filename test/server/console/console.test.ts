import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { STATIC_DIR } from '../../../src/server/console/assets.ts';
import { CONSOLE_HEADERS } from '../../../src/server/console/routes.ts';
import { ApiError, createClient } from '../../../src/server/console/static/api.js';
import { documentRow, statusColumns } from '../../../src/server/console/static/model.js';
import { readEvents } from '../../../src/server/console/static/sse.js';
import { announce, publish } from '../../../src/server/declared/events.ts';
import { type ApiResult, type ApiServer, api, fileDocument, startApiServer, statusEvent } from '../admin/support.ts';
import { httpsFetch } from './https-fetch.ts';

const TYPES: Record<string, RegExp> = {
  html: /^text\/html; charset=utf-8$/,
  js: /^text\/javascript; charset=utf-8$/,
  css: /^text\/css; charset=utf-8$/,
  svg: /^image\/svg\+xml$/,
};

/** Fetched without any Authorization header: the console itself is public. */
const load = (s: ApiServer, path: string) => api(s, 'GET', path, undefined, {});

function assertSecured(r: ApiResult, what: string): void {
  for (const [k, v] of Object.entries(CONSOLE_HEADERS)) assert.equal(r.headers[k], v, `${what}: ${k}`);
  const csp = String(r.headers['content-security-policy']);
  assert.match(csp, /script-src 'self'(;|$)/, 'scripts from this origin only, nothing inline');
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
}

/** Every file the page references and every module those scripts import, fetched: /console/... → response. */
async function referencedAssets(s: ApiServer, html: string): Promise<Map<string, ApiResult>> {
  const found = new Map<string, ApiResult>();
  const queue = [...html.matchAll(/(?:href|src)="(\/console\/[^"]+)"/g)].map((m) => m[1]!);
  while (queue.length > 0) {
    const path = queue.shift()!;
    if (found.has(path)) continue;
    const r = await load(s, path);
    found.set(path, r);
    if (path.endsWith('.js')) {
      for (const m of r.text.matchAll(/from '\.\/([^']+)'/g)) queue.push(`/console/${m[1]}`);
    }
  }
  return found;
}

describe('web console', () => {
  let s: ApiServer;
  before(async () => {
    s = await startApiServer();
  });
  after(() => s.close());

  it('serves the page without a token, with the security headers', async () => {
    for (const path of ['/console', '/console/']) {
      const r = await load(s, path);
      assert.equal(r.status, 200, path);
      assert.match(String(r.headers['content-type']), TYPES.html!);
      assertSecured(r, path);
      assert.equal(r.text, readFileSync(join(STATIC_DIR, 'index.html'), 'utf8'));
    }
    const r = await load(s, '/console');
    assert.doesNotMatch(r.text, /<script>|<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=/i, 'no inline script or handler');
    const data = await load(s, '/api/v1/documents');
    assert.equal(data.status, 401, 'the data it shows still needs the token');
    assert.equal((data.body as { error: { code: string } }).error.code, 'AUTH_REQUIRED');
  });

  it('serves every file the page and its modules reference, with its content type', async () => {
    const page = await load(s, '/console');
    const bodies = await referencedAssets(s, page.text);
    assert.ok(bodies.size >= 8, `the page, its style and its modules: ${[...bodies.keys()].join(', ')}`);
    // Without its own icon the browser fetches /favicon.ico, a 404 logged as a console error on every load.
    assert.match(page.text, /<link rel="icon" href="\/console\/[^"]+"/);
    for (const [p, r] of bodies) {
      assert.equal(r.status, 200, p);
      const ext = p.split('.').pop()!;
      assert.match(String(r.headers['content-type']), TYPES[ext]!, p);
      assertSecured(r, p);
      assert.equal(r.text, readFileSync(join(STATIC_DIR, p.slice('/console/'.length)), 'utf8'), p);
    }
  });

  it('answers 404 for unknown files and refuses every way out of its folder', async () => {
    const pkg = readFileSync(new URL('../../../package.json', import.meta.url), 'utf8');
    for (const path of [
      '/console/nope.js',
      '/console/assets.ts',
      '/console/routes.ts',
      '/console/../package.json',
      '/console/%2e%2e/package.json',
      '/console/%2e%2e%2fpackage.json',
      '/console/..%2F..%2Fpackage.json',
      '/console/..%5c..%5cpackage.json',
      '/console/%2e%2e%2f%2e%2e%2f%2e%2e%2fpackage.json',
      '/console/static%2fmain.js',
      '/console//etc/passwd',
    ]) {
      const r = await load(s, path);
      assert.equal(r.status, 404, path);
      assert.ok(!r.text.includes('"name": "windc"') && r.text !== pkg, `${path} leaks nothing`);
    }
  });

  it("drives the admin API through the console's own client", async () => {
    const client = createClient({ token: s.token, fetch: httpsFetch(s.caPem), origin: `https://127.0.0.1:${s.port}` });
    const created = await api<{ document: { id: string } }>(s, 'POST', '/api/v1/documents', fileDocument('hi'));
    const id = created.body.document.id;

    const { items, truncated } = await client.documents();
    assert.equal(truncated, false);
    const listed = items.find((d: { id: string }) => d.id === id);
    assert.ok(listed, 'the new document is listed');
    const row = documentRow(listed, statusColumns([listed.rollup?.counts]));
    assert.equal(row.label, 'hello file');
    assert.equal(row.total, 0, 'no device has it yet');

    await client.putSet('baseline', 'what every laptop gets');
    await client.addToSet('baseline', id);
    await client.putGroup('laptops', null);
    await client.assignToGroup('baseline', 'laptops');
    const set = await client.set('baseline');
    assert.deepEqual([set.documents, set.groups], [[id], ['laptops']]);
    assert.deepEqual(
      (await client.sets()).map((x: { name: string }) => x.name),
      ['baseline'],
    );
    assert.deepEqual((await client.group('laptops')).sets, ['baseline']);

    const doc = await client.document(id);
    assert.match(doc.xml, /<DeclaredConfiguration/);
    assert.deepEqual(doc.sets, ['baseline']);
    assert.equal((await client.abandon(id)).document.abandoned, true);
    assert.equal((await client.document(id)).abandoned, true);
    assert.equal((await client.unabandon(id)).document.abandoned, false);
    assert.deepEqual((await client.documentDevices(id, 'error')).items, []);
    assert.deepEqual((await client.devices()).items, []);

    await assert.rejects(client.device('no-such-device'), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.deepEqual([e.status, e.code], [404, 'NOT_FOUND']);
      return true;
    });
    await assert.rejects(
      createClient({ token: 'wdc_wrong', fetch: httpsFetch(s.caPem), origin: `https://127.0.0.1:${s.port}` }).check(),
      (e: unknown) => e instanceof ApiError && e.code === 'AUTH_INVALID' && e.isAuth,
    );

    const deleted = await client.deleteDocument(id);
    assert.equal(deleted.changed, true);
    assert.match(deleted.note, /tattoo/);
    await assert.rejects(client.document(id), (e: unknown) => e instanceof ApiError && e.code === 'NOT_FOUND');
  });

  it('follows the live event stream with the bearer token', async () => {
    const client = createClient({ token: s.token, fetch: httpsFetch(s.caPem), origin: `https://127.0.0.1:${s.port}` });
    const store = s.server.context.store;
    const start = await store.declared.events.lastId();
    const abort = new AbortController();
    const res = await client.eventStream(start, abort.signal);
    assert.match(String(res.headers.get('content-type')), /text\/event-stream/);
    const seen: { id: number; payload: { deviceId: string } }[] = [];
    const reading = readEvents(res, (e) => {
      seen.push(e);
      if (seen.length === 2) abort.abort();
    }).catch((e: Error) => {
      // Aborting is how the panel stops reading; any other failure is the test's.
      if (!abort.signal.aborted) throw e;
    });
    announce(await publish(store, [statusEvent(1), statusEvent(2)]));
    await reading;
    assert.deepEqual(
      seen.map((e) => e.payload.deviceId),
      ['D1', 'D2'],
    );
    assert.ok(seen.every((e) => e.id > start));
  });
});
