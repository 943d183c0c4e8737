// pages/events.js: the gateway's event stream (since this browser tab
// logged in; live.js keeps the last 1000), newest first, filtered by kind,
// connection and text; auth failures show their reason.
import { badge, clear, fmtBytes, fmtDuration, fmtTime, h } from '../dom.js';
import { live } from '../live.js';
import { field, input, pageHead, select } from '../ui.js';

const KINDS = [
  ['all', 'All events'],
  ['auth', 'Authentication failures'],
  ['fail', 'All failures'],
  ['ike', 'IKE SAs'],
  ['child', 'CHILD SAs'],
  ['reload', 'Reloads'],
];
const match = {
  all: () => true,
  auth: (e) => e.event === 'auth-failed',
  fail: (e) => /failed$/.test(e.event),
  ike: (e) => e.event.startsWith('ike-'),
  child: (e) => e.event.startsWith('child-'),
  reload: (e) => e.event === 'reload' || e.event === 'dropped',
};

const conn = (e) => e.data?.conn ?? e.data?.name ?? '';
function peerOf(e) {
  const r = e.data?.remote || e.data?.child?.remote;
  if (!r) return '';
  return [r.eap_id || r.id, r.addr].filter(Boolean).join(' @ ');
}
// A reload result (api/control.md 5.8) in words.
function reloadText(d) {
  const part = (k, label) => (Array.isArray(d[k]) && d[k].length ? `${label} ${d[k].map((x) => (typeof x === 'string' ? x : x.file || JSON.stringify(x))).join(', ')}` : null);
  const errs = Array.isArray(d.errors) ? d.errors.map((x) => (typeof x === 'string' ? x : `${x.file || ''} ${x.message || ''}`.trim())) : [];
  const words = [part('added', 'added'), part('changed', 'changed'), part('removed', 'removed'),
    Number.isInteger(d.unchanged) ? `${d.unchanged} unchanged` : null, errs.length ? `errors: ${errs.join('; ')}` : null].filter(Boolean);
  return `${d.what || 'all'}: ${words.join('; ') || 'nothing changed'}${d.by ? ` (by pid ${d.by.pid})` : ' (SIGHUP)'}`;
}

function detail(e) {
  const d = e.data || {};
  switch (e.event) {
    case 'auth-failed': return `${d.reason} (${d.direction === 'local' ? 'the peer refused us' : 'the peer failed'}${d.method ? `, ${d.method}` : ''})`;
    case 'ike-failed': return `${d.reason}${d.message ? `: ${d.message}` : ''}`;
    case 'ike-down': return `${d.reason}, after ${fmtDuration(d.age)}`;
    case 'child-down': return `${d.name} ${d.reason === 'ike-down' ? 'went with its IKE SA' : d.reason}: ${fmtBytes(d.bytes_in)} in, ${fmtBytes(d.bytes_out)} out`;
    case 'child-up': return `${d.child?.name} ${(d.child?.local_ts || []).join(', ')} ⇄ ${(d.child?.remote_ts || []).join(', ')}`;
    case 'child-rekeyed': return `${d.child?.name} #${d.old_uid} → #${d.child?.uid}`;
    case 'ike-rekeyed': return `#${d.old_uid} → #${d.uid}`;
    case 'ike-up': return `#${d.uid} ${d.ike?.proposal || ''}`;
    case 'dropped': return `${d.count} events lost`;
    case 'reload': return reloadText(d);
    default: return '';
  }
}
const kindOf = (ev) => (/failed$/.test(ev) ? 'bad' : /-up$/.test(ev) ? 'ok' : /down|dropped/.test(ev) ? 'warn' : 'neutral');

export function render(main) {
  const kind = select(KINDS, 'all', { id: 'ev-kind' });
  const text = input({ type: 'search', id: 'ev-search' });
  const status = h('p', { class: 'muted', 'aria-live': 'polite' });
  const area = h('div', { class: 'table-wrap' });
  const draw = () => {
    const q = text.value.toLowerCase();
    const rows = live.events.filter(match[kind.value]).filter((e) => !q || [e.event, conn(e), peerOf(e), detail(e)].join(' ').toLowerCase().includes(q)).reverse();
    status.textContent = `${rows.length} of ${live.events.length} events since you logged in; ${live.streamUp ? 'live' : 'the stream is not connected'}.`;
    clear(area).append(h('table', { id: 'event-table' }, h('caption', { class: 'sr-only' }, 'Gateway events, newest first'),
      h('thead', {}, h('tr', {}, ['Time', 'Event', 'Connection', 'Peer', 'Details'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows.length ? rows.slice(0, 500).map((e) => h('tr', { dataset: { event: e.event } },
        h('td', { class: 'num' }, fmtTime(e.time)), h('td', {}, badge(e.event, kindOf(e.event))), h('td', {}, conn(e) || '–'),
        h('td', {}, peerOf(e) || '–'), h('td', {}, detail(e))))
        : h('tr', {}, h('td', { colspan: 5, class: 'empty' }, 'No event matches.')))));
  };
  kind.addEventListener('change', draw);
  text.addEventListener('input', draw);
  main.append(pageHead('Event log'), h('div', { class: 'toolbar' }, field('Show', kind), field('Search', text)), status, area);
  draw();
  const offs = [live.on('event', draw), live.on('stream', draw)];
  return () => offs.forEach((f) => f());
}
