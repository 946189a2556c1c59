// signJwt in every runtime (Node, workerd, Chromium, Deno): the signing input,
// RAW vs DIGEST, the core's DER → JOSE conversion and the token, against a
// stand-in broker passed as `fetch` that signs the way KMS does with this
// runtime's WebCrypto (ECDSA answered in DER, as KMS Sign answers). Each
// token is checked by verifyJwt and, independently, by WebCrypto over the
// token's own bytes. (The real broker, the dev KMS, moto, jose and
// node:crypto are in tests/js/sign-jwt*.test.js.)
import { assert } from '../harness.js';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/0d9e7e55-5d1f-4ac8-9c1c-2f1f2b0e3c11';
const b64 = (u8) => { let s = ''; for (const b of u8) s += String.fromCharCode(b); return btoa(s); };
const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const unb64url = (s) => unb64(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4));

/** WebCrypto's r ‖ s → DER, as KMS returns ECDSA signatures. */
function der(rs) {
  const half = rs.length / 2;
  const int = (b) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    const v = b.subarray(i);
    return v[0] & 0x80 ? [0x02, v.length + 1, 0, ...v] : [0x02, v.length, ...v];
  };
  const body = [...int(rs.subarray(0, half)), ...int(rs.subarray(half))];
  return new Uint8Array([0x30, ...(body.length < 128 ? [body.length] : [0x81, body.length]), ...body]);
}

const ALGS = {
  ES256: { gen: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' }, kms: 'ECDSA_SHA_256' },
  ES384: { gen: { name: 'ECDSA', namedCurve: 'P-384' }, sign: { name: 'ECDSA', hash: 'SHA-384' }, kms: 'ECDSA_SHA_384' },
  RS256: { gen: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, sign: { name: 'RSASSA-PKCS1-v1_5' }, kms: 'RSASSA_PKCS1_V1_5_SHA_256' },
  PS384: { gen: { name: 'RSA-PSS', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-384' }, sign: { name: 'RSA-PSS', saltLength: 48 }, kms: 'RSASSA_PSS_SHA_384' },
};

/** A stand-in broker with one WebCrypto key: signs RAW messages (and refuses DIGEST, which WebCrypto cannot sign). */
async function stubSigner(alg) {
  const a = ALGS[alg];
  const pair = await crypto.subtle.generateKey(a.gen, true, ['sign', 'verify']);
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
  const calls = [];
  const fetch = async (url, init) => {
    const body = JSON.parse(init.body);
    calls.push({ url, body });
    if (body.messageType !== 'RAW' || body.signingAlgorithm !== a.kms) return Response.json({ error: { code: 'ValidationException', message: 'no' } }, { status: 400 });
    const sig = new Uint8Array(await crypto.subtle.sign(a.sign, pair.privateKey, unb64(body.message)));
    return Response.json({ keyId: ARN, signingAlgorithm: body.signingAlgorithm, signature: b64(alg.startsWith('ES') ? der(sig) : sig) });
  };
  return { fetch, calls, spki, publicKey: pair.publicKey };
}

export default {
  name: 'sign-jwt',
  /** @param {import('../harness.js').Registrar} t @param {import('../harness.js').Ctx} ctx */
  register(t, { edgeKms }) {
    const { BrokerKeyring, signJwt, verifyJwt } = edgeKms;

    t.test('signJwt: ES256, ES384, RS256, PS384 tokens verify with verifyJwt and with WebCrypto', async () => {
      for (const alg of Object.keys(ALGS)) {
        const stub = await stubSigner(alg);
        const keyring = new BrokerKeyring({ endpoint: 'https://broker.test/kms', keyId: 'alias/sign', fetch: stub.fetch, retries: 0 });
        const claims = { sub: 'user-42', n: 1, s: 'é✓' };
        const token = await signJwt(claims, { keyring, alg, header: { kid: 'k' } });
        assert.equal(stub.calls.length, 1);
        assert.equal(stub.calls[0].url, 'https://broker.test/kms/sign');
        const r = await verifyJwt(token, stub.spki, { algorithms: [alg] });
        assert.equal(r.valid, true, alg);
        assert.deepEqual(r.payload, claims);
        assert.deepEqual(r.header, { alg, typ: 'JWT', kid: 'k' });
        const [h, p, s] = token.split('.');
        const ok = await crypto.subtle.verify(ALGS[alg].sign, stub.publicKey, unb64url(s), new TextEncoder().encode(`${h}.${p}`));
        assert.equal(ok, true, `WebCrypto ${alg}`);
        assert.equal(unb64url(s).length, alg === 'ES256' ? 64 : alg === 'ES384' ? 96 : 256, 'JOSE signature width');
      }
    });

    t.test('signJwt: over 4096 bytes it asks for a DIGEST with the signing input; a refusal keeps its code', async () => {
      const stub = await stubSigner('ES256');
      const keyring = new BrokerKeyring({ endpoint: 'https://broker.test/kms', keyId: 'alias/sign', fetch: stub.fetch, retries: 0 });
      const err = await signJwt({ sub: 'x', pad: 'y'.repeat(5000) }, { keyring, alg: 'ES256' }).then(() => null, (e) => e);
      assert.equal(err?.code, 'BAD_REQUEST');
      const { body } = stub.calls[0];
      assert.equal(body.messageType, 'DIGEST');
      const input = unb64(body.signingInput);
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', input));
      assert.deepEqual([...unb64(body.message)], [...digest]);
      assert.equal(new TextDecoder().decode(input).split('.').length, 2);
    });

    t.test('signJwt refuses what no KMS key makes, before any call', async () => {
      const stub = await stubSigner('ES256');
      const keyring = new BrokerKeyring({ endpoint: 'https://broker.test/kms', keyId: 'alias/sign', fetch: stub.fetch, retries: 0 });
      for (const [alg, code] of [['HS256', 'UNSUPPORTED_ALGORITHM'], ['none', 'UNSUPPORTED_ALGORITHM']]) {
        const err = await signJwt({ sub: 'x' }, { keyring, alg }).then(() => null, (e) => e);
        assert.equal(err?.code, code, alg);
      }
      const long = await signJwt({ pad: 'y'.repeat(5000) }, { keyring, alg: 'EdDSA' }).then(() => null, (e) => e);
      assert.equal(long?.code, 'MESSAGE_TOO_LONG');
      assert.equal(stub.calls.length, 0);
    });
  },
};
