// Regression tests from the adversarial review of the `footer` branch (footers
// signed and verified outside the envelope module, issue 10): each R test failed
// on the branch before its fix (adce3ce); H1 held then and must keep holding.
// Helper: ./esdk-writer.js writes ESDK v2 messages byte by byte (node:crypto),
// as an attacker holding a data key (and a signing key of its own) can.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { EnvelopeClient, RawAesKeyring } from 'edge-kms';
import { writeMessage, rawAesWrap, rawAesUnwrap, p384 } from './esdk-writer.js';

const wk = randomBytes(32), wk2 = randomBytes(32);
const kr = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: wk });
const kr2 = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k2', wrappingKey: wk2 });

async function through(stream, bytes, n = 777) {
  const out = []; let error;
  const w = stream.writable.getWriter();
  const reading = (async () => { for await (const c of stream.readable) out.push(c); })().catch((e) => { error = e; });
  try { for (let i = 0; i < bytes.length; i += n) await w.write(bytes.subarray(i, i + n)); await w.close(); } catch (e) { error ??= e; }
  await reading;
  return { out: new Uint8Array(Buffer.concat(out)), error };
}

test('R1: reEncrypt (engine auto, crypto.subtle present) re-keys an authentic signed message of frames < 4096 bytes', async () => {
  // The wasm re-key path verifies with WebCrypto over source[0, check.signedLength); the
  // Resealer's FooterCheck.signed_len counted the body only (open_pending added the header
  // length, Resealer::verify_inner did not): every authentic message was TAMPERED. Now every
  // FooterCheck counts from the message's first byte (BodyReader::body_offset).
  for (const frameLength of [64, 1024, 4095]) {
    const c = new EnvelopeClient({ keyring: kr, frameLength });
    const m = await c.encrypt(randomBytes(5000));
    assert.equal((await c.decrypt(m)).plaintext.length, 5000);
    const r = await c.reEncrypt(m, { keyring: kr2 }).then(() => 'ok', (e) => e.code);
    assert.equal(r, 'ok', `reEncrypt of an authentic message, frameLength ${frameLength}`);
  }
});

test('R2: native reEncryptStream verifies the final frame tag (a signer cannot make it re-key an unreadable message)', async () => {
  // Writer's message (valid footer signature) whose final frame's GCM tag is wrong. decrypt,
  // decryptStream and reEncrypt refuse it; the native re-key stream dropped the held final-frame
  // description at the verdict (RekeyStream::footer_verdict) and never verified its tag, so the
  // stream closed without error and its output opened nowhere. Now the verdict hands the frame
  // to WebCrypto, and finishStream refuses until it is confirmed.
  const dk = randomBytes(32);
  const w = p384();
  const ctx = { tenant: 'acme', 'aws-crypto-public-key': w.compressedB64 };
  const bad = writeMessage({ suiteId: 0x0578, dataKey: dk, messageId: randomBytes(32), ctx, edks: [rawAesWrap(wk, 'ns', 'k', dk, ctx, randomBytes(12))], frameLength: 4096, plaintext: Buffer.alloc(9000, 7), signer: w.privateKey, corruptFinalTag: true });
  for (const engine of ['auto', 'native', 'wasm']) {
    const c = new EnvelopeClient({ keyring: kr, engine });
    await assert.rejects(c.decrypt(bad), (e) => e.code === 'TAMPERED');
    await assert.rejects(c.reEncrypt(bad, { keyring: kr2 }), (e) => e.code === 'TAMPERED');
    const s = await through(c.reEncryptStream({ keyring: kr2 }), bad);
    assert.equal(s.error?.code, 'TAMPERED', `${engine} reEncryptStream closed without error (${s.out.length} bytes out)`);
  }
  // The same writer's message with an intact final frame re-keys on every engine and opens.
  const good = writeMessage({ suiteId: 0x0578, dataKey: dk, messageId: randomBytes(32), ctx, edks: [rawAesWrap(wk, 'ns', 'k', dk, ctx, randomBytes(12))], frameLength: 4096, plaintext: Buffer.alloc(9000, 7), signer: w.privateKey });
  for (const engine of ['auto', 'native', 'wasm']) {
    const s = await through(new EnvelopeClient({ keyring: kr, engine }).reEncryptStream({ keyring: kr2 }), good);
    assert.equal(s.error, undefined, engine);
    assert.deepEqual(Buffer.from((await new EnvelopeClient({ keyring: kr2 }).decrypt(s.out)).plaintext), Buffer.alloc(9000, 7));
  }
});

test('R3: cached encrypt with ecdsa-module footer keys (engine wasm / no crypto.subtle) works past maxBytes and concurrently', async () => {
  // #pruneSigners freed (wiped) a wasm footer key that an encrypt in flight still held:
  // (a) a message above maxBytes is never stored, so the prune right after storeSealer freed
  //     this very call's key; (b) a concurrent call that found the entry used up freed it.
  // The victim call then failed INTERNAL. Now a key is held by its entry and by every call
  // signing with it, and the last holder wipes it (CachedFooterKeys in footer.js).
  const c = new EnvelopeClient({ keyring: kr, engine: 'wasm', cache: { maxAgeMs: 60_000, maxMessages: 2, maxBytes: 100 } });
  const big = await c.encrypt(new Uint8Array(200)).then(() => 'ok', (e) => `${e.code}: ${e.cause?.message ?? e.message}`);
  assert.equal(big, 'ok', 'a message above maxBytes');
  await c.encrypt(new Uint8Array(10));
  const rs = await Promise.allSettled(Array.from({ length: 6 }, () => c.encrypt(new Uint8Array(10))));
  const failed = rs.filter((r) => r.status === 'rejected').map((r) => `${r.reason.code}: ${r.reason.cause?.message ?? r.reason.message}`);
  assert.deepEqual(failed, [], 'concurrent cached encrypts');
});

test('R3b: clearCache() while a cached encrypt (engine wasm) is in flight does not fail it', async () => {
  const out = [];
  for (let ticks = 0; ticks < 4; ticks++) {
    const c = new EnvelopeClient({ keyring: kr, engine: 'wasm', cache: { maxAgeMs: 60_000, maxMessages: 100 } });
    await c.encrypt(new Uint8Array(10));
    const p = c.encrypt(new Uint8Array(10));
    for (let i = 0; i < ticks; i++) await null;
    c.clearCache();
    out.push(await p.then(() => 'ok', (e) => `${e.code}: ${e.cause?.message ?? e.message}`));
  }
  assert.deepEqual(out, ['ok', 'ok', 'ok', 'ok']);
});

// The tests below reach into the package's internals, so they use its unbundled Node
// entry (pkg/entry-node.js) and the module objects that entry shares.

/**
 * Counts the `ecdsa` module's footer keys alive (made, not yet freed, i.e. not wiped):
 * wraps the glue's EcdsaP384Key methods (the facade's class extends it). `fn` gets the
 * set of live keys; the glue is restored afterwards.
 */
async function withKeyCount(fn) {
  const glue = await import('../../pkg/wasm/ecdsa.js');
  const live = new Set();
  const K = glue.EcdsaP384Key.prototype;
  const free = K.free, pub = K.publicKey;
  Object.defineProperty(K, 'free', { value: function () { live.delete(this); return free.call(this); }, configurable: true, writable: true });
  Object.defineProperty(K, 'publicKey', { value: function () { live.add(this); return pub.call(this); }, configurable: true, writable: true });
  try {
    return await fn(live);
  } finally {
    Object.defineProperty(K, 'free', { value: free, configurable: true, writable: true });
    Object.defineProperty(K, 'publicKey', { value: pub, configurable: true, writable: true });
  }
}

const codeOf = (e) => `${e.code}: ${e.cause?.message ?? e.message}`;

test('R3c: an ecdsa-module footer key lives exactly as long as its cache entry and the calls signing with it', async () => {
  const { EnvelopeClient: EC, RawAesKeyring: RK } = await import('../../pkg/entry-node.js');
  await withKeyCount(async (live) => {
    const k = new RK({ keyNamespace: 'ns', keyName: 'k', wrappingKey: randomBytes(32) });
    const c = new EC({ keyring: k, engine: 'wasm', cache: { maxAgeMs: 60_000, maxMessages: 3, maxBytes: 1000 } });
    // Above maxBytes: never stored, its key wiped when the call ends.
    await c.encrypt(new Uint8Array(2000));
    assert.equal(live.size, 0, 'the key of a message the cache did not store');
    // One entry, reused: one key.
    for (let i = 0; i < 3; i++) await c.encrypt(new Uint8Array(10));
    assert.equal(live.size, 1, 'one entry, one key');
    // Used up under concurrent calls, cleared while calls are in flight: all succeed.
    const calls = Array.from({ length: 8 }, (_, i) => c.encrypt(new Uint8Array(10 + i)));
    await null;
    c.clearCache();
    calls.push(...Array.from({ length: 4 }, () => c.encrypt(new Uint8Array(10))));
    const rs = await Promise.allSettled(calls);
    assert.deepEqual(rs.filter((r) => r.status === 'rejected').map((r) => codeOf(r.reason)), []);
    assert.ok(live.size <= 1, `at most the live entry's key: ${live.size}`);
    c.clearCache();
    assert.equal(live.size, 0, 'every key wiped once its entry and its calls ended');
    // A keyring that fails, with and without a cache: the key made for the call is wiped.
    const down = { isKmsKeyring: true, keyId: 'arn:aws:kms:us-east-1:111122223333:key/x', generateDataKey: async () => { throw new Error('broker down'); }, decryptDataKey: async () => { throw new Error('x'); }, encryptDataKey: async () => { throw new Error('x'); } };
    for (const cache of [undefined, { maxAgeMs: 60_000, maxMessages: 10 }]) {
      const failing = new EC({ keyring: down, engine: 'wasm', cache });
      for (let i = 0; i < 2; i++) await assert.rejects(failing.encrypt(new Uint8Array(10)));
      assert.equal(live.size, 0, `failed encrypts, cache ${!!cache}`);
    }
  });
});

test('R4: after a restart of the ecdsa module, cached encrypts (engine wasm) recover at once', async () => {
  const { EnvelopeClient: EC, RawAesKeyring: RK } = await import('../../pkg/entry-node.js');
  const { wasmModule } = await import('../../pkg/core.js');
  const k = new RK({ keyNamespace: 'ns', keyName: 'k', wrappingKey: randomBytes(32) });
  const c = new EC({ keyring: k, engine: 'wasm', cache: { maxAgeMs: 600_000, maxMessages: 1000 } });
  const before = await c.encrypt(new Uint8Array(10));
  // What any trap of the ecdsa module (in any other call: verifyKmsSignature, a footer) does.
  wasmModule('ecdsa').restart(new WebAssembly.RuntimeError('simulated trap elsewhere'));
  const tries = [];
  const msgs = [];
  for (let i = 0; i < 3; i++) tries.push(await c.encrypt(new Uint8Array(10)).then((m) => { msgs.push(m); return 'ok'; }, codeOf));
  assert.deepEqual(tries, ['ok', 'ok', 'ok']);
  // A new entry (new footer key) replaced the one whose key was lost; the messages open.
  const { parseMessage } = await import('../../pkg/entry-node.js');
  const pubOf = async (m) => (await parseMessage(m)).encryptionContext['aws-crypto-public-key'];
  assert.notEqual(await pubOf(msgs[0]), await pubOf(before));
  assert.equal(await pubOf(msgs[2]), await pubOf(msgs[0]));
  for (const m of [before, ...msgs]) assert.equal((await new EC({ keyring: k }).decrypt(m)).plaintext.length, 10);
});

test('R5: an encrypt whose keyring fails wipes the ecdsa-module footer key it made', async () => {
  const { EnvelopeClient: EC } = await import('../../pkg/entry-node.js');
  await withKeyCount(async (live) => {
    const down = { isKmsKeyring: true, keyId: 'arn:aws:kms:us-east-1:111122223333:key/x', generateDataKey: async () => { throw new Error('broker down'); }, decryptDataKey: async () => { throw new Error('x'); }, encryptDataKey: async () => { throw new Error('x'); } };
    const c = new EC({ keyring: down, engine: 'wasm' });
    for (let i = 0; i < 3; i++) await c.encrypt(new Uint8Array(10)).catch(() => {});
    assert.equal(live.size, 0, 'footer signing keys left unfreed (unwiped until GC)');
  });
});

test('R6 (core API, defence in depth): the wrong verdict variant is refused and does not spend the verdict', async () => {
  const { RawAesKeyring: RK, EnvelopeClient: EC } = await import('../../pkg/entry-node.js');
  const { withCore } = await import('../../pkg/modules/envelope.js');
  const { coreKeyring } = await import('../../pkg/keyrings.js');
  const k = new RK({ keyNamespace: 'ns', keyName: 'k', wrappingKey: randomBytes(32) });
  const msg = await new EC({ keyring: k, frameLength: 64 }).encrypt(randomBytes(300));
  const got = await withCore((b) => {
    const open = (native) => {
      const limits = new b.CoreReadLimits(false, 10, 1 << 20, 1 << 20, false);
      const o = b.CoreOpener.fromPrefix(msg, limits, [], [], randomBytes(64));
      limits.free();
      o.tryKeyring(coreKeyring(k, b));
      if (native) o.startNativeStream(); else o.startStream();
      return o;
    };
    const refused = (f) => { try { f(); return 'accepted'; } catch (e) { return e.code; } };
    // A wasm stream: footerVerdictNative is refused; footerVerdict then releases the final frame.
    const w = open(false);
    let n = w.update(msg.subarray(w.headerLength())).length;
    w.footerCheck();
    const wrongOnWasm = refused(() => w.footerVerdictNative(true));
    n += w.footerVerdict(true).length;
    const finished = refused(() => w.finish());
    w.free();
    // A native stream: footerVerdict is refused; footerVerdictNative then describes the final frame.
    const o = open(true);
    const described = o.planUpdate(msg.subarray(o.headerLength())).length;
    o.footerCheck();
    const wrongOnNative = refused(() => o.footerVerdict(true));
    const last = o.footerVerdictNative(true).length;
    o.free();
    return { n, finished, wrongOnWasm, wrongOnNative, described, last };
  });
  // Before: footerVerdictNative on a wasm stream consumed the verdict and dropped the held
  // final frame (returned []), and finish() then succeeded: 256 of 300 bytes, no error.
  assert.deepEqual(got, { n: 300, finished: 'accepted', wrongOnWasm: 'INVALID_STATE', wrongOnNative: 'INVALID_STATE', described: 4, last: 1 });
});

test('H1 (holds): real signature stripping by a data-key holder is TAMPERED on every path, with and without cache', async () => {
  const { parseMessage } = await import('edge-kms');
  const legit = await new EnvelopeClient({ keyring: kr, frameLength: 4096 }).encrypt(Buffer.alloc(9000, 1), { encryptionContext: { tenant: 'acme' } });
  const p = await parseMessage(legit);
  const dk = rawAesUnwrap(wk, p.encryptedDataKeys[0], p.encryptionContext);
  const edks = p.encryptedDataKeys.map((e) => ({ providerId: Buffer.from(e.providerId), providerInfo: e.providerInfo, ciphertext: e.ciphertext }));
  // New message id, key, commitment and header tag; suite 0x0478; context (with aws-crypto-public-key) and EDKs kept.
  const stripped = writeMessage({ suiteId: 0x0478, dataKey: dk, messageId: randomBytes(32), ctx: p.encryptionContext, edks, frameLength: 4096, plaintext: Buffer.from('FORGED '.repeat(1500)) });
  for (const engine of ['auto', 'wasm', 'native']) {
    for (const cache of [undefined, { maxAgeMs: 60_000, maxMessages: 10 }]) {
      const c = new EnvelopeClient({ keyring: kr, engine, cache });
      if (cache) await c.decrypt(legit);
      await assert.rejects(c.decrypt(stripped), (e) => e.code === 'TAMPERED');
      const s = await through(c.decryptStream(), stripped);
      assert.equal(s.error?.code, 'TAMPERED'); assert.equal(s.out.length, 0);
      await assert.rejects(c.reEncrypt(stripped, { keyring: kr2 }), (e) => e.code === 'TAMPERED');
      const r = await through(c.reEncryptStream({ keyring: kr2 }), stripped);
      assert.equal(r.error?.code, 'TAMPERED'); assert.equal(r.out.length, 0);
    }
  }
});

test('a restart of the ecdsa module under a signed stream fails it coded and retryable, as the envelope module\'s restarts do', async () => {
  const { EnvelopeClient: EC, RawAesKeyring: RK } = await import('../../pkg/entry-node.js');
  const { wasmModule } = await import('../../pkg/core.js');
  const k = new RK({ keyNamespace: 'ns', keyName: 'k', wrappingKey: randomBytes(32) });
  const c = new EC({ keyring: k, engine: 'wasm', frameLength: 64 });
  const cases = [
    ['encryptStream', () => c.encryptStream(), randomBytes(300)],
    ['reEncryptStream', () => c.reEncryptStream({ keyring: k }), await c.encrypt(randomBytes(300))],
  ];
  for (const [name, make, input] of cases) {
    const ts = make();
    const w = ts.writable.getWriter();
    const read = (async () => { for await (const _ of ts.readable); })(); // eslint-disable-line no-unused-vars
    const cut = input.length - 120; // past the header: the stream's footer key exists
    await w.write(input.subarray(0, cut));
    wasmModule('ecdsa').restart(new WebAssembly.RuntimeError('simulated trap elsewhere'));
    const err = await Promise.all([w.write(input.subarray(cut)).then(() => w.close()), read]).then(() => null, (e) => e);
    assert.ok(err, `${name}: the stream failed`);
    assert.equal(err.code, 'INTERNAL', `${name}: ${err.message}`);
    assert.equal(err.retryable, true, `${name}: retryable`);
  }
});
