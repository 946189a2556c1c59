// A signed message opened by WebCrypto (`decrypt`, engine auto or native) has
// its footer signature verified while a keyring waits (a KMS call), not after
// the keyrings (envelope.js, earlyFooter): over a private copy of the message
// taken then, from which the frames are later decrypted, with a footer read
// from the message's end as a guess that counts only if the core, once it has
// the data key, finds the same one. What that must never change: what is
// verified is what is released, errors come in the same order, and the
// opener outlives every call the early check makes on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { EnvelopeClient, MultiKeyring, RawAesKeyring } from 'edge-kms';
import { writeMessage, rawAesWrap, p384 } from './esdk-writer.js';

const wk = randomBytes(32);
const kr = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: wk });
const kr0 = kr;
const wrongKr = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: randomBytes(32) });
const code = (p) => p.then(() => 'ok', (e) => e.code ?? String(e));

/**
 * Two messages of one header (data key, message id, context, encrypted data keys):
 * `a` authentic (signed by the context's key), `b` its forgery by a holder of the
 * data key: other frames of the same length, `a`'s footer. Plus an `aws-kms` data
 * key first, so a KMS keyring is asked (and can act) before the raw AES one opens it.
 */
function forgeryPair(size, frameLength) {
  const w = p384();
  const dk = randomBytes(32);
  const messageId = randomBytes(32);
  const ctx = { tenant: 'acme', 'aws-crypto-public-key': w.compressedB64 };
  const edks = [
    { providerId: 'aws-kms', providerInfo: 'arn:aws:kms:us-east-1:111122223333:key/early', ciphertext: randomBytes(64) },
    rawAesWrap(wk, 'ns', 'k', dk, ctx, randomBytes(12)),
  ];
  const pa = randomBytes(size), pb = Buffer.alloc(size, 0x66);
  const a = Buffer.from(writeMessage({ suiteId: 0x0578, dataKey: dk, messageId, ctx, edks, frameLength, plaintext: pa, signer: w.privateKey }));
  const b0 = Buffer.from(writeMessage({ suiteId: 0x0578, dataKey: dk, messageId, ctx, edks, frameLength, plaintext: pb, signer: p384().privateKey }));
  const b = Buffer.concat([b0.subarray(0, footerStart(b0)), a.subarray(footerStart(a))]);
  assert.equal(b.length, a.length, 'the forgery has the authentic message\'s length');
  return { a, b, pa, pb };
}

/** Where the footer (`uint16 length ‖ DER`) of a well-formed signed message starts. */
function footerStart(m) {
  for (let len = 8; len <= 104; len++) if (m[m.length - len] === 0x30 && m.readUInt16BE(m.length - len - 2) === len) return m.length - len - 2;
  throw new Error('no footer');
}

/** A KMS keyring that cannot open anything: it runs `during` while the client waits for it. */
const kmsThat = (during) => ({
  isKmsKeyring: true,
  keyId: 'alias/early',
  async generateDataKey() { throw new Error('not used'); },
  async decryptDataKey() {
    await new Promise((ok) => setTimeout(ok, 5));
    during();
    throw Object.assign(new Error('AccessDeniedException'), { code: 'ACCESS_DENIED' });
  },
});

test('a buffer rewritten while the keyrings run: the plaintext is that of the bytes verified, never the forgery\'s', async () => {
  for (const [size, frameLength] of [[1024, 4096], [300_000, 4096], [20_000, 4096]]) {
    for (const engine of ['auto', 'native']) {
      const { a, b, pa, pb } = forgeryPair(size, frameLength);
      const buf = Buffer.from(a);
      const c = new EnvelopeClient({ engine, keyring: new MultiKeyring({ children: [kmsThat(() => b.copy(buf)), kr] }) });
      let out;
      try {
        out = Buffer.from((await c.decrypt(buf)).plaintext);
      } catch (e) {
        out = e.code; // an error is also fine: nothing released
      }
      assert.ok(!Buffer.isBuffer(out) || !out.equals(pb), `${engine}, ${size} B: the forgery's plaintext was released`);
      assert.ok(!Buffer.isBuffer(out) || out.equals(pa), `${engine}, ${size} B: neither message's plaintext`);
      assert.ok(buf.equals(b), 'the buffer was rewritten during the open');
    }
  }
});

test('errors in the same order: a keyring that cannot open comes before a bad signature; a bad signature is TAMPERED', async () => {
  const { a, b } = forgeryPair(1024, 4096);
  for (const engine of ['auto', 'native']) {
    // A KMS keyring is asked first, so the early check runs in each case.
    const keyring = (local) => new MultiKeyring({ children: [kmsThat(() => {}), local] });
    const wrong = await code(new EnvelopeClient({ engine, keyring: keyring(wrongKr) }).decrypt(b));
    const right = await code(new EnvelopeClient({ engine, keyring: keyring(wrongKr) }).decrypt(a));
    assert.equal(wrong, right, `${engine}: the forgery fails as an authentic message does with a keyring that cannot open it`);
    assert.notEqual(wrong, 'TAMPERED', engine);
    assert.equal(await code(new EnvelopeClient({ engine, keyring: keyring(kr) }).decrypt(b)), 'TAMPERED', engine);
    assert.equal(await code(new EnvelopeClient({ engine, keyring: keyring(kr) }).decrypt(a)), 'ok', engine);
  }
});

test('the early check runs only where a keyring waits anyway, and only up to 1 MiB: a message no keyring opens costs no more', async (t) => {
  const subtle = globalThis.crypto.subtle;
  const verify = subtle.verify;
  let verified = 0;
  subtle.verify = function (...args) { verified++; return verify.apply(this, args); };
  t.after(() => { delete subtle.verify; });
  for (const [size, keyring, expected, what] of [
    [1024, wrongKr, 0, 'a local keyring that cannot open it'],
    [1024, kmsThat(() => {}), 1, 'a KMS keyring that cannot open it'],
    [(1 << 20) + 1, kmsThat(() => {}), 0, 'a KMS keyring, a message over 1 MiB'],
  ]) {
    const { a } = forgeryPair(size, 4096);
    verified = 0;
    const failed = await code(new EnvelopeClient({ engine: 'auto', keyring }).decrypt(a));
    assert.notEqual(failed, 'ok');
    await new Promise((ok) => setTimeout(ok, 20));
    assert.equal(verified, expected, `${size} B, ${what}: ${verified} verifications`);
  }
});

test('a footer guessed wrong counts for nothing: bytes after the footer are MALFORMED_MESSAGE even when they read as a valid signature', async () => {
  const { a } = forgeryPair(1024, 4096);
  const kr = new MultiKeyring({ children: [kmsThat(() => {}), kr0] }); // a KMS keyring first: the early check runs
  const footer = a.subarray(footerStart(a));
  for (const tail of [footer, Buffer.from([0]), Buffer.concat([footer, footer])]) {
    const m = Buffer.concat([a, tail]);
    for (const engine of ['auto', 'native']) {
      assert.equal(await code(new EnvelopeClient({ engine, keyring: kr }).decrypt(m)), 'MALFORMED_MESSAGE', `${engine}, ${tail.length} bytes more`);
    }
  }
  // A footer whose DER is not what the end first reads as: the core's footer, verified again.
  const cut = Buffer.from(a.subarray(0, footerStart(a)));
  for (const engine of ['auto', 'native']) {
    assert.equal(await code(new EnvelopeClient({ engine, keyring: kr }).decrypt(cut)), 'MALFORMED_MESSAGE', `${engine}, no footer`);
  }
});

test('a keyring that fails while the footer key is still being imported: its error, and no call on a freed opener', async (t) => {
  // A WebCrypto without compressed points, slow to say so: the early check's
  // fallback asks the core to decode the point after the keyrings have failed.
  // decrypt must wait for it before it frees the opener (a call on a freed
  // handle would restart the module under every other operation).
  const subtle = globalThis.crypto.subtle;
  const importKey = subtle.importKey;
  let decoded = 0;
  subtle.importKey = function (format, data, algorithm, ...rest) {
    const name = typeof algorithm === 'string' ? algorithm : algorithm?.name;
    if (name === 'ECDSA' && data.byteLength === 49) return new Promise((_, no) => setTimeout(() => no(new DOMException('compressed points are not supported', 'NotSupportedError')), 30));
    if (name === 'ECDSA' && data.byteLength === 97) decoded++;
    return importKey.call(this, format, data, algorithm, ...rest);
  };
  t.after(() => { delete subtle.importKey; });
  const { a, pa } = forgeryPair(40_000, 4096);
  // Another operation under way on the same module: a stream on the wasm engine, half written.
  const ds = new EnvelopeClient({ keyring: kr, engine: 'wasm' }).decryptStream();
  const writer = ds.writable.getWriter();
  const out = [];
  const reading = (async () => { for await (const x of ds.readable) out.push(x); })();
  reading.catch(() => {});
  await writer.write(a.subarray(0, 10_000));
  const failed = await code(new EnvelopeClient({ engine: 'native', keyring: kmsThat(() => {}) }).decrypt(a));
  assert.ok(!['INTERNAL', 'TAMPERED', 'ok'].includes(failed), failed);
  await new Promise((ok) => setTimeout(ok, 60));
  assert.equal(decoded, 1, 'the fallback decoded the point on a live opener');
  await writer.write(a.subarray(10_000));
  await writer.close();
  await reading;
  assert.deepEqual(Buffer.concat(out), pa, 'the other operation finished: the module did not restart');
});
