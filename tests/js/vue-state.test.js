// The package's objects kept in Vue state, as a Vue or Pinia app keeps them
// (`reactive`, `ref`; a Pinia store's state is `reactive`), with Vue's own
// reactivity package. Vue wraps every extensible object it reads out of such
// state in a Proxy, and a Proxy has none of the object's private state: a
// `RawAesKeyring` read back from state was "not a keyring", and a
// `KmsPublicKey`'s `verify` threw a bare TypeError (its `keySpec` an
// INTERNAL "please report it"). Instances are frozen now, as `EnvelopeClient`
// and `BrokerKeyring` already were, and Vue keeps frozen objects as they are.
// A Proxy made by hand still cannot stand in for one: it gets a coded error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isReactive, reactive, ref } from '@vue/reactivity';
import { BrokerKeyring, EnvelopeClient, KmsPublicKey, KmsRsaPublicKeyring, MultiKeyring, RawAesKeyring, RawRsaKeyring } from 'edge-kms';

const UNSIGNED = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const aes = () => new RawAesKeyring({ keyNamespace: 'vue', keyName: 'aes', wrappingKey: randomBytes(32) });

/** A round trip through a client made from `keyring`. @param {any} keyring @param {string} [suite] */
async function roundTrip(keyring, suite) {
  const client = new EnvelopeClient({ keyring, ...(suite ? { suite } : {}) });
  const pt = randomBytes(100);
  const { plaintext } = await client.decrypt(await client.encrypt(pt));
  assert.deepEqual(Buffer.from(plaintext), pt);
}

/** @param {string} code */
const coded = (code) => (/** @type {any} */ e) => e?.code === code && /Proxy/.test(e.message);

test('a keyring kept in Vue state is still a keyring when read back', async () => {
  const keyrings = {
    RawAesKeyring: aes(),
    RawRsaKeyring: new RawRsaKeyring({ keyNamespace: 'vue', keyName: 'rsa', publicKey: rsa.publicKey, privateKey: rsa.privateKey }),
    MultiKeyring: new MultiKeyring({ generator: aes(), children: [aes()] }),
  };
  const state = reactive({ ...keyrings });
  for (const [name, k] of Object.entries(keyrings)) {
    const read = /** @type {any} */ (state)[name];
    assert.equal(isReactive(read), false, name);
    assert.equal(read, k, name);
    await roundTrip(read, name === 'RawRsaKeyring' ? UNSIGNED : undefined);
    await roundTrip(ref(k).value, name === 'RawRsaKeyring' ? UNSIGNED : undefined);
  }
  // A keyring that only seals to a KMS RSA key's public half; and the broker's, frozen before.
  const kmsRsa = new KmsRsaPublicKeyring({ keyId: 'arn:aws:kms:us-east-1:111122223333:key/vue', publicKey: rsa.publicKey });
  const broker = new BrokerKeyring({ endpoint: 'http://127.0.0.1:9/', keyId: 'alias/vue' });
  const more = reactive({ kmsRsa, broker, children: [kmsRsa] });
  assert.equal(more.kmsRsa, kmsRsa);
  assert.equal(more.children[0], kmsRsa);
  assert.equal(more.broker, broker);
  const sealed = await new EnvelopeClient({ keyring: more.kmsRsa, suite: UNSIGNED }).encrypt(randomBytes(10));
  assert.ok(sealed.length > 10);
  new EnvelopeClient({ keyring: more.broker }); // eslint-disable-line no-new
});

test('a client and a KmsPublicKey kept in Vue state work', async () => {
  const client = new EnvelopeClient({ keyring: aes() });
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const key = new KmsPublicKey(publicKey.export({ type: 'spki', format: 'der' }));
  const state = reactive({ client, key });
  for (const c of [state.client, ref(client).value]) {
    const pt = randomBytes(3000);
    const sealed = await c.encrypt(pt, { encryptionContext: { app: 'vue' } });
    assert.deepEqual(Buffer.from((await c.decrypt(sealed, { encryptionContext: { app: 'vue' } })).plaintext), pt);
    const streamed = await new Response(new Blob([pt]).stream().pipeThrough(c.encryptStream())).arrayBuffer();
    const opened = await new Response(new Blob([streamed]).stream().pipeThrough(c.decryptStream())).arrayBuffer();
    assert.deepEqual(Buffer.from(opened), pt);
    c.clearCache();
  }
  const message = new TextEncoder().encode('signed in KMS');
  const signature = sign('sha256', message, privateKey);
  for (const k of [state.key, ref(key).value]) {
    assert.equal(k.keySpec, 'ECC_NIST_P256');
    assert.equal(await k.verify({ signingAlgorithm: 'ECDSA_SHA_256', message, signature }), true);
    assert.equal(k.verifySync({ signingAlgorithm: 'ECDSA_SHA_256', message, signature }), true);
    assert.equal(await k.verify({ signingAlgorithm: 'ECDSA_SHA_256', message: randomBytes(8), signature }), false);
  }
});

test('a Proxy made by hand gets a coded INVALID_ARGUMENT, not a TypeError', async () => {
  const client = new Proxy(new EnvelopeClient({ keyring: aes() }), {});
  await assert.rejects(client.encrypt(randomBytes(8)), coded('INVALID_ARGUMENT'));
  await assert.rejects(client.decrypt(randomBytes(8)), coded('INVALID_ARGUMENT'));
  await assert.rejects(client.reEncrypt(randomBytes(8), { keyring: aes() }), coded('INVALID_ARGUMENT'));
  for (const m of ['encryptStream', 'decryptStream', 'clearCache']) assert.throws(() => client[m](), coded('INVALID_ARGUMENT'), m);
  assert.throws(() => client.reEncryptStream({ keyring: aes() }), coded('INVALID_ARGUMENT'));

  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const key = new Proxy(new KmsPublicKey(publicKey.export({ type: 'spki', format: 'der' })), {});
  const opts = { signingAlgorithm: 'ECDSA_SHA_256', message: randomBytes(8), signature: randomBytes(64) };
  assert.throws(() => key.keySpec, coded('INVALID_ARGUMENT'));
  assert.throws(() => key.verifySync(opts), coded('INVALID_ARGUMENT'));
  await assert.rejects(key.verify(opts), coded('INVALID_ARGUMENT'));

  // A Proxy of a local keyring is still refused (it would be handed the module's bindings).
  assert.throws(() => new EnvelopeClient({ keyring: new Proxy(aes(), {}) }), coded('INVALID_ARGUMENT'));

  // A Proxy of a BrokerKeyring passes as a KMS keyring (those are duck-typed); its calls are
  // INVALID_ARGUMENT before any request, and so is the client's call that makes them (helper-53).
  const broker = new Proxy(new BrokerKeyring({ endpoint: 'http://127.0.0.1:9/', keyId: 'alias/vue', retries: 0 }), {});
  await assert.rejects(broker.generateDataKey({ numberOfBytes: 32 }), coded('INVALID_ARGUMENT'));
  await assert.rejects(broker.decryptDataKey({ keyId: 'alias/vue', ciphertextBlob: new Uint8Array(8) }), coded('INVALID_ARGUMENT'));
  await assert.rejects(broker.encryptDataKey({ plaintext: new Uint8Array(32) }), coded('INVALID_ARGUMENT'));
  await assert.rejects(broker.getPublicKey(), coded('INVALID_ARGUMENT'));
  await assert.rejects(broker.sign({ message: new Uint8Array(1), signingAlgorithm: 'ECDSA_SHA_256' }), coded('INVALID_ARGUMENT'));
  await assert.rejects(new EnvelopeClient({ keyring: broker }).encrypt(randomBytes(8)), coded('INVALID_ARGUMENT'));
});

test('a subclass of a keyring or key may still add its own fields', async () => {
  class Labelled extends RawAesKeyring {
    /** @param {any} o */
    constructor(o) {
      super(o);
      this.label = 'tenant keyring';
    }
  }
  const k = new Labelled({ keyNamespace: 'vue', keyName: 'sub', wrappingKey: randomBytes(32) });
  assert.equal(k.label, 'tenant keyring');
  assert.throws(() => { /** @type {any} */ (k).keyName = 'other'; }, TypeError); // what the handle is made from stays read-only
  await roundTrip(k);
  for (const k2 of [aes(), new MultiKeyring({ generator: aes() })]) assert.equal(Object.isFrozen(k2), true);

  class NamedKey extends KmsPublicKey {
    /** @param {any} spki */
    constructor(spki) {
      super(spki);
      this.name = 'signing key';
    }
  }
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  assert.equal(new NamedKey(publicKey.export({ type: 'spki', format: 'der' })).keySpec, 'ECC_NIST_P384');
});
