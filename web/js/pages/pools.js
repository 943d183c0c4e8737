// pages/pools.js: virtual IP pools with their current leases (who has
// which address, through which SA); admins add and delete pools.
import { api, getAll, seg } from '../api.js';
import { clear, fmtCount, h } from '../dom.js';
import { live } from '../live.js';
import { can } from '../session.js';
import { button, confirmDialog, failToast, field, input, kv, modal, pageHead, problemsBox, toast } from '../ui.js';
import { validatePool } from '../validate.js';

const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);

function poolDialog(others, reload) {
  const name = input({ name: 'pool-name' });
  const ranges = input({ name: 'ranges' });
  const dns = input({ name: 'dns' });
  const F = { '$.name': field('Name', name), '$.ranges': field('Ranges', ranges, { hint: 'CIDRs or ranges a-b, comma-separated' }), '$.dns': field('DNS servers', dns, { hint: 'optional, at most 4' }) };
  const problems = h('div', { 'aria-live': 'polite' });
  const doc = () => {
    const p = { name: name.value.trim(), ranges: list(ranges.value) };
    if (list(dns.value).length) p.dns = list(dns.value);
    return p;
  };
  const check = () => {
    const errs = validatePool(doc(), { others });
    for (const [k, f] of Object.entries(F)) f.setError(errs.find((e) => e.path === k || e.path.startsWith(`${k}[`))?.message);
    return errs;
  };
  modal('Add a pool', (close) => h('form', {
    oninput: check,
    onsubmit: async (ev) => {
      ev.preventDefault();
      if (check().length) return;
      try {
        await api('POST', '/api/v1/pools', { body: doc() });
        toast(`Pool ${name.value} added`);
        close('ok');
        reload();
      } catch (e) {
        clear(problems).append(problemsBox(e.errors.length ? e.errors : [{ path: '$', detail: e.message }]));
      }
    },
  }, ...Object.values(F), problems, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Add pool'), button('Cancel', () => close('cancel')))));
}

function poolPanel(p, reload) {
  const ranges = Array.isArray(p.ranges) ? p.ranges : [p.ranges];
  const leases = p.leases;
  return h('section', { class: 'panel', dataset: { pool: p.name }, 'aria-labelledby': `pool-${p.name}` },
    h('div', { class: 'page-head' }, h('h2', { id: `pool-${p.name}` }, p.name),
      can('admin') ? button('Delete', async () => {
        if (!(await confirmDialog(`Delete pool ${p.name}?`, 'Delete'))) return;
        try {
          await api('DELETE', `/api/v1/pools/${seg(p.name)}`);
          toast(`Pool ${p.name} deleted`);
        } catch (e) {
          failToast(e, `Delete ${p.name}`);
        }
        reload();
      }, { small: true, kind: 'danger', 'aria-label': `Delete pool ${p.name}` }) : null),
    kv([['Ranges', ranges.join(', ')], ['DNS', (p.dns || []).join(', ') || 'none'], ['Size', fmtCount(p.size)], ['Leased', p.leased === null ? 'unknown (gateway down)' : fmtCount(p.leased)]]),
    h('h3', {}, 'Leases'),
    leases === null ? h('p', { class: 'muted' }, 'Unknown while the gateway is down.')
      : leases.length ? h('div', { class: 'table-wrap' }, h('table', {}, h('caption', { class: 'sr-only' }, `Leases of ${p.name}`),
        h('thead', {}, h('tr', {}, ['Address', 'Identity', 'Connection', 'IKE SA'].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, leases.map((l) => h('tr', {}, h('td', { class: 'mono' }, l.address), h('td', {}, l.identity || '–'), h('td', {}, l.connection),
          h('td', {}, h('a', { href: `#/sas/${l.ike_uid}` }, `#${l.ike_uid}`)))))))
        : h('p', { class: 'muted' }, 'No address leased.'));
}

export function render(main) {
  const area = h('div');
  let pools = [];
  const reload = async () => {
    try {
      pools = await getAll('/api/v1/pools');
      clear(area).append(...(pools.length ? pools.map((p) => poolPanel(p, reload)) : [h('p', { class: 'empty' }, 'No pool yet.')]));
    } catch (e) {
      failToast(e, 'Pools');
    }
  };
  main.append(pageHead('Pools and leases', can('admin') ? button('Add pool', () => poolDialog(pools, reload), { kind: 'primary' }) : null), area);
  reload();
  let last = 0;
  // leases follow the SAs: reload when an SA event arrives
  const off = live.on('event', (ev) => {
    if (/^(ike|child)-(up|down)$/.test(ev.event) && Date.now() - last > 1000) {
      last = Date.now();
      setTimeout(reload, 300);
    }
  });
  return off;
}
