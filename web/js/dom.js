// dom.js: building the page without innerHTML (text from the API never
// becomes markup; the Content-Security-Policy forbids inline styles and
// scripts anyway), and the formats every page shares.

// h('button', {class: 'x', onclick: fn, 'aria-label': 'y'}, 'text', node...)
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  setProps(el, props);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg(tag, props, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(props || {})) if (v !== undefined && v !== null) el.setAttribute(k, v);
  append(el, children);
  return el;
}

const PROPS = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'multiple', 'open', 'readOnly', 'required', 'indeterminate']);

function setProps(el, props) {
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) {
      if (PROPS.has(k)) el[k] = false;
      continue;
    }
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') for (const [dk, dv] of Object.entries(v)) { if (dv !== undefined && dv !== null) el.dataset[dk] = dv; }
    else if (PROPS.has(k)) el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

let ids = 0;
export function uid(prefix = 'id') {
  ids += 1;
  return `${prefix}-${ids}`;
}

// ---- formats ----

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function fmtBytes(n) {
  if (n === null || n === undefined || Number.isNaN(n)) return '–';
  let v = Number(n);
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${Math.round(v)} B` : `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${UNITS[u]}`;
}

export function fmtRate(n) {
  return `${fmtBytes(n)}/s`;
}

export function fmtCount(n) {
  return n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US');
}

// 42 s, 12 min, 3 h 5 min, 2 d 4 h
export function fmtDuration(s) {
  if (s === null || s === undefined) return '–';
  s = Math.max(0, Math.round(s));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

const pad = (n) => String(n).padStart(2, '0');

// Local time, unambiguous: 2026-11-27 14:05:09
export function fmtTime(t) {
  if (!t) return '–';
  const d = t instanceof Date ? t : new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function fmtClock(ms) {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function daysUntil(t) {
  return (new Date(t).getTime() - Date.now()) / 86400000;
}

// 3f:a2:... for a hex fingerprint, in groups that wrap
export function fmtFingerprint(hex) {
  return (hex || '').toUpperCase().match(/.{1,2}/g)?.join(':') ?? '';
}

// A small state badge: ok, warn, bad or neutral
export function badge(text, kind = 'neutral') {
  return h('span', { class: `badge badge-${kind}` }, text);
}

export function stateKind(state) {
  if (['ESTABLISHED', 'INSTALLED'].includes(state)) return 'ok';
  if (['REKEYING', 'REKEYED', 'CONNECTING', 'INSTALLING', 'CREATED'].includes(state)) return 'warn';
  if (state === 'DELETING') return 'bad';
  return 'neutral';
}

// Visually hidden text for screen readers
export function srOnly(text) {
  return h('span', { class: 'sr-only' }, text);
}
