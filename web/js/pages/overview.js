// pages/overview.js: the gateway at a glance: SAs up, setups and failures
// over the last hour, throughput, gateway/HSM/data path health and the
// certificates that expire within 30 days. Live: redrawn on every stats
// and SA sample (live.js), which an SA event triggers at once.
import { getAll } from '../api.js';
import { badge, clear, daysUntil, fmtBytes, fmtCount, fmtDuration, fmtRate, fmtTime, h } from '../dom.js';
import { eventsPerMinute, lineChart, perMinute } from '../chart.js';
import { live } from '../live.js';
import { kv, pageHead } from '../ui.js';

function card(label, value, id) {
  return h('div', { class: 'card', dataset: { card: id } }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value));
}

function totals(sas) {
  const t = { rin: 0, rout: 0, bin: 0, bout: 0 };
  for (const sa of sas || []) {
    t.rin += sa.traffic?.rates?.bytes_in || 0;
    t.rout += sa.traffic?.rates?.bytes_out || 0;
    t.bin += sa.traffic?.bytes_in || 0;
    t.bout += sa.traffic?.bytes_out || 0;
  }
  return t;
}

function cardsOf(s) {
  const t = totals(live.sas);
  const up = live.gateway === 'up';
  return h('div', { class: 'cards' },
    card('IKE SAs up', up && s ? fmtCount(s.ike_sas.established) : '–', 'ike-up'),
    card('Half-open', up && s ? fmtCount(s.ike_sas.half_open) : '–', 'half-open'),
    card('CHILD SAs', up && s ? fmtCount(s.child_sas.installed) : '–', 'child-up'),
    card('Setups / failed', up && s ? `${fmtCount(s.setups.ok)} / ${fmtCount(s.setups.failed)}` : '–', 'setups'),
    card('Throughput in', up && live.sas ? fmtRate(t.rin) : '–', 'rate-in'),
    card('Throughput out', up && live.sas ? fmtRate(t.rout) : '–', 'rate-out'));
}

function health(s) {
  const gw = { up: badge('up', 'ok'), down: badge('down', 'bad'), unreachable: badge('mgmtd unreachable', 'bad') }[live.gateway] || badge('checking', 'neutral');
  const hsm = s?.hsm;
  let hsmText = badge('not configured', 'neutral');
  if (hsm?.configured) {
    const kind = hsm.ready === hsm.tokens && !hsm.failures ? 'ok' : hsm.ready ? 'warn' : 'bad';
    hsmText = h('span', {}, badge(`${hsm.ready}/${hsm.tokens} tokens ready`, kind), ` ${fmtCount(hsm.signatures)} signatures, ${fmtCount(hsm.failures)} failures`);
  }
  return h('section', { class: 'panel', 'aria-labelledby': 'h-health' }, h('h2', { id: 'h-health' }, 'Health'), kv([
    ['Gateway', gw],
    ['Version', s?.version],
    ['Up since', s ? `${fmtTime(s.started_at)} (${fmtDuration(s.uptime)})` : null],
    ['Data path', s?.datapath?.backend],
    ['HSM', hsmText],
    ['Event stream', live.streamUp ? badge('live', 'ok') : badge('not connected', 'warn')],
    ['Config pending', s?.mgmtd?.config_pending ? badge('waiting for the gateway', 'warn') : badge('no', 'ok')],
    ['Packets dropped', s ? fmtCount(s.packets.dropped) : null],
  ]));
}

function failures(s) {
  const reasons = Object.entries(s?.setups?.failed_by_reason || {}).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  return h('section', { class: 'panel', 'aria-labelledby': 'h-fail' }, h('h2', { id: 'h-fail' }, 'Failures by reason'),
    reasons.length ? h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Reason'), h('th', { scope: 'col', class: 'num' }, 'Count'))),
      h('tbody', {}, reasons.map(([r, n]) => h('tr', {}, h('td', {}, r), h('td', { class: 'num' }, fmtCount(n))))))
      : h('p', { class: 'muted' }, 'No failed setups.'));
}

function expiry(certs) {
  const box = h('section', { class: 'panel', 'aria-labelledby': 'h-exp' }, h('h2', { id: 'h-exp' }, 'Certificate expiry'));
  if (!certs) return append(box, h('p', { class: 'muted' }, 'Loading…'));
  const soon = certs.filter((c) => daysUntil(c.cert.not_after) < 30).sort((a, b) => a.cert.not_after.localeCompare(b.cert.not_after));
  if (!soon.length) return append(box, h('p', { class: 'muted' }, `None of the ${certs.length} CA and gateway certificates expires within 30 days.`));
  return append(box, h('ul', {}, soon.map((c) => {
    const d = daysUntil(c.cert.not_after);
    return h('li', {}, badge(d < 0 ? 'expired' : `${Math.ceil(d)} days`, d < 7 ? 'bad' : 'warn'), ' ', h('strong', {}, c.where), ` ${c.cert.subject} (until ${fmtTime(c.cert.not_after)})`);
  })));
}
function append(el, ...c) {
  el.append(...c);
  return el;
}

async function loadCerts() {
  const [cas, certs] = await Promise.all([getAll('/api/v1/cas'), getAll('/api/v1/certs')]);
  return [
    ...cas.flatMap((ca) => ca.certificates.map((cert) => ({ where: `CA ${ca.name}`, cert }))),
    ...certs.map((c) => ({ where: `certificate ${c.name}`, cert: c.certificate })),
  ];
}

export function render(main) {
  const body = h('div');
  main.append(pageHead('Overview'), body);
  let certs = null;
  let drawn = 0;
  const draw = () => {
    const s = live.stats;
    const st = live.statSamples;
    clear(body);
    body.append(cardsOf(s),
      h('div', { class: 'grid' },
        lineChart('SAs up', [
          { label: 'IKE SAs', points: st.map((p) => ({ t: p.t, v: p.ike })) },
          { label: 'CHILD SAs', points: st.map((p) => ({ t: p.t, v: p.child })) },
        ], fmtCount),
        lineChart('Setups and failures per minute', [
          { label: 'setups', points: perMinute(st.map((p) => ({ t: p.t, v: p.ok }))) },
          { label: 'failures', points: perMinute(st.map((p) => ({ t: p.t, v: p.failed }))) },
          { label: 'auth failures (events)', points: st.length ? eventsPerMinute(live.events.filter((e) => e.event === 'auth-failed'), st[0].t) : [] },
        ], fmtCount),
        lineChart('Throughput', [
          { label: 'in', points: live.rateSamples.map((p) => ({ t: p.t, v: p.rin })) },
          { label: 'out', points: live.rateSamples.map((p) => ({ t: p.t, v: p.rout })) },
        ], (v) => fmtBytes(v) + '/s')),
      h('div', { class: 'grid' }, health(s), failures(s), expiry(certs)));
    drawn = Date.now();
  };
  const soon = () => {
    if (Date.now() - drawn > 500) draw();
  };
  draw();
  loadCerts().then((c) => {
    certs = c;
    draw();
  }).catch(() => {
    certs = [];
  });
  const offs = [live.on('stats', soon), live.on('sas', soon), live.on('gateway', draw), live.on('stream', draw),
    live.on('event', (e) => { if (e.event === 'auth-failed') soon(); })];
  return () => offs.forEach((f) => f());
}
