// pages/eap.js: EAP users: list (whether a secret is set and when it
// changed; the API never returns a secret), add, reset the password,
// delete, and bulk import from CSV ("identity,password[,method]").
import { api, getAll, seg } from '../api.js';
import { badge, clear, fmtTime, h } from '../dom.js';
import { can } from '../session.js';
import { button, confirmDialog, failToast, field, input, modal, pageHead, problemsBox, select, sortTable, toast } from '../ui.js';
import { EAP_METHODS, validateEapUser } from '../validate.js';

// RFC 4180 CSV: quoted fields with "" inside, CRLF or LF lines.
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') q = false;
      else cur += c;
    } else if (c === '"') q = true;
    else if (c === ',') {
      row.push(cur);
      cur = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cur);
      rows.push(row);
      row = [];
      cur = '';
    } else cur += c;
  }
  if (cur !== '' || row.length) {
    row.push(cur);
    rows.push(row);
  }
  return rows.filter((r) => r.some((x) => x.trim() !== ''));
}

function csvUsers(text) {
  const rows = parseCsv(text);
  if (rows.length && /^identity$/i.test(rows[0][0].trim())) rows.shift();
  const users = rows.map((r) => {
    const u = { identity: (r[0] || '').trim(), password: r[1] ?? '' };
    if (r[2] && r[2].trim()) u.method = r[2].trim();
    return u;
  });
  const problems = users.flatMap((u, i) => validateEapUser(u, { base: `$.users[${i}]` }).map((p) => ({ ...p, message: `line ${i + 1}: ${p.message}` })));
  return { users, problems };
}

function userDialog(existing, reload) {
  const id = input({ value: existing?.identity || '', readOnly: !!existing, name: 'identity' });
  const method = select(EAP_METHODS, existing?.method || 'eap-mschapv2', { name: 'method' });
  const pw = input({ type: 'password', autocomplete: 'new-password', name: 'eap-password' });
  const fId = field('Identity', id);
  const fPw = field(existing ? 'New password' : 'Password', pw, { hint: 'Stored by mgmtd; never shown again' });
  const problems = h('div', { 'aria-live': 'polite' });
  modal(existing ? `Reset the password of ${existing.identity}` : 'Add an EAP user', (close) => h('form', {
    onsubmit: async (ev) => {
      ev.preventDefault();
      const u = { identity: id.value.trim(), method: method.value, password: pw.value };
      const errs = validateEapUser(u);
      if (!pw.value) errs.push({ path: '$.password', message: 'required' });
      fId.setError(errs.find((e) => e.path === '$.identity')?.message);
      fPw.setError(errs.find((e) => e.path === '$.password')?.message);
      if (errs.length) return;
      try {
        if (existing) await api('PUT', `/api/v1/eap-users/${seg(u.identity)}`, { body: { method: u.method, password: u.password } });
        else await api('POST', '/api/v1/eap-users', { body: u });
        pw.value = '';
        toast(existing ? `Password of ${u.identity} reset` : `EAP user ${u.identity} added`);
        close('ok');
        reload();
      } catch (e) {
        clear(problems).append(problemsBox(e.errors.length ? e.errors : [{ path: '$', detail: e.message }]));
      }
    },
  }, fId, field('Method', method), fPw, problems, h('div', { class: 'actions' },
    h('button', { type: 'submit', class: 'btn btn-primary' }, existing ? 'Reset password' : 'Add user'),
    button('Cancel', () => close('cancel')))));
}

function importDialog(reload) {
  const text = h('textarea', { spellcheck: 'false', placeholder: 'identity,password,method\nalice,S3cret-pass,eap-mschapv2' });
  const file = h('input', { type: 'file', accept: '.csv,text/csv' });
  const mode = select([['merge', 'Merge: add and update these users'], ['replace', 'Replace: these users only']], 'merge');
  const summary = h('div', { 'aria-live': 'polite' });
  const check = () => {
    const r = csvUsers(text.value);
    clear(summary).append(r.problems.length ? problemsBox(r.problems) : h('p', { class: 'muted' }, `${r.users.length} user${r.users.length === 1 ? '' : 's'} ready to import.`));
    return r;
  };
  file.addEventListener('change', async () => {
    if (file.files[0]) text.value = await file.files[0].text();
    check();
  });
  text.addEventListener('input', check);
  modal('Import EAP users from CSV', (close) => h('form', {
    onsubmit: async (ev) => {
      ev.preventDefault();
      const r = check();
      if (r.problems.length || !r.users.length) return;
      if (mode.value === 'replace' && !(await confirmDialog(`Replace every EAP user with these ${r.users.length}?`, 'Replace'))) return;
      try {
        const res = await api('POST', '/api/v1/eap-users/import', { body: { mode: mode.value, users: r.users } });
        text.value = '';
        toast(`Imported: ${res.data.created} created, ${res.data.replaced} replaced, ${res.data.total} in all`);
        close('ok');
        reload();
      } catch (e) {
        clear(summary).append(problemsBox(e.errors.length ? e.errors : [{ path: '$', detail: e.message }]));
      }
    },
  }, field('CSV file', file), field('or paste it', text, { hint: 'identity,password[,method]; a first line "identity,..." is skipped' }),
  field('Mode', mode), summary, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Import'), button('Cancel', () => close('cancel')))));
}

export function render(main) {
  const admin = can('admin');
  const search = input({ type: 'search', id: 'eap-search' });
  let all = [];
  const state = {
    sortKey: 'identity', caption: 'EAP users', empty: 'No EAP user.', rows: [],
    columns: [
      { key: 'identity', label: 'Identity' },
      { key: 'method', label: 'Method' },
      { key: 'secret', label: 'Secret', value: (u) => u.secret_type || '', render: (u) => (u.secret_set ? badge(`${u.secret_type} set`, 'ok') : badge('none', 'warn')) },
      { key: 'changed', label: 'Changed', value: (u) => u.secret_changed || '', render: (u) => fmtTime(u.secret_changed) },
      ...(admin ? [{
        key: 'actions', label: 'Actions', nosort: true, render: (u) => h('div', { class: 'actions' },
          button('Reset password', () => userDialog(u, load), { small: true, 'aria-label': `Reset password of ${u.identity}` }),
          button('Delete', async () => {
            if (!(await confirmDialog(`Delete EAP user ${u.identity}?`, 'Delete'))) return;
            try {
              await api('DELETE', `/api/v1/eap-users/${seg(u.identity)}`);
              toast(`EAP user ${u.identity} deleted`);
            } catch (e) {
              failToast(e, `Delete ${u.identity}`);
            }
            load();
          }, { small: true, kind: 'danger', 'aria-label': `Delete ${u.identity}` })),
      }] : []),
    ],
  };
  const table = sortTable(state);
  const show = () => {
    const q = search.value.toLowerCase();
    table.update(all.filter((u) => u.identity.toLowerCase().includes(q)));
  };
  const load = async () => {
    try {
      all = await getAll('/api/v1/eap-users');
      show();
    } catch (e) {
      failToast(e, 'EAP users');
    }
  };
  search.addEventListener('input', show);
  main.append(pageHead('EAP users', admin ? button('Add user', () => userDialog(null, load), { kind: 'primary' }) : null,
    admin ? button('Import CSV', () => importDialog(load)) : null), h('div', { class: 'toolbar' }, field('Search', search)), table);
  load();
}
