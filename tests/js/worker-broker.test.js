// The example Worker broker (examples/worker-broker/) as wrangler builds and
// runs it: `wrangler dev` (offline) with its own wrangler.toml, KMS through
// aws4fetch pointed at moto's KMS on 127.0.0.1, sessions checked with
// src/session.js, the Rate Limiting binding simulated by wrangler's local
// runtime. A Node client, a Chromium page on another origin (CORS) and a
// second Worker (also `wrangler dev`, the full package with its wasm) seal
// and open through it, and open each other's messages. The deploy bundle
// (`wrangler deploy --dry-run --outdir`) is held to a size budget.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { KMSClient, CreateKeyCommand, CreateAliasCommand } from '@aws-sdk/client-kms';
import { EnvelopeClient, BrokerKeyring, parseMessage } from 'edge-kms';
import { rejectsCode } from './broker-helpers.js';
import { startMoto } from './servers.js';
import { serveStatic } from './static-server.js';
import { launchChromium } from './browser.js';
import { startWranglerDev, WRANGLER } from './wrangler-dev.js';
import { mintSession } from '../../examples/worker-broker/src/session.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/worker-broker/', import.meta.url));
const CLIENT = fileURLToPath(new URL('./worker-client/', import.meta.url));
/** Budget of the deployed Worker (gzip, as wrangler reports it): measured 18.8 KiB with aws4fetch, 21.1 KiB after other additions to edge-kms/broker. */
const BUNDLE_BUDGET_GZIP = 24 * 1024;

const SECRET = randomBytes(32).toString('base64');
let moto, keyArn, otherArn, broker, client, page, browser;

before(async () => {
  moto = await startMoto();
  const sdk = new KMSClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  const k = (await sdk.send(new CreateKeyCommand({ Description: 'worker broker' }))).KeyMetadata;
  await sdk.send(new CreateAliasCommand({ AliasName: 'alias/worker-app', TargetKeyId: k.KeyId }));
  keyArn = k.Arn;
  otherArn = (await sdk.send(new CreateKeyCommand({ Description: 'not served' }))).KeyMetadata.Arn;
  sdk.destroy();
  page = await serveStatic();
  broker = await startWranglerDev(`${EXAMPLE}wrangler.toml`, {
    name: 'broker',
    vars: {
      KMS_ENDPOINT: moto.endpoint,
      KMS_KEY_IDS: 'alias/worker-app',
      ALLOWED_ORIGINS: page.url,
      // secrets in production (`wrangler secret put`); vars here
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      SESSION_SECRET: SECRET,
    },
  });
  client = await startWranglerDev(`${CLIENT}wrangler.toml`, { name: 'client', vars: { BROKER_URL: broker.url } });
});

after(async () => {
  await browser?.close();
  await client?.stop();
  await broker?.stop();
  await page?.close();
  await moto?.stop();
});

const token = (sub, tenant, ttlSeconds) => mintSession(SECRET, { sub, tenant, ttlSeconds });
const keyring = async (sub, tenant, extra = {}) => new BrokerKeyring({ endpoint: `${broker.url}/kms`, keyId: 'alias/worker-app', headers: { authorization: `Bearer ${await token(sub, tenant)}` }, ...extra });

test('wrangler dev: a Node client seals and opens through the Worker (aws4fetch → moto)', async () => {
  const c = new EnvelopeClient({ keyring: await keyring('alice', 'acme') });
  const sealed = await c.encrypt('sealed in Node', { encryptionContext: { tenant: 'acme' } });
  const edk = (await parseMessage(sealed)).encryptedDataKeys[0];
  assert.deepEqual([edk.providerId, new TextDecoder().decode(edk.providerInfo)], ['aws-kms', keyArn], 'the EDK names the moto key ARN');
  const { plaintext } = await c.decrypt(sealed, { encryptionContext: { tenant: 'acme' } });
  assert.equal(new TextDecoder().decode(plaintext), 'sealed in Node');
  // the audit record in the Worker's structured log: who, what, no key material
  const dk = await (await keyring('alice', 'acme')).generateDataKey({ encryptionContext: { tenant: 'acme' } });
  await waitFor(() => broker.output().includes(`requestId`) && countAudit('GenerateDataKey', 'alice') >= 2);
  assert.ok(!broker.output().includes(Buffer.from(dk.plaintext).toString('base64')), 'no data key in the logs');
});

test('wrangler dev: the session check (401), tenant rule (403), allow-list (404)', async () => {
  const url = `${broker.url}/kms`;
  await rejectsCode(new BrokerKeyring({ endpoint: url, keyId: 'alias/worker-app', retries: 0 }).generateDataKey({ encryptionContext: { tenant: 'acme' } }), 'ACCESS_DENIED');
  const good = await token('alice', 'acme');
  const dot = good.indexOf('.');
  // a MAC with one bit of its first byte flipped, and the same MAC spelled non-canonically
  const forged = `${good.slice(0, dot + 1)}${good[dot + 1] === 'A' ? 'g' : 'A'}${good.slice(dot + 2)}`;
  const lastBit = good.replace(/.$/, (c) => String.fromCharCode(c.charCodeAt(0) + 1));
  assert.equal((await rejectsCode(new BrokerKeyring({ endpoint: url, keyId: 'alias/worker-app', headers: { authorization: `Bearer ${lastBit}` } }).generateDataKey({ encryptionContext: { tenant: 'acme' } }), 'ACCESS_DENIED')).status, 401);
  const e1 = await rejectsCode(new BrokerKeyring({ endpoint: url, keyId: 'alias/worker-app', headers: { authorization: `Bearer ${forged}` } }).generateDataKey({ encryptionContext: { tenant: 'acme' } }), 'ACCESS_DENIED');
  assert.equal(e1.status, 401);
  const expired = await mintSession(SECRET, { sub: 'alice', tenant: 'acme', now: Date.now() - 7200_000 });
  assert.equal((await rejectsCode(new BrokerKeyring({ endpoint: url, keyId: 'alias/worker-app', headers: { authorization: `Bearer ${expired}` } }).generateDataKey({ encryptionContext: { tenant: 'acme' } }), 'ACCESS_DENIED')).status, 401);
  const e3 = await rejectsCode((await keyring('alice', 'acme')).generateDataKey({ encryptionContext: { tenant: 'globex' } }), 'ACCESS_DENIED');
  assert.equal(e3.status, 403);
  await rejectsCode((await keyring('alice', 'acme', { keyId: otherArn })).generateDataKey({ encryptionContext: { tenant: 'acme' } }), 'NOT_FOUND');
});

test('wrangler dev: a Chromium page on another origin seals and opens through the Worker (CORS)', async () => {
  browser = await launchChromium();
  const tab = await browser.newPage();
  await tab.goto(`${page.url}/tests/js/chromium.html`);
  const c = new EnvelopeClient({ keyring: await keyring('bob', 'acme') });
  const fromNode = Buffer.from(await c.encrypt('sealed in Node for the page', { encryptionContext: { tenant: 'acme' } })).toString('base64');
  const out = await tab.evaluate(async ({ endpoint, authorization, fromNode }) => {
    const { EnvelopeClient, BrokerKeyring } = await import('edge-kms');
    const c = new EnvelopeClient({ keyring: new BrokerKeyring({ endpoint, keyId: 'alias/worker-app', headers: { authorization } }) });
    const ec = { encryptionContext: { tenant: 'acme' } };
    const sealed = await c.encrypt('sealed in Chromium', ec);
    const back = new TextDecoder().decode((await c.decrypt(sealed, ec)).plaintext);
    const opened = new TextDecoder().decode((await c.decrypt(Uint8Array.from(atob(fromNode), (ch) => ch.charCodeAt(0)), ec)).plaintext);
    let s = ''; for (const b of sealed) s += String.fromCharCode(b);
    return { back, opened, sealed: btoa(s), origin: location.origin };
  }, { endpoint: `${broker.url}/kms`, authorization: `Bearer ${await token('bob', 'acme')}`, fromNode });
  assert.equal(out.back, 'sealed in Chromium');
  assert.equal(out.opened, 'sealed in Node for the page');
  assert.equal(new TextDecoder().decode((await c.decrypt(Buffer.from(out.sealed, 'base64'), { encryptionContext: { tenant: 'acme' } })).plaintext), 'sealed in Chromium');
  assert.ok(broker.output().includes(out.origin), 'the audit records the page origin');
});

test('wrangler dev: a second Worker seals and opens through the broker Worker', async () => {
  const c = new EnvelopeClient({ keyring: await keyring('carol', 'acme') });
  const fromNode = Buffer.from(await c.encrypt('sealed in Node for the Worker', { encryptionContext: { tenant: 'acme' } })).toString('base64');
  const res = await fetch(client.url, { method: 'POST', body: JSON.stringify({ token: await token('worker-2', 'acme'), keyId: 'alias/worker-app', tenant: 'acme', text: 'sealed in a Worker', open: fromNode }) });
  const out = await res.json();
  assert.equal(out.error, undefined, out.error);
  assert.equal(out.text, 'sealed in a Worker');
  assert.equal(out.opened, 'sealed in Node for the Worker');
  assert.equal(new TextDecoder().decode((await c.decrypt(Buffer.from(out.sealed, 'base64'), { encryptionContext: { tenant: 'acme' } })).plaintext), 'sealed in a Worker');
  const refused = await (await fetch(client.url, { method: 'POST', body: JSON.stringify({ token: await token('worker-2', 'acme'), keyId: 'alias/worker-app', tenant: 'globex', text: 'x' }) })).json();
  assert.equal(refused.error, 'ACCESS_DENIED');
});

test('wrangler dev: the Rate Limiting binding throttles one principal (429 RateLimited, Retry-After), not others', async () => {
  // wrangler.toml: 100 requests per 60 s per principal. wrangler's local binding counts in fixed
  // windows aligned to the clock (floor(now / 60 s)): start early in one so that the loop
  // below does not straddle two.
  const into = Date.now() % 60_000;
  if (into > 40_000) await new Promise((ok) => setTimeout(ok, 60_000 - into + 50));
  const kr = await keyring('greedy', 'acme', { retries: 0 });
  let ok = 0, throttled;
  for (let i = 0; i < 110 && !throttled; i++) {
    try { await kr.generateDataKey({ encryptionContext: { tenant: 'acme' } }); ok++; } catch (e) { throttled = e; }
  }
  assert.ok(throttled, 'throttled within 110 requests');
  assert.equal(throttled.code, 'THROTTLED');
  assert.equal(throttled.kmsCode, 'RateLimited');
  assert.equal(ok, 100, 'exactly the limit went through');
  const res = await fetch(`${broker.url}/kms/generate-data-key`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await token('greedy', 'acme')}` }, body: JSON.stringify({ keyId: 'alias/worker-app', numberOfBytes: 32, encryptionContext: { tenant: 'acme' } }) });
  assert.equal(res.status, 429);
  assert.equal(res.headers.get('retry-after'), '60');
  await (await keyring('modest', 'acme')).generateDataKey({ encryptionContext: { tenant: 'acme' } });
});

test('wrangler deploy --dry-run: the bundle fits its budget and carries no AWS SDK', async () => {
  const outdir = fileURLToPath(new URL('../artifacts/worker-broker-dist/', import.meta.url));
  await rm(outdir, { recursive: true, force: true });
  await promisify(execFile)(process.execPath, [WRANGLER, 'deploy', '--dry-run', '--outdir', outdir, '-c', `${EXAMPLE}wrangler.toml`], { env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' } });
  const code = await readFile(`${outdir}worker.js`);
  const gz = gzipSync(code, { level: 9 }).length;
  assert.ok(gz <= BUNDLE_BUDGET_GZIP, `${gz} bytes gzip > budget ${BUNDLE_BUDGET_GZIP}`);
  const text = code.toString('utf8');
  assert.ok(text.includes('TrentService.'), 'the aws4fetch KMS client is in');
  assert.ok(!/getSmithyContext|de_GenerateDataKeyCommand|GenerateDataKeyCommand/.test(text), 'no @aws-sdk/client-kms in the bundle');
});

function countAudit(operation, principal) {
  return broker.output().split('edge-kms.audit').filter((s) => s.includes(`'${operation}'`) && s.includes(`'${principal}'`)).length;
}

async function waitFor(cond, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail('condition not met in time');
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

test('wrangler dev: with AUDIT_QUEUE bound, every audit record also goes to the Queue (no key material)', async () => {
  const q = await startWranglerDev(fileURLToPath(new URL('./worker-queue/wrangler.toml', import.meta.url)), {
    name: 'queue',
    vars: { KMS_ENDPOINT: moto.endpoint, KMS_KEY_IDS: 'alias/worker-app', ALLOWED_ORIGINS: page.url, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', SESSION_SECRET: SECRET },
  });
  try {
    const kr = new BrokerKeyring({ endpoint: `${q.url}/kms`, keyId: 'alias/worker-app', headers: { authorization: `Bearer ${await token('dave', 'acme')}` }, retries: 0 });
    const dk = await kr.generateDataKey({ encryptionContext: { tenant: 'acme' } });
    await rejectsCode(kr.generateDataKey({ encryptionContext: { tenant: 'globex' } }), 'ACCESS_DENIED');
    let records = [];
    const end = Date.now() + 15_000;
    while (records.length < 2 && Date.now() < end) {
      await new Promise((ok) => setTimeout(ok, 250));
      records = await (await fetch(`${q.url}/test/audit-queue`)).json();
    }
    assert.deepEqual(records.map((r) => [r.operation, r.principal, r.outcome, r.status]), [['GenerateDataKey', 'dave', 'allowed', 200], ['GenerateDataKey', 'dave', 'denied', 403]]);
    assert.equal(records[0].kmsKeyId, keyArn);
    assert.ok(!JSON.stringify(records).includes(Buffer.from(dk.plaintext).toString('base64')), 'no data key in the Queue');
  } finally {
    await q.stop();
  }
});

test('the Worker without its secrets answers 500 InternalError and logs the missing names, never values', async (t) => {
  // The Worker module itself, in Node (its config path needs no workerd)
  const { default: worker } = await import('../../examples/worker-broker/src/worker.js');
  const logged = [];
  t.mock.method(console, 'error', (...args) => { logged.push(JSON.stringify(args)); });
  const env = { AWS_REGION: 'us-east-1', KMS_KEY_IDS: 'alias/worker-app', AWS_ACCESS_KEY_ID: 'id-value-not-to-be-logged' };
  const res = await worker.fetch(new Request('http://broker.example/kms/generate-data-key', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }), env);
  assert.equal(res.status, 500);
  assert.equal((await res.json()).error.code, 'InternalError');
  assert.equal(logged.length, 1);
  assert.match(logged[0], /AWS_SECRET_ACCESS_KEY, SESSION_SECRET/);
  assert.doesNotMatch(logged[0], /id-value-not-to-be-logged/);
  // a malformed origin is named by its option, also without the value
  const bad = await worker.fetch(new Request('http://broker.example/kms/decrypt', { method: 'POST' }), { ...env, AWS_SECRET_ACCESS_KEY: 'secret-value', SESSION_SECRET: 'c2Vzc2lvbg==', ALLOWED_ORIGINS: 'https://app.example/path' });
  assert.equal(bad.status, 500);
  assert.match(logged[1], /cors\.origins/);
  assert.doesNotMatch(logged[1], /secret-value|app\.example\/path/);
});
