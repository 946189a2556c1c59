// Regression tests from an adversarial review of the HPKE split (branch hpke, 2026-12-02; fixed on main by the shadow-stack scrub of core.js and the broker's own curve check): the wire protocol with an independent sealer (@hpke/core), on every engine and the fallback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CipherSuite, DhkemP256HkdfSha256, HkdfSha256, Aes256Gcm } from '@hpke/core';
import { EnvelopeClient, BrokerKeyring } from '../../pkg/entry-node.js';
import { requestAad, HPKE_INFO } from '../../src/js/broker/hpke.js';

const suite = new CipherSuite({ kem: new DhkemP256HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
const ARN = 'arn:aws:kms:us-east-1:111122223333:key/0d9e7e55-5d1f-4ac8-9c1c-2f1f2b0e3c11';
const b64 = (u8) => Buffer.from(u8).toString('base64');
const unb64 = (s) => new Uint8Array(Buffer.from(s, 'base64'));
const ec = { tenant: 'acme', 'é': 'ü', a: '' };

function peer() {
  const keys = new Map();
  let n = 0;
  const fetch = async (url, init) => {
    const body = JSON.parse(init.body);
    const op = url.endsWith('/generate-data-key') ? 'GenerateDataKey' : 'Decrypt';
    let key, blob;
    if (op === 'GenerateDataKey') { key = crypto.getRandomValues(new Uint8Array(body.numberOfBytes)); blob = crypto.getRandomValues(new Uint8Array(48)); keys.set(b64(blob), key); }
    else { blob = unb64(body.ciphertextBlob); key = keys.get(body.ciphertextBlob); }
    const aad = requestAad({ operation: op, requestedKeyId: body.keyId, answeredKeyId: ARN, encryptionAlgorithm: 'SYMMETRIC_DEFAULT', dataKeyLength: key.length,
      ciphertextBlob: blob, nonce: unb64(body.recipient.nonce), encryptionContext: body.encryptionContext ?? {} });
    const recipientPublicKey = await suite.kem.deserializePublicKey(unb64(body.recipient.publicKey));
    const { enc, ct } = await suite.seal({ recipientPublicKey, info: HPKE_INFO }, key, aad);
    n++;
    const c = b64(new Uint8Array([...new Uint8Array(enc), ...new Uint8Array(ct)]));
    return Response.json(op === 'GenerateDataKey' ? { keyId: ARN, ciphertextBlob: b64(blob), ciphertextForRecipient: c } : { keyId: ARN, ciphertextForRecipient: c });
  };
  return { fetch, count: () => n };
}
const keyringOf = (fetch) => new BrokerKeyring({ endpoint: 'https://b.test/kms', keyId: 'alias/demo', fetch, keyTransport: 'hpke', retries: 0 });

async function withoutWebCryptoEcdh(fn) {
  const s = crypto.subtle, og = s.generateKey;
  s.generateKey = async function (alg, ...r) { if (alg?.name === 'ECDH' && r[0] === false) throw new DOMException('no', 'NotSupportedError'); return og.call(this, alg, ...r); };
  try { return await fn(); } finally { s.generateKey = og; }
}

for (const [label, engine, wrap] of [['auto', 'auto', (f) => f()], ['native', 'native', (f) => f()], ['wasm', 'wasm', (f) => f()], ['auto falling back to ecdsa', 'auto', withoutWebCryptoEcdh]]) {
  test(`@hpke/core-sealed answers open on engine '${label}', and messages cross engines`, async () => {
    const p = peer();
    await wrap(async () => {
      for (const suiteName of [undefined, 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY', 'AES_128_GCM_IV12_TAG16_NO_KDF']) {
        const opts = suiteName ? { encryptionContext: ec, suite: suiteName } : { encryptionContext: ec };
        let m;
        try { m = await new EnvelopeClient({ keyring: keyringOf(p.fetch), engine }).encrypt('interop', opts); }
        catch (e) { if (e.code === 'INVALID_ARGUMENT' && suiteName) continue; throw e; }
        for (const other of ['auto', 'wasm']) {
          assert.equal(new TextDecoder().decode((await new EnvelopeClient({ keyring: keyringOf(p.fetch), engine: other }).decrypt(m, { encryptionContext: ec })).plaintext), 'interop');
        }
      }
    });
    assert.ok(p.count() >= 3);
  });
}
