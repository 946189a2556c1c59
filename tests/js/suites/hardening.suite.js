// Issue 9, in every runtime: what an attacker who can decrypt a data key can
// make a reader accept (signature stripping), the signed-only reader option,
// the data-key cache's partitions, and messages of many tiny frames.
import { assert } from '../harness.js';

const SIGNED = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384';
const UNSIGNED = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY';
const ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const text = new TextEncoder();
const untext = (b) => new TextDecoder().decode(b);
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};
const u16 = (n) => new Uint8Array([n >> 8, n & 0xff]);
const u32 = (n) => new Uint8Array([(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
const u64 = (n) => concat(u32(Math.floor(n / 2 ** 32)), u32(n >>> 0));

/**
 * STAND-IN KMS keyring (BrokerKeyring's interface): wraps data keys with a local
 * WebCrypto AES-GCM key bound to the context, and plays the attacker's part
 * too — `leaked` keeps a copy of every data key it handed out or unwrapped, as
 * a principal allowed to call Decrypt would have. The real BrokerKeyring,
 * broker and KMS are tested in broker-*.test.js and e2e-moto.test.js.
 */
function leakyKms() {
  const leaked = [];
  const calls = { generate: 0, decrypt: 0 };
  const master = crypto.getRandomValues(new Uint8Array(32));
  const keyP = crypto.subtle.importKey('raw', master, 'AES-GCM', false, ['encrypt', 'decrypt']);
  const aad = (ec) => text.encode(JSON.stringify(Object.keys(ec).sort().map((k) => [k, ec[k]])));
  return {
    isKmsKeyring: true,
    keyId: ARN,
    leaked,
    calls,
    async generateDataKey({ encryptionContext, numberOfBytes }) {
      calls.generate++;
      const plaintext = crypto.getRandomValues(new Uint8Array(numberOfBytes));
      leaked.push(plaintext.slice());
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad(encryptionContext) }, await keyP, plaintext));
      return { keyId: ARN, plaintext, ciphertextBlob: concat(iv, ct) };
    },
    async decryptDataKey({ ciphertextBlob, encryptionContext }) {
      calls.decrypt++;
      const plaintext = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: ciphertextBlob.subarray(0, 12), additionalData: aad(encryptionContext) }, await keyP, ciphertextBlob.subarray(12)));
      leaked.push(plaintext.slice());
      return { keyId: ARN, plaintext };
    },
  };
}

/** The header fields of a v2 message that a forger copies: where the context and EDKs end. */
function headerLayout(msg) {
  let at = 1 + 2 + 32;
  const ecLen = (msg[at] << 8) | msg[at + 1];
  at += 2 + ecLen;
  const edks = (msg[at] << 8) | msg[at + 1];
  at += 2;
  for (let i = 0; i < edks * 3; i++) at += 2 + ((msg[at] << 8) | msg[at + 1]);
  return { keysEnd: at }; // then content type (1), frame length (4), commitment (32), tag (16)
}

/**
 * An independent writer of the attack (WebCrypto only, none of edge-kms): from a
 * message and its data key, a NEW version-2 message of the unsigned committing
 * suite 0x0478 — same context and encrypted data keys, a fresh message id, its
 * own HKDF-SHA512 key and commitment, header tag, and one final frame of `pt`.
 */
async function forgeUnsigned(original, dataKey, pt) {
  const { keysEnd } = headerLayout(original);
  const messageId = crypto.getRandomValues(new Uint8Array(32));
  const ikm = await crypto.subtle.importKey('raw', dataKey, 'HKDF', false, ['deriveBits']);
  const derive = async (info) => new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-512', salt: messageId, info }, ikm, 256));
  const encKey = await crypto.subtle.importKey('raw', await derive(concat(u16(0x0478), text.encode('DERIVEKEY'))), 'AES-GCM', false, ['encrypt']);
  const commitment = await derive(text.encode('COMMITKEY'));
  const header = concat(new Uint8Array([2]), u16(0x0478), messageId, original.subarray(35, keysEnd), new Uint8Array([2]), u32(4096), commitment);
  const seal = async (iv, aad, data) => new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad, tagLength: 128 }, encKey, data));
  const headerTag = await seal(new Uint8Array(12), header, new Uint8Array(0));
  const iv = concat(new Uint8Array(8), u32(1));
  const frameAad = concat(messageId, text.encode('AWSKMSEncryptionClient Final Frame'), u32(1), u64(pt.length));
  const sealed = await seal(iv, frameAad, pt);
  return concat(header, headerTag, u32(0xffffffff), u32(1), iv, u32(pt.length), sealed);
}

/** Everything a TransformStream produced from `chunks`, and its error if it failed. */
async function pipe(ts, chunks) {
  const out = [];
  const writer = ts.writable.getWriter();
  const reader = ts.readable.getReader();
  const reading = (async () => { for (;;) { const { value, done } = await reader.read(); if (done) return; out.push(value); } })();
  const writing = (async () => { for (const c of chunks) await writer.write(c); await writer.close(); })();
  const [r, w] = await Promise.allSettled([reading, writing]);
  return { out, error: r.status === 'rejected' ? r.reason : w.status === 'rejected' ? w.reason : undefined };
}

export default {
  name: 'hardening',
  /** @param {import('../harness.js').Registrar} t @param {import('../harness.js').Ctx} ctx */
  register(t, { edgeKms }) {
    const { EnvelopeClient, RawAesKeyring, parseMessage } = edgeKms;
    const ENGINES = ['wasm', 'native', 'auto'];

    t.test('the forger is faithful: a forgery of an unsigned message opens (so the next test fails only for the stripping check)', async () => {
      const kms = leakyKms();
      const writer = new EnvelopeClient({ keyring: kms, suite: UNSIGNED });
      const original = await writer.encrypt('pay alice 10', { encryptionContext: { tenant: 'acme' } });
      const forged = await forgeUnsigned(original, kms.leaked[0], text.encode('pay mallory 10000'));
      for (const engine of ENGINES) {
        const out = await new EnvelopeClient({ keyring: kms, engine }).decrypt(forged, { encryptionContext: { tenant: 'acme' } });
        assert.equal(untext(out.plaintext), 'pay mallory 10000', engine);
      }
    });

    t.test('signature stripping: an unsigned rewrite of a signed message is TAMPERED, one-shot and streamed, every engine, before any KMS call', async () => {
      const kms = leakyKms();
      const writer = new EnvelopeClient({ keyring: kms }); // default: the signed suite
      const original = await writer.encrypt('pay alice 10', { encryptionContext: { tenant: 'acme' } });
      const forged = await forgeUnsigned(original, kms.leaked[0], text.encode('pay mallory 10000'));
      const info = await parseMessage(forged);
      assert.equal(info.suite, UNSIGNED);
      assert.equal(typeof info.encryptionContext['aws-crypto-public-key'], 'string', 'the forgery keeps the signer key');
      const before = kms.calls.decrypt;
      for (const engine of ENGINES) {
        const reader = new EnvelopeClient({ keyring: kms, engine });
        await assert.rejectsWithCode(reader.decrypt(forged, { encryptionContext: { tenant: 'acme' } }), 'TAMPERED', engine);
        for (const size of [forged.length, 7]) {
          const chunks = [];
          for (let i = 0; i < forged.length; i += size) chunks.push(forged.subarray(i, i + size));
          const { out, error } = await pipe(reader.decryptStream(), chunks);
          assert.equal(error?.code, 'TAMPERED', `${engine} stream of ${size}-byte chunks`);
          assert.equal(out.length, 0, 'no plaintext from a stripped message');
        }
      }
      assert.equal(kms.calls.decrypt, before, 'refused from the header: no data key was asked for');
      assert.equal(untext((await writer.decrypt(original)).plaintext), 'pay alice 10');
    });

    t.test('requireSignature: unsigned messages are SIGNATURE_REQUIRED from the header, signed ones open', async () => {
      const kms = leakyKms();
      const unsigned = await new EnvelopeClient({ keyring: kms, suite: UNSIGNED }).encrypt('u');
      const signed = await new EnvelopeClient({ keyring: kms }).encrypt('s');
      const calls = kms.calls.decrypt;
      const strict = new EnvelopeClient({ keyring: kms, requireSignature: true });
      const lax = new EnvelopeClient({ keyring: kms });
      await assert.rejectsWithCode(strict.decrypt(unsigned), 'SIGNATURE_REQUIRED');
      await assert.rejectsWithCode(lax.decrypt(unsigned, { requireSignature: true }), 'SIGNATURE_REQUIRED');
      // A call cannot relax the client's policy.
      await assert.rejectsWithCode(strict.decrypt(unsigned, { requireSignature: false }), 'SIGNATURE_REQUIRED');
      const { out, error } = await pipe(strict.decryptStream(), [unsigned]);
      assert.equal(error?.code, 'SIGNATURE_REQUIRED');
      assert.equal(out.length, 0);
      assert.equal(kms.calls.decrypt, calls, 'no KMS call for a refused message');
      assert.equal(untext((await strict.decrypt(signed)).plaintext), 's');
      assert.equal(untext((await lax.decrypt(unsigned)).plaintext), 'u');
      assert.throwsWithCode(() => new EnvelopeClient({ keyring: kms, requireSignature: 'yes' }), 'INVALID_ARGUMENT');
      await assert.rejectsWithCode(lax.decrypt(signed, { requireSignature: 1 }), 'INVALID_ARGUMENT');
    });

    t.test('cachePartition: a data key one partition unlocked never serves another', async () => {
      const kms = leakyKms();
      const c = new EnvelopeClient({ keyring: kms, cache: { maxAgeMs: 60_000 } });
      const msg = await new EnvelopeClient({ keyring: kms }).encrypt('shared message');
      const d0 = kms.calls.decrypt;
      await c.decrypt(msg, { cachePartition: 'alice' });
      await c.decrypt(msg, { cachePartition: 'alice' });
      assert.equal(kms.calls.decrypt - d0, 1, 'alice: one KMS call, then the cache');
      await c.decrypt(msg, { cachePartition: 'bob' });
      assert.equal(kms.calls.decrypt - d0, 2, 'bob: his own KMS call (and his own authorize at the broker)');
      await c.decrypt(msg);
      assert.equal(kms.calls.decrypt - d0, 3, 'the default partition is a partition of its own');
      const g0 = kms.calls.generate;
      const a1 = await c.encrypt('1', { cachePartition: 'alice' });
      const a2 = await c.encrypt('2', { cachePartition: 'alice' });
      const b1 = await c.encrypt('3', { cachePartition: 'bob' });
      assert.equal(kms.calls.generate - g0, 2, 'one data key per partition');
      const edk = async (m) => JSON.stringify(Array.from((await parseMessage(m)).encryptedDataKeys[0].ciphertext));
      assert.equal(await edk(a1), await edk(a2));
      assert.notEqual(await edk(a1), await edk(b1));
      // A lone surrogate would become U+FFFD in the core: 'victim\uD800' and 'victim\uFFFD' would share entries.
      for (const bad of ['', 42, null, 'x'.repeat(1025), 'victim\uD800']) {
        await assert.rejectsWithCode(c.decrypt(msg, { cachePartition: bad }), 'INVALID_ARGUMENT', String(bad).slice(0, 8));
      }
    });

    t.test('many tiny frames: every engine opens them and refuses a flipped tag, whatever the window', async () => {
      const keyring = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: new Uint8Array(32).fill(3) });
      for (const suite of [SIGNED, UNSIGNED]) {
        const pt = crypto.getRandomValues(new Uint8Array(5000));
        const msg = await new EnvelopeClient({ keyring, suite, frameLength: 1, engine: 'wasm' }).encrypt(pt);
        const sealedNative = await new EnvelopeClient({ keyring, suite, frameLength: 1, engine: 'native' }).encrypt(pt);
        for (const engine of ENGINES) {
          const c = new EnvelopeClient({ keyring, engine });
          assert.bytesEqual((await c.decrypt(msg)).plaintext, pt, `${suite} ${engine}`);
          assert.bytesEqual((await c.decrypt(sealedNative)).plaintext, pt, `${suite} ${engine}, sealed natively in windows`);
          // The tag of a frame in the last window, and of one in the first.
          for (const at of [msg.length - (suite === SIGNED ? 110 : 3), (await parseMessage(msg)).headerLength + 30]) {
            const bad = msg.slice();
            bad[at] ^= 1;
            await assert.rejectsWithCode(c.decrypt(bad), 'TAMPERED', `${suite} ${engine} flip at ${at}`);
          }
        }
      }
    });

    t.test('keyring names must be well-formed Unicode (a lone surrogate would make two names one)', () => {
      for (const field of ['keyNamespace', 'keyName']) {
        assert.throwsWithCode(() => new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: new Uint8Array(32), [field]: 'ns\uD800' }), 'INVALID_ARGUMENT', field);
      }
    });

    t.test('a streamed signed message without its footer never releases its final frame', async () => {
      const keyring = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: new Uint8Array(32).fill(9) });
      const pt = crypto.getRandomValues(new Uint8Array(100));
      for (const engine of ['wasm', 'native']) {
        const c = new EnvelopeClient({ keyring, frameLength: 16, engine });
        const msg = await c.encrypt(pt);
        const info = await parseMessage(msg);
        // Header, six regular frames (4 + 12 + 16 + 16 bytes), the final frame (4 + 4 + 12 + 4 + 4 + 16): no footer.
        const bodyEnd = info.headerLength + 6 * 48 + 44;
        assert.ok(bodyEnd < msg.length - 100, 'a footer of ~100 bytes follows');
        const { out, error } = await pipe(c.decryptStream(), [msg.subarray(0, bodyEnd)]);
        assert.equal(error?.code, 'MALFORMED_MESSAGE', `${engine}: truncated`);
        assert.equal(out.reduce((n, p) => n + p.length, 0), 96, `${engine}: the 6 regular frames, not the final one`);
        const bad = msg.slice();
        bad[bad.length - 1] ^= 1;
        const flipped = await pipe(c.decryptStream(), [bad]);
        assert.equal(flipped.error?.code, 'TAMPERED');
        assert.ok(flipped.out.reduce((n, p) => n + p.length, 0) <= 96, `${engine}: nothing of the final frame under a bad footer`);
      }
    });

    t.test('a KMS RSA keyring names its key by ARN, also when it only decrypts', () => {
      const { KmsRsaPublicKeyring } = edgeKms;
      for (const keyId of ['alias/x', '1234abcd-12ab-34cd-56ef-1234567890ab', 'arn:aws:kms:us-east-1:111122223333:alias/x']) {
        assert.throwsWithCode(() => new KmsRsaPublicKeyring({ keyId, publicKey: new Uint8Array(1), kms: leakyKms() }), 'INVALID_KEY_IDENTIFIER', keyId);
      }
    });

    t.test('encryption-context strings must be well-formed UTF-16 (a lone surrogate would be rewritten on the way in)', async () => {
      const c = new EnvelopeClient({ keyring: leakyKms() });
      for (const ec of [{ t: '\uD800' }, { '\uDC00': 'v' }, { t: 'a\uDBFFb' }]) {
        await assert.rejectsWithCode(c.encrypt('x', { encryptionContext: ec }), 'INVALID_ENCRYPTION_CONTEXT');
        await assert.rejectsWithCode(c.decrypt(new Uint8Array(10), { encryptionContext: ec }), 'INVALID_ENCRYPTION_CONTEXT');
      }
      const ok = await c.encrypt('x', { encryptionContext: { t: '\uD83D\uDE00' } });
      assert.equal((await c.decrypt(ok, { encryptionContext: { t: '😀' } })).encryptionContext.t, '😀');
    });
  },
};
