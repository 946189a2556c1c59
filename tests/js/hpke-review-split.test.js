// Adversarial review of branch hpke (DH outside the envelope core).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DhkemP256HkdfSha256 } from '@hpke/core';
import { EnvelopeClient, BrokerKeyring } from '../../pkg/entry-node.js';
import * as envelopeGlue from '../../pkg/wasm/envelope-full.js';
import * as ecdsaGlue from '../../pkg/wasm/ecdsa.js';
import { wasmModule } from '../../pkg/core.js';
import { hpkeSeal, requestAad } from '../../src/js/broker/hpke.js';

const envelopeModule = wasmModule('envelope-full', envelopeGlue, () => new URL('../../pkg/wasm/envelope-full_bg.wasm', import.meta.url));
const ecdsaModule = wasmModule('ecdsa', ecdsaGlue, () => new URL('../../pkg/wasm/ecdsa_bg.wasm', import.meta.url));
await envelopeModule.core();
await ecdsaModule.core();

const P256 = { name: 'ECDH', namedCurve: 'P-256' };
const subtle = crypto.subtle;
const generateKey = subtle.generateKey.bind(subtle);
const importKey = subtle.importKey.bind(subtle);
const deriveBits = subtle.deriveBits.bind(subtle);
const ARN = 'arn:aws:kms:us-east-1:111122223333:key/0d9e7e55-5d1f-4ac8-9c1c-2f1f2b0e3c11';
const b64 = (u8) => Buffer.from(u8).toString('base64');
const unb64 = (s) => new Uint8Array(Buffer.from(s, 'base64'));
const ec = { tenant: 'acme' };

function copiesIn(glue, needle) {
  const heap = Buffer.from(glue.initSync().memory.buffer);
  let n = 0;
  for (const form of [Buffer.from(needle), Buffer.from(needle).reverse()]) {
    for (let i = heap.indexOf(form); i !== -1; i = heap.indexOf(form, i + 1)) n++;
  }
  return n;
}

/** A broker that seals honestly, records DHs and answers; `mutate(json, ctx)` may rewrite an answer. */
function broker(mutate = (j) => j) {
  const keys = new Map();
  const dhs = [];
  const answers = [];
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
    const pkR = await importKey('raw', publicKey, P256, false, []);
    dhs.push(new Uint8Array(await deriveBits({ name: 'ECDH', public: pkR }, ephemeral.privateKey, 256)));
    const aad = requestAad({
      operation: op, requestedKeyId: body.keyId, answeredKeyId: ARN, encryptionAlgorithm: 'SYMMETRIC_DEFAULT', dataKeyLength: key.length,
      ciphertextBlob: blob, nonce: unb64(body.recipient.nonce), encryptionContext: body.encryptionContext ?? {},
    });
    const ciphertextForRecipient = b64(await hpkeSeal({ publicKey, aad, plaintext: key, ephemeral }));
    let j = op === 'GenerateDataKey' ? { keyId: ARN, ciphertextBlob: b64(blob), ciphertextForRecipient } : { keyId: ARN, ciphertextForRecipient };
    answers.push({ op, j, key });
    j = await mutate(j, { op, key, body, answers });
    return Response.json(j);
  };
  return { fetch, dhs, answers };
}
const keyringOf = (fetch, extra = {}) => new BrokerKeyring({ endpoint: 'https://broker.test/kms', keyId: 'alias/demo', fetch, keyTransport: 'hpke', retries: 0, ...extra });

async function withoutWebCryptoEcdh(fn) {
  const original = subtle.generateKey;
  subtle.generateKey = async function (alg, ...rest) {
    if (alg && alg.name === 'ECDH') throw new DOMException('Unrecognized name.', 'NotSupportedError');
    return original.call(this, alg, ...rest);
  };
  try { return await fn(); } finally { subtle.generateKey = original; }
}

/** Counts client-side DH attempts: WebCrypto importKey/deriveBits of ECDH and the ecdsa module's dh, while `armed`. */
async function countingDh(fn) {
  const counts = { importKey: 0, deriveBits: 0, wasmDh: 0 };
  const st = { armed: false };
  const oi = subtle.importKey, od = subtle.deriveBits;
  const Pair = ecdsaGlue.EcdsaHpkeKeyPair;
  const odh = Pair.prototype.dh;
  subtle.importKey = function (fmt, data, alg, ...r) { if (st.armed && alg?.name === 'ECDH') counts.importKey++; return oi.call(this, fmt, data, alg, ...r); };
  subtle.deriveBits = function (alg, ...r) { if (st.armed && alg?.name === 'ECDH') counts.deriveBits++; return od.call(this, alg, ...r); };
  Pair.prototype.dh = function (...a) { if (st.armed) counts.wasmDh++; return odh.apply(this, a); };
  try { await fn(st); } finally { subtle.importKey = oi; subtle.deriveBits = od; Pair.prototype.dh = odh; }
  return counts;
}

test("engine 'native' without WebCrypto ECDH: decrypt fails with ENGINE_UNAVAILABLE too (not a swallowed/other code)", async () => {
  const b = broker();
  const m = await new EnvelopeClient({ keyring: keyringOf(b.fetch) }).encrypt('x', { encryptionContext: ec });
  await withoutWebCryptoEcdh(async () => {
    await assert.rejects(new EnvelopeClient({ keyring: keyringOf(b.fetch), engine: 'native' }).decrypt(m, { encryptionContext: ec }),
      (e) => { assert.equal(e.code, 'ENGINE_UNAVAILABLE', String(e)); return true; });
  });
});

/** Bad `enc` forms, each followed by the genuine ciphertext. */
function badEncs(enc) {
  const P = 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n;
  const be = (n) => Uint8Array.from(Buffer.from(n.toString(16).padStart(64, '0'), 'hex'));
  const offCurve = enc.slice(); offCurve[64] ^= 1;
  const xp = enc.slice(); xp.set(be(P), 1); // x = p (≡ 0)
  const yp = enc.slice(); { const y = BigInt('0x' + Buffer.from(enc.subarray(33)).toString('hex')); if (y + P < 2n ** 256n) yp.set(be(y + P), 33); else yp.set(be(P + 1n), 33); }
  const zero = new Uint8Array(65); zero[0] = 4;
  const ident = new Uint8Array(65); // 0x00 ...
  const comp = new Uint8Array(65); comp[0] = 2 | (enc[64] & 1); comp.set(enc.subarray(1, 33), 1); // compressed + 32 junk
  const hybrid = enc.slice(); hybrid[0] = 6 | (enc[64] & 1);
  const garbage = crypto.getRandomValues(new Uint8Array(65)); garbage[0] = 4;
  return { offCurve, xp, yp, zero, ident, comp, hybrid, garbage };
}

for (const engine of ['auto', 'wasm']) {
  test(`engine '${engine}': every bad enc is INVALID_DATA_KEY and reaches no DH`, async () => {
    const names = Object.keys(badEncs(new Uint8Array(65).fill(1)));
    for (const name of names) {
      let st;
      const b = broker((j) => {
        const c = unb64(j.ciphertextForRecipient);
        c.set(badEncs(c.subarray(0, 65))[name], 0);
        st.armed = true;
        return { ...j, ciphertextForRecipient: b64(c) };
      });
      const counts = await countingDh(async (s) => {
        st = s;
        await assert.rejects(new EnvelopeClient({ keyring: keyringOf(b.fetch), engine }).encrypt('x', { encryptionContext: ec }),
          (e) => { assert.equal(e.code, 'INVALID_DATA_KEY', `${name}: ${e}`); return true; });
      });
      assert.deepEqual(counts, { importKey: 0, deriveBits: 0, wasmDh: 0 }, name);
    }
    // short and empty answers too
    for (const len of [0, 1, 33, 64, 65, 80]) {
      const b = broker((j) => ({ ...j, ciphertextForRecipient: b64(unb64(j.ciphertextForRecipient).subarray(0, len)) }));
      await assert.rejects(new EnvelopeClient({ keyring: keyringOf(b.fetch), engine }).encrypt('x', { encryptionContext: ec }),
        (e) => { assert.ok(['INVALID_DATA_KEY', 'MALFORMED_RESPONSE'].includes(e.code), `len ${len}: ${e.code} ${e}`); return true; });
    }
  });

  test(`engine '${engine}': a refused answer (tampered ciphertext) leaves no DH copy in either module`, async () => {
    const b = broker((j) => { const c = unb64(j.ciphertextForRecipient); c[80] ^= 1; return { ...j, ciphertextForRecipient: b64(c) }; });
    await assert.rejects(new EnvelopeClient({ keyring: keyringOf(b.fetch), engine }).encrypt('x', { encryptionContext: ec }), (e) => e.code === 'INVALID_DATA_KEY');
    assert.equal(b.dhs.length, 1);
    assert.equal(copiesIn(envelopeGlue, b.dhs[0]), 0, 'envelope');
    assert.equal(copiesIn(ecdsaGlue, b.dhs[0]), 0, 'ecdsa');
  });

  test(`engine '${engine}': an answer replayed into a later request, or swapped between concurrent ones, does not open`, async () => {
    // replay: record the first GDK answer; later requests get it back
    let first;
    const rb = broker((j) => { if (!first) { first = j; return j; } return first; });
    const client = new EnvelopeClient({ keyring: keyringOf(rb.fetch), engine });
    await client.encrypt('one', { encryptionContext: ec });
    await assert.rejects(client.encrypt('two', { encryptionContext: ec }), (e) => e.code === 'INVALID_DATA_KEY');
    // swap: two concurrent requests, each gets the other's answer
    const pending = [];
    const sb = broker(async (j) => {
      const p = {}; p.promise = new Promise((r) => { p.resolve = r; }); p.j = j; pending.push(p);
      if (pending.length === 2) { pending[0].resolve(pending[1].j); pending[1].resolve(pending[0].j); }
      return p.promise;
    });
    const c2 = new EnvelopeClient({ keyring: keyringOf(sb.fetch), engine });
    const rs = await Promise.allSettled([c2.encrypt('a', { encryptionContext: ec }), c2.encrypt('b', { encryptionContext: ec })]);
    for (const r of rs) assert.equal(r.status === 'rejected' && r.reason.code, 'INVALID_DATA_KEY', String(r.reason ?? r.status));
  });

  test(`engine '${engine}': a downgrade to plaintext transport (plaintext, no ciphertextForRecipient) is refused`, async () => {
    const b = broker((j, { key }) => { const { ciphertextForRecipient, ...rest } = j; return { ...rest, plaintext: b64(key) }; });
    await assert.rejects(new EnvelopeClient({ keyring: keyringOf(b.fetch), engine }).encrypt('x', { encryptionContext: ec }), (e) => { assert.ok(typeof e.code === 'string', String(e)); return true; });
    const b2 = broker((j, { key }) => ({ ...j, plaintext: b64(key) })); // both fields: refused as well (stricter than needed)
    await assert.rejects(new EnvelopeClient({ keyring: keyringOf(b2.fetch), engine }).encrypt('x', { encryptionContext: ec }), (e) => { assert.ok(typeof e.code === 'string', String(e)); return true; });
  });
}

/** The scalar the ecdsa module derives from `entropy` (as hpke-dh.test.js). */
async function expectedScalar(entropy) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(1n);
  const ikm = createHash('sha512').update('edge-kms drbg').update(entropy).update(counter).digest().subarray(0, 32);
  const kem = new DhkemP256HkdfSha256();
  const pair = await kem.deriveKeyPair(new Uint8Array(ikm).buffer);
  return new Uint8Array(await kem.serializePrivateKey(pair.privateKey));
}

async function recordingEntropy(fn) {
  const og = crypto.getRandomValues;
  const seen = [];
  crypto.getRandomValues = function (a) { const r = og.call(this, a); if (a.length === 64) seen.push(a.slice()); return r; };
  try { await fn(); } finally { crypto.getRandomValues = og; }
  return seen;
}

for (const [label, failing] of [
  ['a keyring (fetch) that throws', () => async () => { throw new TypeError('network down'); }],
  ['an abort during the broker call', (ctl) => async (url, init) => { ctl.abort(); throw init?.signal?.reason ?? new DOMException('aborted', 'AbortError'); }],
  ['a broker that answers garbage JSON', () => async () => new Response('{"keyId":5}', { headers: { 'content-type': 'application/json' } })],
  ['a bad enc', () => broker((j) => { const c = unb64(j.ciphertextForRecipient); c[64] ^= 1; return { ...j, ciphertextForRecipient: b64(c) }; }).fetch],
]) {
  test(`scalar-left (a review finding, fixed): engine 'wasm': ${label}: the ecdsa key pair's scalar is gone from its memory once freed`, async () => {
    const ctl = new AbortController();
    const seen = await recordingEntropy(async () => {
      await assert.rejects(new EnvelopeClient({ keyring: keyringOf(failing(ctl)), engine: 'wasm' }).encrypt('x', { encryptionContext: ec, signal: ctl.signal }),
        (e) => { assert.equal(typeof e.code, 'string', String(e)); return true; });
    });
    assert.ok(seen.length >= 1);
    for (const ent of seen) assert.equal(copiesIn(ecdsaGlue, await expectedScalar(ent)), 0);
  });
}

test("engine 'wasm': the scalar is gone after a successful encrypt+decrypt too, and the DH leaves no copy", async () => {
  const b = broker();
  const seen = await recordingEntropy(async () => {
    const c = new EnvelopeClient({ keyring: keyringOf(b.fetch), engine: 'wasm' });
    const m = await c.encrypt('y', { encryptionContext: ec });
    await c.decrypt(m, { encryptionContext: ec });
  });
  let checked = 0;
  for (const ent of seen) { assert.equal(copiesIn(ecdsaGlue, await expectedScalar(ent)), 0); checked++; }
  assert.ok(checked >= 2);
  for (const dh of b.dhs) { assert.equal(copiesIn(ecdsaGlue, dh), 0); assert.equal(copiesIn(envelopeGlue, dh), 0); }
});

test("the core binds pkRm: correct DH but a core recipient holding another public key does not open (engine 'wasm')", async () => {
  const Pair = ecdsaGlue.EcdsaHpkeKeyPair, Rec = envelopeGlue.CoreHpkeRecipient;
  const op = Object.getOwnPropertyDescriptor(Pair.prototype, 'publicKey');
  const or = Object.getOwnPropertyDescriptor(Rec.prototype, 'publicKey');
  const other = new Uint8Array(await crypto.subtle.exportKey('raw', (await generateKey(P256, true, ['deriveBits'])).publicKey));
  let real;
  Pair.prototype.publicKey = function () { real = op.value.call(this); return other; }; // the core gets `other`
  Rec.prototype.publicKey = function () { or.value.call(this); return real; }; // the broker seals to the real key
  try {
    const b = broker();
    await assert.rejects(new EnvelopeClient({ keyring: keyringOf(b.fetch), engine: 'wasm' }).encrypt('x', { encryptionContext: ec }), (e) => e.code === 'INVALID_DATA_KEY');
    // control: without the swap the same flow opens
    Pair.prototype.publicKey = op.value; Rec.prototype.publicKey = or.value;
    await new EnvelopeClient({ keyring: keyringOf(broker().fetch), engine: 'wasm' }).encrypt('x', { encryptionContext: ec });
  } finally {
    Object.defineProperty(Pair.prototype, 'publicKey', op);
    Object.defineProperty(Rec.prototype, 'publicKey', or);
  }
});

test("engine 'wasm': the DH array is wiped in JS when the core refuses the answer", async () => {
  const seen = [];
  const restore = [];
  for (const cls of [envelopeGlue.CoreSealer, envelopeGlue.CoreOpener]) {
    const original = cls.prototype.setSealedDataKey;
    cls.prototype.setSealedDataKey = function (recipient, dh, ...rest) { seen.push({ dh, copy: dh.slice() }); return original.call(this, recipient, dh, ...rest); };
    restore.push(() => { cls.prototype.setSealedDataKey = original; });
  }
  try {
    const b = broker((j) => { const c = unb64(j.ciphertextForRecipient); c[80] ^= 1; return { ...j, ciphertextForRecipient: b64(c) }; });
    await assert.rejects(new EnvelopeClient({ keyring: keyringOf(b.fetch), engine: 'wasm' }).encrypt('x'), (e) => e.code === 'INVALID_DATA_KEY');
    assert.equal(seen.length, 1);
    assert.deepEqual(seen[0].copy, b.dhs[0]);
    assert.ok(seen[0].dh.every((x) => x === 0));
  } finally { for (const r of restore) r(); }
});
