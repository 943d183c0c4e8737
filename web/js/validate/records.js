// validate/records.js: EAP users (api/model/eap_users.c) and virtual-IP
// pools (api/model/pools.c) as the API checks them; [{path, message}].
import { parseAddrRange, parseIP, parseIPv4 } from './net.js';
import { NAME_RULE, nameOk } from './ident.js';

export const EAP_METHODS = ['any', 'eap-mschapv2', 'eap-md5'];
const EAP_KEYS = ['identity', 'method', 'password', 'nt_hash'];

// A user as POSTed (create: a secret is required) or PUT (without a
// secret the stored one stays).
export function validateEapUser(u, { create = true, base = '$' } = {}) {
  const out = [];
  const add = (k, message) => out.push({ path: `${base}.${k}`, message });
  if (u === null || typeof u !== 'object' || Array.isArray(u)) return [{ path: base, message: 'must be a JSON object' }];
  for (const k of Object.keys(u)) if (!EAP_KEYS.includes(k)) out.push({ path: `${base}.${k}`, message: `unknown key: '${k}'` });
  if (create || 'identity' in u) {
    const id = u.identity;
    const n = typeof id === 'string' ? new TextEncoder().encode(id).length : 0;
    if (typeof id !== 'string') add('identity', 'required (a string)');
    else if (n === 0 || n > 255) add('identity', `must be 1-255 bytes long, not ${n}`);
    else if (/[\x00-\x1f\x7f]/.test(id)) add('identity', 'control character in the identity');
  }
  if ('method' in u && !EAP_METHODS.includes(u.method)) add('method', `must be eap-mschapv2, eap-md5 or any: '${u.method}'`);
  if ('password' in u) {
    const chars = typeof u.password === 'string' ? [...u.password].length : 0;
    if (typeof u.password !== 'string') add('password', 'must be a string');
    else if (chars === 0 || chars > 256) add('password', 'must be 1-256 characters long');
  }
  if ('nt_hash' in u && (typeof u.nt_hash !== 'string' || !/^[0-9a-fA-F]{32}$/.test(u.nt_hash))) {
    add('nt_hash', 'must be a string of 32 hex digits (MD4 of the UTF-16LE password)');
  }
  if ('password' in u && 'nt_hash' in u) add('nt_hash', 'give password or nt_hash, not both');
  if (create && !('password' in u) && !('nt_hash' in u)) add('password', 'required (or nt_hash, for eap-mschapv2)');
  if ('nt_hash' in u && (u.method || 'any') !== 'eap-mschapv2') {
    add('nt_hash', 'serves eap-mschapv2 only: EAP-MD5 needs the password; set "method": "eap-mschapv2" or give the password');
  }
  return out;
}

const POOL_KEYS = ['name', 'ranges', 'dns', 'netmask', 'prefix'];

function commonBits(bits, a, b) {
  let n = 0;
  while (n < bits && !((a[n >> 3] ^ b[n >> 3]) & (0x80 >> (n % 8)))) n++;
  return n;
}

const big = (b) => b.reduce((a, x) => a * 256n + BigInt(x), 0n);

// The addresses a range hands out, as BigInt bounds: a CIDR without its
// network and broadcast addresses (IPv4 up to /30), or without the
// Subnet-Router anycast address (IPv6 up to /126).
function handedOut(r, cidr) {
  let lo = big(r.start);
  let hi = big(r.end);
  if (cidr) {
    const plen = commonBits(r.family === 4 ? 32 : 128, r.start, r.end);
    if (r.family === 4 && plen <= 30) {
      lo += 1n;
      hi -= 1n;
    } else if (r.family === 6 && plen <= 126) {
      lo += 1n;
    }
  }
  return [lo, hi];
}

// A pool as POSTed or PUT; others: the other pools (for overlaps).
export function validatePool(p, { others = [] } = {}) {
  const out = [];
  const add = (path, message) => out.push({ path, message });
  if (p === null || typeof p !== 'object' || Array.isArray(p)) return [{ path: '$', message: 'must be a JSON object' }];
  for (const k of Object.keys(p)) if (!POOL_KEYS.includes(k)) add(`$.${k}`, `unknown key: '${k}'`);
  if (!('name' in p)) add('$.name', 'required');
  else if (!nameOk(p.name)) add('$.name', `${NAME_RULE}: '${p.name}'`);
  const ranges = [];
  const list = typeof p.ranges === 'string' ? [p.ranges] : p.ranges;
  if (!('ranges' in p)) add('$.ranges', 'required (CIDRs, a-b ranges or addresses)');
  else if (!Array.isArray(list) || list.length === 0 || list.length > 16) add('$.ranges', 'must be an address range or an array of 1-16 of them');
  else {
    list.forEach((s, i) => {
      const path = typeof p.ranges === 'string' ? '$.ranges' : `$.ranges[${i}]`;
      if (typeof s !== 'string') return add(path, 'must be a string');
      const r = parseAddrRange(s);
      if (r.error) return add(path, r.error);
      if (ranges.length && r.family !== ranges[0].family) {
        return add(path, `${r.family === 4 ? 'IPv4 range in an IPv6 pool' : 'IPv6 range in an IPv4 pool'} (the first range sets the family): '${s}'`);
      }
      const [lo, hi] = handedOut(r, s.includes('/'));
      ranges.push({ ...r, text: s, path, lo, hi });
      return undefined;
    });
  }
  if ('dns' in p) {
    if (!Array.isArray(p.dns)) add('$.dns', 'must be an array');
    else if (p.dns.length > 4) add('$.dns', `at most 4 entries, not ${p.dns.length}`);
    else p.dns.forEach((d, i) => (typeof d === 'string' && parseIP(d)) || add(`$.dns[${i}]`, `not an IP address: '${d}'`));
  }
  const total = ranges.reduce((a, r) => a + (r.hi - r.lo + 1n), 0n);
  if (total > 2n ** 24n) add('$.ranges', 'pool too large: at most 16777216 addresses (an IPv4 /8, an IPv6 /104)');
  checkPrefix(p, ranges, add);
  checkOverlap(ranges, others, add);
  return out;
}

function checkPrefix(p, ranges, add) {
  const hasMask = 'netmask' in p;
  const hasPrefix = 'prefix' in p;
  let plen = null;
  if (hasMask) {
    const m = typeof p.netmask === 'string' ? parseIPv4(p.netmask) : null;
    const v = m ? ((m[0] << 24) | (m[1] << 16) | (m[2] << 8) | m[3]) >>> 0 : 0;
    const inv = ~v >>> 0;
    if (!m) return add('$.netmask', `must be an IPv4 netmask such as 255.255.255.0: '${p.netmask}'`);
    if (((inv & (inv + 1)) >>> 0) !== 0) return add('$.netmask', `not a contiguous netmask: '${p.netmask}'`);
    plen = 32 - inv.toString(2).replace(/0/g, '').length;
  }
  if (hasPrefix) {
    if (!Number.isInteger(p.prefix) || p.prefix < 0 || p.prefix > 128) return add('$.prefix', 'must be a prefix length of 0-128');
    plen = p.prefix;
  }
  if (!ranges.length) return undefined;
  const fam = ranges[0].family;
  const path = hasMask ? '$.netmask' : '$.prefix';
  if (hasMask && hasPrefix) return add(path, 'give netmask (IPv4) or prefix (IPv6), not both');
  if (hasMask && fam !== 4) return add(path, 'only for IPv4 pools; an IPv6 pool takes "prefix"');
  if (hasPrefix && fam === 4) return add(path, 'only for IPv6 pools; an IPv4 pool takes "netmask"');
  if (plen === null) return undefined;
  const cmp = (a, b) => a.findIndex((x, i) => x !== b[i]);
  let lo = ranges[0].start;
  let hi = ranges[0].end;
  for (const r of ranges) {
    const i = cmp(r.start, lo);
    if (i >= 0 && r.start[i] < lo[i]) lo = r.start;
    const j = cmp(r.end, hi);
    if (j >= 0 && r.end[j] > hi[j]) hi = r.end;
  }
  const need = commonBits(fam === 4 ? 32 : 128, lo, hi);
  return plen > need ? add(path, `/${plen} does not hold the pool's addresses (they need /${need} or shorter)`) : undefined;
}

function checkOverlap(ranges, others, add) {
  for (const o of others) {
    const list = typeof o.ranges === 'string' ? [o.ranges] : o.ranges || [];
    for (const s of list) {
      const r = parseAddrRange(s);
      if (r.error) continue;
      const [lo, hi] = handedOut(r, s.includes('/'));
      for (const m of ranges) {
        if (m.family === r.family && m.lo <= hi && lo <= m.hi) add(m.path, `overlaps ${s} (pool '${o.name}'): '${m.text}'`);
      }
    }
  }
}
