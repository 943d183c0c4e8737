// chart.js: small SVG line charts of the last hour (no library: a few
// polylines with a time axis). The numbers behind each chart are also
// given as text (aria-label and the legend) for screen readers.
import { fmtClock, h, svg } from './dom.js';

const W = 600;
const H = 160;
const PAD = { l: 48, r: 8, t: 8, b: 20 };
const HOUR = 3600 * 1000;

// series: [{label, points: [{t, v}]}]; fmt: value -> axis text
export function lineChart(title, series, fmt = String) {
  const now = Date.now();
  // the last hour, or less while the history is younger (at least 5 min)
  const first = Math.min(...series.flatMap((x) => x.points.map((p) => p.t)), now);
  const from = Math.max(now - HOUR, Math.min(first, now - 5 * 60000));
  const span = now - from;
  const all = series.flatMap((s) => s.points.filter((p) => p.t >= from).map((p) => p.v));
  const max = Math.max(1, ...all);
  const x = (t) => PAD.l + ((t - from) / span) * (W - PAD.l - PAD.r);
  const y = (v) => H - PAD.b - (v / max) * (H - PAD.t - PAD.b);
  const last = series.map((s) => `${s.label} ${fmt(s.points.at(-1)?.v ?? 0)}`).join(', ');
  const g = svg('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': `${title} since ${fmtClock(from)}; now: ${last}` });
  g.append(svg('line', { class: 'axis', x1: PAD.l, y1: H - PAD.b, x2: W - PAD.r, y2: H - PAD.b }));
  g.append(svg('line', { class: 'axis', x1: PAD.l, y1: PAD.t, x2: PAD.l, y2: H - PAD.b }));
  g.append(svg('text', { x: PAD.l - 4, y: PAD.t + 8, 'text-anchor': 'end' }, fmt(max)));
  g.append(svg('text', { x: PAD.l - 4, y: H - PAD.b, 'text-anchor': 'end' }, fmt(0)));
  for (let i = 0; i <= 4; i++) {
    const t = from + (i * span) / 4;
    g.append(svg('text', { x: x(t), y: H - 4, 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle' }, fmtClock(t)));
  }
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => p.t >= from).map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`);
    if (pts.length === 1) pts.push(pts[0].replace(/^[^,]*/, (W - PAD.r).toFixed(1)));
    if (pts.length) g.append(svg('polyline', { class: `s${i + 1}`, points: pts.join(' ') }));
  });
  const legend = h('div', { class: 'legend', 'aria-hidden': 'true' }, series.map((s, i) => h('span', { class: `k${i + 1}` }, `${s.label}: ${fmt(s.points.at(-1)?.v ?? 0)}`)));
  return h('figure', { class: 'panel' }, h('figcaption', {}, h('h2', {}, title)), g, legend);
}

// Counter samples {t, v} (cumulative) as events per minute, in one-minute
// buckets (a counter that went down means the gateway restarted).
export function perMinute(samples) {
  const out = [];
  for (let i = 1; i < samples.length; i++) {
    const d = samples[i].v - samples[i - 1].v;
    const m = Math.floor(samples[i].t / 60000) * 60000 + 30000;
    const last = out.at(-1);
    const add = d > 0 ? d : 0;
    if (last && last.t === m) last.v += add;
    else out.push({ t: m, v: add });
  }
  return out;
}

// Events (with a time) counted in the same one-minute buckets, from the
// first sample on (minutes without one count 0).
export function eventsPerMinute(events, from) {
  const out = new Map();
  const start = Math.floor(from / 60000) * 60000 + 30000;
  for (let m = start; m <= Date.now() + 30000; m += 60000) out.set(m, 0);
  for (const e of events) {
    const m = Math.floor(new Date(e.time).getTime() / 60000) * 60000 + 30000;
    if (out.has(m)) out.set(m, out.get(m) + 1);
  }
  return [...out].map(([t, v]) => ({ t, v }));
}
