// What a keyring of the caller's throws, on every API that runs one (helper-54's
// review, 2026-12-04): a KMS keyring that rejects with its own error (a plain
// Error, a TypeError from fetch, a string) gave INTERNAL "please report it",
// which says the bug is this package's; it is KEYRING_FAILED, with the error as
// its cause. A keyring tree read again after the client accepted it (re-keying's
// target, a subclass's or a Proxy's `children`) could throw a bare Error or
// overflow the stack; it is INVALID_ARGUMENT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { EnvelopeClient, MultiKeyring, RawAesKeyring } from 'edge-kms';

const UNSIGNED = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY';
const ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const aes = () => new RawAesKeyring({ keyNamespace: 'errors', keyName: 'k', wrappingKey: randomBytes(32) });

/** Pipes `input` through a stream; its error (or undefined). @param {TransformStream} ts @param {Uint8Array} input */
async function streamError(ts, input) {
  const w = ts.writable.getWriter();
  const reading = (async () => { for await (const _ of ts.readable); })(); // eslint-disable-line no-unused-vars
  const r = await Promise.allSettled([reading, w.write(input).then(() => w.close())]);
  return r.find((x) => x.status === 'rejected')?.reason;
}

/** A KMS keyring that answers from memory, or throws `thrown` from every call once `failing` is set. */
function kms(thrown) {
  const store = new Map();
  const k = {
    failing: false,
    isKmsKeyring: true,
    keyId: ARN,
    async generateDataKey({ numberOfBytes }) {
      if (k.failing) throw thrown;
      const plaintext = randomBytes(numberOfBytes);
      const blob = randomBytes(16);
      store.set(blob.toString('hex'), Buffer.from(plaintext));
      return { keyId: ARN, plaintext, ciphertextBlob: blob };
    },
    async encryptDataKey() { throw thrown; },
    async decryptDataKey({ ciphertextBlob }) {
      if (k.failing) throw thrown;
      return { keyId: ARN, plaintext: Uint8Array.from(store.get(Buffer.from(ciphertextBlob).toString('hex'))) };
    },
  };
  return k;
}

const trap = () => { throw new Error('trap'); };
const hostile = new Proxy({}, { getPrototypeOf: trap, get: trap, has: trap }); // helper-55: `instanceof` on it throws
for (const [label, thrown] of [['an Error', new Error('the network')], ['a TypeError from fetch', new TypeError('fetch failed')], ['a string', 'no'], ['a Proxy whose traps throw', hostile]]) {
  test(`a KMS keyring that throws ${label}: KEYRING_FAILED, with it as the cause, on every API`, async () => {
    const k = kms(thrown);
    const c = new EnvelopeClient({ keyring: k, suite: UNSIGNED });
    const sealed = await c.encrypt(randomBytes(100));
    k.failing = true;
    const isIt = (/** @type {any} */ e) => e?.code === 'KEYRING_FAILED' && e.cause === thrown;
    await assert.rejects(c.encrypt(randomBytes(10)), isIt);
    await assert.rejects(c.decrypt(sealed), isIt);
    await assert.rejects(c.reEncrypt(sealed, { keyring: aes() }), isIt);
    assert.ok(isIt(await streamError(c.encryptStream(), randomBytes(10))), 'encryptStream');
    assert.ok(isIt(await streamError(c.decryptStream(), sealed)), 'decryptStream');
    assert.ok(isIt(await streamError(c.reEncryptStream({ keyring: aes() }), sealed)), 'reEncryptStream');
    // as a child that wraps the data key (encryptDataKey)
    await assert.rejects(new EnvelopeClient({ keyring: new MultiKeyring({ generator: aes(), children: [k] }), suite: UNSIGNED }).encrypt(randomBytes(10)), isIt);
  });
}

test('a keyring tree that cannot be read, or holds itself, is INVALID_ARGUMENT wherever it is walked', async () => {
  const ring = aes();
  const c = new EnvelopeClient({ keyring: ring, suite: UNSIGNED });
  const sealed = await c.encrypt(randomBytes(100));
  const throwing = new Proxy(new MultiKeyring({ generator: aes() }), { get(t, p) { if (p === 'children') throw new Error('trap'); return Reflect.get(t, p); } });
  const selfish = new (class extends MultiKeyring {})({ generator: aes() });
  Object.defineProperty(selfish, 'children', { value: [selfish] });
  class Open extends MultiKeyring {} // a subclass's instances are not frozen
  const deep = new Open({ generator: aes() });
  let last = deep;
  for (let i = 0; i < 20_000; i++) { const next = new Open({ generator: aes() }); Object.defineProperty(last, 'children', { value: [next] }); last = next; }
  for (const [label, tree] of [['a Proxy whose trap throws', throwing], ['a tree that holds itself', selfish], ['a tree too deep to walk', deep]]) {
    const bad = (/** @type {any} */ e) => e?.code === 'INVALID_ARGUMENT';
    await assert.rejects(c.reEncrypt(sealed, { keyring: tree }), bad, `reEncrypt: ${label}`);
    assert.throws(() => c.reEncryptStream({ keyring: tree }), bad, `reEncryptStream: ${label}`);
    await assert.rejects(new EnvelopeClient({ keyring: tree, suite: UNSIGNED }).encrypt(randomBytes(10)), bad, `encrypt: ${label}`);
    await assert.rejects(new EnvelopeClient({ keyring: tree, suite: UNSIGNED }).decrypt(sealed), bad, `decrypt: ${label}`);
  }
  // and the client still works
  assert.equal((await c.decrypt(sealed)).plaintext.length, 100);
});

test("a caller's signal whose `reason` getter throws: its abort ends a stream ABORTED, and nothing escapes as an uncaught exception", async () => {
  // helper-55: the stream's listener on the caller's signal read `reason` outside any try,
  // so the getter's error was an uncaught exception (in Node: the process exits).
  const waiting = {
    isKmsKeyring: true,
    keyId: ARN,
    generateDataKey: ({ signal }) => new Promise((_, no) => signal.addEventListener('abort', () => no(signal.reason), { once: true })),
  };
  const ac = new AbortController();
  Object.defineProperty(ac.signal, 'reason', { get() { throw new Error('reason getter'); } });
  const ts = new EnvelopeClient({ keyring: waiting, suite: UNSIGNED }).encryptStream({ signal: ac.signal });
  const ended = streamError(ts, randomBytes(10));
  await new Promise((ok) => setTimeout(ok, 10));
  ac.abort();
  const e = await ended;
  assert.equal(e?.code, 'ABORTED', String(e));
});
