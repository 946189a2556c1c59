// The playground (www/playground.js) in headless Chromium against the real
// demo server (pkg-scripts/demo-server.js: broker + in-memory dev KMS + page +
// package): seal, inspect, open, require a context, tamper; verify a
// dev-KMS signature, flip a bit, verify a pasted node:crypto key and
// signature; keyboard use; no console errors. Screenshots go to
// tests/artifacts/playground/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { generateKeyPairSync, sign } from 'node:crypto';
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

async function open({ viewport = { width: 1200, height: 900 }, colorScheme } = {}) {
  const ctx = await browser.newContext({ viewport, colorScheme });
  const page = await ctx.newPage();
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`${m.text()} (${page.url()})`); });
  page.on('pageerror', (e) => consoleErrors.push(`${e} (${page.url()})`));
  await page.goto(`${base}/#playground`);
  await page.waitForSelector('html[data-ready=true]', { timeout: 15_000 });
  await page.waitForSelector('#pg-seal');
  return page;
}

/** A screenshot of one part of the page (the whole element, however tall). */
const shot = (page, name, selector) => page.locator(selector).screenshot({ path: `${shots}${name}.png`, style: 'header.site { position: static !important; }' });
const status = (page) => page.locator('#playground-status').textContent();
const PLAINTEXT = 'Attack at dawn, bring the tea.';

test('envelope: seal, inspect, open, require a context, tamper', async () => {
  const page = await open();
  await page.getByLabel('Plaintext', { exact: true }).fill(PLAINTEXT);
  // The context: edit the first pair, add a third.
  await page.getByLabel('Value 1', { exact: true }).fill('globex');
  await page.getByRole('button', { name: 'Add a pair' }).click();
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Key 3', 'focus goes to the new row');
  await page.keyboard.type('region');
  await page.getByLabel('Value 3', { exact: true }).fill('eu-west-1');
  await page.getByLabel('Frame length (bytes)').fill('16');
  await shot(page, 'seal-form', '#pg-seal-form');
  await page.getByRole('button', { name: 'Seal', exact: true }).click();
  await page.waitForSelector('#pg-inspector');
  assert.match(await page.locator('#pg-seal-result').textContent(), new RegExp(`Sealed ${PLAINTEXT.length} bytes of plaintext into a [\\d,]+-byte message`));
  assert.match(await status(page), /^Sealed/);

  // The inspector: suite, context (with the signing key), the KMS EDK, frames, signature.
  const inspector = page.locator('#pg-inspector');
  assert.equal(await inspector.getAttribute('data-suite'), 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384');
  assert.match(await inspector.textContent(), /\(0x0578\)/);
  const context = await page.locator('#pg-inspector-context tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.key));
  assert.deepEqual(context.sort(), ['aws-crypto-public-key', 'purpose', 'region', 'tenant']);
  assert.match(await page.locator('#pg-inspector-context tr[data-key=tenant]').textContent(), /globex/);
  const edks = page.locator('#pg-inspector-edks tbody tr');
  assert.equal(await edks.count(), 1);
  assert.equal(await edks.first().getAttribute('data-provider-id'), 'aws-kms');
  assert.match(await edks.first().textContent(), /arn:aws:kms:us-east-1:111122223333:key\/[0-9a-f-]{36}/);
  assert.equal(await page.locator('[data-field=frames]').textContent(), 'Framed: 2 frames of up to 16 bytes');
  assert.match(await page.locator('[data-field=signature]').textContent(), /^Present: ECDSA P-384/);
  assert.match(await page.locator('[data-field=message-id]').textContent(), /^[0-9a-f]{64}$/);
  const sealedB64 = await page.locator('#pg-sealed').inputValue();
  const sealedLength = Buffer.from(sealedB64, 'base64').length;
  assert.match(await page.locator('#pg-sealed-size').textContent(), new RegExp(`^${sealedLength.toLocaleString('en-US')} bytes`));
  assert.ok(!sealedB64.includes(Buffer.from(PLAINTEXT).toString('base64').slice(0, 12)), 'the message does not carry the plaintext');
  await shot(page, 'sealed-inspector', '#pg-inspector');

  // Open it again.
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await page.waitForSelector('#pg-plaintext-out');
  assert.equal(await page.locator('#pg-plaintext-out').textContent(), PLAINTEXT);
  assert.match(await status(page), /^Opened/);
  await shot(page, 'opened', '#pg-open-result');

  // Requiring a pair the message has opens; one it lacks is refused with its code.
  await page.getByRole('button', { name: 'Add a required pair' }).click();
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Required key 1');
  await page.keyboard.type('tenant');
  await page.getByLabel('Required value 1', { exact: true }).fill('globex');
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await page.waitForFunction(() => document.querySelector('#pg-open-result .verdict.ok'));
  await page.getByLabel('Required value 1', { exact: true }).fill('acme');
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await page.waitForSelector('#pg-open-result [data-code]');
  assert.equal(await page.locator('#pg-open-result [data-code]').getAttribute('data-code'), 'ENCRYPTION_CONTEXT_MISMATCH');
  assert.equal(await page.locator('#pg-plaintext-out').count(), 0, 'no plaintext on the page after a refusal');
  await page.getByRole('button', { name: 'Remove required pair 1' }).click();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Add a required pair', 'focus stays in the list');

  // Tamper with the header's tag, a byte of the first frame and the last byte (the footer signature).
  const headerLength = Number(await inspector.getAttribute('data-header-length'));
  for (const at of [headerLength - 1, headerLength + 5, sealedLength - 1]) {
    await page.getByLabel('Byte offset').fill(String(at));
    await page.keyboard.press('Enter'); // the offset field's form: tamper at this byte
    await page.waitForFunction((at) => document.querySelector('#pg-tamper-result')?.dataset.offset === String(at) && document.querySelector('#pg-released'), at, { timeout: 60_000 });
    const result = page.locator('#pg-tamper-result');
    assert.equal(await result.getAttribute('data-code'), 'TAMPERED', `byte ${at}`);
    const text = await result.textContent();
    assert.match(text, /TAMPERED/);
    assert.match(text, /Plaintext released: none/);
    assert.ok(!text.includes(PLAINTEXT) && !text.includes('Attack'), 'no plaintext shown');
    assert.match(await status(page), /TAMPERED.*No plaintext was released/);
  }
  assert.equal(await page.locator('#pg-sealed').inputValue(), sealedB64, 'tampering works on a copy');
  await shot(page, 'tampered', '#pg-envelope');

  // Random bytes: whatever they hit, a code and no plaintext. A hit in the encrypted data key makes KMS
  // refuse it (HTTP 400, or 404 for a changed key ARN, from the broker), which Chromium logs as a failed resource load: expected here.
  const errorsBefore = consoleErrors.length;
  for (let i = 0; i < 3; i++) {
    await page.evaluate(() => { delete document.querySelector('#pg-tamper-result').dataset.offset; });
    await page.getByRole('button', { name: 'Tamper at a random byte' }).click();
    await page.waitForFunction(() => document.querySelector('#pg-tamper-result')?.dataset.offset && document.querySelector('#pg-released'));
    assert.match(await page.locator('#pg-tamper-result').getAttribute('data-code'), /^(TAMPERED|MALFORMED_MESSAGE|UNSUPPORTED_ALGORITHM|INVALID_CIPHERTEXT|NO_DECRYPTABLE_DATA_KEY|KEYRING_CANNOT_DECRYPT|NOT_FOUND|BAD_REQUEST|INCORRECT_KEY)$/);
    assert.ok(!(await page.locator('#pg-tamper-result').textContent()).includes(PLAINTEXT));
  }
  const extra = consoleErrors.splice(errorsBefore);
  assert.deepEqual(extra.filter((e) => !/Failed to load resource: the server responded with a status of 40[04]/.test(e)), []);
  await page.context().close();
});

test('envelope: the unsigned suite, and a pasted message that is not one', async () => {
  const page = await open();
  await page.getByLabel(/^Unsigned/).check();
  await page.getByRole('button', { name: 'Seal', exact: true }).click();
  await page.waitForSelector('#pg-inspector[data-suite=AES_256_GCM_HKDF_SHA512_COMMIT_KEY]');
  assert.equal(await page.locator('[data-field=signature]').textContent(), 'None (unsigned suite)');
  assert.equal(await page.locator('#pg-inspector-context tr[data-key=aws-crypto-public-key]').count(), 0);
  assert.equal(await page.locator('[data-field=frames]').textContent(), 'Framed: 1 frame of up to 1,048,576 bytes');

  // A reserved context key is refused by the core with its code.
  await page.getByLabel('Key 1', { exact: true }).fill('aws-crypto-mine');
  await page.getByRole('button', { name: 'Seal', exact: true }).click();
  await page.waitForSelector('#pg-seal-result [data-code]');
  assert.equal(await page.locator('#pg-seal-result [data-code]').getAttribute('data-code'), 'INVALID_ENCRYPTION_CONTEXT');

  // Pasted garbage: the inspector says why, with the code.
  await page.getByLabel('Sealed message (base64)').fill('AAECAwQFBgcICQ==');
  await page.waitForSelector('#pg-inspector-box [data-code]');
  assert.equal(await page.locator('#pg-inspector-box [data-code]').getAttribute('data-code'), 'MALFORMED_MESSAGE');
  await page.getByLabel('Sealed message (base64)').fill('not base64!');
  await page.waitForFunction(() => document.querySelector('#pg-inspector-box')?.textContent.includes('not base64'));
  assert.equal(await page.getByLabel('Sealed message (base64)').getAttribute('aria-invalid'), 'true');
  await page.context().close();
});

test('signatures: the dev KMS signs, verifies true; a flipped bit is false', async () => {
  const page = await open();
  for (const [alias, algorithm] of [['alias/sign-ecc-nist-p256', 'ECDSA_SHA_256'], ['alias/sign-rsa-2048', 'RSASSA_PKCS1_V1_5_SHA_256'], ['alias/sign-ecc-secg-p256k1', 'ECDSA_SHA_256']]) {
    await page.getByLabel('Signing algorithm').selectOption(algorithm);
    await page.getByLabel('Dev KMS signing key').selectOption(alias);
    await page.getByRole('button', { name: 'Ask the dev KMS to sign' }).click();
    await page.waitForSelector('#pg-verify-result[data-verdict=valid]');
    assert.equal(await page.locator('#pg-verdict').textContent(), 'true', alias);
    assert.equal(await page.getByLabel('Signing algorithm').inputValue(), algorithm);
    assert.match(await page.getByLabel(/^Public key/).inputValue(), /^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+\n-----END PUBLIC KEY-----$/);
    assert.match(await page.locator('#pg-verify-context').textContent(), new RegExp(`signed the message with ${alias}`));
    if (alias.endsWith('p256')) await shot(page, 'signature-valid', '#pg-signatures');

    await page.getByRole('button', { name: 'Flip a bit of the signature' }).click();
    await page.waitForSelector('#pg-verify-result[data-verdict=invalid]');
    assert.equal(await page.locator('#pg-verdict').textContent(), 'false', `${alias} flipped`);
    assert.match(await status(page), /^false\./);
    assert.match(await page.locator('#pg-verify-context').textContent(), /^Flipped the lowest bit/);
  }
  await shot(page, 'signature-flipped', '#pg-verify-form');

  // A P-256 key with a SHA-384 algorithm is a coded error, not false.
  await page.getByLabel('Dev KMS signing key').selectOption('alias/sign-ecc-nist-p256');
  await page.getByRole('button', { name: 'Ask the dev KMS to sign' }).click();
  await page.waitForSelector('#pg-verify-result[data-verdict=valid]');
  await page.getByLabel('Signing algorithm').selectOption('ECDSA_SHA_384');
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await page.waitForSelector('#pg-verify-result[data-verdict=error]');
  assert.equal(await page.locator('#pg-verify-result [data-code]').getAttribute('data-code'), 'KEY_ALGORITHM_MISMATCH');
  await page.context().close();
});

test('signatures: a pasted node:crypto P-256 key and signature, RAW and DIGEST, by keyboard', async () => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const message = 'invoice 2026-11-23 #7: 1,024.00 EUR';
  const signature = sign('sha256', Buffer.from(message), { key: privateKey, dsaEncoding: 'der' }).toString('base64');
  const pem = publicKey.export({ type: 'spki', format: 'pem' });

  const page = await open();
  await page.getByLabel(/^Public key/).fill(pem);
  await page.getByLabel('Signing algorithm').selectOption('ECDSA_SHA_256');
  await page.getByLabel('Message', { exact: true }).fill(message);
  await page.getByLabel(/^Signature/).fill(signature);
  // Enter in a text field does not submit a textarea; use the keyboard to reach Verify.
  await page.getByLabel(/^Signature/).focus();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'pg-verify');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#pg-verify-result[data-verdict=valid]');
  assert.equal(await page.locator('#pg-verdict').textContent(), 'true');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'pg-verify', 'focus stays on the button');

  // The same signature over the SHA-256 digest, as DIGEST in hex (base64 DER SPKI instead of PEM).
  const { createHash } = await import('node:crypto');
  await page.getByLabel(/^Public key/).fill(publicKey.export({ type: 'spki', format: 'der' }).toString('base64'));
  await page.getByLabel('Message type').selectOption('DIGEST');
  await page.getByLabel('Message encoding').selectOption('hex');
  await page.getByLabel('Message', { exact: true }).fill(createHash('sha256').update(message).digest('hex'));
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await page.waitForSelector('#pg-verify-result[data-verdict=valid]');

  // A digest of the wrong length is a coded error; a broken key too.
  await page.getByLabel('Message', { exact: true }).fill('00ff');
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await page.waitForSelector('#pg-verify-result[data-verdict=error]');
  assert.equal(await page.locator('#pg-verify-result [data-code]').getAttribute('data-code'), 'INVALID_DIGEST_LENGTH');
  await page.getByLabel(/^Public key/).fill('MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE');
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await page.waitForSelector('#pg-verify-result [data-code=MALFORMED_PUBLIC_KEY]');
  assert.match(await status(page), /MALFORMED_PUBLIC_KEY/);
  await shot(page, 'signature-error', '#pg-verify-result');
  await page.context().close();
});

test('layout: small screen, dark mode, no sideways scroll', async () => {
  const page = await open({ viewport: { width: 375, height: 800 }, colorScheme: 'dark' });
  await page.getByRole('button', { name: 'Seal', exact: true }).click();
  await page.waitForSelector('#pg-inspector');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
  await shot(page, 'mobile-dark', '#playground');
  await page.context().close();
});

test('no console errors; the broker audited every call, and its log holds no plaintext', () => {
  assert.deepEqual(consoleErrors, []);
  for (const op of ['GenerateDataKey alias/demo', 'Decrypt arn:aws:kms:', 'GetPublicKey alias/sign-ecc-nist-p256', 'Sign alias/sign-rsa-2048']) {
    assert.match(demo.output(), new RegExp(`audit \\S+ ${op}\\S* allowed 200`), op);
  }
  assert.ok(!demo.output().includes(PLAINTEXT) && !demo.output().includes(Buffer.from(PLAINTEXT).toString('base64').slice(0, 16)));
});
