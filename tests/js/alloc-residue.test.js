// Regression test from an adversarial review (2026-12-02): does any copy of a data key, a key derived from it,
// GCM's hash key or the plaintext survive in the envelope module's linear
// memory once a call returned or threw? The data key is chosen by the test
// (a caller KMS keyring hands it in), so every derived value is computable
// here: HKDF-SHA512 PRK, DERIVEKEY, COMMITKEY (ESDK v2 key derivation), and
// GCM's H = AES_K(0^128) in both byte orders. (COMMITKEY is not secret: the
// header carries it.) Found then: the core's shadow stack (linear memory
// below 1 MiB, never freed, so ZeroAlloc never sees it) kept copies of GCM's
// H, the second half of the derived key and, for local keyrings, the data key
// itself after the call returned, until later calls overwrote them. Now
// core.js zeroes the stack below its pointer when an operation ends
// (`scrubStack`; tests/js/guard-stack-scrub.test.js covers every module).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createCipheriv, randomBytes } from 'node:crypto';
import { EnvelopeClient, RawRsaKeyring, RawAesKeyring } from '../../pkg/entry-node.js';
import * as envelopeGlue from '../../pkg/wasm/envelope.js';
import * as envelopeFullGlue from '../../pkg/wasm/envelope-full.js';
import * as rsaGlue from '../../pkg/wasm/rsa.js';
import { generateKeyPairSync, privateDecrypt, constants, createDecipheriv } from 'node:crypto';

const UNSIGNED = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY';
const SIGNED = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384';
const SUITE_ID = { [UNSIGNED]: 0x0478, [SIGNED]: 0x0578 };

const hmac = (k, d) => createHmac('sha512', k).update(d).digest();
/** The secrets of one message (ESDK v2 committing suites). */
function secretsOf(dataKey, message, suite) {
  const messageId = Buffer.from(message.subarray(3, 35));
  const prk = hmac(messageId, dataKey);
  const id = Buffer.from([SUITE_ID[suite] >> 8, SUITE_ID[suite] & 0xff]);
  const derived = hmac(prk, Buffer.concat([id, Buffer.from('DERIVEKEY'), Buffer.from([1])])).subarray(0, 32);
  const commit = hmac(prk, Buffer.concat([Buffer.from('COMMITKEY'), Buffer.from([1])])).subarray(0, 32);
  const c = createCipheriv('aes-256-ecb', derived, null); c.setAutoPadding(false);
  const h = c.update(Buffer.alloc(16));
  return { dataKey, prk, derived, commit, gcmH: h, gcmHreversed: Buffer.from(h).reverse() };
}

/** The memory of a module's instance, or an empty one if it was never loaded. */
function memoryOf(glue) {
  try {
    return Buffer.from(glue.initSync().memory.buffer);
  } catch { // initSync() without a module: never loaded, so nothing in it
    return Buffer.alloc(0);
  }
}

/**
 * Offsets of every copy of each needle (and of its first/second 16-byte half)
 * in the module's memory; by default in both envelope modules (a call runs in
 * `envelope-full` with HPKE or a cache, or once that module is loaded).
 */
function scan(needles, glue) {
  if (glue === undefined) {
    const lean = scan(needles, envelopeGlue), full = scan(needles, envelopeFullGlue);
    return Object.fromEntries([...Object.entries(lean), ...Object.entries(full).map(([k, v]) => [`${k} (envelope-full)`, v])]);
  }
  const heap = memoryOf(glue);
  const found = {};
  for (const [name, n] of Object.entries(needles)) {
    for (const [part, bytes] of [['', n], ['[0..16]', n.subarray(0, 16)], ['[16..32]', n.subarray(16, 32)]]) {
      if (bytes.length < 16) continue;
      const at = [];
      for (let i = heap.indexOf(bytes); i !== -1; i = heap.indexOf(bytes, i + 1)) at.push(i);
      if (at.length) found[name + part] = at;
    }
  }
  return found;
}

/** A caller KMS keyring that hands out `dataKey` and gives it back. */
function knownKeyKms(dataKey) {
  return {
    isKmsKeyring: true, keyId: 'alias/known',
    async generateDataKey() { return { keyId: 'alias/known', plaintext: new Uint8Array(dataKey), ciphertextBlob: new Uint8Array([1, 2, 3]) }; },
    async encryptDataKey() { return { keyId: 'alias/known', ciphertextBlob: new Uint8Array([1, 2, 3]) }; },
    async decryptDataKey() { return { keyId: 'alias/known', plaintext: new Uint8Array(dataKey) }; },
  };
}

const results = [];
async function probe(name, suite, fn) {
  const dataKey = randomBytes(32);
  const plaintext = randomBytes(5000);
  const client = new EnvelopeClient({ keyring: knownKeyKms(dataKey), suite, engine: 'wasm' });
  await client.decrypt(await client.encrypt('warm up'));
  const message = await fn(client, plaintext);
  const needles = { ...secretsOf(dataKey, message, suite), plaintext: plaintext.subarray(1000, 1064) };
  // a few more calls that use neither the key nor the plaintext
  const other = new EnvelopeClient({ keyring: knownKeyKms(randomBytes(32)), suite: UNSIGNED, engine: 'wasm' });
  const after = {};
  after.immediately = scan(needles);
  for (let i = 0; i < 3; i++) await other.decrypt(await other.encrypt(randomBytes(100)));
  after.after3otherCalls = scan(needles);
  results.push({ name, suite, ...after });
  after.secretsImmediately = Object.fromEntries(Object.entries(after.immediately).filter(([k]) => !k.startsWith('commit')));
  return after;
}

const tamper = (m) => { const t = Buffer.from(m); t[t.length - (t.length > 200 ? 120 : 1)] ^= 1; return t; };

for (const suite of [UNSIGNED, SIGNED]) {
  test(`${suite}: nothing of the data key, its derivations or the plaintext left after encrypt+decrypt`, async () => {
    const r = await probe('encrypt+decrypt', suite, async (c, p) => {
      const m = await c.encrypt(p);
      assert.deepEqual(Buffer.from((await c.decrypt(m)).plaintext), p);
      return m;
    });
    assert.deepEqual(r.secretsImmediately, {}, 'left in the module memory once the call returned: ' + JSON.stringify(r.secretsImmediately));
  });
  test(`${suite}: nothing left after a TAMPERED decrypt`, async () => {
    const r = await probe('tampered decrypt', suite, async (c, p) => {
      const m = await c.encrypt(p);
      await assert.rejects(c.decrypt(tamper(m)), (e) => e.code === 'TAMPERED');
      return m;
    });
    assert.deepEqual(r.secretsImmediately, {}, 'left in the module memory once the call returned: ' + JSON.stringify(r.secretsImmediately));
  });
  test(`${suite}: nothing left after a truncated decrypt`, async () => {
    const r = await probe('truncated decrypt', suite, async (c, p) => {
      const m = await c.encrypt(p);
      await assert.rejects(c.decrypt(m.subarray(0, m.length - 30)), (e) => typeof e.code === 'string');
      return m;
    });
    assert.deepEqual(r.secretsImmediately, {}, 'left in the module memory once the call returned: ' + JSON.stringify(r.secretsImmediately));
  });
  test(`${suite}: nothing left after encryptStream + decryptStream`, async () => {
    const r = await probe('streams', suite, async (c, p) => {
      const pipe = async (ts, chunks) => {
        const out = [];
        const w = ts.writable.getWriter();
        const read = (async () => { for await (const x of ts.readable) out.push(x); })();
        for (const ch of chunks) await w.write(ch);
        await w.close(); await read;
        return Buffer.concat(out);
      };
      const m = await pipe(c.encryptStream(), [p.subarray(0, 2000), p.subarray(2000)]);
      assert.deepEqual(await pipe(c.decryptStream(), [m.subarray(0, 700), m.subarray(700)]), p);
      return m;
    });
    assert.deepEqual(r.secretsImmediately, {}, 'left in the module memory once the call returned: ' + JSON.stringify(r.secretsImmediately));
  });
}

/** The encrypted data keys of a v2 message: [{ providerId, info, ciphertext }]. */
function edksOf(m) {
  let at = 35;
  const u16 = () => { const v = m.readUInt16BE(at); at += 2; return v; };
  const bytes = (n) => { const b = m.subarray(at, at + n); at += n; return b; };
  const aadLength = u16(); at += aadLength; // AAD
  const n = u16();
  const out = [];
  for (let i = 0; i < n; i++) out.push({ providerId: bytes(u16()).toString(), info: bytes(u16()), ciphertext: bytes(u16()) });
  return out;
}

test('RawRsaKeyring (OAEP_SHA256): the data key is left neither in the rsa module nor in the envelope module', async () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ring = new RawRsaKeyring({ keyNamespace: 'ns', keyName: 'rsa', publicKey: publicKey.export({ type: 'spki', format: 'pem' }), privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) });
  const client = new EnvelopeClient({ keyring: ring, suite: UNSIGNED, engine: 'wasm' });
  await client.decrypt(await client.encrypt('warm up'));
  const p = randomBytes(3000);
  const m = Buffer.from(await client.encrypt(p));
  const dataKey = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, edksOf(m)[0].ciphertext);
  const needles = { ...secretsOf(dataKey, m, UNSIGNED), plaintext: p.subarray(1000, 1064) };
  const afterEncrypt = { envelope: scan(needles), rsa: scan(needles, rsaGlue) };
  assert.deepEqual(Buffer.from((await client.decrypt(m)).plaintext), p);
  const afterDecrypt = { envelope: scan(needles), rsa: scan(needles, rsaGlue) };
  results.push({ name: 'raw RSA', afterEncrypt, afterDecrypt });
  const keysOnly = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Object.keys(v).filter((n) => !n.startsWith('commit'))]));
  assert.deepEqual(keysOnly(afterEncrypt), { envelope: [], rsa: [] }, JSON.stringify(afterEncrypt));
  assert.deepEqual(keysOnly(afterDecrypt), { envelope: [], rsa: [] }, JSON.stringify(afterDecrypt));
});

test('RawAesKeyring: the data key (learned from the EDK with the wrapping key) is not left in the envelope module', async () => {
  const wrappingKey = randomBytes(32);
  const ring = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'aes', wrappingKey });
  const client = new EnvelopeClient({ keyring: ring, suite: SIGNED, engine: 'wasm' });
  await client.decrypt(await client.encrypt('warm up'));
  const p = randomBytes(3000);
  const m = Buffer.from(await client.encrypt(p));
  const edk = edksOf(m)[0];
  const iv = edk.info.subarray(edk.info.length - 12);
  // AAD: the serialized encryption context (the header's AAD field)
  const aad = m.subarray(37, 37 + m.readUInt16BE(35));
  const d = createDecipheriv('aes-256-gcm', wrappingKey, iv); d.setAAD(aad); d.setAuthTag(edk.ciphertext.subarray(32));
  const dataKey = Buffer.concat([d.update(edk.ciphertext.subarray(0, 32)), d.final()]);
  const needles = { ...secretsOf(dataKey, m, SIGNED), plaintext: p.subarray(1000, 1064) };
  const afterEncrypt = scan(needles);
  assert.deepEqual(Buffer.from((await client.decrypt(m)).plaintext), p);
  const afterDecrypt = scan(needles);
  results.push({ name: 'raw AES', afterEncrypt, afterDecrypt });
  const secretOnly = (o) => Object.keys(o).filter((n) => !n.startsWith('commit'));
  assert.deepEqual(secretOnly(afterEncrypt), [], JSON.stringify(afterEncrypt));
  assert.deepEqual(secretOnly(afterDecrypt), [], JSON.stringify(afterDecrypt));
});

test('report', (t) => { t.diagnostic(JSON.stringify(results)); });

test("BrokerKeyring keyTransport 'hpke': the data key (learned from a plaintext-transport decrypt of the same message) is not left in the envelope module", async () => {
  const { createBroker, createDevKms } = await import('edge-kms/broker');
  const { BrokerKeyring } = await import('../../pkg/entry-node.js');
  const kms = await createDevKms({ aliases: ['alias/demo'], signingKeys: [], encryptionKeys: [] });
  const broker = createBroker({ kms, keyIds: ['alias/demo'], authorize: () => true });
  let learned;
  const fetch = async (input, init) => {
    const res = await broker.fetch(new Request(input, init));
    const body = await res.clone().json().catch(() => ({}));
    if (typeof body.plaintext === 'string') learned = Buffer.from(body.plaintext, 'base64');
    return res;
  };
  const hpke = new EnvelopeClient({ keyring: new BrokerKeyring({ endpoint: 'http://broker.test/kms', keyId: 'alias/demo', fetch, keyTransport: 'hpke' }), suite: UNSIGNED, engine: 'wasm' });
  const plain = new EnvelopeClient({ keyring: new BrokerKeyring({ endpoint: 'http://broker.test/kms', keyId: 'alias/demo', fetch }), suite: UNSIGNED, engine: 'wasm' });
  await hpke.decrypt(await hpke.encrypt('warm up'));
  const p = randomBytes(3000);
  const m = Buffer.from(await hpke.encrypt(p));
  const afterEncrypt = scan({ plaintext: p.subarray(1000, 1064) });
  assert.deepEqual(Buffer.from((await hpke.decrypt(m)).plaintext), p);
  const afterDecryptRaw = envelopeFullGlue.initSync().memory.buffer.slice(0); // keyTransport 'hpke' runs in envelope-full
  await plain.decrypt(m); // only to learn the data key (the broker answers it in plaintext)
  assert.equal(learned?.length, 32);
  const needles = { ...secretsOf(learned, m, UNSIGNED), plaintext: p.subarray(1000, 1064) };
  const heap = Buffer.from(afterDecryptRaw);
  const afterDecrypt = {};
  for (const [k, n] of Object.entries(needles)) { if (k.startsWith('commit')) continue; const at = heap.indexOf(n); if (at !== -1) afterDecrypt[k] = at; for (const [h, part] of [['[0..16]', n.subarray(0, 16)], ['[16..32]', n.subarray(16, 32)]]) { if (part.length < 16) continue; const a2 = heap.indexOf(part); if (a2 !== -1) afterDecrypt[k + h] = a2; } }
  results.push({ name: 'hpke', afterEncrypt, afterDecrypt });
  assert.deepEqual({ afterEncrypt, afterDecrypt }, { afterEncrypt: {}, afterDecrypt: {} });
});
