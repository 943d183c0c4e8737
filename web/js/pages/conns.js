// pages/conns.js: connections: the list (initiate for operators), and a
// form that builds the ConnectionInput document of api/openapi.yaml,
// validated as you type with the API's rules (validate/conn.js); members
// the form has no field for are kept as they are. Experts edit the same
// document as JSON. Writes carry If-Match (a concurrent change gives 412).
import { api, get, getAll, seg } from '../api.js';
import { clear, h } from '../dom.js';
import { can } from '../session.js';
import { button, confirmDialog, failToast, field, input, pageHead, problemsBox, select, sortTable, toast } from '../ui.js';
import { LOCAL_AUTHS, REMOTE_AUTHS, validateConnection } from '../validate.js';

// Secure choices first (AEAD, elliptic curves); the last ones only for
// old peers.
export const IKE_CHOICES = [
  ['aes256gcm16-prfsha384-x25519', 'AES-256-GCM, SHA-384, X25519 (recommended)'],
  ['aes128gcm16-prfsha256-x25519', 'AES-128-GCM, SHA-256, X25519'],
  ['chacha20poly1305-prfsha256-x25519', 'ChaCha20-Poly1305, SHA-256, X25519'],
  ['aes256gcm16-prfsha384-ecp384', 'AES-256-GCM, SHA-384, ECP-384 (NIST)'],
  ['aes256-sha384-x25519', 'AES-256-CBC, HMAC-SHA-384, X25519'],
  ['aes256-sha256-modp3072', 'AES-256-CBC, HMAC-SHA-256, MODP-3072'],
  ['aes128-sha256-modp2048', 'AES-128-CBC, HMAC-SHA-256, MODP-2048 (compatibility)'],
  ['aes128-sha1-modp2048', 'AES-128-CBC, HMAC-SHA-1, MODP-2048 (legacy peers only)'],
];
export const ESP_CHOICES = [
  ['aes256gcm16', 'AES-256-GCM (recommended)'],
  ['aes128gcm16', 'AES-128-GCM'],
  ['chacha20poly1305', 'ChaCha20-Poly1305'],
  ['aes256-sha256', 'AES-256-CBC, HMAC-SHA-256'],
  ['aes128-sha256', 'AES-128-CBC, HMAC-SHA-256 (compatibility)'],
  ['aes128-sha1', 'AES-128-CBC, HMAC-SHA-1 (legacy peers only)'],
];

const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);
const siteToSite = (c) => c.remote.addrs.length && !c.remote.addrs.includes('%any');

function listPage(main) {
  const admin = can('admin');
  const ops = can('operate');
  const state = {
    sortKey: 'name', caption: 'Connections', empty: 'No connection yet.', rows: [],
    columns: [
      { key: 'name', label: 'Name', render: (c) => h('a', { href: `#/connections/${seg(c.name)}` }, c.name) },
      { key: 'local', label: 'Local', value: (c) => c.local.id, render: (c) => `${c.local.id || '(address)'} · ${c.local.auth}` },
      { key: 'remote', label: 'Remote', value: (c) => c.remote.id, render: (c) => `${c.remote.id || '%any'} @ ${c.remote.addrs.join(', ') || '%any'} · ${c.remote.auth}` },
      { key: 'ca', label: 'CA', value: (c) => c.remote.ca || '', render: (c) => c.remote.ca || '–' },
      { key: 'proposals', label: 'IKE proposals', value: (c) => c.ike.proposals.join(), render: (c) => h('span', { class: 'mono' }, c.ike.proposals.join(', ')) },
      { key: 'children', label: 'Children', value: (c) => c.children.map((x) => x.name).join(), render: (c) => c.children.map((x) => x.name).join(', ') || '–' },
      { key: 'pools', label: 'Pools', value: (c) => c.pools.join(), render: (c) => c.pools.join(', ') || '–' },
      ...(ops ? [{
        key: 'actions', label: 'Actions', nosort: true, render: (c) => h('div', { class: 'actions' },
          siteToSite(c) ? button('Initiate', () => initiate(c.name), { small: true, 'aria-label': `Initiate ${c.name}` }) : null,
          admin ? h('a', { class: 'btn btn-small', href: `#/connections/${seg(c.name)}`, 'aria-label': `Edit ${c.name}` }, 'Edit') : null,
          admin ? button('Delete', () => remove(c.name), { small: true, kind: 'danger', 'aria-label': `Delete ${c.name}` }) : null),
      }] : []),
    ],
  };
  const table = sortTable(state);
  const load = async () => {
    try {
      table.update(await getAll('/api/v1/connections'));
    } catch (e) {
      failToast(e, 'Connections');
    }
  };
  const remove = async (name) => {
    if (!(await confirmDialog(`Delete connection ${name}? Its SAs go down.`, 'Delete'))) return;
    try {
      await api('DELETE', `/api/v1/connections/${seg(name)}`);
      toast(`Connection ${name} deleted`);
    } catch (e) {
      failToast(e, `Delete ${name}`);
    }
    load();
  };
  main.append(pageHead('Connections', admin ? h('a', { class: 'btn btn-primary', href: '#/connections/new' }, 'New connection') : null), table);
  load();
}

async function initiate(name) {
  toast(`Initiating ${name}…`);
  try {
    const r = await api('POST', `/api/v1/connections/${seg(name)}/initiate`, { body: {} });
    toast(`${name}: IKE SA #${r.data.ike_uid} ${r.data.state}`);
  } catch (e) {
    failToast(e, `Initiate ${name}`);
  }
}

// A proposal list: a text field and a picker that adds a choice.
function proposalField(label, choices, path) {
  const text = input({ dataset: { path } });
  const pick = select([['', 'Add a proposal…'], ...choices], '', { 'aria-label': `Add to ${label}` });
  pick.addEventListener('change', () => {
    if (!pick.value) return;
    const cur = list(text.value);
    if (!cur.includes(pick.value)) cur.push(pick.value);
    text.value = cur.join(', ');
    pick.value = '';
    text.dispatchEvent(new Event('input', { bubbles: true }));
  });
  const f = field(label, text, { hint: 'Comma-separated, most preferred first. The picker lists the secure choices first.' });
  f.insertBefore(pick, f.querySelector('.error'));
  return f;
}

async function formPage(main, name) {
  const admin = can('admin');
  const isNew = name === undefined;
  main.append(pageHead(isNew ? 'New connection' : `Connection ${name}`, h('a', { href: '#/connections', class: 'btn' }, 'Back to the list')));
  let base = {};
  let etag = null;
  let pskSet = false;
  const [cas, certs, pools] = await Promise.all(['/api/v1/cas', '/api/v1/certs', '/api/v1/pools'].map((p) => getAll(p).catch(() => [])));
  if (!isNew) {
    try {
      const r = await api('GET', `/api/v1/connections/${seg(name)}`);
      ({ psk_set: pskSet, ...base } = r.data);
      etag = r.etag;
    } catch (e) {
      main.append(h('p', { class: 'empty' }, e.status === 404 ? 'No such connection.' : `Cannot load it: ${e.message}`));
      return;
    }
  }
  if (!admin) {
    main.append(h('section', { class: 'panel' }, h('h2', {}, 'Document'), h('pre', { class: 'json', tabindex: '0', 'aria-label': 'The connection as JSON' }, JSON.stringify({ ...base, psk_set: pskSet }, null, 2))));
    return;
  }
  const child0 = base.children?.[0] || {};
  const F = {};
  const mk = (key, label, ctl, opts) => {
    F[key] = field(label, ctl, opts);
    return F[key];
  };
  const txt = (v) => input({ value: v ?? '' });
  const names = (xs) => [['', '(none)'], ...xs.map((x) => x.name)];
  mk('$.name', 'Name', txt(base.name), { hint: '1-63 characters: letters, digits, . _ -' });
  if (!isNew) F['$.name'].control.readOnly = true;
  mk('$.local.auth', 'Local authentication', select(LOCAL_AUTHS, base.local?.auth || 'pubkey'));
  mk('$.local.id', 'Local identity', txt(base.local?.id), { hint: 'FQDN, e-mail, IP address or DN' });
  mk('$.local.cert', 'Certificate', select(names(certs), base.local?.cert || ''));
  mk('$.local.key', 'Key', txt(base.local?.key), { hint: 'a keys/ name or a pkcs11: URI' });
  mk('$.local.eap_id', 'EAP identity (as a client)', txt(base.local?.eap_id));
  mk('$.remote.auth', 'Remote authentication', select(REMOTE_AUTHS, base.remote?.auth || 'pubkey'));
  mk('$.remote.addrs', 'Remote addresses', txt((base.remote?.addrs || []).join(', ')), { hint: 'addresses, CIDRs, ranges or host names; %any for road warriors' });
  mk('$.remote.id', 'Remote identity', txt(base.remote?.id), { hint: '%any accepts any identity' });
  mk('$.remote.ca', 'Trusted CA', select(names(cas), base.remote?.ca || ''));
  mk('$.psk', 'Pre-shared key', input({ type: 'password', autocomplete: 'new-password' }), { hint: pskSet ? 'A key is set: leave empty to keep it' : 'For psk authentication (or a local EAP password)' });
  const ikeP = proposalField('IKE proposals', IKE_CHOICES, '$.ike.proposals');
  F['$.ike.proposals'] = ikeP;
  ikeP.control.value = (base.ike?.proposals || [IKE_CHOICES[0][0]]).join(', ');
  mk('$.ike.dpd_delay', 'Dead peer detection every (s)', input({ type: 'number', min: 0, value: base.ike?.dpd_delay ?? '' }), { hint: '0 turns it off' });
  mk('$.children[0].name', 'Child name', txt(child0.name ?? (isNew ? 'net' : '')));
  mk('$.children[0].mode', 'Mode', select(['tunnel', 'transport'], child0.mode || 'tunnel'));
  mk('$.children[0].local_ts', 'Local traffic selectors', txt((child0.local_ts || []).join(', ')), { hint: 'CIDRs, or dynamic' });
  mk('$.children[0].remote_ts', 'Remote traffic selectors', txt((child0.remote_ts || []).join(', ')), { hint: 'dynamic: the peer\'s virtual IP' });
  const espP = proposalField('ESP proposals', ESP_CHOICES, '$.children[0].esp_proposals');
  F['$.children[0].esp_proposals'] = espP;
  espP.control.value = (child0.esp_proposals || [ESP_CHOICES[0][0]]).join(', ');
  mk('$.children[0].start_action', 'Start action', select(['none', 'start', 'trap'], child0.start_action || 'none'));
  mk('$.pools', 'Virtual IP pools', txt((base.pools || []).join(', ')), { hint: pools.length ? `available: ${pools.map((p) => p.name).join(', ')}` : 'no pool defined yet' });

  const v = (k) => F[k].control.value.trim();
  const set = (obj, k, val) => {
    if (val === '' || val === undefined || (Array.isArray(val) && !val.length)) delete obj[k];
    else obj[k] = val;
  };
  // The document: the loaded one with the form's members over it.
  const fromForm = () => {
    const d = structuredClone(base);
    d.name = v('$.name');
    d.local = { ...(d.local || {}) };
    d.remote = { ...(d.remote || {}) };
    set(d.local, 'auth', v('$.local.auth'));
    set(d.local, 'id', v('$.local.id'));
    set(d.local, 'cert', v('$.local.cert'));
    set(d.local, 'key', v('$.local.key'));
    set(d.local, 'eap_id', v('$.local.eap_id'));
    set(d.remote, 'auth', v('$.remote.auth'));
    set(d.remote, 'addrs', list(v('$.remote.addrs')));
    set(d.remote, 'id', v('$.remote.id'));
    set(d.remote, 'ca', v('$.remote.ca'));
    d.ike = { ...(d.ike || {}) };
    set(d.ike, 'proposals', list(v('$.ike.proposals')));
    const dpd = v('$.ike.dpd_delay');
    set(d.ike, 'dpd_delay', dpd === '' ? '' : Number(dpd));
    const c = { ...(d.children?.[0] || {}) };
    set(c, 'name', v('$.children[0].name'));
    set(c, 'mode', v('$.children[0].mode'));
    set(c, 'local_ts', list(v('$.children[0].local_ts')));
    set(c, 'remote_ts', list(v('$.children[0].remote_ts')));
    set(c, 'esp_proposals', list(v('$.children[0].esp_proposals')));
    set(c, 'start_action', v('$.children[0].start_action'));
    d.children = c.name ? [c, ...(d.children || []).slice(1)] : (d.children || []).slice(1);
    set(d, 'pools', list(v('$.pools')));
    const psk = F['$.psk'].control.value;
    if (psk) d.psk = psk;
    else delete d.psk;
    return d;
  };
  const jsonText = h('textarea', { id: 'conn-json', spellcheck: 'false', rows: 20 });
  const jsonField = field('The document as JSON (psk is never shown)', jsonText);
  jsonField.hidden = true;
  const problems = h('div', { 'aria-live': 'polite' });
  let mode = 'form';
  let touched = false; // after the first attempt to save: every problem shows
  const dirty = new Set(); // fields typed into: their problems show at once
  const doc = () => (mode === 'json' ? JSON.parse(jsonText.value) : fromForm());
  const check = () => {
    let d;
    let errs;
    try {
      d = doc();
      errs = validateConnection(d, { pskSet, name: isNew ? undefined : name });
    } catch (e) {
      errs = [{ path: '$', message: `not JSON: ${e.message}` }];
    }
    const rest = [];
    for (const f of Object.values(F)) f.setError('');
    jsonField.setError('');
    for (const e of errs) {
      const f = mode === 'form' && (F[e.path] || F[e.path.replace(/\[\d+\]$/, '')]);
      if (f) {
        if (touched || dirty.has(f)) f.setError(f.querySelector('.error').textContent || e.message);
      } else rest.push(e);
    }
    clear(problems);
    if ((touched || (mode === 'json' && dirty.size)) && rest.length) problems.append(problemsBox(rest));
    return { d, errs };
  };
  const switchBtn = button('Edit as JSON', () => {
    if (mode === 'form') {
      const d = fromForm();
      delete d.psk;
      jsonText.value = JSON.stringify(d, null, 2);
      mode = 'json';
    } else {
      try {
        base = JSON.parse(jsonText.value);
      } catch (e) {
        jsonField.setError(`not JSON: ${e.message}`);
        return;
      }
      mode = 'form';
      refill(base);
    }
    form.querySelectorAll('.conn-fields').forEach((x) => { x.hidden = mode === 'json'; });
    jsonField.hidden = mode === 'form';
    switchBtn.textContent = mode === 'form' ? 'Edit as JSON' : 'Back to the form';
    check();
  }, { 'aria-controls': 'conn-json' });
  const refill = (d) => {
    const c = d.children?.[0] || {};
    const vals = {
      '$.local.auth': d.local?.auth, '$.local.id': d.local?.id, '$.local.cert': d.local?.cert, '$.local.key': d.local?.key,
      '$.local.eap_id': d.local?.eap_id, '$.remote.auth': d.remote?.auth, '$.remote.addrs': (d.remote?.addrs || []).join(', '),
      '$.remote.id': d.remote?.id, '$.remote.ca': d.remote?.ca, '$.ike.proposals': (d.ike?.proposals || []).join(', '),
      '$.ike.dpd_delay': d.ike?.dpd_delay, '$.children[0].name': c.name, '$.children[0].mode': c.mode || 'tunnel',
      '$.children[0].local_ts': (c.local_ts || []).join(', '), '$.children[0].remote_ts': (c.remote_ts || []).join(', '),
      '$.children[0].esp_proposals': (c.esp_proposals || []).join(', '), '$.children[0].start_action': c.start_action || 'none',
      '$.pools': (d.pools || []).join(', '),
    };
    if (isNew) vals['$.name'] = d.name;
    for (const [k, val] of Object.entries(vals)) F[k].control.value = val ?? '';
  };
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, isNew ? 'Create' : 'Save');
  const form = h('form', {
    novalidate: true,
    oninput: (ev) => {
      const f = ev.target.closest('.field');
      if (f) dirty.add(f);
      check();
    },
    onchange: () => check(),
    onsubmit: async (ev) => {
      ev.preventDefault();
      touched = true;
      const { d, errs } = check();
      if (errs.length) {
        (form.querySelector('[aria-invalid="true"]') || problems)?.focus?.();
        return;
      }
      save.disabled = true;
      try {
        const r = isNew ? await api('POST', '/api/v1/connections', { body: d })
          : await api('PUT', `/api/v1/connections/${seg(name)}`, { body: d, etag });
        toast(`Connection ${d.name} ${isNew ? 'created' : 'saved'}${r.applied === 'pending' ? ': the gateway is down, it applies the change when it returns' : r.applied === 'true' ? ' and applied' : ''}`);
        location.hash = '#/connections';
      } catch (e) {
        clear(problems).append(problemsBox(e.errors.length ? e.errors : [{ path: '$', detail: e.status === 412 ? 'someone else changed it meanwhile: reload the page' : e.message }]));
        save.disabled = false;
      }
    },
  },
  h('div', { class: 'toolbar' }, switchBtn),
  h('div', { class: 'conn-fields' },
    h('fieldset', {}, h('legend', {}, 'General'), h('div', { class: 'cols' }, F['$.name'], F['$.psk'])),
    h('fieldset', {}, h('legend', {}, 'This gateway'), h('div', { class: 'cols' }, F['$.local.auth'], F['$.local.id'], F['$.local.cert'], F['$.local.key'], F['$.local.eap_id'])),
    h('fieldset', {}, h('legend', {}, 'Peer'), h('div', { class: 'cols' }, F['$.remote.auth'], F['$.remote.addrs'], F['$.remote.id'], F['$.remote.ca'])),
    h('fieldset', {}, h('legend', {}, 'IKE'), h('div', { class: 'cols' }, ikeP, F['$.ike.dpd_delay'])),
    h('fieldset', {}, h('legend', {}, 'First CHILD SA'), h('div', { class: 'cols' }, F['$.children[0].name'], F['$.children[0].mode'], F['$.children[0].local_ts'], F['$.children[0].remote_ts'], espP, F['$.children[0].start_action'])),
    h('fieldset', {}, h('legend', {}, 'Virtual IPs'), F['$.pools'])),
  jsonField, problems, h('div', { class: 'actions' }, save));
  main.append(form);
  check();
}

export function render(main, params) {
  if (params[0] === 'new') formPage(main);
  else if (params[0]) formPage(main, params[0]);
  else listPage(main);
}
