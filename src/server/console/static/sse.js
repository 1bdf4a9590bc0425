// @ts-check
/**
 * Reading the admin API's server-sent events. The stream needs the Authorization header, which EventSource
 * cannot send, so the console reads it with fetch and parses the text/event-stream format here.
 */

/**
 * @typedef {{ id: string | undefined, event: string, data: string }} SseMessage
 */

/**
 * A parser fed with text chunks as they arrive (cut anywhere, even inside a line or a CRLF); returns the
 * messages each chunk completes. Comments (`: keep-alive`) and `retry:` are dropped.
 */
export function createSseParser() {
  let buffer = '';
  /** @type {string[]} */
  let data = [];
  let event = '';
  /** @type {string | undefined} */
  let id;

  /**
   * @param {string} chunk
   * @returns {SseMessage[]}
   */
  function push(chunk) {
    buffer += chunk;
    /** @type {SseMessage[]} */
    const out = [];
    for (;;) {
      const m = /\r\n|\r|\n/.exec(buffer);
      // A lone CR at the end may be the first half of a CRLF: wait for the next chunk to know.
      if (!m || (m[0] === '\r' && m.index === buffer.length - 1)) break;
      const line = buffer.slice(0, m.index);
      buffer = buffer.slice(m.index + m[0].length);
      if (line === '') {
        if (data.length > 0) out.push({ id, event: event || 'message', data: data.join('\n') });
        data = [];
        event = '';
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
      else if (field === 'id' && !value.includes('\0')) id = value;
    }
    return out;
  }
  return { push };
}

/**
 * Reads a text/event-stream response to its end, calling `onEvent` with each message's parsed JSON data.
 * Returns the last event id seen, for resuming.
 * @param {Response} response
 * @param {(event: any, message: SseMessage) => void} onEvent
 * @returns {Promise<number | undefined>}
 */
export async function readEvents(response, onEvent) {
  if (!response.body) throw new Error('the event stream has no body');
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parser = createSseParser();
  /** @type {number | undefined} */
  let last;
  for (;;) {
    const { done, value } = await reader.read();
    const messages = parser.push(done ? decoder.decode() : decoder.decode(value, { stream: true }));
    for (const m of messages) {
      if (m.id !== undefined && /^\d+$/.test(m.id)) last = Number(m.id);
      let parsed;
      try {
        parsed = JSON.parse(m.data);
      } catch {
        continue;
      }
      onEvent(parsed, m);
    }
    if (done) return last;
  }
}

/**
 * Seconds to wait before reconnecting after `failures` failed attempts in a row: quick at first, at most 30 s.
 * @param {number} failures
 */
export function reconnectDelay(failures) {
  return Math.min(30, 2 ** Math.max(0, failures));
}
