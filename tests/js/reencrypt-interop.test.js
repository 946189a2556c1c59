// reEncrypt against real peers (Node only): the reference AWS Encryption SDK
// (@aws-crypto/client-node) opens re-keyed messages with the new keyring and not
// with the old one (unless kept), for raw AES, raw RSA and multi-keyrings; messages
// the SDK wrote are re-keyed; and KMS through the broker on moto (python3 -m
// moto.server), checked by the SDK's own KmsKeyringNode talking to moto.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, constants } from 'node:crypto';
import {
  buildClient, CommitmentPolicy, AlgorithmSuiteIdentifier, RawAesKeyringNode, RawAesWrappingSuiteIdentifier,
  RawRsaKeyringNode, MultiKeyringNode, KmsKeyringNode,
} from '@aws-crypto/client-node';
import { KMSClient, KMS, CreateKeyCommand } from '@aws-sdk/client-kms';
import { EnvelopeClient, RawAesKeyring, RawRsaKeyring, MultiKeyring, BrokerKeyring, parseMessage } from 'edge-kms';
import { createBroker } from 'edge-kms/broker';
import { serve } from 'edge-kms/broker/node';
import { startMoto } from './servers.js';

const sdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const SUITES = ['AES_256_GCM_HKDF_SHA512_COMMIT_KEY', 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384'];
const ENGINES = ['wasm', 'native'];
const NS = 'edge-kms/reencrypt';
const CONTEXT = { tenant: 'acme', purpose: 'rotation' }; // ASCII: the SDK's default sorting agrees with ours
const pattern = (n) => { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = (i * 131 + 7) & 0xff; return b; };

const keyA = randomBytes(32), keyB = randomBytes(32);
const ourAes = (name, key) => new RawAesKeyring({ keyNamespace: NS, keyName: name, wrappingKey: key });
// RawAesKeyringNode zero-fills the key it is given: always hand it a copy.
const sdkAes = (name, key) => new RawAesKeyringNode({ keyNamespace: NS, keyName: name, unencryptedMasterKey: new Uint8Array(key), wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING });
const A = ourAes('aes-2026-01', keyA), B = ourAes('aes-2026-07', keyB);
const sdkA = () => sdkAes('aes-2026-01', keyA), sdkB = () => sdkAes('aes-2026-07', keyB);

const { publicKey: rsaPub, privateKey: rsaPriv } = generateKeyPairSync('rsa', {
  modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const ourRsa = new RawRsaKeyring({ keyNamespace: NS, keyName: 'rsa', padding: 'OAEP_SHA256', publicKey: rsaPub, privateKey: rsaPriv });
const sdkRsa = () => new RawRsaKeyringNode({ keyNamespace: NS, keyName: 'rsa', rsaKey: { publicKey: rsaPub, privateKey: rsaPriv }, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' });

/** The SDK opens `message` with `keyring` and gets `plaintext` and the context. */
async function sdkOpens(keyring, message, plaintext) {
  const { plaintext: got, messageHeader } = await sdk.decrypt(keyring, message);
  assert.deepEqual(new Uint8Array(got), plaintext);
  for (const [k, v] of Object.entries(CONTEXT)) assert.equal(messageHeader.encryptionContext[k], v);
}

/** The SDK refuses `message` with `keyring` (no encrypted data key it can open). */
async function sdkRefuses(keyring, message) {
  await assert.rejects(sdk.decrypt(keyring, message));
}

/** A message's structure and its frames (header and footer excluded), found by walking the frame heads. */
async function parts(message) {
  const info = await parseMessage(message);
  const view = new DataView(message.buffer, message.byteOffset, message.length);
  let at = info.headerLength;
  while (view.getUint32(at) !== 0xffffffff) at += 4 + 12 + info.frameLength + 16;
  at += 4 + 4 + 12 + 4 + view.getUint32(at + 20) + 16;
  assert.equal(info.signed ? at + 2 + view.getUint16(at) : at, message.length, 'the frames and footer fill the message');
  return { info, frames: message.subarray(info.headerLength, at) };
}

for (const engine of ENGINES) test(`raw AES A → B: the SDK opens with B, not with A; with A kept, with both [${engine}]`, async () => {
  for (const suite of SUITES) {
    for (const [frameLength, n] of [[4096, 0], [4096, 4096], [4096, 3 * 4096 + 11], [65536, 200_000]]) {
      const pt = pattern(n);
      const a = new EnvelopeClient({ keyring: A, suite, engine, frameLength });
      const original = await a.encrypt(pt, { encryptionContext: CONTEXT });
      const rekeyed = await a.reEncrypt(original, { keyring: B, encryptionContext: { tenant: 'acme' } });
      await sdkOpens(sdkB(), rekeyed, pt);
      await sdkRefuses(sdkA(), rekeyed);
      const [po, pr] = [await parts(original), await parts(rekeyed)];
      assert.deepEqual(pr.frames, po.frames, `${suite} ${n}: frames byte for byte`);
      assert.deepEqual(pr.info.messageId, po.info.messageId);
      const kept = await a.reEncrypt(original, { keyring: new MultiKeyring({ generator: B, children: [A] }) });
      await sdkOpens(sdkA(), kept, pt);
      await sdkOpens(sdkB(), kept, pt);
    }
  }
});

for (const engine of ENGINES) test(`raw RSA and multi-keyrings: AES → RSA, AES → {RSA, B}, and the SDK's MultiKeyringNode [${engine}]`, async () => {
  for (const suite of SUITES) {
    const pt = pattern(70_000);
    const a = new EnvelopeClient({ keyring: A, suite, engine });
    const original = await a.encrypt(pt, { encryptionContext: CONTEXT });
    const toRsa = await a.reEncrypt(original, { keyring: ourRsa });
    await sdkOpens(sdkRsa(), toRsa, pt);
    await sdkRefuses(sdkA(), toRsa);
    const toBoth = await a.reEncrypt(original, { keyring: new MultiKeyring({ generator: ourRsa, children: [B] }) });
    await sdkOpens(sdkRsa(), toBoth, pt);
    await sdkOpens(sdkB(), toBoth, pt);
    await sdkOpens(new MultiKeyringNode({ children: [sdkA(), sdkB()] }), toBoth, pt);
    await sdkRefuses(sdkA(), toBoth);
    // And back: the RSA holder re-keys to A.
    const back = await new EnvelopeClient({ keyring: ourRsa, engine }).reEncrypt(toRsa, { keyring: A });
    await sdkOpens(sdkA(), back, pt);
  }
});

test('messages the SDK wrote (0x0478 and 0x0578, 4096-byte frames) are re-keyed; the SDK opens the result with the new keyring', async () => {
  const S = AlgorithmSuiteIdentifier;
  for (const suiteId of [S.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY, S.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384]) {
    const pt = pattern(10_000);
    const { result } = await sdk.encrypt(new MultiKeyringNode({ generator: sdkA(), children: [sdkRsa()] }), pt, { encryptionContext: CONTEXT, suiteId });
    const original = new Uint8Array(result);
    for (const engine of ENGINES) {
      const rekeyed = await new EnvelopeClient({ keyring: A, engine }).reEncrypt(original, { keyring: B });
      await sdkOpens(sdkB(), rekeyed, pt);
      await sdkRefuses(sdkA(), rekeyed);
      await sdkRefuses(sdkRsa(), rekeyed);
      const [po, pr] = [await parts(original), await parts(rekeyed)];
      assert.deepEqual(pr.frames, po.frames);
      assert.equal(pr.info.frameLength, 4096);
    }
  }
});

/** Pipes `bytes` through the TransformStream `ts` in `size`-byte chunks. */
async function through(ts, bytes, size) {
  const chunks = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  const out = [];
  await new ReadableStream({ pull(c) { const x = chunks.shift(); if (x) c.enqueue(x); else c.close(); } })
    .pipeThrough(ts).pipeTo(new WritableStream({ write(x) { out.push(x); } }));
  return new Uint8Array(Buffer.concat(out));
}

for (const engine of ENGINES) test(`reEncryptStream of SDK-written messages (both committing suites): the SDK opens the result with B only [${engine}]`, async () => {
  const S = AlgorithmSuiteIdentifier;
  for (const suiteId of [S.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY, S.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384]) {
    const pt = pattern(50_000);
    const original = new Uint8Array((await sdk.encrypt(sdkA(), pt, { encryptionContext: CONTEXT, suiteId })).result);
    const rekeyed = await through(new EnvelopeClient({ keyring: A, engine }).reEncryptStream({ keyring: B, encryptionContext: { tenant: 'acme' } }), original, 7000);
    await sdkOpens(sdkB(), rekeyed, pt);
    await sdkRefuses(sdkA(), rekeyed);
    assert.deepEqual((await parts(rekeyed)).frames, (await parts(original)).frames);
  }
});

test('a tampered SDK message is refused (TAMPERED), nothing returned', async () => {
  const { result } = await sdk.encrypt(sdkA(), pattern(5000), { encryptionContext: CONTEXT });
  const bad = new Uint8Array(result);
  bad[bad.length - 300] ^= 1; // inside the last frame (the footer is ~105 bytes)
  for (const engine of ENGINES) {
    await assert.rejects(new EnvelopeClient({ keyring: A, engine }).reEncrypt(bad, { keyring: B }), { name: 'EdgeKmsError', code: 'TAMPERED' });
  }
});

// KMS through the broker on moto.
const region = 'us-east-1';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
let moto, kmsClient, server, arnA, arnB;
const clientProvider = () => new KMS({ region, endpoint: moto.endpoint, credentials });

before(async () => {
  moto = await startMoto();
  kmsClient = new KMSClient({ region, endpoint: moto.endpoint, credentials });
  arnA = (await kmsClient.send(new CreateKeyCommand({ Description: 'reencrypt A' }))).KeyMetadata.Arn;
  arnB = (await kmsClient.send(new CreateKeyCommand({ Description: 'reencrypt B' }))).KeyMetadata.Arn;
  const broker = createBroker({ kms: kmsClient, keyIds: [arnA, arnB], authorize: () => ({ allow: true, principal: 'test' }) });
  server = await serve(broker, { port: 0 });
});
after(async () => {
  await server?.close();
  await moto?.stop();
  kmsClient?.destroy();
});

const brokerKey = (keyId) => new BrokerKeyring({ endpoint: `${server.url}/kms`, keyId });

for (const engine of ENGINES) test(`KMS key A → KMS key B through the broker on moto: KmsKeyringNode opens with B, not with A; raw AES → KMS; KMS + raw AES [${engine}]`, async () => {
  for (const suite of SUITES) {
    const pt = pattern(100_000);
    const a = new EnvelopeClient({ keyring: brokerKey(arnA), suite, engine });
    const original = await a.encrypt(pt, { encryptionContext: CONTEXT });
    const rekeyed = await a.reEncrypt(original, { keyring: brokerKey(arnB) });
    const info = await parseMessage(rekeyed);
    assert.deepEqual(info.encryptedDataKeys.map((e) => [e.providerId, new TextDecoder().decode(e.providerInfo)]), [['aws-kms', arnB]]);
    await sdkOpens(new KmsKeyringNode({ keyIds: [arnB], clientProvider }), rekeyed, pt);
    await sdkRefuses(new KmsKeyringNode({ keyIds: [arnA], clientProvider }), rekeyed);
    assert.deepEqual((await new EnvelopeClient({ keyring: brokerKey(arnB), engine }).decrypt(rekeyed)).plaintext, pt);
    assert.deepEqual((await parts(rekeyed)).frames, (await parts(original)).frames);
    // A raw AES message moved to KMS, and a KMS message given a raw AES escrow key as well.
    const fromAes = await new EnvelopeClient({ keyring: A, suite, engine }).reEncrypt(
      await new EnvelopeClient({ keyring: A, suite, engine }).encrypt(pt, { encryptionContext: CONTEXT }), { keyring: brokerKey(arnB) });
    await sdkOpens(new KmsKeyringNode({ keyIds: [arnB], clientProvider }), fromAes, pt);
    const escrow = await a.reEncrypt(original, { keyring: new MultiKeyring({ generator: brokerKey(arnA), children: [B] }) });
    await sdkOpens(new KmsKeyringNode({ keyIds: [arnA], clientProvider }), escrow, pt);
    await sdkOpens(sdkB(), escrow, pt);
  }
});
