/**
 * The console's shell: sign-in, navigation by URL hash, the confirm dialog, messages, and the live panel.
 * Views render into #view from API data; nothing here holds data beyond the current page.
 */
import { createClient, errorText } from './api.js';
import { renderGroup, renderGroups, renderSet, renderSets } from './collections-view.js';
import { renderDevice, renderDevices } from './devices-view.js';
import { renderDocument, renderDocuments } from './documents-view.js';
import { h, show } from './dom.js';
import { startEvents } from './events-panel.js';
import { parseRoute, routeHash } from './model.js';

// sessionStorage, not localStorage: the token goes away with the tab and is never written to disk by the console.
const TOKEN_KEY = 'windc.adminToken';

const $ = (id) => document.getElementById(id);
const view = $('view');
const message = $('message');
let client;
let stopEvents;
let filter;
let stale = false;
// Set by an action that navigates after saying what it did ("Document deleted."): the render the hash change
// triggers must keep that message instead of clearing it as a navigation by the admin would.
let keepMessageOnce = false;

function say(text, kind) {
  show(
    message,
    text ? h('div', { class: `message ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text) : null,
  );
}

function confirmDialog({ title, text, confirm }) {
  const dialog = $('confirm');
  show($('confirm-title'), title);
  show($('confirm-text'), text);
  $('confirm-ok').textContent = confirm;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) =>
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }),
  );
}

function signOut(reason) {
  sessionStorage.removeItem(TOKEN_KEY);
  client = undefined;
  stopEvents?.();
  stopEvents = undefined;
  document.body.classList.remove('signed-in');
  show(view);
  show($('events'));
  say(reason ?? '', reason ? 'error' : 'info');
  $('token').value = '';
  $('token').focus();
}

async function run(action) {
  try {
    await action();
  } catch (err) {
    if (err?.isAuth) return signOut(`Signed out: ${errorText(err)}`);
    say(errorText(err), 'error');
  }
}

const context = () => ({
  client,
  el: view,
  now: Date.now,
  filter,
  setFilter: (f) => {
    filter = f;
    render();
  },
  confirm: confirmDialog,
  notice: (text) => say(text, 'info'),
  go: (route) => {
    const hash = routeHash(route);
    // The same hash fires no hashchange: render here, or the flag would survive to the admin's next click.
    if (hash === location.hash) return render(true);
    keepMessageOnce = true;
    location.hash = hash;
  },
  refresh: () => render(true),
  run,
});

const RENDER = {
  documents: [renderDocuments, renderDocument],
  devices: [renderDevices, renderDevice],
  sets: [renderSets, renderSet],
  groups: [renderGroups, renderGroup],
};

let current = '';
async function render(keepMessage = false) {
  if (!client) return;
  const route = parseRoute(location.hash);
  const key = routeHash(route);
  if (key !== current) filter = undefined;
  current = key;
  stale = false;
  $('stale').hidden = true;
  if (!keepMessage) say('', 'info');
  for (const a of document.querySelectorAll('nav a')) {
    a.classList.toggle('active', a.getAttribute('href') === routeHash({ view: route.view }));
  }
  const [list, detail] = RENDER[route.view];
  view.setAttribute('aria-busy', 'true');
  await run(async () => {
    try {
      await (route.id === undefined ? list(context()) : detail(context(), route.id));
    } catch (err) {
      // Otherwise the previous page stays under the new URL (a 404 device would sit above the last list).
      show(view);
      throw err;
    }
  });
  view.removeAttribute('aria-busy');
}

/** An event about what the page shows: offer a refresh rather than redraw under the admin's cursor. */
function concerns(e) {
  const route = parseRoute(location.hash);
  const p = e.payload ?? {};
  if (route.id === undefined) return route.view === 'documents' || route.view === 'devices';
  if (route.view === 'documents') return String(p.documentId ?? '').toLowerCase() === route.id.toLowerCase();
  if (route.view === 'devices') return p.deviceId === route.id;
  return false;
}

function start(token) {
  client = createClient({ token });
  document.body.classList.add('signed-in');
  stopEvents = startEvents(
    client,
    $('events'),
    (e) => {
      if (!stale && concerns(e)) {
        stale = true;
        $('stale').hidden = false;
      }
    },
    (err) => signOut(`Signed out: ${errorText(err)}`),
  );
  render();
}

$('login').addEventListener('submit', async (e) => {
  e.preventDefault();
  const token = $('token').value.trim();
  if (!token) return;
  const candidate = createClient({ token });
  try {
    await candidate.check();
  } catch (err) {
    say(errorText(err), 'error');
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  say('', 'info');
  start(token);
});
$('confirm-ok').addEventListener('click', () => $('confirm').close('ok'));
$('confirm-cancel').addEventListener('click', () => $('confirm').close('cancel'));
$('sign-out').addEventListener('click', () => signOut());
$('refresh').addEventListener('click', () => render());
$('stale-refresh').addEventListener('click', () => render());
window.addEventListener('hashchange', () => {
  const keep = keepMessageOnce;
  keepMessageOnce = false;
  render(keep);
});

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) start(saved);
else $('token').focus();
