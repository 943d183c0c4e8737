// live.js: the gateway's live state for every page: counters
// (/api/v1/stats) and SAs (/api/v1/sas) polled, the event stream
// (/api/v1/events, Server-Sent Events) followed, and the last hour of
// samples and events kept for the charts and the event log (in
// sessionStorage too, so a reload keeps them). An event that changes the
// SA table makes the next poll happen at once. Pages subscribe with
// live.on(topic, fn): 'stats', 'sas', 'event', 'gateway', 'stream'.
import { ApiError, get, getAll } from './api.js';

const HOUR = 3600 * 1000;
const STATS_MS = 5000;
const SAS_FAST_MS = 2000; // while a page shows SAs
const SAS_SLOW_MS = 10000; // otherwise, for the throughput history
const EVENTS_MAX = 1000;
const STORE = 'palisade.live.v1';
export const EVENT_NAMES = ['ike-up', 'ike-down', 'ike-rekeyed', 'ike-failed', 'auth-failed', 'child-up',
  'child-down', 'child-rekeyed', 'reload', 'dropped'];
const SA_EVENTS = new Set(['ike-up', 'ike-down', 'ike-rekeyed', 'ike-failed', 'auth-failed', 'child-up',
  'child-down', 'child-rekeyed']);

class Live {
  constructor() {
    this.subs = new Map();
    this.reset();
  }

  reset() {
    this.gateway = 'unknown'; // up, down (mgmtd answers 503), unreachable (mgmtd does not answer)
    this.stats = null;
    this.sas = null;
    this.sasError = null;
    this.streamUp = false;
    this.statSamples = []; // {t, ike, half, child, ok, failed}
    this.rateSamples = []; // {t, rin, rout}
    this.events = []; // newest last: {event, seq, time, data}
    this.timers = {};
    this.running = false;
  }

  on(topic, fn) {
    if (!this.subs.has(topic)) this.subs.set(topic, new Set());
    this.subs.get(topic).add(fn);
    if (topic === 'sas' && this.running) this.pollSas(0);
    return () => {
      this.subs.get(topic).delete(fn);
    };
  }

  emit(topic, arg) {
    for (const fn of this.subs.get(topic) || []) {
      try {
        fn(arg);
      } catch (e) {
        console.warn(`live: a ${topic} listener failed`, e);
      }
    }
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.load();
    this.pollStats(0);
    this.pollSas(0);
    this.saveTimer = setInterval(() => this.save(), 10000);
    window.addEventListener('pagehide', () => this.save());
  }

  stop() {
    for (const t of Object.values(this.timers)) clearTimeout(t);
    clearInterval(this.saveTimer);
    this.closeStream();
    sessionStorage.removeItem(STORE);
    const subs = this.subs;
    this.reset();
    this.subs = subs;
  }

  setGateway(state) {
    if (state === this.gateway) return;
    this.gateway = state;
    if (state === 'up') this.pollSas(0);
    this.emit('gateway', state);
  }

  failed(e) {
    if (!(e instanceof ApiError)) throw e;
    if (e.status === 503) this.setGateway('down');
    else if (e.status === 0) this.setGateway('unreachable');
  }

  pollStats(delay) {
    clearTimeout(this.timers.stats);
    this.timers.stats = setTimeout(() => this.refreshStats(), delay);
  }

  async refreshStats() {
    if (!this.running) return;
    try {
      const s = await get('/api/v1/stats');
      this.stats = s;
      this.setGateway(s.mgmtd?.gateway_up === false ? 'down' : 'up');
      this.statSamples.push({
        t: Date.now(), ike: s.ike_sas.established, half: s.ike_sas.half_open, child: s.child_sas.installed,
        ok: s.setups.ok, failed: s.setups.failed,
      });
      this.trim();
      this.emit('stats', s);
      if (!this.es) this.openStream();
    } catch (e) {
      this.failed(e);
      this.closeStream();
    }
    if (this.running) this.pollStats(STATS_MS);
  }

  pollSas(delay) {
    clearTimeout(this.timers.sas);
    this.timers.sas = setTimeout(() => this.refreshSas(), delay);
  }

  async refreshSas() {
    if (!this.running) return;
    if (this.gateway === 'down' || this.gateway === 'unreachable') {
      // no live data without the gateway: the stats poll notices its return
      this.sas = null;
      this.sasError = new ApiError(this.gateway === 'down' ? 503 : 0, null, 'the gateway does not answer');
      this.emit('sas', null);
      this.pollSas(SAS_FAST_MS);
      return;
    }
    try {
      this.sas = await getAll('/api/v1/sas');
      this.sasError = null;
      const rin = this.sas.reduce((a, sa) => a + (sa.traffic?.rates?.bytes_in || 0), 0);
      const rout = this.sas.reduce((a, sa) => a + (sa.traffic?.rates?.bytes_out || 0), 0);
      this.rateSamples.push({ t: Date.now(), rin, rout });
      this.trim();
    } catch (e) {
      this.failed(e);
      this.sasError = e;
    }
    this.emit('sas', this.sas);
    const fast = (this.subs.get('sas')?.size || 0) > 0 && document.visibilityState === 'visible';
    if (this.running) this.pollSas(fast ? SAS_FAST_MS : SAS_SLOW_MS);
  }

  // EventSource would retry by itself, and log each refusal while the
  // gateway is away: we close it on the first error and open it again
  // once /api/v1/stats answers.
  openStream() {
    if (this.es || this.gateway !== 'up') return;
    const es = new EventSource('/api/v1/events');
    this.es = es;
    for (const name of EVENT_NAMES) es.addEventListener(name, (m) => this.onEvent(m));
    es.onopen = () => {
      this.streamUp = true;
      this.emit('stream', true);
    };
    es.onerror = () => {
      this.closeStream();
      this.pollStats(1000);
    };
  }

  closeStream() {
    if (!this.es) return;
    this.es.close();
    this.es = null;
    if (this.streamUp) {
      this.streamUp = false;
      this.emit('stream', false);
    }
  }

  onEvent(m) {
    let ev;
    try {
      ev = JSON.parse(m.data);
    } catch {
      return;
    }
    const key = `${ev.seq}|${ev.time}|${ev.event}`;
    if (this.events.some((e) => `${e.seq}|${e.time}|${e.event}` === key)) return;
    this.events.push(ev);
    if (this.events.length > EVENTS_MAX) this.events.splice(0, this.events.length - EVENTS_MAX);
    this.emit('event', ev);
    if (SA_EVENTS.has(ev.event)) {
      clearTimeout(this.timers.burst);
      this.timers.burst = setTimeout(() => {
        this.pollSas(0);
        this.pollStats(0);
      }, 200);
    }
  }

  trim() {
    const from = Date.now() - HOUR - 60000;
    while (this.statSamples.length && this.statSamples[0].t < from) this.statSamples.shift();
    while (this.rateSamples.length && this.rateSamples[0].t < from) this.rateSamples.shift();
  }

  save() {
    if (!this.running) return;
    try {
      const { statSamples, rateSamples, events } = this;
      sessionStorage.setItem(STORE, JSON.stringify({ statSamples, rateSamples, events }));
    } catch {
      /* storage full or disabled: the history starts afresh next time */
    }
  }

  load() {
    try {
      const d = JSON.parse(sessionStorage.getItem(STORE) || 'null');
      if (!d) return;
      this.statSamples = Array.isArray(d.statSamples) ? d.statSamples : [];
      this.rateSamples = Array.isArray(d.rateSamples) ? d.rateSamples : [];
      this.events = Array.isArray(d.events) ? d.events.slice(-EVENTS_MAX) : [];
      this.trim();
    } catch {
      sessionStorage.removeItem(STORE);
    }
  }
}

export const live = new Live();
