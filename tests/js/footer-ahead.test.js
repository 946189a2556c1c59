// Footer keys made one message ahead (envelope.js, #freshSigner): a client
// that has sealed before generates the next message's P-384 key while it
// seals the current one. Each key must still sign exactly one message,
// whatever the calls' order, concurrency or failures, and a client that
// seals once must make no key it does not use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { EnvelopeClient, RawAesKeyring, parseMessage } from 'edge-kms';

const kr = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: randomBytes(32) });
const footerKey = async (m) => (await parseMessage(m)).encryptionContext['aws-crypto-public-key'];

/** Counts (and can fail) WebCrypto's P-384 key generations while `fn` runs. */
async function withKeygen(t, fail, fn) {
  const subtle = globalThis.crypto.subtle;
  const generateKey = subtle.generateKey;
  const made = { n: 0 };
  subtle.generateKey = function (algorithm, ...rest) {
    if (algorithm?.namedCurve === 'P-384') {
      made.n++;
      if (fail(made.n)) return Promise.reject(new DOMException('no key this time', 'OperationError'));
    }
    return generateKey.call(this, algorithm, ...rest);
  };
  t.after(() => { delete subtle.generateKey; });
  await fn(made);
}

test('every message gets its own footer key: back to back, concurrent, and mixed', async () => {
  const c = new EnvelopeClient({ keyring: kr });
  const msgs = [];
  for (let i = 0; i < 12; i++) msgs.push(await c.encrypt(`one at a time ${i}`));
  msgs.push(...await Promise.all(Array.from({ length: 12 }, (_, i) => c.encrypt(`all at once ${i}`))));
  for (let i = 0; i < 6; i++) msgs.push(...await Promise.all([c.encrypt(`pair ${i} a`), c.encrypt(`pair ${i} b`)]));
  const keys = await Promise.all(msgs.map(footerKey));
  assert.equal(new Set(keys).size, msgs.length, 'a footer key signed two messages');
  for (const [i, m] of msgs.entries()) assert.ok((await c.decrypt(m)).plaintext.length > 0, `message ${i} opens`);
});

test('a client that seals once makes one key; from its second seal on, one ahead', async (t) => {
  await withKeygen(t, () => false, async (made) => {
    await new EnvelopeClient({ keyring: kr }).encrypt('once');
    assert.equal(made.n, 1, 'a single seal made a key it did not use');
    const c = new EnvelopeClient({ keyring: kr });
    for (let i = 0; i < 5; i++) await c.encrypt(`again ${i}`);
    assert.equal(made.n - 1, 6, 'five seals: five keys and one ahead');
  });
});

test('a key made ahead that failed: the seal that takes it makes a new one; a WebCrypto that makes none: the ecdsa module signs', async (t) => {
  const c = new EnvelopeClient({ keyring: kr });
  await withKeygen(t, (n) => n === 3, async (made) => {
    await c.encrypt('first'); // key 1
    await c.encrypt('second'); // key 2, and key 3 ahead: that one fails
    const m = await c.encrypt('third');
    assert.equal(Buffer.from((await c.decrypt(m)).plaintext).toString(), 'third');
    assert.ok(made.n >= 4, 'the third seal made a key of its own');
  });
  // Before: INTERNAL "please report it" (the second review of session 8).
  await withKeygen(t, () => true, async (made) => {
    const c2 = new EnvelopeClient({ keyring: kr });
    const msgs = [await c2.encrypt('no WebCrypto keys'), await c2.encrypt('none again')];
    assert.ok(made.n >= 2, 'WebCrypto was asked first');
    assert.notEqual(await footerKey(msgs[0]), await footerKey(msgs[1]));
    for (const m of msgs) assert.ok((await c2.decrypt(m)).plaintext.length > 0);
    // A native seal with the module key: WebCrypto hashes header ‖ body, the module signs.
    const sealedNatively = await new EnvelopeClient({ keyring: kr, engine: 'native' }).encrypt('native, no WebCrypto keys');
    assert.equal(Buffer.from((await c2.decrypt(sealedNatively)).plaintext).toString(), 'native, no WebCrypto keys');
    // A native re-key has no digest from the core: the module key signs the
    // new message's SHA-384 (before: INTERNAL "no digest to sign"; helper-44).
    const kr2 = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k2', wrappingKey: randomBytes(32) });
    for (const engine of ['native', 'auto']) {
      const again = await new EnvelopeClient({ keyring: kr, engine }).reEncrypt(msgs[0], { keyring: kr2 });
      const opened = await new EnvelopeClient({ keyring: kr2 }).decrypt(again);
      assert.equal(Buffer.from(opened.plaintext).toString(), 'no WebCrypto keys', `reEncrypt, engine ${engine}`);
      assert.notEqual(await footerKey(again), await footerKey(msgs[0]), 'a new footer key');
    }
  });
});
