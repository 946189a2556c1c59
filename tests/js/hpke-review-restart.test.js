// Regression tests from an adversarial review of the HPKE split (branch hpke, 2026-12-02; fixed on main by the shadow-stack scrub of core.js and the broker's own curve check): the ecdsa module restarted (a fault in another call) while a key pair waits for the broker.
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
const ARN = 'arn:aws:kms:us-east-1:111122223333:key/0d9e7e55-5d1f-4ac8-9c1c-2f1f2b0e3c11';
const b64 = (u8) => Buffer.from(u8).toString('base64');
const unb64 = (s) => new Uint8Array(Buffer.from(s, 'base64'));

async function expectedScalar(entropy) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(1n);
  const ikm = createHash('sha512').update('edge-kms drbg').update(entropy).update(counter).digest().subarray(0, 32);
  const kem = new DhkemP256HkdfSha256();
  return new Uint8Array(await kem.serializePrivateKey((await kem.deriveKeyPair(new Uint8Array(ikm).buffer)).privateKey));
}

test("engine 'wasm': the ecdsa module restarted during the broker call: coded retryable error, no DH with a dangling handle, scalar gone", async () => {
  const oldMem = ecdsaGlue.initSync().memory;
  const fetch = async (url, init) => {
    const body = JSON.parse(init.body);
    ecdsaModule.restart(new WebAssembly.RuntimeError('unreachable (simulated fault of another call)'));
    const key = crypto.getRandomValues(new Uint8Array(body.numberOfBytes));
    const blob = crypto.getRandomValues(new Uint8Array(48));
    const publicKey = unb64(body.recipient.publicKey);
    const aad = requestAad({ operation: 'GenerateDataKey', requestedKeyId: body.keyId, answeredKeyId: ARN, encryptionAlgorithm: 'SYMMETRIC_DEFAULT', dataKeyLength: key.length,
      ciphertextBlob: blob, nonce: unb64(body.recipient.nonce), encryptionContext: body.encryptionContext ?? {} });
    return Response.json({ keyId: ARN, ciphertextBlob: b64(blob), ciphertextForRecipient: b64(await hpkeSeal({ publicKey, aad, plaintext: key })) });
  };
  const og = crypto.getRandomValues;
  const seen = [];
  crypto.getRandomValues = function (a) { const r = og.call(this, a); if (a.length === 64) seen.push(a.slice()); return r; };
  let err;
  try {
    await new EnvelopeClient({ keyring: new BrokerKeyring({ endpoint: 'https://b.test/kms', keyId: 'alias/demo', fetch, keyTransport: 'hpke', retries: 0 }), engine: 'wasm' }).encrypt('x');
  } catch (e) { err = e; } finally { crypto.getRandomValues = og; }
  assert.ok(err, 'refused');
  assert.equal(err.code, 'INTERNAL', String(err));
  assert.equal(err.retryable, true);
  const heaps = [Buffer.from(oldMem.buffer), Buffer.from(ecdsaGlue.initSync().memory.buffer)];
  for (const ent of seen) {
    const s = Buffer.from(await expectedScalar(ent));
    for (const h of heaps) assert.equal(h.indexOf(s), -1);
  }
  // the module works again
  await new EnvelopeClient({ keyring: new BrokerKeyring({ endpoint: 'https://b.test/kms', keyId: 'alias/demo', fetch: async () => { throw new TypeError('x'); }, keyTransport: 'hpke', retries: 0 }), engine: 'wasm' }).encrypt('x').catch((e) => assert.equal(typeof e.code, 'string'));
});

test('caller steering: engine and keyTransport values outside the set are refused, not mapped to something weaker', async () => {
  for (const engine of ['WASM', 'js', '', null, 1, 'native ']) {
    assert.throws(() => new EnvelopeClient({ keyring: new BrokerKeyring({ endpoint: 'https://b.test/kms', keyId: 'k', keyTransport: 'hpke' }), engine }), (e) => typeof e.code === 'string', String(engine));
  }
  for (const keyTransport of ['HPKE', 'hpke ', '', null, true]) {
    assert.throws(() => new BrokerKeyring({ endpoint: 'https://b.test/kms', keyId: 'k', keyTransport }), (e) => typeof e.code === 'string', String(keyTransport));
  }
});
