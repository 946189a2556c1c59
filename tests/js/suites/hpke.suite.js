// keyTransport 'hpke' in every runtime (Node, workerd, Chromium, Deno): the
// wasm core makes the recipient key pair, and opens a data key sealed to it
// straight into the sealing/opening session. The broker's side is a stand-in
// passed as `fetch` that seals with the broker's own HPKE module (WebCrypto,
// src/js/broker/hpke.js); tests/js/hpke.test.js and hpke-e2e.test.js run the
// real broker over HTTP, moto and workerd.
import { assert } from '../harness.js';
import { hpkeSeal, requestAad } from '../../../src/js/broker/hpke.js';
import { isCurvePoint } from '../../../src/js/p256-point.js';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/0d9e7e55-5d1f-4ac8-9c1c-2f1f2b0e3c11';
const b64 = (u8) => btoa(String.fromCharCode(...u8));
const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const unhex = (s) => Uint8Array.from(s.match(/../g), (h) => parseInt(h, 16));
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

    // The DH step runs outside the core (src/js/hpke-key.js): WebCrypto's
    // importKey is what refuses a bad `enc` on the 'auto' path, the ecdsa
    // module on the 'wasm' path. These are the points each must refuse.
    const badPoints = (enc) => {
      const yFlipped = enc.slice(); yFlipped[64] ^= 1; // off the curve (only y and p - y are on it for this x)
      const xIsP = enc.slice(); xIsP.set(unhex('ffffffff00000001000000000000000000000000ffffffffffffffffffffffff'), 1); // a coordinate >= p
      const zero = new Uint8Array(65); zero[0] = 4; // (0, 0)
      const identity = new Uint8Array(65); // the identity's 0x00 prefix, padded
      const compressed = enc.slice(); compressed[0] = 2; // a compressed prefix in the uncompressed slot
      return { yFlipped, xIsP, zero, identity, compressed };
    };

    t.test("this runtime's WebCrypto computes no DH with a point that is not on the curve (importKey or deriveBits refuses)", async () => {
      // Node, workerd and Chromium refuse at importKey; Deno 2.9 imports a point
      // off the curve and refuses at deriveBits. The client also checks `enc`
      // itself first (isCurvePoint, hpke-key.js), so every runtime refuses alike.
      const P256 = { name: 'ECDH', namedCurve: 'P-256' };
      const pair = await crypto.subtle.generateKey(P256, true, ['deriveBits']);
      const mine = await crypto.subtle.generateKey(P256, false, ['deriveBits']);
      const enc = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
      const derive = async (point) => crypto.subtle.deriveBits({ name: 'ECDH', public: await crypto.subtle.importKey('raw', point, P256, false, []) }, mine.privateKey, 256);
      assert.equal((await derive(enc)).byteLength, 32); // the control: a real point gives a DH
      assert.ok(isCurvePoint(enc));
      for (const [what, bad] of Object.entries(badPoints(enc))) {
        let refused = false;
        try { await derive(bad); } catch { refused = true; }
        assert.ok(refused, `a DH with ${what}`);
        assert.ok(!isCurvePoint(bad), `isCurvePoint took ${what}`);
      }
    });

    t.test("engine 'wasm': the key pair and DH of the ecdsa module; its messages open with WebCrypto's and back", async () => {
      const broker = sealingBroker();
      const wasm = new EnvelopeClient({ keyring: make(broker.fetch), engine: 'wasm' });
      const auto = new EnvelopeClient({ keyring: make(broker.fetch) });
      const a = await wasm.encrypt('sealed with the ecdsa module', { encryptionContext: ec });
      assert.equal(new TextDecoder().decode((await auto.decrypt(a, { encryptionContext: ec })).plaintext), 'sealed with the ecdsa module');
      const b = await auto.encrypt('sealed with WebCrypto', { encryptionContext: ec });
      assert.equal(new TextDecoder().decode((await wasm.decrypt(b, { encryptionContext: ec })).plaintext), 'sealed with WebCrypto');
      assert.equal(broker.sealed, 4);
    });

    t.test('an enc that is not a point of the curve is refused (INVALID_DATA_KEY) on both paths, encrypt and decrypt', async () => {
      const good = sealingBroker();
      const message = await new EnvelopeClient({ keyring: make(good.fetch) }).encrypt('x', { encryptionContext: ec });
      for (const engine of ['auto', 'wasm']) {
        for (const what of ['yFlipped', 'xIsP', 'zero', 'identity', 'compressed']) {
          const swap = (a) => { const c = unb64(a.ciphertextForRecipient); c.set(badPoints(c.subarray(0, 65))[what], 0); return { ...a, ciphertextForRecipient: b64(c) }; };
          const bad = sealingBroker(swap);
          await assert.rejectsWithCode(new EnvelopeClient({ keyring: make(bad.fetch), engine }).encrypt('x', { encryptionContext: ec }), 'INVALID_DATA_KEY', `${engine} ${what} encrypt`);
          // the decrypt path: the same broker's keys, answers with the bad enc
          const keyring = make(async (url, init) => (url.endsWith('/decrypt') ? json(200, swap(await (await good.fetch(url, init)).json())) : good.fetch(url, init)));
          await assert.rejectsWithCode(new EnvelopeClient({ keyring, engine }).decrypt(message, { encryptionContext: ec }), 'INVALID_DATA_KEY', `${engine} ${what} decrypt`);
        }
      }
    });
  },
};
