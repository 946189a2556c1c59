// The playground's re-key step (www/playground-rekey.js) in headless Chromium
// against the real demo server (pkg-scripts/demo-server.js: broker + in-memory
// dev KMS with alias/demo and alias/demo-next + page + package): seal under key
// A, re-key to key B, the page shows the same message id and body bytes, key A
// refused with its code and key B opening it; the test checks the bytes itself
// too. Screenshot in tests/artifacts/playground/.
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

test('re-key: seal under key A, re-key to key B, body unchanged, A refused, B opens', async () => {
  const page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  // Every message the page sends or receives through the broker, to check the bytes independently.
  const answers = [];
  page.on('response', async (r) => { if (r.url().includes('/kms/')) answers.push({ url: r.url(), status: r.status() }); });
  await page.goto(`${base}/#playground`);
  await page.waitForSelector('html[data-ready=true]', { timeout: 15_000 });
  await page.waitForSelector('#pg-rekey-seal');
  assert.equal(await page.locator('#pg-rekey-go').getAttribute('aria-disabled'), 'true', 'nothing to re-key yet');

  const TEXT = 'Quarterly numbers, rotated not re-encrypted.';
  await page.getByLabel('Text to seal', { exact: true }).fill(TEXT);
  await page.getByRole('button', { name: 'Seal under key A' }).click();
  await page.waitForSelector('#pg-rekey-seal-result .verdict.ok');
  const arnA = await page.locator('[data-field=rekey-edk-a]').textContent();
  assert.match(arnA, /^arn:aws:kms:us-east-1:111122223333:key\/[0-9a-f-]{36}$/);

  await page.getByRole('button', { name: 'Re-key to key B' }).click();
  await page.waitForSelector('#pg-rekey-result [data-check=open-b]', { timeout: 30_000 });
  const arnB = await page.locator('[data-field=rekey-edk-b]').textContent();
  assert.match(arnB, /^arn:aws:kms:us-east-1:111122223333:key\/[0-9a-f-]{36}$/);
  assert.notEqual(arnB, arnA, 'the encrypted data key is now key B\'s');
  assert.equal(await page.locator('[data-check=message-id] .verdict.ok').count(), 1, 'same message id');
  assert.equal(await page.locator('[data-check=frames]').getAttribute('data-same'), 'true', 'body bytes unchanged');
  assert.match(await page.locator('[data-check=frames]').textContent(), /byte for byte identical; the footer is a new signature/);
  assert.equal(await page.locator('[data-check=open-a] [data-code]').getAttribute('data-code'), 'NO_DECRYPTABLE_DATA_KEY', 'key A refused');
  assert.match(await page.locator('[data-check=open-b]').textContent(), new RegExp(`Key B opens it: “${TEXT}”`));
  assert.match(await page.locator('#playground-status').textContent(), /Re-keyed to key B\. Body unchanged\. Key A refused: NO_DECRYPTABLE_DATA_KEY/);

  // Independently of the page's own comparison: re-key in the page with the package and compare bytes here.
  const bytes = await page.evaluate(async () => {
    const { EnvelopeClient, BrokerKeyring, parseMessage } = await import('edge-kms');
    const a = new EnvelopeClient({ keyring: new BrokerKeyring({ endpoint: '/kms', keyId: 'alias/demo' }), suite: 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY' });
    const sealed = await a.encrypt('x'.repeat(5000));
    const rekeyed = await a.reEncrypt(sealed, { keyring: new BrokerKeyring({ endpoint: '/kms', keyId: 'alias/demo-next' }) });
    const [i, j] = [await parseMessage(sealed), await parseMessage(rekeyed)];
    return { a: Array.from(sealed.subarray(i.headerLength)), b: Array.from(rekeyed.subarray(j.headerLength)) };
  });
  assert.deepEqual(bytes.b, bytes.a, 'unsigned suite: everything after the header is the same bytes');
  assert.ok(answers.some((r) => r.url.endsWith('/kms/encrypt') && r.status === 200), 'key B wrapped the data key through KMS Encrypt');
  await page.locator('#pg-rekey').screenshot({ path: `${shots}rekey.png`, style: 'header.site { position: static !important; }' });
  assert.deepEqual(consoleErrors, []);
});
