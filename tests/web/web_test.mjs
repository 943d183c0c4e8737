// web_test.mjs: the dashboard in Debian's Chromium (playwright-core, a
// fresh profile per run), against the live mgmtd and gateways that
// check_web.sh set up. Every page: a screenshot in ART and axe-core with
// no serious or critical violation. Any console error or page error fails
// the run (while the gateway is deliberately stopped, only the 503
// answers that the browser reports are expected).
// Prints "N passed, N failed".
import { chromium } from 'playwright-core';
import { execFile } from 'node:child_process';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';

const E = process.env;
const run = promisify(execFile);
const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
mkdirSync(E.ART, { recursive: true });

let pass = 0;
let fail = 0;
function check(name, ok, why = '') {
  if (ok) {
    pass++;
    console.log(`ok: ${name}`);
  } else {
    fail++;
    console.log(`FAIL: ${name}${why ? ` (${why})` : ''}`);
  }
  return ok;
}
async function step(name, fn) {
  try {
    const r = await fn();
    return check(name, r !== false);
  } catch (e) {
    return check(name, false, String(e.message || e).split('\n')[0]);
  }
}

const consoleErrors = [];
let expect503 = false;
let expect422 = false; // while a step sends bad input on purpose
let expect401 = false; // while a step logs in with a wrong password on purpose
function watch(page, who) {
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const t = m.text();
    if (expect422 && /status of 422/.test(t)) return;
    if (expect401 && /status of 401/.test(t)) return;
    if (expect503 && /status of 503|EventSource|ERR_CONNECTION|ERR_INCOMPLETE_CHUNKED/.test(t)) return;
    consoleErrors.push(`${who}: ${t}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`${who}: page error: ${e.message}`));
}

async function axe(page, name) {
  await page.evaluate(AXE);
  const r = await page.evaluate(() => window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }));
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  return check(`axe: ${name}: no serious or critical violation`, bad.length === 0,
    bad.map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`).join('; '));
}

async function shot(page, name) {
  await page.screenshot({ path: `${E.ART}/${name}.png`, fullPage: true });
}

async function visit(page, hash, heading, name) {
  await page.goto(`${E.BASE}/#/${hash}`);
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  await page.waitForLoadState('networkidle').catch(() => {});
  await page.waitForTimeout(300);
  await axe(page, name);
  await shot(page, name);
}

async function login(page, name, pw) {
  await page.goto(`${E.BASE}/`);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password').fill(pw);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
}

const rawOf = async (page, col) => Number(await page.locator(`#sa-table tr[data-name="rw"] td[data-col="${col}"]`).first().getAttribute('data-raw'));

async function waitFor(what, fn, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn().catch(() => false)) return true;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

// The forms' validators (web/js/validate.js) against the API: for each
// bad document both must find a problem, and the path the API names must
// be among the validator's; a good one passes both.
async function sameRules(request) {
  const { validateConnection } = await import(`${E.WEB_ROOT}/js/validate.js`);
  const csrf = (await (await request.get(`${E.BASE}/api/v1/session`)).json()).csrf_token;
  const good = {
    name: 'vt', local: { id: 'vt.a.test', auth: 'psk' }, remote: { addrs: ['192.0.2.9'], id: 'vt.peer.test', auth: 'psk' },
    ike: { proposals: ['aes256gcm16-prfsha384-x25519'] }, psk: 'a-long-enough-psk-0123456789',
    children: [{ name: 'c', local_ts: ['10.9.0.0/24'], remote_ts: ['10.8.0.0/24'], esp_proposals: ['aes256gcm16'] }],
  };
  const bad = [
    ['a /33 selector', (d) => { d.children[0].local_ts = ['10.9.0.0/33']; }],
    ['AEAD with integrity', (d) => { d.ike.proposals = ['aes256gcm16-sha256-x25519']; }],
    ['CBC without integrity (ESP)', (d) => { d.children[0].esp_proposals = ['aes128']; }],
    ['an unknown key', (d) => { d.local.colour = 'blue'; }],
    ['a name with ../', (d) => { d.name = '../x'; }],
    ['psk with remote id %any', (d) => { d.remote.id = '%any'; }],
    ['psk auth without a psk', (d) => { delete d.psk; }],
    ['dpd_delay out of range', (d) => { d.ike.dpd_delay = 100000; }],
    ['a bad remote address', (d) => { d.remote.addrs = ['10.0.0.300']; }],
    ['an unknown mode', (d) => { d.children[0].mode = 'tunnels'; }],
  ];
  const post = (d) => request.post(`${E.BASE}/api/v1/connections`, { data: d, headers: { 'x-csrf-token': csrf } });
  for (const [what, spoil] of bad) {
    const d = structuredClone(good);
    spoil(d);
    const mine = validateConnection(d).map((x) => x.path);
    const r = await post(d);
    const api = r.status() === 422 || r.status() === 400 ? ((await r.json()).errors || []).map((x) => x.path) : [];
    console.log(`  ${what}: form ${mine.join(', ')}; API ${r.status()} ${api.join(', ')}`);
    check(`form rules = API rules: ${what}`, mine.length > 0 && r.status() >= 400 && r.status() < 500 && (r.status() !== 422 || api.some((p) => mine.includes(p))),
      `form: ${mine.join(', ') || 'none'}; API ${r.status()}: ${api.join(', ')}`);
  }
  const r = await post(good);
  check('form rules = API rules: a good document passes both', validateConnection(good).length === 0 && r.status() === 201, `API ${r.status()}`);
  await request.delete(`${E.BASE}/api/v1/connections/vt`, { headers: { 'x-csrf-token': csrf } });
}

const browser = await chromium.launch({
  executablePath: E.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
});
const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await ctx.newPage();
watch(page, 'admin');
page.setDefaultTimeout(45000); // a loaded CI machine: waits end as soon as the element shows

try {
  // ---- login ----
  await step('login page shows without a session', async () => {
    await page.goto(`${E.BASE}/`);
    await page.getByRole('button', { name: 'Log in' }).waitFor();
  });
  await axe(page, 'login');
  await shot(page, 'login');
  const r = await page.request.get(`${E.BASE}/`);
  check('index.html: Content-Security-Policy without inline scripts, nosniff', /default-src 'self'/.test(r.headers()['content-security-policy'] || '') &&
    !/unsafe-inline/.test(r.headers()['content-security-policy']) && r.headers()['x-content-type-options'] === 'nosniff');
  const js = await page.request.get(`${E.BASE}/js/app.js`);
  check('app.js is served as JavaScript', /^text\/javascript/.test(js.headers()['content-type']));
  const trav = await page.request.get(`${E.BASE}/js/%2e%2e/%2e%2e/tests/web/check_web.sh`);
  check('no path traversal out of web/', trav.status() === 404);
  expect401 = true;
  await step('a wrong dashboard password: a clear message, no session', async () => {
    await page.getByLabel('Name').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('Wrong name or password.').waitFor();
    return !(await ctx.cookies()).some((x) => x.name === 'palisade_session');
  });
  expect401 = false;
  await step('admin logs in by keyboard alone (session cookie, HttpOnly, SameSite=Strict)', async () => {
    await page.goto(`${E.BASE}/`);
    await page.getByLabel('Name').waitFor();
    await page.keyboard.type('admin'); // the name field has the focus
    await page.keyboard.press('Tab');
    await page.keyboard.type(E.ADMIN_PW);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    const c = (await ctx.cookies()).find((x) => x.name === 'palisade_session');
    return !!c && c.httpOnly && c.sameSite === 'Strict';
  });
  await step('keyboard: the first Tab stop skips to the content, the menu follows', async () => {
    await page.locator('body').focus();
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => document.activeElement?.textContent);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    const nav = await page.evaluate(() => document.activeElement?.closest('nav') !== null && document.activeElement?.textContent);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Live SAs' }).waitFor();
    return first === 'Skip to content' && nav === 'Live SAs';
  });
  await step('admin session holds across a reload', async () => {
    await page.goto(`${E.BASE}/#/overview`);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    return (await page.locator('#who').textContent()) === 'admin (admin)';
  });
  await axe(page, 'overview (empty)');
  await sameRules(page.request).catch((e) => check('form rules = API rules', false, e.message));

  // ---- CA upload by drag and drop ----
  await page.goto(`${E.BASE}/#/cas`);
  await step('CA p256ca uploaded by dropping its PEM file', async () => {
    const pem = readFileSync(`${E.PKI}/p256ca.pem`, 'utf8');
    const dt = await page.evaluateHandle((text) => {
      const d = new DataTransfer();
      d.items.add(new File([text], 'p256ca.pem', { type: 'application/x-pem-file' }));
      return d;
    }, pem);
    await page.dispatchEvent('#ca-drop', 'drop', { dataTransfer: dt });
    await waitFor('the name from the file name', async () => (await page.getByLabel('Name').inputValue()) === 'p256ca');
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.locator('section[data-ca="p256ca"]').waitFor();
    const fp = (await run('openssl', ['x509', '-in', `${E.PKI}/p256ca.pem`, '-noout', '-fingerprint', '-sha256'])).stdout.split('=')[1].trim();
    return (await page.locator('section[data-ca="p256ca"]').textContent()).includes(fp);
  });
  expect422 = true;
  await step('a garbage PEM is refused with the reason shown', async () => {
    await page.getByLabel('Name').fill('junk');
    await page.getByLabel('PEM bundle (root and intermediates)').fill('-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n');
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.locator('form .problems').waitFor();
    return (await page.locator('section[data-ca="junk"]').count()) === 0;
  });
  expect422 = false;
  await step('an RSA root with its intermediate, pasted: drawn as a two-level tree', async () => {
    await page.getByLabel('Name').fill('rsa');
    await page.getByLabel('PEM bundle (root and intermediates)').fill(readFileSync(`${E.PKI}/rsaint.pem`, 'utf8') + readFileSync(`${E.PKI}/rsaca.pem`, 'utf8'));
    await page.getByRole('button', { name: 'Upload' }).click();
    const sec = page.locator('section[data-ca="rsa"]');
    await sec.waitFor();
    const inner = sec.locator('ul.tree ul.tree li strong');
    return (await sec.locator('ul.tree > li > div > strong').first().textContent()).includes('RSA Root') &&
      (await inner.textContent()).includes('RSA Intermediate');
  });
  await visit(page, 'cas', 'CA trust chains', 'cas');

  // ---- pool ----
  await step('pool rw added with the form', async () => {
    await page.goto(`${E.BASE}/#/pools`);
    await page.getByRole('button', { name: 'Add pool' }).click();
    const dlg = page.getByRole('dialog');
    await dlg.getByLabel('Name').fill('rw');
    await dlg.getByLabel('Ranges').fill('10.3.0.0/33');
    await dlg.locator('.error').filter({ hasText: /./ }).first().waitFor();
    await dlg.getByLabel('Ranges').fill('10.3.0.0/24');
    await dlg.getByRole('button', { name: 'Add pool' }).click();
    await page.locator('section[data-pool="rw"]').waitFor();
  });

  // ---- connection ----
  await step('connection form validates as you type (bad selector named)', async () => {
    await page.goto(`${E.BASE}/#/connections/new`);
    await page.getByLabel('Local traffic selectors').fill('10.1.0.1/40');
    const err = page.locator('[id$="-err"]').filter({ hasText: /./ });
    await err.first().waitFor();
    return (await page.getByLabel('Local traffic selectors').getAttribute('aria-invalid')) === 'true';
  });
  await step('connection rw created with the form', async () => {
    await page.getByLabel('Name', { exact: true }).fill('rw');
    await page.getByLabel('Local authentication').selectOption('pubkey');
    await page.getByLabel('Local identity').fill('a.test');
    await page.getByLabel('Certificate').selectOption('a256');
    await page.getByLabel('Key', { exact: true }).fill('a256');
    await page.getByLabel('Remote authentication').selectOption('eap-mschapv2');
    await page.getByLabel('Remote addresses').fill('%any');
    await page.getByLabel('Remote identity').fill('%any');
    await page.getByLabel('Local traffic selectors').fill('10.1.0.1/32');
    await page.getByLabel('Remote traffic selectors').fill('dynamic');
    await page.getByLabel('Virtual IP pools').fill('rw');
    await page.getByLabel('Dead peer detection every (s)').fill('0');
    await axe(page, 'connection form');
    await shot(page, 'connection-form');
    await page.getByRole('button', { name: 'Edit as JSON' }).click();
    const json = JSON.parse(await page.locator('#conn-json').inputValue());
    check('JSON view shows the document the form built', json.name === 'rw' && json.remote.auth === 'eap-mschapv2' && json.pools[0] === 'rw' &&
      json.ike.proposals[0] === 'aes256gcm16-prfsha384-x25519');
    await page.getByRole('button', { name: 'Back to the form' }).click();
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { level: 1, name: 'Connections' }).waitFor();
    await page.getByRole('link', { name: 'rw', exact: true }).waitFor();
  });
  await step('connection site created in the JSON view; the CA shows it uses it', async () => {
    await page.goto(`${E.BASE}/#/connections/new`);
    await page.getByRole('button', { name: 'Edit as JSON' }).click();
    await page.locator('#conn-json').fill(JSON.stringify({
      name: 'site',
      local: { id: 'a.test', auth: 'pubkey', cert: 'a256', key: 'a256' },
      remote: { addrs: ['192.0.2.10'], id: 'site.test', auth: 'pubkey', ca: 'p256ca' },
      ike: { proposals: ['aes256gcm16-prfsha384-x25519'] },
      children: [{ name: 'lan', local_ts: ['10.1.0.0/24'], remote_ts: ['10.50.0.0/24'], esp_proposals: ['aes256gcm16'] }],
    }));
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('link', { name: 'site', exact: true }).waitFor();
    await page.goto(`${E.BASE}/#/cas`);
    await page.locator('section[data-ca="p256ca"]').getByRole('link', { name: 'site' }).waitFor();
  });
  await step('connection site edited with the form (PUT with If-Match)', async () => {
    await page.goto(`${E.BASE}/#/connections/site`);
    await page.getByLabel('Remote traffic selectors').fill('10.50.0.0/24, 10.51.0.0/24');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { level: 1, name: 'Connections' }).waitFor();
    const r = await page.request.get(`${E.BASE}/api/v1/connections/site`);
    return (await r.json()).children[0].remote_ts.length === 2;
  });
  await visit(page, 'connections', 'Connections', 'connections');
  await step('connection site deleted after a confirmation', async () => {
    await page.getByRole('button', { name: 'Delete site' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('link', { name: 'site', exact: true }).waitFor({ state: 'detached' });
  });

  // ---- EAP user ----
  await step('EAP user alice added; her password appears nowhere', async () => {
    await page.goto(`${E.BASE}/#/eap-users`);
    await page.getByRole('button', { name: 'Add user' }).click();
    const dlg = page.getByRole('dialog');
    await dlg.getByLabel('Identity').fill('alice');
    await dlg.getByLabel('Method').selectOption('eap-mschapv2');
    await dlg.getByLabel('Password').fill(E.ALICE_PW);
    await dlg.getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('cell', { name: 'alice', exact: true }).waitFor();
    return !(await page.content()).includes(E.ALICE_PW);
  });
  await step('CSV import adds two users', async () => {
    await page.getByRole('button', { name: 'Import CSV' }).click();
    const dlg = page.getByRole('dialog');
    await dlg.getByLabel('or paste it').fill('identity,password,method\nbob,"b0b, secret",eap-md5\ncarol,carol-Secret-1\n');
    await dlg.getByText('2 users ready to import.').waitFor();
    await dlg.getByRole('button', { name: 'Import' }).click();
    await page.getByRole('cell', { name: 'carol', exact: true }).waitFor();
  });
  await step('bob\'s password reset, carol deleted', async () => {
    await page.getByRole('button', { name: 'Reset password of bob' }).click();
    const dlg = page.getByRole('dialog');
    await dlg.getByLabel('New password').fill('b0b-New-secret');
    await dlg.getByRole('button', { name: 'Reset password' }).click();
    await page.getByText('Password of bob reset').waitFor();
    await page.getByRole('button', { name: 'Delete carol' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('cell', { name: 'carol', exact: true }).waitFor({ state: 'detached' });
    return !(await page.content()).includes('b0b-New-secret');
  });
  await visit(page, 'eap-users', 'EAP users', 'eap-users');

  // ---- the peer's SA, live ----
  await page.goto(`${E.BASE}/#/sas`);
  await page.getByRole('heading', { level: 1, name: 'Live SAs' }).waitFor();
  await step('the peer connects: its SA appears in the live table', async () => {
    await run(E.PEER_INITIATE, []);
    await page.locator('#sa-table tr[data-name="rw"]').waitFor({ timeout: 20000 });
    const row = await page.locator('#sa-table tr[data-name="rw"]').textContent();
    return row.includes('alice') && row.includes('10.3.0.');
  });
  await step('its byte counter grows while the peer sends', async () => {
    await run(E.PING_START, []);
    const first = await rawOf(page, 'bytes-in');
    await waitFor('bytes in to grow twice', async () => (await rawOf(page, 'bytes-in')) > first);
    const second = await rawOf(page, 'bytes-in');
    await waitFor('bytes in to grow again', async () => (await rawOf(page, 'bytes-in')) > second);
    await waitFor('a rate above 0', async () => (await rawOf(page, 'rate-in')) > 0, 15000);
  });
  await step('search filters the table', async () => {
    await page.getByLabel('Search').fill('nobody-here');
    await page.getByText('No SA matches the search.').waitFor();
    await page.getByLabel('Search').fill('alice');
    await page.locator('#sa-table tr[data-name="rw"]').waitFor();
    await page.getByLabel('Search').fill('');
    await page.getByLabel('Search').blur();
  });
  await axe(page, 'live SAs');
  await shot(page, 'sas');
  let uid = await page.locator('#sa-table tr[data-name="rw"]').getAttribute('data-uid');
  await step('rekey: the gateway answers and the SA stays up', async () => {
    await page.getByRole('button', { name: `Rekey IKE SA ${uid}` }).click();
    await page.getByText(`Rekey: IKE SA #${uid} done`).waitFor({ timeout: 20000 });
    await page.locator(`#sa-table tr[data-uid="${uid}"]`).waitFor({ state: 'detached', timeout: 20000 }); // the old SA goes
    await page.locator('#sa-table tr[data-name="rw"]').waitFor();
    uid = await page.locator('#sa-table tr[data-name="rw"]').getAttribute('data-uid');
    const row = await page.locator('#sa-table tr[data-name="rw"]').textContent();
    return row.includes('alice') && row.includes('10.3.0.'); // identity and virtual IP go along
  });
  await visit(page, `sas/${uid}`, `IKE SA #${uid}`, 'sa-detail');
  await page.waitForTimeout(5500); // a few more samples for the charts
  await visit(page, 'overview', 'Overview', 'overview');
  await step('overview counts the SA', async () => (await page.locator('[data-card="ike-up"] .value').textContent()) === '1');
  await visit(page, 'pools', 'Pools and leases', 'pools');
  await step('pool rw shows alice\'s lease', async () => (await page.locator('section[data-pool="rw"]').textContent()).includes('alice'));
  await step('CAs page: the gateway\'s certificate a256 and the connection that uses it', async () => {
    await page.goto(`${E.BASE}/#/cas`);
    const t = await page.locator('[data-cert="a256"]').textContent();
    return t.includes('DNS:a.test') && t.includes('rw');
  });
  await step('live SAs sort by a column head and by the select (phone width)', async () => {
    await page.goto(`${E.BASE}/#/sas`);
    await page.locator('#sa-table button[data-sort="bytes-in"]').click();
    const a = await page.locator('#sa-table th[aria-sort]').textContent();
    const sel = await page.locator('#sa-sort').inputValue();
    return a.startsWith('Bytes in') && sel === 'bytes-in:desc';
  });
  await page.setViewportSize({ width: 390, height: 844 });
  await visit(page, 'overview', 'Overview', 'overview-phone');
  const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
  check('phone width: the overview fits without scrolling sideways', await fits());
  await step('phone width: the menu opens and leads to a page', async () => {
    const nav = page.getByRole('navigation', { name: 'Main' });
    if (await nav.isVisible()) return false; // folded away at first
    await page.getByRole('button', { name: 'Menu' }).click();
    await nav.getByRole('link', { name: 'Live SAs' }).click();
    await page.getByRole('heading', { level: 1, name: 'Live SAs' }).waitFor();
    return !(await nav.isVisible());
  });
  await visit(page, 'sas', 'Live SAs', 'sas-phone');
  check('phone width: the live SAs fit without scrolling sideways', await fits());
  await page.setViewportSize({ width: 1280, height: 800 });

  // ---- dark theme (prefers-color-scheme) ----
  const dctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
  const dp = await dctx.newPage();
  watch(dp, 'dark');
  dp.setDefaultTimeout(45000);
  await step('dark theme follows the browser', async () => {
    await login(dp, 'admin', E.ADMIN_PW);
    const bg = await dp.evaluate(() => getComputedStyle(document.body).backgroundColor);
    return bg === 'rgb(18, 20, 23)';
  });
  await visit(dp, 'overview', 'Overview', 'overview-dark');
  await visit(dp, 'sas', 'Live SAs', 'sas-dark');
  await visit(dp, 'connections/rw', 'Connection rw', 'connection-edit-dark');
  await dctx.close();

  // ---- terminate ----
  await step('terminate: the SA goes from the table', async () => {
    await page.goto(`${E.BASE}/#/sas`);
    await page.getByRole('button', { name: `Terminate IKE SA ${uid}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Terminate' }).click();
    await page.locator(`#sa-table tr[data-uid="${uid}"]`).waitFor({ state: 'detached', timeout: 20000 });
    await run(E.PING_STOP, []);
  });

  // ---- a site-to-site connection, initiated from the list ----
  await step('site-to-site connection s2s created, initiated from the list, up in the live table', async () => {
    await page.goto(`${E.BASE}/#/connections/new`);
    await page.getByRole('button', { name: 'Edit as JSON' }).click();
    await page.locator('#conn-json').fill(JSON.stringify({
      name: 's2s',
      local: { id: 's2s.a.test', auth: 'psk' },
      remote: { addrs: [E.B_IP], id: 'b.test', auth: 'psk' },
      ike: { proposals: ['aes256gcm16-prfsha384-x25519'], dpd_delay: 0 },
      children: [{ name: 'net', local_ts: ['10.1.0.1/32'], remote_ts: ['10.2.0.1/32'], esp_proposals: ['aes256gcm16'] }],
      psk: E.S2S_PSK,
    }));
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('button', { name: 'Initiate s2s' }).click();
    await page.getByText(/^s2s: IKE SA #\d+ ESTABLISHED/).waitFor({ timeout: 30000 });
    await page.goto(`${E.BASE}/#/sas`);
    await page.locator('#sa-table tr[data-name="s2s"]').waitFor({ timeout: 20000 });
    const row = await page.locator('#sa-table tr[data-name="s2s"]').textContent();
    const s2sUid = await page.locator('#sa-table tr[data-name="s2s"]').getAttribute('data-uid');
    await page.getByRole('button', { name: `Terminate IKE SA ${s2sUid}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Terminate' }).click();
    await page.locator('#sa-table tr[data-name="s2s"]').waitFor({ state: 'detached', timeout: 20000 });
    return row.includes('b.test') && row.includes(E.B_IP) && !(await page.content()).includes(E.S2S_PSK);
  });

  // ---- a wrong password in the event log ----
  await step('a wrong EAP password shows as an auth failure in the event log', async () => {
    await run(E.PEER_CONN, ['not-alices-password']);
    await run(E.PEER_INITIATE, []).catch(() => {});
    await page.goto(`${E.BASE}/#/events`);
    await page.getByLabel('Show').selectOption('auth');
    await page.locator('#event-table tr[data-event="auth-failed"]').first().waitFor({ timeout: 20000 });
    return (await page.locator('#event-table tr[data-event="auth-failed"]').first().textContent()).includes('eap-failure');
  });
  await step('the overview counts the failure by its reason', async () => {
    await page.goto(`${E.BASE}/#/overview`);
    await page.getByRole('cell', { name: 'authentication-failed' }).waitFor({ timeout: 15000 });
    return /auth failures \(events\)/.test(await page.locator('figure').nth(1).textContent());
  });
  await page.goto(`${E.BASE}/#/events`);
  await axe(page, 'event log');
  await shot(page, 'events');

  // ---- viewer and operator ----
  await run(E.PEER_CONN, [E.ALICE_PW]);
  await run(E.PEER_INITIATE, []);
  const vctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const vp = await vctx.newPage();
  watch(vp, 'viewer');
  vp.setDefaultTimeout(15000);
  await step('viewer logs in', () => login(vp, 'view', E.VIEWER_PW));
  const EDIT = /^(Terminate|Rekey|Delete|Edit|New connection|Add user|Add pool|Upload|Import CSV|Initiate|Reset password|Create|Save)$/;
  for (const [hash, heading, name] of [['overview', 'Overview', 'viewer-overview'], ['sas', 'Live SAs', 'viewer-sas'],
    ['connections', 'Connections', 'viewer-connections'], ['cas', 'CA trust chains', 'viewer-cas'], ['eap-users', 'EAP users', 'viewer-eap-users'],
    ['pools', 'Pools and leases', 'viewer-pools'], ['events', 'Event log', 'viewer-events']]) {
    await visit(vp, hash, heading, name);
    if (hash === 'sas') await vp.locator('#sa-table tr[data-name="rw"]').waitFor({ timeout: 20000 });
    const labels = await vp.locator('main button, main a.btn, main input[type="file"]').evaluateAll((els) => els.map((e) => e.textContent.trim() || e.type));
    check(`viewer: ${heading} has no edit controls`, !labels.some((l) => EDIT.test(l) || l === 'file'), labels.join(', '));
  }
  await step('viewer: a connection shows read-only', async () => {
    await vp.goto(`${E.BASE}/#/connections/rw`);
    await vp.locator('pre.json').waitFor();
    return (await vp.locator('main form').count()) === 0;
  });
  const octx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const op = await octx.newPage();
  watch(op, 'operator');
  await step('operator: terminate and rekey, but no configuration changes', async () => {
    await login(op, 'ops', E.OPERATOR_PW);
    await op.goto(`${E.BASE}/#/sas`);
    await op.locator('#sa-table tr[data-name="rw"]').waitFor({ timeout: 20000 });
    const t = await op.getByRole('button', { name: /^Terminate IKE SA/ }).count();
    await op.goto(`${E.BASE}/#/connections`);
    await op.getByRole('link', { name: 'rw', exact: true }).waitFor();
    const d = await op.getByRole('button', { name: /^Delete/ }).count();
    const n = await op.getByRole('link', { name: 'New connection' }).count();
    return t === 1 && d === 0 && n === 0;
  });
  await step('logout returns to the login page', async () => {
    await vp.getByRole('button', { name: 'Log out' }).click();
    await vp.getByRole('button', { name: 'Log in' }).waitFor();
    await vp.goto(`${E.BASE}/#/sas`);
    await vp.getByRole('button', { name: 'Log in' }).waitFor();
  });
  check('no console error during the run', consoleErrors.length === 0, consoleErrors.slice(0, 5).join(' | '));
  consoleErrors.length = 0;

  // ---- the gateway goes away and comes back ----
  expect503 = true;
  await page.goto(`${E.BASE}/#/overview`);
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  await step('gateway down: a clear message', async () => {
    await run(E.GW_STOP, []);
    await page.getByText('The gateway (palisade-gatewayd) does not answer').waitFor({ timeout: 20000 });
    await shot(page, 'gateway-down');
  });
  await step('gateway back: the message goes', async () => {
    await run(E.GW_START, []);
    await page.locator('#banner').waitFor({ state: 'hidden', timeout: 20000 });
  });
  check('no console error while the gateway was away, but its 503 answers', consoleErrors.length === 0, consoleErrors.slice(0, 5).join(' | '));
} catch (e) {
  check('the run reached its end', false, e.message.split('\n')[0]);
  await shot(page, 'failure').catch(() => {});
} finally {
  await browser.close();
}
console.log(`${pass} passed, ${fail} failed`);
process.exit(fail ? 1 : 0);
