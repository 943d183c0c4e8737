// validate/proposal.js: proposal strings as gateway/crypto/proposal.c
// parses them ("aes256gcm16-prfsha384-x25519", "aes128-sha256-modp2048"):
// known keywords only, the mandatory transform types of RFC 7296 3.3.3,
// no integrity with an AEAD (RFC 5282 8), PRFs derived from integrity
// algorithms as strongSwan does. parseProposal() gives the transforms in
// print order, or {error}.
import { PRESETS, PRESET_PREFIX } from './preset.js';

const ENCR = 1;
const PRF = 2;
const INTEG = 3;
const KE = 4;
const ESN = 5;
const MAX_XF = 32;

// [keyword, type, id, key length, aead]
const KW = [
  ['aes128', ENCR, 12, 128], ['aes192', ENCR, 12, 192], ['aes256', ENCR, 12, 256],
  ['aes128gcm16', ENCR, 20, 128, 1], ['aes192gcm16', ENCR, 20, 192, 1], ['aes256gcm16', ENCR, 20, 256, 1],
  ['aes128gcm12', ENCR, 19, 128, 1], ['aes192gcm12', ENCR, 19, 192, 1], ['aes256gcm12', ENCR, 19, 256, 1],
  ['aes128gcm8', ENCR, 18, 128, 1], ['aes192gcm8', ENCR, 18, 192, 1], ['aes256gcm8', ENCR, 18, 256, 1],
  ['chacha20poly1305', ENCR, 28, 0, 1], ['3des', ENCR, 3],
  ['sha1', INTEG, 2], ['sha256', INTEG, 12], ['sha384', INTEG, 13], ['sha512', INTEG, 14],
  ['prfsha1', PRF, 2], ['prfsha256', PRF, 5], ['prfsha384', PRF, 6], ['prfsha512', PRF, 7],
  ['modp1024', KE, 2], ['modp1536', KE, 5], ['modp2048', KE, 14], ['modp3072', KE, 15], ['modp4096', KE, 16], ['ecp256', KE, 19], ['ecp384', KE, 20],
  ['ecp521', KE, 21], ['x25519', KE, 31], ['x448', KE, 32],
  ['esn', ESN, 1], ['noesn', ESN, 0],
  // aliases strongSwan accepts
  ['aes', ENCR, 12, 128],
  ['aes128gcm128', ENCR, 20, 128, 1], ['aes192gcm128', ENCR, 20, 192, 1], ['aes256gcm128', ENCR, 20, 256, 1],
  ['aes128gcm96', ENCR, 19, 128, 1], ['aes192gcm96', ENCR, 19, 192, 1], ['aes256gcm96', ENCR, 19, 256, 1],
  ['aes128gcm64', ENCR, 18, 128, 1], ['aes192gcm64', ENCR, 18, 192, 1], ['aes256gcm64', ENCR, 18, 256, 1],
  ['sha', INTEG, 2], ['sha2_256', INTEG, 12], ['sha2_384', INTEG, 13], ['sha2_512', INTEG, 14],
  ['curve25519', KE, 31], ['curve448', KE, 32],
].map(([name, type, id, keylen = 0, aead = 0]) => ({ name, type, id, keylen, aead: !!aead }));

// The keywords, for tests/api/keys_test.mjs (held against proposal.c's).
export const PROPOSAL_KEYWORDS = KW.map((k) => k.name);

const INTEG_PRF = { 2: 2, 12: 5, 13: 6, 14: 7 };
const ORDER = [ENCR, INTEG, PRF, KE, ESN];

const nameOf = (x) => KW.find((k) => k.type === x.type && k.id === x.id && k.keylen === x.keylen)?.name;
const same = (a, b) => a.type === b.type && a.id === b.id && a.keylen === b.keylen;

function checkTypes(xf, ike) {
  const aead = xf.find((x) => x.type === ENCR && x.aead);
  const plain = xf.find((x) => x.type === ENCR && !x.aead);
  const integ = xf.find((x) => x.type === INTEG);
  if (!aead && !plain) return 'no encryption algorithm';
  if (aead && plain) return `AEAD '${nameOf(aead)}' and non-AEAD '${nameOf(plain)}' in one proposal`;
  if (aead && integ) return `AEAD '${nameOf(aead)}' cannot take integrity algorithm '${nameOf(integ)}'`;
  if (plain && !integ) return `'${nameOf(plain)}' needs an integrity algorithm`;
  if (ike && !xf.some((x) => x.type === PRF)) {
    if (!integ) return `IKE proposal with AEAD '${nameOf(aead)}' needs a PRF (e.g. prfsha256)`;
    for (const x of xf.filter((y) => y.type === INTEG)) {
      const p = { type: PRF, id: INTEG_PRF[x.id], keylen: 0 };
      if (!xf.some((y) => same(y, p))) {
        if (xf.length >= MAX_XF) return `more than ${MAX_XF} algorithms`;
        xf.push(p);
      }
    }
  }
  if (ike && !xf.some((x) => x.type === KE)) return 'IKE proposal needs a key exchange group (e.g. x25519)';
  if (!ike && !xf.some((x) => x.type === ESN)) {
    if (xf.length >= MAX_XF) return `more than ${MAX_XF} algorithms`;
    xf.push({ type: ESN, id: 0, keylen: 0 });
  }
  return null;
}

// proto: 'ike' or 'esp'. {xf: [...]} in print order, or {error}.
export function parseProposal(str, proto) {
  const ike = proto === 'ike';
  if (typeof str !== 'string' || str === '') return { error: 'empty proposal' };
  const xf = [];
  for (const tok of str.split('-')) {
    if (tok === '') return { error: 'empty algorithm name' };
    const k = KW.find((w) => w.name.toLowerCase() === tok.toLowerCase());
    if (!k) return { error: `unknown algorithm '${tok}'` };
    if (!ike && k.type === PRF) return { error: `'${tok}': an ESP proposal has no PRF` };
    if (ike && k.type === ESN) return { error: `'${tok}': ESN is for ESP proposals only` };
    if (xf.some((x) => same(x, k))) return { error: `algorithm '${tok}' given twice` };
    if (xf.length >= MAX_XF) return { error: `more than ${MAX_XF} algorithms at '${tok}'` };
    xf.push({ type: k.type, id: k.id, keylen: k.keylen, aead: k.aead });
  }
  const why = checkTypes(xf, ike);
  if (why) return { error: why };
  const sorted = [];
  for (const t of ORDER) for (const x of xf) if (x.type === t) sorted.push(x);
  return { xf: sorted };
}

// The canonical string (proposal_format), e.g. for showing what a
// proposal amounts to.
export function formatProposal(xf) {
  return xf.map(nameOf).join('-');
}

export function sameProposal(a, b) {
  return a.length === b.length && a.every((x, i) => same(x, b[i]));
}

// A list of proposals: [{path, message}] problems. An entry is a
// proposal or "preset:NAME" (validate/preset.js); as api/model/conn_ike.c
// does it: a proposal written out twice is refused, one a preset brings
// again is left out, a preset that adds nothing is refused, and at most
// 8 proposals once the presets are expanded.
export function proposalsCheck(v, path, proto) {
  const what = proto === 'ike' ? 'IKE' : 'ESP';
  if (!Array.isArray(v)) return [{ path, message: 'must be an array' }];
  if (v.length === 0) return [{ path, message: 'must not be empty' }];
  if (v.length > 8) return [{ path, message: `at most 8 entries, not ${v.length}` }];
  const out = [];
  const seen = []; // {xf, entry}: the expanded list
  let full = false;
  const add = (s, p, i, preset) => {
    const r = parseProposal(s, proto);
    if (r.error) return out.push({ path: p, message: `not an ${what} proposal: ${r.error}: '${s}'` }) && false;
    const j = seen.find((x) => sameProposal(x.xf, r.xf));
    if (j) return preset ? false : out.push({ path: p, message: `same proposal as entry ${j.entry}` }) && false;
    if (seen.length >= 8) {
      if (!full) out.push({ path: p, message: `more than 8 proposals${preset ? ' once the preset is expanded' : ''}` });
      full = true;
      return false;
    }
    seen.push({ xf: r.xf, entry: i });
    return true;
  };
  v.forEach((s, i) => {
    const p = `${path}[${i}]`;
    if (typeof s !== 'string') return out.push({ path: p, message: 'must be a string' });
    if (s.length >= 128) return out.push({ path: p, message: 'longer than 127 characters' });
    if (!s.startsWith(PRESET_PREFIX)) return add(s, p, i, false);
    const name = s.slice(PRESET_PREFIX.length);
    const preset = Object.hasOwn(PRESETS, name) ? PRESETS[name][proto] : null;
    if (!preset) return out.push({ path: p, message: `unknown proposal preset '${name}' (there are: ${Object.keys(PRESETS).join(', ')})` });
    let added = 0;
    for (const x of preset) if (add(x, p, i, true)) added++;
    if (!added && !full) out.push({ path: p, message: `adds nothing: its proposals are all in the list already: '${s}'` });
    return undefined;
  });
  return out;
}
