// A WebAssembly.RuntimeError that is the caller's own, not a trap of one of
// the package's modules, must not restart the module (which would break every
// operation in flight on it), wherever it comes from: a getter of the KMS
// answer, a keyring property, the caller's AbortSignal, an abort reason. Found
// by a review after the keyring-call case was fixed (boundary.test.js): since
// then core.js restarts a module only where a call into it trapped (its
// methods, free functions and constructors, guarded), and withCore codes any
// other RuntimeError INTERNAL. Each case runs beside a wasm encryptStream in
// flight, which must complete and open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EnvelopeClient, RawAesKeyring, MultiKeyring } from 'edge-kms';

const UNSIGNED = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY';
const own = () => new WebAssembly.RuntimeError("the app's own wasm");
const wasmClient = new EnvelopeClient({
  keyring: new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: new Uint8Array(32).fill(4) }),
  suite: UNSIGNED, engine: 'wasm',
});

const cases = {
  'a getter of the KMS answer (plaintext)': () => new EnvelopeClient({
    keyring: { isKmsKeyring: true, keyId: 'alias/x', async generateDataKey() { return { keyId: 'k', get plaintext() { throw own(); }, ciphertextBlob: new Uint8Array(8) }; } },
    suite: UNSIGNED,
  }).encrypt('x'),
  'a getter of the keyring (keyTransport)': () => new EnvelopeClient({
    keyring: { isKmsKeyring: true, keyId: 'alias/x', get keyTransport() { throw own(); }, async generateDataKey() { return {}; } },
    suite: UNSIGNED,
  }).encrypt('x'),
  "the caller's signal (throwIfAborted)": () => {
    const signal = { aborted: false, reason: undefined, addEventListener() {}, removeEventListener() {}, throwIfAborted() { throw own(); } };
    return new EnvelopeClient({
      keyring: { isKmsKeyring: true, keyId: 'alias/x', async generateDataKey() { return {}; } },
      suite: UNSIGNED,
    }).encrypt('x', { signal });
  },
  'a real AbortController aborted with a RuntimeError reason during the KMS call': () => {
    const controller = new AbortController();
    const kms = { isKmsKeyring: true, keyId: 'alias/x',
      async generateDataKey() { controller.abort(own()); return { keyId: 'k', plaintext: new Uint8Array(32).fill(1), ciphertextBlob: new Uint8Array(8) }; },
      async encryptDataKey() { return { keyId: 'k', ciphertextBlob: new Uint8Array(8) }; } };
    const raw = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k2', wrappingKey: new Uint8Array(32).fill(5) });
    return new EnvelopeClient({ keyring: new MultiKeyring({ generator: kms, children: [kms, raw] }), suite: UNSIGNED }).encrypt('x', { signal: controller.signal });
  },
};

for (const [name, run] of Object.entries(cases)) {
  test(`a RuntimeError from ${name} does not restart the module under a stream in flight`, async () => {
    const ts = wasmClient.encryptStream();
    const writer = ts.writable.getWriter();
    const chunks = [];
    const read = (async () => { for await (const c of ts.readable) chunks.push(c); })();
    await writer.write(new Uint8Array(5000).fill(1));
    const e = await run().then(() => undefined, (x) => x);
    assert.ok(e && typeof e.code === 'string', `${name}: a coded error (${e})`);
    let victim;
    try {
      await writer.write(new Uint8Array(5000).fill(2));
      await writer.close();
      await read;
    } catch (x) {
      victim = x;
    }
    assert.equal(victim, undefined, 'an unrelated stream in flight was broken by the restart');
    const { plaintext } = await wasmClient.decrypt(Buffer.concat(chunks));
    assert.equal(plaintext.length, 10000);
  });
}
