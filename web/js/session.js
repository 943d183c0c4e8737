// session.js: who is logged in, and what the role may do. The UI shows a
// control only when the role may use it (a viewer sees no button that
// would be refused); the API enforces the same roles regardless.
import { api, setCsrf } from './api.js';

const RANK = { viewer: 1, operator: 2, admin: 3 };
// A hint that a session cookie may exist (the cookie itself is HttpOnly):
// without it the login page shows at once, without a 401 round trip.
const HINT = 'palisade.session';

export const session = { name: null, role: null, expires: null };

function set(who) {
  session.name = who?.name ?? null;
  session.role = who?.role ?? null;
  session.expires = who?.expires_at ?? null;
  setCsrf(who?.csrf_token ?? null);
  if (who) localStorage.setItem(HINT, '1');
  else localStorage.removeItem(HINT);
}

// operator: initiate, terminate, rekey; admin: change configuration
export function can(what) {
  const need = what === 'operate' ? RANK.operator : what === 'admin' ? RANK.admin : RANK.viewer;
  return (RANK[session.role] || 0) >= need;
}

export async function resume() {
  if (!localStorage.getItem(HINT)) return false;
  try {
    set((await api('GET', '/api/v1/session', { quiet401: true })).data);
    return true;
  } catch (e) {
    if (e.status !== 401) throw e;
    set(null);
    return false;
  }
}

export async function login(name, password) {
  const r = await api('POST', '/api/v1/session', { body: { name, password }, quiet401: true });
  set(r.data);
}

export async function logout() {
  try {
    await api('DELETE', '/api/v1/session', { quiet401: true });
  } finally {
    set(null);
  }
}

export function forget() {
  set(null);
}
