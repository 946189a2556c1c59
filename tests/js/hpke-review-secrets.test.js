// Regression tests from an adversarial review of the HPKE split (branch hpke, 2026-12-02; fixed on main by the shadow-stack scrub of core.js and the broker's own curve check): what stays in wasm memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DhkemP256HkdfSha256 } from '@hpke/core';
import { EnvelopeClient, BrokerKeyring } from '../../pkg/entry-node.js';
import * as envelopeGlue from '../../pkg/wasm/envelope-full.js';
import * as ecdsaGlue from '../../pkg/wasm/ecdsa.js';
import { wasmModule } from '../../pkg/core.js';
import { hpkeSeal, requestAad, extractAndExpand, keySchedule, AEADS, HPKE_INFO } from '../../src/js/broker/hpke.js';

const envelopeModule = wasmModule('envelope-full', envelopeGlue, () => new URL('../../pkg/wasm/envelope-full_bg.wasm', import.meta.url));
const ecdsaModule = wasmModule('ecdsa', ecdsaGlue, () => new URL('../../pkg/wasm/ecdsa_bg.wasm', import.meta.url));
await envelopeModule.core();
const ecdsaB = await ecdsaModule.core();

const P256 = { name: 'ECDH', namedCurve: 'P-256' };
const ARN = 'arn:aws:kms:us-east-1:111122223333:key/0d9e7e55-5d1f-4ac8-9c1c-2f1f2b0e3c11';
const b64 = (u8) => Buffer.from(u8).toString('base64');
const unb64 = (s) => new Uint8Array(Buffer.from(s, 'base64'));
const ec = { tenant: 'acme' };
function where(glue, needle) {
  const heap = Buffer.from(glue.initSync().memory.buffer);
  const at = [];
  for (const form of [Buffer.from(needle), Buffer.from(needle).reverse()]) {
    for (let i = heap.indexOf(form); i !== -1; i = heap.indexOf(form, i + 1)) at.push(i);
  }
  return at;
}
async function expectedScalar(entropy) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(1n);
  const ikm = createHash('sha512').update('edge-kms drbg').update(entropy).update(counter).digest().subarray(0, 32);
  const kem = new DhkemP256HkdfSha256();
  const pair = await kem.deriveKeyPair(new Uint8Array(ikm).buffer);
  return new Uint8Array(await kem.serializePrivateKey(pair.privateKey));
}

test('scalar-left (direct) (a review finding, fixed): EcdsaHpkeKeyPair constructed then freed without a dh leaves the scalar in the ecdsa module memory', async () => {
  const entropy = crypto.getRandomValues(new Uint8Array(64));
  const scalar = await expectedScalar(entropy);
  const pair = new ecdsaB.EcdsaHpkeKeyPair(entropy.slice());
  const live = where(ecdsaGlue, scalar);
  pair.free();
  const after = where(ecdsaGlue, scalar);
  assert.deepEqual(after, [], `scalar copies while live at ${live}, after free at ${after} (memory ${ecdsaGlue.initSync().memory.buffer.byteLength} B)`);
});

test('control: the same with one dh call before free leaves nothing (dh scrubs the stack the constructor left)', async () => {
  const entropy = crypto.getRandomValues(new Uint8Array(64));
  const scalar = await expectedScalar(entropy);
  const pair = new ecdsaB.EcdsaHpkeKeyPair(entropy.slice());
  const eph = await crypto.subtle.generateKey(P256, true, ['deriveBits']);
  const out = new Uint8Array(32);
  pair.dh(new Uint8Array(await crypto.subtle.exportKey('raw', eph.publicKey)), out);
  out.fill(0);
  pair.free();
  assert.deepEqual(where(ecdsaGlue, scalar), []);
});

/** A broker that keeps every derived secret of each answer it seals. */
function knowing() {
  const keys = new Map();
  const secrets = [];
  const fetch = async (url, init) => {
    const body = JSON.parse(typeof init.body === 'string' ? init.body : new TextDecoder().decode(init.body));
    const op = url.endsWith('/generate-data-key') ? 'GenerateDataKey' : 'Decrypt';
    let key, blob;
    if (op === 'GenerateDataKey') {
      key = crypto.getRandomValues(new Uint8Array(body.numberOfBytes));
      blob = crypto.getRandomValues(new Uint8Array(48));
      keys.set(b64(blob), key);
    } else { blob = unb64(body.ciphertextBlob); key = keys.get(body.ciphertextBlob); }
    const publicKey = unb64(body.recipient.publicKey);
    const ephemeral = await crypto.subtle.generateKey(P256, false, ['deriveBits']);
    const enc = new Uint8Array(await crypto.subtle.exportKey('raw', ephemeral.publicKey));
    const pkR = await crypto.subtle.importKey('raw', publicKey, P256, false, []);
    const dh = new Uint8Array(await crypto.subtle.deriveBits({ name: 'ECDH', public: pkR }, ephemeral.privateKey, 256));
    const kc = new Uint8Array(130); kc.set(enc); kc.set(publicKey, 65);
    const wipe = [];
    const ss = (await extractAndExpand(dh.slice(), kc, wipe)).slice();
    const eaePrk = wipe[0].slice();
    const { key: aeadKey } = await keySchedule(ss.slice(), HPKE_INFO, AEADS['AES-256-GCM']);
    secrets.push({ dh, eaePrk, ss, aeadKey: aeadKey.slice(), dataKey: key });
    const aad = requestAad({ operation: op, requestedKeyId: body.keyId, answeredKeyId: ARN, encryptionAlgorithm: 'SYMMETRIC_DEFAULT', dataKeyLength: key.length,
      ciphertextBlob: blob, nonce: unb64(body.recipient.nonce), encryptionContext: body.encryptionContext ?? {} });
    const ciphertextForRecipient = b64(await hpkeSeal({ publicKey, aad, plaintext: key, ephemeral }));
    return Response.json(op === 'GenerateDataKey' ? { keyId: ARN, ciphertextBlob: b64(blob), ciphertextForRecipient } : { keyId: ARN, ciphertextForRecipient });
  };
  return { fetch, secrets };
}

for (const engine of ['auto', 'wasm']) {
  test(`engine '${engine}': after encrypt+decrypt, no eae_prk / shared secret / AEAD key of an answer stays in the envelope module`, async () => {
    const b = knowing();
    const client = new EnvelopeClient({ keyring: new BrokerKeyring({ endpoint: 'https://broker.test/kms', keyId: 'alias/demo', fetch: b.fetch, keyTransport: 'hpke', retries: 0 }), engine });
    const m = await client.encrypt('secrets', { encryptionContext: ec });
    await client.decrypt(m, { encryptionContext: ec });
    assert.equal(b.secrets.length, 2);
    const found = [];
    for (const [i, s] of b.secrets.entries()) {
      for (const k of ['dh', 'eaePrk', 'ss', 'aeadKey', 'dataKey']) {
        const e = where(envelopeGlue, s[k]), d = where(ecdsaGlue, s[k]);
        if (e.length || d.length) found.push(`answer ${i} ${k}: envelope@${e} ecdsa@${d}`);
      }
    }
    assert.deepEqual(found, []);
  });
}

for (const engine of ['auto', 'wasm']) {
  test(`ss-left (a review finding, fixed): engine '${engine}': after a refused answer (tampered tag), no DH / eae_prk / shared secret / AEAD key stays in either module`, async () => {
    const b = knowing();
    const tamper = async (url, init) => {
      const res = await b.fetch(url, init);
      const j = await res.json();
      const c = unb64(j.ciphertextForRecipient); c[c.length - 1] ^= 1;
      return Response.json({ ...j, ciphertextForRecipient: b64(c) });
    };
    await assert.rejects(new EnvelopeClient({ keyring: new BrokerKeyring({ endpoint: 'https://broker.test/kms', keyId: 'alias/demo', fetch: tamper, keyTransport: 'hpke', retries: 0 }), engine }).encrypt('x', { encryptionContext: ec }), (e) => e.code === 'INVALID_DATA_KEY');
    const found = [];
    for (const k of ['dh', 'eaePrk', 'ss', 'aeadKey', 'dataKey']) {
      const s = b.secrets[0][k];
      const e = where(envelopeGlue, s), d = where(ecdsaGlue, s);
      if (e.length || d.length) found.push(`${k}: envelope@${e} ecdsa@${d}`);
    }
    assert.deepEqual(found, []);
  });
}
