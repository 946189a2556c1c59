// signJwt through a real broker (createBroker over the dev KMS, reached by
// BrokerKeyring through the broker's own fetch handler): every JOSE alg a KMS
// key makes, each token checked by three independent verifiers (the
// package's verifyJwt, jose, node:crypto); RAW and DIGEST (signing inputs
// over 4096 bytes); and the broker's side: authorize sees the decoded claims
// and can refuse them, a lying digest is refused before authorize and KMS,
// malformed or ambiguous JWS signing inputs are refused.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import * as jose from 'jose';
import { BrokerKeyring, signJwt, verifyJwt } from 'edge-kms';
import { createBroker, createDevKms, signingAlias } from 'edge-kms/broker';
import { rejectsCode } from './broker-helpers.js';

const SPEC_OF = { ES256: 'ECC_NIST_P256', ES384: 'ECC_NIST_P384', ES512: 'ECC_NIST_P521', ES256K: 'ECC_SECG_P256K1', EdDSA: 'ECC_NIST_EDWARDS25519' };
const specOf = (alg) => SPEC_OF[alg] ?? 'RSA_2048';
const ALGS = ['ES256', 'ES384', 'ES512', 'ES256K', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA'];
const b64url = (s) => Buffer.from(s).toString('base64url');

let dev, publicKeys = {};
/** Every authorize call's arguments, and every KMS call, for the assertions below. */
let seen = [], kmsCalls = [];

/** A broker over the dev KMS behind a KmsPort (so `sign` is opt-in as with AWS) and its client. */
function setup({ authorize = () => true, allowUncheckedDigests, sign = true } = {}) {
  const port = { call: (op, input) => { kmsCalls.push({ op, input }); return dev.call(op, input); } };
  const broker = createBroker({
    kms: port,
    keyIds: ALGS.map((a) => signingAlias(specOf(a))).concat('alias/demo'),
    sign,
    ...(allowUncheckedDigests ? { allowUncheckedDigests } : {}),
    authorize: (request, operation, keyId, ec, details) => { seen.push({ operation, keyId, details }); return authorize(request, operation, keyId, ec, details); },
  });
  const fetch = (url, init) => broker.fetch(new Request(url, init));
  const keyring = new BrokerKeyring({ endpoint: 'https://broker.test/kms', keyId: signingAlias('ECC_NIST_P256'), fetch, retries: 0 });
  return { broker, fetch, keyring };
}

before(async () => {
  dev = await createDevKms({ aliases: ['alias/demo'], signingKeys: [...new Set(ALGS.map(specOf))], encryptionKeys: [] });
  for (const alg of ALGS) publicKeys[alg] = (await dev.call('GetPublicKey', { KeyId: signingAlias(specOf(alg)) })).PublicKey;
});

/** node:crypto's verdict on a compact JWS (RFC 7518 §3: ECDSA as r ‖ s, PSS with salt = hash length). */
function nodeVerifies(token, alg) {
  const [h, p, s] = token.split('.');
  const key = crypto.createPublicKey({ key: Buffer.from(publicKeys[alg]), format: 'der', type: 'spki' });
  const data = Buffer.from(`${h}.${p}`);
  const sig = Buffer.from(s, 'base64url');
  if (alg === 'EdDSA') return crypto.verify(null, data, key, sig);
  const hash = `sha${alg.slice(2)}`;
  if (alg.startsWith('ES')) return crypto.verify(alg === 'ES256K' ? 'sha256' : hash, data, { key, dsaEncoding: 'ieee-p1363' }, sig);
  if (alg.startsWith('PS')) return crypto.verify(hash, data, { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 }, sig);
  return crypto.verify(hash, data, key, sig);
}

/** jose's verdict (jose runs on WebCrypto, which has no secp256k1: ES256K is checked by the other two). */
async function joseVerifies(token, alg) {
  if (alg === 'ES256K') return null;
  const key = await jose.importSPKI(`-----BEGIN PUBLIC KEY-----\n${Buffer.from(publicKeys[alg]).toString('base64')}\n-----END PUBLIC KEY-----`, alg);
  const { payload, protectedHeader } = await jose.jwtVerify(token, key, { algorithms: [alg] });
  return { payload, protectedHeader };
}

test('every JOSE alg a KMS key makes: the token verifies with verifyJwt, jose and node:crypto', async () => {
  const { keyring } = setup();
  const now = Math.floor(Date.now() / 1000);
  for (const alg of ALGS) {
    const claims = { sub: 'alice', aud: 'api', iat: now, exp: now + 300, alg_under_test: alg };
    const token = await signJwt(claims, { keyring, keyId: signingAlias(specOf(alg)), alg, header: { kid: `kid-${alg}` } });
    const { valid, header, payload } = await verifyJwt(token, publicKeys[alg], { algorithms: [alg] });
    assert.equal(valid, true, `verifyJwt ${alg}`);
    assert.deepEqual(header, { alg, typ: 'JWT', kid: `kid-${alg}` });
    assert.deepEqual(payload, claims);
    assert.equal(nodeVerifies(token, alg), true, `node:crypto ${alg}`);
    const j = await joseVerifies(token, alg);
    if (j) assert.deepEqual(j.payload, claims, `jose ${alg}`);
    // each verifier can say no: a token with another claim under the same signature
    const [, , s] = token.split('.');
    const forged = `${token.split('.')[0]}.${b64url(JSON.stringify({ ...claims, sub: 'admin' }))}.${s}`;
    assert.equal((await verifyJwt(forged, publicKeys[alg], { algorithms: [alg] })).valid, false, `verifyJwt forged ${alg}`);
    assert.equal(nodeVerifies(forged, alg), false, `node:crypto forged ${alg}`);
    if (alg !== 'ES256K') await assert.rejects(joseVerifies(forged, alg), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  }
  // one broker call per token, RAW
  const signs = seen.filter((s) => s.operation === 'Sign');
  assert.equal(signs.length, ALGS.length);
  assert.ok(signs.every((s) => s.details.sign.messageType === 'RAW' && s.details.sign.jws.payload.sub === 'alice'));
});

test('a signing input over 4096 bytes is signed as a DIGEST; the broker checked it and authorize saw the claims', async () => {
  const { keyring } = setup();
  seen = []; kmsCalls = [];
  const big = { sub: 'alice', roles: Array.from({ length: 400 }, (_, i) => `role-${i}`) };
  for (const alg of ['ES256', 'ES384', 'ES512', 'ES256K', 'RS256', 'PS512']) {
    const token = await signJwt(big, { keyring, keyId: signingAlias(specOf(alg)), alg });
    assert.ok(token.lastIndexOf('.') > 4096, 'the signing input is over KMS\'s RAW limit');
    assert.equal((await verifyJwt(token, publicKeys[alg], { algorithms: [alg] })).valid, true, `verifyJwt ${alg}`);
    assert.equal(nodeVerifies(token, alg), true, `node:crypto ${alg}`);
    const j = await joseVerifies(token, alg);
    if (j) assert.deepEqual(j.payload, big, `jose ${alg}`);
    const last = seen.at(-1).details.sign;
    assert.equal(last.messageType, 'DIGEST');
    assert.deepEqual(last.jws.payload, big);
    assert.equal(new TextDecoder().decode(last.message), token.slice(0, token.lastIndexOf('.')));
    assert.equal(kmsCalls.at(-1).input.MessageType, 'DIGEST');
    assert.equal(kmsCalls.at(-1).input.SigningInput, undefined, 'the signing input is not passed on to KMS');
  }
  // EdDSA has no DIGEST form a JOSE verifier accepts: refused before any call
  const before = kmsCalls.length;
  await rejectsCode(signJwt(big, { keyring, keyId: signingAlias('ECC_NIST_EDWARDS25519'), alg: 'EdDSA' }), 'MESSAGE_TOO_LONG');
  assert.equal(kmsCalls.length, before);
});

test('authorize refuses a client asking to sign claims it may not have', async () => {
  // the app's rule: a caller may sign tokens for itself only, and never an admin role
  const authorize = (request, operation, keyId, ec, details) => {
    if (operation !== 'Sign') return false;
    const who = request.headers.get('authorization')?.replace(/^Bearer /, '');
    const claims = details.sign.jws?.payload;
    if (!claims) return false; // only JWTs
    return claims.sub === who && !(Array.isArray(claims.roles) && claims.roles.includes('admin')) ? { allow: true, principal: who } : { allow: false, principal: who };
  };
  const { fetch } = setup({ authorize });
  const keyring = new BrokerKeyring({ endpoint: 'https://broker.test/kms', keyId: signingAlias('ECC_NIST_P256'), fetch, retries: 0, headers: { authorization: 'Bearer alice' } });
  kmsCalls = [];
  const ok = await signJwt({ sub: 'alice' }, { keyring, alg: 'ES256' });
  assert.equal((await verifyJwt(ok, publicKeys.ES256, { algorithms: ['ES256'] })).valid, true);
  await rejectsCode(signJwt({ sub: 'bob' }, { keyring, alg: 'ES256' }), 'ACCESS_DENIED');
  await rejectsCode(signJwt({ sub: 'alice', roles: ['admin'] }, { keyring, alg: 'ES256' }), 'ACCESS_DENIED');
  // the same through the DIGEST path (claims over 4096 bytes)
  await rejectsCode(signJwt({ sub: 'bob', pad: 'x'.repeat(5000) }, { keyring, alg: 'ES256' }), 'ACCESS_DENIED');
  // and opaque bytes are not JWTs to this app
  await rejectsCode(keyring.sign({ message: new TextEncoder().encode('anything'), signingAlgorithm: 'ECDSA_SHA_256' }), 'ACCESS_DENIED');
  assert.equal(kmsCalls.filter((c) => c.op === 'Sign').length, 1, 'KMS signed the allowed token only');
});

test('a lying digest is refused: the broker hashes the signing input itself, before authorize and KMS', async () => {
  const authorize = (request, operation, keyId, ec, details) => details.sign?.jws?.payload.sub === 'alice';
  const { keyring, fetch } = setup({ authorize });
  seen = []; kmsCalls = [];
  const header = b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT' }));
  const shown = new TextEncoder().encode(`${header}.${b64url(JSON.stringify({ sub: 'alice', pad: 'x'.repeat(5000) }))}`);
  const meant = new TextEncoder().encode(`${header}.${b64url(JSON.stringify({ sub: 'admin', pad: 'x'.repeat(5000) }))}`);
  const digestOf = (b) => new Uint8Array(crypto.createHash('sha256').update(b).digest());
  // the attacker shows alice's claims and asks for the digest of admin's
  const err = await rejectsCode(keyring.sign({ message: digestOf(meant), messageType: 'DIGEST', signingAlgorithm: 'ECDSA_SHA_256', signingInput: shown }), 'BAD_REQUEST');
  assert.equal(err.kmsCode, 'DigestMismatch');
  // a DIGEST with no signing input at all
  const err2 = await rejectsCode(keyring.sign({ message: digestOf(meant), messageType: 'DIGEST', signingAlgorithm: 'ECDSA_SHA_256' }), 'BAD_REQUEST');
  assert.equal(err2.kmsCode, 'DigestMismatch');
  // the digest of the right input under the wrong hash (SHA-384 of it, for an algorithm that wants SHA-256): a length error
  const raw = await fetch('https://broker.test/kms/sign', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keyId: signingAlias('ECC_NIST_P256'), messageType: 'DIGEST', signingAlgorithm: 'ECDSA_SHA_256', message: Buffer.from(crypto.createHash('sha384').update(shown).digest()).toString('base64'), signingInput: Buffer.from(shown).toString('base64') }) });
  assert.equal(raw.status, 400);
  assert.equal((await raw.json()).error.code, 'BadRequest');
  assert.equal(seen.length, 0, 'authorize was never asked');
  assert.equal(kmsCalls.filter((c) => c.op === 'Sign').length, 0, 'KMS signed nothing');
  // the honest request goes through
  const sig = await keyring.sign({ message: digestOf(shown), messageType: 'DIGEST', signingAlgorithm: 'ECDSA_SHA_256', signingInput: shown });
  assert.equal(crypto.verify('sha256', shown, crypto.createPublicKey({ key: Buffer.from(publicKeys.ES256), format: 'der', type: 'spki' }), sig.signature), true);
});

test('allowUncheckedDigests: an unchecked DIGEST reaches authorize with message null; EXTERNAL_MU is refused without it', async () => {
  const digest = new Uint8Array(crypto.createHash('sha256').update('whatever').digest());
  {
    const { keyring } = setup();
    const err = await rejectsCode(keyring.sign({ keyId: signingAlias('ECC_NIST_P256'), message: new Uint8Array(64), messageType: 'EXTERNAL_MU', signingAlgorithm: 'ML_DSA_SHAKE_256' }), 'BAD_REQUEST');
    assert.equal(err.kmsCode, 'DigestMismatch');
  }
  const { keyring } = setup({ allowUncheckedDigests: true });
  seen = [];
  await keyring.sign({ message: digest, messageType: 'DIGEST', signingAlgorithm: 'ECDSA_SHA_256' });
  const s = seen.at(-1).details.sign;
  assert.deepEqual([s.messageType, s.message, s.jws, [...s.digest]], ['DIGEST', null, null, [...digest]]);
});

test('JWS signing inputs that verifiers could read differently are refused before authorize', async () => {
  const { keyring } = setup();
  seen = []; kmsCalls = [];
  const enc = (s) => new TextEncoder().encode(s);
  const h = b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT' }));
  const cases = {
    'duplicate claims': `${h}.${b64url('{"sub":"alice","sub":"admin"}')}`,
    'nested duplicate': `${h}.${b64url('{"sub":"alice","ctx":{"role":"user","role":"admin"}}')}`,
    'nested 65 deep': `${h}.${b64url(`{"sub":"alice","x":${'['.repeat(64)}${']'.repeat(64)}}`)}`,
    'duplicate alg': `${b64url('{"alg":"ES256","alg":"none"}')}.${b64url('{"sub":"alice"}')}`,
    'padded base64url': `${h}.${b64url('{"sub":"alice"}')}==`,
    'standard base64': `${h}.${Buffer.from('{"sub":"alice?>"}').toString('base64')}`,
    'non-canonical bits': `${h}.${b64url('{"sub":"a"}').slice(0, -1)}f`,
    'three parts': `${h}.${b64url('{"sub":"alice"}')}.x`,
    'payload not an object': `${h}.${b64url('"alice"')}`,
    'crit header': `${b64url(JSON.stringify({ alg: 'ES256', crit: ['exp'] }))}.${b64url('{"sub":"alice"}')}`,
    'b64 header': `${b64url(JSON.stringify({ alg: 'ES256', b64: false }))}.${b64url('{"sub":"alice"}')}`,
    'alg of another algorithm': `${b64url(JSON.stringify({ alg: 'RS256' }))}.${b64url('{"sub":"alice"}')}`,
    'alg none': `${b64url(JSON.stringify({ alg: 'none' }))}.${b64url('{"sub":"alice"}')}`,
  };
  for (const [what, input] of Object.entries(cases)) {
    const err = await rejectsCode(keyring.sign({ message: enc(input), signingAlgorithm: 'ECDSA_SHA_256' }), 'BAD_REQUEST');
    assert.equal(err.kmsCode, 'BadRequest', what);
  }
  assert.equal(seen.length, 0, 'authorize was never asked');
  assert.equal(kmsCalls.filter((c) => c.op === 'Sign').length, 0);
  // 64 deep is fine (what a JWT could plausibly need, and more)
  await keyring.sign({ message: enc(`${h}.${b64url(`{"sub":"alice","x":${'['.repeat(63)}${']'.repeat(63)}}`)}`), signingAlgorithm: 'ECDSA_SHA_256' });
  assert.equal(seen.at(-1).details.sign.jws.payload.sub, 'alice');
  // bytes that are not meant as a JWS reach authorize as opaque
  await keyring.sign({ message: enc('plain text, no base64 before a dot. Really.'), signingAlgorithm: 'ECDSA_SHA_256' });
  assert.equal(seen.at(-1).details.sign.jws, null);
});

test('a caller authorize refuses cannot probe which key specs the broker serves', async () => {
  const { keyring } = setup({ authorize: () => false });
  // ES256K and ES256 are both ECDSA_SHA_256: only the key's spec tells them apart, checked after authorize
  for (const alg of ['ES256', 'ES256K']) await rejectsCode(signJwt({ sub: 'a' }, { keyring, keyId: signingAlias('ECC_NIST_P256'), alg }), 'ACCESS_DENIED');
  const { keyring: allowed } = setup();
  await rejectsCode(signJwt({ sub: 'a' }, { keyring: allowed, keyId: signingAlias('ECC_NIST_P256'), alg: 'ES256K' }), 'BAD_REQUEST');
});

test('/sign is opt-in outside the dev KMS; signJwt checks its arguments before any call', async () => {
  {
    const { keyring } = setup({ sign: false });
    const err = await rejectsCode(signJwt({ sub: 'alice' }, { keyring, alg: 'ES256' }), 'BAD_REQUEST');
    assert.equal(err.kmsCode, 'UnknownOperation');
  }
  const { keyring } = setup();
  kmsCalls = [];
  await rejectsCode(signJwt({ sub: 'a' }, { keyring, alg: 'HS256' }), 'UNSUPPORTED_ALGORITHM');
  await rejectsCode(signJwt({ sub: 'a' }, { keyring, alg: 'none' }), 'UNSUPPORTED_ALGORITHM');
  await rejectsCode(signJwt({ sub: 'a' }, { keyring, alg: 'ML-DSA-65' }), 'UNSUPPORTED_ALGORITHM');
  await rejectsCode(signJwt({ sub: 'a' }, { keyring, alg: 'ES256', header: { alg: 'none' } }), 'INVALID_ARGUMENT');
  await rejectsCode(signJwt({ sub: 'a' }, { keyring, alg: 'ES256', header: { crit: ['x'] } }), 'INVALID_ARGUMENT');
  await rejectsCode(signJwt(['a'], { keyring, alg: 'ES256' }), 'INVALID_ARGUMENT');
  await rejectsCode(signJwt(new Date(), { keyring, alg: 'ES256' }), 'INVALID_ARGUMENT');
  await rejectsCode(signJwt({ n: 1n }, { keyring, alg: 'ES256' }), 'INVALID_ARGUMENT');
  await rejectsCode(signJwt({ sub: 'a' }, { keyring: {}, alg: 'ES256' }), 'INVALID_ARGUMENT');
  await rejectsCode(signJwt({ sub: 'a' }), 'INVALID_ARGUMENT');
  assert.equal(kmsCalls.length, 0);
  // the key must make the alg: KMS refuses ECDSA_SHA_384 with a P-256 key
  await rejectsCode(signJwt({ sub: 'a' }, { keyring, keyId: signingAlias('ECC_NIST_P256'), alg: 'ES384' }), 'BAD_REQUEST');
  // ES256 with a secp256k1 key: the broker knows the key spec and refuses the header
  await rejectsCode(signJwt({ sub: 'a' }, { keyring, keyId: signingAlias('ECC_SECG_P256K1'), alg: 'ES256' }), 'BAD_REQUEST');
});

test('a broker answering a signature KMS never makes for the alg: MALFORMED_SIGNATURE, no token', async () => {
  const answers = { ES256: new Uint8Array(64).fill(1) /* r ‖ s, not DER */, EdDSA: new Uint8Array(63), RS256: null };
  for (const [alg, sig] of Object.entries(answers)) {
    const fetch = async (url, init) => {
      const body = JSON.parse(init.body);
      return Response.json({ keyId: dev.keyArn(signingAlias(specOf(alg))), signingAlgorithm: body.signingAlgorithm, signature: sig === null ? '' : Buffer.from(sig).toString('base64') });
    };
    const keyring = new BrokerKeyring({ endpoint: 'https://broker.test/kms', keyId: signingAlias(specOf(alg)), fetch, retries: 0 });
    await rejectsCode(signJwt({ sub: 'a' }, { keyring, alg }), sig === null ? 'MALFORMED_RESPONSE' : 'MALFORMED_SIGNATURE');
  }
});
