// The broker as a Cloudflare Worker: a Worker that imports edge-kms/broker
// and serves it over an in-memory dev KMS is bundled like wrangler does
// (esbuild, `workerd` condition) and run in workerd by Miniflare, without
// nodejs_compat, so only Web APIs are available (WebCrypto AES-GCM and
// ECDSA/RSA signing). BrokerKeyring calls it from Node over real HTTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { mkdir } from 'node:fs/promises';
import { createPublicKey, verify } from 'node:crypto';
import * as esbuild from 'esbuild';
import { Miniflare } from 'miniflare';
import { BrokerKeyring } from 'edge-kms';
import { rejectsCode } from './broker-helpers.js';

const outdir = fileURLToPath(new URL('../artifacts/broker-workerd/', import.meta.url));
const WORKER = `
import { createBroker, createDevKms } from 'edge-kms/broker';
// BrokerKeyring as a Worker uses it (the module itself: the package entry would also bring the wasm core)
import { BrokerKeyring } from '../../pkg/broker-keyring.js';

let ready;
const audit = [];
function setup() {
  ready ??= createDevKms({ aliases: ['alias/demo', 'alias/other'], signingKeys: ['ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'RSA_2048', 'ECC_NIST_EDWARDS25519', 'ML_DSA_44'] }).then((kms) => ({
    kms,
    broker: createBroker({
      kms,
      devMode: true,
      basePath: '/kms',
      cors: { origins: ['https://app.example'] },
      audit: (r) => { audit.push(r); },
    }),
  }));
  return ready;
}

export default {
  async fetch(request) {
    const { kms, broker } = await setup();
    const url = new URL(request.url);
    // test-only admin routes, to drive key states from the test
    if (url.pathname === '/admin/state') {
      const { keyId, state } = await request.json();
      await kms.call(state === 'Disabled' ? 'DisableKey' : state === 'PendingDeletion' ? 'ScheduleKeyDeletion' : 'EnableKey', { KeyId: keyId });
      return Response.json({ ok: true });
    }
    if (url.pathname === '/admin/audit') return Response.json(audit);
    if (url.pathname === '/client') {
      // The Worker as a client: BrokerKeyring on workerd's fetch against a broker elsewhere.
      const { endpoint, authorization } = await request.json();
      const kr = new BrokerKeyring({ endpoint, keyId: 'alias/demo', headers: async () => ({ authorization }), timeoutMs: 5000 });
      const out = {};
      const ec = { from: 'workerd' };
      const dk = await kr.generateDataKey({ encryptionContext: ec, numberOfBytes: 32 });
      const back = await kr.decryptDataKey({ keyId: dk.keyId, ciphertextBlob: dk.ciphertextBlob, encryptionContext: ec });
      out.roundTrip = dk.plaintext.length === 32 && back.plaintext.every((b, i) => b === dk.plaintext[i]);
      out.keyId = dk.keyId;
      for (const [name, fn] of [
        ['contextMismatch', () => kr.decryptDataKey({ keyId: dk.keyId, ciphertextBlob: dk.ciphertextBlob, encryptionContext: {} })],
        ['unauthenticated', () => new BrokerKeyring({ endpoint, keyId: 'alias/demo' }).generateDataKey()],
        ['unknownKey', () => new BrokerKeyring({ endpoint, keyId: 'alias/nope', headers: { authorization } }).generateDataKey()],
        ['refused', () => new BrokerKeyring({ endpoint: 'http://127.0.0.1:9/kms', keyId: 'alias/demo', retries: 1 }).generateDataKey()],
      ]) {
        try { await fn(); out[name] = 'resolved'; } catch (e) { out[name] = e.code ?? e.name; }
      }
      return Response.json(out);
    }
    return broker.fetch(request);
  },
};
`;

let mf, url, keyring;

before(async () => {
  await mkdir(outdir, { recursive: true });
  await esbuild.build({
    stdin: { contents: WORKER, resolveDir: fileURLToPath(new URL('./', import.meta.url)), sourcefile: 'broker-worker.js', loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    // Imported lazily, only for a real KMSClient, which this Worker does
    // not use; a Worker that does bundles @aws-sdk/client-kms instead.
    external: ['@aws-sdk/client-kms'],
    outfile: `${outdir}/worker.js`,
    logLevel: 'error',
  });
  // The module list is given explicitly: Miniflare's module walker would
  // insist on rules for the lazy imports that this Worker never executes.
  const { readFile } = await import('node:fs/promises');
  mf = new Miniflare({
    modules: [{ type: 'ESModule', path: `${outdir}/worker.js`, contents: await readFile(`${outdir}/worker.js`, 'utf8') }],
    compatibilityDate: '2025-09-01',
    host: '127.0.0.1',
    port: 0,
  });
  url = (await mf.ready).toString().replace(/\/$/, '');
  keyring = new BrokerKeyring({ endpoint: `${url}/kms`, keyId: 'alias/demo' });
});

after(() => mf?.dispose());

const ec = { tenant: 'acme' };

test('workerd: generate → decrypt → encrypt → decrypt with the context', async () => {
  const dk = await keyring.generateDataKey({ encryptionContext: ec, numberOfBytes: 32 });
  assert.match(dk.keyId, /^arn:aws:kms:us-east-1:111122223333:key\//);
  const back = await keyring.decryptDataKey({ keyId: dk.keyId, ciphertextBlob: dk.ciphertextBlob, encryptionContext: ec });
  assert.deepEqual(back.plaintext, dk.plaintext);
  const re = await keyring.encryptDataKey({ plaintext: dk.plaintext, encryptionContext: ec });
  assert.deepEqual((await keyring.decryptDataKey({ keyId: re.keyId, ciphertextBlob: re.ciphertextBlob, encryptionContext: ec })).plaintext, dk.plaintext);
});

test('workerd: context mismatch, wrong key, unknown key, refused requests', async () => {
  const dk = await keyring.generateDataKey({ encryptionContext: ec });
  await rejectsCode(keyring.decryptDataKey({ keyId: dk.keyId, ciphertextBlob: dk.ciphertextBlob, encryptionContext: { tenant: 'x' } }), 'INVALID_CIPHERTEXT');
  const other = await new BrokerKeyring({ endpoint: `${url}/kms`, keyId: 'alias/other' }).generateDataKey();
  await rejectsCode(keyring.decryptDataKey({ keyId: other.keyId, ciphertextBlob: dk.ciphertextBlob, encryptionContext: ec }), 'INCORRECT_KEY');
  await rejectsCode(new BrokerKeyring({ endpoint: `${url}/kms`, keyId: 'alias/nope' }).generateDataKey(), 'NOT_FOUND');
  const r = await fetch(`${url}/kms/generate-data-key`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
  assert.equal(r.status, 415);
  assert.equal((await r.json()).error.code, 'UnsupportedMediaType');
  const big = await fetch(`${url}/kms/decrypt`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keyId: 'alias/demo', ciphertextBlob: 'A'.repeat(40_000) }) });
  assert.equal(big.status, 413);
});

test('workerd: key states through the Worker', async () => {
  const kr = new BrokerKeyring({ endpoint: `${url}/kms`, keyId: 'alias/other' });
  const state = (s) => fetch(`${url}/admin/state`, { method: 'POST', body: JSON.stringify({ keyId: 'alias/other', state: s }) });
  await state('Disabled');
  await rejectsCode(kr.generateDataKey(), 'KMS_KEY_DISABLED');
  await state('Enabled');
  await kr.generateDataKey();
  await state('PendingDeletion');
  await rejectsCode(kr.generateDataKey(), 'KMS_INVALID_STATE');
});

test('workerd: CORS preflight for the configured origin only', async () => {
  const ok = await fetch(`${url}/kms/decrypt`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
  assert.equal(ok.status, 204);
  assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example');
  const no = await fetch(`${url}/kms/decrypt`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
  assert.equal(no.status, 403);
  assert.equal(no.headers.get('access-control-allow-origin'), null);
});

test('workerd: WebCrypto signing keys (ECDSA P-256/384/521 in DER, RSA PSS and PKCS#1) verify with node:crypto', async () => {
  const message = new TextEncoder().encode('signed inside workerd');
  for (let i = 0; i < 5; i++) for (const [alias, alg, opts] of [['alias/sign-ecc-nist-p256', 'ECDSA_SHA_256', {}], ['alias/sign-ecc-nist-p384', 'ECDSA_SHA_384', {}], ['alias/sign-ecc-nist-p521', 'ECDSA_SHA_512', {}], ['alias/sign-rsa-2048', 'RSASSA_PSS_SHA_384', { padding: 6, saltLength: 48 }], ['alias/sign-rsa-2048', 'RSASSA_PKCS1_V1_5_SHA_256', null]]) {
    const call = (path, body) => fetch(`${url}/kms/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
    const pk = await call('public-key', { keyId: alias });
    const key = createPublicKey({ key: Buffer.from(pk.publicKey, 'base64'), format: 'der', type: 'spki' });
    const s = await call('sign', { keyId: alias, message: Buffer.from(message).toString('base64'), signingAlgorithm: alg });
    assert.ok(s.signature, JSON.stringify(s));
    assert.ok(verify(`sha${alg.slice(-3)}`, message, opts ? { key, ...opts } : key, Buffer.from(s.signature, 'base64')), `${alias} ${alg}`);
  }
});

test('workerd: Ed25519 (WebCrypto) signs RAW and signJwt makes EdDSA tokens; what needs the optional @noble packages is UnsupportedOperationException there', async () => {
  const { signJwt } = await import('edge-kms');
  const call = (path, body) => fetch(`${url}/kms/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const pk = await (await call('public-key', { keyId: 'alias/sign-ecc-nist-edwards25519' })).json();
  assert.deepEqual([pk.keySpec, pk.signingAlgorithms], ['ECC_NIST_EDWARDS25519', ['ED25519_SHA_512', 'ED25519_PH_SHA_512']]);
  const key = createPublicKey({ key: Buffer.from(pk.publicKey, 'base64'), format: 'der', type: 'spki' });
  const message = new TextEncoder().encode('signed inside workerd');
  const s = await (await call('sign', { keyId: 'alias/sign-ecc-nist-edwards25519', message: Buffer.from(message).toString('base64'), signingAlgorithm: 'ED25519_SHA_512' })).json();
  assert.equal(verify(null, message, key, Buffer.from(s.signature, 'base64')), true);
  const keyring = new BrokerKeyring({ endpoint: `${url}/kms`, keyId: 'alias/sign-ecc-nist-edwards25519' });
  const token = await signJwt({ sub: 'workerd' }, { keyring, alg: 'EdDSA' });
  const [h, p, sig] = token.split('.');
  assert.equal(JSON.parse(Buffer.from(h, 'base64url').toString()).alg, 'EdDSA');
  assert.equal(verify(null, Buffer.from(`${h}.${p}`), key, Buffer.from(sig, 'base64url')), true);
  // Ed25519ph and ML-DSA need @noble/*, which a Worker without them cannot import
  const { createHash } = await import('node:crypto');
  const digest = createHash('sha512').update('x').digest('base64');
  const ph = await call('sign', { keyId: 'alias/sign-ecc-nist-edwards25519', message: digest, messageType: 'DIGEST', signingAlgorithm: 'ED25519_PH_SHA_512', signingInput: Buffer.from('x').toString('base64') });
  assert.equal((await ph.json()).error.code, 'UnsupportedOperationException');
  const ml = await call('public-key', { keyId: 'alias/sign-ml-dsa-44' });
  assert.equal((await ml.json()).error.code, 'UnsupportedOperationException');
});

test('workerd: an RSA encryption key (WebCrypto RSA-OAEP) opens data keys sealed to its public key', async () => {
  const { publicEncrypt, constants, createHash } = await import('node:crypto');
  const pk = await (await fetch(`${url}/kms/public-key`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keyId: 'alias/encrypt-rsa-2048' }) })).json();
  assert.equal(pk.keyUsage, 'ENCRYPT_DECRYPT');
  const key = createPublicKey({ key: Buffer.from(pk.publicKey, 'base64'), format: 'der', type: 'spki' });
  // as KmsRsaPublicKeyring seals: SHA-384(serialized context) ‖ data key; the broker checks the digest
  const context = { tenant: 'acme' };
  const serialized = Buffer.from([0, 1, 0, 6, ...Buffer.from('tenant'), 0, 4, ...Buffer.from('acme')]);
  const dataKey = new Uint8Array(Buffer.concat([createHash('sha384').update(serialized).digest(), Buffer.alloc(32, 0x5a)]));
  const kr = new BrokerKeyring({ endpoint: `${url}/kms`, keyId: pk.keyId });
  for (const [alg, oaepHash] of [['RSAES_OAEP_SHA_256', 'sha256'], ['RSAES_OAEP_SHA_1', 'sha1']]) {
    const sealed = new Uint8Array(publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, dataKey));
    assert.deepEqual((await kr.decryptDataKey({ ciphertextBlob: sealed, encryptionContext: context, encryptionAlgorithm: alg })).plaintext, dataKey, alg);
    await rejectsCode(kr.decryptDataKey({ ciphertextBlob: sealed, encryptionContext: { tenant: 'other' }, encryptionAlgorithm: alg }), 'ENCRYPTION_CONTEXT_MISMATCH');
  }
});

test('workerd as the client: BrokerKeyring on workerd\'s fetch against a Node broker', async () => {
  const { createBroker, createDevKms } = await import('edge-kms/broker');
  const { serve } = await import('edge-kms/broker/node');
  const kms = await createDevKms({ signingKeys: [] });
  const broker = createBroker({ kms, keyIds: ['alias/demo'], authorize: (q) => (q.headers.get('authorization') === 'Bearer w' ? { allow: true, principal: 'w' } : { allow: false, status: 401 }) });
  const node = await serve(broker, { port: 0 });
  try {
    const r = await fetch(`${url}/client`, { method: 'POST', body: JSON.stringify({ endpoint: `${node.url}/kms`, authorization: 'Bearer w' }) });
    const out = await r.json();
    assert.deepEqual(out, { roundTrip: true, keyId: kms.keyArn('alias/demo'), contextMismatch: 'INVALID_CIPHERTEXT', unauthenticated: 'ACCESS_DENIED', unknownKey: 'NOT_FOUND', refused: 'BROKER_UNAVAILABLE' });
  } finally {
    await node.close();
  }
});

test('workerd: audit records carry no key material', async () => {
  const dk = await keyring.generateDataKey({ encryptionContext: ec });
  const records = await (await fetch(`${url}/admin/audit`)).text();
  assert.ok(records.includes('GenerateDataKey'));
  assert.ok(!records.includes(Buffer.from(dk.plaintext).toString('base64')));
});
