// The broker against a real KMS API: moto's KMS on 127.0.0.1, reached with
// @aws-sdk/client-kms, and interoperability with the AWS Encryption SDK
// (@aws-crypto/client-node) in both directions: an encrypted data key the
// SDK's KmsKeyringNode wrote into a message is opened through the broker, and
// a ciphertext blob the broker handed out is opened by the SDK's KMS client.
// (moto serves disabled keys, so key states are tested against the dev KMS.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { KMSClient, KMS, CreateKeyCommand, CreateAliasCommand, DecryptCommand, EncryptCommand } from '@aws-sdk/client-kms';
import { buildClient, CommitmentPolicy, KmsKeyringNode } from '@aws-crypto/client-node';
import { deserializeFactory } from '@aws-crypto/serialize';
import { NodeAlgorithmSuite } from '@aws-crypto/material-management';
import { BrokerKeyring } from 'edge-kms';
import { createBroker } from 'edge-kms/broker';
import { serve } from 'edge-kms/broker/node';
import { rejectsCode } from './broker-helpers.js';
import { startMoto } from './servers.js';

const region = 'us-east-1';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
let moto, endpoint, client, server, keyring, keyArn, otherArn, records = [];

before(async () => {
  moto = await startMoto();
  ({ endpoint } = moto);

  client = new KMSClient({ region, endpoint, credentials });
  const k1 = (await client.send(new CreateKeyCommand({ Description: 'edge-kms broker test' }))).KeyMetadata;
  const k2 = (await client.send(new CreateKeyCommand({ Description: 'edge-kms other key' }))).KeyMetadata;
  await client.send(new CreateAliasCommand({ AliasName: 'alias/edge-kms-test', TargetKeyId: k1.KeyId }));
  keyArn = k1.Arn;
  otherArn = k2.Arn;
  const missing = keyArn.replace(k1.KeyId, '00000000-0000-4000-8000-000000000000');
  const broker = createBroker({
    kms: client,
    keyIds: ['alias/edge-kms-test', otherArn, missing],
    authorize: (request) => (request.headers.get('authorization') === 'Bearer test' ? { allow: true, principal: 'test' } : false),
    audit: (r) => { records.push(r); },
  });
  server = await serve(broker, { port: 0 });
  keyring = new BrokerKeyring({ endpoint: `${server.url}/kms`, keyId: 'alias/edge-kms-test', headers: async () => ({ authorization: 'Bearer test' }) });
});

after(async () => {
  await server?.close();
  await moto?.stop();
  client?.destroy();
});

const ec = { tenant: 'acme', 'aws-crypto-like': 'value with spaces and ünïcödé' };

test('generate → decrypt → encrypt → decrypt through the broker with an encryption context', async () => {
  const dk = await keyring.generateDataKey({ encryptionContext: ec, numberOfBytes: 32 });
  assert.equal(dk.keyId, keyArn, 'the alias resolves to the key ARN');
  assert.equal(dk.plaintext.length, 32);
  const back = await keyring.decryptDataKey({ keyId: dk.keyId, ciphertextBlob: dk.ciphertextBlob, encryptionContext: ec });
  assert.deepEqual(back.plaintext, dk.plaintext);
  assert.equal(back.keyId, keyArn);
  const re = await keyring.encryptDataKey({ plaintext: dk.plaintext, encryptionContext: ec });
  assert.equal(re.keyId, keyArn);
  const back2 = await keyring.decryptDataKey({ keyId: re.keyId, ciphertextBlob: re.ciphertextBlob, encryptionContext: ec });
  assert.deepEqual(back2.plaintext, dk.plaintext);
  assert.equal((await keyring.generateDataKey({ numberOfBytes: 64 })).plaintext.length, 64);
});

test('context mismatch, wrong key, unknown key: KMS errors surface as codes', async () => {
  const dk = await keyring.generateDataKey({ encryptionContext: ec });
  await rejectsCode(keyring.decryptDataKey({ keyId: dk.keyId, ciphertextBlob: dk.ciphertextBlob, encryptionContext: { tenant: 'other' } }), 'INVALID_CIPHERTEXT');
  // Real KMS answers IncorrectKeyException here; moto answers AccessDeniedException.
  const wrong = await rejectsCode(keyring.decryptDataKey({ keyId: otherArn, ciphertextBlob: dk.ciphertextBlob, encryptionContext: ec }), 'ACCESS_DENIED');
  assert.equal(wrong.kmsCode, 'AccessDeniedException');
  const missing = keyArn.replace(/key\/.*/, 'key/00000000-0000-4000-8000-000000000000');
  const nf = await rejectsCode(new BrokerKeyring({ endpoint: `${server.url}/kms`, keyId: missing, headers: { authorization: 'Bearer test' } }).generateDataKey(), 'NOT_FOUND');
  assert.equal(nf.status, 404);
  await rejectsCode(new BrokerKeyring({ endpoint: `${server.url}/kms`, keyId: 'alias/not-served', headers: { authorization: 'Bearer test' } }).generateDataKey(), 'NOT_FOUND');
  await rejectsCode(new BrokerKeyring({ endpoint: `${server.url}/kms`, keyId: 'alias/edge-kms-test' }).generateDataKey(), 'ACCESS_DENIED');
});

/** A clientProvider for the Encryption SDK that talks to moto. */
const clientProvider = () => new KMS({ region, endpoint, credentials });

test('interop: an EDK written by @aws-crypto/client-node (KmsKeyringNode) is opened through the broker', async () => {
  const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const sdkKeyring = new KmsKeyringNode({ generatorKeyId: keyArn, clientProvider });
  const plaintext = new TextEncoder().encode('hello from the AWS Encryption SDK');
  const { result } = await encrypt(sdkKeyring, plaintext, { encryptionContext: { tenant: 'acme' } });
  const header = deserializeFactory((b) => Buffer.from(b).toString('utf8'), NodeAlgorithmSuite).deserializeMessageHeader(result);
  const { encryptedDataKeys, encryptionContext } = header.messageHeader;
  assert.equal(encryptedDataKeys.length, 1);
  const edk = encryptedDataKeys[0];
  assert.equal(edk.providerId, 'aws-kms');
  assert.equal(edk.providerInfo, keyArn);
  assert.ok('aws-crypto-public-key' in encryptionContext, 'the signed suite adds its public key to the context');
  // The broker decrypts with the message's full encryption context, as the SDK does.
  const dk = await keyring.decryptDataKey({ keyId: edk.providerInfo, ciphertextBlob: edk.encryptedDataKey, encryptionContext });
  assert.equal(dk.keyId, keyArn);
  assert.equal(dk.plaintext.length, 32, 'suite 0x0578 has a 32-byte data key');
  // Without the context KMS refuses: the context is bound, not decorative.
  await rejectsCode(keyring.decryptDataKey({ keyId: edk.providerInfo, ciphertextBlob: edk.encryptedDataKey, encryptionContext: { tenant: 'acme' } }), 'INVALID_CIPHERTEXT');
  const opened = await decrypt(sdkKeyring, result);
  assert.deepEqual(new Uint8Array(opened.plaintext), plaintext);
});

test('interop: a data key from the broker is opened by the SDK\'s KMS client, and vice versa', async () => {
  const dk = await keyring.generateDataKey({ encryptionContext: ec, numberOfBytes: 32 });
  const viaSdk = await client.send(new DecryptCommand({ CiphertextBlob: dk.ciphertextBlob, EncryptionContext: ec }));
  assert.equal(viaSdk.KeyId, keyArn);
  assert.deepEqual(new Uint8Array(viaSdk.Plaintext), dk.plaintext);
  await assert.rejects(client.send(new DecryptCommand({ CiphertextBlob: dk.ciphertextBlob, EncryptionContext: { tenant: 'acme' } })), { name: 'InvalidCiphertextException' });
  const sdkBlob = (await client.send(new EncryptCommand({ KeyId: keyArn, Plaintext: dk.plaintext, EncryptionContext: ec }))).CiphertextBlob;
  const viaBroker = await keyring.decryptDataKey({ keyId: keyArn, ciphertextBlob: sdkBlob, encryptionContext: ec });
  assert.deepEqual(viaBroker.plaintext, dk.plaintext);
});

test('interop: a message whose data key came from the broker is opened by KmsKeyringNode', async () => {
  // The SDK's keyring asks "KMS" for a data key; this client answers with
  // what the broker generated (same key, the message's context), so the
  // message's EDK is the broker's ciphertext blob. A plain KmsKeyringNode
  // talking to moto must then open the message.
  let brokered = 0;
  const viaBroker = () => {
    const kms = clientProvider();
    kms.generateDataKey = async ({ KeyId, NumberOfBytes, EncryptionContext }) => {
      assert.equal(KeyId, keyArn);
      brokered++;
      const dk = await keyring.generateDataKey({ encryptionContext: EncryptionContext, numberOfBytes: NumberOfBytes });
      return { KeyId: dk.keyId, Plaintext: dk.plaintext, CiphertextBlob: dk.ciphertextBlob };
    };
    return kms;
  };
  const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const plaintext = new TextEncoder().encode('sealed with a data key from the broker');
  const { result } = await encrypt(new KmsKeyringNode({ generatorKeyId: keyArn, clientProvider: viaBroker }), plaintext, { encryptionContext: { tenant: 'acme' } });
  assert.equal(brokered, 1);
  const opened = await decrypt(new KmsKeyringNode({ keyIds: [keyArn], clientProvider }), result);
  assert.deepEqual(new Uint8Array(opened.plaintext), plaintext);
  assert.equal(opened.messageHeader.encryptionContext.tenant, 'acme');
});

test('the broker as a Worker in workerd over a KMSClient (bundled like wrangler) talks to the same KMS', async () => {
  const { fileURLToPath } = await import('node:url');
  const esbuild = await import('esbuild');
  const { Miniflare } = await import('miniflare');
  const WORKER = `
    import { KMSClient } from '@aws-sdk/client-kms';
    import { createBroker } from 'edge-kms/broker';
    let broker;
    export default {
      fetch(request, env) {
        broker ??= createBroker({
          kms: new KMSClient({ region: 'us-east-1', endpoint: env.KMS_ENDPOINT, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } }),
          keyIds: [env.KEY_ID],
          authorize: (req) => req.headers.get('authorization') === 'Bearer worker',
        });
        return broker.fetch(request);
      },
    };`;
  const built = await esbuild.build({
    stdin: { contents: WORKER, resolveDir: fileURLToPath(new URL('./', import.meta.url)), sourcefile: 'kms-worker.js', loader: 'js' },
    bundle: true, format: 'esm', platform: 'browser', conditions: ['workerd', 'worker', 'browser'], write: false, outfile: 'kms-worker.js', logLevel: 'error',
  });
  const mf = new Miniflare({
    modules: [{ type: 'ESModule', path: fileURLToPath(new URL('../artifacts/kms-worker.js', import.meta.url)), contents: built.outputFiles[0].text }],
    compatibilityDate: '2025-09-01',
    bindings: { KMS_ENDPOINT: endpoint, KEY_ID: 'alias/edge-kms-test' },
    host: '127.0.0.1',
    port: 0,
  });
  try {
    const url = (await mf.ready).toString().replace(/\/$/, '');
    const kr = new BrokerKeyring({ endpoint: url, keyId: 'alias/edge-kms-test', headers: { authorization: 'Bearer worker' } });
    const dk = await kr.generateDataKey({ encryptionContext: ec });
    assert.equal(dk.keyId, keyArn);
    // opened by the Node broker and by the SDK: one KMS, three clients
    assert.deepEqual((await keyring.decryptDataKey({ keyId: dk.keyId, ciphertextBlob: dk.ciphertextBlob, encryptionContext: ec })).plaintext, dk.plaintext);
    assert.deepEqual(new Uint8Array((await client.send(new DecryptCommand({ CiphertextBlob: dk.ciphertextBlob, EncryptionContext: ec }))).Plaintext), dk.plaintext);
    await rejectsCode(kr.decryptDataKey({ keyId: dk.keyId, ciphertextBlob: dk.ciphertextBlob, encryptionContext: {} }), 'INVALID_CIPHERTEXT');
    await rejectsCode(new BrokerKeyring({ endpoint: url, keyId: 'alias/edge-kms-test' }).generateDataKey(), 'ACCESS_DENIED');
  } finally {
    await mf.dispose();
  }
});

test('audit records name the caller and the key, never the key material', () => {
  assert.ok(records.length >= 10);
  for (const r of records) {
    assert.ok(!('plaintext' in r) && !('ciphertextBlob' in r));
    assert.ok(['allowed', 'denied', 'error'].includes(r.outcome));
  }
  assert.ok(records.some((r) => r.outcome === 'denied' && r.status === 403));
  assert.ok(records.filter((r) => r.outcome === 'allowed').every((r) => r.principal === 'test' && r.kmsKeyId === keyArn));
});
