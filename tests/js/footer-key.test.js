// The footer key (`aws-crypto-public-key`) of a signed message, as the reader
// checks it: its form with the header; whether it is a point of the curve with
// the header for streams, and where the point is first needed for one-shot
// opens, whose native engine hands WebCrypto the compressed point (decoding it
// in wasm is a P-384 square root; BENCHMARKS.md, "Footer keys"). Either way a
// key that is no point of the curve is MALFORMED_MESSAGE and nothing is
// released. Messages are written byte by byte (./esdk-writer.js), as a writer
// holding the data key can.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { EnvelopeClient, RawAesKeyring } from 'edge-kms';
import { writeMessage, rawAesWrap, p384 } from './esdk-writer.js';

const wk = randomBytes(32);
const kr = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: wk });
const kr2 = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k2', wrappingKey: randomBytes(32) });
const ENGINES = ['auto', 'native', 'wasm'];
const plaintext = Buffer.alloc(9000, 7);

// P-384: an x whose x³ - 3x + b is no square mod p has no point above it.
const P = 2n ** 384n - 2n ** 128n - 2n ** 96n + 2n ** 32n - 1n;
const B = 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn;
const pow = (b, e) => { let r = 1n; for (b %= P; e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) r = (r * b) % P; return r; };
const isSquare = (v) => pow(((v % P) + P) % P, (P - 1n) / 2n) <= 1n;
const bytes48 = (x) => Buffer.from(x.toString(16).padStart(96, '0'), 'hex');
function offCurveX() {
  for (let x = 5n; ; x++) if (!isSquare(x ** 3n - 3n * x + B)) return bytes48(x);
}

/** A signed message (frames of `frameLength`) whose context carries `key` (base64); `signer` signs the footer. */
function message(key, { frameLength = 4096, signer = p384().privateKey } = {}) {
  const dk = randomBytes(32);
  const ctx = { tenant: 'acme', 'aws-crypto-public-key': key };
  return writeMessage({ suiteId: 0x0578, dataKey: dk, messageId: randomBytes(32), ctx, edks: [rawAesWrap(wk, 'ns', 'k', dk, ctx, randomBytes(12))], frameLength, plaintext, signer });
}

/** Every way to open `msg` with `engine`: a code or 'ok' each (a stream: with what it released before it failed). */
async function outcomes(msg, engine) {
  const c = new EnvelopeClient({ keyring: kr, engine });
  const code = (p) => p.then((r) => (Buffer.from(r.plaintext ?? []).equals(plaintext) || r instanceof Uint8Array ? 'ok' : 'wrong plaintext'), (e) => e.code ?? String(e));
  const stream = async (s, isPlaintext) => {
    const out = [];
    const w = s.writable.getWriter();
    const reading = (async () => { for await (const c of s.readable) out.push(c); })();
    const written = (async () => { for (let i = 0; i < msg.length; i += 1000) await w.write(msg.subarray(i, i + 1000)); await w.close(); })();
    const r = await Promise.allSettled([reading, written]);
    const failed = r.find((x) => x.status === 'rejected');
    if (failed) return `${failed.reason.code ?? failed.reason} after ${out.reduce((n, c) => n + c.length, 0)} bytes`;
    return !isPlaintext || Buffer.concat(out).equals(plaintext) ? 'ok' : 'wrong plaintext';
  };
  return {
    decrypt: await code(c.decrypt(msg)),
    reEncrypt: await code(c.reEncrypt(msg, { keyring: kr2 })),
    decryptStream: await stream(c.decryptStream(), true),
    reEncryptStream: await stream(c.reEncryptStream({ keyring: kr2 })),
  };
}

const everyWay = (code) => code === 'ok'
  ? { decrypt: 'ok', reEncrypt: 'ok', decryptStream: 'ok', reEncryptStream: 'ok' }
  : { decrypt: code, reEncrypt: code, decryptStream: `${code} after 0 bytes`, reEncryptStream: `${code} after 0 bytes` };

test('a footer key of the right form that is no point of P-384: MALFORMED_MESSAGE every way, nothing released', async () => {
  const key = Buffer.concat([Buffer.from([2]), offCurveX()]).toString('base64');
  for (const frameLength of [4096, 1024]) { // native one-shot; the wasm engine with a WebCrypto footer
    for (const engine of ENGINES) {
      assert.deepEqual(await outcomes(message(key, { frameLength }), engine), everyWay('MALFORMED_MESSAGE'), `${engine}, frames of ${frameLength}`);
    }
  }
});

test('a footer key not of the suite\'s form: MALFORMED_MESSAGE every way, from the header', async () => {
  const x = p384().compressedB64;
  const raw = Buffer.from(x, 'base64');
  for (const wrong of [
    Buffer.concat([Buffer.from([5]), raw.subarray(1)]), // not a SEC 1 tag
    raw.subarray(0, 48), // one byte short
    Buffer.concat([raw, Buffer.from([0])]), // one byte long
    Buffer.concat([Buffer.from([2]), Buffer.alloc(32, 1)]), // a P-256 length
  ]) {
    for (const engine of ENGINES) {
      assert.deepEqual(await outcomes(message(wrong.toString('base64')), engine), everyWay('MALFORMED_MESSAGE'), `${engine}: ${wrong.toString('hex').slice(0, 8)}… (${wrong.length} bytes)`);
    }
  }
});

test('a footer key compressed (as writers put it) opens every way; the same key uncompressed is MALFORMED_MESSAGE every way', async () => {
  // SEC 1 allows the uncompressed form, but the specification serializes the key
  // compressed, no SDK writes the other form, and the AWS Encryption SDKs for
  // JavaScript and Python refuse it. Opening it gave one signer two spellings in
  // the context a caller may check by its text (found by helper-52's differential
  // test against both SDKs; it opened on every path before).
  const w = p384();
  for (const engine of ENGINES) {
    assert.deepEqual(await outcomes(message(w.compressedB64, { signer: w.privateKey }), engine), everyWay('ok'), `${engine}, compressed`);
    assert.deepEqual(await outcomes(message(w.uncompressed.toString('base64'), { signer: w.privateKey }), engine), everyWay('MALFORMED_MESSAGE'), `${engine}, uncompressed`);
  }
});

test('a footer signed by another key than the one in the context: TAMPERED every way', async () => {
  for (const engine of ENGINES) {
    const o = await outcomes(message(p384().compressedB64, { signer: p384().privateKey }), engine);
    assert.equal(o.decrypt, 'TAMPERED', engine);
    assert.equal(o.reEncrypt, 'TAMPERED', engine);
    assert.match(o.decryptStream, /^TAMPERED after \d+ bytes$/, engine); // frames before the final one may be out (the ESDK's streaming contract)
    assert.match(o.reEncryptStream, /^TAMPERED after \d+ bytes$/, engine);
  }
});

test('a WebCrypto that imports uncompressed points only: the core decodes the point; authentic messages open, an off-curve key is MALFORMED_MESSAGE', async (t) => {
  const subtle = globalThis.crypto.subtle;
  const importKey = subtle.importKey;
  let refused = 0;
  subtle.importKey = function (format, data, algorithm, ...rest) {
    const n = data?.byteLength;
    if (format === 'raw' && algorithm?.name === 'ECDSA' && (n === 49 || n === 33)) {
      refused++;
      return Promise.reject(new DOMException('compressed points are not supported here', 'NotSupportedError'));
    }
    return importKey.call(this, format, data, algorithm, ...rest);
  };
  t.after(() => { delete subtle.importKey; });
  const w = p384();
  const c = new EnvelopeClient({ keyring: kr, engine: 'native' });
  const opened = await c.decrypt(message(w.compressedB64, { signer: w.privateKey }));
  assert.deepEqual(Buffer.from(opened.plaintext), plaintext);
  assert.ok(refused > 0, 'the one-shot open offered WebCrypto the compressed point first');
  const bad = message(Buffer.concat([Buffer.from([3]), offCurveX()]).toString('base64'));
  await assert.rejects(c.decrypt(bad), (e) => e.code === 'MALFORMED_MESSAGE');
  await assert.rejects(c.reEncrypt(bad, { keyring: kr2 }), (e) => e.code === 'MALFORMED_MESSAGE');
});

test('review: the footer key\'s fallback never calls an opener the failed open already freed (no restart of the core)', async (t) => {
  // importFooterKey asks the core to decode the point after an await. When the
  // AES key import failed first (a WebCrypto without 192-bit AES: Chromium, v1
  // suite 0x0346), decrypt freed the opener meanwhile, and the call on the
  // freed handle left the shadow stack unbalanced: the next call restarted the
  // module and failed every other operation under way. Now both imports settle
  // before the open fails.
  const subtle = globalThis.crypto.subtle;
  const importKey = subtle.importKey;
  let armed = false;
  let uncompressed = 0;
  subtle.importKey = function (format, data, algorithm, ...rest) {
    const name = typeof algorithm === 'string' ? algorithm : algorithm?.name;
    if (armed && name === 'AES-GCM') return Promise.reject(new DOMException('192-bit AES keys are not supported', 'OperationError'));
    if (armed && name === 'ECDSA' && data.byteLength === 49) return new Promise((_, no) => setTimeout(() => no(new DOMException('compressed points are not supported', 'NotSupportedError')), 30));
    if (armed && name === 'ECDSA' && data.byteLength === 97) uncompressed++;
    return importKey.call(this, format, data, algorithm, ...rest);
  };
  t.after(() => { delete subtle.importKey; });
  const w = p384();
  const big = Buffer.alloc(40000, 3);
  const dk = randomBytes(32);
  const ctx = { tenant: 'acme', 'aws-crypto-public-key': w.compressedB64 };
  const streamed = writeMessage({ suiteId: 0x0578, dataKey: dk, messageId: randomBytes(32), ctx, edks: [rawAesWrap(wk, 'ns', 'k', dk, ctx, randomBytes(12))], frameLength: 4096, plaintext: big, signer: w.privateKey });
  // Another operation under way on the same module: a stream on the wasm engine, half written.
  const ds = new EnvelopeClient({ keyring: kr, engine: 'wasm' }).decryptStream();
  const writer = ds.writable.getWriter();
  const out = [];
  const reading = (async () => { for await (const c of ds.readable) out.push(c); })();
  reading.catch(() => {});
  await writer.write(streamed.subarray(0, 10000));
  armed = true;
  await assert.rejects(new EnvelopeClient({ keyring: kr, engine: 'native' }).decrypt(message(w.compressedB64, { signer: w.privateKey })));
  await new Promise((ok) => setTimeout(ok, 100));
  armed = false;
  assert.equal(uncompressed, 1, 'the fallback decoded the point on a live opener and imported it uncompressed');
  await writer.write(streamed.subarray(10000));
  await writer.close();
  await reading;
  assert.deepEqual(Buffer.concat(out), big, 'the other operation finished');
});
