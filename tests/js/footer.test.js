// Footers signed and verified outside the `envelope` WebAssembly module (issue 10,
// SIZE-PLAN step 3): WebCrypto for one-shot footers, the `ecdsa` module for streams,
// `engine: 'wasm'` and the data-key cache's keys. Node only (the peer is
// @aws-crypto/client-node); every path of ours against the peer in both directions,
// and every path refuses a forged, foreign or stripped footer with TAMPERED and
// releases no plaintext (streams: never the final frame).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { buildClient, CommitmentPolicy, AlgorithmSuiteIdentifier, RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-node';
import { EnvelopeClient, RawAesKeyring, parseMessage } from 'edge-kms';
import { FOOTER_ROOM, withFooter } from '../../pkg/footer.js';

const sdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const NS = 'edge-kms/footer';
const key = randomBytes(32), key2 = randomBytes(32);
const ours = (k = key, name = 'k') => new RawAesKeyring({ keyNamespace: NS, keyName: name, wrappingKey: k });
const sdkAes = (k = key, name = 'k') => new RawAesKeyringNode({ keyNamespace: NS, keyName: name, unencryptedMasterKey: new Uint8Array(k), wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING });
const CONTEXT = { tenant: 'acme' };
const pattern = (n) => { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = (i * 131 + 7) & 0xff; return b; };
// Small frames so a message has several; 4096 is where `auto` lets WebCrypto open signed messages.
const FRAME = 4096;
const SIZES = [0, 1000, 3 * FRAME + 5];
const client = (engine, opts = {}) => new EnvelopeClient({ keyring: ours(), frameLength: FRAME, engine, ...opts });
const ENGINES = ['auto', 'wasm', 'native'];

/** Runs `bytes` through `stream` in chunks of `n`; returns what came out and the error, if any. */
async function through(stream, bytes, n = 777) {
  const out = [];
  let error;
  const w = stream.writable.getWriter();
  const reading = (async () => { for await (const c of stream.readable) out.push(c); })().catch((e) => { error = e; });
  try {
    for (let i = 0; i < bytes.length; i += n) await w.write(bytes.subarray(i, i + n));
    await w.close();
  } catch (e) { error ??= e; }
  await reading;
  const len = out.reduce((a, c) => a + c.length, 0);
  const joined = new Uint8Array(len);
  let at = 0;
  for (const c of out) { joined.set(c, at); at += c.length; }
  return { out: joined, error };
}

/** Where the footer (u16 length ‖ DER SEQUENCE of a P-384 signature) starts. */
const footerStart = async (msg) => {
  for (let n = 8; n <= 106; n++) {
    const at = msg.length - n - 2;
    if (((msg[at] << 8) | msg[at + 1]) === n && msg[at + 2] === 0x30 && msg[at + 3] === n - 2) return at;
  }
  throw new Error('no footer');
};

/** The same message with a flipped bit in its footer signature, and with another key's footer. */
async function forgeries(msg) {
  const at = await footerStart(msg);
  const flipped = msg.slice();
  flipped[flipped.length - 3] ^= 0x01; // inside s
  const other = await client('wasm').encrypt(pattern(10), { encryptionContext: CONTEXT });
  const foreign = new Uint8Array([...msg.subarray(0, at), ...other.subarray(await footerStart(other))]);
  // Issue 9, defect 1 (signature stripping): suite id rewritten to 0x0478, footer cut off.
  const stripped = msg.slice(0, at);
  stripped[1] = 0x04; stripped[2] = 0x78;
  return { flipped, foreign, stripped, cut: msg.slice(0, at) };
}

test('every path of ours seals a default-suite message the SDK opens, and opens what the SDK seals', async () => {
  const t0 = Date.now();
  for (const size of SIZES) {
    const pt = pattern(size);
    for (const engine of ENGINES) {
      const c = client(engine);
      const oneShot = await c.encrypt(pt, { encryptionContext: CONTEXT });
      const streamed = (await through(c.encryptStream({ encryptionContext: CONTEXT }), pt)).out;
      const cached = new EnvelopeClient({ keyring: ours(), frameLength: FRAME, engine, cache: { maxAgeMs: 60_000, maxMessages: 3 } });
      const fromCache = [];
      for (let i = 0; i < 4; i++) fromCache.push(await cached.encrypt(pt, { encryptionContext: CONTEXT }));
      for (const m of [oneShot, streamed, ...fromCache]) {
        assert.equal((await parseMessage(m)).suiteId, 0x0578);
        const { plaintext } = await sdk.decrypt(sdkAes(), m);
        assert.deepEqual(new Uint8Array(plaintext), pt, `${engine} ${size}`);
      }
      // The cache reused its entry (and its footer key) for three messages, then made a new one.
      const ctx = await Promise.all(fromCache.map(async (m) => (await parseMessage(m)).encryptionContext['aws-crypto-public-key']));
      assert.equal(new Set(ctx.slice(0, 3)).size, 1);
      assert.notEqual(ctx[3], ctx[0]);
      // The SDK seals, we open: one-shot and stream.
      const { result } = await sdk.encrypt(sdkAes(), pt, { encryptionContext: CONTEXT, suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384, frameLength: FRAME });
      const msg = new Uint8Array(result);
      assert.deepEqual((await c.decrypt(msg)).plaintext, pt);
      const s = await through(c.decryptStream(), msg);
      assert.equal(s.error, undefined);
      assert.deepEqual(s.out, pt);
      // Re-keyed by us (one-shot and stream), opened by the SDK under the new key.
      const rekeyed = await c.reEncrypt(msg, { keyring: ours(key2, 'k2') });
      const rs = await through(c.reEncryptStream({ keyring: ours(key2, 'k2') }), msg);
      assert.equal(rs.error, undefined);
      for (const m of [rekeyed, rs.out]) {
        const { plaintext } = await sdk.decrypt(sdkAes(key2, 'k2'), m);
        assert.deepEqual(new Uint8Array(plaintext), pt);
      }
    }
  }
  console.log(`# interop of every footer path: ${Date.now() - t0} ms`);
});

test('our footers take the SDKs\' fixed length, and every sealed message is the whole of its buffer', async () => {
  // footer.rs writes n − s for s where that gives the DER length the Python and Java
  // SDKs write (103 bytes, a 105-byte footer); about 1 message in 256 keeps another.
  // The native writers leave that room after the body and write the footer there
  // (withFooter); either way nothing but the message is in the returned buffer.
  const fixed = (m) => m[m.length - 105] === 0 && m[m.length - 104] === 103 && m[m.length - 103] === 0x30;
  const pt = pattern(3 * FRAME + 5);
  const suiteId = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384;
  const theirs = new Uint8Array((await sdk.encrypt(sdkAes(), pt, { suiteId, frameLength: FRAME })).result);
  let n = 0, atFixedLength = 0;
  for (const engine of ENGINES) {
    const c = client(engine);
    for (let i = 0; i < 16; i++) {
      const sealed = await c.encrypt(pt);
      const rekeyed = await c.reEncrypt(theirs, { keyring: ours(key2, 'k2') });
      for (const m of [sealed, rekeyed]) {
        assert.equal(m.byteOffset, 0);
        assert.equal(m.buffer.byteLength, m.length, `${engine}: the message shares its buffer`);
        n++;
        if (fixed(m)) atFixedLength++;
      }
      if (i === 0) {
        assert.deepEqual(new Uint8Array((await sdk.decrypt(sdkAes(), sealed)).plaintext), pt);
        assert.deepEqual(new Uint8Array((await sdk.decrypt(sdkAes(key2, 'k2'), rekeyed)).plaintext), pt);
      }
    }
  }
  // Without the choice of s, about half are 105 bytes; with it, more than 8 of 96 missing is below 1 in 10^9.
  assert.ok(atFixedLength >= n - 8, `${atFixedLength} of ${n} footers at the fixed length`);
});

test('withFooter writes the footer in place only where it fills the buffer exactly', () => {
  const body = pattern(10);
  const roomy = new Uint8Array(10 + FOOTER_ROOM);
  roomy.set(body);
  const footer = pattern(FOOTER_ROOM).map((b) => b ^ 0x5a);
  const inPlace = withFooter(roomy, 10, footer);
  assert.equal(inPlace, roomy);
  assert.deepEqual(inPlace, Uint8Array.from([...body, ...footer]));
  // A footer of another length (about 1 in 256), a buffer of the body only (the wasm
  // engine's), or a view into a larger buffer: copied into a buffer of its own.
  const short = footer.subarray(0, FOOTER_ROOM - 1);
  const exact = Uint8Array.from(body);
  const view = new Uint8Array(new ArrayBuffer(12 + FOOTER_ROOM), 2, 10 + FOOTER_ROOM);
  view.set(body);
  for (const [buf, f] of [[Uint8Array.from(roomy), short], [exact, footer], [view, footer]]) {
    const before = Uint8Array.from(buf);
    const out = withFooter(buf, 10, f);
    assert.notEqual(out, buf);
    assert.equal(out.byteOffset, 0);
    assert.equal(out.buffer.byteLength, 10 + f.length);
    assert.deepEqual(out, Uint8Array.from([...body, ...f]));
    assert.deepEqual(buf, before, 'the writer\'s buffer is left as it was');
  }
});

test('a forged, foreign or stripped footer is TAMPERED on every path, and no plaintext comes out', async () => {
  const pt = pattern(3 * FRAME + 5);
  const msg = await client('wasm').encrypt(pt, { encryptionContext: CONTEXT });
  const bad = await forgeries(msg);
  for (const engine of ENGINES) {
    const c = client(engine);
    assert.deepEqual((await c.decrypt(msg)).plaintext, pt, 'the unforged message opens');
    for (const [what, m] of Object.entries({ flipped: bad.flipped, foreign: bad.foreign, stripped: bad.stripped })) {
      const label = `${engine}: ${what}`;
      await assert.rejects(c.decrypt(m), (e) => e.code === 'TAMPERED', `decrypt ${label}`);
      await assert.rejects(c.reEncrypt(m, { keyring: ours(key2, 'k2') }), (e) => e.code === 'TAMPERED', `reEncrypt ${label}`);
      const s = await through(c.decryptStream(), m);
      assert.equal(s.error?.code, 'TAMPERED', `decryptStream ${label}`);
      // At most the frames before the final frame came out, each of them authentic.
      assert.ok(s.out.length <= 3 * FRAME, `decryptStream ${label} released the final frame`);
      assert.deepEqual(s.out, pt.subarray(0, s.out.length));
      const r = await through(c.reEncryptStream({ keyring: ours(key2, 'k2') }), m);
      assert.equal(r.error?.code, 'TAMPERED', `reEncryptStream ${label}`);
    }
    // A footer cut off (suite left as is): never opens either.
    await assert.rejects(c.decrypt(bad.cut), (e) => e.code === 'MALFORMED_MESSAGE');
    const s = await through(c.decryptStream(), bad.cut);
    assert.equal(s.error?.code, 'MALFORMED_MESSAGE');
    assert.ok(s.out.length <= 3 * FRAME);
  }
});

test('without crypto.subtle the `ecdsa` module signs and verifies every footer', async () => {
  const pt = pattern(2 * FRAME + 1);
  const c = client('auto');
  const msg = await c.encrypt(pt, { encryptionContext: CONTEXT });
  const bad = await forgeries(msg);
  // Node's `crypto.subtle` is a getter of the prototype: an own property shadows it.
  assert.equal(Object.getOwnPropertyDescriptor(globalThis.crypto, 'subtle'), undefined);
  Object.defineProperty(globalThis.crypto, 'subtle', { value: undefined, configurable: true });
  let sealed, opened, forged;
  try {
    const w = client('auto');
    sealed = await w.encrypt(pt, { encryptionContext: CONTEXT });
    opened = (await w.decrypt(msg)).plaintext;
    forged = await w.decrypt(bad.foreign).then(() => 'opened', (e) => e.code);
  } finally {
    delete globalThis.crypto.subtle;
  }
  assert.ok(globalThis.crypto.subtle, 'crypto.subtle restored');
  assert.deepEqual(opened, pt);
  assert.equal(forged, 'TAMPERED');
  const { plaintext } = await sdk.decrypt(sdkAes(), sealed);
  assert.deepEqual(new Uint8Array(plaintext), pt);
});
