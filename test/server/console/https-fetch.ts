/**
 * A `fetch` for the console's API client that trusts the test server's own CA: Node's global fetch takes no CA
 * option, and the admin API is HTTPS only. It makes real requests and streams the real response body.
 */
import { request } from 'node:https';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

export interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export function httpsFetch(caPem: string): (url: string, init?: FetchInit) => Promise<Response> {
  return (url, init = {}) =>
    new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: init.method ?? 'GET',
          headers: {
            ...init.headers,
            ...(init.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(init.body)) }),
          },
          ca: caPem,
          servername: 'localhost',
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (res) => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
          }
          const status = res.statusCode ?? 0;
          const body = status === 204 || status === 304 ? null : (Readable.toWeb(res) as WebReadableStream<Uint8Array>);
          resolve(new Response(body as unknown as ConstructorParameters<typeof Response>[0], { status, headers }));
        },
      );
      req.on('error', reject);
      if (init.body !== undefined) req.write(init.body);
      req.end();
    });
}
