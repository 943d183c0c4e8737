// pages/cas.js: CA trust chains: upload a PEM bundle (paste, pick a file
// or drop it), each CA drawn as its chain from the root down with
// validity, key and SHA-256 fingerprint, the connections that trust it,
// and its CRL.
import { api, getAll, seg } from '../api.js';
import { badge, clear, daysUntil, fmtFingerprint, fmtTime, h } from '../dom.js';
import { can } from '../session.js';
import { button, confirmDialog, failToast, field, input, kv, pageHead, problemsBox, toast } from '../ui.js';
import { nameOk } from '../validate.js';

function validity(c) {
  const d = daysUntil(c.not_after);
  if (c.expired || d < 0) return badge('expired', 'bad');
  if (daysUntil(c.not_before) > 0) return badge('not yet valid', 'bad');
  if (d < 30) return badge(`expires in ${Math.ceil(d)} days`, 'warn');
  return badge('valid', 'ok');
}

function certNode(c) {
  const key = `${c.key.type}${c.key.bits ? ` ${c.key.bits} bits` : ''}${c.key.curve ? ` ${c.key.curve}` : ''}`;
  return h('div', {}, h('strong', {}, c.subject), ' ', validity(c), kv([
    ['Valid', `${fmtTime(c.not_before)} to ${fmtTime(c.not_after)}`],
    ['Key', key],
    ['Serial', h('span', { class: 'mono' }, c.serial)],
    ['SHA-256', h('span', { class: 'mono' }, fmtFingerprint(c.sha256_fingerprint))],
    ['CA', c.basic_constraints?.ca ? `yes${c.basic_constraints.path_len !== null ? `, path length ${c.basic_constraints.path_len}` : ''}` : 'no'],
  ]));
}

// The bundle's certificates from the root down, each a level deeper.
function chainTree(ca) {
  const bySubject = new Map(ca.certificates.map((c) => [c.subject, c]));
  const order = [...ca.chain].reverse().map((s) => bySubject.get(s)).filter(Boolean);
  for (const c of ca.certificates) if (!order.includes(c)) order.push(c);
  let root = null;
  let parent = null;
  for (const c of order) {
    const ul = h('ul', { class: 'tree' }, h('li', {}, certNode(c)));
    if (parent) parent.append(ul);
    else root = ul;
    parent = ul.firstChild;
  }
  return root;
}

function caPanel(ca, reload) {
  const admin = can('admin');
  return h('section', { class: 'panel', dataset: { ca: ca.name }, 'aria-labelledby': `ca-${ca.name}` },
    h('div', { class: 'page-head' }, h('h2', { id: `ca-${ca.name}` }, ca.name),
      admin ? button('Delete', async () => {
        if (!(await confirmDialog(`Delete CA ${ca.name}?`, 'Delete'))) return;
        try {
          await api('DELETE', `/api/v1/cas/${seg(ca.name)}`);
          toast(`CA ${ca.name} deleted`);
        } catch (e) {
          failToast(e, `Delete ${ca.name}`);
        }
        reload();
      }, { small: true, kind: 'danger', 'aria-label': `Delete CA ${ca.name}` }) : null),
    h('h3', {}, 'Chain'), chainTree(ca),
    h('h3', {}, 'Used by'), ca.used_by.length ? h('p', {}, ca.used_by.map((n, i) => [i ? ', ' : '', h('a', { href: `#/connections/${seg(n)}` }, n)])) : h('p', { class: 'muted' }, 'No connection trusts it yet.'),
    h('h3', {}, 'CRL'), ca.crl ? kv([['Issuer', ca.crl.issuer], ['This update', fmtTime(ca.crl.this_update)], ['Next update', fmtTime(ca.crl.next_update)], ['Revoked', String(ca.crl.revoked_count)]]) : h('p', { class: 'muted' }, 'None uploaded.'));
}

function uploadForm(reload) {
  const name = input({ name: 'ca-name' });
  const pem = h('textarea', { name: 'pem', spellcheck: 'false', placeholder: '-----BEGIN CERTIFICATE-----' });
  const file = h('input', { type: 'file', accept: '.pem,.crt,.cer,application/x-pem-file' });
  const fName = field('Name', name, { hint: 'How connections refer to it (remote CA)' });
  const fPem = field('PEM bundle (root and intermediates)', pem);
  const problems = h('div', { 'aria-live': 'polite' });
  const load = async (f) => {
    if (!f) return;
    if (f.size > 512 * 1024) {
      fPem.setError('larger than 512 KiB: not a CA bundle');
      return;
    }
    pem.value = await f.text();
    if (!name.value) name.value = f.name.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 63);
    check();
  };
  file.addEventListener('change', () => load(file.files[0]));
  const drop = h('div', { class: 'drop', id: 'ca-drop' }, 'Drop a PEM file here, or ', h('label', { class: 'btn btn-small' }, 'choose one', h('span', { class: 'sr-only' }, ' (PEM file)'), file), ' or paste it below.');
  file.classList.add('sr-only');
  drop.addEventListener('dragover', (ev) => {
    ev.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (ev) => {
    ev.preventDefault();
    drop.classList.remove('over');
    load(ev.dataTransfer.files[0]);
  });
  const check = () => {
    fName.setError(name.value && !nameOk(name.value) ? 'letters, digits, . _ - (1-63, starting with a letter or digit)' : '');
    fPem.setError(pem.value && !/-----BEGIN CERTIFICATE-----/.test(pem.value) ? 'no CERTIFICATE block' : '');
    return nameOk(name.value) && /-----BEGIN CERTIFICATE-----/.test(pem.value);
  };
  const form = h('form', {
    class: 'panel', 'aria-labelledby': 'h-upload', oninput: check,
    onsubmit: async (ev) => {
      ev.preventDefault();
      clear(problems);
      if (!check()) {
        if (!name.value) fName.setError('required');
        if (!pem.value) fPem.setError('required');
        return;
      }
      try {
        await api('POST', '/api/v1/cas', { body: { name: name.value, pem: pem.value } });
        toast(`CA ${name.value} uploaded`);
        name.value = '';
        pem.value = '';
        reload();
      } catch (e) {
        problems.append(problemsBox(e.errors.length ? e.errors : [{ path: '$', detail: e.message }]));
      }
    },
  }, h('h2', { id: 'h-upload' }, 'Upload a CA'), drop, fName, fPem, problems, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Upload'));
  return form;
}

// The gateway's own certificates (read-only here: their keys stay in
// keys/ or the HSM, which the API never carries).
function certsPanel(certs) {
  return h('section', { class: 'panel', 'aria-labelledby': 'h-certs' }, h('h2', { id: 'h-certs' }, 'Gateway certificates'),
    certs.length ? certs.map((c) => h('div', { dataset: { cert: c.name } }, h('h3', {}, c.name), certNode(c.certificate), kv([
      ['Names', c.certificate.subject_alt_names.join(', ') || '–'],
      ['Intermediates', c.intermediates.map((x) => x.subject).join('; ') || 'none'],
      ['Key', c.key ? h('span', { class: 'mono' }, c.key) : 'in keys/'],
      ['Used by', c.used_by.map((u) => u.connection).join(', ') || 'no connection'],
    ]))) : h('p', { class: 'muted' }, 'None: the gateway has no certificate of its own yet.'));
}

export function render(main) {
  const area = h('div');
  const own = h('div');
  const reload = async () => {
    try {
      const [cas, certs] = await Promise.all([getAll('/api/v1/cas'), getAll('/api/v1/certs')]);
      clear(area).append(...(cas.length ? cas.map((c) => caPanel(c, reload)) : [h('p', { class: 'empty' }, 'No CA yet.')]));
      clear(own).append(certsPanel(certs));
    } catch (e) {
      failToast(e, 'CAs');
    }
  };
  main.append(pageHead('CA trust chains'), can('admin') ? uploadForm(reload) : null, area, own);
  reload();
}
