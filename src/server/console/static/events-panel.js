/**
 * The live panel: every status transition from `/api/v1/events/stream`, newest first. The stream is read with
 * fetch (it needs the Authorization header) and resumed after the last event seen when it drops.
 */

import { errorText } from './api.js';
import { badge, h, show } from './dom.js';
import { eventLine, routeHash } from './model.js';
import { readEvents, reconnectDelay } from './sse.js';

const KEEP = 200;

/**
 * Starts reading into `el`; returns a function that stops. `onEvent` is told of each event too (to refresh
 * the page an event concerns).
 */
export function startEvents(client, el, onEvent, onAuthError) {
  const abort = new AbortController();
  const lines = [];
  let last;
  let paused = false;
  const state = h('span', { class: 'stream-state' }, 'connecting…');
  const list = h('ol', { class: 'events' });
  const pause = h('button', { type: 'button', class: 'small' }, 'Pause');
  pause.addEventListener('click', () => {
    paused = !paused;
    pause.textContent = paused ? 'Resume' : 'Pause';
    if (!paused) draw();
  });
  const clearButton = h('button', { type: 'button', class: 'small' }, 'Clear');
  clearButton.addEventListener('click', () => {
    lines.length = 0;
    draw();
  });
  show(el, h('div', { class: 'panel-head' }, h('h2', {}, 'Live events'), state, pause, clearButton), list);

  function draw() {
    if (paused) return;
    if (lines.length === 0) {
      show(list, h('li', { class: 'empty' }, 'Status transitions appear here as devices report.'));
      return;
    }
    show(
      list,
      lines.map((l) =>
        h(
          'li',
          {},
          h('time', {}, l.time),
          ' ',
          badge(l.type, l.tone),
          ' ',
          l.deviceId ? h('a', { href: routeHash({ view: 'devices', id: l.deviceId }) }, l.deviceId) : null,
          ' ',
          l.text,
          l.detail ? h('div', { class: 'hint' }, l.detail) : null,
        ),
      ),
    );
  }

  async function loop() {
    let failures = 0;
    while (!abort.signal.aborted) {
      try {
        const res = await client.eventStream(last, abort.signal);
        state.textContent = last === undefined ? 'live (from now on)' : `live (after event ${last})`;
        failures = 0;
        const end = await readEvents(res, (e) => {
          lines.unshift(eventLine(e));
          if (lines.length > KEEP) lines.length = KEEP;
          last = e.id;
          draw();
          onEvent(e);
        });
        if (end !== undefined) last = end;
      } catch (err) {
        if (abort.signal.aborted) return;
        if (err?.isAuth) {
          onAuthError(err);
          return;
        }
        failures++;
        state.textContent = `disconnected: ${errorText(err)}`;
      }
      if (abort.signal.aborted) return;
      const wait = reconnectDelay(failures);
      state.textContent = `${state.textContent} — reconnecting in ${wait}s`;
      await new Promise((r) => setTimeout(r, wait * 1000));
    }
  }
  draw();
  loop();
  return () => abort.abort();
}
