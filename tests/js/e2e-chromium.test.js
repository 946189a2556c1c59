// End to end in a real browser (issue 4): headless Chromium loads a page from
// pkg-scripts/demo-server.js (run as a user runs it, as a child on a free
// port, keys in memory). The page's module script imports the package through
// an import map and seals and opens with BrokerKeyring({ endpoint: '/kms',
// keyId: 'alias/demo' }) against the same-origin broker. Node then opens the
// browser's messages through the same server, and the page opens Node's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { EnvelopeClient, BrokerKeyring, parseMessage } from 'edge-kms';
import { launchChromium } from './browser.js';
import { startDemoServer } from './servers.js';

let demo, browser, page, result;
const pageErrors = [];

before(async () => {
  demo = await startDemoServer(['--www', fileURLToPath(new URL('./e2e/page/', import.meta.url))]);
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  // Every failed request but the favicon the browser asks for on its own.
  page.on('response', (r) => { if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) pageErrors.push(`${r.status()} ${r.url()}`); });
  await page.goto(`${demo.url}/`);
  await page.waitForFunction(() => window.e2eResult !== undefined, null, { timeout: 30_000 });
  result = await page.evaluate(() => window.e2eResult);
});

after(async () => {
  await browser?.close();
  if (demo) {
    const { code } = await demo.stop();
    assert.equal(code, 0, 'the demo server stops cleanly');
  }
});

const nodeClient = () => new EnvelopeClient({ keyring: new BrokerKeyring({ endpoint: `${demo.url}/kms`, keyId: 'alias/demo' }) });

test('chromium: the page seals and opens through /kms of the demo server', () => {
  assert.deepEqual(pageErrors, []);
  assert.equal(result.error, undefined, result.error);
  assert.equal(result.secureContext, true, 'a loopback origin is a secure context (WebCrypto available)');
  assert.equal(result.text, 'sealed in Chromium');
  assert.deepEqual(result.encryptionContext.tenant, 'acme');
  assert.equal(result.big.backSha256, result.big.sha256);
  // The broker really served the page: the demo server's audit lines.
  const lines = demo.output().split('\n').filter((l) => l.startsWith('audit '));
  assert.equal(lines.filter((l) => / GenerateDataKey alias\/demo allowed 200 /.test(l)).length, 2);
  assert.equal(lines.filter((l) => / Decrypt arn:aws:kms:[^ ]+ allowed 200 /.test(l)).length, 2);
});

test('chromium → Node: a message sealed in the browser opens in Node through the same broker', async () => {
  const sealed = Buffer.from(result.message, 'base64');
  const info = await parseMessage(sealed);
  assert.equal(info.suiteId, 0x0578);
  assert.equal(info.encryptedDataKeys[0].providerId, 'aws-kms');
  const client = nodeClient();
  const { plaintext, encryptionContext } = await client.decrypt(sealed, { encryptionContext: { tenant: 'acme', page: '/' } });
  assert.equal(new TextDecoder().decode(plaintext), 'sealed in Chromium');
  assert.equal(encryptionContext.page, '/');
  const big = await client.decrypt(Buffer.from(result.big.message, 'base64'));
  assert.equal(big.plaintext.length, result.big.bytes);
  assert.equal(createHash('sha256').update(big.plaintext).digest('hex'), result.big.sha256);
});

test('Node → chromium: the page opens a message sealed in Node, and refuses with codes', async () => {
  const sealed = await nodeClient().encrypt('sealed in Node', { encryptionContext: { tenant: 'acme' } });
  const message = Buffer.from(sealed).toString('base64');
  const open = (m, required) => page.evaluate(([m, r]) => window.e2eOpen(m, r), [m, required]);
  const opened = await open(message, { tenant: 'acme' });
  assert.equal(opened.text, 'sealed in Node', opened.error);
  assert.equal(opened.encryptionContext.tenant, 'acme');
  assert.deepEqual(await open(message, { tenant: 'globex' }), { error: 'ENCRYPTION_CONTEXT_MISMATCH' });
  const truncated = Buffer.from(sealed.subarray(0, sealed.length - 1)).toString('base64');
  assert.deepEqual(await open(truncated), { error: 'MALFORMED_MESSAGE' });
});

test('chromium streams: a 16 MiB Blob through encryptStream → decryptStream, and a streamed message opens in Node', async () => {
  const big = await page.evaluate((n) => window.e2eStream(n, false), 16 * 2 ** 20 + 1);
  assert.equal(big.error, undefined, big.error);
  assert.match(big.inSha256, /^[0-9a-f]{64}$/);
  assert.equal(big.outSha256, big.inSha256);
  assert.ok(big.sealedBytes > 16 * 2 ** 20);
  const small = await page.evaluate((n) => window.e2eStream(n, true), 200_000);
  const { plaintext, encryptionContext } = await nodeClient().decrypt(Buffer.from(small.message, 'base64'), { encryptionContext: { via: 'stream' } });
  assert.equal(encryptionContext.tenant, 'acme');
  assert.equal(createHash('sha256').update(plaintext).digest('hex'), small.inSha256);
});
