// pages/conns.js: connections: the list (initiate for operators), and a
// form that builds the ConnectionInput document of api/openapi.yaml,
// validated as you type with the API's rules (validate/conn.js); members
// the form has no field for are kept as they are. Experts edit the same
// document as JSON. Writes carry If-Match (a concurrent change gives 412).
import { api, get, getAll, seg } from '../api.js';
import { clear, h } from '../dom.js';
import { can } from '../session.js';
import { button, confirmDialog, failToast, field, input, pageHead, problemsBox, select, sortTable, toast } from '../ui.js';
import { validateConnection } from '../validate.js';
import { ESP_CHOICES, IKE_CHOICES, docFromForm, editBase, formControls, list } from '../conn_doc.js';

export { ESP_CHOICES, IKE_CHOICES } from '../conn_doc.js';

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
      ({ base, pskSet } = editBase(r.data));
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
  const C = formControls(base, { isNew, certs, cas });
  const F = {};
  const mk = (key, label, ctl, opts) => {
    F[key] = field(label, ctl, opts);
    return F[key];
  };
  const txt = (k) => input({ value: C[k].value });
  const sel = (k) => select(C[k].options, C[k].value);
  mk('$.name', 'Name', txt('$.name'), { hint: '1-63 characters: letters, digits, . _ -' });
  if (!isNew) F['$.name'].control.readOnly = true;
  mk('$.local.auth', 'Local authentication', sel('$.local.auth'));
  mk('$.local.id', 'Local identity', txt('$.local.id'), { hint: 'FQDN, e-mail, IP address or DN' });
  mk('$.local.cert', 'Certificate', sel('$.local.cert'));
  mk('$.local.key', 'Key', txt('$.local.key'), { hint: 'a keys/ name or a pkcs11: URI' });
  mk('$.local.eap_id', 'EAP identity (as a client)', txt('$.local.eap_id'));
  mk('$.remote.auth', 'Remote authentication', sel('$.remote.auth'));
  mk('$.remote.addrs', 'Remote addresses', txt('$.remote.addrs'), { hint: 'addresses, CIDRs, ranges or host names; %any for road warriors' });
  mk('$.remote.id', 'Remote identity', txt('$.remote.id'), { hint: '%any accepts any identity' });
  mk('$.remote.ca', 'Trusted CA', sel('$.remote.ca'));
  mk('$.psk', 'Pre-shared key', input({ type: 'password', autocomplete: 'new-password' }), { hint: pskSet ? 'A key is set: leave empty to keep it' : 'For psk authentication (or a local EAP password)' });
  const ikeP = proposalField('IKE proposals', IKE_CHOICES, '$.ike.proposals');
  F['$.ike.proposals'] = ikeP;
  ikeP.control.value = C['$.ike.proposals'].value;
  mk('$.ike.dpd_delay', 'Dead peer detection every (s)', input({ type: 'number', min: 0, value: C['$.ike.dpd_delay'].value }), { hint: '0 turns it off' });
  mk('$.children[0].name', 'Child name', txt('$.children[0].name'));
  mk('$.children[0].mode', 'Mode', sel('$.children[0].mode'));
  mk('$.children[0].local_ts', 'Local traffic selectors', txt('$.children[0].local_ts'), { hint: 'CIDRs, or dynamic' });
  mk('$.children[0].remote_ts', 'Remote traffic selectors', txt('$.children[0].remote_ts'), { hint: 'dynamic: the peer\'s virtual IP' });
  const espP = proposalField('ESP proposals', ESP_CHOICES, '$.children[0].esp_proposals');
  F['$.children[0].esp_proposals'] = espP;
  espP.control.value = C['$.children[0].esp_proposals'].value;
  mk('$.children[0].start_action', 'Start action', sel('$.children[0].start_action'));
  mk('$.pools', 'Virtual IP pools', txt('$.pools'), { hint: pools.length ? `available: ${pools.map((p) => p.name).join(', ')}` : 'no pool defined yet' });

  const v = (k) => F[k].control.value.trim();
  // The document: the loaded one with the form's members over it.
  const fromForm = () => docFromForm(base, v, F['$.psk'].control.value);
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
