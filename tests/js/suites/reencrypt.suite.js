// EnvelopeClient#reEncrypt in every runtime: re-keyed messages open under the new
// keyring only (or both, when kept), keep their frames byte for byte, and a
// tampered original is refused before any new keyring is asked for anything.
// Interop with @aws-crypto/client-node and KMS through the broker on moto are in
// tests/js/reencrypt-interop.test.js (Node).
import { assert } from '../harness.js';

const SIGNED = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384';
const UNSIGNED = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY';
const ENGINES = ['wasm', 'native'];
const ARN_B = 'arn:aws:kms:us-east-1:111122223333:key/bbbbbbbb-12ab-34cd-56ef-1234567890ab';
const pattern = (n, seed = 1) => { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = (i * 29 + seed) & 0xff; return b; };
const text = new TextEncoder();
const fromB64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

// A version 1 message (suite 0x0378) written by @aws-crypto/client-node with a raw AES
// key of bytes 0..31, namespace "fixture", name "v1" (the same as envelope.suite.js).
const V1_MESSAGE = 'AYADeLIIDnEheBUzE5edRM1kNdQAdAACABVhd3MtY3J5cHRvLXB1YmxpYy1rZXkAREF6THdxK0F4R292Zm03TlJtd2YrUUk5OGdzWXV5d29BY1Jld25KQVcxcFNqVnVEOWJGOXZyNElnVVF3bDdLY3laQT09AAdwdXJwb3NlAAp2MSBmaXh0dXJlAAEAB2ZpeHR1cmUAFnYxAAAAgAAAAAwz16y6NJGGbircv7QAMNOkb8lqD6SyJ/aWr8sTxYEZCh2dohTfwELAYxfNEHIEpXyvcmtxLRyOGfAeVnqD9wIAAAAADAAAABAAAAAAAAAAAAAAAAA3U+7/hItTt/yM2ApcE0dBAAAAAQAAAAAAAAAAAAAAASZZdnmhCNORIx6Mv9YE/1t7EkHqdPODU7uz1J1IeJViAAAAAgAAAAAAAAAAAAAAAqezIkjzPOKOk4VFR15fsDR2vlcd3RaQD3rzp04ZozUf/////wAAAAMAAAAAAAAAAAAAAAMAAAANNf8topWvxRG4G95VECB5WdbfcEcKna5Z/O48tCwAZzBlAjAHw49Wve9wjEUFuj4osUJjdu0DXqwihSms3boFLhpZiP3nFZu2dMXaDtqypbeKkm8CMQCb5OHMGS+iOVEETdX3Bxhc/ekT2o0kp9RNmpMpoZfK57iNMhEUBCBwh+/107M0n0Y=';

/**
 * STAND-IN KMS keyring (BrokerKeyring's interface, in process): wraps data keys with a
 * WebCrypto AES-GCM key bound to the context, as KMS does, and records every call, so
 * these tests see what a re-key asks of a KMS keyring (and that a refused original
 * asks nothing). The real broker on moto is in reencrypt-interop.test.js.
 */
function recordingKms(keyId = ARN_B) {
  const calls = [];
  const keyP = crypto.subtle.importKey('raw', crypto.getRandomValues(new Uint8Array(32)), 'AES-GCM', false, ['encrypt', 'decrypt']);
  const aad = (ec) => text.encode(JSON.stringify(Object.keys(ec).sort().map((k) => [k, ec[k]])));
  return {
    isKmsKeyring: true,
    keyId,
    calls,
    async generateDataKey() { calls.push({ op: 'generateDataKey' }); throw new Error('a re-key never generates a data key'); },
    async encryptDataKey({ plaintext, encryptionContext }) {
      calls.push({ op: 'encryptDataKey', encryptionContext, length: plaintext.length });
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad(encryptionContext) }, await keyP, plaintext));
      const blob = new Uint8Array(12 + ct.length); blob.set(iv); blob.set(ct, 12);
      return { keyId, ciphertextBlob: blob };
    },
    async decryptDataKey({ ciphertextBlob, encryptionContext }) {
      calls.push({ op: 'decryptDataKey' });
      const plaintext = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: ciphertextBlob.subarray(0, 12), additionalData: aad(encryptionContext) }, await keyP, ciphertextBlob.subarray(12)));
      return { keyId, plaintext };
    },
  };
}

/** Where the frames of a framed v2 message end (= its length for unsigned suites). */
function framesEnd(info, plaintextLength) {
  const fl = info.frameLength;
  const regular = info.frameCount - 1;
  return info.headerLength + regular * (4 + 12 + fl + 16) + (4 + 4 + 12 + 4 + (plaintextLength - regular * fl) + 16);
}

/** Pipes `bytes` through `ts` in `size`-byte chunks; returns what came out and the error, if any. */
async function through(ts, bytes, size) {
  const w = ts.writable.getWriter();
  const r = ts.readable.getReader();
  const chunks = [];
  const reading = (async () => { for (;;) { const { done, value } = await r.read(); if (done) return; chunks.push(value); } })();
  let err;
  try {
    for (let i = 0; i < bytes.length; i += size) await w.write(bytes.subarray(i, i + size));
    await w.close();
  } catch (e) { err = e; }
  try { await reading; } catch (e) { err ??= e; }
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return { out, err };
}

export default {
  name: 'reencrypt',
  /** @param {import('../harness.js').Registrar} t @param {import('../harness.js').Ctx} ctx */
  register(t, { edgeKms }) {
    const { EnvelopeClient, RawAesKeyring, RawRsaKeyring, MultiKeyring, parseMessage } = edgeKms;
    const aes = (name, seed) => new RawAesKeyring({ keyNamespace: 'ns', keyName: name, wrappingKey: pattern(32, seed) });
    const A = aes('aes-2026-01', 1);
    const B = aes('aes-2026-07', 2);

    for (const engine of ENGINES) t.test(`A → B, both suites: B opens, A is refused, frames byte for byte, same message id and context [${engine}]`, async () => {
      for (const suite of [UNSIGNED, SIGNED]) {
        for (const n of [0, 1, 4096, 3 * 4096 + 5]) {
          const pt = pattern(n);
          const a = new EnvelopeClient({ keyring: A, suite, engine, frameLength: 4096 });
          const original = await a.encrypt(pt, { encryptionContext: { tenant: 'acme' } });
          const rekeyed = await a.reEncrypt(original, { keyring: B, encryptionContext: { tenant: 'acme' } });
          const [io, ir] = [await parseMessage(original), await parseMessage(rekeyed)];
          assert.bytesEqual(ir.messageId, io.messageId, 'message id');
          assert.equal(ir.suite, suite);
          assert.equal(ir.frameLength, 4096);
          assert.equal(ir.encryptedDataKeys.length, 1);
          assert.equal(new TextDecoder().decode(ir.encryptedDataKeys[0].providerInfo.subarray(0, 11)), 'aes-2026-07');
          assert.equal(ir.encryptionContext.tenant, 'acme');
          assert.equal(ir.encryptionContext['aws-crypto-public-key'] !== undefined, suite === SIGNED);
          if (suite === SIGNED) assert.notEqual(ir.encryptionContext['aws-crypto-public-key'], io.encryptionContext['aws-crypto-public-key'], 'a new signer');
          const [eo, er] = [framesEnd(io, n), framesEnd(ir, n)];
          if (suite === UNSIGNED) { assert.equal(eo, original.length); assert.equal(er, rekeyed.length); }
          assert.bytesEqual(rekeyed.subarray(ir.headerLength, er), original.subarray(io.headerLength, eo), `frames ${suite} ${n}`);
          const b = new EnvelopeClient({ keyring: B, engine });
          const out = await b.decrypt(rekeyed, { encryptionContext: { tenant: 'acme' } });
          assert.bytesEqual(out.plaintext, pt);
          await assert.rejectsWithCode(a.decrypt(rekeyed), 'NO_DECRYPTABLE_DATA_KEY', 'A no longer opens it');
          assert.bytesEqual((await a.decrypt(original)).plaintext, pt, 'the original is untouched');
        }
      }
    });

    for (const engine of ENGINES) t.test(`keeping the old keyring (MultiKeyring), removing a party, raw RSA [${engine}]`, async () => {
      const kp = await crypto.subtle.generateKey({ name: 'RSA-OAEP', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['encrypt', 'decrypt']);
      const R = new RawRsaKeyring({ keyNamespace: 'ns', keyName: 'rsa', padding: 'OAEP_SHA256',
        publicKey: new Uint8Array(await crypto.subtle.exportKey('spki', kp.publicKey)), privateKey: new Uint8Array(await crypto.subtle.exportKey('pkcs8', kp.privateKey)) });
      const pt = pattern(20000);
      const ab = new EnvelopeClient({ keyring: new MultiKeyring({ generator: A, children: [B] }), engine });
      const original = await ab.encrypt(pt);
      // Keep A, drop B, add RSA.
      const rekeyed = await ab.reEncrypt(original, { keyring: new MultiKeyring({ generator: A, children: [R] }) });
      assert.equal((await parseMessage(rekeyed)).encryptedDataKeys.length, 2);
      assert.bytesEqual((await new EnvelopeClient({ keyring: A, engine }).decrypt(rekeyed)).plaintext, pt);
      assert.bytesEqual((await new EnvelopeClient({ keyring: R, engine }).decrypt(rekeyed)).plaintext, pt);
      await assert.rejectsWithCode(new EnvelopeClient({ keyring: B, engine }).decrypt(rekeyed), 'NO_DECRYPTABLE_DATA_KEY', 'B was removed');
      // The client opens with any of its keyring's members: here B.
      const viaB = await new EnvelopeClient({ keyring: B, engine }).reEncrypt(original, { keyring: R });
      assert.bytesEqual((await new EnvelopeClient({ keyring: R, engine }).decrypt(viaB)).plaintext, pt);
    });

    t.test('a KMS RSA public key as the new keyring: the unsigned suite only, sealed with no KMS call', async () => {
      const kp = await crypto.subtle.generateKey({ name: 'RSA-OAEP', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['encrypt', 'decrypt']);
      const publicKey = new Uint8Array(await crypto.subtle.exportKey('spki', kp.publicKey));
      const rsa = new edgeKms.KmsRsaPublicKeyring({ keyId: ARN_B.replace('bbbbbbbb', 'cccccccc'), publicKey });
      const unsigned = await new EnvelopeClient({ keyring: A, suite: UNSIGNED }).encrypt('to an RSA KMS key');
      const rekeyed = await new EnvelopeClient({ keyring: A }).reEncrypt(unsigned, { keyring: rsa });
      const info = await parseMessage(rekeyed);
      assert.deepEqual(info.encryptedDataKeys.map((e) => e.providerId), ['aws-kms-rsa']);
      await assert.rejectsWithCode(new EnvelopeClient({ keyring: A }).decrypt(rekeyed), 'NO_DECRYPTABLE_DATA_KEY');
      // Anyone with the public key could write it, so a signature would prove nothing: refused for the signed suite.
      const kms = recordingKms();
      const signed = await new EnvelopeClient({ keyring: A, suite: SIGNED }).encrypt('signed');
      await assert.rejectsWithCode(new EnvelopeClient({ keyring: A }).reEncrypt(signed, { keyring: new MultiKeyring({ generator: rsa, children: [kms] }) }), 'UNSUPPORTED_ALGORITHM');
      assert.equal(kms.calls.length, 0, 'refused before the next keyring was asked');
    });

    for (const engine of ENGINES) t.test(`a KMS keyring as the new keyring: Encrypt with the new context, never GenerateDataKey [${engine}]`, async () => {
      for (const suite of [UNSIGNED, SIGNED]) {
        const kms = recordingKms();
        const a = new EnvelopeClient({ keyring: A, suite, engine });
        const original = await a.encrypt(pattern(70000), { encryptionContext: { tenant: 'acme' } });
        const rekeyed = await a.reEncrypt(original, { keyring: kms });
        const info = await parseMessage(rekeyed);
        assert.deepEqual(kms.calls.map((c) => c.op), ['encryptDataKey']);
        assert.equal(kms.calls[0].length, 32);
        assert.deepEqual(kms.calls[0].encryptionContext, info.encryptionContext, 'KMS binds the new message context');
        assert.equal(info.encryptedDataKeys[0].providerId, 'aws-kms');
        assert.equal(new TextDecoder().decode(info.encryptedDataKeys[0].providerInfo), ARN_B);
        assert.bytesEqual((await new EnvelopeClient({ keyring: kms, engine }).decrypt(rekeyed)).plaintext, pattern(70000));
      }
    });

    for (const engine of ENGINES) t.test(`a tampered original (header, context, EDK, header tag, frame, final tag, footer) is refused and no new keyring is asked [${engine}]`, async () => {
      for (const suite of [UNSIGNED, SIGNED]) {
        const a = new EnvelopeClient({ keyring: A, suite, engine, frameLength: 4096 });
        const n = 2 * 4096 + 100;
        const original = await a.encrypt(pattern(n), { encryptionContext: { tenant: 'acme' } });
        const info = await parseMessage(original);
        const end = framesEnd(info, n);
        const edk = info.encryptedDataKeys[0];
        // Offsets: suite id, message id, context, EDK ciphertext, commitment, header tag,
        // a regular frame's ciphertext and tag, the final frame's sequence number,
        // ciphertext and tag, the footer's signature.
        const ctxAt = 1 + 2 + 32 + 2 + 2 + 2 + 6; // inside the first context value or key
        const edkAt = info.headerLength - 16 - 32 - 4 - 1 - edk.ciphertext.length + 3;
        const spots = {
          'suite id': 2, 'message id': 10, context: ctxAt, 'EDK ciphertext': edkAt, commitment: info.headerLength - 16 - 10,
          'header tag': info.headerLength - 3, 'frame ciphertext': info.headerLength + 4 + 12 + 100, 'frame tag': info.headerLength + 4 + 12 + 4096 + 3,
          'final sequence': end - 16 - 100 - 4 - 12 - 1, 'final ciphertext': end - 16 - 50, 'final tag': end - 1,
          ...(suite === SIGNED ? { 'footer signature': original.length - 5, 'footer length': end + 1 } : {}),
        };
        for (const [what, at] of Object.entries(spots)) {
          const bad = original.slice();
          bad[at] ^= 0x04;
          const kms = recordingKms();
          let err;
          try { await a.reEncrypt(bad, { keyring: new MultiKeyring({ generator: kms, children: [B] }) }); } catch (e) { err = e; }
          assert.ok(err && err.name === 'EdgeKmsError', `${suite} ${what}: refused with an EdgeKmsError`);
          assert.ok(['TAMPERED', 'MALFORMED_MESSAGE', 'NO_DECRYPTABLE_DATA_KEY', 'UNSUPPORTED_ALGORITHM'].includes(err.code), `${suite} ${what}: ${err.code}`);
          assert.equal(kms.calls.length, 0, `${suite} ${what}: the new keyring was not asked`);
        }
        // Every region whose bytes authenticate says TAMPERED.
        for (const at of [spots['header tag'], spots['frame ciphertext'], spots['final tag'], ...(suite === SIGNED ? [spots['footer signature']] : [])]) {
          const bad = original.slice();
          bad[at] ^= 0x04;
          await assert.rejectsWithCode(a.reEncrypt(bad, { keyring: B }), 'TAMPERED', `${suite} at ${at}`);
        }
        await assert.rejectsWithCode(a.reEncrypt(original.subarray(0, original.length - 1), { keyring: B }), 'MALFORMED_MESSAGE', 'truncated');
        const longer = new Uint8Array(original.length + 1); longer.set(original);
        await assert.rejectsWithCode(a.reEncrypt(longer, { keyring: B }), 'MALFORMED_MESSAGE', 'a trailing byte');
      }
    });

    t.test('a signed original whose footer is stripped (re-labelled unsigned) is refused', async () => {
      const a = new EnvelopeClient({ keyring: A, suite: SIGNED, frameLength: 64 });
      const original = await a.encrypt(pattern(100));
      const info = await parseMessage(original);
      const stripped = original.slice(0, framesEnd(info, 100));
      await assert.rejectsWithCode(a.reEncrypt(stripped, { keyring: B }), 'MALFORMED_MESSAGE');
    });

    for (const engine of ENGINES) t.test(`reEncryptStream: same result as reEncrypt in any chunking; frames byte for byte; B opens, A refused [${engine}]`, async () => {
      for (const suite of [UNSIGNED, SIGNED]) {
        const n = 3 * 4096 + 77;
        const pt = pattern(n);
        const a = new EnvelopeClient({ keyring: A, suite, frameLength: 4096, engine });
        const original = await a.encrypt(pt, { encryptionContext: { tenant: 'acme' } });
        for (const size of [1000, 4096 + 40, original.length]) {
          const kms = recordingKms();
          const { out, err } = await through(a.reEncryptStream({ keyring: new MultiKeyring({ generator: kms, children: [B] }), encryptionContext: { tenant: 'acme' } }), original, size);
          assert.equal(err, undefined, `${suite} ${size}: ${err}`);
          assert.deepEqual(kms.calls.map((c) => c.op), ['encryptDataKey']);
          const [io, ir] = [await parseMessage(original), await parseMessage(out)];
          assert.bytesEqual(ir.messageId, io.messageId);
          assert.bytesEqual(out.subarray(ir.headerLength, framesEnd(ir, n)), original.subarray(io.headerLength, framesEnd(io, n)), `${suite} ${size}: frames`);
          assert.bytesEqual((await new EnvelopeClient({ keyring: B }).decrypt(out, { encryptionContext: { tenant: 'acme' } })).plaintext, pt);
          await assert.rejectsWithCode(a.decrypt(out), 'NO_DECRYPTABLE_DATA_KEY');
        }
      }
    });

    for (const engine of ENGINES) t.test(`reEncryptStream of a tampered or truncated original errors and its output never opens [${engine}]`, async () => {
      for (const suite of [UNSIGNED, SIGNED]) {
        const n = 2 * 4096 + 100;
        const a = new EnvelopeClient({ keyring: A, suite, frameLength: 4096, engine });
        const original = await a.encrypt(pattern(n));
        const info = await parseMessage(original);
        const end = framesEnd(info, n);
        const cases = [
          ['header tag', info.headerLength - 3, 'TAMPERED'], ['first frame', info.headerLength + 40, 'TAMPERED'],
          ['final frame tag', end - 1, 'TAMPERED'], ...(suite === SIGNED ? [['footer signature', original.length - 4, 'TAMPERED']] : []),
        ];
        for (const [what, at, code] of cases) {
          const bad = original.slice();
          bad[at] ^= 0x10;
          const kms = recordingKms();
          const { out, err } = await through(a.reEncryptStream({ keyring: kms }), bad, 3000);
          assert.ok(err && err.name === 'EdgeKmsError' && err.code === code, `${suite} ${what}: ${err && err.code}`);
          if (what === 'header tag') assert.equal(kms.calls.length, 0, 'no new keyring asked for a header that does not authenticate');
          // What came out is at most the new header and the frames before the final one: never a message.
          assert.ok(out.length < end - info.headerLength, `${suite} ${what}: the final frame was held back`);
          if (out.length) await assert.rejectsWithCode(new EnvelopeClient({ keyring: kms }).decrypt(out), 'MALFORMED_MESSAGE', `${suite} ${what}: the partial output`);
        }
        for (const cut of [10, info.headerLength + 5, end - 1, ...(suite === SIGNED ? [end + 3, original.length - 1] : [])]) {
          const { err } = await through(a.reEncryptStream({ keyring: B }), original.subarray(0, cut), 4096);
          assert.ok(err && err.code === 'MALFORMED_MESSAGE', `${suite} cut at ${cut}: ${err && err.code}`);
        }
        const { err } = await through(a.reEncryptStream({ keyring: B }), new Uint8Array([...original, 0]), 4096);
        assert.ok(err && err.code === 'MALFORMED_MESSAGE', `${suite} a trailing byte: ${err && err.code}`);
      }
    });

    t.test('options: required context, requireSignature, keyring, limits, abort, version 1', async () => {
      const a = new EnvelopeClient({ keyring: A, suite: UNSIGNED });
      const original = await a.encrypt('x', { encryptionContext: { tenant: 'acme' } });
      await assert.rejectsWithCode(a.reEncrypt(original, { keyring: B, encryptionContext: { tenant: 'other' } }), 'ENCRYPTION_CONTEXT_MISMATCH');
      await assert.rejectsWithCode(a.reEncrypt(original, { keyring: B, requireSignature: true }), 'SIGNATURE_REQUIRED');
      await assert.rejectsWithCode(() => a.reEncrypt(original, {}), 'INVALID_ARGUMENT', 'no keyring');
      await assert.rejectsWithCode(() => a.reEncrypt(original), 'INVALID_ARGUMENT', 'no options');
      await assert.rejectsWithCode(() => a.reEncrypt(original, { keyring: {} }), 'INVALID_ARGUMENT', 'not a keyring');
      await assert.rejectsWithCode(() => a.reEncrypt('text', { keyring: B }), 'INVALID_ARGUMENT', 'a string');
      // a misspelt option is refused, not dropped (the context would go unchecked)
      await assert.rejectsWithCode(() => a.reEncrypt(original, { keyring: B, encryptionContex: { tenant: 'other' } }), 'INVALID_ARGUMENT', 'unknown option');
      assert.throwsWithCode(() => a.reEncryptStream({ keyring: B, requireSignatures: true }), 'INVALID_ARGUMENT', 'unknown stream option');
      const one = new EnvelopeClient({ keyring: A, maxEncryptedDataKeys: 1 });
      await assert.rejectsWithCode(one.reEncrypt(original, { keyring: new MultiKeyring({ generator: B, children: [A] }) }), 'TOO_MANY_ENCRYPTED_DATA_KEYS');
      const ac = new AbortController();
      ac.abort(new Error('stop'));
      await assert.rejectsWithCode(() => a.reEncrypt(original, { keyring: B, signal: ac.signal }), 'ABORTED');
      // Version 1 (and non-committing) originals cannot be re-keyed: refused from the header, no keyring asked.
      const kms = recordingKms();
      const legacy = new EnvelopeClient({ keyring: new MultiKeyring({ generator: kms, children: [new RawAesKeyring({ keyNamespace: 'fixture', keyName: 'v1', wrappingKey: Uint8Array.from({ length: 32 }, (_, i) => i) })] }), commitmentPolicy: 'REQUIRE_ENCRYPT_ALLOW_DECRYPT' });
      await assert.rejectsWithCode(legacy.reEncrypt(fromB64(V1_MESSAGE), { keyring: B }), 'UNSUPPORTED_ALGORITHM');
      assert.equal(kms.calls.length, 0);
    });
  },
};
