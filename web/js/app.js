// app.js: the dashboard's entry point: the login page, the frame (menu,
// who is logged in, the gateway banner) and the hash router that shows
// one page at a time (#/sas, #/connections/NAME, ...). Pages are modules
// with render(main, params) that return a function to call when leaving.
import { onApi } from './api.js';
import { clear, h } from './dom.js';
import { live } from './live.js';
import { can, forget, login, logout, resume, session } from './session.js';
import { field, input } from './ui.js';
import * as overview from './pages/overview.js';
import * as sas from './pages/sas.js';
import * as conns from './pages/conns.js';
import * as cas from './pages/cas.js';
import * as eap from './pages/eap.js';
import * as pools from './pages/pools.js';
import * as events from './pages/events.js';

const PAGES = [
  ['overview', 'Overview', overview],
  ['sas', 'Live SAs', sas],
  ['connections', 'Connections', conns],
  ['cas', 'CAs', cas],
  ['eap-users', 'EAP users', eap],
  ['pools', 'Pools', pools],
  ['events', 'Event log', events],
];

const main = document.getElementById('main');
const top = document.getElementById('top');
const nav = document.getElementById('nav');
const banner = document.getElementById('banner');
let leave = null;

function showBanner(state) {
  const text = {
    down: 'The gateway (palisade-gatewayd) does not answer: live data is unavailable. Configuration changes are still stored and are applied when it is back.',
    unreachable: 'palisade-mgmtd cannot be reached: check the management service and your network.',
  }[state];
  banner.hidden = !text;
  banner.textContent = text || '';
}

function buildNav(current) {
  clear(nav);
  for (const [path, label] of PAGES) {
    nav.append(h('a', { href: `#/${path}`, 'aria-current': path === current ? 'page' : undefined }, label));
  }
}

function route() {
  if (!session.role) return;
  const parts = (location.hash.replace(/^#\/?/, '') || 'overview').split('/').map(decodeURIComponent);
  const page = PAGES.find(([p]) => p === parts[0]) || PAGES[0];
  if (leave) leave();
  leave = null;
  clear(main);
  buildNav(page[0]);
  nav.classList.remove('open');
  document.getElementById('menu').setAttribute('aria-expanded', 'false');
  document.title = `${page[1]} · Palisade`;
  leave = page[2].render(main, parts.slice(1)) || null;
  if (document.activeElement && nav.contains(document.activeElement)) main.focus();
}

function enter() {
  top.hidden = false;
  document.getElementById('who').textContent = `${session.name} (${session.role})`;
  document.body.dataset.role = session.role;
  document.body.classList.toggle('can-operate', can('operate'));
  document.body.classList.toggle('can-admin', can('admin'));
  live.start();
  route();
}

function loginPage(message) {
  if (leave) leave();
  leave = null;
  live.stop();
  showBanner(null);
  top.hidden = true;
  clear(main);
  document.title = 'Log in · Palisade';
  const name = input({ name: 'username', autocomplete: 'username', required: true });
  const pw = input({ type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const msg = h('div', { role: 'alert', class: message ? 'problems' : '' }, message || '');
  const btn = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Log in');
  const form = h('form', {
    class: 'panel login',
    onsubmit: async (ev) => {
      ev.preventDefault();
      btn.disabled = true;
      msg.textContent = '';
      msg.className = '';
      try {
        await login(name.value.trim(), pw.value);
        pw.value = '';
        enter();
      } catch (e) {
        msg.className = 'problems';
        msg.textContent = e.status === 401 || e.status === 422 ? 'Wrong name or password.'
          : e.status === 429 ? 'Too many attempts: wait a minute and try again.'
            : `Cannot log in: ${e.message}`;
        btn.disabled = false;
      }
    },
  }, h('h1', {}, 'Palisade'), h('p', { class: 'muted' }, 'Log in to manage the VPN gateway.'), msg,
  field('Name', name), field('Password', pw), btn);
  main.append(form);
  name.focus();
}

async function boot() {
  onApi('unauthorized', () => {
    forget();
    loginPage('Your session has ended: please log in again.');
  });
  onApi('reachable', (up) => {
    if (!up) showBanner('unreachable');
    else if (live.gateway !== 'down') showBanner(null);
  });
  live.on('gateway', showBanner);
  window.addEventListener('hashchange', route);
  document.getElementById('logout').addEventListener('click', async () => {
    await logout().catch(() => {});
    loginPage('You have logged out.');
  });
  document.getElementById('menu').addEventListener('click', (ev) => {
    const open = nav.classList.toggle('open');
    ev.currentTarget.setAttribute('aria-expanded', String(open));
  });
  let ok = false;
  try {
    ok = await resume();
  } catch (e) {
    loginPage(`palisade-mgmtd does not answer (${e.message}).`);
    return;
  }
  if (ok) enter();
  else loginPage();
}

boot();
