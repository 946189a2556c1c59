// BrokerKeyring in every runtime (Node, workerd, Chromium), against an
// in-memory stand-in for the broker passed as `fetch`: the protocol, the
// error mapping, retries, the deadline, abort, and refusing malformed
// answers. (The real broker over HTTP is tested in tests/js/broker*.test.js.)
import { assert } from '../harness.js';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/0d9e7e55-5d1f-4ac8-9c1c-2f1f2b0e3c11';
const b64 = (u8) => btoa(String.fromCharCode(...u8));
const json = (status, body, headers = {}) => new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/** A stand-in broker: data keys are random, blobs are opaque handles bound to the context. */
function stubBroker() {
  const blobs = new Map();
  const calls = [];
  const fetch = async (url, init) => {
    // A request that carries a data key is sent as bytes (see secret-json.js).
    const body = JSON.parse(typeof init.body === 'string' ? init.body : new TextDecoder().decode(init.body));
    calls.push({ url, body, headers: new Headers(init.headers) });
    const ctx = JSON.stringify(body.encryptionContext ?? {});
    if (url.endsWith('/generate-data-key')) {
      const key = crypto.getRandomValues(new Uint8Array(body.numberOfBytes));
      const blob = crypto.getRandomValues(new Uint8Array(48));
      blobs.set(b64(blob), { key, ctx });
      return json(200, { keyId: ARN, plaintext: b64(key), ciphertextBlob: b64(blob) });
    }
    if (url.endsWith('/decrypt')) {
      const e = blobs.get(body.ciphertextBlob);
      if (!e || e.ctx !== ctx) return json(400, { error: { code: 'InvalidCiphertextException', message: 'invalid' } });
      return json(200, { keyId: ARN, plaintext: b64(e.key) });
    }
    if (url.endsWith('/encrypt')) {
      const blob = crypto.getRandomValues(new Uint8Array(48));
      blobs.set(b64(blob), { key: Uint8Array.from(atob(body.plaintext), (c) => c.charCodeAt(0)), ctx });
      return json(200, { keyId: ARN, ciphertextBlob: b64(blob) });
    }
    return json(404, { error: { code: 'UnknownOperation', message: 'no' } });
  };
  return { fetch, calls };
}

/** A fetch that never answers but honours its signal, as a real fetch does. */
const hanging = (counter) => (_url, init) => new Promise((_, reject) => {
  if (counter) counter.n++;
  init.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
});

export default {
  name: 'broker-keyring',
  /** @param {import('../harness.js').Registrar} t @param {import('../harness.js').Ctx} ctx */
  register(t, { edgeKms }) {
    const { BrokerKeyring } = edgeKms;
    const make = (fetch, extra = {}) => new BrokerKeyring({ endpoint: 'https://broker.test/kms/', keyId: 'alias/demo', fetch, ...extra });

    t.test('generate, decrypt and encrypt round trip through the protocol', async () => {
      const stub = stubBroker();
      const kr = make(stub.fetch, { headers: async () => ({ authorization: 'Bearer t' }) });
      assert.equal(kr.isKmsKeyring, true);
      const ec = { tenant: 'acme' };
      const dk = await kr.generateDataKey({ encryptionContext: ec, numberOfBytes: 32 });
      assert.equal(dk.keyId, ARN);
      assert.equal(dk.plaintext.length, 32);
      assert.equal(stub.calls[0].url, 'https://broker.test/kms/generate-data-key');
      assert.equal(stub.calls[0].headers.get('authorization'), 'Bearer t');
      assert.equal(stub.calls[0].headers.get('content-type'), 'application/json');
      assert.deepEqual(stub.calls[0].body, { keyId: 'alias/demo', encryptionContext: ec, numberOfBytes: 32 });
      const back = await kr.decryptDataKey({ keyId: dk.keyId, ciphertextBlob: dk.ciphertextBlob, encryptionContext: ec });
      assert.bytesEqual(back.plaintext, dk.plaintext);
      const re = await kr.encryptDataKey({ plaintext: dk.plaintext, encryptionContext: ec });
      assert.bytesEqual((await kr.decryptDataKey({ keyId: re.keyId, ciphertextBlob: re.ciphertextBlob, encryptionContext: ec })).plaintext, dk.plaintext);
      await assert.rejectsWithCode(kr.decryptDataKey({ keyId: dk.keyId, ciphertextBlob: dk.ciphertextBlob, encryptionContext: { tenant: 'x' } }), 'INVALID_CIPHERTEXT');
    });

    t.test('broker error names map to codes and only throttling/5xx are retried', async () => {
      for (const [status, code, expected, attempts] of [
        [409, 'DisabledException', 'KMS_KEY_DISABLED', 1], [409, 'KMSInvalidStateException', 'KMS_INVALID_STATE', 1],
        [403, 'AccessDeniedException', 'ACCESS_DENIED', 1], [404, 'NotFoundException', 'NOT_FOUND', 1],
        [400, 'IncorrectKeyException', 'INCORRECT_KEY', 1], [400, 'BadRequest', 'BAD_REQUEST', 1],
        [429, 'ThrottlingException', 'THROTTLED', 3], [503, 'KMSUnavailable', 'BROKER_UNAVAILABLE', 3], [500, 'InternalError', 'BROKER_UNAVAILABLE', 3],
      ]) {
        let n = 0;
        const kr = make(async () => { n++; return json(status, { error: { code, message: 'm' } }); }, { retries: 2 });
        const e = await assert.rejectsWithCode(kr.generateDataKey(), expected, code);
        assert.equal(e.status, status);
        assert.equal(n, attempts, `${code} attempts`);
      }
    });

    t.test('a network failure is retried, then BROKER_UNAVAILABLE', async () => {
      let n = 0;
      const stub = stubBroker();
      const flaky = (url, init) => (++n < 3 ? Promise.reject(new TypeError('fetch failed')) : stub.fetch(url, init));
      assert.equal((await make(flaky, { retries: 2 }).generateDataKey()).plaintext.length, 32);
      assert.equal(n, 3);
      await assert.rejectsWithCode(make(() => Promise.reject(new TypeError('fetch failed')), { retries: 1 }).generateDataKey(), 'BROKER_UNAVAILABLE');
    });

    t.test('the deadline covers the call: TIMEOUT', async () => {
      const counter = { n: 0 };
      await assert.rejectsWithCode(make(hanging(counter), { timeoutMs: 50 }).generateDataKey(), 'TIMEOUT');
      assert.equal(counter.n, 1);
    });

    t.test('the caller\'s signal aborts: ABORTED, before or during the call', async () => {
      const counter = { n: 0 };
      const ac = new AbortController();
      const p = make(hanging(counter), { timeoutMs: 10_000 }).generateDataKey({ signal: ac.signal });
      setTimeout(() => ac.abort(), 20);
      await assert.rejectsWithCode(p, 'ABORTED');
      await assert.rejectsWithCode(make(hanging(counter)).generateDataKey({ signal: AbortSignal.abort() }), 'ABORTED');
      assert.equal(counter.n, 1);
    });

    t.test('malformed answers are MALFORMED_RESPONSE and never returned', async () => {
      const ok = { keyId: ARN, plaintext: b64(new Uint8Array(32)), ciphertextBlob: b64(new Uint8Array(40)) };
      for (const body of ['not json', '[]', { ...ok, plaintext: 7 }, { ...ok, plaintext: 'no base64!' }, { ...ok, ciphertextBlob: undefined }, { ...ok, keyId: 'alias/demo' }, { ...ok, plaintext: b64(new Uint8Array(31)) }]) {
        await assert.rejectsWithCode(make(async () => json(200, body)).generateDataKey({ numberOfBytes: 32 }), 'MALFORMED_RESPONSE', JSON.stringify(body).slice(0, 40));
      }
    });

    t.test('bad arguments are INVALID_ARGUMENT and send nothing', async () => {
      let n = 0;
      const kr = make(async () => { n++; return json(500, {}); });
      await assert.rejectsWithCode(kr.generateDataKey({ numberOfBytes: 2000 }), 'INVALID_ARGUMENT');
      await assert.rejectsWithCode(kr.generateDataKey({ encryptionContext: { a: 1 } }), 'INVALID_ARGUMENT');
      await assert.rejectsWithCode(kr.decryptDataKey({ ciphertextBlob: 'blob' }), 'INVALID_ARGUMENT');
      assert.throwsWithCode(() => new BrokerKeyring({ keyId: 'alias/demo' }), 'INVALID_ARGUMENT');
      assert.equal(n, 0);
    });
  },
};
