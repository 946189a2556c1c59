// A signed native seal in Node hashes header ‖ body as its frames come back
// (native.js, useFooterHash; footer-node.js) and signs with node:crypto: the footer must
// still be one ECDSA P-384 signature over exactly header ‖ body, whatever the
// order the frames land in, the frame count (windows of 64), the kind of
// footer key, and where Node's `crypto` fails (then WebCrypto signs, as in
// browsers). Each message is checked by OpenSSL (node:crypto) directly, not
// only by our own decrypt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import nodeCrypto, { randomBytes } from 'node:crypto';
import { EnvelopeClient, RawAesKeyring, parseMessage } from 'edge-kms';

const kr = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: randomBytes(32) });
const client = (frameLength = 4096) => new EnvelopeClient({ keyring: kr, engine: 'native', frameLength });
// SubjectPublicKeyInfo of a compressed P-384 point (id-ecPublicKey, secp384r1)
const SPKI_P384 = Buffer.from('3046301006072a8648ce3d020106052b81040022033200', 'hex');

/** Verifies `msg`'s footer with OpenSSL: the key from its context, the signature over everything before the footer. */
async function footerVerifies(msg) {
  const point = Buffer.from((await parseMessage(msg)).encryptionContext['aws-crypto-public-key'], 'base64');
  const key = nodeCrypto.createPublicKey({ key: Buffer.concat([SPKI_P384, point]), format: 'der', type: 'spki' });
  for (let len = 8; len <= 104; len++) {
    const at = msg.length - len;
    if (msg[at] !== 0x30 || ((msg[at - 2] << 8) | msg[at - 1]) !== len) continue;
    return nodeCrypto.verify('sha384', msg.subarray(0, at - 2), { key, dsaEncoding: 'der' }, msg.subarray(at));
  }
  return false;
}

/** Counts calls of WebCrypto's `name` while `fn` runs; `wrap` may replace the call. */
async function counting(t, name, fn, wrap = (orig, args) => orig(...args)) {
  const subtle = globalThis.crypto.subtle;
  const orig = subtle[name].bind(subtle);
  const calls = { n: 0 };
  subtle[name] = (...args) => { calls.n++; return wrap(orig, args, calls.n); };
  t.after(() => { delete subtle[name]; });
  await fn(calls);
}

/** node:crypto's `name` (createSign, createHash), whose objects' `update` throws on its `nth` call. */
function breaksAtUpdate(t, name, nth) {
  const real = nodeCrypto[name];
  replaceNode(t, name, (alg) => {
    const h = real(alg);
    let n = 0;
    const update = h.update.bind(h);
    h.update = (b) => { if (++n === nth) throw new Error('hash broke'); return update(b); };
    return h;
  });
}

/** Replaces node:crypto's `name` (the module the Node entry reaches by process.getBuiltinModule) while the test runs. */
function replaceNode(t, name, value) {
  const orig = nodeCrypto[name];
  nodeCrypto[name] = value;
  t.after(() => { nodeCrypto[name] = orig; });
}

test('a signed native seal signs header ‖ body by node:crypto, at every frame count', async (t) => {
  await counting(t, 'sign', async (signs) => {
    // 0, 1 and many frames; 64 frames is one window, 65 and 300 take several (inWindows)
    for (const size of [0, 1, 4095, 4096, 4097, 20_000, 64 * 4096, 64 * 4096 + 1, 300 * 4096 + 17]) {
      const c = client();
      const pt = randomBytes(size);
      const msg = await c.encrypt(pt);
      assert.ok(await footerVerifies(msg), `OpenSSL verifies the footer of ${size} B`);
      assert.deepEqual(Buffer.from((await c.decrypt(msg)).plaintext), pt);
    }
    assert.equal(signs.n, 0, 'WebCrypto signed: the frames were not hashed as they came back');
  });
});

test('frames that come back in any order are hashed in order', async (t) => {
  // The last frame first: a frame landing ahead of `hashed` waits for the ones before it.
  await counting(t, 'encrypt', () => counting(t, 'sign', async (signs) => {
    for (const n of [2, 5, 64, 70]) {
      const c = client();
      const pt = randomBytes(n * 4096 - 100);
      const msg = await c.encrypt(pt);
      assert.ok(await footerVerifies(msg), `${n} frames, reversed`);
      assert.deepEqual(Buffer.from((await c.decrypt(msg)).plaintext), pt);
    }
    assert.equal(signs.n, 0, 'WebCrypto signed');
  }), (orig, args, i) => orig(...args).then((ct) => new Promise((r) => setTimeout(() => r(ct), 40 - (i % 40)))));
});

/** Seals `size` bytes while `t` runs: WebCrypto must sign it (once), and the footer verify. */
async function webCryptoSigns(t, size, why) {
  await counting(t, 'sign', async (signs) => {
    const msg = await client().encrypt(randomBytes(size));
    assert.equal(signs.n, 1, why);
    assert.ok(await footerVerifies(msg));
  });
}

test('where node:crypto cannot hash or sign, WebCrypto signs the whole message', async (t) => {
  const cases = {
    createSign: () => { throw new Error('no createSign here'); },
    KeyObject: { from() { throw new TypeError('no KeyObject.from here'); } },
  };
  for (const [name, value] of Object.entries(cases)) {
    await t.test(name, async (t2) => {
      replaceNode(t2, name, value);
      await webCryptoSigns(t2, 10_000);
    });
  }
  await t.test('an update that throws midway', async (t2) => {
    breaksAtUpdate(t2, 'createSign', 3);
    await webCryptoSigns(t2, 5 * 4096, 'the broken hash was dropped');
  });
  await t.test('a signature in another form (DER, or short)', async (t2) => {
    const real = nodeCrypto.createSign;
    for (const form of [(s, key) => s.sign(key), () => new Uint8Array(48)]) {
      replaceNode(t2, 'createSign', (alg) => { const s = real(alg); const sign = s.sign.bind(s); return Object.assign(s, { sign: (o) => form({ sign }, o.key) }); });
      await webCryptoSigns(t2, 5 * 4096, 'WebCrypto signed instead');
    }
  });
  await t.test('a signature that fails', async (t2) => {
    const real = nodeCrypto.createSign;
    replaceNode(t2, 'createSign', (alg) => Object.assign(real(alg), { sign() { throw new Error('no signature'); } }));
    await webCryptoSigns(t2, 5 * 4096);
  });
});

test('an ecdsa-module footer key signs the digest node:crypto made', async (t) => {
  // WebCrypto makes no P-384 key: the footer key is the `ecdsa` module's (footer.js, newSigner).
  await counting(t, 'generateKey', async () => {
    await counting(t, 'digest', async (digests) => {
      for (const size of [0, 3 * 4096 + 5]) {
        const c = client();
        const pt = randomBytes(size);
        const msg = await c.encrypt(pt);
        assert.ok(await footerVerifies(msg), `${size} B`);
        assert.deepEqual(Buffer.from((await c.decrypt(msg)).plaintext), pt);
      }
      assert.equal(digests.n, 0, 'WebCrypto hashed the message');
    });
  }, (orig, args) => (args[0]?.namedCurve === 'P-384' ? Promise.reject(new DOMException('no P-384 here', 'NotSupportedError')) : orig(...args)));
});

test('a buffer resized while the native engine awaits its key imports is refused, not sealed short', async (t) => {
  // The import is where the native seal and open wait before reading the buffer;
  // the wrapper only picks that moment to shrink the caller's resizable buffer.
  const ab = new ArrayBuffer(5 * 4096, { maxByteLength: 1 << 20 });
  const pt = new Uint8Array(ab); // tracks the buffer's length
  pt.set(randomBytes(pt.length));
  const c = client();
  const msg = await c.encrypt(pt);
  await counting(t, 'importKey', async () => {
    await assert.rejects(c.encrypt(pt), (e) => e.code === 'INVALID_ARGUMENT' && /resized/.test(e.message));
    ab.resize(msg.length + 100);
    const m = new Uint8Array(ab);
    m.set(msg);
    await assert.rejects(c.decrypt(m), (e) => e.code === 'INVALID_ARGUMENT' && /resized/.test(e.message));
  }, (orig, args) => { const p = orig(...args); if (args[2] === 'AES-GCM') queueMicrotask(() => ab.resize(ab.byteLength - 50)); return p; });
});

/** Seals `pt` through `client.encryptStream()` in `chunk`-byte writes. */
async function sealStream(c, pt, chunk) {
  const parts = [];
  const rs = new ReadableStream({ start(ctl) { for (let i = 0; i < pt.length; i += chunk) ctl.enqueue(pt.slice(i, i + chunk)); ctl.close(); } });
  await rs.pipeThrough(c.encryptStream()).pipeTo(new WritableStream({ write(p) { parts.push(p); } }));
  return Buffer.concat(parts);
}

test('encryptStream in Node: node:crypto hashes what goes out, the core hashes nothing, on both engines', async (t) => {
  const real = nodeCrypto.createHash;
  let hashes = 0;
  replaceNode(t, 'createHash', (alg, ...rest) => { if (alg === 'sha384') hashes++; return real(alg, ...rest); });
  for (const engine of ['wasm', 'native']) {
    for (const [size, chunk] of [[0, 1], [1, 1], [4096, 4096], [3 * 4096, 1000], [20_000, 4096], [70 * 4096 + 3, 65536]]) {
      const c = new EnvelopeClient({ keyring: kr, engine, frameLength: 4096 });
      const pt = randomBytes(size);
      const before = hashes;
      const msg = await sealStream(c, pt, chunk);
      assert.equal(hashes, before + 1, `${engine} ${size}: one node:crypto SHA-384 per stream`);
      assert.ok(await footerVerifies(msg), `${engine} ${size} in ${chunk}-byte chunks`);
      assert.deepEqual(Buffer.from((await c.decrypt(msg)).plaintext), pt);
    }
  }
});

test('encryptStream: without node:crypto\'s hash the core hashes; a hash that fails midway errors the stream', async (t) => {
  await t.test('createHash throws', async (t2) => {
    replaceNode(t2, 'createHash', () => { throw new Error('no hash here'); });
    const msg = await sealStream(client(), randomBytes(20_000), 3000);
    assert.ok(await footerVerifies(msg));
  });
  await t.test('update throws on the third chunk out', async (t2) => {
    breaksAtUpdate(t2, 'createHash', 3);
    await assert.rejects(sealStream(client(), randomBytes(5 * 4096), 4096), (e) => e.code === 'INTERNAL' && /footer hash/.test(e.message));
  });
});

test('a stream cancelled or aborted midway lets go of its core object and keys at once, and the client goes on', async (t) => {
  // An encryptStream's footer key is a key of the `ecdsa` module, wiped by its free(): counted
  // on the glue of the package's unbundled Node entry, whose client this test uses (the
  // bundled node/index.js holds its own copy of the glue, out of reach).
  const pkg = new URL('../../pkg/', import.meta.url);
  const m = await import(new URL('entry-node.js', pkg).href);
  const { EcdsaP384Key } = await import(new URL('wasm/ecdsa.js', pkg).href);
  const free = EcdsaP384Key.prototype.free;
  let freed = 0;
  EcdsaP384Key.prototype.free = function () { freed++; return free.call(this); };
  t.after(() => { EcdsaP384Key.prototype.free = free; });
  const kr = new m.RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: randomBytes(32) });
  const c = new m.EnvelopeClient({ keyring: kr, engine: 'native', frameLength: 4096 });
  const msg = await c.encrypt(randomBytes(5 * 4096));
  const made = [() => c.encryptStream(), () => c.decryptStream(), () => c.reEncryptStream({ keyring: kr })];
  for (const [i, make] of made.entries()) {
    for (const how of ['abort', 'cancel']) {
      const ts = make();
      const w = ts.writable.getWriter();
      const r = ts.readable.getReader();
      const pump = (async () => { try { for (;;) { const { done } = await r.read(); if (done) return; } } catch { /* cancelled */ } })();
      await w.write(i === 0 ? randomBytes(3000) : msg.subarray(0, 3000)); // part of a frame, or of a message
      const before = freed;
      if (how === 'abort') await w.abort(new Error('stop')); else await r.cancel('stop');
      await pump;
      if (i === 0) assert.equal(freed, before + 1, `encryptStream ${how}: its footer key was wiped at once`);
    }
  }
  const again = await sealStream(c, randomBytes(9000), 1000);
  assert.ok(await footerVerifies(again));
  assert.equal((await c.decrypt(again)).plaintext.length, 9000);
});

test('decryptStream cancelled while WebCrypto opens a write: that plaintext is wiped, and the write says ABORTED', async (t) => {
  const c = client();
  const msg = await c.encrypt(Buffer.alloc(4 * 4096, 0x41));
  const subtle = globalThis.crypto.subtle;
  const decrypt = subtle.decrypt.bind(subtle);
  const outputs = [];
  let open, gate;
  // WebCrypto's output is held back until the reader has cancelled
  subtle.decrypt = async (...args) => { const out = await decrypt(...args); outputs.push(out); await gate; return out; };
  t.after(() => { delete subtle.decrypt; });
  for (const frames of [1, 2]) { // one frame per write (handed out as is), and two (joined)
    outputs.length = 0;
    gate = new Promise((ok) => { open = ok; });
    const ts = c.decryptStream();
    const w = ts.writable.getWriter();
    const r = ts.readable.getReader();
    r.read().catch(() => {});
    // the header and the first `frames` regular frames (4 + 12 + 4096 + 16 bytes each)
    const headerLength = (await parseMessage(msg)).headerLength;
    const written = w.write(msg.subarray(0, headerLength + frames * 4128)).catch((e) => e);
    await new Promise((ok) => setTimeout(ok, 50));
    await r.cancel('the reader went away');
    open();
    const e = await written;
    assert.equal(e?.code, 'ABORTED', `${frames} frame(s): ${e?.message}`);
    assert.ok(outputs.length > 0);
    for (const out of outputs) assert.ok(!new Uint8Array(out).includes(0x41), 'plaintext left after the cancel');
  }
});
