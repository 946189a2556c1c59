// Which WebAssembly modules signature verification loads (issue 10): a page
// that verifies RAW messages of NIST-curve or RSA keys with WebCrypto needs
// only the `verify` module; a DIGEST message, secp256k1, Ed25519, ML-DSA or
// engine 'wasm' loads the fallback module that does the arithmetic, and
// verifyJwt loads `jwt`. Each scenario runs in a fresh Node process with the
// package as built (pkg/), recording which module files the Node entry
// reads (it reads each module's file once, on first use): the real loader,
// no mock. Signatures are made by node:crypto and @noble/post-quantum and
// checked for the right verdict (and a tampered message for the wrong one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

/**
 * Runs `body` (an async function's source, given `ek` = the package and
 * `crypto` = node:crypto) in a fresh process; returns its result and the
 * module files read, in order.
 * @param {string} body
 * @returns {{ result: any, modules: string[] }}
 */
function scenario(body) {
  const src = `
    const fs = process.getBuiltinModule('node:fs');
    const read = fs.readFileSync;
    const modules = [];
    fs.readFileSync = function (p, ...rest) {
      const m = /([a-z]+)_bg\\.wasm$/.exec(String(p instanceof URL ? p.pathname : p));
      if (m) modules.push(m[1]);
      return read.call(this, p, ...rest);
    };
    const ek = await import('edge-kms');
    const crypto = await import('node:crypto');
    const result = await (async () => { ${body} })();
    process.stdout.write(JSON.stringify({ result, modules }));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', src], { encoding: 'utf8' });
  return JSON.parse(out);
}

// A key pair, a message and its signature, verified both ways.
const both = (keyGen, alg, extra = '') => `
  const { publicKey, privateKey } = ${keyGen};
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const message = new TextEncoder().encode('hello modules');
  ${extra}
  const key = await ek.KmsPublicKey.from(spki);
  const ok = await key.verify({ signingAlgorithm: '${alg}', message, signature, ...opts });
  const bad = await key.verify({ signingAlgorithm: '${alg}', message: new TextEncoder().encode('hello modulez'), signature, ...opts });
  return [ok, bad];
`;

const P256 = "crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })";
const K256 = "crypto.generateKeyPairSync('ec', { namedCurve: 'secp256k1' })";
const RSA = "crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })";
const ED = "crypto.generateKeyPairSync('ed25519')";

test('RAW P-256 and RSA with WebCrypto load only the verify module', () => {
  const { result, modules } = scenario(`
    const out = [];
    for (const [gen, alg, sign] of [
      [() => ${P256}, 'ECDSA_SHA_256', (k, m) => crypto.sign('sha256', m, k)],
      [() => ${RSA}, 'RSASSA_PSS_SHA_256', (k, m) => crypto.sign('sha256', m, { key: k, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })],
      [() => ${RSA}, 'RSASSA_PKCS1_V1_5_SHA_256', (k, m) => crypto.sign('sha256', m, k)],
    ]) {
      const { publicKey, privateKey } = gen();
      const message = new TextEncoder().encode('hello modules');
      const signature = sign(privateKey, message);
      out.push(await ek.verifyKmsSignature({ publicKey: publicKey.export({ type: 'spki', format: 'der' }), signingAlgorithm: alg, message, signature }));
      out.push(await ek.verifyKmsSignature({ publicKey: publicKey.export({ type: 'spki', format: 'der' }), signingAlgorithm: alg, message: message.subarray(1), signature }));
    }
    return out;
  `);
  assert.deepEqual(result, [true, false, true, false, true, false]);
  assert.deepEqual(modules, ['verify']);
});

test('a P-256 DIGEST message loads the ecdsa module', () => {
  const { result, modules } = scenario(`
    const opts = { messageType: 'DIGEST' };
    const { publicKey, privateKey } = ${P256};
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    const message = new TextEncoder().encode('hello modules');
    const signature = crypto.sign('sha256', message, privateKey);
    const digest = crypto.createHash('sha256').update(message).digest();
    const key = await ek.KmsPublicKey.from(spki);
    const ok = await key.verify({ signingAlgorithm: 'ECDSA_SHA_256', message: digest, signature, ...opts });
    digest[0] ^= 1;
    const bad = await key.verify({ signingAlgorithm: 'ECDSA_SHA_256', message: digest, signature, ...opts });
    return [ok, bad];
  `);
  assert.deepEqual(result, [true, false]);
  assert.deepEqual(modules, ['verify', 'ecdsa']);
});

test("engine 'wasm' loads the fallback module of the key type (ecdsa, rsa)", () => {
  const ec = scenario(both(P256, 'ECDSA_SHA_256', `const signature = crypto.sign('sha256', message, privateKey); const opts = { engine: 'wasm' };`));
  assert.deepEqual(ec.result, [true, false]);
  assert.deepEqual(ec.modules, ['verify', 'ecdsa']);
  const rsa = scenario(both(RSA, 'RSASSA_PKCS1_V1_5_SHA_256', `const signature = crypto.sign('sha256', message, privateKey); const opts = { engine: 'wasm' };`));
  assert.deepEqual(rsa.result, [true, false]);
  assert.deepEqual(rsa.modules, ['verify', 'rsa']);
});

test('secp256k1 and Ed25519 load the rare module', () => {
  const k = scenario(both(K256, 'ECDSA_SHA_256', `const signature = crypto.sign('sha256', message, privateKey); const opts = {};`));
  assert.deepEqual(k.result, [true, false]);
  assert.deepEqual(k.modules, ['verify', 'rare']);
  const ed = scenario(both(ED, 'ED25519_SHA_512', `const signature = crypto.sign(null, message, privateKey); const opts = {};`));
  assert.deepEqual(ed.result, [true, false]);
  assert.deepEqual(ed.modules, ['verify', 'rare']);
});

test('ML-DSA loads the rare module', () => {
  const { result, modules } = scenario(`
    const { ml_dsa44 } = await import('@noble/post-quantum/ml-dsa.js');
    const { publicKey, secretKey } = ml_dsa44.keygen(new Uint8Array(32).fill(7));
    const message = new TextEncoder().encode('hello modules');
    const signature = ml_dsa44.sign(message, secretKey);
    // SPKI: SEQUENCE { SEQUENCE { id-ml-dsa-44 }, BIT STRING }, RFC 9881.
    const oid = [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x11];
    const bits = [0x03, 0x82, (publicKey.length + 1) >> 8, (publicKey.length + 1) & 0xff, 0, ...publicKey];
    const inner = [0x30, oid.length, ...oid];
    const body = [...inner, ...bits];
    const spki = new Uint8Array([0x30, 0x82, body.length >> 8, body.length & 0xff, ...body]);
    const key = await ek.KmsPublicKey.from(spki);
    const ok = await key.verify({ signingAlgorithm: 'ML_DSA_SHAKE_256', message, signature });
    const bad = await key.verify({ signingAlgorithm: 'ML_DSA_SHAKE_256', message: message.subarray(1), signature });
    return [key.keySpec, ok, bad];
  `);
  assert.deepEqual(result, ['ML_DSA_44', true, false]);
  assert.deepEqual(modules, ['verify', 'rare']);
});

test('verifySync runs the fallback synchronously (Node loads modules synchronously)', () => {
  const { result, modules } = scenario(`
    const { publicKey, privateKey } = ${P256};
    const message = new TextEncoder().encode('hello modules');
    const signature = crypto.sign('sha256', message, privateKey);
    const key = new ek.KmsPublicKey(publicKey.export({ type: 'spki', format: 'der' }));
    return [key.verifySync({ signingAlgorithm: 'ECDSA_SHA_256', message, signature }),
      key.verifySync({ signingAlgorithm: 'ECDSA_SHA_256', message: message.subarray(1), signature })];
  `);
  assert.deepEqual(result, [true, false]);
  assert.deepEqual(modules, ['verify', 'ecdsa']);
});

test('verifyJwt loads jwt (and no arithmetic module for ES256 with WebCrypto)', () => {
  const { result, modules } = scenario(`
    const { publicKey, privateKey } = ${P256};
    const b64 = (s) => Buffer.from(s).toString('base64url');
    const input = b64(JSON.stringify({ alg: 'ES256', typ: 'JWT' })) + '.' + b64(JSON.stringify({ sub: 'a' }));
    const sig = crypto.sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    const token = input + '.' + sig.toString('base64url');
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    const ok = await ek.verifyJwt(token, spki, { algorithms: ['ES256'] });
    const bad = await ek.verifyJwt(token.slice(0, -2) + (token.endsWith('AA') ? 'AB' : 'AA'), spki, { algorithms: ['ES256'] });
    let code;
    try { await ek.verifyJwt(token, spki, { algorithms: ['RS256'] }); } catch (e) { code = e.code; }
    return [ok.valid, ok.payload, bad.valid, code];
  `);
  assert.deepEqual(result, [true, { sub: 'a' }, false, 'UNSUPPORTED_ALGORITHM']);
  assert.deepEqual(modules, ['verify', 'jwt']);
});

test('an off-curve point is still refused synchronously by the verify module alone', () => {
  const { result, modules } = scenario(`
    const { publicKey } = ${P256};
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    spki[spki.length - 1] ^= 1; // y + 1: off the curve
    try { new ek.KmsPublicKey(spki); return 'accepted'; } catch (e) { return e.code; }
  `);
  assert.equal(result, 'MALFORMED_PUBLIC_KEY');
  assert.deepEqual(modules, ['verify']);
});
