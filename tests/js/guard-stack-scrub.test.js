// The shadow stack of every wasm module is zero below its pointer once an
// operation returned (core.js `scrubStack`): the stack is never freed, so
// the allocator's wiping (src/wasm/mod.rs, ZeroAlloc) never sees it, and
// before the scrub a call left there GCM's hash key, halves of derived keys
// and, for local keyrings, the data key itself (found by an adversarial
// review, tests/js/alloc-residue.test.js). This runs each module's deepest
// work (signed and unsigned suites on both engines, streams, RSA keyrings,
// every fallback verification including ML-DSA-87, a JWT, the advisor) and
// then requires every byte below each module's stack pointer to be zero:
// work deeper than the scrub (STACK_SCRUB_BYTES) would leave bytes there and
// fail it. ~10 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, randomBytes, createSign } from 'node:crypto';
import { ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { EnvelopeClient, RawAesKeyring, RawRsaKeyring, KmsPublicKey, verifyJwt, recommendKeyType, estimateCost, parseKeyIdentifier, init } from '../../pkg/entry-node.js';

const NAMES = ['envelope', 'envelope-full', 'verify', 'kms', 'rsa', 'ecdsa', 'rare', 'jwt'];
const glues = Object.fromEntries(await Promise.all(NAMES.map(async (n) => [n, await import(`../../pkg/wasm/${n}.js`)])));

/** Offset of the first nonzero byte below the module's stack pointer, or -1. */
function residue(name) {
  const x = glues[name].initSync(); // throws for a module never loaded: every one here is
  const sp = x.__wbindgen_add_to_stack_pointer(0);
  const below = new Uint8Array(x.memory.buffer, 0, sp);
  const i = below.findIndex((b) => b !== 0);
  return { sp, at: i, depth: i < 0 ? 0 : sp - i };
}

const spki = (k) => k.export({ type: 'spki', format: 'der' });
const msg = new TextEncoder().encode('a message to sign');

test('every module: nothing left on the shadow stack after its deepest operations', async (t) => {
  // `envelope` first: once `envelope-full` is loaded, every envelope call runs there.
  await init(NAMES.filter((n) => n !== 'envelope-full'));
  const { publicKey: rsaPub, privateKey: rsaPriv } = generateKeyPairSync('rsa', { modulusLength: 4096 });
  const rings = [
    new RawAesKeyring({ keyNamespace: 'n', keyName: 'k', wrappingKey: randomBytes(32) }),
    new RawRsaKeyring({ keyNamespace: 'n', keyName: 'r', publicKey: rsaPub.export({ type: 'spki', format: 'pem' }), privateKey: rsaPriv.export({ type: 'pkcs8', format: 'pem' }) }),
  ];
  const sealAndOpen = async (options = {}) => {
    for (const keyring of rings) for (const engine of ['wasm', 'auto']) for (const suite of ['AES_256_GCM_HKDF_SHA512_COMMIT_KEY', 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384']) {
      const c = new EnvelopeClient({ keyring, suite, engine, ...options });
      for (const n of [10, 70_000]) {
        const m = await c.encrypt(randomBytes(n));
        assert.equal((await c.decrypt(m)).plaintext.length, n);
        const bad = m.slice(); bad[bad.length - 10] ^= 1;
        await assert.rejects(c.decrypt(bad), (e) => e.code === 'TAMPERED');
        if (options.cache) assert.ok((await c.reEncrypt(m, { keyring: rings[0] })).length > n);
      }
      const s = c.encryptStream();
      const [, out] = await Promise.all([(async () => { const w = s.writable.getWriter(); await w.write(randomBytes(5000)); await w.close(); })(), new Response(s.readable).arrayBuffer()]);
      assert.ok(out.byteLength > 5000);
    }
  };
  await sealAndOpen();
  await sealAndOpen({ cache: { maxAgeMs: 60_000 } }); // `envelope-full`: the data-key cache and re-keying
  // Verification: RAW and DIGEST on both engines, every curve, RSA, Ed25519, ML-DSA.
  for (const [gen, alg] of [[['ec', { namedCurve: 'P-256' }], 'ECDSA_SHA_256'], [['ec', { namedCurve: 'P-384' }], 'ECDSA_SHA_384'], [['ec', { namedCurve: 'P-521' }], 'ECDSA_SHA_512'], [['ec', { namedCurve: 'secp256k1' }], 'ECDSA_SHA_256'], [['rsa', { modulusLength: 3072 }], 'RSASSA_PSS_SHA_384']]) {
    const { publicKey, privateKey } = generateKeyPairSync(...gen);
    const hash = `sha${alg.slice(-3)}`;
    const signature = alg.startsWith('RSA') ? createSign(hash).update(msg).sign({ key: privateKey, padding: 6, saltLength: 48 }) : sign(hash, msg, privateKey);
    const key = await KmsPublicKey.from(spki(publicKey));
    for (const engine of ['wasm', 'auto']) assert.equal(await key.verify({ signingAlgorithm: alg, message: msg, signature, engine }), true, `${alg} ${engine}`);
  }
  const ed = generateKeyPairSync('ed25519');
  assert.equal(await (await KmsPublicKey.from(spki(ed.publicKey))).verify({ signingAlgorithm: 'ED25519_SHA_512', message: msg, signature: sign(null, msg, ed.privateKey) }), true);
  const pq = ml_dsa87.keygen(new Uint8Array(32).fill(3));
  const oid = [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x13];
  const bits = [0x03, 0x82, (pq.publicKey.length + 1) >> 8, (pq.publicKey.length + 1) & 0xff, 0, ...pq.publicKey];
  const body = [0x30, oid.length, ...oid, ...bits];
  const pqKey = await KmsPublicKey.from(new Uint8Array([0x30, 0x82, body.length >> 8, body.length & 0xff, ...body]));
  assert.equal(await pqKey.verify({ signingAlgorithm: 'ML_DSA_SHAKE_256', message: msg, signature: ml_dsa87.sign(msg, pq.secretKey) }), true);
  // A JWT, and the kms module's calls.
  const es = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64({ alg: 'ES256', typ: 'JWT' })}.${b64({ sub: 'x' })}`;
  const jws = `${input}.${sign('sha256', Buffer.from(input), { key: es.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  const { payload } = await verifyJwt(jws, await KmsPublicKey.from(spki(es.publicKey)), { algorithms: ['ES256'] });
  assert.equal(payload.sub, 'x');
  await recommendKeyType({});
  await estimateCost({});
  await parseKeyIdentifier('arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab');

  const seen = {};
  for (const name of NAMES) {
    const r = residue(name);
    seen[name] = r;
    assert.equal(r.at, -1, `${name}: ${r.depth} bytes below its stack pointer (${r.sp}) not zeroed, from offset ${r.at}`);
  }
  t.diagnostic(`stack pointers: ${JSON.stringify(Object.fromEntries(Object.entries(seen).map(([k, v]) => [k, v.sp])))}`);
});
