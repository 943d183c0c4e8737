// pages/sas.js: the live IKE SAs with their CHILD SAs (peer, identity,
// virtual IP, algorithms, age, bytes and rates), searchable and sortable,
// refreshed every 2 s and at once on an SA event; terminate and rekey for
// operators; #/sas/UID shows one SA in full.
import { api } from '../api.js';
import { badge, clear, fmtBytes, fmtCount, fmtDuration, fmtRate, fmtTime, h, stateKind } from '../dom.js';
import { live } from '../live.js';
import { can } from '../session.js';
import { button, confirmDialog, failToast, field, input, kv, pageHead, select, toast } from '../ui.js';

const peer = (sa) => `${sa.remote.addr}${sa.remote.port && sa.remote.port !== 500 ? `:${sa.remote.port}` : ''}`;
const ident = (sa) => sa.remote.eap_id || sa.remote.id || '';
const vips = (sa) => (sa.remote.vips.length ? sa.remote.vips : sa.local.vips).join(', ');

const COLS = [
  ['name', 'Connection', (sa) => sa.name],
  ['peer', 'Peer', peer],
  ['identity', 'Identity', ident],
  ['vip', 'Virtual IP', vips],
  ['algs', 'Algorithms', (sa) => sa.ike?.proposal || ''],
  ['state', 'State', (sa) => sa.state],
  ['age', 'Age', (sa) => sa.age, true],
  ['bytes-in', 'Bytes in', (sa) => sa.traffic.bytes_in, true],
  ['bytes-out', 'Bytes out', (sa) => sa.traffic.bytes_out, true],
  ['rate-in', 'Rate in', (sa) => sa.traffic.rates.bytes_in, true],
  ['rate-out', 'Rate out', (sa) => sa.traffic.rates.bytes_out, true],
];

async function act(sa, what) {
  const verb = what === 'terminate' ? 'Terminate' : 'Rekey';
  if (what === 'terminate' && !(await confirmDialog(`Terminate IKE SA #${sa.uid} (${sa.name}, ${ident(sa) || peer(sa)}) and its CHILD SAs?`, 'Terminate'))) return;
  try {
    await api('POST', `/api/v1/sas/${sa.uid}/${what}`, { body: {} });
    toast(`${verb}: IKE SA #${sa.uid} done`);
  } catch (e) {
    failToast(e, `${verb} IKE SA #${sa.uid}`);
  }
  live.pollSas(0);
}

function actions(sa) {
  if (!can('operate')) return null;
  return h('div', { class: 'actions' },
    button('Rekey', () => act(sa, 'rekey'), { small: true, 'aria-label': `Rekey IKE SA ${sa.uid}`, dataset: { act: `rekey-${sa.uid}` } }),
    button('Terminate', () => act(sa, 'terminate'), { small: true, kind: 'danger', 'aria-label': `Terminate IKE SA ${sa.uid}`, dataset: { act: `terminate-${sa.uid}` } }));
}

function cells(sa) {
  return {
    name: h('a', { href: `#/sas/${sa.uid}` }, sa.name, ' #', String(sa.uid)),
    state: badge(sa.state, stateKind(sa.state)),
    age: fmtDuration(sa.age),
    algs: h('span', { class: 'mono' }, sa.ike?.proposal || '–'),
    'bytes-in': fmtBytes(sa.traffic.bytes_in),
    'bytes-out': fmtBytes(sa.traffic.bytes_out),
    'rate-in': fmtRate(sa.traffic.rates.bytes_in),
    'rate-out': fmtRate(sa.traffic.rates.bytes_out),
  };
}

function childRow(c, n) {
  return h('tr', { class: 'child', dataset: { child: c.uid } },
    h('td', { dataset: { label: 'CHILD SA' } }, '↳ ', c.name, ' #', String(c.uid)),
    h('td', { colspan: 3, dataset: { label: 'Selectors' } }, h('span', { class: 'mono' }, `${c.local_ts.join(', ')} ⇄ ${c.remote_ts.join(', ')}`)),
    h('td', { dataset: { label: 'Algorithms' } }, h('span', { class: 'mono' }, c.esp?.proposal || '–')),
    h('td', { dataset: { label: 'State' } }, badge(c.state, stateKind(c.state))),
    h('td', { class: 'num', dataset: { label: 'Age' } }, fmtDuration(c.age)),
    h('td', { class: 'num', dataset: { label: 'Bytes in' } }, fmtBytes(c.bytes_in)),
    h('td', { class: 'num', dataset: { label: 'Bytes out' } }, fmtBytes(c.bytes_out)),
    h('td', { class: 'num', dataset: { label: 'Rate in' } }, fmtRate(c.rates.bytes_in)),
    h('td', { class: 'num', dataset: { label: 'Rate out' } }, fmtRate(c.rates.bytes_out)),
    n > COLS.length ? h('td') : null);
}

function table(sas, st, redraw) {
  const ops = can('operate');
  const n = COLS.length + (ops ? 1 : 0);
  const col = COLS.find((c) => c[0] === st.key) || COLS[0];
  const q = st.q.toLowerCase();
  const rows = sas.filter((sa) => !q || [sa.name, peer(sa), ident(sa), vips(sa), sa.ike?.proposal, String(sa.uid)].some((v) => (v || '').toLowerCase().includes(q)));
  rows.sort((a, b) => {
    const x = col[2](a);
    const y = col[2](b);
    const c = typeof x === 'number' ? x - y : String(x).localeCompare(String(y));
    return st.desc ? -c : c;
  });
  const head = h('tr', {}, COLS.map(([key, label, , num]) => h('th', { scope: 'col', class: num ? 'num' : '', 'aria-sort': key === col[0] ? (st.desc ? 'descending' : 'ascending') : undefined },
    h('button', { type: 'button', dataset: { sort: key }, onclick: () => { st.desc = st.key === key ? !st.desc : !!num; st.key = key; redraw(); } }, label, key === col[0] ? (st.desc ? ' ▼' : ' ▲') : ''))),
  ops ? h('th', { scope: 'col' }, 'Actions') : null);
  const body = [];
  for (const sa of rows) {
    const c = cells(sa);
    body.push(h('tr', { dataset: { uid: sa.uid, name: sa.name } }, COLS.map(([key, label, fn, num]) => h('td', { class: num ? 'num' : '', dataset: { col: key, label, raw: num ? fn(sa) : undefined } }, c[key] ?? (fn(sa) || '–'))),
      ops ? h('td', { dataset: { label: 'Actions' } }, actions(sa)) : null));
    for (const ch of sa.children) body.push(childRow(ch, n));
  }
  if (!rows.length) body.push(h('tr', {}, h('td', { colspan: n, class: 'empty' }, sas.length ? 'No SA matches the search.' : 'No IKE SA is up.')));
  return h('div', { class: 'table-wrap' }, h('table', { id: 'sa-table' }, h('caption', { class: 'sr-only' }, 'IKE SAs and their CHILD SAs'), h('thead', {}, head), h('tbody', {}, body)));
}

function listPage(main) {
  const st = { q: '', key: 'name', desc: false };
  // not a live region: it changes every 2 s and would drown a screen reader
  const status = h('p', { class: 'muted' });
  const area = h('div');
  const search = input({ type: 'search', placeholder: 'connection, peer, identity, virtual IP…', id: 'sa-search' });
  const redraw = () => {
    const focus = document.activeElement;
    const keep = area.contains(focus) ? (focus.dataset.act || focus.dataset.sort) : null;
    clear(area);
    if (!live.sas) {
      area.append(h('p', { class: 'empty' }, live.sasError ? `Live SAs are unavailable: ${live.sasError.message}` : 'Loading…'));
      status.textContent = '';
      return;
    }
    area.append(table(live.sas, st, redraw));
    const sortSel = document.getElementById('sa-sort');
    if (sortSel) sortSel.value = `${st.key}:${st.desc ? 'desc' : 'asc'}`;
    const up = live.sas.length;
    status.textContent = `${up} IKE SA${up === 1 ? '' : 's'}, ${live.sas.reduce((a, s) => a + s.children.length, 0)} CHILD SAs; updated ${fmtTime(Date.now()).slice(11)}`;
    if (keep) area.querySelector(`[data-act="${keep}"], [data-sort="${keep}"]`)?.focus();
  };
  search.addEventListener('input', () => {
    st.q = search.value;
    redraw();
  });
  // the column heads sort too; this is for phone width, where they hide
  const sortBy = select(COLS.flatMap(([key, label, , num]) => [[`${key}:${num ? 'desc' : 'asc'}`, `${label}${num ? ', highest first' : ''}`],
    [`${key}:${num ? 'asc' : 'desc'}`, `${label}${num ? ', lowest first' : ', reversed'}`]]), 'name:asc', { id: 'sa-sort' });
  sortBy.addEventListener('change', () => {
    [st.key] = sortBy.value.split(':');
    st.desc = sortBy.value.endsWith(':desc');
    redraw();
  });
  main.append(pageHead('Live SAs'), h('div', { class: 'toolbar' }, field('Search', search), field('Sort by', sortBy)), status, area);
  redraw();
  return live.on('sas', redraw);
}

function detailPage(main, uid) {
  const area = h('div');
  main.append(pageHead(`IKE SA #${uid}`, h('a', { href: '#/sas', class: 'btn' }, 'Back to the list')), area);
  // from the live list (polled anyway): an SA that goes while shown
  // costs no failing request
  const load = () => {
    if (!live.sas) {
      clear(area).append(h('p', { class: 'empty' }, live.sasError ? `Live SAs are unavailable: ${live.sasError.message}` : 'Loading…'));
      return;
    }
    const sa = live.sas.find((x) => String(x.uid) === String(uid));
    if (!sa) {
      clear(area).append(h('p', { class: 'empty' }, 'This IKE SA is gone (terminated, or replaced by a rekey).'));
      return;
    }
    const focus = document.activeElement;
    const keep = area.contains(focus) ? focus.dataset.act : null;
    clear(area).append(
      h('div', { class: 'toolbar' }, actions(sa)),
      h('div', { class: 'grid' },
        h('section', { class: 'panel' }, h('h2', {}, 'IKE SA'), kv([
          ['Connection', sa.name], ['State', badge(sa.state, stateKind(sa.state))], ['Role', sa.role],
          ['SPIs', h('span', { class: 'mono' }, `${sa.spi_i} / ${sa.spi_r}`)], ['Algorithms', h('span', { class: 'mono' }, sa.ike?.proposal)],
          ['Established', fmtTime(sa.established_at)], ['Age', fmtDuration(sa.age)],
          ['Rekey in', sa.rekey_in === null ? 'never' : fmtDuration(sa.rekey_in)], ['Reauth in', sa.reauth_in === null ? 'never' : fmtDuration(sa.reauth_in)],
          ['NAT', [sa.nat?.local && 'local behind NAT', sa.nat?.remote && 'peer behind NAT'].filter(Boolean).join(', ') || 'none'],
        ])),
        ...['local', 'remote'].map((end) => h('section', { class: 'panel' }, h('h2', {}, end === 'local' ? 'This gateway' : 'Peer'), kv([
          ['Address', `${sa[end].addr}:${sa[end].port}`], ['Identity', sa[end].id], ['Auth', sa[end].auth], ['EAP identity', sa[end].eap_id],
          ['Virtual IPs', sa[end].vips.join(', ') || 'none'],
        ]))),
        h('section', { class: 'panel' }, h('h2', {}, 'Traffic'), kv([
          ['Bytes in / out', `${fmtBytes(sa.traffic.bytes_in)} / ${fmtBytes(sa.traffic.bytes_out)}`],
          ['Packets in / out', `${fmtCount(sa.traffic.packets_in)} / ${fmtCount(sa.traffic.packets_out)}`],
          ['Rate in / out', `${fmtRate(sa.traffic.rates.bytes_in)} / ${fmtRate(sa.traffic.rates.bytes_out)}`],
        ]))),
      ...sa.children.map((c) => h('section', { class: 'panel' }, h('h2', {}, `CHILD SA ${c.name} #${c.uid}`), kv([
        ['State', badge(c.state, stateKind(c.state))], ['Mode', c.mode], ['SPIs in / out', h('span', { class: 'mono' }, `${c.spi_in} / ${c.spi_out}`)],
        ['Algorithms', h('span', { class: 'mono' }, c.esp?.proposal)], ['Local selectors', c.local_ts.join(', ')], ['Remote selectors', c.remote_ts.join(', ')],
        ['UDP encapsulation', c.encap ? 'yes' : 'no'], ['Installed', fmtTime(c.installed_at)], ['Rekey in', c.rekey_in === null ? 'never' : fmtDuration(c.rekey_in)],
        ['Bytes in / out', `${fmtBytes(c.bytes_in)} / ${fmtBytes(c.bytes_out)}`], ['Packets in / out', `${fmtCount(c.packets_in)} / ${fmtCount(c.packets_out)}`],
        ['Rate in / out', `${fmtRate(c.rates.bytes_in)} / ${fmtRate(c.rates.bytes_out)}`],
      ]))));
    if (keep) area.querySelector(`[data-act="${keep}"]`)?.focus();
  };
  load();
  return live.on('sas', load);
}

export function render(main, params) {
  return params[0] ? detailPage(main, params[0]) : listPage(main);
}
