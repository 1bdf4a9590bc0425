// @ts-check
/**
 * The console's only way to data: the admin API at /api/v1 with the bearer token. Every failure becomes an
 * ApiError carrying the API's own code and message, so the page can show exactly what the server said.
 * `fetch` is a parameter so the same client runs in the browser and, in tests, against a real server from Node.
 */

export const API_BASE = '/api/v1';

/** Pages are read up to this many items per list: a console table of more rows is not readable anyway. */
export const MAX_LIST_ITEMS = 5000;
const PAGE = 1000;

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when the server could not be reached
   * @param {string} code the API's error code (AUTH_INVALID, NOT_FOUND, DC_…), or HTTP_<status> / NETWORK
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }

  /** Whether signing in again could help. */
  get isAuth() {
    return this.code === 'AUTH_REQUIRED' || this.code === 'AUTH_INVALID';
  }
}

/**
 * `/api/v1/devices/<id>/resync` from path segments (each URI-encoded: DeviceIDs may hold any character) and
 * a query whose undefined values are left out.
 * @param {(string | number)[]} segments
 * @param {Record<string, string | number | undefined>} [query]
 */
export function apiPath(segments, query = {}) {
  const path = `${API_BASE}/${segments.map((s) => encodeURIComponent(String(s))).join('/')}`;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') q.set(k, String(v));
  const text = q.toString();
  return text ? `${path}?${text}` : path;
}

/**
 * The ApiError for a refused request, from the API's `{"error": {"code", "message"}}` body, or from the
 * status alone when something else (a proxy) answered.
 * @param {number} status
 * @param {string} text
 */
export function errorFrom(status, text) {
  try {
    const body = JSON.parse(text);
    const e = body?.error;
    if (e && typeof e.code === 'string') return new ApiError(status, e.code, String(e.message ?? ''));
  } catch {
    // not JSON: described by the status below
  }
  return new ApiError(status, `HTTP_${status}`, text.trim().slice(0, 200) || `the server answered HTTP ${status}`);
}

/** "AUTH_INVALID: the token is unknown… (HTTP 401)" — codes first, since scripts and docs key on them. */
export function errorText(/** @type {unknown} */ err) {
  if (err instanceof ApiError) return `${err.code}: ${err.message}${err.status ? ` (HTTP ${err.status})` : ''}`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * @typedef {(input: string, init?: { method?: string, headers?: Record<string, string>, body?: string,
 *   signal?: AbortSignal }) => Promise<Response>} FetchLike
 */

/**
 * @param {{ token: string, fetch?: FetchLike, origin?: string }} opts
 */
export function createClient({ token, fetch: fetchImpl = globalThis.fetch.bind(globalThis), origin = '' }) {
  /**
   * @param {string} method
   * @param {(string | number)[]} segments
   * @param {{ query?: Record<string, string | number | undefined>, body?: unknown, signal?: AbortSignal,
   *   accept?: string }} [opts]
   */
  async function raw(method, segments, opts = {}) {
    /** @type {Record<string, string>} */
    const headers = { authorization: `Bearer ${token}`, accept: opts.accept ?? 'application/json' };
    /** @type {{ method: string, headers: Record<string, string>, body?: string, signal?: AbortSignal }} */
    const init = { method, headers };
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(opts.body);
    }
    if (opts.signal) init.signal = opts.signal;
    let res;
    try {
      res = await fetchImpl(`${origin}${apiPath(segments, opts.query)}`, init);
    } catch (e) {
      if (e instanceof Error && e.name === 'AbortError') throw e;
      throw new ApiError(0, 'NETWORK', `the server could not be reached: ${e instanceof Error ? e.message : e}`);
    }
    if (!res.ok) throw errorFrom(res.status, await res.text());
    return res;
  }

  /**
   * @param {string} method
   * @param {(string | number)[]} segments
   * @param {{ query?: Record<string, string | number | undefined>, body?: unknown }} [opts]
   * @returns {Promise<any>}
   */
  async function json(method, segments, opts) {
    const res = await raw(method, segments, opts);
    const text = await res.text();
    return text === '' ? {} : JSON.parse(text);
  }

  /**
   * Every page of a list that answers `next` (the `after` of the following page), up to MAX_LIST_ITEMS.
   * @param {(string | number)[]} segments
   * @param {string} key
   * @param {Record<string, string | number | undefined>} [query]
   * @returns {Promise<{ items: any[], truncated: boolean }>}
   */
  async function all(segments, key, query = {}) {
    const items = [];
    /** @type {string | number | undefined} */
    let after;
    for (;;) {
      const page = await json('GET', segments, { query: { ...query, limit: PAGE, after } });
      items.push(...(page[key] ?? []));
      if (page.next === undefined || page.next === null) return { items, truncated: false };
      if (items.length >= MAX_LIST_ITEMS) return { items, truncated: true };
      after = page.next;
    }
  }

  /**
   * @param {(string | number)[]} s
   * @param {unknown} [body]
   */
  const put = (s, body) => json('PUT', s, { body });
  const del = (/** @type {(string | number)[]} */ s) => json('DELETE', s);
  const post = (/** @type {(string | number)[]} */ s) => json('POST', s);

  return {
    raw,
    json,
    /** Checks the token with the cheapest authenticated call. */
    check: () => json('GET', ['sets'], { query: { limit: 1 } }),
    documents: () => all(['documents'], 'documents'),
    document: (/** @type {string} */ id) => json('GET', ['documents', id]),
    documentDevices: (/** @type {string} */ id, /** @type {string | undefined} */ status) =>
      all(['documents', id, 'devices'], 'devices', { status }),
    abandon: (/** @type {string} */ id) => post(['documents', id, 'abandon']),
    unabandon: (/** @type {string} */ id) => post(['documents', id, 'unabandon']),
    deleteDocument: (/** @type {string} */ id) => del(['documents', id]),
    devices: () => all(['devices'], 'devices'),
    device: (/** @type {string} */ id) => json('GET', ['devices', id]),
    deviceDocument: (/** @type {string} */ deviceId, /** @type {string} */ id) =>
      json('GET', ['devices', deviceId, 'documents', id]),
    resync: (/** @type {string} */ deviceId) => post(['devices', deviceId, 'resync']),
    sets: async () => (await json('GET', ['sets'], { query: { limit: PAGE } })).sets ?? [],
    set: (/** @type {string} */ name) => json('GET', ['sets', name]),
    putSet: (/** @type {string} */ name, /** @type {string | null} */ description) =>
      put(['sets', name], { description }),
    deleteSet: (/** @type {string} */ name) => del(['sets', name]),
    addToSet: (/** @type {string} */ name, /** @type {string} */ id) => put(['sets', name, 'documents', id]),
    removeFromSet: (/** @type {string} */ name, /** @type {string} */ id) => del(['sets', name, 'documents', id]),
    assignToGroup: (/** @type {string} */ name, /** @type {string} */ group) => put(['sets', name, 'groups', group]),
    unassignFromGroup: (/** @type {string} */ name, /** @type {string} */ group) =>
      del(['sets', name, 'groups', group]),
    groups: async () => (await json('GET', ['groups'], { query: { limit: PAGE } })).groups ?? [],
    group: (/** @type {string} */ name) => json('GET', ['groups', name]),
    putGroup: (/** @type {string} */ name, /** @type {string | null} */ description) =>
      put(['groups', name], { description }),
    deleteGroup: (/** @type {string} */ name) => del(['groups', name]),
    addMember: (/** @type {string} */ name, /** @type {string} */ deviceId) =>
      put(['groups', name, 'members', deviceId]),
    removeMember: (/** @type {string} */ name, /** @type {string} */ deviceId) =>
      del(['groups', name, 'members', deviceId]),
    /**
     * The open event stream (text/event-stream) after event `after`, or from the next event.
     * @param {number | undefined} after
     * @param {AbortSignal} signal
     */
    eventStream: (after, signal) =>
      raw('GET', ['events', 'stream'], { query: { after }, signal, accept: 'text/event-stream' }),
  };
}

/** @typedef {ReturnType<typeof createClient>} Client */
