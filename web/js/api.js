// api.js: the one way to palisade-mgmtd's REST API (api/openapi.yaml).
// The session cookie goes along by itself (same origin); every unsafe
// method carries the session's CSRF token. Problems (RFC 9457) become an
// ApiError with the JSON paths of the bad fields. A 401 means the session
// ended: listeners of 'unauthorized' take the user to the login page.

const listeners = { unauthorized: [], reachable: [] };
let csrf = null;

export function onApi(what, fn) {
  listeners[what].push(fn);
}
function emit(what, arg) {
  for (const fn of listeners[what]) fn(arg);
}

export function setCsrf(token) {
  csrf = token;
}

export class ApiError extends Error {
  constructor(status, problem, fallback) {
    super(problem?.detail || problem?.title || fallback || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.errors = Array.isArray(problem?.errors) ? problem.errors : [];
  }
  // mgmtd cannot reach palisade-gatewayd (or is itself unreachable: 0)
  get gatewayDown() {
    return this.status === 503;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// api('GET', '/api/v1/sas') -> {status, data, etag, applied, headers}
export async function api(method, path, { body, ctype = 'application/json', etag, quiet401 = false } = {}) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = ctype;
  if (etag) headers['if-match'] = etag;
  if (UNSAFE.has(method) && csrf) headers['x-csrf-token'] = csrf;
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    emit('reachable', false);
    throw new ApiError(0, null, 'palisade-mgmtd cannot be reached');
  }
  emit('reachable', true);
  const text = await res.text();
  let data = null;
  if (text && /json/.test(res.headers.get('content-type') || '')) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    if (res.status === 401 && !quiet401) emit('unauthorized', data?.detail);
    throw new ApiError(res.status, data, res.statusText);
  }
  return {
    status: res.status,
    data,
    etag: res.headers.get('etag'),
    applied: res.headers.get('palisade-applied'),
    headers: res.headers,
  };
}

export const get = (path) => api('GET', path).then((r) => r.data);

// Every item of a paginated list (limit 1000 a page).
export async function getAll(path) {
  const items = [];
  for (let offset = 0; ; offset += 1000) {
    const sep = path.includes('?') ? '&' : '?';
    const page = await get(`${path}${sep}limit=1000&offset=${offset}`);
    items.push(...page.items);
    if (items.length >= page.total || page.items.length === 0) return items;
  }
}

// Path segment for a name or identity ('/' inside an EAP identity stays).
export const seg = (s) => encodeURIComponent(s);
