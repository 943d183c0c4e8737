// ui.js: the pieces every page shares: page heads, fields with their
// validation messages, dialogs (native <dialog>: focus trapped, Escape
// closes), toasts, sortable tables and problem lists (RFC 9457 errors
// with the JSON path of the field).
import { clear, h, uid } from './dom.js';

export function pageHead(title, ...actions) {
  return h('div', { class: 'page-head' }, h('h1', {}, title), h('div', { class: 'actions' }, ...actions));
}

export function button(label, onclick, { kind = '', small = false, ...rest } = {}) {
  return h('button', { type: 'button', class: ['btn', kind && `btn-${kind}`, small && 'btn-small'], onclick, ...rest }, label);
}

export function toast(text, kind = 'ok') {
  const t = h('div', { class: `toast ${kind}` }, text);
  document.getElementById('toasts').append(t);
  setTimeout(() => t.remove(), 5000);
}

// An API failure as a toast (the message mgmtd gave, with field paths).
export function failToast(e, what) {
  const paths = (e.errors || []).map((x) => `${x.path}: ${x.detail}`).join('; ');
  toast(`${what}: ${e.message}${paths ? ` (${paths})` : ''}`, 'bad');
}

// field(label, control, {hint}): a labelled control with a place for its
// error, which setError() fills (and marks the control aria-invalid).
export function field(label, control, { hint } = {}) {
  const id = control.id || uid('f');
  control.id = id;
  const err = h('div', { class: 'error', id: `${id}-err`, 'aria-live': 'polite' });
  const hintEl = hint ? h('div', { class: 'hint', id: `${id}-hint` }, hint) : null;
  control.setAttribute('aria-describedby', [hintEl && `${id}-hint`, `${id}-err`].filter(Boolean).join(' '));
  const wrap = h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl, err);
  wrap.setError = (msg) => {
    err.textContent = msg || '';
    if (msg) control.setAttribute('aria-invalid', 'true');
    else control.removeAttribute('aria-invalid');
  };
  wrap.control = control;
  return wrap;
}

export function input(props = {}) {
  return h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', ...props });
}

export function select(options, value, props = {}) {
  return h('select', props, options.map((o) => {
    const [v, label] = Array.isArray(o) ? o : [o, o];
    return h('option', { value: v, selected: v === value }, label);
  }));
}

// modal(title, body, {wide}): opens a <dialog>; resolves with its
// returnValue when closed. body may be a function (close) -> node.
export function modal(title, body) {
  const headId = uid('dlg');
  const dlg = h('dialog', { 'aria-labelledby': headId });
  let done;
  const closed = new Promise((r) => {
    done = r;
  });
  const close = (v = '') => dlg.close(v);
  dlg.append(h('h2', { id: headId }, title), typeof body === 'function' ? body(close) : body);
  dlg.addEventListener('close', () => {
    dlg.remove();
    done(dlg.returnValue);
  });
  document.body.append(dlg);
  dlg.showModal();
  return { dlg, close, closed };
}

export async function confirmDialog(text, okLabel = 'OK', danger = true) {
  const m = modal('Please confirm', (close) => h('div', {},
    h('p', {}, text),
    h('div', { class: 'actions' },
      button(okLabel, () => close('ok'), { kind: danger ? 'danger' : 'primary' }),
      button('Cancel', () => close('cancel')))));
  return (await m.closed) === 'ok';
}

export function problemsBox(list) {
  if (!list.length) return null;
  return h('div', { class: 'problems', role: 'alert' }, h('strong', {}, `${list.length} problem${list.length > 1 ? 's' : ''}`),
    h('ul', {}, list.map((p) => h('li', {}, h('code', {}, p.path), ': ', p.message || p.detail))));
}

// sortTable(el, {columns, rows, sortKey, desc, filter}): a table whose
// column heads sort (aria-sort tells screen readers). columns: {key,
// label, num, value(row), render(row)}.
export function sortTable(state) {
  const wrap = h('div', { class: 'table-wrap' });
  const draw = () => {
    clear(wrap);
    const cols = state.columns;
    const col = cols.find((c) => c.key === state.sortKey) || cols[0];
    const val = col.value || ((r) => r[col.key]);
    const rows = [...state.rows].sort((a, b) => {
      const x = val(a);
      const y = val(b);
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x ?? '').localeCompare(String(y ?? ''));
      return state.desc ? -c : c;
    });
    const head = h('tr', {}, cols.map((c) => h('th', {
      scope: 'col', class: c.num ? 'num' : '', 'aria-sort': c.key === col.key ? (state.desc ? 'descending' : 'ascending') : undefined,
    }, c.nosort ? c.label : h('button', {
      type: 'button',
      onclick: () => {
        state.desc = state.sortKey === c.key ? !state.desc : false;
        state.sortKey = c.key;
        draw();
      },
    }, c.label, c.key === col.key ? (state.desc ? ' ▼' : ' ▲') : ''))));
    const body = rows.length ? rows.map((r) => h('tr', {}, cols.map((c) => h('td', { class: c.num ? 'num' : '' },
      c.render ? c.render(r) : String(r[c.key] ?? '–'))))) : h('tr', {}, h('td', { colspan: cols.length, class: 'empty' }, state.empty || 'Nothing here yet.'));
    wrap.append(h('table', {}, state.caption ? h('caption', { class: 'sr-only' }, state.caption) : null, h('thead', {}, head), h('tbody', {}, body)));
  };
  wrap.update = (rows) => {
    state.rows = rows;
    draw();
  };
  draw();
  return wrap;
}

export function kv(pairs) {
  return h('dl', { class: 'kv' }, pairs.filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '–')]));
}
