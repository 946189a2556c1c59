// BrokerKeyring in headless Chromium against a real broker on another
// origin: the browser's own fetch, CORS preflight (authorization header),
// and the refusal a non-configured origin gets from the browser itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createBroker, createDevKms } from 'edge-kms/broker';
import { serve } from 'edge-kms/broker/node';
import { launchChromium } from './browser.js';
import { serveStatic } from './static-server.js';

let browser, pageOrigin, otherOrigin, broker, records = [];

before(async () => {
  pageOrigin = await serveStatic();
  otherOrigin = await serveStatic();
  const kms = await createDevKms({ signingKeys: [] });
  broker = await serve(createBroker({
    kms,
    keyIds: ['alias/demo'],
    cors: { origins: [pageOrigin.url] },
    authorize: (q) => (q.headers.get('authorization') === 'Bearer browser' ? { allow: true, principal: 'browser' } : false),
    audit: (r) => { records.push(r); },
  }), { port: 0 });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await broker?.close();
  await pageOrigin?.close();
  await otherOrigin?.close();
});

/** Runs the keyring in a page of `origin` and reports what happened. */
async function inPage(origin, endpoint) {
  const page = await browser.newPage();
  try {
    await page.goto(`${origin.url}/tests/js/chromium.html`);
    return await page.evaluate(async (endpoint) => {
      const { BrokerKeyring } = await import('/pkg/broker-keyring.js');
      const kr = new BrokerKeyring({ endpoint, keyId: 'alias/demo', headers: async () => ({ authorization: 'Bearer browser' }), retries: 0, timeoutMs: 5000 });
      const out = {};
      try {
        const ec = { from: 'chromium' };
        const dk = await kr.generateDataKey({ encryptionContext: ec });
        const back = await kr.decryptDataKey({ keyId: dk.keyId, ciphertextBlob: dk.ciphertextBlob, encryptionContext: ec });
        out.roundTrip = back.plaintext.length === 32 && back.plaintext.every((b, i) => b === dk.plaintext[i]);
        try { await kr.decryptDataKey({ keyId: dk.keyId, ciphertextBlob: dk.ciphertextBlob, encryptionContext: {} }); } catch (e) { out.mismatch = e.code; }
      } catch (e) {
        out.error = e.code ?? e.name;
      }
      return out;
    }, endpoint);
  } finally {
    await page.close();
  }
}

test('chromium: a configured origin round-trips through CORS, errors readable', async () => {
  const out = await inPage(pageOrigin, `${broker.url}/kms`);
  assert.deepEqual(out, { roundTrip: true, mismatch: 'INVALID_CIPHERTEXT' });
  assert.ok(records.some((r) => r.origin === pageOrigin.url && r.principal === 'browser'));
});

test('chromium: another origin is stopped by the browser (no CORS headers for it)', async () => {
  const before = records.length;
  const out = await inPage(otherOrigin, `${broker.url}/kms`);
  assert.deepEqual(out, { error: 'BROKER_UNAVAILABLE' });
  assert.equal(records.length, before, 'the preflight failed, so no operation reached the broker');
});
