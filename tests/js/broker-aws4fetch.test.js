// The broker's KMS client over aws4fetch (createAws4FetchKms) against a real
// KMS API: moto's KMS on 127.0.0.1, signed with aws4fetch's real AwsClient.
// Its answers must be interchangeable with @aws-sdk/client-kms's: blobs one
// client made, the other opens; KMS's exceptions keep their names; a KMS
// that cannot be reached is a retryable 503.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AwsClient } from 'aws4fetch';
import { KMSClient, CreateKeyCommand, CreateAliasCommand, DecryptCommand, GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import { BrokerKeyring, EnvelopeClient } from 'edge-kms';
import { createBroker, createAws4FetchKms } from 'edge-kms/broker';
import { serve } from 'edge-kms/broker/node';
import { rejectsCode } from './broker-helpers.js';
import { startMoto, freePort } from './servers.js';

const region = 'us-east-1';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
let moto, sdk, kms, keyArn, otherArn, server, records = [];

before(async () => {
  moto = await startMoto();
  sdk = new KMSClient({ region, endpoint: moto.endpoint, credentials });
  const k1 = (await sdk.send(new CreateKeyCommand({ Description: 'aws4fetch test' }))).KeyMetadata;
  const k2 = (await sdk.send(new CreateKeyCommand({ Description: 'aws4fetch other' }))).KeyMetadata;
  await sdk.send(new CreateAliasCommand({ AliasName: 'alias/a4f', TargetKeyId: k1.KeyId }));
  keyArn = k1.Arn;
  otherArn = k2.Arn;
  kms = createAws4FetchKms({ client: new AwsClient({ ...credentials, region }), endpoint: moto.endpoint });
  server = await serve(createBroker({
    kms,
    keyIds: ['alias/a4f', otherArn],
    authorize: (q) => (q.headers.get('authorization') === 'Bearer t' ? { allow: true, principal: 't' } : false),
    audit: (r) => { records.push(r); },
  }), { port: 0 });
});

after(async () => {
  await server?.close();
  await moto?.stop();
  sdk?.destroy();
});

const keyring = (keyId = 'alias/a4f', extra = {}) => new BrokerKeyring({ endpoint: `${server.url}/kms`, keyId, headers: { authorization: 'Bearer t' }, ...extra });
const ec = { tenant: 'acme', note: 'ünïcödé and spaces' };

test('aws4fetch KMS: the SDK shapes, blobs as Uint8Array, alias → key ARN', async () => {
  const d = await kms.call('DescribeKey', { KeyId: 'alias/a4f' });
  assert.equal(d.KeyMetadata.Arn, keyArn);
  const g = await kms.call('GenerateDataKey', { KeyId: keyArn, NumberOfBytes: 32, EncryptionContext: ec });
  assert.ok(g.Plaintext instanceof Uint8Array && g.Plaintext.length === 32);
  assert.ok(g.CiphertextBlob instanceof Uint8Array && g.CiphertextBlob.length > 32);
  assert.equal(g.KeyId, keyArn);
  // the SDK opens what aws4fetch's call produced, and the other way round
  const bySdk = await sdk.send(new DecryptCommand({ CiphertextBlob: g.CiphertextBlob, EncryptionContext: ec }));
  assert.deepEqual(new Uint8Array(bySdk.Plaintext), g.Plaintext);
  const fromSdk = await sdk.send(new GenerateDataKeyCommand({ KeyId: keyArn, NumberOfBytes: 32, EncryptionContext: ec }));
  const back = await kms.call('Decrypt', { KeyId: keyArn, CiphertextBlob: fromSdk.CiphertextBlob, EncryptionContext: ec });
  assert.deepEqual(back.Plaintext, new Uint8Array(fromSdk.Plaintext));
});

test('aws4fetch KMS: KMS exceptions keep their names; no KMS message is kept', async () => {
  const g = await kms.call('GenerateDataKey', { KeyId: keyArn, NumberOfBytes: 32, EncryptionContext: ec });
  const bad = await kms.call('Decrypt', { KeyId: keyArn, CiphertextBlob: g.CiphertextBlob, EncryptionContext: { tenant: 'other' } }).catch((e) => e);
  assert.equal(bad.name, 'InvalidCiphertextException');
  assert.equal(bad.$fault, 'client');
  assert.equal(bad.message, 'KMS: InvalidCiphertextException');
  const nf = await kms.call('DescribeKey', { KeyId: 'alias/nope' }).catch((e) => e);
  assert.equal(nf.name, 'NotFoundException');
});

test('broker over aws4fetch: seal and open through BrokerKeyring, errors as codes', async () => {
  const client = new EnvelopeClient({ keyring: keyring() });
  const sealed = await client.encrypt('through aws4fetch', { encryptionContext: ec });
  const { plaintext } = await client.decrypt(sealed, { encryptionContext: ec });
  assert.equal(new TextDecoder().decode(plaintext), 'through aws4fetch');
  const dk = await keyring().generateDataKey({ encryptionContext: ec });
  assert.equal(dk.keyId, keyArn);
  await rejectsCode(keyring().decryptDataKey({ keyId: dk.keyId, ciphertextBlob: dk.ciphertextBlob, encryptionContext: { tenant: 'x' } }), 'INVALID_CIPHERTEXT');
  await rejectsCode(keyring('alias/not-served').generateDataKey(), 'NOT_FOUND');
  const re = await keyring(otherArn).encryptDataKey({ plaintext: dk.plaintext, encryptionContext: ec });
  assert.equal(re.keyId, otherArn);
  assert.ok(records.some((r) => r.operation === 'Encrypt' && r.kmsKeyId === otherArn && r.outcome === 'allowed'));
});

test('broker over aws4fetch: an unreachable KMS is a retryable 503 KMSUnavailable', async () => {
  const port = await freePort();
  const gone = createAws4FetchKms({ client: new AwsClient(credentials), region, endpoint: `http://127.0.0.1:${port}` });
  const b = createBroker({ kms: gone, keyIds: [keyArn], authorize: () => true });
  const res = await b.fetch(new Request('http://localhost/kms/generate-data-key', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keyId: keyArn, numberOfBytes: 32 }) }));
  assert.equal(res.status, 503);
  assert.equal((await res.json()).error.code, 'KMSUnavailable');
});

test('createAws4FetchKms refuses plain http off loopback, a bad Region, a missing client', () => {
  const client = new AwsClient(credentials);
  assert.throws(() => createAws4FetchKms({ client, region, endpoint: 'http://kms.example.com' }), TypeError);
  assert.throws(() => createAws4FetchKms({ client, region: 'not a region' }), TypeError);
  assert.throws(() => createAws4FetchKms({ region }), TypeError);
  assert.equal(createAws4FetchKms({ client, region: 'eu-west-1' }).endpoint, 'https://kms.eu-west-1.amazonaws.com/');
  assert.equal(createAws4FetchKms({ client: new AwsClient({ ...credentials, region: 'ap-southeast-2' }) }).region, 'ap-southeast-2');
});
