// validate/conn.js: a connection document (ConnectionInput of
// api/openapi.yaml) checked with the rules of api/model/conn*.c, every
// problem with the JSON path the API would name ("$.children[0].
// local_ts[2]"). validateConnection(doc, {pskSet}) gives [{path, message}]:
// all problems at once, where the API stops at its first.
import { addrCheck, parseIP, tsCheck, tsSingle } from './net.js';
import { NAME_RULE, idCheck, keyCheck, nameOk } from './ident.js';
import { proposalsCheck } from './proposal.js';

const MAX_TIME = 100000000;
const MAX_COUNT = 2 ** 60;

const CONN_KEYS = ['name', 'local', 'remote', 'ike', 'children', 'pools', 'psk'];
const LOCAL_KEYS = ['addrs', 'id', 'auth', 'cert', 'key', 'eap_id', 'vips'];
const REMOTE_KEYS = ['addrs', 'id', 'auth', 'ca', 'cert', 'port'];
const IKE_KEYS = ['proposals', 'rekey_time', 'reauth_time', 'over_time', 'dpd_delay', 'dpd_timeout', 'encap',
  'fragmentation', 'keyingtries', 'retransmit_tries', 'retransmit_timeout', 'reauth_mode'];
const CHILD_KEYS = ['name', 'mode', 'local_ts', 'remote_ts', 'esp_proposals', 'rekey_time', 'life_time',
  'rekey_bytes', 'life_bytes', 'rekey_packets', 'life_packets', 'start_action', 'dpd_action', 'close_action',
  'replay_window'];
// The key lists, for tests/api (keys_test.mjs), which holds them against
// api/openapi.yaml and api/model's own lists.
export const CONN_KEY_LISTS = { conn: CONN_KEYS, local: LOCAL_KEYS, remote: REMOTE_KEYS, ike: IKE_KEYS, child: CHILD_KEYS };
export const LOCAL_AUTHS = ['pubkey', 'psk', 'eap'];
export const REMOTE_AUTHS = ['pubkey', 'psk', 'eap-mschapv2', 'eap-md5', 'eap'];
const IKE_NUM = {
  rekey_time: [0, MAX_TIME], reauth_time: [0, MAX_TIME], over_time: [0, MAX_TIME],
  dpd_delay: [0, 86400], dpd_timeout: [0, 86400], keyingtries: [0, 1000], retransmit_tries: [1, 20],
};
const CHILD_NUM = {
  rekey_time: MAX_TIME, life_time: 2 * MAX_TIME, rekey_bytes: MAX_COUNT, life_bytes: 2 * MAX_COUNT,
  rekey_packets: MAX_COUNT, life_packets: 2 * MAX_COUNT,
};
const ENUMS = {
  mode: [['tunnel', 'transport'], 'tunnel or transport'],
  start_action: [['none', 'start', 'trap'], 'none, start or trap'],
  dpd_action: [['clear', 'trap', 'restart'], 'clear, trap or restart'],
  close_action: [['none', 'trap', 'start'], 'none, trap or start'],
  reauth_mode: [['make-before-break', 'break-before-make'], 'make-before-break or break-before-make'],
};

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const has = (o, k) => isObj(o) && Object.hasOwn(o, k);

// The checks share one list of problems.
class Problems {
  constructor() {
    this.list = [];
  }
  add(path, message) {
    this.list.push({ path, message });
    return false;
  }
  keys(v, path, keys) {
    if (!isObj(v)) return this.add(path, 'must be an object');
    let ok = true;
    for (const k of Object.keys(v)) {
      if (!keys.includes(k)) ok = this.add(/^[A-Za-z0-9_-]+$/.test(k) ? `${path}.${k}` : path, `unknown key: '${k}'`);
    }
    return ok;
  }
  string(v, path, size) {
    if (typeof v !== 'string') return this.add(path, 'must be a string');
    if (new TextEncoder().encode(v).length >= size) return this.add(path, `longer than ${size - 1} characters`);
    return true;
  }
  name(v, path, mayBeEmpty) {
    if (typeof v !== 'string') return this.add(path, 'must be a string');
    if (!(mayBeEmpty && v === '') && !nameOk(v)) return this.add(path, `${NAME_RULE}: '${v}'`);
    return true;
  }
  uint(v, path, min, max) {
    if (!Number.isInteger(v)) return this.add(path, 'must be an integer');
    if (v < min || v > max) return this.add(path, `must be between ${min} and ${max}: '${v}'`);
    return true;
  }
  oneOf(v, path, words, what) {
    if (typeof v !== 'string') return this.add(path, `must be a string: ${what}`);
    return words.includes(v) || this.add(path, `must be ${what}: '${v}'`);
  }
  array(v, path, max, mayBeEmpty) {
    if (!Array.isArray(v)) return this.add(path, 'must be an array');
    if (v.length === 0 && !mayBeEmpty) return this.add(path, 'must not be empty');
    if (v.length > max) return this.add(path, `at most ${max} entries, not ${v.length}`);
    return true;
  }
}

function checkEnd(pr, v, path, remote) {
  if (!pr.keys(v, path, remote ? REMOTE_KEYS : LOCAL_KEYS)) return;
  if (has(v, 'addrs') && pr.array(v.addrs, `${path}.addrs`, 8, false)) {
    v.addrs.forEach((a, i) => {
      const p = `${path}.addrs[${i}]`;
      if (!pr.string(a, p, 256)) return;
      const why = addrCheck(a);
      if (why) pr.add(p, why);
      else if (a === '%any' && v.addrs.length > 1) pr.add(p, '%any matches every address: it stands alone');
    });
  }
  if (has(v, 'id') && pr.string(v.id, `${path}.id`, 256)) {
    if (v.id === '%any') {
      if (!remote) pr.add(`${path}.id`, 'the local identity must be a real one, not %any');
    } else if (v.id !== '') {
      const why = idCheck(v.id);
      if (why) pr.add(`${path}.id`, why);
    }
  }
  if (has(v, 'auth')) {
    const auths = remote ? REMOTE_AUTHS : LOCAL_AUTHS;
    pr.oneOf(v.auth, `${path}.auth`, auths, remote ? 'psk, pubkey, eap-md5, eap-mschapv2 or eap' : 'psk, pubkey or eap');
  } else {
    pr.add(`${path}.auth`, `required: ${remote ? 'psk, pubkey, eap-md5, eap-mschapv2 or eap' : 'psk, pubkey or eap'}`);
  }
  for (const k of ['cert', 'ca']) if (has(v, k)) pr.name(v[k], `${path}.${k}`, true);
  if (has(v, 'key') && pr.string(v.key, `${path}.key`, 512) && v.key !== '') {
    const why = keyCheck(v.key);
    if (why) pr.add(`${path}.key`, why);
  }
  if (has(v, 'eap_id') && pr.string(v.eap_id, `${path}.eap_id`, 256) && /[\x00-\x1f\x7f]/.test(v.eap_id)) {
    pr.add(`${path}.eap_id`, 'must not contain control characters');
  }
  if (has(v, 'vips')) checkVips(pr, v.vips, `${path}.vips`);
  if (has(v, 'port')) pr.uint(v.port, `${path}.port`, 1, 65535);
}

function checkVips(pr, v, path) {
  if (!Array.isArray(v) || v.length > 2) {
    pr.add(path, 'must be an array of at most two addresses ("0.0.0.0", "::")');
    return;
  }
  const fams = [];
  v.forEach((s, i) => {
    const ip = typeof s === 'string' ? parseIP(s) : null;
    if (typeof s !== 'string') pr.add(`${path}[${i}]`, 'must be a string');
    else if (!ip) pr.add(`${path}[${i}]`, `not an IP address: '${s}'`);
    else if (fams.includes(ip.family)) pr.add(`${path}[${i}]`, 'one virtual IP per address family');
    else fams.push(ip.family);
  });
}

function checkIke(pr, v) {
  if (!pr.keys(v, '$.ike', IKE_KEYS)) return;
  for (const [k, val] of Object.entries(v)) {
    const p = `$.ike.${k}`;
    if (k === 'proposals') pr.list.push(...proposalsCheck(val, p, 'ike'));
    else if (k === 'encap' || k === 'fragmentation') {
      if (typeof val !== 'boolean') pr.add(p, 'must be true or false');
    } else if (k === 'retransmit_timeout') {
      if (typeof val !== 'number') pr.add(p, 'must be a number of seconds');
      else if (!(val >= 0.1 && val <= 600)) pr.add(p, `must be between 0.1 and 600 seconds: '${val}'`);
    } else if (k in ENUMS) pr.oneOf(val, p, ...ENUMS[k]);
    else pr.uint(val, p, ...IKE_NUM[k]);
  }
  if (!has(v, 'proposals')) pr.add('$.ike.proposals', 'required: 1-8 IKE proposals (e.g. aes256gcm16-prfsha384-x25519)');
}

function checkTsList(pr, v, path) {
  if (!pr.array(v, path, 16, false)) return;
  v.forEach((s, i) => {
    if (typeof s !== 'string') return pr.add(`${path}[${i}]`, 'must be a string');
    const why = tsCheck(s);
    return why ? pr.add(`${path}[${i}]`, why) : true;
  });
}

// A hard limit after the soft one (conn_child.c child_limit).
function checkLimits(pr, v, path) {
  const pairs = [['life_time', 'rekey_time', 3600], ['life_bytes', 'rekey_bytes', 0], ['life_packets', 'rekey_packets', 0]];
  for (const [life, rekey, def] of pairs) {
    const r = has(v, rekey) && Number.isInteger(v[rekey]) ? v[rekey] : def;
    if (has(v, life) && Number.isInteger(v[life]) && r && v[life] <= r) {
      pr.add(`${path}.${life}`, `must be greater than ${rekey} (${r}): '${v[life]}'`);
    }
  }
}

function checkChild(pr, v, path) {
  if (!pr.keys(v, path, CHILD_KEYS)) return;
  for (const [k, val] of Object.entries(v)) {
    const p = `${path}.${k}`;
    if (k === 'name') pr.name(val, p, false);
    else if (k in ENUMS) pr.oneOf(val, p, ...ENUMS[k]);
    else if (k === 'local_ts' || k === 'remote_ts') checkTsList(pr, val, p);
    else if (k === 'esp_proposals') pr.list.push(...proposalsCheck(val, p, 'esp'));
    else if (k === 'replay_window') {
      if (pr.uint(val, p, 0, 65536) && val !== 0 && val < 32) pr.add(p, `must be 0 (gateway default) or 32-65536: '${val}'`);
    } else pr.uint(val, p, 0, CHILD_NUM[k]);
  }
  if (!has(v, 'name')) pr.add(`${path}.name`, 'required');
  checkLimits(pr, v, path);
  if (v.mode === 'transport') {
    for (const k of ['local_ts', 'remote_ts']) {
      if (!Array.isArray(v[k])) continue;
      v[k].forEach((s, i) => {
        if (typeof s === 'string' && !tsCheck(s) && !tsSingle(s)) {
          pr.add(`${path}.${k}[${i}]`, "transport mode takes 'dynamic' or single addresses, not networks or ranges");
        }
      });
    }
  }
}

function checkPsk(pr, v) {
  if (typeof v !== 'string') return pr.add('$.psk', 'must be a string');
  const bytes = new TextEncoder().encode(v).length;
  if (!/^0[xX]/.test(v)) return bytes >= 1 && bytes <= 256 ? true : pr.add('$.psk', 'must be 1-256 bytes long');
  const hex = v.slice(2);
  if (hex.length === 0 || hex.length % 2 || hex.length / 2 > 256) {
    return pr.add('$.psk', 'a "0x" key needs an even number of hex digits, 1-256 bytes');
  }
  return /^[0-9a-fA-F]*$/.test(hex) || pr.add('$.psk', 'a "0x" key must be all hex digits');
}

// Who proves what to whom (conn.c conn_check_auth).
function checkAuth(pr, doc, pskSet) {
  const l = isObj(doc.local) ? doc.local : {};
  const r = isObj(doc.remote) ? doc.remote : {};
  const eapRemote = ['eap', 'eap-md5', 'eap-mschapv2'].includes(r.auth);
  const pskAuth = l.auth === 'psk' || r.auth === 'psk' || l.auth === 'eap';
  const hasPsk = has(doc, 'psk') || pskSet;
  const raddrs = Array.isArray(r.addrs) ? r.addrs : ['%any'];
  if (l.auth === 'pubkey' && !l.cert) pr.add('$.local.cert', 'required with pubkey auth (a name in certs/)');
  if (l.auth === 'pubkey' && !l.key) pr.add('$.local.key', 'required with pubkey auth (pkcs11: URI or a name in keys/)');
  if (l.auth === 'eap' && r.auth !== 'pubkey') {
    pr.add('$.remote.auth', 'must be pubkey when local auth is eap: an EAP server proves itself with a certificate (RFC 7296 2.16)');
  }
  if (eapRemote && l.auth !== 'pubkey') {
    pr.add('$.local.auth', 'must be pubkey when remote auth is EAP: we are the EAP server and prove ourselves with a certificate (RFC 7296 2.16)');
  }
  if (r.auth === 'psk' && r.id === '%any') {
    pr.add('$.remote.id', "%any with psk auth would let anyone holding the key claim any identity: name the peer's id, or use pubkey or EAP");
  }
  if (r.auth === 'psk' && !r.id && raddrs[0] === '%any') {
    pr.add('$.remote.id', "required with psk auth and remote addrs %any: the default identity (the peer's address) would match anyone holding the key");
  }
  if (pskAuth && !hasPsk) {
    const why = l.auth === 'eap' ? 'our EAP password (local auth eap)' : l.auth === 'psk' ? 'the local end uses psk auth' : 'the remote end uses psk auth';
    pr.add('$.psk', `required: ${why}`);
  }
  if (!pskAuth && has(doc, 'psk')) pr.add('$.psk', 'set, but neither end uses psk auth (nor local eap)');
  if (l.eap_id && l.auth !== 'eap') pr.add('$.local.eap_id', 'only used with local auth eap');
}

// doc: the document to send. opts.pskSet: the stored connection has a
// PSK that a PUT without "psk" keeps; opts.name: the name in the URL.
export function validateConnection(doc, opts = {}) {
  const pr = new Problems();
  if (!isObj(doc)) return [{ path: '$', message: 'must be a JSON object' }];
  pr.keys(doc, '$', CONN_KEYS);
  if (has(doc, 'name')) pr.name(doc.name, '$.name', false);
  else if (!opts.name) pr.add('$.name', 'required');
  if (opts.name && has(doc, 'name') && doc.name !== opts.name) pr.add('$.name', `must match the file name: '${opts.name}'`);
  if (has(doc, 'local')) checkEnd(pr, doc.local, '$.local', false);
  else pr.add('$.local', 'required (at least "auth")');
  if (has(doc, 'remote')) checkEnd(pr, doc.remote, '$.remote', true);
  else pr.add('$.remote', 'required (at least "auth")');
  if (has(doc, 'ike')) checkIke(pr, doc.ike);
  else pr.add('$.ike', 'required (at least "proposals")');
  if (has(doc, 'children') && pr.array(doc.children, '$.children', 16, true)) {
    const names = [];
    doc.children.forEach((c, i) => {
      checkChild(pr, c, `$.children[${i}]`);
      if (isObj(c) && typeof c.name === 'string') {
        if (names.includes(c.name)) pr.add(`$.children[${i}].name`, `child name used twice: '${c.name}'`);
        names.push(c.name);
      }
    });
  }
  if (has(doc, 'pools') && pr.array(doc.pools, '$.pools', 4, true)) {
    doc.pools.forEach((p, i) => {
      if (pr.name(p, `$.pools[${i}]`, false) && doc.pools.indexOf(p) < i) pr.add(`$.pools[${i}]`, `pool listed twice: '${p}'`);
    });
  }
  if (has(doc, 'psk')) checkPsk(pr, doc.psk);
  checkAuth(pr, doc, !!opts.pskSet);
  return pr.list;
}
