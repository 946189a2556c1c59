// A required encryption context must fail closed. Found by the final attack of
// session 4: contextArrays read the caller's context with Object.entries, so a
// Map, URLSearchParams, a class instance, inherited or non-enumerable pairs all
// read as `{}`: decrypt's "the message must hold these pairs" check then
// required nothing and returned the plaintext, and encrypt with a Map wrote a
// message with no context at all. Anything but a plain object (of any realm)
// is now refused with INVALID_ENCRYPTION_CONTEXT, on every API that takes one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import vm from 'node:vm';
import { EnvelopeClient, RawAesKeyring, BrokerKeyring } from '../../pkg/entry-node.js';
import { createDevKms } from 'edge-kms/broker';

const SUITES = ['AES_256_GCM_HKDF_SHA512_COMMIT_KEY', 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384'];
const keyring = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: randomBytes(32) });
const other = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k2', wrappingKey: randomBytes(32) });

class Ctx { constructor() { this.tenant = 'acme'; } }
/** Contexts that say "tenant = acme" to a reader but are not plain objects. */
const notPlain = {
  Map: () => new Map([['tenant', 'acme']]),
  URLSearchParams: () => new URLSearchParams('tenant=acme'),
  'class instance': () => new Ctx(),
  'inherited pair': () => Object.create({ tenant: 'acme' }),
  'non-enumerable pair': () => Object.defineProperty({}, 'tenant', { value: 'acme', enumerable: false }),
  'symbol key': () => ({ [Symbol('tenant')]: 'acme' }),
  'getter-only class': () => new (class { get tenant() { return 'acme'; } })(),
  // From a review of the fix (helper, same day): traps can show a pair to the
  // caller and hide it from the reads; every Proxy is refused now.
  'Proxy whose ownKeys names a pair it has no descriptor for': () => new Proxy({}, { ownKeys: () => ['tenant'], get: (_, k) => (k === 'tenant' ? 'acme' : undefined) }),
  'Proxy hiding its pairs from ownKeys': () => new Proxy({ tenant: 'acme' }, { ownKeys: () => [] }),
  'Proxy of an object with inherited pairs, lying about its prototype': () => new Proxy(Object.create({ tenant: 'acme' }), { getPrototypeOf: () => Object.prototype }),
  'Proxy of a plain object with nothing to hide': () => new Proxy({ tenant: 'acme' }, {}),
  'null-prototype object under a fake Object.prototype': () => {
    const proto = Object.create(null);
    proto.constructor = Object;
    proto.tenant = 'acme';
    return Object.create(proto);
  },
};

async function collect(readable) {
  const parts = [];
  for await (const c of readable) parts.push(c);
  return Buffer.concat(parts);
}

/** Runs bytes through the stream `make` returns; rejects with the error of either its construction or its run. */
async function through(make, bytes) {
  const ts = make();
  const w = ts.writable.getWriter();
  const out = collect(ts.readable);
  await Promise.all([w.write(bytes).then(() => w.close()), out]);
  return out;
}

for (const suite of SUITES) {
  const client = new EnvelopeClient({ keyring, suite, frameLength: 1024 });
  const plaintext = randomBytes(3000);
  // A message sealed with NO context: any required pair must make decryption fail.
  const bare = await client.encrypt(plaintext);

  test(`${suite}: the control: a plain required pair the message lacks is refused, one it holds is accepted`, async () => {
    await assert.rejects(client.decrypt(bare, { encryptionContext: { tenant: 'acme' } }), { code: 'ENCRYPTION_CONTEXT_MISMATCH' });
    const sealed = await client.encrypt(plaintext, { encryptionContext: { tenant: 'acme' } });
    assert.deepEqual(Buffer.from((await client.decrypt(sealed, { encryptionContext: { tenant: 'acme' } })).plaintext), plaintext);
  });

  for (const [name, make] of Object.entries(notPlain)) {
    test(`${suite}: a required context given as ${name} is refused, never read as {}`, async () => {
      await assert.rejects(client.decrypt(bare, { encryptionContext: make() }), { code: 'INVALID_ENCRYPTION_CONTEXT' });
      await assert.rejects(through(() => client.decryptStream({ encryptionContext: make() }), bare), { code: 'INVALID_ENCRYPTION_CONTEXT' });
      await assert.rejects(client.reEncrypt(bare, { keyring: other, encryptionContext: make() }), { code: 'INVALID_ENCRYPTION_CONTEXT' });
      await assert.rejects(through(() => client.reEncryptStream({ keyring: other, encryptionContext: make() }), bare), { code: 'INVALID_ENCRYPTION_CONTEXT' });
      await assert.rejects(client.encrypt(plaintext, { encryptionContext: make() }), { code: 'INVALID_ENCRYPTION_CONTEXT' });
      await assert.rejects(through(() => client.encryptStream({ encryptionContext: make() }), plaintext), { code: 'INVALID_ENCRYPTION_CONTEXT' });
    });
  }
}

test('plain objects of another realm and null-prototype objects are contexts', async () => {
  const client = new EnvelopeClient({ keyring, suite: SUITES[0], frameLength: 1024 });
  const plaintext = randomBytes(100);
  const foreign = vm.runInNewContext('({ tenant: "acme", stage: "prod" })');
  assert.notEqual(Object.getPrototypeOf(foreign), Object.prototype);
  const sealed = await client.encrypt(plaintext, { encryptionContext: foreign });
  const nullProto = Object.assign(Object.create(null), { tenant: 'acme' });
  const opened = await client.decrypt(sealed, { encryptionContext: nullProto });
  assert.deepEqual(Buffer.from(opened.plaintext), plaintext);
  assert.deepEqual({ ...opened.encryptionContext }, { tenant: 'acme', stage: 'prod' });
  // ...and a foreign realm's Map is still refused.
  await assert.rejects(client.decrypt(sealed, { encryptionContext: vm.runInNewContext('new Map([["tenant", "acme"]])') }), { code: 'INVALID_ENCRYPTION_CONTEXT' });
});

test('a getter that throws while the context is read is INVALID_ENCRYPTION_CONTEXT, not the getter\'s error', async () => {
  const client = new EnvelopeClient({ keyring, frameLength: 1024 });
  const ec = { get tenant() { throw new Error('secret detail'); } };
  const err = await client.encrypt(randomBytes(10), { encryptionContext: ec }).catch((e) => e);
  assert.equal(err.code, 'INVALID_ENCRYPTION_CONTEXT');
  assert.doesNotMatch(err.message, /secret detail/);
});

test('BrokerKeyring and the dev KMS refuse a non-plain context too (Decrypt must not need less than was sealed)', async () => {
  const kms = await createDevKms({ aliases: ['alias/demo'], signingKeys: [], encryptionKeys: [] });
  const blob = (await kms.call('Encrypt', { KeyId: 'alias/demo', Plaintext: randomBytes(32) })).CiphertextBlob;
  // The control: a plain required pair the blob lacks fails; a Map of it must fail too, not read as {}.
  await assert.rejects(kms.call('Decrypt', { CiphertextBlob: blob, EncryptionContext: { tenant: 'acme' } }), { name: 'InvalidCiphertextException' });
  await assert.rejects(kms.call('Decrypt', { CiphertextBlob: blob, EncryptionContext: new Map([['tenant', 'acme']]) }), { name: 'ValidationException' });
  assert.equal((await kms.call('Decrypt', { CiphertextBlob: blob })).Plaintext.length, 32);
  const broker = new BrokerKeyring({ endpoint: 'http://127.0.0.1:9/kms', keyId: 'alias/x', retries: 0 });
  // BrokerKeyring's own calls have always answered a bad context with INVALID_ARGUMENT (a stable code).
  await assert.rejects(broker.generateDataKey({ encryptionContext: new Map([['tenant', 'acme']]) }), { code: 'INVALID_ARGUMENT', message: /plain object/ });
});

test('a polluted Object.prototype (this realm or another) makes contexts refused, not read without the inherited pair', async () => {
  const client = new EnvelopeClient({ keyring, suite: SUITES[0], frameLength: 1024 });
  const bare = await client.encrypt(randomBytes(10));
  Object.prototype.tenant = 'acme'; // eslint-disable-line no-extend-native
  try {
    const err = await client.decrypt(bare, { encryptionContext: {} }).catch((e) => e);
    assert.equal(err.code, 'INVALID_ENCRYPTION_CONTEXT');
  } finally {
    delete Object.prototype.tenant;
  }
  const foreign = vm.runInNewContext('Object.prototype.tenant = "acme"; ({})');
  await assert.rejects(client.decrypt(bare, { encryptionContext: foreign }), { code: 'INVALID_ENCRYPTION_CONTEXT' });
  assert.equal((await client.decrypt(bare, { encryptionContext: {} })).plaintext.length, 10); // and unpolluted, {} requires nothing
});

test('a getter that answers differently on each read is read once', async () => {
  const client = new EnvelopeClient({ keyring, suite: SUITES[0], frameLength: 1024 });
  let reads = 0;
  const shifty = { get tenant() { return reads++ === 0 ? 'a' : 'b'; } };
  const sealed = await client.encrypt(randomBytes(10), { encryptionContext: shifty });
  assert.equal(reads, 1, 'the getter ran once');
  assert.equal((await client.decrypt(sealed, { encryptionContext: { tenant: 'a' } })).encryptionContext.tenant, 'a');
});

// From the final attack of session 5 (helper, 2026-12-03).
test('a non-string value is INVALID_ENCRYPTION_CONTEXT on every API, never a trap or an untyped error', async () => {
  const client = new EnvelopeClient({ keyring, suite: SUITES[0], frameLength: 1024 });
  const bare = await client.encrypt(randomBytes(10));
  for (const value of [1, null, undefined, ['acme'], { nested: 'acme' }, true]) {
    const ec = { tenant: value };
    await assert.rejects(client.encrypt(randomBytes(10), { encryptionContext: ec }), { code: 'INVALID_ENCRYPTION_CONTEXT', message: /values must be strings/ });
    await assert.rejects(client.decrypt(bare, { encryptionContext: ec }), { code: 'INVALID_ENCRYPTION_CONTEXT' });
    assert.throws(() => client.encryptStream({ encryptionContext: ec }), { code: 'INVALID_ENCRYPTION_CONTEXT' });
  }
  const kms = await createDevKms();
  const { CiphertextBlob: blob } = await kms.call('GenerateDataKey', { KeyId: 'alias/demo', NumberOfBytes: 32, EncryptionContext: { tenant: '1' } });
  // The dev KMS once read 1 and ['1'] as '1': Decrypt must need the string itself.
  for (const value of [1, ['1']]) {
    await assert.rejects(kms.call('Decrypt', { CiphertextBlob: blob, EncryptionContext: { tenant: value } }), { name: 'ValidationException' });
  }
});

test('BrokerKeyring sends the context it checked: one read of the caller\'s object', async () => {
  /** @type {any[]} */ const bodies = [];
  const fetch = async (_url, init) => {
    bodies.push(JSON.parse(typeof init.body === 'string' ? init.body : new TextDecoder().decode(init.body)));
    return new Response(JSON.stringify({ error: 'InvalidCiphertextException', message: 'no' }), { status: 400, headers: { 'content-type': 'application/json' } });
  };
  const broker = new BrokerKeyring({ endpoint: 'http://127.0.0.1:9/kms', keyId: 'alias/x', retries: 0, fetch });
  let reads = 0;
  const shifty = { get tenant() { return reads++ === 0 ? 'acme' : undefined; } };
  await broker.decryptDataKey({ ciphertextBlob: new Uint8Array(40), encryptionContext: shifty }).catch(() => {});
  assert.equal(reads, 1);
  assert.deepEqual(bodies[0].encryptionContext, { tenant: 'acme' }); // not {}: KMS and `authorize` see what was checked
  reads = 0;
  const proto = { ['__proto__']: 'x', tenant: 'acme' }; // a computed key: an own pair
  await broker.generateDataKey({ encryptionContext: proto }).catch(() => {});
  assert.equal(bodies[1].encryptionContext.__proto__, 'x'); // an own pair on the wire, not a prototype
});

test('the dev KMS binds only contexts within KMS\'s limits: a length or count past 16 bits cannot wrap onto another context', async () => {
  const kms = await createDevKms();
  const key = 'alias/demo';
  const tail = '\x00\x01b\x00\x00';
  const Y = 'Y'.repeat(65531) + tail; // 65,536 bytes: a u16 length of 0
  const V = 'w' + tail + Y.slice(0, 65531); // 65,537 bytes: a u16 length of 1
  await assert.rejects(kms.call('Encrypt', { KeyId: key, Plaintext: new Uint8Array(32), EncryptionContext: { a: V, b: '' } }), { name: 'ValidationException', message: /8192 bytes/ });
  await assert.rejects(kms.call('Encrypt', { KeyId: key, Plaintext: new Uint8Array(32), EncryptionContext: { tenant: '\uD800' } }), { name: 'ValidationException', message: /well-formed/ });
  const { CiphertextBlob: blob } = await kms.call('Encrypt', { KeyId: key, Plaintext: new Uint8Array(32), EncryptionContext: { tenant: '\uFFFD' } });
  await assert.rejects(kms.call('Decrypt', { CiphertextBlob: blob, EncryptionContext: { tenant: '\uD800' } }), { name: 'ValidationException' });
});

test('a getter that swaps the prototype while the context is cloned is refused (the checks run after the one read)', async () => {
  const client = new EnvelopeClient({ keyring, suite: SUITES[0], frameLength: 1024 });
  const bare = await client.encrypt(randomBytes(10));
  const swaps = { get a() { Object.setPrototypeOf(this, { tenant: 'acme' }); return 'x'; } };
  await assert.rejects(client.decrypt(bare, { encryptionContext: swaps }), { code: 'INVALID_ENCRYPTION_CONTEXT', message: /plain object/ });
});
