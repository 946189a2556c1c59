// Regression test from an adversarial review (2026-12-02) of the restart path: a restart of the envelope module
// (what a trap of another call sets off; simulated here with the module's own
// restart(), as heap-secrets.test.js does) while streams, KMS calls and a
// cache are in flight on it. Each must fail with a coded, retryable error and
// release nothing more; nothing may work on the renewed memory with an old
// handle; the old memory is zeroed. These held (kept as regression tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { EnvelopeClient, RawAesKeyring, EdgeKmsError } from '../../pkg/entry-node.js';
import * as envelopeGlue from '../../pkg/wasm/envelope.js';
import * as envelopeFullGlue from '../../pkg/wasm/envelope-full.js';
import { wasmModule } from '../../pkg/core.js';

const envelopeModule = wasmModule('envelope', envelopeGlue, () => new URL('../../pkg/wasm/envelope_bg.wasm', import.meta.url));
const envelopeFullModule = wasmModule('envelope-full', envelopeFullGlue, () => new URL('../../pkg/wasm/envelope-full_bg.wasm', import.meta.url));
const UNSIGNED = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY';
const SIGNED = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384';
const ring = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: new Uint8Array(32).fill(6) });
const trap = () => envelopeModule.restart(new WebAssembly.RuntimeError('unreachable (simulated trap of another call)'));
const isRetryable = (e) => e instanceof EdgeKmsError && e.code === 'INTERNAL' && e.retryable === true;

function open(ts) {
  const writer = ts.writable.getWriter();
  const out = [];
  let ended;
  const done = (async () => { try { for await (const c of ts.readable) out.push(c); ended = 'closed'; } catch (e) { ended = e; } })();
  return { writer, out, done, ended: () => ended };
}

for (const engine of ['wasm', 'native']) {
  for (const suite of [UNSIGNED, SIGNED]) {
    test(`${engine}, ${suite}: streams in flight when the module restarts fail coded and release nothing more`, async () => {
      const client = new EnvelopeClient({ keyring: ring, suite, engine, frameLength: 1024 });
      const plaintext = randomBytes(20_000);
      const message = Buffer.from(await client.encrypt(plaintext));
      const enc = open(client.encryptStream());
      const dec = open(client.decryptStream());
      await enc.writer.write(plaintext.subarray(0, 5000));
      await dec.writer.write(message.subarray(0, 6000));
      await new Promise((r) => setTimeout(r, 0));
      const released = { enc: enc.out.length, dec: Buffer.concat(dec.out).length };
      const memory = envelopeGlue.initSync().memory.buffer;
      trap();
      assert.ok(new Uint8Array(memory).every((b) => b === 0), 'the old memory is zeroed');
      const w1 = await enc.writer.write(plaintext.subarray(5000)).then(() => 'ok', (e) => e);
      const w2 = await dec.writer.write(message.subarray(6000)).then(() => 'ok', (e) => e);
      await enc.writer.close().catch(() => {});
      await dec.writer.close().catch(() => {});
      await enc.done; await dec.done;
      assert.ok(isRetryable(w1) || isRetryable(enc.ended()), `encryptStream: ${w1} / ${enc.ended()}`);
      assert.ok(isRetryable(w2) || isRetryable(dec.ended()), `decryptStream: ${w2} / ${dec.ended()}`);
      assert.equal(enc.out.length, released.enc, 'encryptStream released output after the restart');
      assert.equal(Buffer.concat(dec.out).length, released.dec, 'decryptStream released plaintext after the restart');
      assert.deepEqual(Buffer.concat(dec.out), plaintext.subarray(0, released.dec), 'what was released is a true prefix');
      // the module works on afterwards, the keyring rebuilt
      assert.deepEqual(Buffer.from((await client.decrypt(message)).plaintext), plaintext);
    });
  }
}

test('a restart while a KMS keyring is awaited: coded retryable, the handed-in data key wiped, and the cache rebuilt', async () => {
  let hold;
  const keys = [];
  const copies = [];
  const kms = {
    isKmsKeyring: true, keyId: 'k',
    async generateDataKey() { const k = randomBytes(32); keys.push(k); copies.push(Buffer.from(k)); if (hold) await hold; return { keyId: 'k', plaintext: k, ciphertextBlob: new Uint8Array([1]) }; },
    async decryptDataKey() { if (hold) await hold; return { keyId: 'k', plaintext: new Uint8Array(copies[0]) }; },
  };
  // A cache runs in `envelope-full`, and with it loaded, so does every other call.
  const client = new EnvelopeClient({ keyring: kms, suite: UNSIGNED, engine: 'wasm', cache: { maxAgeMs: 60_000 } });
  const m = await client.encrypt('cached');
  assert.ok(envelopeFullModule.loaded);
  assert.equal(keys.length, 1);
  let go; hold = new Promise((r) => { go = r; });
  const pendingDecrypt = new EnvelopeClient({ keyring: kms, suite: UNSIGNED, engine: 'wasm' }).decrypt(m);
  const pendingEncrypt = new EnvelopeClient({ keyring: kms, suite: UNSIGNED, engine: 'wasm' }).encrypt('x');
  await new Promise((r) => setTimeout(r, 5));
  const memory = envelopeFullGlue.initSync().memory.buffer;
  envelopeFullModule.restart(new WebAssembly.RuntimeError('unreachable (simulated trap of another call)'));
  assert.ok(new Uint8Array(memory).every((b) => b === 0), 'the old memory is zeroed');
  go(); hold = undefined;
  const [d, e] = await Promise.all([pendingDecrypt.then(() => 'ok', (x) => x), pendingEncrypt.then(() => 'ok', (x) => x)]);
  assert.ok(isRetryable(d), `decrypt awaiting KMS: ${d}`);
  assert.ok(isRetryable(e), `encrypt awaiting KMS: ${e}`);
  assert.ok(keys[1].every((b) => b === 0), 'the data key the KMS handed in was wiped');
  // the cache was in the old memory: a fresh one, and a new data key
  await client.encrypt('after');
  assert.equal(keys.length, 3, 'the cached data key of the discarded instance was not used');
  assert.equal(new TextDecoder().decode((await client.decrypt(m)).plaintext), 'cached');
});
