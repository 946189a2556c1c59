// End to end in workerd (issue 4): a Worker that imports edge-kms, bundled by
// esbuild with the `workerd` condition and run by Miniflare without
// nodejs_compat (Web APIs only), seals and opens AWS Encryption SDK messages
// through a broker: a Node `serve` on 127.0.0.1 over the development KMS,
// reached with workerd's own fetch. Node opens what the Worker sealed and the
// Worker opens what Node sealed, through the same broker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { mkdir, copyFile, readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import * as esbuild from 'esbuild';
import { Miniflare } from 'miniflare';
import { EnvelopeClient, BrokerKeyring, parseMessage, DEFAULT_FRAME_LENGTH } from 'edge-kms';
import { createBroker, createDevKms } from 'edge-kms/broker';
import { serve } from 'edge-kms/broker/node';
import { rejectsCode } from './broker-helpers.js';

const outdir = fileURLToPath(new URL('../artifacts/e2e-workerd/', import.meta.url));
let mf, brokerServer, worker, kms;
const audit = [];

before(async () => {
  kms = await createDevKms({ signingKeys: [] });
  brokerServer = await serve(createBroker({
    kms,
    keyIds: ['alias/demo'],
    basePath: '/kms',
    authorize: (q) => {
      const who = { 'Bearer worker': 'worker', 'Bearer node': 'node' }[q.headers.get('authorization')];
      return who ? { allow: true, principal: who } : { allow: false, status: 401 };
    },
    audit: (r) => { audit.push(r); },
  }), { port: 0 });

  await mkdir(outdir, { recursive: true });
  await esbuild.build({
    entryPoints: [fileURLToPath(new URL('./e2e/workerd-client.js', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    outfile: `${outdir}/worker.js`,
    logLevel: 'error',
    // The wasm stays a separate module next to the bundle, as wrangler does.
    plugins: [{
      name: 'wasm-module',
      setup(build) {
        build.onResolve({ filter: /\.wasm$/ }, async (args) => {
          const src = resolve(args.resolveDir, args.path);
          await copyFile(src, `${outdir}/${basename(src)}`);
          return { path: `./${basename(src)}`, external: true };
        });
      },
    }],
  });
  const code = await readFile(`${outdir}/worker.js`, 'utf8');
  // The modules the workerd entry bundles: all seven, each imported as a compiled module
  // ('edge-kms/lean' bundles three: workerd-modules.test.js).
  const shipped = ['envelope-full', 'verify', 'ecdsa', 'rsa', 'rare', 'jwt', 'kms']; // envelope-full does envelope's work too
  for (const m of shipped) {
    assert.match(code, new RegExp(`from\\s*["']\\./${m}_bg\\.wasm["']`), `the workerd entry imports the ${m} module as a compiled module`);
  }
  assert.equal(code.match(/from\s*["']\.\/[a-z-]+_bg\.wasm["']/g)?.length, shipped.length, 'and no other module');
  mf = new Miniflare({
    modules: [
      { type: 'ESModule', path: `${outdir}/worker.js`, contents: code },
      ...await Promise.all(shipped.map(async (m) => (
        { type: 'CompiledWasm', path: `${outdir}/${m}_bg.wasm`, contents: await readFile(`${outdir}/${m}_bg.wasm`) }))),
    ],
    compatibilityDate: '2025-09-01',
    bindings: { BROKER: `${brokerServer.url}/kms`, TOKEN: 'Bearer worker' },
  });
  await mf.ready;
  worker = async (path, body) => (await mf.dispatchFetch(`http://worker.local${path}`, { method: 'POST', body: JSON.stringify(body) })).json();
});

after(async () => {
  // A Miniflare whose runtime never started can leave dispose() pending for
  // ever (seen once): the test file must still end, with its failures.
  await Promise.race([mf?.dispose(), new Promise((ok) => setTimeout(ok, 10_000).unref())]);
  await brokerServer?.close();
});

const nodeClient = () => new EnvelopeClient({ keyring: new BrokerKeyring({ endpoint: `${brokerServer.url}/kms`, keyId: 'alias/demo', headers: { authorization: 'Bearer node' }, retries: 0 }) });
const ec = { tenant: 'acme', from: 'workerd' };

test('workerd seals through the broker; Node opens it through the same broker', async () => {
  const from = audit.length;
  const out = await worker('/seal', { text: 'sealed inside workerd', encryptionContext: ec });
  assert.equal(out.error, undefined, out.error);
  assert.equal(out.roundTrip, true, 'the Worker opened its own message');
  const sealed = Buffer.from(out.message, 'base64');
  const info = await parseMessage(sealed);
  assert.equal(new TextDecoder().decode(info.encryptedDataKeys[0].providerInfo), kms.keyArn('alias/demo'));
  const { plaintext, encryptionContext } = await nodeClient().decrypt(sealed, { encryptionContext: ec });
  assert.equal(new TextDecoder().decode(plaintext), 'sealed inside workerd');
  assert.equal(encryptionContext.from, 'workerd');
  const ops = audit.slice(from).map((r) => `${r.principal} ${r.operation} ${r.outcome}`);
  assert.deepEqual(ops, ['worker GenerateDataKey allowed', 'worker Decrypt allowed', 'node Decrypt allowed']);
});

test('a 1 MiB message sealed in workerd by its WebCrypto engine opens in Node, byte for byte', async () => {
  const out = await worker('/seal', { bytes: 2 ** 20 + 17, seed: 99, encryptionContext: ec, engine: 'native', frameLength: 65536 });
  assert.equal(out.roundTrip, true, out.error);
  assert.equal(out.frameCount, 17, '16 full 64 KiB frames and a final one of 17 bytes');
  const byDefault = await worker('/seal', { bytes: 2 ** 20 + 17, seed: 99, encryptionContext: ec, engine: 'native' });
  assert.equal(byDefault.roundTrip, true, byDefault.error);
  assert.equal(byDefault.frameCount, 2, 'one full 1 MiB frame (the default) and a final one of 17 bytes');
  const { plaintext } = await nodeClient().decrypt(Buffer.from(out.message, 'base64'));
  assert.equal(plaintext.length, 2 ** 20 + 17);
  assert.equal(createHash('sha256').update(plaintext).digest('base64'), out.plaintextSha256);
});

test('Node seals; workerd opens, and refuses with the right code', async () => {
  const client = nodeClient();
  const sealed = await client.encrypt('sealed in Node', { encryptionContext: { tenant: 'acme' } });
  const message = Buffer.from(sealed).toString('base64');
  assert.deepEqual(await worker('/open', { message, required: { tenant: 'acme' } }), { text: 'sealed in Node', encryptionContext: (await parseMessage(sealed)).encryptionContext });
  assert.deepEqual(await worker('/open', { message, required: { tenant: 'globex' } }), { error: 'ENCRYPTION_CONTEXT_MISMATCH' });
  const flipped = Buffer.from(sealed);
  flipped[flipped.length - 120] ^= 1; // inside the body's tag or the footer signature
  assert.deepEqual(await worker('/open', { message: flipped.toString('base64') }), { error: 'TAMPERED' });
  assert.deepEqual(await worker('/open', { message, token: 'Bearer nobody' }), { error: 'ACCESS_DENIED' });
  await rejectsCode(client.decrypt(flipped), 'TAMPERED');
});

test('workerd with the data-key cache: 10 messages, one GenerateDataKey at the broker', async () => {
  const from = audit.length;
  const out = await worker('/burst', { n: 10 });
  assert.equal(out.messages?.length, 10, out.error);
  assert.equal(audit.slice(from).filter((r) => r.operation === 'GenerateDataKey').length, 1);
  const client = nodeClient();
  for (const [i, m] of out.messages.entries()) {
    assert.equal(new TextDecoder().decode((await client.decrypt(Buffer.from(m, 'base64'))).plaintext), `burst ${i}`);
  }
});

test('a Worker seals an upload as it streams in, and opens a message as it streams in (8 MiB)', async () => {
  const size = 8 * 2 ** 20 + 3;
  const plaintext = new Uint8Array(size).map((_, i) => (i * 13) ^ (i >> 11));
  const context = { tenant: 'acme', upload: 'stream' };
  const sealedRes = await mf.dispatchFetch('http://worker.local/seal-stream', { method: 'POST', body: plaintext, headers: { 'x-encryption-context': JSON.stringify(context) } });
  assert.equal(sealedRes.status, 200);
  const sealed = new Uint8Array(await sealedRes.arrayBuffer());
  const info = await parseMessage(sealed);
  assert.equal(info.frameCount, Math.floor(size / DEFAULT_FRAME_LENGTH) + 1);
  const { plaintext: back, encryptionContext } = await nodeClient().decrypt(sealed, { encryptionContext: context });
  assert.equal(encryptionContext.upload, 'stream');
  assert.equal(createHash('sha256').update(back).digest('hex'), createHash('sha256').update(plaintext).digest('hex'));

  const nodeSealed = await nodeClient().encrypt(plaintext, { encryptionContext: context });
  const openedRes = await mf.dispatchFetch('http://worker.local/open-stream', { method: 'POST', body: nodeSealed, headers: { 'x-encryption-context': JSON.stringify({ tenant: 'acme' }) } });
  const opened = new Uint8Array(await openedRes.arrayBuffer());
  assert.equal(opened.length, size);
  assert.equal(createHash('sha256').update(opened).digest('hex'), createHash('sha256').update(plaintext).digest('hex'));
});
