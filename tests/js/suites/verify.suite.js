// Offline verification of KMS signatures and KMS-signed JWTs, in every
// runtime: every fixture case through the wasm engine, the native engine
// (WebCrypto) where this runtime's WebCrypto has the algorithm, and auto;
// every error code; and the JWT policy.
import { assert } from '../harness.js';

const fromB64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const toPem = (b64) => `-----BEGIN PUBLIC KEY-----\n${b64.match(/.{1,64}/g).join('\n')}\n-----END PUBLIC KEY-----\n`;
const NATIVE_SPECS = new Set(['RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521']);
const ENGINES = ['wasm', 'native', 'auto'];

/** Whether this runtime's WebCrypto imports the key for the algorithms of `spec`. */
async function webCryptoHas(spec, spki) {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle || !NATIVE_SPECS.has(spec)) return false;
  const params = spec.startsWith('RSA')
    ? { name: 'RSA-PSS', hash: 'SHA-256' }
    : { name: 'ECDSA', namedCurve: { ECC_NIST_P256: 'P-256', ECC_NIST_P384: 'P-384', ECC_NIST_P521: 'P-521' }[spec] };
  try { await subtle.importKey('spki', spki, params, false, ['verify']); return true; } catch { return false; }
}

export default {
  name: 'verify',
  /** @param {import('../harness.js').Registrar} t @param {import('../harness.js').Ctx} ctx */
  register(t, { edgeKms, fixtures }) {
    const { KmsPublicKey, verifyKmsSignature, verifyJwt, init } = edgeKms;
    const fx = fixtures.signatures;
    if (!fx) {
      t.test('signature fixtures exist (run node tests/fixtures/generate.js)', () => assert.ok(false, 'tests/fixtures/generated/signatures.json missing'));
      return;
    }
    const spki = (name) => fromB64(fx.keys[name].spki);
    const keyFor = async (name) => { await init(); return new KmsPublicKey(spki(name)); };
    const nativeRuns = {};

    const registerSet = (set, data) => {
    const spkiOf = (name) => fromB64(data.keys[name].spki);
    for (const [name, k] of Object.entries(data.keys)) {
      const keyFor = async () => { await init(); return new KmsPublicKey(spkiOf(name)); };
      const cases = data.cases.filter((c) => c.key === name).map((c) => ({ ...c, message: fromB64(c.message), signature: fromB64(c.signature) }));

      t.test(`${set} ${name}: keySpec, and all ${cases.length} cases through the wasm engine (signer: ${k.signer})`, async () => {
        const key = await keyFor();
        assert.equal(key.keySpec, k.keySpec);
        assert.ok(cases.some((c) => c.expected) && cases.some((c) => !c.expected), 'fixture has positive and negative cases');
        for (const c of cases) {
          const got = await key.verify({ signingAlgorithm: c.signingAlgorithm, messageType: c.messageType, message: c.message, signature: c.signature, engine: 'wasm' });
          assert.equal(got, c.expected, `${c.signingAlgorithm} ${c.messageType} ${c.note}:`);
          assert.equal(key.verifySync(c), c.expected, `verifySync ${c.note}:`);
        }
      });

      t.test(`${set} ${name}: native engine on RAW cases where WebCrypto has it, ENGINE_UNAVAILABLE otherwise`, async () => {
        const key = await keyFor();
        const has = await webCryptoHas(name, spkiOf(name));
        nativeRuns[`${set} ${name}`] = 0;
        for (const c of cases) {
          const opts = { signingAlgorithm: c.signingAlgorithm, messageType: c.messageType, message: c.message, signature: c.signature, engine: 'native' };
          if (has && c.messageType === 'RAW') {
            assert.equal(await key.verify(opts), c.expected, `${c.signingAlgorithm} ${c.note}:`);
            nativeRuns[`${set} ${name}`]++;
          } else {
            await assert.rejectsWithCode(key.verify(opts), 'ENGINE_UNAVAILABLE', `${c.signingAlgorithm} ${c.messageType} ${c.note}:`);
          }
        }
        if (NATIVE_SPECS.has(name) && name !== 'ECC_NIST_P521') assert.ok(nativeRuns[`${set} ${name}`] > 0, 'WebCrypto has RSA, P-256 and P-384 everywhere');
      });

      t.test(`${set} ${name}: auto engine agrees on every case`, async () => {
        const key = await keyFor();
        for (const c of cases) {
          const got = await key.verify({ signingAlgorithm: c.signingAlgorithm, messageType: c.messageType, message: c.message, signature: c.signature });
          assert.equal(got, c.expected, `${c.signingAlgorithm} ${c.messageType} ${c.note}:`);
        }
      });

      t.test(`${set} ${name}: verifyKmsSignature takes the key as DER, base64 and PEM`, async () => {
        const c = cases.find((x) => x.expected && x.messageType === 'RAW');
        for (const publicKey of [spkiOf(name), k.spki, toPem(k.spki), spkiOf(name).buffer, new DataView(spkiOf(name).buffer)]) {
          for (const engine of ENGINES) {
            if (engine === 'native' && !(await webCryptoHas(name, spkiOf(name)))) continue;
            assert.equal(await verifyKmsSignature({ publicKey, signingAlgorithm: c.signingAlgorithm, message: c.message, signature: c.signature, engine }), true, engine);
          }
        }
      });
    }
    };
    registerSet('signatures', fx);
    if (fixtures.moto) registerSet('moto', fixtures.moto);
    else t.test('moto KMS fixtures exist (run node tests/fixtures/generate.js)', () => assert.ok(false, 'tests/fixtures/generated/moto.json missing'));

    const wp = fixtures.wycheproof;
    if (!wp) t.test('Wycheproof fixtures exist (run node tests/fixtures/generate.js)', () => assert.ok(false, 'wycheproof.json missing'));
    for (const { file, groups } of wp?.files ?? []) {
      const count = groups.reduce((n, g) => n + g.tests.length, 0);
      t.test(`Wycheproof ${file}: ${count} vectors, wasm and native agree with valid/invalid and with each other`, async () => {
        await init();
        const failures = [];
        for (const g of groups) {
          const spkiBytes = fromB64(g.spki);
          const key = new KmsPublicKey(spkiBytes);
          const native = await webCryptoHas(key.keySpec, spkiBytes);
          for (const v of g.tests) {
            const opts = { signingAlgorithm: g.alg, message: fromB64(v.msg), signature: fromB64(v.sig) };
            if (opts.message.length > 4096) continue;
            const wasm = await key.verify({ ...opts, engine: 'wasm' });
            const nat = native ? await key.verify({ ...opts, engine: 'native' }) : wasm;
            const auto = await key.verify(opts);
            const want = v.result === 'valid' ? true : v.result === 'invalid' ? false : wasm;
            if (wasm !== want || nat !== want || auto !== want) failures.push(`tc ${v.id} (${v.result}): wasm ${wasm}, native ${nat}, auto ${auto}`);
          }
        }
        assert.equal(failures.length, 0, failures.slice(0, 10).join('; '));
      });
    }

    t.test('native engine ran on at least RSA, P-256 and P-384 in this runtime', () => {
      for (const n of ['RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_NIST_P256', 'ECC_NIST_P384']) assert.ok(nativeRuns[`signatures ${n}`] > 0, n);
    });

    t.test('a compressed-point P-256 SPKI verifies through every engine', async () => {
      await init();
      const key = new KmsPublicKey(fromB64(fx.other.p256Compressed));
      assert.equal(key.keySpec, 'ECC_NIST_P256');
      const c = fx.cases.find((x) => x.key === 'ECC_NIST_P256' && x.expected && x.messageType === 'RAW');
      for (const engine of ENGINES) {
        assert.equal(await key.verify({ ...c, message: fromB64(c.message), signature: fromB64(c.signature), engine }), true, engine);
      }
    });

    t.test('auto falls back to wasm when WebCrypto refuses the key; native says ENGINE_UNAVAILABLE', async () => {
      await init();
      const subtle = globalThis.crypto?.subtle;
      assert.ok(subtle, 'crypto.subtle');
      const c = fx.cases.find((x) => x.key === 'ECC_NIST_P521' && x.expected && x.messageType === 'RAW');
      const bad = fx.cases.find((x) => x.key === 'ECC_NIST_P521' && !x.expected && x.messageType === 'RAW');
      const original = subtle.importKey;
      let refused = 0;
      // Simulate a runtime without P-521 (as some WebCrypto implementations are).
      subtle.importKey = function (format, data, alg, ...rest) {
        if (alg?.namedCurve === 'P-521') { refused++; return Promise.reject(new DOMException('unsupported', 'NotSupportedError')); }
        return original.call(this, format, data, alg, ...rest);
      };
      try {
        const key = new KmsPublicKey(spki('ECC_NIST_P521'));
        for (const x of [c, bad]) {
          const opts = { signingAlgorithm: x.signingAlgorithm, message: fromB64(x.message), signature: fromB64(x.signature) };
          assert.equal(await key.verify(opts), x.expected, `auto ${x.note}:`);
          await assert.rejectsWithCode(key.verify({ ...opts, engine: 'native' }), 'ENGINE_UNAVAILABLE');
        }
        assert.equal(refused, 1, 'the refusal is cached per key and algorithm');
      } finally {
        subtle.importKey = original;
      }
    });

    t.test('MALFORMED_PUBLIC_KEY for keys KMS never returns and for broken input', async () => {
      const good = spki('ECC_NIST_P256');
      const bad = [
        fromB64(fx.other.x25519), fromB64(fx.other.rsa1024), fromB64(fx.other.ecP224),
        good.subarray(0, good.length - 1), Uint8Array.of(...good, 0), Uint8Array.of(0x30, 0x00), new Uint8Array(0),
        'not base64!', toPem(fx.keys.RSA_2048.spki).replace(/PUBLIC KEY/g, 'RSA PUBLIC KEY'),
        (() => { const b = Uint8Array.from(good); b[b.length - 1] ^= 1; return b; })(), // point off the curve
      ];
      for (const [i, publicKey] of bad.entries()) {
        await assert.rejectsWithCode(verifyKmsSignature({ publicKey, signingAlgorithm: 'ECDSA_SHA_256', message: 'm', signature: new Uint8Array(8) }), 'MALFORMED_PUBLIC_KEY', `bad key ${i}:`);
        assert.throwsWithCode(() => new KmsPublicKey(publicKey), 'MALFORMED_PUBLIC_KEY', `constructor, bad key ${i}:`);
      }
      await assert.rejectsWithCode(KmsPublicKey.from(good.subarray(3)), 'MALFORMED_PUBLIC_KEY');
      assert.throwsWithCode(() => new KmsPublicKey(undefined), 'INVALID_ARGUMENT');
      assert.throwsWithCode(() => new KmsPublicKey(42), 'INVALID_ARGUMENT');
    });

    t.test('argument and policy errors carry their codes in every engine', async () => {
      const p256 = await keyFor('ECC_NIST_P256');
      const rsa = await keyFor('RSA_2048');
      const ml = await keyFor('ML_DSA_44');
      const ed = await keyFor('ECC_NIST_EDWARDS25519');
      const sig = new Uint8Array(70);
      const d32 = new Uint8Array(32);
      const checks = [
        [p256, { signingAlgorithm: 'ECDSA_SHA_384', message: 'm', signature: sig }, 'KEY_ALGORITHM_MISMATCH'],
        [p256, { signingAlgorithm: 'RSASSA_PSS_SHA_256', message: 'm', signature: sig }, 'KEY_ALGORITHM_MISMATCH'],
        [rsa, { signingAlgorithm: 'ECDSA_SHA_256', message: 'm', signature: sig }, 'KEY_ALGORITHM_MISMATCH'],
        [ml, { signingAlgorithm: 'ED25519_SHA_512', message: 'm', signature: sig }, 'KEY_ALGORITHM_MISMATCH'],
        [p256, { signingAlgorithm: 'ECDSA_SHA_1', message: 'm', signature: sig }, 'UNSUPPORTED_ALGORITHM'],
        [p256, { signingAlgorithm: 'SM2DSA', message: 'm', signature: sig }, 'UNSUPPORTED_ALGORITHM'],
        [p256, { signingAlgorithm: 'ecdsa_sha_256', message: 'm', signature: sig }, 'UNSUPPORTED_ALGORITHM'],
        [p256, { signingAlgorithm: 'ECDSA_SHA_256', message: new Uint8Array(4097), signature: sig }, 'MESSAGE_TOO_LONG'],
        [p256, { signingAlgorithm: 'ECDSA_SHA_256', messageType: 'DIGEST', message: new Uint8Array(31), signature: sig }, 'INVALID_DIGEST_LENGTH'],
        [rsa, { signingAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_512', messageType: 'DIGEST', message: d32, signature: sig }, 'INVALID_DIGEST_LENGTH'],
        [ml, { signingAlgorithm: 'ML_DSA_SHAKE_256', messageType: 'EXTERNAL_MU', message: new Uint8Array(63), signature: sig }, 'INVALID_DIGEST_LENGTH'],
        [ml, { signingAlgorithm: 'ML_DSA_SHAKE_256', messageType: 'DIGEST', message: d32, signature: sig }, 'INVALID_ARGUMENT'],
        [ed, { signingAlgorithm: 'ED25519_SHA_512', messageType: 'DIGEST', message: new Uint8Array(64), signature: sig }, 'INVALID_ARGUMENT'],
        [ed, { signingAlgorithm: 'ED25519_PH_SHA_512', messageType: 'DIGEST', message: d32, signature: sig }, 'INVALID_DIGEST_LENGTH'],
        [ed, { signingAlgorithm: 'ECDSA_SHA_512', message: 'm', signature: sig }, 'KEY_ALGORITHM_MISMATCH'],
        [p256, { signingAlgorithm: 'ECDSA_SHA_256', messageType: 'EXTERNAL_MU', message: new Uint8Array(64), signature: sig }, 'INVALID_ARGUMENT'],
        [p256, { signingAlgorithm: 'ECDSA_SHA_256', messageType: 'raw', message: 'm', signature: sig }, 'INVALID_ARGUMENT'],
        [p256, { signingAlgorithm: 42, message: 'm', signature: sig }, 'INVALID_ARGUMENT'],
        [p256, { signingAlgorithm: 'ECDSA_SHA_256', signature: sig }, 'INVALID_ARGUMENT'],
        [p256, { signingAlgorithm: 'ECDSA_SHA_256', message: 'm', signature: 'MEUCIQ==' }, 'INVALID_ARGUMENT'],
        [p256, { signingAlgorithm: 'ECDSA_SHA_256', message: 'm', signature: sig, engine: 'gpu' }, 'INVALID_ARGUMENT'],
      ];
      for (const [key, opts, code] of checks) {
        for (const engine of opts.engine ? [opts.engine] : ENGINES) {
          await assert.rejectsWithCode(key.verify({ ...opts, engine }), code, `${opts.signingAlgorithm} ${opts.messageType ?? 'RAW'} (${engine}):`);
        }
      }
      await assert.rejectsWithCode(verifyKmsSignature(undefined), 'INVALID_ARGUMENT');
      await assert.rejectsWithCode(p256.verify(), 'INVALID_ARGUMENT');
      // A RAW message of exactly 4096 bytes is accepted (and does not verify here).
      assert.equal(await p256.verify({ signingAlgorithm: 'ECDSA_SHA_256', message: new Uint8Array(4096), signature: sig }), false);
    });

    t.test('message bytes are taken exactly: subarray views with an offset, strings as UTF-8', async () => {
      const c = fx.cases.find((x) => x.key === 'ECC_NIST_P256' && x.expected && x.note === 'message 0');
      const key = await keyFor('ECC_NIST_P256');
      const msg = fromB64(c.message);
      const padded = new Uint8Array(msg.length + 10);
      padded.set(msg, 5);
      const sig = fromB64(c.signature);
      const sigPadded = new Uint8Array(sig.length + 3);
      sigPadded.set(sig, 2);
      for (const engine of ENGINES) {
        assert.equal(await key.verify({ ...c, message: padded.subarray(5, 5 + msg.length), signature: sigPadded.subarray(2, 2 + sig.length), engine }), true, engine);
        assert.equal(await key.verify({ ...c, message: new TextDecoder().decode(msg), signature: sig, engine }), true, `${engine} string`);
      }
    });

    t.test('mutated keys, signatures and tokens give a verdict or a coded error, never a trap', async () => {
      await init();
      let seed = 0x2545f491;
      const rnd = (n) => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) % n; };
      const mutate = (bytes) => {
        const b = Uint8Array.from(bytes);
        switch (rnd(3)) {
          case 0: if (b.length) b[rnd(b.length)] ^= 1 << rnd(8); return b;
          case 1: return b.subarray(0, rnd(b.length + 1));
          default: if (b.length) b[rnd(b.length)] = rnd(256); return b;
        }
      };
      const codes = new Set(['MALFORMED_PUBLIC_KEY', 'KEY_ALGORITHM_MISMATCH', 'MALFORMED_JWT', 'UNSUPPORTED_ALGORITHM', 'JWT_EXPIRED', 'JWT_NOT_YET_VALID']);
      const check = async (p, what) => {
        try {
          const r = await p;
          assert.ok(typeof r === 'boolean' || typeof r?.valid === 'boolean', `${what}: a verdict`);
        } catch (e) {
          assert.ok(e?.name === 'EdgeKmsError' && codes.has(e.code), `${what}: ${e?.name} ${e?.code} ${e?.message}`);
        }
      };
      let runs = 0;
      for (const c of fx.cases.filter((x) => x.expected && x.messageType === 'RAW' && x.note === 'message 0')) {
        const spkiBytes = spki(c.key);
        const message = fromB64(c.message);
        const signature = fromB64(c.signature);
        for (let i = 0; i < 12; i++) {
          const engine = ENGINES[rnd(3)];
          if (engine === 'native') continue; // not every key type has a native engine
          await check(verifyKmsSignature({ publicKey: mutate(spkiBytes), signingAlgorithm: c.signingAlgorithm, message, signature, engine }), `${c.key} key`);
          await check(verifyKmsSignature({ publicKey: spkiBytes, signingAlgorithm: c.signingAlgorithm, message, signature: mutate(signature), engine }), `${c.key} signature`);
          runs += 2;
        }
      }
      for (const j of (fixtures.jwts ?? []).filter((x) => x.expected && !x.expectCode)) {
        for (let i = 0; i < 6; i++) {
          const token = new TextDecoder().decode(mutate(new TextEncoder().encode(j.token)));
          await check(verifyJwt(token, spki(j.key), { algorithms: [j.alg], currentDate: new Date(j.at * 1000) }), `${j.name} token`);
          runs++;
        }
      }
      assert.ok(runs > 300, `runs ${runs}`);
    });

    const jwts = fixtures.jwts ?? [];
    t.test(`JWT: ${jwts.length} tokens from node:crypto through every engine`, async () => {
      assert.ok(jwts.length > 30, 'jwts fixture');
      for (const j of jwts) {
        const key = await keyFor(j.key);
        for (const engine of ENGINES) {
          if (engine === 'native' && !(j.alg.startsWith('RS') || j.alg.startsWith('PS') || ['ES256', 'ES384'].includes(j.alg))) continue;
          const options = { algorithms: [j.alg], engine, ...(j.at ? { currentDate: new Date(j.at * 1000) } : {}) };
          if (j.expectCode) {
            await assert.rejectsWithCode(verifyJwt(j.token, key, options), j.expectCode, `${j.name} (${engine}):`);
            continue;
          }
          const r = await verifyJwt(j.token, key, options);
          assert.equal(r.valid, j.expected, `${j.name} (${engine}):`);
          assert.equal(r.header.alg, j.alg, j.name);
          if (j.expected) assert.equal(r.payload.sub, 'user-1', j.name);
          else assert.equal(r.payload, undefined, `${j.name}: no payload from an invalid token`);
        }
      }
    });

    t.test('JWT: allow-list required, none never allowed, time claims optional', async () => {
      const j = jwts.find((x) => x.name === 'ES256 valid');
      const expired = jwts.find((x) => x.name === 'ES256 expired');
      const key = spki('ECC_NIST_P256');
      await assert.rejectsWithCode(verifyJwt(j.token, key, {}), 'INVALID_ARGUMENT');
      await assert.rejectsWithCode(verifyJwt(j.token, key, { algorithms: [] }), 'INVALID_ARGUMENT');
      await assert.rejectsWithCode(verifyJwt(j.token, key, { algorithms: ['none'] }), 'INVALID_ARGUMENT');
      await assert.rejectsWithCode(verifyJwt(j.token, key, { algorithms: ['ES256', 'HS256'] }), 'INVALID_ARGUMENT');
      await assert.rejectsWithCode(verifyJwt(j.token, key, { algorithms: 'ES256' }), 'INVALID_ARGUMENT');
      await assert.rejectsWithCode(verifyJwt(42, key, { algorithms: ['ES256'] }), 'INVALID_ARGUMENT');
      await assert.rejectsWithCode(verifyJwt(j.token, key, { algorithms: ['ES256'], currentDate: 'now' }), 'INVALID_ARGUMENT');
      assert.equal((await verifyJwt(j.token, toPem(fx.keys.ECC_NIST_P256.spki), { algorithms: ['RS256', 'ES256'], currentDate: new Date(j.at * 1000) })).valid, true);
      await assert.rejectsWithCode(verifyJwt(expired.token, key, { algorithms: ['ES256'] }), 'JWT_EXPIRED');
      assert.equal((await verifyJwt(expired.token, key, { algorithms: ['ES256'], clockTolerance: 7200, currentDate: new Date(expired.at * 1000) })).valid, true);
      assert.equal((await verifyJwt(expired.token, key, { algorithms: ['ES256'], checkTimeClaims: false })).valid, true);
      assert.equal((await verifyJwt(expired.token, key, { algorithms: ['ES256'], currentDate: new Date((expired.at - 7200) * 1000) })).valid, true);
    });
  },
};
