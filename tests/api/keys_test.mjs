// keys_test.mjs: the connection keys of the three places that list them
// agree: ConnectionInput of api/openapi.yaml (and the EndInput and
// ChildInput it names), the key lists of the dashboard's validator
// (web/js/validate/conn.js CONN_KEY_LISTS) and api/model's (conn.c,
// conn_end.c, conn_ike.c, conn_child.c), both ways, naming every key one
// side has and the other lacks. The spec's read-only members are the ones
// the dashboard takes out of a fetched connection before it validates
// (web/js/conn_doc.js editBase); every enum value of the spec passes the
// validator. No server, no root: check_api.sh runs it first; by hand:
//   node tests/api/keys_test.mjs   (after tests/api/npm_setup.sh)
// Prints "N passed, N failed"; exits 1 on any failure.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const TOP = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { CONN_KEY_LISTS: WEB, validateConnection } = await import(join(TOP, 'web/js/validate/conn.js'));
const { editBase } = await import(join(TOP, 'web/js/conn_doc.js'));
const { PROPOSAL_KEYWORDS, parseProposal } = await import(join(TOP, 'web/js/validate/proposal.js'));
const { PRESETS } = await import(join(TOP, 'web/js/validate/preset.js'));
let pass = 0;
let fail = 0;

function check(name, cond, why) {
  if (cond) {
    pass++;
    console.log(`ok: ${name}`);
  } else {
    fail++;
    console.log(`FAIL: ${name}${why ? ': ' + why : ''}`);
  }
  return cond;
}

const spec = YAML.parse(readFileSync(join(TOP, 'api/openapi.yaml'), 'utf8'));
const deref = (s) => {
  while (s && s.$ref) s = s.$ref.replace(/^#\//, '').split('/').reduce((o, k) => o[k], spec);
  return s;
};
const input = deref({ $ref: '#/components/schemas/ConnectionInput' });
const props = (s) => Object.entries(deref(s).properties || {});
const writable = (s) => props(s).filter(([, p]) => !deref(p).readOnly).map(([k]) => k);
const readOnly = props(input).filter(([, p]) => deref(p).readOnly).map(([k]) => k);
const endInput = deref(input.properties.local);
const sameEnd = endInput === deref(input.properties.remote);
const SPEC = {
  conn: writable(input),
  // one EndInput for both ends: it must hold exactly the keys of either
  end: writable(endInput),
  ike: writable(input.properties.ike),
  child: writable(deref(input.properties.children).items),
};

// api/model: `static const char *const NAME_keys[] = { "a", "b", ... };`
function modelKeys(file, name) {
  const src = readFileSync(join(TOP, 'api/model', file), 'utf8');
  const m = src.match(new RegExp(`\\b${name}\\[\\]\\s*=\\s*\\{([^}]*)\\}`));
  return m ? [...m[1].matchAll(/"([^"]*)"/g)].map((x) => x[1]) : null;
}
const MODEL = {
  conn: ['conn.c', 'conn_keys'],
  local: ['conn_end.c', 'local_keys'],
  remote: ['conn_end.c', 'remote_keys'],
  ike: ['conn_ike.c', 'ike_keys'],
  child: ['conn_child.c', 'child_keys'],
};

// a and b: [label, keys]; one check per direction, naming what is missing
function same(what, [la, a], [lb, b]) {
  const notB = a.filter((k) => !b.includes(k));
  const notA = b.filter((k) => !a.includes(k));
  check(`${what}: every key of ${la} is known to ${lb}`, notB.length === 0, `not in ${lb}: ${notB.join(', ')}`);
  check(`${what}: every key of ${lb} is in ${la}`, notA.length === 0, `not in ${la}: ${notA.join(', ')}`);
}

const webName = { conn: 'CONN_KEYS', local: 'LOCAL_KEYS', remote: 'REMOTE_KEYS', ike: 'IKE_KEYS', child: 'CHILD_KEYS' };
const web = (k) => [`web/js/validate/conn.js ${webName[k]}`, WEB[k]];
check('api/openapi.yaml: local and remote are the one EndInput', sameEnd);
same('connection', ['api/openapi.yaml ConnectionInput (writable)', SPEC.conn], web('conn'));
same('ends', ['api/openapi.yaml EndInput', SPEC.end], ['web/js/validate/conn.js LOCAL_KEYS + REMOTE_KEYS', [...new Set([...WEB.local, ...WEB.remote])]]);
same('ike', ['api/openapi.yaml ConnectionInput.ike', SPEC.ike], web('ike'));
same('children', ['api/openapi.yaml ChildInput', SPEC.child], web('child'));
for (const [k, [file, name]] of Object.entries(MODEL)) {
  const keys = modelKeys(file, name);
  if (check(`api/model/${file} ${name} found`, !!keys)) same(k, [`api/model/${file} ${name}`, keys], web(k));
}

// Proposal keywords (gateway/crypto/proposal.c) and presets
// (api/model/conn_preset.c): names, and every preset string parses.
const csrc = (f) => readFileSync(join(TOP, f), 'utf8');
const kwC = [...csrc('gateway/crypto/proposal.c').matchAll(/\b(?:ENCR|INTEG|PRF|KE|ESN)\("([^"]+)"/g)].map((m) => m[1]);
if (check('gateway/crypto/proposal.c keywords found', kwC.length > 20)) {
  same('proposal keywords', ['gateway/crypto/proposal.c', kwC], ['web/js/validate/proposal.js KW', PROPOSAL_KEYWORDS]);
}
const presetC = [...csrc('api/model/conn_preset.c').matchAll(/\{\s*"([^"]+)",\s*\w+_ike,\s*\w+_esp\s*\}/g)].map((m) => m[1]);
if (check('api/model/conn_preset.c presets found', presetC.length > 0)) {
  same('proposal presets', ['api/model/conn_preset.c', presetC], ['web/js/validate/preset.js PRESETS', Object.keys(PRESETS)]);
}
const badPreset = Object.entries(PRESETS).flatMap(([n, p]) => ['ike', 'esp'].flatMap((pr) => p[pr]
  .map((s) => [s, parseProposal(s, pr).error]).filter(([, e]) => e).map(([s, e]) => `${n} ${pr} '${s}': ${e}`)));
check('every proposal of every preset parses in the web validator', badPreset.length === 0, badPreset.join('; '));

// What the dashboard takes out of a GET is what the spec calls read-only.
const all = Object.fromEntries(props(input).map(([k]) => [k, 1]));
const kept = Object.keys(editBase(all).base);
const stripped = Object.keys(all).filter((k) => !kept.includes(k));
check('the dashboard takes out of a fetched connection exactly the read-only members of ConnectionInput',
  JSON.stringify(stripped.sort()) === JSON.stringify([...readOnly].sort()),
  `read-only: ${readOnly.join(', ') || '(none)'}; taken out: ${stripped.join(', ') || '(none)'}`);

// Every enum value of the spec passes the validator where the spec has it.
const good = () => ({
  name: 'k', local: { auth: 'psk', id: 'a.test' }, remote: { auth: 'psk', id: 'b.test', addrs: ['192.0.2.1'] },
  ike: { proposals: ['aes128gcm16-prfsha256-x25519'] }, children: [{ name: 'c' }], psk: 'key-0123456789',
});
check('the base document of the enum checks passes', validateConnection(good()).length === 0, JSON.stringify(validateConnection(good())));
const enumAt = [['ike', input.properties.ike, (d) => d.ike], ['children[0]', deref(input.properties.children).items, (d) => d.children[0]]];
const bad = [];
for (const [where, schema, at] of enumAt) {
  for (const [k, p] of props(schema)) {
    for (const val of deref(p).enum || []) {
      const d = good();
      at(d)[k] = val;
      const errs = validateConnection(d).filter((e) => e.path.startsWith(`$.${where}.${k}`));
      if (errs.length) bad.push(`${where}.${k}=${val} (${errs[0].message})`);
    }
  }
}
check('every enum value of ConnectionInput.ike and ChildInput passes the validator', bad.length === 0, bad.join('; '));
const auths = deref(endInput.properties.auth).enum;
const d0 = good();
const authBad = auths.filter((a) => {
  const l = validateConnection({ ...d0, local: { ...d0.local, auth: a } }).some((e) => e.path === '$.local.auth' && /must be/.test(e.message) && !/when/.test(e.message));
  const r = validateConnection({ ...d0, remote: { ...d0.remote, auth: a } }).some((e) => e.path === '$.remote.auth' && /must be/.test(e.message) && !/when/.test(e.message));
  return l && r;
});
check('every auth of EndInput is taken by the validator at one end at least', authBad.length === 0, authBad.join(', '));

console.log(`${pass} passed, ${fail} failed`);
process.exit(fail ? 1 : 0);
