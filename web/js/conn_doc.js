// conn_doc.js: how the connection form (pages/conns.js) turns a fetched
// connection into the document it validates and sends, without the DOM:
// the page builds its controls from formControls() and its document with
// docFromForm(), and tests/api (node) replays the same round trip against
// palisade-mgmtd, so a member the API gives back that the form would
// refuse fails a fast test instead of a browser one.
import { LOCAL_AUTHS, REMOTE_AUTHS } from './validate.js';

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
export const MODES = ['tunnel', 'transport'];
export const START_ACTIONS = ['none', 'start', 'trap'];

export const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);

// A GET's connection: the members the API only gives (psk_set) out of the
// document the form edits; pskSet tells the validator a PUT keeps the key.
export function editBase(data) {
  const { psk_set: pskSet, ...base } = data;
  return { base, pskSet: !!pskSet };
}

// The form's controls for the document base: {path: {value, options}}.
// value is what the page gives the control; options (select controls
// only, as ui.js select() takes them) make it show the first option when
// value is not among them. certs, cas: the lists of /api/v1/certs, cas.
export function formControls(base, { isNew = false, certs = [], cas = [] } = {}) {
  const child0 = base.children?.[0] || {};
  const txt = (v) => ({ value: v ?? '' });
  const names = (xs) => [['', '(none)'], ...xs.map((x) => x.name)];
  return {
    '$.name': txt(base.name),
    '$.local.auth': { value: base.local?.auth || 'pubkey', options: LOCAL_AUTHS },
    '$.local.id': txt(base.local?.id),
    '$.local.cert': { value: base.local?.cert || '', options: names(certs) },
    '$.local.key': txt(base.local?.key),
    '$.local.eap_id': txt(base.local?.eap_id),
    '$.remote.auth': { value: base.remote?.auth || 'pubkey', options: REMOTE_AUTHS },
    '$.remote.addrs': txt((base.remote?.addrs || []).join(', ')),
    '$.remote.id': txt(base.remote?.id),
    '$.remote.ca': { value: base.remote?.ca || '', options: names(cas) },
    '$.psk': txt(''),
    '$.ike.proposals': txt((base.ike?.proposals || [IKE_CHOICES[0][0]]).join(', ')),
    '$.ike.dpd_delay': txt(base.ike?.dpd_delay),
    '$.children[0].name': txt(child0.name ?? (isNew ? 'net' : '')),
    '$.children[0].mode': { value: child0.mode || 'tunnel', options: MODES },
    '$.children[0].local_ts': txt((child0.local_ts || []).join(', ')),
    '$.children[0].remote_ts': txt((child0.remote_ts || []).join(', ')),
    '$.children[0].esp_proposals': txt((child0.esp_proposals || [ESP_CHOICES[0][0]]).join(', ')),
    '$.children[0].start_action': { value: child0.start_action || 'none', options: START_ACTIONS },
    '$.pools': txt((base.pools || []).join(', ')),
  };
}

// The document: base (the loaded one) with the form's members over it;
// members the form has no field for stay as they are. v(path): the
// control's value, trimmed; psk: the password field, as typed.
export function docFromForm(base, v, psk) {
  const set = (obj, k, val) => {
    if (val === '' || val === undefined || (Array.isArray(val) && !val.length)) delete obj[k];
    else obj[k] = val;
  };
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
  if (psk) d.psk = psk;
  else delete d.psk;
  return d;
}
