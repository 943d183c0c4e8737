// validate/ident.js: IKE identities (RFC 7296 3.5), distinguished names
// (RFC 4514), PKCS#11 URIs (RFC 7512) and key references, as
// api/model/conn_ident.c checks them. Each check gives null or why.
import { hostnameOk, parseIP } from './net.js';

export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
export const NAME_RULE = 'must be a name of 1-63 characters A-Z a-z 0-9 _ . - (starting with a letter or digit)';

export function nameOk(s) {
  return typeof s === 'string' && NAME_RE.test(s);
}

// Attribute types OpenSSL knows by these names (OBJ_txt2nid), with the
// size limits of its string table (ASN1_STRING_set_by_NID); "E" is the
// emailAddress alias strongSwan and Windows print.
const DN_TYPES = {
  C: [2, 2, true], countryName: [2, 2, true],
  ST: [1, 128], stateOrProvinceName: [1, 128],
  L: [1, 128], localityName: [1, 128],
  O: [1, 64], organizationName: [1, 64],
  OU: [1, 64], organizationalUnitName: [1, 64],
  CN: [1, 64], commonName: [1, 64],
  emailAddress: [1, 128], E: [1, 128], EMAIL: [1, 128], EMAILADDRESS: [1, 128],
  COMMONNAME: [1, 64],
  serialNumber: [1, 64],
  DC: [1, 32768], domainComponent: [1, 32768],
  UID: [1, 32768], userId: [1, 32768],
  SN: [1, 32768], surname: [1, 32768],
  GN: [1, 32768], givenName: [1, 32768],
  title: [1, 32768], initials: [1, 32768], pseudonym: [1, 32768],
  name: [1, 32768], dnQualifier: [1, 32768], street: [1, 32768],
  streetAddress: [1, 32768], postalCode: [1, 32768], description: [1, 32768],
  businessCategory: [1, 32768], generationQualifier: [1, 32768],
};

function dnType(type) {
  if (Object.hasOwn(DN_TYPES, type)) return DN_TYPES[type];
  const up = type.toUpperCase();
  return Object.hasOwn(DN_TYPES, up) ? DN_TYPES[up] : null;
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

// One value up to an unescaped ',' or '+': {value, rest} or null.
function dnValue(s) {
  let i = 0;
  let out = '';
  let keep = 0;
  while (s[i] === ' ') i++;
  while (i < s.length && s[i] !== ',' && s[i] !== '+') {
    let ch = s[i++];
    const escaped = ch === '\\';
    if (escaped && /^[0-9a-fA-F]{2}/.test(s.slice(i, i + 2))) {
      ch = String.fromCharCode(parseInt(s.slice(i, i + 2), 16));
      i += 2;
    } else if (escaped) {
      if (i >= s.length) return null;
      ch = s[i++];
    }
    if (ch === '\0') return null;
    out += ch;
    if (ch !== ' ' || escaped) keep = out.length;
  }
  return { value: out.slice(0, keep), rest: s.slice(i) };
}

export function dnCheck(s) {
  let p = s;
  for (;;) {
    p = p.replace(/^ +/, '');
    const m = /^[^= ]*/.exec(p)[0];
    p = p.slice(m.length).replace(/^ +/, '');
    if (m.length === 0 || p[0] !== '=') return `not a distinguished name (expected TYPE=value) at '${m}'`;
    const t = dnType(m);
    if (!t) return `unknown attribute type '${m}' in distinguished name`;
    const v = dnValue(p.slice(1));
    const len = v ? new TextEncoder().encode(v.value).length : 0;
    if (!v || len === 0 || len < t[0] || [...v.value].length > t[1] || (t[2] && !PRINTABLE.test(v.value))) {
      return `bad value for '${m}' in distinguished name`;
    }
    if (v.rest === '') return null;
    p = v.rest.slice(1);
  }
}

function keyidCheck(hex) {
  if (!/^[0-9a-fA-F]*$/.test(hex)) return 'keyid: must be followed by hex digits';
  if (hex.length === 0 || hex.length % 2 || hex.length > 128) return 'keyid: needs an even number of 2-128 hex digits';
  return null;
}

function rfc822Check(s, at) {
  if (at === 0 || at > 64) return 'user@domain needs a user part of 1-64 characters';
  for (const ch of s.slice(0, at)) {
    const c = ch.codePointAt(0);
    if (c <= 0x20 || c >= 0x7f) return 'user part has spaces or non-ASCII characters';
  }
  if (!hostnameOk(s.slice(at + 1))) return "domain after '@' is not a host name";
  return null;
}

// An identity as written: keyid:hex, an address, a DN, user@fqdn or FQDN.
export function idCheck(s) {
  if (s.startsWith('keyid:')) return keyidCheck(s.slice(6));
  if (parseIP(s)) return null;
  if (s.includes('=')) return dnCheck(s);
  const at = s.indexOf('@');
  if (at >= 0) return s.indexOf('@', at + 1) >= 0 ? "more than one '@'" : rfc822Check(s, at);
  if (!hostnameOk(s)) return 'not an IP address, FQDN, user@fqdn, DN (C=.., O=.., CN=..) or keyid:hex';
  return null;
}

const P11_PATH = ['token', 'manufacturer', 'serial', 'model', 'library-manufacturer', 'library-description',
  'library-version', 'object', 'type', 'id', 'slot-description', 'slot-manufacturer', 'slot-id'];
const P11_QUERY = ['pin-source', 'module-name', 'module-path'];

function p11Attr(a, query) {
  const eq = a.indexOf('=');
  if (eq < 0) return "pkcs11 URI attribute without '='";
  const k = a.slice(0, eq);
  const v = a.slice(eq + 1);
  if (k === 'pin-value') return "no pin-value in the URI: the PIN is read from gateway.json's PIN file";
  if (!(query ? P11_QUERY : P11_PATH).includes(k) && (k.length < 3 || !k.startsWith('x-'))) {
    return `unknown pkcs11 URI attribute '${k}'`;
  }
  const extra = query ? "-._~:[]@!$'()*+,=/?|" : "-._~:[]@!$'()*+,=&";
  for (let i = 0; i < v.length; i++) {
    const ch = v[i];
    if (ch === '%') {
      if (!/^[0-9a-fA-F]{2}$/.test(v.slice(i + 1, i + 3))) return `pkcs11 URI: bad %-escape in '${k}'`;
      i += 2;
    } else if (!/[A-Za-z0-9]/.test(ch) && !extra.includes(ch)) {
      return `pkcs11 URI: bad character in '${k}'`;
    }
  }
  if (k === 'type' && v !== 'private') return 'pkcs11 URI: a private key has type=private';
  return null;
}

function p11Check(uri) {
  const body = uri.slice(7);
  const q = body.indexOf('?');
  const path = q >= 0 ? body.slice(0, q) : body;
  const query = q >= 0 ? body.slice(q + 1) : '';
  // a separator at the very end ends the list (no empty attribute after it)
  const split = (text, sep) => {
    const parts = text ? text.split(sep) : [];
    if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
    return parts;
  };
  let hasObject = false;
  for (const a of split(path, ';')) {
    const why = p11Attr(a, false);
    if (why) return why;
    hasObject ||= a.startsWith('object=') || a.startsWith('id=');
  }
  for (const a of split(query, '&')) {
    const why = p11Attr(a, true);
    if (why) return why;
  }
  return hasObject ? null : 'pkcs11 URI must name the key with object= or id=';
}

// local.key: a pkcs11: URI or the name of a file under keys/.
export function keyCheck(s) {
  if (s.startsWith('pkcs11:')) return p11Check(s);
  return nameOk(s) ? null : 'must be a pkcs11: URI or the name of a file under keys/';
}
