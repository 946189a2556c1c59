// keyTransport 'hpke' in every runtime (Node, workerd, Chromium, Deno): the
// wasm core makes the recipient key pair, and opens a data key sealed to it
// straight into the sealing/opening session. The broker's side is a stand-in
// passed as `fetch` that seals with the broker's own HPKE module (WebCrypto,
// src/js/broker/hpke.js); tests/js/hpke.test.js and hpke-e2e.test.js run the
// real broker over HTTP, moto and workerd.
import { assert } from '../harness.js';
import { hpkeSeal, requestAad } from '../../../src/js/broker/hpke.js';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/0d9e7e55-5d1f-4ac8-9c1c-2f1f2b0e3c11';
const b64 = (u8) => btoa(String.fromCharCode(...u8));
const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** A stand-in broker that answers only sealed; `tamper(answer)` may change each answer. */
function sealingBroker(tamper = (a) => a) {
  const keys = new Map();
  let sealed = 0;
  const fetch = async (url, init) => {
    const body = JSON.parse(typeof init.body === 'string' ? init.body : new TextDecoder().decode(init.body));
    if (!body.recipient) return json(400, { error: { code: 'RecipientRequired', message: 'seal' } });
    const op = url.endsWith('/generate-data-key') ? 'GenerateDataKey' : 'Decrypt';
    let key, blob;
    if (op === 'GenerateDataKey') {
      key = crypto.getRandomValues(new Uint8Array(body.numberOfBytes));
      blob = crypto.getRandomValues(new Uint8Array(48));
      keys.set(b64(blob), key);
    } else {
      blob = unb64(body.ciphertextBlob);
      key = keys.get(body.ciphertextBlob);
      if (!key) return json(400, { error: { code: 'InvalidCiphertextException', message: 'no' } });
    }
    const aad = requestAad({
      operation: op, requestedKeyId: body.keyId, answeredKeyId: ARN, encryptionAlgorithm: 'SYMMETRIC_DEFAULT', dataKeyLength: key.length,
      ciphertextBlob: blob, nonce: unb64(body.recipient.nonce), encryptionContext: body.encryptionContext ?? {},
    });
    const ciphertextForRecipient = b64(await hpkeSeal({ publicKey: unb64(body.recipient.publicKey), aad, plaintext: key }));
    sealed++;
    return json(200, tamper(op === 'GenerateDataKey' ? { keyId: ARN, ciphertextBlob: b64(blob), ciphertextForRecipient } : { keyId: ARN, ciphertextForRecipient }));
  };
  return { fetch, get sealed() { return sealed; } };
}

export default {
  name: 'hpke',
  /** @param {import('../harness.js').Registrar} t @param {import('../harness.js').Ctx} ctx */
  register(t, { edgeKms }) {
    const { EnvelopeClient, BrokerKeyring } = edgeKms;
    const make = (fetch) => new BrokerKeyring({ endpoint: 'https://broker.test/kms', keyId: 'alias/demo', fetch, keyTransport: 'hpke', retries: 0 });
    const ec = { tenant: 'acme' };

    t.test('a data key sealed to the core opens there: round trip, both suites', async () => {
      const broker = sealingBroker();
      for (const suite of ['AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384', 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY']) {
        const client = new EnvelopeClient({ keyring: make(broker.fetch), suite });
        const sealed = await client.encrypt('sealed to the client', { encryptionContext: ec });
        assert.equal(new TextDecoder().decode((await client.decrypt(sealed, { encryptionContext: ec })).plaintext), 'sealed to the client');
      }
      assert.equal(broker.sealed, 4);
    });

    t.test('a tampered, swapped or downgraded answer is refused with a code', async () => {
      const flip = (s) => { const b = unb64(s); b[70] ^= 1; return b64(b); };
      await assert.rejectsWithCode(new EnvelopeClient({ keyring: make(sealingBroker((a) => ({ ...a, ciphertextForRecipient: flip(a.ciphertextForRecipient) })).fetch) }).encrypt('x'), 'INVALID_DATA_KEY');
      await assert.rejectsWithCode(new EnvelopeClient({ keyring: make(sealingBroker((a) => ({ ...a, ciphertextBlob: b64(new Uint8Array(48).fill(1)) })).fetch) }).encrypt('x'), 'INVALID_DATA_KEY');
      await assert.rejectsWithCode(new EnvelopeClient({ keyring: make(sealingBroker((a) => ({ ...a, plaintext: b64(new Uint8Array(32)) })).fetch) }).encrypt('x'), 'MALFORMED_RESPONSE');
      let first;
      const replay = sealingBroker((a) => { first ??= a; return first; });
      const client = new EnvelopeClient({ keyring: make(replay.fetch) });
      await client.encrypt('one');
      await assert.rejectsWithCode(client.encrypt('two'), 'INVALID_DATA_KEY');
    });
  },
};
