import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSseParser, readEvents, reconnectDelay } from '../../../src/server/console/static/sse.js';

const STREAM =
  'retry: 2000\n: windc events after 4\n\n' +
  'id: 5\nevent: document.status\ndata: {"id":5,"type":"document.status"}\n\n' +
  ': keep-alive\n\n' +
  'id: 6\r\nevent: link.status\r\ndata: {"id":6,\r\ndata: "type":"link.status"}\r\n\r\n';

describe('console SSE reading', () => {
  it('parses a stream whatever the chunk boundaries, CRLF split included', () => {
    for (let size = 1; size <= STREAM.length; size++) {
      const p = createSseParser();
      const got = [];
      for (let i = 0; i < STREAM.length; i += size) got.push(...p.push(STREAM.slice(i, i + size)));
      assert.deepEqual(
        got,
        [
          { id: '5', event: 'document.status', data: '{"id":5,"type":"document.status"}' },
          { id: '6', event: 'link.status', data: '{"id":6,\n"type":"link.status"}' },
        ],
        `chunks of ${size}`,
      );
    }
  });

  it('holds an unfinished message until its blank line', () => {
    const p = createSseParser();
    assert.deepEqual(p.push('id: 1\ndata: {}\n'), []);
    assert.deepEqual(p.push('\n'), [{ id: '1', event: 'message', data: '{}' }]);
  });

  it('reads a response body to its end, handing over parsed events and the last id', async () => {
    const bytes = new TextEncoder().encode(STREAM);
    // Split inside a multi-byte character too: the decoder must carry it over.
    const text = new TextEncoder().encode('id: 7\ndata: {"id":7,"detail":"é"}\n\n');
    const body = new ReadableStream({
      start(c) {
        c.enqueue(bytes.slice(0, 50));
        c.enqueue(bytes.slice(50));
        c.enqueue(text.slice(0, text.length - 5));
        c.enqueue(text.slice(text.length - 5));
        c.close();
      },
    });
    const seen: unknown[] = [];
    const last = await readEvents(new Response(body), (e) => seen.push(e));
    assert.equal(last, 7);
    assert.deepEqual(seen, [
      { id: 5, type: 'document.status' },
      { id: 6, type: 'link.status' },
      { id: 7, detail: 'é' },
    ]);
  });

  it('backs off reconnecting, up to 30 seconds', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 10].map(reconnectDelay), [1, 2, 4, 8, 16, 30, 30, 30]);
  });
});
