// The playground's HPKE toggle and network log (www/playground-envelope.js,
// www/playground-netlog.js) in headless Chromium against the real demo server
// (pkg-scripts/demo-server.js: broker with its default keyTransport + in-memory
// dev KMS + page + package). With "Seal the data key to this page (HPKE)" on,
// the page's network log shows ciphertextForRecipient and no plaintext member
// in any response, and the page says the data key never appeared in a
// response; the message opens (sealed transport, and the default one too).
// With it off, the log shows plaintext. Independently of the page's own log,
// the test reads every /kms/ response body Chromium received (Playwright's
// network events) and checks the same. Screenshots in tests/artifacts/playground/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './browser.js';
import { startDemoServer } from './demo-server.js';

const shots = fileURLToPath(new URL('../artifacts/playground/', import.meta.url));
let demo, base, browser;
const consoleErrors = [];

before(async () => {
  await mkdir(shots, { recursive: true });
  demo = await startDemoServer();
  base = demo.base;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

const PLAINTEXT = 'Sealed to this page: the key never rode in the clear.';
const DATA_KEY_PATH = /\/kms\/(generate-data-key|decrypt)$/;

/** Runs `act` in `page` and returns every /kms/ exchange Chromium saw meanwhile, bodies included. */
async function onWire(page, act) {
  const seen = [];
  const pending = [];
  const onResponse = (r) => {
    const url = new URL(r.url());
    if (!url.pathname.startsWith('/kms/')) return;
    pending.push((async () => seen.push({ path: url.pathname, status: r.status(), request: JSON.parse(r.request().postData() ?? 'null'), response: JSON.parse(await r.text()) }))());
  };
  page.on('response', onResponse);
  try {
    await act();
  } finally {
    page.off('response', onResponse);
  }
  await Promise.all(pending);
  return seen;
}

/** The page's network log: one row per logged call, and the summary's counts. */
async function pageLog(page) {
  await page.waitForSelector('#pg-netlog-summary[data-done]');
  const rows = await page.locator('#pg-netlog-list > li').evaluateAll((lis) => lis.map((li) => ({
    path: li.dataset.path,
    status: li.dataset.status,
    fields: li.dataset.responseFields.split(' ').filter(Boolean),
    response: li.querySelector('.netlog-response').textContent,
  })));
  const s = page.locator('#pg-netlog-summary');
  return {
    rows,
    summary: await s.textContent(),
    counts: { dataKey: Number(await s.getAttribute('data-data-key-responses')), plaintext: Number(await s.getAttribute('data-plaintext')), sealed: Number(await s.getAttribute('data-sealed')) },
  };
}

/** Checks the page's log against what Chromium saw on the wire: same calls, same statuses, same response members. */
function sameAsWire(log, wire) {
  assert.deepEqual(log.rows.map((r) => `${r.path} ${r.status}`).sort(), wire.map((w) => `${w.path} ${w.status}`).sort(), 'the page logged exactly the calls on the wire');
  for (const w of wire) {
    const row = log.rows.find((r) => r.path === w.path && r.fields.join(' ') === Object.keys(w.response).join(' '));
    assert.ok(row, `the page's log shows the members of ${w.path}'s answer (${Object.keys(w.response)})`);
  }
}

test('HPKE on: no response carries plaintext, every data-key response carries ciphertextForRecipient, the page says so, the message opens', async () => {
  const page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(`${base}/#playground`);
  await page.waitForSelector('html[data-ready=true]', { timeout: 15_000 });
  await page.waitForSelector('#pg-seal');

  await page.getByLabel('Plaintext', { exact: true }).fill(PLAINTEXT);
  await page.getByLabel('Seal the data key to this page (HPKE)').check();
  assert.match(await page.locator('#pg-keyring-code').textContent(), /keyTransport: 'hpke'/);

  // Seal with HPKE.
  const sealWire = await onWire(page, async () => {
    await page.getByRole('button', { name: 'Seal', exact: true }).click();
    await page.waitForSelector('#pg-seal-result .verdict');
    await page.waitForSelector('#pg-netlog-summary[data-done]');
  });
  assert.match(await page.locator('#pg-seal-result').textContent(), /^✓ Sealed/);
  const sealDataKey = sealWire.filter((w) => DATA_KEY_PATH.test(w.path));
  assert.equal(sealDataKey.length, 1, 'one GenerateDataKey');
  for (const w of sealWire) {
    assert.equal(w.status, 200);
    assert.ok(!Object.hasOwn(w.response, 'plaintext'), `${w.path}: no plaintext member on the wire`);
  }
  for (const w of sealDataKey) {
    assert.equal(typeof w.response.ciphertextForRecipient, 'string', `${w.path}: ciphertextForRecipient on the wire`);
    assert.equal(w.request.recipient.keyEncryptionAlgorithm, 'HPKE_P256_SHA256_AES256GCM', 'the request carried a recipient key');
  }
  const sealLog = await pageLog(page);
  sameAsWire(sealLog, sealWire);
  assert.deepEqual(sealLog.counts, { dataKey: 1, plaintext: 0, sealed: 1 });
  assert.ok(sealLog.rows.every((r) => !r.fields.includes('plaintext') && !/"plaintext"/.test(r.response)), 'no logged response shows plaintext');
  assert.ok(sealLog.rows.filter((r) => DATA_KEY_PATH.test(r.path)).every((r) => r.fields.includes('ciphertextForRecipient') && /"ciphertextForRecipient": "[A-Za-z0-9+/]{6}… \(\d+ chars\)"/.test(r.response)));
  assert.match(sealLog.summary, /No response carries a plaintext field/);
  assert.match(sealLog.summary, /The data key never appeared in a response\./);
  await page.locator('#pg-netlog').screenshot({ path: `${shots}netlog-hpke.png`, style: 'header.site { position: static !important; }' });

  // Open with HPKE: the Decrypt answer is sealed too, and the text comes back.
  const openWire = await onWire(page, async () => {
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.waitForSelector('#pg-plaintext-out');
    await page.waitForSelector('#pg-netlog-summary[data-done]');
  });
  assert.equal(await page.locator('#pg-plaintext-out').textContent(), PLAINTEXT);
  const openDataKey = openWire.filter((w) => DATA_KEY_PATH.test(w.path));
  assert.ok(openDataKey.length >= 1 && openDataKey.every((w) => w.path === '/kms/decrypt' && typeof w.response.ciphertextForRecipient === 'string' && !Object.hasOwn(w.response, 'plaintext')));
  const openLog = await pageLog(page);
  sameAsWire(openLog, openWire);
  assert.deepEqual(openLog.counts, { dataKey: openDataKey.length, plaintext: 0, sealed: openDataKey.length });
  assert.match(openLog.summary, /The data key never appeared in a response\./);

  // The same message opens with the default transport too (the demo broker answers both kinds of client).
  await page.getByLabel('Seal the data key to this page (HPKE)').uncheck();
  await page.evaluate(() => document.querySelector('#pg-plaintext-out')?.remove());
  const plainOpenWire = await onWire(page, async () => {
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.waitForSelector('#pg-plaintext-out');
    await page.waitForSelector('#pg-netlog-summary[data-done]');
  });
  assert.equal(await page.locator('#pg-plaintext-out').textContent(), PLAINTEXT);
  assert.ok(plainOpenWire.some((w) => w.path === '/kms/decrypt' && typeof w.response.plaintext === 'string'), 'without HPKE the Decrypt answer carries the data key');
  await page.context().close();
});

test('HPKE off: the log shows the plaintext field, and the page says the data key was in the response', async () => {
  const page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(`${base}/#playground`);
  await page.waitForSelector('html[data-ready=true]', { timeout: 15_000 });
  await page.waitForSelector('#pg-seal');
  assert.equal(await page.getByLabel('Seal the data key to this page (HPKE)').isChecked(), false, 'off by default');
  assert.doesNotMatch(await page.locator('#pg-keyring-code').textContent(), /keyTransport/);

  const wire = await onWire(page, async () => {
    await page.getByRole('button', { name: 'Seal', exact: true }).click();
    await page.waitForSelector('#pg-seal-result .verdict');
    await page.waitForSelector('#pg-netlog-summary[data-done]');
  });
  assert.match(await page.locator('#pg-seal-result').textContent(), /^✓ Sealed/);
  const dataKey = wire.filter((w) => DATA_KEY_PATH.test(w.path));
  assert.equal(dataKey.length, 1);
  assert.equal(typeof dataKey[0].response.plaintext, 'string', 'the data key on the wire');
  assert.ok(!Object.hasOwn(dataKey[0].request, 'recipient'));
  const log = await pageLog(page);
  sameAsWire(log, wire);
  assert.deepEqual(log.counts, { dataKey: 1, plaintext: 1, sealed: 0 });
  const row = log.rows.find((r) => r.path === '/kms/generate-data-key');
  assert.ok(row.fields.includes('plaintext') && !row.fields.includes('ciphertextForRecipient'));
  // Shown shortened: 6 characters of the 44 of a 32-byte key's base64, never the whole key.
  assert.match(row.response, /"plaintext": "[A-Za-z0-9+/]{6}… \(44 chars\)"/);
  assert.ok(!row.response.includes(dataKey[0].response.plaintext), 'the page does not print the whole data key');
  assert.match(log.summary, /carries a plaintext field: the data key itself/);
  assert.doesNotMatch(log.summary, /never appeared/);
  await page.locator('#pg-netlog').screenshot({ path: `${shots}netlog-plaintext.png`, style: 'header.site { position: static !important; }' });
  await page.context().close();
});

test('no console errors', () => {
  assert.deepEqual(consoleErrors, []);
});
