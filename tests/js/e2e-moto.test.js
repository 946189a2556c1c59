// End to end against a real KMS API (issue 4): EnvelopeClient + BrokerKeyring
// → the broker (createBroker over a KMSClient) → moto's KMS on 127.0.0.1, and
// the AWS Encryption SDK for JavaScript (@aws-crypto/client-node, KmsKeyringNode
// talking to the same moto) on the other side, in both directions. Every KMS
// call the broker makes is counted at the KMSClient itself (a middleware), so
// "one GenerateDataKey" is what KMS saw, not what the client believes it asked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { KMSClient, KMS, CreateKeyCommand, CreateAliasCommand } from '@aws-sdk/client-kms';
import { buildClient, CommitmentPolicy, KmsKeyringNode } from '@aws-crypto/client-node';
import { EnvelopeClient, BrokerKeyring, parseMessage } from 'edge-kms';
import { createBroker } from 'edge-kms/broker';
import { serve } from 'edge-kms/broker/node';
import { rejectsCode } from './broker-helpers.js';
import { startMoto } from './servers.js';

const region = 'us-east-1';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const sdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const utf8 = new TextEncoder();
const text = new TextDecoder();

let moto, kmsClient, server, keyArn, refusedArn, missingArn;
/** Commands the broker's KMSClient sent to moto, in order. */
const kmsCalls = [];
/** The broker's audit records. */
const audit = [];

before(async () => {
  moto = await startMoto();
  kmsClient = new KMSClient({ region, endpoint: moto.endpoint, credentials });
  const key = (await kmsClient.send(new CreateKeyCommand({ Description: 'edge-kms e2e' }))).KeyMetadata;
  const refused = (await kmsClient.send(new CreateKeyCommand({ Description: 'edge-kms e2e, not served by the broker' }))).KeyMetadata;
  await kmsClient.send(new CreateAliasCommand({ AliasName: 'alias/e2e', TargetKeyId: key.KeyId }));
  keyArn = key.Arn;
  refusedArn = refused.Arn;
  missingArn = keyArn.replace(key.KeyId, '00000000-0000-4000-8000-000000000000'); // allow-listed, absent from KMS
  // Count at the KMS client, after setup: every command the broker sends from here on.
  kmsClient.middlewareStack.add((next, context) => (args) => { kmsCalls.push(context.commandName.replace(/Command$/, '')); return next(args); },
    { step: 'initialize', name: 'e2eCountKmsCalls' });
  server = await serve(createBroker({
    kms: kmsClient,
    keyIds: ['alias/e2e', missingArn],
    basePath: '/kms',
    authorize: (request, operation, keyId, ec) => {
      if (request.headers.get('authorization') !== 'Bearer e2e') return { allow: false, status: 401 };
      // A tenant may only use its own context (what a real app's authorize does).
      return { allow: operation === 'GetPublicKey' || ec.tenant === 'acme', principal: 'e2e-user' };
    },
    audit: (r) => { audit.push(r); },
  }), { port: 0 });
});

after(async () => {
  await server?.close();
  kmsClient?.destroy();
  await moto?.stop();
});

const keyring = (keyId = 'alias/e2e') => new BrokerKeyring({ endpoint: `${server.url}/kms`, keyId, headers: async () => ({ authorization: 'Bearer e2e' }), retries: 0 });
/** The SDK's KMS keyring, talking to moto directly (it holds "AWS credentials": it is the other party). */
const sdkKeyring = (opts) => new KmsKeyringNode({ ...opts, clientProvider: () => new KMS({ region, endpoint: moto.endpoint, credentials }) });
/**
 * Runs `fn` and returns the KMS operations it caused, leaving out DescribeKey
 * (the broker resolving its allow-list, cached for five minutes).
 */
async function kmsCallsDuring(fn) {
  const from = kmsCalls.length;
  await fn();
  return kmsCalls.slice(from).filter((c) => c !== 'DescribeKey');
}

const ec = { tenant: 'acme', purpose: 'e2e', 'unicode ключ': 'värde ✓' };

test('EnvelopeClient seals through the broker; the AWS Encryption SDK opens it with KmsKeyringNode and sees the context', async () => {
  for (const suite of ['AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384', 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY']) {
    const client = new EnvelopeClient({ keyring: keyring(), suite, frameLength: 4096 });
    const plaintext = utf8.encode(`sealed by edge-kms (${suite}) `.repeat(500)); // several frames, last one partial
    let sealed;
    assert.deepEqual(await kmsCallsDuring(async () => { sealed = await client.encrypt(plaintext, { encryptionContext: ec }); }), ['GenerateDataKey']);
    const info = await parseMessage(sealed);
    assert.equal(info.encryptedDataKeys.length, 1);
    assert.equal(info.encryptedDataKeys[0].providerId, 'aws-kms');
    assert.equal(text.decode(info.encryptedDataKeys[0].providerInfo), keyArn, 'the EDK names the key ARN KMS answered with, not the alias');
    assert.ok(info.frameCount > 1);

    const opened = await sdk.decrypt(sdkKeyring({ keyIds: [keyArn] }), sealed);
    assert.deepEqual(new Uint8Array(opened.plaintext), plaintext);
    const { encryptionContext: got } = opened.messageHeader;
    for (const [k, v] of Object.entries(ec)) assert.equal(got[k], v, `context pair ${k}`);
    assert.equal('aws-crypto-public-key' in got, suite.endsWith('ECDSA_P384'), 'the signed suite carries its public key in the context');
    assert.equal(opened.messageHeader.suiteId, suite.endsWith('ECDSA_P384') ? 0x0578 : 0x0478);
  }
});

test('the AWS Encryption SDK seals with KmsKeyringNode; EnvelopeClient opens it through the broker', async () => {
  const plaintext = utf8.encode('sealed by @aws-crypto/client-node');
  const { result } = await sdk.encrypt(sdkKeyring({ generatorKeyId: keyArn }), plaintext, { encryptionContext: ec });
  const client = new EnvelopeClient({ keyring: keyring() });
  let opened;
  assert.deepEqual(await kmsCallsDuring(async () => { opened = await client.decrypt(result, { encryptionContext: { tenant: 'acme' } }); }), ['Decrypt']);
  assert.deepEqual(opened.plaintext, plaintext);
  for (const [k, v] of Object.entries(ec)) assert.equal(opened.encryptionContext[k], v);
  assert.ok('aws-crypto-public-key' in opened.encryptionContext);
  const record = audit.findLast((r) => r.operation === 'Decrypt');
  assert.equal(record.outcome, 'allowed');
  assert.equal(record.kmsKeyId, keyArn);
  assert.equal(record.principal, 'e2e-user');
  assert.equal(record.encryptionContext.tenant, 'acme', 'the broker saw the message context (authorize decides on it)');
});

test('a required context pair the message lacks: ENCRYPTION_CONTEXT_MISMATCH', async () => {
  const client = new EnvelopeClient({ keyring: keyring() });
  const sealed = await client.encrypt('for acme only', { encryptionContext: { tenant: 'acme' } });
  for (const required of [{ tenant: 'globex' }, { tenant: 'acme', purpose: 'absent' }]) {
    const calls = await kmsCallsDuring(() => rejectsCode(client.decrypt(sealed, { encryptionContext: required }), 'ENCRYPTION_CONTEXT_MISMATCH'));
    assert.deepEqual(calls, [], 'refused from the header alone, before any KMS call');
  }
  // The same refusal for a message the SDK wrote.
  const { result } = await sdk.encrypt(sdkKeyring({ generatorKeyId: keyArn }), utf8.encode('sdk'), { encryptionContext: { tenant: 'acme' } });
  await rejectsCode(client.decrypt(result, { encryptionContext: { region: 'eu' } }), 'ENCRYPTION_CONTEXT_MISMATCH');
  // And the broker's authorize refuses a context it does not allow: ACCESS_DENIED, KMS never asked.
  const calls = await kmsCallsDuring(async () => {
    const err = await rejectsCode(client.encrypt('x', { encryptionContext: { tenant: 'globex' } }), 'ACCESS_DENIED');
    assert.equal(err.status, 403);
  });
  assert.deepEqual(calls, []);
});

test('a message whose EDK names a key outside the broker\'s allow-list: NOT_FOUND, and KMS is never asked', async () => {
  // The key exists in KMS and the SDK can use it, but this broker does not serve it.
  const { result } = await sdk.encrypt(sdkKeyring({ generatorKeyId: refusedArn }), utf8.encode('sealed under another key'), { encryptionContext: { tenant: 'acme' } });
  const info = await parseMessage(result);
  assert.equal(text.decode(info.encryptedDataKeys[0].providerInfo), refusedArn);
  const client = new EnvelopeClient({ keyring: keyring() }); // keyId is an alias: the broker decides
  const calls = await kmsCallsDuring(async () => {
    const err = await rejectsCode(client.decrypt(result, { encryptionContext: { tenant: 'acme' } }), 'NOT_FOUND');
    assert.equal(err.status, 404);
    assert.equal(err.kmsCode, 'NotFoundException');
  });
  assert.deepEqual(calls, [], 'no Decrypt reached KMS');
  assert.equal(audit.findLast((r) => r.operation === 'Decrypt').keyId, refusedArn);
  // The SDK itself opens it: the message is fine, the refusal was the broker's.
  assert.equal(text.decode((await sdk.decrypt(sdkKeyring({ keyIds: [refusedArn] }), result)).plaintext), 'sealed under another key');
  // A keyring pinned to an ARN never sends another key's EDK to the broker: NO_DECRYPTABLE_DATA_KEY, nothing sent.
  const pinned = new EnvelopeClient({ keyring: keyring(keyArn) });
  const before = audit.length;
  await rejectsCode(pinned.decrypt(result), 'NO_DECRYPTABLE_DATA_KEY');
  assert.equal(audit.length, before);
});

test('unknown keys: NOT_FOUND whether the broker or KMS does not know them', async () => {
  // Not on the allow-list (and not in KMS): the broker answers without asking KMS.
  let calls = await kmsCallsDuring(() => rejectsCode(new EnvelopeClient({ keyring: keyring('alias/no-such-key') }).encrypt('x', { encryptionContext: { tenant: 'acme' } }), 'NOT_FOUND'));
  assert.deepEqual(calls, []);
  // On the allow-list but absent from KMS: KMS's NotFoundException, same code for the caller.
  calls = await kmsCallsDuring(async () => {
    const err = await rejectsCode(new EnvelopeClient({ keyring: keyring(missingArn) }).encrypt('x', { encryptionContext: { tenant: 'acme' } }), 'NOT_FOUND');
    assert.equal(err.kmsCode, 'NotFoundException');
  });
  assert.deepEqual(calls, ['GenerateDataKey'], 'this one did reach KMS');
});

test('20 messages with the data-key cache cost one GenerateDataKey (and opening them one Decrypt); without it, 20', async () => {
  const plaintexts = Array.from({ length: 20 }, (_, i) => utf8.encode(`message ${i} `.repeat(i + 1)));
  const run = async (client) => {
    const sealed = [];
    const auditFrom = audit.length;
    const calls = await kmsCallsDuring(async () => {
      for (const p of plaintexts) sealed.push(await client.encrypt(p, { encryptionContext: { tenant: 'acme' } }));
    });
    const brokerGenerates = audit.slice(auditFrom).filter((r) => r.operation === 'GenerateDataKey' && r.outcome === 'allowed').length;
    return { sealed, kmsGenerates: calls.filter((c) => c === 'GenerateDataKey').length, brokerGenerates };
  };
  const cached = await run(new EnvelopeClient({ keyring: keyring(), cache: { maxAgeMs: 60_000, maxMessages: 100 } }));
  assert.equal(cached.kmsGenerates, 1, 'KMS saw one GenerateDataKey');
  assert.equal(cached.brokerGenerates, 1, 'the broker audited one GenerateDataKey');
  const edks = new Set(await Promise.all(cached.sealed.map(async (m) => Buffer.from((await parseMessage(m)).encryptedDataKeys[0].ciphertext).toString('hex'))));
  assert.equal(edks.size, 1, 'all 20 messages carry the same encrypted data key');
  const ids = new Set(await Promise.all(cached.sealed.map(async (m) => Buffer.from((await parseMessage(m)).messageId).toString('hex'))));
  assert.equal(ids.size, 20, 'and 20 distinct message ids (so 20 distinct derived keys)');

  const uncached = await run(new EnvelopeClient({ keyring: keyring() }));
  assert.equal(uncached.kmsGenerates, 20);
  assert.equal(uncached.brokerGenerates, 20);

  // Opening: a client with the cache asks KMS once for the 20 messages sharing one data key; without it, 20 times.
  for (const [cache, expected] of [[{ maxAgeMs: 60_000 }, 1], [undefined, 20]]) {
    const opener = new EnvelopeClient({ keyring: keyring(), cache });
    const calls = await kmsCallsDuring(async () => {
      for (const [i, m] of cached.sealed.entries()) assert.deepEqual((await opener.decrypt(m)).plaintext, plaintexts[i]);
    });
    assert.equal(calls.filter((c) => c === 'Decrypt').length, expected, `decrypt with cache ${JSON.stringify(cache)}`);
  }

  // Every message of both bursts opens in the SDK, each with its own plaintext.
  const sdkKr = sdkKeyring({ keyIds: [keyArn] });
  for (const [i, m] of [...cached.sealed, ...uncached.sealed].entries()) {
    assert.deepEqual(new Uint8Array((await sdk.decrypt(sdkKr, m)).plaintext), plaintexts[i % 20]);
  }
});

test('the cache holds its message limit exactly: maxMessages 5 → 4 GenerateDataKey for 20 messages', async () => {
  const client = new EnvelopeClient({ keyring: keyring(), cache: { maxAgeMs: 60_000, maxMessages: 5 } });
  const calls = await kmsCallsDuring(async () => {
    for (let i = 0; i < 20; i++) await client.encrypt(`m${i}`, { encryptionContext: { tenant: 'acme' } });
  });
  assert.equal(calls.filter((c) => c === 'GenerateDataKey').length, 4);
});

/** A stream of `bytes` in pieces of `size`, and the concatenation of a stream's chunks. */
const streamOf = (bytes, size) => new ReadableStream({
  start(c) { for (let i = 0; i < bytes.length; i += size) c.enqueue(bytes.slice(i, i + size)); c.close(); },
});
async function collect(stream) {
  const parts = [];
  await stream.pipeTo(new WritableStream({ write(c) { parts.push(c); } }));
  return new Uint8Array(Buffer.concat(parts));
}

test('streams through the broker: encryptStream → SDK decrypt, SDK encrypt → decryptStream', async () => {
  const plaintext = new Uint8Array(Buffer.alloc(300_000).map((_, i) => (i * 7) ^ (i >> 10)));
  const client = new EnvelopeClient({ keyring: keyring(), frameLength: 4096 });
  const sealed = await collect(streamOf(plaintext, 10_007).pipeThrough(client.encryptStream({ encryptionContext: ec })));
  assert.equal((await parseMessage(sealed)).frameCount, Math.ceil(plaintext.length / 4096));
  const opened = await sdk.decrypt(sdkKeyring({ keyIds: [keyArn] }), sealed);
  assert.deepEqual(new Uint8Array(opened.plaintext), plaintext);
  assert.equal(opened.messageHeader.encryptionContext.tenant, 'acme');

  const { result } = await sdk.encrypt(sdkKeyring({ generatorKeyId: keyArn }), plaintext, { encryptionContext: ec, frameLength: 4096 });
  assert.deepEqual(await collect(streamOf(result, 777).pipeThrough(client.decryptStream({ encryptionContext: { tenant: 'acme' } }))), plaintext);
  const calls = await kmsCallsDuring(() => rejectsCode(collect(streamOf(result, 777).pipeThrough(client.decryptStream({ encryptionContext: { tenant: 'globex' } }))), 'ENCRYPTION_CONTEXT_MISMATCH'));
  assert.deepEqual(calls, []);
  const damaged = result.slice();
  damaged[damaged.length >> 1] ^= 0x40;
  await rejectsCode(collect(streamOf(damaged, 777).pipeThrough(client.decryptStream())), 'TAMPERED');
});

test('when the broker or KMS is unreachable: BROKER_UNAVAILABLE, after the keyring\'s retries', async () => {
  const gone = new BrokerKeyring({ endpoint: 'http://127.0.0.1:9/kms', keyId: 'alias/e2e', retries: 1, timeoutMs: 5000 });
  await rejectsCode(new EnvelopeClient({ keyring: gone }).encrypt('x'), 'BROKER_UNAVAILABLE');
  // A broker whose KMS endpoint refuses connections answers 503 KMSUnavailable; the keyring retries once.
  const deadKms = new KMSClient({ region, endpoint: 'http://127.0.0.1:9', credentials, maxAttempts: 1 });
  const deadAudit = [];
  const dead = await serve(createBroker({ kms: deadKms, keyIds: [keyArn], authorize: () => true, audit: (r) => { deadAudit.push(r); } }), { port: 0 });
  try {
    const kr = new BrokerKeyring({ endpoint: `${dead.url}/kms`, keyId: keyArn, retries: 1, timeoutMs: 8000 });
    const err = await rejectsCode(new EnvelopeClient({ keyring: kr }).encrypt('x'), 'BROKER_UNAVAILABLE');
    assert.equal(err.status, 503);
    assert.equal(err.retryable, true);
    assert.equal(err.kmsCode, 'KMSUnavailable');
    assert.deepEqual(deadAudit.map((r) => `${r.operation} ${r.status} ${r.errorCode}`), ['GenerateDataKey 503 KMSUnavailable', 'GenerateDataKey 503 KMSUnavailable']);
  } finally {
    await dead.close();
    deadKms.destroy();
  }
});

test('audit records never hold key material', () => {
  assert.ok(audit.length >= 30, `${audit.length} records`);
  assert.ok(audit.some((r) => r.outcome === 'denied') && audit.some((r) => r.outcome === 'error'), 'refusals and KMS errors are audited too');
  for (const r of audit) {
    for (const k of Object.keys(r)) assert.ok(!/plaintext|ciphertext/i.test(k), `audit field ${k}`);
  }
});

// A concurrent burst (20 encrypts started together, as an app's Promise.all
// does): the misses join the one GenerateDataKey under way instead of each
// asking KMS (before the single flight in EnvelopeClient this measured 20).
test('a concurrent burst of 20 with the cache costs one GenerateDataKey', async () => {
  const client = new EnvelopeClient({ keyring: keyring(), cache: { maxAgeMs: 60_000, maxMessages: 100 } });
  const calls = await kmsCallsDuring(() => Promise.all(Array.from({ length: 20 }, (_, i) => client.encrypt(`m${i}`, { encryptionContext: { tenant: 'acme' } }))));
  assert.equal(calls.filter((c) => c === 'GenerateDataKey').length, 1);
});
