// The JS boundary, in every runtime: hostile values at every public entry
// point (wrong types; huge, negative, NaN, infinite and fractional numbers;
// detached, shared and resizable buffers; Proxies, revoked Proxies, getters
// and toString/valueOf that throw; subclasses that lie; buffers changed
// during an await; malformed broker answers) each give an EdgeKmsError with a
// code of ERROR_CODES — never a TypeError or a wasm trap — and after every
// one a normal round trip (encrypt + decrypt, verify) still works.
//
// Values are drawn by a seeded generator: a failure prints the seed and case
// number, and the same seed replays it.
import { assert, AssertionError } from '../harness.js';

const SEED = 0x9e3779b9;
const UNSIGNED = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY';
const ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const text = new TextEncoder();

/** mulberry32: a small, seeded PRNG. */
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return { next, int: (n) => Math.floor(next() * n), pick: (xs) => xs[Math.floor(next() * xs.length)] };
}

const boom = () => { throw new Error('hostile getter'); };

/** An ArrayBuffer that has been transferred away (detached), where the runtime can. */
function detachedBuffer(n = 16) {
  const b = new ArrayBuffer(n);
  if (typeof b.transfer === 'function') b.transfer();
  else structuredClone(b, { transfer: [b] });
  return b;
}

/** Numbers no option accepts, and numbers some might. */
const BAD_NUMBERS = [NaN, Infinity, -Infinity, -1, -0.5, 0.5, 1.5, 2 ** 31, 2 ** 32, 2 ** 32 + 1, 2 ** 53, 2 ** 64, 1e308, -1e308, Number.MIN_VALUE, -(2 ** 31)];

/**
 * Hostile values. Each is made fresh (a detached buffer cannot be reused by
 * the next case), with a label for the failure message.
 * @returns {Array<[string, () => unknown]>}
 */
function hostileValues() {
  /** @type {Array<[string, () => unknown]>} */
  const v = [
    ['undefined', () => undefined], ['null', () => null], ['true', () => true], ['0', () => 0], ['-0', () => -0],
    ...BAD_NUMBERS.map((n) => /** @type {[string, () => unknown]} */ ([`number ${n}`, () => n])),
    ['bigint', () => 10n], ['symbol', () => Symbol('x')], ['empty string', () => ''], ['lone surrogate', () => '\uD800'],
    ['NUL string', () => '\0'], ['long string', () => 'A'.repeat(70_000)],
    ['{}', () => ({})], ['[]', () => []], ['[1,2]', () => [1, 2]], ['function', () => () => 1], ['Date', () => new Date(0)],
    ['Map', () => new Map()], ['null-prototype object', () => Object.create(null)], ['frozen object', () => Object.freeze({ a: 1 })],
    ['Proxy that throws in every trap', () => new Proxy({}, Object.fromEntries(['get', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'set', 'defineProperty', 'apply'].map((k) => [k, boom])))],
    ['revoked Proxy', () => { const p = Proxy.revocable({}, {}); p.revoke(); return p.proxy; }],
    ['Proxy of a Uint8Array', () => new Proxy(new Uint8Array(8), {})],
    ['Proxy of a Uint8Array whose traps throw', () => new Proxy(new Uint8Array(8), { get: boom, getPrototypeOf: () => Uint8Array.prototype })],
    ['object whose toString throws', () => ({ toString: boom, valueOf: boom })],
    ['object whose Symbol.toPrimitive throws', () => ({ [Symbol.toPrimitive]: boom })],
    ['object with a throwing getter', () => Object.defineProperty({}, 'length', { get: boom, enumerable: true })],
    ['Uint8Array whose length getter throws', () => Object.defineProperty(new Uint8Array(8), 'length', { get: boom })],
    ['Uint8Array subclass that lies', () => { class Liar extends Uint8Array { get length() { return 1e9; } subarray() { throw new Error('liar'); } } return new Liar(8); }],
    ['detached ArrayBuffer', () => detachedBuffer()],
    ['view of a detached buffer', () => { const b = new ArrayBuffer(16); const u = new Uint8Array(b, 4); structuredClone(b, { transfer: [b] }); return u; }],
    ['DataView of a detached buffer', () => { const b = new ArrayBuffer(16); const d = new DataView(b); structuredClone(b, { transfer: [b] }); return d; }],
    ['empty Uint8Array', () => new Uint8Array(0)], ['Float64Array', () => new Float64Array([1.5, NaN])],
    ['DataView', () => new DataView(new ArrayBuffer(8))], ['ArrayBuffer', () => new ArrayBuffer(3)],
  ];
  if (typeof SharedArrayBuffer === 'function') {
    v.push(['SharedArrayBuffer', () => new SharedArrayBuffer(16)], ['view of a SharedArrayBuffer', () => new Uint8Array(new SharedArrayBuffer(16))]);
  }
  try {
    const r = new ArrayBuffer(16, { maxByteLength: 64 });
    if (r.resizable) {
      v.push(['view of a shrunk resizable buffer', () => { const b = new ArrayBuffer(16, { maxByteLength: 64 }); const u = new Uint8Array(b, 8, 8); b.resize(4); return u; }]);
    }
  } catch { /* no resizable buffers here */ }
  return v;
}

/** ECDSA P-256 (WebCrypto's r ‖ s) → DER, as KMS returns it. */
function derSignature(rs) {
  const int = (b) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    b = b.subarray(i);
    return b[0] & 0x80 ? [0x02, b.length + 1, 0, ...b] : [0x02, b.length, ...b];
  };
  const body = [...int(rs.subarray(0, 32)), ...int(rs.subarray(32))];
  return Uint8Array.from([0x30, body.length, ...body]);
}

export default {
  name: 'boundary',
  /** @param {import('../harness.js').Registrar} t @param {import('../harness.js').Ctx} ctx */
  register(t, { edgeKms, runtime }) {
    const { EnvelopeClient, RawAesKeyring, RawRsaKeyring, KmsRsaPublicKeyring, MultiKeyring, BrokerKeyring, KmsPublicKey,
      EdgeKmsError, ERROR_CODES, verifyKmsSignature, verifyJwt, parseKeyIdentifier, recommendKeyType, estimateCost, parseMessage } = edgeKms;
    const aesKey = () => Uint8Array.from({ length: 32 }, (_, i) => i);
    const aes = () => new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: aesKey() });
    // One long-lived keyring and clients, as a server holds them: they must survive every hostile call.
    const ring = aes();
    const clients = ['wasm', 'auto'].map((engine) => new EnvelopeClient({ keyring: ring, suite: UNSIGNED, engine, cache: { maxAgeMs: 60_000 } }));
    /** @type {Promise<{ key: any, message: Uint8Array, signature: Uint8Array, spki: Uint8Array }>} */
    let signed;
    const signedFixture = () => (signed ??= (async () => {
      const kp = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
      const spki = new Uint8Array(await crypto.subtle.exportKey('spki', kp.publicKey));
      const message = text.encode('signed by a P-256 key');
      const rs = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, kp.privateKey, message));
      return { key: await KmsPublicKey.from(spki), message, signature: derSignature(rs), spki };
    })());

    /** A normal round trip and a verification: the module is still usable. */
    const stillWorks = async (label) => {
      const pt = text.encode(`still works after ${label}`);
      for (const c of clients) {
        const sealed = await c.encrypt(pt, { encryptionContext: { purpose: 'check' } });
        assert.bytesEqual((await c.decrypt(sealed)).plaintext, pt, `round trip after ${label}`);
      }
      const { key, message, signature, spki } = await signedFixture();
      assert.equal(key.verifySync({ signingAlgorithm: 'ECDSA_SHA_256', message, signature }), true, `verify after ${label}`);
      assert.equal(await verifyKmsSignature({ publicKey: spki, signingAlgorithm: 'ECDSA_SHA_256', message, signature }), true, `verify after ${label}`);
    };

    /**
     * Runs `fn` (sync or async); it must fail with an EdgeKmsError whose code is in `codes`
     * (or, with `mayPass`, succeed). Then the module must still work.
     */
    const expectCoded = async (label, codes, fn, { mayPass = false } = {}) => {
      let err, passed = false;
      try {
        await fn();
        passed = true;
      } catch (e) {
        err = e;
      }
      if (passed) {
        if (!mayPass) throw new AssertionError(`${label}: expected an EdgeKmsError (${codes.join(' | ')}), but it succeeded`);
      } else {
        if (!(err instanceof EdgeKmsError)) throw new AssertionError(`${label}: expected an EdgeKmsError, got ${err && err.name}: ${err && err.message}`);
        if (!ERROR_CODES.includes(err.code)) throw new AssertionError(`${label}: code ${err.code} is not one of ERROR_CODES`);
        if (!codes.includes(err.code)) throw new AssertionError(`${label}: expected ${codes.join(' | ')}, got ${err.code}: ${err.message}${err.cause ? ` (cause: ${err.cause})` : ''}`);
      }
      return err;
    };

    /** Cases: every hostile value, then `extra` random picks, each checked, with the module checked every `every` cases. */
    const property = async (name, run, { extra = 20, every = 8 } = {}) => {
      const r = rng(SEED ^ name.length * 7919);
      const values = hostileValues();
      const cases = [...values, ...Array.from({ length: extra }, () => r.pick(values))];
      for (let i = 0; i < cases.length; i++) {
        const [label, make] = cases[i];
        await run(make, `${name} #${i} (${label}, seed ${SEED})`, r);
        if (i % every === every - 1) await stillWorks(`${name} #${i}`);
      }
      await stillWorks(name);
    };

    // ------------------------------------------------------------ EnvelopeClient

    t.test('EnvelopeClient options: any hostile value is a coded refusal or a working client', async () => {
      await property('new EnvelopeClient(options)', async (make, label) => {
        await expectCoded(label, ['INVALID_ARGUMENT'], () => new EnvelopeClient(/** @type {any} */ (make())));
      });
      const fields = { keyring: ['INVALID_ARGUMENT'], suite: ['UNSUPPORTED_ALGORITHM'], frameLength: ['INVALID_ARGUMENT'], commitmentPolicy: ['INVALID_ARGUMENT'],
        maxEncryptedDataKeys: ['INVALID_ARGUMENT'], maxBodySize: ['INVALID_ARGUMENT'], maxHeaderSize: ['INVALID_ARGUMENT'], cache: ['INVALID_ARGUMENT'], engine: ['INVALID_ARGUMENT'] };
      for (const [field, codes] of Object.entries(fields)) {
        await property(`EnvelopeClient ${field}`, async (make, label) => {
          const v = make();
          // undefined means "the default"; everything else hostile must be refused.
          await expectCoded(label, codes, () => new EnvelopeClient(/** @type {any} */ ({ keyring: ring, [field]: v })), { mayPass: v === undefined });
        }, { extra: 4, every: 16 });
      }
      // Every numeric option: its bounds exactly, and what no bound admits.
      const bounds = { frameLength: 2 ** 31 - 1, maxEncryptedDataKeys: 65535, maxBodySize: 2 ** 30, maxHeaderSize: 2 ** 30 };
      const cacheBounds = { maxAgeMs: Number.MAX_SAFE_INTEGER, maxMessages: 2 ** 32, maxBytes: Number.MAX_SAFE_INTEGER, capacity: 2 ** 16 };
      const outside = (max) => [0, -1, 0.5, 1.5, max + 1, NaN, Infinity, -Infinity, 1e308, '1', true, null, 1n];
      for (const [field, max] of Object.entries(bounds)) {
        for (const n of outside(max)) await expectCoded(`${field} = ${String(n)}`, ['INVALID_ARGUMENT'], () => new EnvelopeClient({ keyring: ring, [field]: n }));
        for (const n of [1, max]) new EnvelopeClient({ keyring: ring, [field]: n });
      }
      for (const [field, max] of Object.entries(cacheBounds)) {
        for (const n of outside(max)) await expectCoded(`cache.${field} = ${String(n)}`, ['INVALID_ARGUMENT'], () => new EnvelopeClient({ keyring: ring, cache: { maxAgeMs: 1000, [field]: n } }));
        for (const n of [1, max]) {
          const c = new EnvelopeClient({ keyring: ring, suite: UNSIGNED, cache: { maxAgeMs: 1000, [field]: n } });
          assert.equal(new TextDecoder().decode((await c.decrypt(await c.encrypt('edge'))).plaintext), 'edge', `cache.${field} = ${n} works`);
        }
      }
      await expectCoded('options getter that throws', ['INVALID_ARGUMENT'], () => new EnvelopeClient(Object.defineProperty({ keyring: ring }, 'frameLength', { get: boom, enumerable: true })));
      await expectCoded('cache getter that throws', ['INVALID_ARGUMENT'], () => new EnvelopeClient({ keyring: ring, cache: { get maxAgeMs() { return boom(); } } }));
      await expectCoded('keyring Proxy that throws', ['INVALID_ARGUMENT'], () => new EnvelopeClient({ keyring: new Proxy({}, { get: boom, getPrototypeOf: boom }) }));
      await expectCoded('MultiKeyring children getter', ['INVALID_ARGUMENT'], () => new MultiKeyring({ children: new Proxy([ring], { get: boom }) }));
      await stillWorks('EnvelopeClient options');
    });

    t.test('encrypt, decrypt, parseMessage and the streams: hostile arguments are coded refusals', async () => {
      const c = clients[1];
      const sealed = await c.encrypt('x');
      await property('encrypt(plaintext)', async (make, label) => {
        const v = make();
        // Anything that is bytes (or a string) is a plaintext; the rest is refused.
        await expectCoded(label, ['INVALID_ARGUMENT'], () => c.encrypt(/** @type {any} */ (v)), { mayPass: true });
      });
      await property('encrypt(_, options)', async (make, label) => {
        await expectCoded(label, ['INVALID_ARGUMENT'], () => c.encrypt('x', /** @type {any} */ (make())), { mayPass: true });
      });
      await property('encrypt(_, { encryptionContext })', async (make, label) => {
        await expectCoded(label, ['INVALID_ENCRYPTION_CONTEXT'], () => c.encrypt('x', { encryptionContext: /** @type {any} */ (make()) }), { mayPass: true });
      });
      await property('encrypt(_, { signal })', async (make, label) => {
        const v = make();
        await expectCoded(label, ['INVALID_ARGUMENT'], () => c.encrypt('x', { signal: /** @type {any} */ (v) }), { mayPass: v === undefined });
      });
      await property('decrypt(message)', async (make, label) => {
        await expectCoded(label, ['INVALID_ARGUMENT', 'MALFORMED_MESSAGE'], () => c.decrypt(/** @type {any} */ (make())));
      });
      await property('decrypt(_, options)', async (make, label) => {
        await expectCoded(label, ['INVALID_ARGUMENT', 'INVALID_ENCRYPTION_CONTEXT'], () => c.decrypt(sealed, /** @type {any} */ (make())), { mayPass: true });
      });
      await property('parseMessage(message)', async (make, label) => {
        await expectCoded(label, ['INVALID_ARGUMENT', 'MALFORMED_MESSAGE'], () => parseMessage(/** @type {any} */ (make())));
      });
      await property('encryptStream / decryptStream(options)', async (make, label) => {
        const v = make();
        await expectCoded(`${label} encryptStream`, ['INVALID_ARGUMENT', 'INVALID_ENCRYPTION_CONTEXT'], () => c.encryptStream(/** @type {any} */ (v)), { mayPass: true });
        await expectCoded(`${label} decryptStream`, ['INVALID_ARGUMENT', 'INVALID_ENCRYPTION_CONTEXT'], () => c.decryptStream(/** @type {any} */ (v)), { mayPass: true });
      }, { extra: 4 });
      await property('stream chunks', async (make, label) => {
        const v = make();
        for (const ts of [c.encryptStream(), c.decryptStream()]) {
          await expectCoded(label, ['INVALID_ARGUMENT', 'MALFORMED_MESSAGE'], async () => {
            const w = ts.writable.getWriter();
            const reading = ts.readable.pipeTo(new WritableStream());
            await Promise.all([w.write(/** @type {any} */ (v)).then(() => w.close()), reading]);
          }, { mayPass: true });
        }
      }, { extra: 4 });
      // Random bytes where a message belongs, and random mutations of a real one.
      const r = rng(SEED);
      for (let i = 0; i < 40; i++) {
        const junk = i % 2 ? Uint8Array.from({ length: r.int(300) }, () => r.int(256)) : (() => { const m = sealed.slice(); for (let k = 0; k < 1 + r.int(4); k++) m[r.int(m.length)] ^= 1 << r.int(8); return m; })();
        await expectCoded(`junk message #${i}`, ['MALFORMED_MESSAGE', 'UNSUPPORTED_ALGORITHM', 'TAMPERED', 'COMMITMENT_POLICY_VIOLATION', 'NO_DECRYPTABLE_DATA_KEY', 'INVALID_ENCRYPTION_CONTEXT', 'LIMIT_EXCEEDED', 'TOO_MANY_ENCRYPTED_DATA_KEYS'], () => c.decrypt(junk));
      }
      await stillWorks('junk messages');
    });

    t.test('buffers: detached refused, shared copied, views of any offset read exactly, subclasses cannot lie', async () => {
      const c = clients[1];
      const pt = text.encode('exactly these bytes');
      for (const v of [detachedBuffer(), (() => { const b = new ArrayBuffer(8); const u = new Uint8Array(b); structuredClone(b, { transfer: [b] }); return u; })()]) {
        await expectCoded('encrypt(detached)', ['INVALID_ARGUMENT'], () => c.encrypt(v));
        await expectCoded('decrypt(detached)', ['INVALID_ARGUMENT'], () => c.decrypt(v));
        await expectCoded('parseMessage(detached)', ['INVALID_ARGUMENT'], () => parseMessage(v));
        await expectCoded('RawAesKeyring(detached key)', ['INVALID_ARGUMENT'], () => new RawAesKeyring({ keyNamespace: 'n', keyName: 'k', wrappingKey: v }));
        await expectCoded('KmsPublicKey(detached)', ['INVALID_ARGUMENT'], () => new KmsPublicKey(v));
      }
      // A subclass whose length and subarray lie still gives its real bytes.
      class Liar extends Uint8Array { get length() { return 3; } subarray() { throw new Error('liar'); } slice() { throw new Error('liar'); } }
      const liar = new Liar(pt.length); liar.set(pt);
      const sealed = await c.encrypt(liar);
      assert.bytesEqual((await c.decrypt(sealed)).plaintext, pt, 'a lying subclass is read by its real bytes');
      const sealedLiar = new Liar(sealed.length); sealedLiar.set(sealed);
      assert.bytesEqual((await c.decrypt(sealedLiar)).plaintext, pt, 'a lying subclass message');
      for (const engine of ['wasm', 'native']) {
        const big = new Uint8Array(40_000).fill(7);
        const cc = new EnvelopeClient({ keyring: ring, suite: UNSIGNED, engine, frameLength: 4096 });
        const m = await cc.encrypt(big);
        const liarMsg = new Liar(m.length); liarMsg.set(m);
        assert.bytesEqual((await cc.decrypt(liarMsg)).plaintext, big, `${engine}: a lying subclass, many frames`);
      }
      if (typeof SharedArrayBuffer === 'function') {
        const shared = new Uint8Array(new SharedArrayBuffer(pt.length + 3), 3); shared.set(pt);
        const m = await c.encrypt(shared);
        const sm = new Uint8Array(new SharedArrayBuffer(m.length)); sm.set(m);
        assert.bytesEqual((await c.decrypt(sm)).plaintext, pt, 'shared memory in, the same bytes out');
        assert.equal((await parseMessage(sm)).frameCount, 1);
      }
      await stillWorks('buffers');
    });

    t.test('buffers changed during an await: detached or shrunk is refused, never read short', async () => {
      // A KMS keyring stub that, while the client waits for it, does something to the caller's buffer.
      const master = crypto.getRandomValues(new Uint8Array(32));
      let during = () => {};
      const kms = {
        isKmsKeyring: true, keyId: ARN,
        async generateDataKey({ numberOfBytes }) { during(); const p = master.slice(0, numberOfBytes); return { keyId: ARN, plaintext: p, ciphertextBlob: new Uint8Array([1, 2, 3]) }; },
        async encryptDataKey() { return { keyId: ARN, ciphertextBlob: new Uint8Array([1]) }; },
        async decryptDataKey() { await null; during(); return { keyId: ARN, plaintext: master.slice() }; },
      };
      for (const engine of ['wasm', 'native']) {
        const c = new EnvelopeClient({ keyring: kms, suite: UNSIGNED, engine, frameLength: 4096 });
        // encrypt: the plaintext is detached while KMS answers → refused, not sealed as 0 bytes.
        const pt = new Uint8Array(50_000).fill(3);
        during = () => structuredClone(pt.buffer, { transfer: [pt.buffer] });
        await expectCoded(`${engine}: plaintext detached during encrypt`, ['INVALID_ARGUMENT'], () => c.encrypt(pt));
        during = () => {};
        const sealed = await c.encrypt(new Uint8Array(50_000).fill(3));
        // decrypt: the message is detached while KMS answers.
        for (let i = 0; i < 3; i++) {
          const victim = sealed.slice();
          during = () => structuredClone(victim.buffer, { transfer: [victim.buffer] });
          await expectCoded(`${engine}: message detached during decrypt`, ['INVALID_ARGUMENT'], () => c.decrypt(victim));
        }
        // decrypt: a resizable buffer shrunk while KMS answers.
        let resizable;
        try { resizable = new ArrayBuffer(sealed.length, { maxByteLength: sealed.length }); } catch { /* not here */ }
        if (resizable?.resizable) {
          const view = new Uint8Array(resizable); view.set(sealed);
          during = () => resizable.resize(100);
          await expectCoded(`${engine}: message shrunk during decrypt`, ['INVALID_ARGUMENT'], () => c.decrypt(view));
        }
        during = () => {};
        assert.bytesEqual((await c.decrypt(sealed)).plaintext, new Uint8Array(50_000).fill(3), `${engine}: unchanged opens`);
      }
      await stillWorks('buffers changed during an await');
    });

    t.test('the encryption context is read once, when encrypt is called', async () => {
      // The caller reuses its context object for the next request right after calling encrypt.
      for (const c of clients) {
        const ctx = { tenant: 'a' };
        const pending = c.encrypt('for tenant a', { encryptionContext: ctx });
        ctx.tenant = 'b';
        assert.equal((await parseMessage(await pending)).encryptionContext.tenant, 'a', 'sealed with the context as it was at the call');
      }
      // A getter that answers differently on each read cannot make a message for one tenant fill the cache slot of another.
      const c = new EnvelopeClient({ keyring: ring, suite: UNSIGNED, cache: { maxAgeMs: 60_000 } });
      let reads = 0;
      const shifty = { get tenant() { return reads++ === 0 ? 'a' : 'b'; } };
      const first = await parseMessage(await c.encrypt('x', { encryptionContext: /** @type {any} */ (shifty) }));
      const later = await parseMessage(await c.encrypt('for a', { encryptionContext: { tenant: 'a' } }));
      assert.equal(later.encryptionContext.tenant, 'a', 'a message asked for tenant a is sealed for tenant a');
      assert.equal(first.encryptionContext.tenant, 'a');
      await stillWorks('context snapshot');
    });

    // ------------------------------------------------------------ keyrings

    t.test('keyring constructors: hostile options are coded refusals', async () => {
      const ctors = {
        RawAesKeyring: [(v) => new RawAesKeyring(v), ['INVALID_ARGUMENT']],
        RawRsaKeyring: [(v) => new RawRsaKeyring(v), ['INVALID_ARGUMENT', 'UNSUPPORTED_ALGORITHM']],
        KmsRsaPublicKeyring: [(v) => new KmsRsaPublicKeyring(v), ['INVALID_ARGUMENT']],
        MultiKeyring: [(v) => new MultiKeyring(v), ['INVALID_ARGUMENT']],
      };
      for (const [name, [make, codes]] of Object.entries(ctors)) {
        await property(`new ${name}(options)`, async (value, label) => { await expectCoded(label, codes, () => make(value())); }, { extra: 4, every: 16 });
      }
      const fields = {
        RawAesKeyring: [{ keyNamespace: 'n', keyName: 'k', wrappingKey: aesKey() }, (o) => new RawAesKeyring(o)],
        RawRsaKeyring: [{ keyNamespace: 'n', keyName: 'k', publicKey: 'not a key' }, (o) => new RawRsaKeyring(o)],
        KmsRsaPublicKeyring: [{ keyId: ARN, publicKey: 'not a key' }, (o) => new KmsRsaPublicKeyring(o)],
        MultiKeyring: [{ generator: ring, children: [] }, (o) => new MultiKeyring(o)],
      };
      for (const [name, [base, make]] of Object.entries(fields)) {
        for (const field of Object.keys(base).concat(name === 'RawRsaKeyring' ? ['privateKey', 'padding'] : name === 'KmsRsaPublicKeyring' ? ['kms'] : [])) {
          await property(`${name}.${field}`, async (value, label) => {
            const v = value();
            // A KMS RSA keyId that is a string but not a key ARN is INVALID_KEY_IDENTIFIER (COMPLIANCE.md KRSA-1).
            const codes = name === 'KmsRsaPublicKeyring' && field === 'keyId' ? ['INVALID_ARGUMENT', 'INVALID_KEY_IDENTIFIER'] : ['INVALID_ARGUMENT', 'UNSUPPORTED_ALGORITHM'];
            await expectCoded(label, codes, () => make({ ...base, [field]: v }), { mayPass: true });
          }, { extra: 2, every: 16 });
        }
      }
      // A keyring whose key the core refuses is refused when used, with a code, every time.
      const bad = new RawRsaKeyring({ keyNamespace: 'n', keyName: 'k', publicKey: 'not a key' });
      for (let i = 0; i < 2; i++) {
        await expectCoded('RawRsaKeyring with a bad key, used', ['MALFORMED_PUBLIC_KEY', 'INVALID_ARGUMENT'], () => new EnvelopeClient({ keyring: bad }).encrypt('x'));
      }
      // A MultiKeyring keeps the children it was given, whatever happens to the caller's array.
      const children = [aes()];
      const multi = new MultiKeyring({ generator: ring, children });
      children.push(/** @type {any} */ ({ not: 'a keyring' }));
      const sealed = await new EnvelopeClient({ keyring: multi, suite: UNSIGNED }).encrypt('x');
      assert.equal((await parseMessage(sealed)).encryptedDataKeys.length, 2, 'the children as given');
      await stillWorks('keyring constructors');
    });

    t.test('KMS keyring answers that are not data keys are coded refusals', async () => {
      const answers = [
        ['undefined', undefined], ['null', null], ['a string', 'key'], ['no plaintext', { keyId: ARN, ciphertextBlob: new Uint8Array(3) }],
        ['plaintext too short', { keyId: ARN, plaintext: new Uint8Array(31), ciphertextBlob: new Uint8Array(3) }],
        ['plaintext too long', { keyId: ARN, plaintext: new Uint8Array(33), ciphertextBlob: new Uint8Array(3) }],
        ['plaintext an Array', { keyId: ARN, plaintext: new Array(32).fill(1), ciphertextBlob: new Uint8Array(3) }],
        ['plaintext a Proxy', { keyId: ARN, plaintext: new Proxy(new Uint8Array(32), {}), ciphertextBlob: new Uint8Array(3) }],
        ['keyId a number', { keyId: 7, plaintext: new Uint8Array(32), ciphertextBlob: new Uint8Array(3) }],
        ['ciphertextBlob a string', { keyId: ARN, plaintext: new Uint8Array(32), ciphertextBlob: 'AAAA' }],
        ['getter that throws', Object.defineProperty({ keyId: ARN, ciphertextBlob: new Uint8Array(3) }, 'plaintext', { get: boom })],
        ['a Proxy that throws', new Proxy({}, { get: boom })],
      ];
      for (const [label, answer] of answers) {
        const kms = { isKmsKeyring: true, keyId: ARN, async generateDataKey() { return answer; }, async decryptDataKey() { return answer; }, async encryptDataKey() { return answer; } };
        // (An answer whose `then` throws rejects the keyring's own promise: KEYRING_FAILED.)
        await expectCoded(`generateDataKey answered ${label}`, ['INVALID_DATA_KEY', 'INTERNAL', 'KEYRING_FAILED'], () => new EnvelopeClient({ keyring: kms, suite: UNSIGNED }).encrypt('x'));
        // Encrypt answers need only keyId and ciphertextBlob.
        const wraps = label !== 'a Proxy that throws' && answer && typeof answer === 'object' && typeof answer.keyId === 'string' && answer.ciphertextBlob instanceof Uint8Array;
        await expectCoded(`encryptDataKey answered ${label}`, ['INVALID_DATA_KEY', 'INTERNAL', 'KEYRING_FAILED'], () => new EnvelopeClient({ keyring: new MultiKeyring({ generator: ring, children: [kms] }), suite: UNSIGNED }).encrypt('x'), { mayPass: wraps });
      }
      await stillWorks('KMS keyring answers');
    });

    // ------------------------------------------------------------ BrokerKeyring

    t.test('BrokerKeyring: hostile options and arguments are coded refusals', async () => {
      const ok = { endpoint: 'https://broker.example/kms', keyId: ARN, fetch: async () => new Response('{}') };
      await property('new BrokerKeyring(options)', async (make, label) => {
        await expectCoded(label, ['INVALID_ARGUMENT'], () => new BrokerKeyring(/** @type {any} */ (make())));
      }, { extra: 4, every: 16 });
      for (const field of ['endpoint', 'keyId', 'headers', 'fetch', 'timeoutMs', 'retries', 'grantTokens']) {
        await property(`BrokerKeyring ${field}`, async (make, label) => {
          const v = make();
          await expectCoded(label, ['INVALID_ARGUMENT'], () => new BrokerKeyring(/** @type {any} */ ({ ...ok, [field]: v })), { mayPass: true });
        }, { extra: 2, every: 16 });
      }
      for (const n of [0, -1, NaN, Infinity, 2 ** 31, 2 ** 53, 1e308]) {
        await expectCoded(`timeoutMs ${n}`, ['INVALID_ARGUMENT'], () => new BrokerKeyring({ ...ok, timeoutMs: n }));
      }
      for (const n of [-1, 11, 1.5, NaN, Infinity, 2 ** 32]) {
        await expectCoded(`retries ${n}`, ['INVALID_ARGUMENT'], () => new BrokerKeyring({ ...ok, retries: n }));
      }
      const kr = new BrokerKeyring(ok);
      for (const method of ['generateDataKey', 'encryptDataKey', 'decryptDataKey', 'getPublicKey']) {
        await property(`BrokerKeyring#${method}(args)`, async (make, label) => {
          await expectCoded(label, ['INVALID_ARGUMENT', 'MALFORMED_RESPONSE'], () => kr[method](/** @type {any} */ (make())), { mayPass: false });
        }, { extra: 2, every: 16 });
      }
      for (const n of BAD_NUMBERS.concat([0, 1025])) {
        await expectCoded(`numberOfBytes ${n}`, ['INVALID_ARGUMENT'], () => kr.generateDataKey({ numberOfBytes: n }));
      }
      await stillWorks('BrokerKeyring arguments');
    });

    t.test('BrokerKeyring: malformed broker answers are MALFORMED_RESPONSE, errors keep their codes', async () => {
      const b64 = (bytes) => btoa(String.fromCharCode(...bytes));
      const key32 = b64(new Uint8Array(32).fill(1));
      const json = (body, init) => new Response(typeof body === 'string' ? body : JSON.stringify(body), { headers: { 'content-type': 'application/json' }, ...init });
      const answers = [
        ['not JSON', () => json('{"keyId":')], ['JSON array', () => json([1, 2])], ['JSON null', () => json('null')], ['a number', () => json('7')],
        ['keyId a number', () => json({ keyId: 7, plaintext: key32, ciphertextBlob: 'AAAA' })],
        ['keyId not an ARN', () => json({ keyId: 'alias/x', plaintext: key32, ciphertextBlob: 'AAAA' })],
        ['plaintext not base64', () => json({ keyId: ARN, plaintext: '!!!!', ciphertextBlob: 'AAAA' })],
        ['plaintext a number', () => json({ keyId: ARN, plaintext: 7, ciphertextBlob: 'AAAA' })],
        ['plaintext of 31 bytes', () => json({ keyId: ARN, plaintext: b64(new Uint8Array(31)), ciphertextBlob: 'AAAA' })],
        ['plaintext of 33 bytes', () => json({ keyId: ARN, plaintext: b64(new Uint8Array(33)), ciphertextBlob: 'AAAA' })],
        ['plaintext twice', () => json(`{"keyId":"${ARN}","plaintext":"${key32}","plaintext":"${key32}","ciphertextBlob":"AAAA"}`)],
        ['no ciphertextBlob', () => json({ keyId: ARN, plaintext: key32 })],
        ['a 2 MiB body', () => json({ keyId: ARN, plaintext: key32, ciphertextBlob: 'AAAA', pad: 'x'.repeat(2 * 1024 * 1024) })],
        ['an endless body', () => new Response(new ReadableStream({ pull(c) { c.enqueue(new Uint8Array(64 * 1024).fill(0x20)); } }))],
        ['a body of strings', () => new Response(new ReadableStream({ start(c) { c.enqueue('{}'); c.close(); } }))],
        ['not a Response', () => ({ ok: true })], ['a string', () => 'ok'], ['undefined', () => undefined],
        ['a Response-like whose getters throw', () => new Proxy({}, { get: boom })],
      ];
      for (const [label, answer] of answers) {
        const kr = new BrokerKeyring({ endpoint: 'https://broker.example/kms', keyId: ARN, retries: 0, fetch: async () => /** @type {any} */ (answer()) });
        // A fetch whose answer throws when awaited (a Proxy's `then`) did not answer at all.
        const codes = label === 'a Response-like whose getters throw' ? ['BROKER_UNAVAILABLE'] : ['MALFORMED_RESPONSE'];
        await expectCoded(`generateDataKey: ${label}`, codes, () => kr.generateDataKey());
        // Decrypt answers any length of plaintext and no ciphertextBlob.
        const decryptMayPass = ['plaintext of 31 bytes', 'plaintext of 33 bytes', 'no ciphertextBlob'].includes(label);
        await expectCoded(`decryptDataKey: ${label}`, codes, () => kr.decryptDataKey({ keyId: ARN, ciphertextBlob: new Uint8Array(3) }), { mayPass: decryptMayPass });
        // And through EnvelopeClient: the same code, nothing sealed.
        await expectCoded(`encrypt: ${label}`, codes, () => new EnvelopeClient({ keyring: kr, suite: UNSIGNED }).encrypt('x'));
      }
      // A body that fails mid-way is a retryable BROKER_UNAVAILABLE; a fetch that throws too.
      const failing = new BrokerKeyring({ endpoint: 'https://broker.example/kms', keyId: ARN, retries: 0, fetch: async () => new Response(new ReadableStream({ pull(c) { c.error(new Error('reset')); } })) });
      const e1 = await expectCoded('body errors mid-way', ['BROKER_UNAVAILABLE'], () => failing.generateDataKey());
      assert.equal(e1.retryable, true);
      const throwing = new BrokerKeyring({ endpoint: 'https://broker.example/kms', keyId: ARN, retries: 0, fetch: async () => { throw new TypeError('fetch failed'); } });
      await expectCoded('fetch throws', ['BROKER_UNAVAILABLE'], () => throwing.generateDataKey());
      const headers = new BrokerKeyring({ endpoint: 'https://broker.example/kms', keyId: ARN, headers: () => { throw new Error('no token'); }, fetch: async () => json({}) });
      await expectCoded('headers function throws', ['ACCESS_DENIED'], () => headers.generateDataKey());
      await stillWorks('broker answers');
    });

    // ------------------------------------------------------------ verify

    t.test('verifyKmsSignature, KmsPublicKey, verifyJwt: hostile arguments are coded refusals', async () => {
      const { key, message, signature, spki } = await signedFixture();
      await property('new KmsPublicKey(publicKey)', async (make, label) => {
        await expectCoded(label, ['INVALID_ARGUMENT', 'MALFORMED_PUBLIC_KEY'], () => new KmsPublicKey(/** @type {any} */ (make())));
      }, { extra: 4 });
      await property('verifyKmsSignature(options)', async (make, label) => {
        await expectCoded(label, ['INVALID_ARGUMENT', 'MALFORMED_PUBLIC_KEY'], () => verifyKmsSignature(/** @type {any} */ (make())));
      }, { extra: 4 });
      const base = { signingAlgorithm: 'ECDSA_SHA_256', message, signature };
      const verifyCodes = ['INVALID_ARGUMENT', 'UNSUPPORTED_ALGORITHM', 'KEY_ALGORITHM_MISMATCH', 'INVALID_DIGEST_LENGTH', 'MESSAGE_TOO_LONG', 'MALFORMED_SIGNATURE'];
      for (const field of ['signingAlgorithm', 'message', 'messageType', 'signature', 'engine']) {
        await property(`verify ${field}`, async (make, label) => {
          const v = make();
          for (const run of [() => key.verify({ ...base, [field]: v }), () => key.verifySync({ ...base, [field]: v }), () => verifyKmsSignature({ publicKey: spki, ...base, [field]: v })]) {
            const r = await expectCoded(label, verifyCodes, run, { mayPass: true });
            if (r === undefined && field !== 'engine' && field !== 'messageType' && v !== undefined) {
              // It resolved: then it is a verdict, and only the right inputs verify.
              assert.equal(typeof (await run()), 'boolean', label);
            }
          }
        }, { extra: 2, every: 16 });
      }
      await expectCoded('options getter throws', ['INVALID_ARGUMENT'], () => key.verify(Object.defineProperty({ ...base }, 'signature', { get: boom, enumerable: true })));
      await expectCoded('KmsPublicKey Proxy as publicKey', ['INVALID_ARGUMENT'], () => verifyKmsSignature({ ...base, publicKey: new Proxy(key, { get: boom, getPrototypeOf: boom }) }));
      // JWTs: the token, the key and every option.
      const jwtOpts = { algorithms: ['ES256'] };
      await property('verifyJwt(token)', async (make, label) => {
        await expectCoded(label, ['INVALID_ARGUMENT', 'MALFORMED_JWT'], () => verifyJwt(/** @type {any} */ (make()), key, jwtOpts));
      }, { extra: 4 });
      await property('verifyJwt(_, _, options)', async (make, label) => {
        await expectCoded(label, ['INVALID_ARGUMENT', 'MALFORMED_JWT'], () => verifyJwt('a.b.c', key, /** @type {any} */ (make())));
      }, { extra: 4 });
      for (const field of ['algorithms', 'engine', 'currentDate', 'clockTolerance', 'checkTimeClaims']) {
        await property(`verifyJwt ${field}`, async (make, label) => {
          await expectCoded(label, ['INVALID_ARGUMENT', 'MALFORMED_JWT', 'UNSUPPORTED_ALGORITHM'], () => verifyJwt('a.b.c', key, /** @type {any} */ ({ ...jwtOpts, [field]: make() })), { mayPass: false });
        }, { extra: 2, every: 16 });
      }
      // An expired token stays expired whatever the time arguments: no NaN or Infinity slips past exp.
      const b64url = (s) => btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      const kp = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
      const jwtKey = await KmsPublicKey.from(new Uint8Array(await crypto.subtle.exportKey('spki', kp.publicKey)));
      const input = `${b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT' }))}.${b64url(JSON.stringify({ sub: 'x', exp: 1000 }))}`;
      const sig = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, kp.privateKey, text.encode(input)));
      const token = `${input}.${b64url(String.fromCharCode(...sig))}`;
      await expectCoded('expired token', ['JWT_EXPIRED'], () => verifyJwt(token, jwtKey, jwtOpts));
      for (const clockTolerance of [Infinity, NaN, -1, 1e400]) {
        await expectCoded(`clockTolerance ${clockTolerance}`, ['INVALID_ARGUMENT'], () => verifyJwt(token, jwtKey, { ...jwtOpts, clockTolerance }));
      }
      // A Date subclass whose getTime() answers a valid time when checked, then NaN: the Date's own time value counts.
      class Shifty extends Date { #reads = 0; getTime() { return this.#reads++ ? NaN : 0; } }
      await expectCoded('a Date whose getTime lies', ['JWT_EXPIRED'], () => verifyJwt(token, jwtKey, { ...jwtOpts, currentDate: new Shifty(2000 * 1000) }));
      await expectCoded('an invalid Date', ['INVALID_ARGUMENT'], () => verifyJwt(token, jwtKey, { ...jwtOpts, currentDate: new Date(NaN) }));
      // An allow-list that reads 'ES256' when checked and 7 afterwards: one snapshot decides.
      let algReads = 0;
      const lying = new Proxy(['ES256'], { get: (o, k) => (k === '0' ? (algReads++ ? 7 : 'ES256') : Reflect.get(o, k)) });
      await expectCoded('algorithms Proxy that lies', ['JWT_EXPIRED'], () => verifyJwt(token, jwtKey, { algorithms: lying }));
      assert.equal((await verifyJwt(token, jwtKey, { ...jwtOpts, currentDate: new Date(999 * 1000) })).valid, true, 'valid before exp');
      await stillWorks('verify');
    });

    // ------------------------------------------------------------ KMS concepts

    t.test('parseKeyIdentifier, recommendKeyType, estimateCost: hostile input is refused, numbers stay finite', async () => {
      await property('parseKeyIdentifier', async (make, label) => {
        await expectCoded(label, ['INVALID_KEY_IDENTIFIER'], () => parseKeyIdentifier(/** @type {any} */ (make())));
      }, { extra: 4 });
      await property('recommendKeyType', async (make, label) => {
        await expectCoded(label, ['INVALID_ARGUMENT'], () => recommendKeyType(/** @type {any} */ (make())), { mayPass: true });
      }, { extra: 4 });
      const answerFields = ['needKeyControl', 'purpose', 'alias', 'region', 'replicaRegions', 'account', 'encryptionContext', 'requestsPerMonth'];
      for (const field of answerFields) {
        await property(`recommendKeyType ${field}`, async (make, label) => {
          await expectCoded(label, ['INVALID_ARGUMENT'], () => recommendKeyType(/** @type {any} */ ({ [field]: make() })), { mayPass: true });
        }, { extra: 2, every: 16 });
      }
      const finite = (label, v) => {
        if (typeof v === 'number') assert.ok(Number.isFinite(v), `${label}: ${v} is finite`);
        else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) finite(`${label}.${k}`, x);
      };
      for (const field of ['keys', 'regions', 'requestsPerMonth', 'asymmetricRequests', 'hsmCount', 'hsmHours', 'cacheHitRatio', 'rotationsPerKey']) {
        await property(`estimateCost ${field}`, async (make, label) => {
          const input = { [field]: make() };
          let out;
          await expectCoded(label, ['INVALID_ARGUMENT'], async () => { out = await estimateCost(/** @type {any} */ (input)); }, { mayPass: true });
          if (out) finite(label, out);
        }, { extra: 2, every: 16 });
        for (const n of BAD_NUMBERS) {
          let out;
          await expectCoded(`estimateCost ${field} ${n}`, ['INVALID_ARGUMENT'], async () => { out = await estimateCost({ [field]: n }); }, { mayPass: true });
          if (out) finite(`estimateCost ${field} ${n}`, out);
        }
        for (const n of [NaN, Infinity, -Infinity, -1]) {
          await expectCoded(`estimateCost ${field} ${n}`, ['INVALID_ARGUMENT'], () => estimateCost({ [field]: n }));
        }
      }
      await stillWorks('KMS concepts');
    });

    // ------------------------------------------------------------ recovery

    t.test('a wasm trap restarts the core: a coded error, and keyrings, keys, clients and caches made before keep working', async () => {
      const { key, message, signature } = await signedFixture();
      const rsaPair = await crypto.subtle.generateKey({ name: 'RSA-OAEP', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['encrypt', 'decrypt']);
      const rsa = new RawRsaKeyring({ keyNamespace: 'n', keyName: 'rsa', publicKey: new Uint8Array(await crypto.subtle.exportKey('spki', rsaPair.publicKey)), privateKey: new Uint8Array(await crypto.subtle.exportKey('pkcs8', rsaPair.privateKey)) });
      const rsaClient = new EnvelopeClient({ keyring: rsa, suite: UNSIGNED });
      const before = await rsaClient.encrypt('sealed before the trap');
      const sealedBefore = await clients[0].encrypt('sealed before the trap');
      // A frame length the format allows but wasm32 memory cannot hold: the core's sealer reserves
      // 2^31 bytes and traps (an allocation past isize::MAX on wasm32).
      const huge = new EnvelopeClient({ keyring: ring, suite: UNSIGNED, engine: 'wasm', frameLength: 2 ** 31 - 1 });
      const rounds = runtime === 'node' ? 20 : 3;
      for (let i = 0; i < rounds; i++) {
        await expectCoded(`trap #${i}`, ['LIMIT_EXCEEDED', 'INTERNAL'], () => huge.encrypt('x'), { mayPass: true });
      }
      // Everything made before the trap still works: a keyring whose key the old core held, a client with a cache, a parsed public key.
      assert.equal(new TextDecoder().decode((await rsaClient.decrypt(before)).plaintext), 'sealed before the trap');
      assert.equal(new TextDecoder().decode((await clients[0].decrypt(sealedBefore)).plaintext), 'sealed before the trap');
      assert.equal(key.keySpec, 'ECC_NIST_P256');
      assert.equal(key.verifySync({ signingAlgorithm: 'ECDSA_SHA_256', message, signature }), true);
      clients[0].clearCache();
      await stillWorks('traps');
    });
  },
};
