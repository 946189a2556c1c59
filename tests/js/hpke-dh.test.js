// keyTransport 'hpke' with the DH step outside the `envelope` module (issue 10,
// src/js/hpke-key.js): what only Node can look at. The portable checks (bad
// `enc` refused on both paths, WebCrypto's point check, engine 'wasm') are in
// suites/hpke.suite.js and run in Node, workerd, Chromium and Deno.
//
// - the DH output handed to the core is the real ECDH of the answer's `enc`,
//   and is zeros in JS once the call is over, on both paths;
// - no copy of it stays in the envelope or ecdsa module's memory;
// - the ecdsa module's key pair: RFC 9180 DeriveKeyPair of the entropy
//   (checked against @hpke/core), its scalar in that module's memory while the
//   pair lives and gone once it is freed;
// - a runtime whose WebCrypto has no P-256 ECDH falls back to the ecdsa module
//   under 'auto' and refuses under 'native' (ENGINE_UNAVAILABLE). No runtime
//   here lacks it, so `generateKey` is made to refuse ECDH for those tests:
//   a stand-in for such a runtime, said so.
//
// The API and this test share one instance of each module's glue through the
// unbundled Node entry (as heap-secrets.test.js does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DhkemP256HkdfSha256 } from '@hpke/core';
import { EnvelopeClient, BrokerKeyring } from '../../pkg/entry-node.js';
import * as envelopeGlue from '../../pkg/wasm/envelope-full.js';
import * as ecdsaGlue from '../../pkg/wasm/ecdsa.js';
import { wasmModule } from '../../pkg/core.js';
import { hpkeSeal, requestAad } from '../../src/js/broker/hpke.js';
import { isCurvePoint } from '../../src/js/p256-point.js';
import { p256 } from '@noble/curves/nist.js';

const envelopeModule = wasmModule('envelope-full', envelopeGlue, () => new URL('../../pkg/wasm/envelope-full_bg.wasm', import.meta.url));
const ecdsaModule = wasmModule('ecdsa', ecdsaGlue, () => new URL('../../pkg/wasm/ecdsa_bg.wasm', import.meta.url));
await envelopeModule.core();
await ecdsaModule.core();

const P256 = { name: 'ECDH', namedCurve: 'P-256' };
// the stand-in broker's own key generation, untouched by withoutWebCryptoEcdh
const generateKey = crypto.subtle.generateKey.bind(crypto.subtle);
const ARN = 'arn:aws:kms:us-east-1:111122223333:key/0d9e7e55-5d1f-4ac8-9c1c-2f1f2b0e3c11';
const b64 = (u8) => Buffer.from(u8).toString('base64');
const unb64 = (s) => new Uint8Array(Buffer.from(s, 'base64'));
const ec = { tenant: 'acme' };

/**
 * How many times `needle` occurs in a module's current memory, as bytes in
 * order or reversed (a scalar or field element held as little-endian limbs).
 */
function copiesIn(glue, needle) {
  const heap = Buffer.from(glue.initSync().memory.buffer);
  let n = 0;
  for (const form of [Buffer.from(needle), Buffer.from(needle).reverse()]) {
    for (let i = heap.indexOf(form); i !== -1; i = heap.indexOf(form, i + 1)) n++;
  }
  return n;
}

/**
 * A stand-in broker that seals with the broker's HPKE (WebCrypto) under an
 * ephemeral key it keeps, so that it knows each answer's DH output: `dhs`.
 */
function knowingBroker() {
  const keys = new Map();
  /** @type {Uint8Array[]} */ const dhs = [];
  const fetch = async (url, init) => {
    const body = JSON.parse(typeof init.body === 'string' ? init.body : new TextDecoder().decode(init.body));
    const op = url.endsWith('/generate-data-key') ? 'GenerateDataKey' : 'Decrypt';
    let key, blob;
    if (op === 'GenerateDataKey') {
      key = crypto.getRandomValues(new Uint8Array(body.numberOfBytes));
      blob = crypto.getRandomValues(new Uint8Array(48));
      keys.set(b64(blob), key);
    } else {
      blob = unb64(body.ciphertextBlob);
      key = keys.get(body.ciphertextBlob);
    }
    const publicKey = unb64(body.recipient.publicKey);
    const ephemeral = await generateKey(P256, false, ['deriveBits']);
    const pkR = await crypto.subtle.importKey('raw', publicKey, P256, false, []);
    dhs.push(new Uint8Array(await crypto.subtle.deriveBits({ name: 'ECDH', public: pkR }, ephemeral.privateKey, 256)));
    const aad = requestAad({
      operation: op, requestedKeyId: body.keyId, answeredKeyId: ARN, encryptionAlgorithm: 'SYMMETRIC_DEFAULT', dataKeyLength: key.length,
      ciphertextBlob: blob, nonce: unb64(body.recipient.nonce), encryptionContext: body.encryptionContext ?? {},
    });
    const ciphertextForRecipient = b64(await hpkeSeal({ publicKey, aad, plaintext: key, ephemeral }));
    return Response.json(op === 'GenerateDataKey' ? { keyId: ARN, ciphertextBlob: b64(blob), ciphertextForRecipient } : { keyId: ARN, ciphertextForRecipient });
  };
  return { fetch, dhs };
}

const keyringOf = (fetch) => new BrokerKeyring({ endpoint: 'https://broker.test/kms', keyId: 'alias/demo', fetch, keyTransport: 'hpke', retries: 0 });

/** Records the `dh` argument of every setSealedDataKey call (a reference, and a copy made at the call). */
async function recordingDh(fn) {
  const seen = [];
  const restore = [];
  for (const cls of [envelopeGlue.CoreSealer, envelopeGlue.CoreOpener]) {
    const original = cls.prototype.setSealedDataKey;
    cls.prototype.setSealedDataKey = function (recipient, dh, ...rest) {
      seen.push({ dh, copy: dh.slice() });
      return original.call(this, recipient, dh, ...rest);
    };
    restore.push(() => { cls.prototype.setSealedDataKey = original; });
  }
  try {
    await fn();
  } finally {
    for (const r of restore) r();
  }
  return seen;
}

/** Makes this process's WebCrypto refuse ECDH key generation while `fn` runs (a runtime without P-256 ECDH). */
async function withoutWebCryptoEcdh(fn) {
  const subtle = globalThis.crypto.subtle;
  const original = subtle.generateKey;
  let refused = 0;
  subtle.generateKey = async function (alg, ...rest) {
    if (alg && alg.name === 'ECDH') {
      refused++;
      throw new DOMException('Unrecognized name.', 'NotSupportedError');
    }
    return original.call(this, alg, ...rest);
  };
  try {
    await fn();
  } finally {
    subtle.generateKey = original;
  }
  return refused;
}

for (const engine of ['auto', 'wasm']) {
  test(`engine '${engine}': the core gets the real DH of each answer, wiped in JS afterwards, and no copy stays in either module's memory`, async () => {
    const broker = knowingBroker();
    const client = new EnvelopeClient({ keyring: keyringOf(broker.fetch), engine });
    let message;
    const seen = await recordingDh(async () => {
      message = await client.encrypt('dh wiped', { encryptionContext: ec });
      assert.equal(new TextDecoder().decode((await client.decrypt(message, { encryptionContext: ec })).plaintext), 'dh wiped');
    });
    assert.equal(seen.length, 2);
    assert.equal(broker.dhs.length, 2);
    for (const [i, { dh, copy }] of seen.entries()) {
      assert.equal(copy.length, 32);
      assert.deepEqual(copy, broker.dhs[i], `call ${i}: the DH the broker computed`);
      assert.ok(dh.every((b) => b === 0), `call ${i}: the DH array is wiped`);
      assert.equal(copiesIn(envelopeGlue, Buffer.from(copy)), 0, `call ${i}: a copy in the envelope module`);
      assert.equal(copiesIn(ecdsaGlue, Buffer.from(copy)), 0, `call ${i}: a copy in the ecdsa module`);
    }
  });
}

test('the DH is wiped in JS when the core refuses the answer too', async () => {
  const broker = knowingBroker();
  const tampering = async (url, init) => {
    const res = await broker.fetch(url, init);
    const j = await res.json();
    const c = unb64(j.ciphertextForRecipient);
    c[80] ^= 1; // the ciphertext, not enc: the DH is computed, then the AEAD refuses
    return Response.json({ ...j, ciphertextForRecipient: b64(c) });
  };
  const seen = await recordingDh(async () => {
    await assert.rejects(new EnvelopeClient({ keyring: keyringOf(tampering) }).encrypt('x'), (e) => e.code === 'INVALID_DATA_KEY');
  });
  assert.equal(seen.length, 1);
  assert.ok(seen[0].copy.some((b) => b !== 0));
  assert.ok(seen[0].dh.every((b) => b === 0));
});

/** The scalar the ecdsa module derives from `entropy`: its DRBG's first 32 bytes (src/envelope/rng.rs) through RFC 9180 DeriveKeyPair, by @hpke/core. */
async function expectedScalar(entropy) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(1n);
  const ikm = createHash('sha512').update('edge-kms drbg').update(entropy).update(counter).digest().subarray(0, 32);
  const kem = new DhkemP256HkdfSha256();
  const pair = await kem.deriveKeyPair(new Uint8Array(ikm).buffer);
  return {
    scalar: new Uint8Array(await kem.serializePrivateKey(pair.privateKey)),
    publicKey: new Uint8Array(await kem.serializePublicKey(pair.publicKey)),
  };
}

test("the ecdsa module's key pair: RFC 9180 DeriveKeyPair (as @hpke/core), entropy wiped, scalar gone from its memory once freed", async () => {
  const entropy = crypto.getRandomValues(new Uint8Array(64));
  const expected = await expectedScalar(entropy);
  const b = await ecdsaModule.core();
  const given = entropy.slice();
  const pair = new b.EcdsaHpkeKeyPair(given);
  assert.ok(given.every((x) => x === 0), 'the entropy array is wiped');
  assert.deepEqual(new Uint8Array(pair.publicKey()), expected.publicKey);
  // the detector works: the scalar is in the module's memory while the pair lives
  assert.ok(copiesIn(ecdsaGlue, Buffer.from(expected.scalar)) >= 1, 'the scalar is in the module while the pair lives');
  // and its DH agrees with WebCrypto's on the other side
  const eph = await crypto.subtle.generateKey(P256, false, ['deriveBits']);
  const enc = new Uint8Array(await crypto.subtle.exportKey('raw', eph.publicKey));
  const out = new Uint8Array(32);
  pair.dh(enc, out);
  const pkR = await crypto.subtle.importKey('raw', expected.publicKey, P256, false, []);
  assert.deepEqual(out, new Uint8Array(await crypto.subtle.deriveBits({ name: 'ECDH', public: pkR }, eph.privateKey, 256)));
  out.fill(0);
  pair.free();
  assert.equal(copiesIn(ecdsaGlue, Buffer.from(expected.scalar)), 0, 'the scalar is gone once freed');
});

test("a runtime whose WebCrypto has no P-256 ECDH: 'auto' falls back to the ecdsa module, 'native' refuses (ENGINE_UNAVAILABLE)", async () => {
  const broker = knowingBroker();
  let built = 0;
  const Pair = ecdsaGlue.EcdsaHpkeKeyPair;
  const original = Object.getOwnPropertyDescriptor(Pair.prototype, 'publicKey');
  Pair.prototype.publicKey = function () { built++; return original.value.call(this); };
  try {
    const refused = await withoutWebCryptoEcdh(async () => {
      const client = new EnvelopeClient({ keyring: keyringOf(broker.fetch) });
      const m = await client.encrypt('fallback', { encryptionContext: ec });
      assert.equal(new TextDecoder().decode((await client.decrypt(m, { encryptionContext: ec })).plaintext), 'fallback');
      await assert.rejects(new EnvelopeClient({ keyring: keyringOf(broker.fetch), engine: 'native' }).encrypt('x'), (e) => e.code === 'ENGINE_UNAVAILABLE');
    });
    assert.equal(refused, 3, 'WebCrypto was asked first each time');
    assert.equal(built, 2, 'the ecdsa module made the two key pairs');
  } finally {
    Object.defineProperty(Pair.prototype, 'publicKey', original);
  }
});

test('isCurvePoint (the shim\'s own check of enc) agrees with @noble/curves on random points, near misses and non-canonical coordinates', () => {
  const p = p256.Point.Fp.ORDER;
  const noble = (enc) => { try { p256.Point.fromBytes(enc).assertValidity(); return true; } catch { return false; } };
  const be = (n) => Uint8Array.from(Buffer.from(n.toString(16).padStart(64, '0'), 'hex'));
  let on = 0, off = 0;
  for (let i = 0; i < 200; i++) {
    const enc = p256.getPublicKey(p256.utils.randomSecretKey(), false);
    const near = enc.slice(); near[1 + (i % 64)] ^= 1 << (i % 8); // one bit off, in x or y
    const ySum = enc.slice(); // y + p where that still fits 32 bytes: the same point, non-canonical
    const y = BigInt('0x' + Buffer.from(enc.subarray(33)).toString('hex'));
    if (y + p < 2n ** 256n) ySum.set(be(y + p), 33);
    for (const e of [enc, near, ySum]) {
      const want = noble(e);
      assert.equal(isCurvePoint(e), want, Buffer.from(e).toString('hex'));
      want ? on++ : off++;
    }
  }
  assert.ok(on >= 200 && off >= 190, `${on} on the curve, ${off} off`);
});
