// The native engine's one-shot open (native.js, openNative): where the whole
// plaintext is in one frame, WebCrypto's output for that frame is returned as
// it is, not copied. Since exact multiples of the frame length end with an
// empty final frame (2026-12-04), a message of exactly one frame has two frames:
// the empty one must not send it down the copying path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { EnvelopeClient, RawAesKeyring, parseMessage, DEFAULT_FRAME_LENGTH } from 'edge-kms';

const c = new EnvelopeClient({ keyring: new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: randomBytes(32) }), engine: 'native' });

test('the plaintext of one frame is WebCrypto\'s own output; of several, one buffer of its own', async (t) => {
  const subtle = globalThis.crypto.subtle;
  const decrypt = subtle.decrypt.bind(subtle);
  const outputs = new Set();
  subtle.decrypt = async (...args) => { const out = await decrypt(...args); outputs.add(out); return out; };
  t.after(() => { delete subtle.decrypt; });
  const D = DEFAULT_FRAME_LENGTH;
  for (const [n, frames, own] of [[0, 1, true], [1024, 1, true], [D - 1, 1, true], [D, 2, true], [D + 1, 2, false], [2 * D, 3, false]]) {
    const pt = randomBytes(n);
    const msg = await c.encrypt(pt);
    assert.equal((await parseMessage(msg)).frameCount, frames, `${n} B in ${frames} frames`);
    outputs.clear();
    const { plaintext } = await c.decrypt(msg);
    assert.deepEqual(Buffer.from(plaintext), pt, `${n} B`);
    assert.equal(plaintext.byteOffset === 0 && plaintext.buffer.byteLength === n, true, 'the whole of its buffer');
    if (n > 0) assert.equal(outputs.has(plaintext.buffer), own, `${n} B: ${own ? 'WebCrypto\'s output as it is' : 'assembled'}`);
  }
});
