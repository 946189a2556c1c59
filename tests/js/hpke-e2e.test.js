// keyTransport 'hpke' end to end against real parts:
// - moto's KMS API (through @aws-sdk/client-kms) behind createBroker({ keyTransport: 'hpke' })
//   over node:http, the message then opened by @aws-crypto/client-node's KmsKeyringNode
//   talking to moto directly (the EDK is a real KMS ciphertext blob);
// - the broker as a Cloudflare Worker in workerd (Miniflare, no nodejs_compat: the
//   HPKE sealing runs on workerd's WebCrypto), EnvelopeClient in Node calling it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { mkdir, readFile } from 'node:fs/promises';
import * as esbuild from 'esbuild';
import { Miniflare } from 'miniflare';
import { KMSClient, KMS, CreateKeyCommand, CreateAliasCommand } from '@aws-sdk/client-kms';
import { buildClient, CommitmentPolicy, KmsKeyringNode } from '@aws-crypto/client-node';
import { EnvelopeClient, BrokerKeyring } from 'edge-kms';
import { createBroker } from 'edge-kms/broker';
import { serve } from 'edge-kms/broker/node';
import { rejectsCode } from './broker-helpers.js';
import { startMoto } from './servers.js';

const region = 'us-east-1';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const ec = { tenant: 'acme', app: 'hpke e2e' };
const text = (u8) => new TextDecoder().decode(u8);

let moto, kmsClient, server, keyArn, mf, workerUrl;
const outdir = fileURLToPath(new URL('../artifacts/hpke-workerd/', import.meta.url));
const WORKER = `
import { createBroker, createDevKms } from 'edge-kms/broker';
let broker;
export default {
  async fetch(request) {
    broker ??= createBroker({ kms: await createDevKms({ aliases: ['alias/demo'] }), devMode: true, basePath: '/kms', keyTransport: 'hpke' });
    return broker.fetch(request);
  },
};
`;

before(async () => {
  moto = await startMoto();
  kmsClient = new KMSClient({ region, endpoint: moto.endpoint, credentials });
  const k = (await kmsClient.send(new CreateKeyCommand({ Description: 'edge-kms hpke e2e' }))).KeyMetadata;
  await kmsClient.send(new CreateAliasCommand({ AliasName: 'alias/edge-kms-hpke', TargetKeyId: k.KeyId }));
  keyArn = k.Arn;
  const broker = createBroker({ kms: kmsClient, keyIds: ['alias/edge-kms-hpke'], authorize: () => true, keyTransport: 'hpke' });
  server = await serve(broker, { port: 0 });

  await mkdir(outdir, { recursive: true });
  await esbuild.build({
    stdin: { contents: WORKER, resolveDir: fileURLToPath(new URL('./', import.meta.url)), sourcefile: 'hpke-worker.js', loader: 'js' },
    bundle: true, format: 'esm', platform: 'neutral', conditions: ['workerd', 'worker', 'browser'],
    external: ['@aws-sdk/client-kms'], outfile: `${outdir}/worker.js`, logLevel: 'error',
  });
  mf = new Miniflare({
    modules: [{ type: 'ESModule', path: `${outdir}/worker.js`, contents: await readFile(`${outdir}/worker.js`, 'utf8') }],
    compatibilityDate: '2025-09-01', host: '127.0.0.1', port: 0,
  });
  workerUrl = (await mf.ready).toString().replace(/\/$/, '');
});

after(async () => {
  await server?.close();
  await moto?.stop();
  kmsClient?.destroy();
  await mf?.dispose();
});

test('moto: seal and open with data keys sealed to the client; KmsKeyringNode opens the message from moto', async () => {
  const keyring = new BrokerKeyring({ endpoint: server.url, keyId: 'alias/edge-kms-hpke', keyTransport: 'hpke' });
  const client = new EnvelopeClient({ keyring });
  for (const suite of ['AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384', 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY']) {
    const sealed = await new EnvelopeClient({ keyring, suite }).encrypt(`through moto, ${suite}`, { encryptionContext: ec });
    assert.equal(text((await client.decrypt(sealed, { encryptionContext: ec })).plaintext), `through moto, ${suite}`);
    const { decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
    const sdk = new KmsKeyringNode({ keyIds: [keyArn], clientProvider: () => new KMS({ region, endpoint: moto.endpoint, credentials }) });
    assert.equal(Buffer.from((await decrypt(sdk, sealed)).plaintext).toString(), `through moto, ${suite}`);
  }
  // the broker refuses a client that wants plaintext keys
  const e = await rejectsCode(new EnvelopeClient({ keyring: new BrokerKeyring({ endpoint: server.url, keyId: 'alias/edge-kms-hpke' }) }).encrypt('x'), 'BAD_REQUEST');
  assert.equal(e.kmsCode, 'RecipientRequired');
  // a required context the message does not have is refused before any KMS call
  const sealed = await client.encrypt('bound', { encryptionContext: ec });
  await rejectsCode(client.decrypt(sealed, { encryptionContext: { tenant: 'other' } }), 'ENCRYPTION_CONTEXT_MISMATCH');
});

test('workerd: the broker seals with workerd\'s WebCrypto and the client opens in its core', async () => {
  const keyring = new BrokerKeyring({ endpoint: `${workerUrl}/kms`, keyId: 'alias/demo', keyTransport: 'hpke' });
  const client = new EnvelopeClient({ keyring });
  const sealed = await client.encrypt('through workerd', { encryptionContext: ec });
  assert.equal(text((await client.decrypt(sealed, { encryptionContext: ec })).plaintext), 'through workerd');
  const raw = await fetch(`${workerUrl}/kms/generate-data-key`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keyId: 'alias/demo', numberOfBytes: 32 }) });
  assert.equal(raw.status, 400);
  assert.equal((await raw.json()).error.code, 'RecipientRequired');
  await rejectsCode(new EnvelopeClient({ keyring: new BrokerKeyring({ endpoint: `${workerUrl}/kms`, keyId: 'alias/demo' }) }).decrypt(sealed), 'BAD_REQUEST');
});
