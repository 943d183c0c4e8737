// validate/net.js: addresses, host names, CIDRs, ranges and traffic
// selectors, with the rules of api/model (conn_ident.c, ts.c) so that a
// form says what the API would say before anything is sent. Pure
// functions: the browser and the tests (node) import them alike.

// One IPv4 address as glibc's inet_pton reads it: four decimal parts of
// 0-255, no leading zeros, nothing else. Bytes, or null.
export function parseIPv4(s) {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^[0-9]{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return null;
    const v = Number(p);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

// One IPv6 address (RFC 4291 2.2): groups of 1-4 hex digits, one "::"
// standing for at least one zero group, an IPv4 tail allowed.
export function parseIPv6(s) {
  if (s.length === 0 || s.length > 45) return null;
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return null;
  const head = dbl >= 0 ? s.slice(0, dbl) : s;
  const tail = dbl >= 0 ? s.slice(dbl + 2) : '';
  const groups = (text, last) => {
    if (text === '') return [];
    const out = [];
    const parts = text.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (last && i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p);
        if (!v4) return null;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
        out.push(parseInt(p, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  const h = groups(head, dbl < 0);
  const t = groups(tail, true);
  if (!h || !t) return null;
  const n = h.length + t.length;
  if ((dbl < 0 && n !== 8) || (dbl >= 0 && n > 7)) return null;
  const all = [...h, ...new Array(8 - n).fill(0), ...t];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

// {family: 4|6, bytes} or null.
export function parseIP(s) {
  const v4 = parseIPv4(s);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = parseIPv6(s);
  return v6 ? { family: 6, bytes: v6 } : null;
}

export function formatIP(family, b) {
  if (family === 4) return Array.from(b).join('.');
  const g = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i] << 8) | b[i + 1]);
  // RFC 5952: the longest run (>= 2) of zero groups becomes "::"
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

// The decimal numbers of ts.c's parse_num: 1-5 digits, no sign.
function parseNum(s, max) {
  if (!/^[0-9]{1,5}$/.test(s)) return null;
  const v = Number(s);
  return v > max ? null : v;
}

function cmpBytes(a, b) {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

// An address, "a/len" CIDR (no host bits) or "a-b" range:
// {family, start, end} or {error}.
export function parseAddrRange(s) {
  const slash = s.indexOf('/');
  const dash = s.indexOf('-');
  if (slash >= 0 && dash >= 0) return { error: `not an address, CIDR or range: '${s}'` };
  if (slash >= 0) {
    const ip = parseIP(s.slice(0, slash));
    if (!ip) return { error: `not an IP address or CIDR: '${s}'` };
    const bits = ip.family === 4 ? 32 : 128;
    const plen = parseNum(s.slice(slash + 1), bits);
    if (plen === null) return { error: `prefix length must be 0-${bits}: '${s}'` };
    const start = Uint8Array.from(ip.bytes);
    const end = Uint8Array.from(ip.bytes);
    let hostBits = false;
    for (let bit = plen; bit < bits; bit++) {
      const m = 0x80 >> (bit % 8);
      if (start[bit >> 3] & m) hostBits = true;
      start[bit >> 3] &= ~m;
      end[bit >> 3] |= m;
    }
    if (hostBits) {
      const net = formatIP(ip.family, start);
      return { error: `host bits set past the /${plen} prefix (network is ${net}/${plen}): '${s}'` };
    }
    return { family: ip.family, start, end };
  }
  if (dash >= 0) {
    const a = parseIP(s.slice(0, dash));
    const b = parseIP(s.slice(dash + 1));
    if (!a || !b) return { error: `not an address range a-b: '${s}'` };
    if (a.family !== b.family) return { error: `range mixes IPv4 and IPv6: '${s}'` };
    if (cmpBytes(a.bytes, b.bytes) > 0) return { error: `range start is above its end: '${s}'` };
    return { family: a.family, start: a.bytes, end: b.bytes };
  }
  const ip = parseIP(s);
  if (!ip) return { error: `not an IP address: '${s}'` };
  return { family: ip.family, start: ip.bytes, end: ip.bytes };
}

// RFC 1123 2.1 host name; the last label not all digits (RFC 3696 2).
export function hostnameOk(s) {
  if (s.length === 0 || s.length > 253) return false;
  const labels = s.split('.');
  for (const l of labels) {
    if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/.test(l) || l.endsWith('-')) return false;
  }
  return !/^[0-9]+$/.test(labels[labels.length - 1]);
}

// A peer address entry: "%any", an address, CIDR, range, or host name.
// null when fine, else why.
export function addrCheck(s) {
  if (s === '%any') return null;
  const r = parseAddrRange(s);
  if (!r.error) return null;
  if (hostnameOk(s)) return null;
  if (/[:/]/.test(s) || /^[0-9.-]*$/.test(s)) return r.error;
  return 'not an IP address, CIDR, range a-b, %any or host name';
}

const TS_PROTOS = { tcp: 6, udp: 17, icmp: 1, 'ipv6-icmp': 58, sctp: 132 };

// A traffic selector (model_ts_parse): null when fine, else why.
export function tsCheck(s) {
  if (s.length === 0 || s.length > 128) return `traffic selector must be 1-128 characters: '${s}'`;
  let addr = s;
  let proto = 0;
  const open = s.indexOf('[');
  if (open >= 0) {
    const close = s.indexOf(']', open + 1);
    if (!s.endsWith(']') || s.indexOf('[', open + 1) >= 0 || close !== s.length - 1) {
      return `protocol/port suffix must be [..] at the end: '${s}'`;
    }
    const suffix = s.slice(open + 1, -1);
    addr = s.slice(0, open);
    const slash = suffix.indexOf('/');
    const pname = slash >= 0 ? suffix.slice(0, slash) : suffix;
    proto = pname in TS_PROTOS ? TS_PROTOS[pname] : parseNum(pname, 255);
    if (proto === null) return `protocol must be tcp, udp, icmp, ipv6-icmp, sctp or 0-255: '${s}'`;
    if (slash >= 0) {
      if (![6, 17, 132].includes(proto)) return `ports need tcp, udp or sctp: '${s}'`;
      const ports = suffix.slice(slash + 1);
      const d = ports.indexOf('-');
      const lo = parseNum(d >= 0 ? ports.slice(0, d) : ports, 65535);
      const hi = d >= 0 ? parseNum(ports.slice(d + 1), 65535) : lo;
      if (lo === null || hi === null || lo > hi) {
        return `ports must be N or N-M within 0-65535, N <= M: '${s}'`;
      }
    }
  }
  if (addr === '' || addr === 'dynamic') return null;
  const r = parseAddrRange(addr);
  if (r.error) return r.error;
  if (proto === 1 && r.family === 6) return `icmp on IPv6 addresses (use ipv6-icmp): '${s}'`;
  if (proto === 58 && r.family === 4) return `ipv6-icmp on IPv4 addresses (use icmp): '${s}'`;
  return null;
}

// Is the selector one address (or dynamic)? For transport mode.
export function tsSingle(s) {
  const addr = s.includes('[') ? s.slice(0, s.indexOf('[')) : s;
  if (addr === '' || addr === 'dynamic') return true;
  const r = parseAddrRange(addr);
  return !r.error && cmpBytes(r.start, r.end) === 0;
}
