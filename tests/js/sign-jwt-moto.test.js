// signJwt against a real KMS API: moto's KMS on 127.0.0.1 behind createBroker
// with @aws-sdk/client-kms, `sign: true` and an authorize that judges the
// claims. Tokens are checked by verifyJwt, jose and node:crypto against the
// public key moto's GetPublicKey returns.
//
// RAW only: moto 5.2 ignores MessageType and hashes a DIGEST again (its
// signature is over SHA-256(digest); getmoto/moto PR #10202 "KMS: implement
// MessageType=DIGEST for Sign and Verify" is open). signJwt's DIGEST path is
// tested against the dev KMS (sign-jwt.test.js), whose DIGEST signatures
// node:crypto checks independently (dev-kms-sign.test.js). No PS*: moto signs
// RSASSA_PSS with the longest salt (cryptography's PSS.MAX_LENGTH, moto/kms/
// utils.py), KMS and JOSE (RFC 7518 §3.5) with salt = hash length, so every
// strict verifier refuses moto's PSS signatures; PS* tokens are tested
// against the dev KMS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import * as jose from 'jose';
import { KMSClient, CreateKeyCommand, GetPublicKeyCommand } from '@aws-sdk/client-kms';
import { BrokerKeyring, signJwt, verifyJwt } from 'edge-kms';
import { createBroker } from 'edge-kms/broker';
import { rejectsCode } from './broker-helpers.js';
import { startMoto } from './servers.js';

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
let moto, keys = {}, keyring, audit = [];
const SPEC = { ES256: 'ECC_NIST_P256', ES384: 'ECC_NIST_P384', RS256: 'RSA_2048', RS512: 'RSA_2048' };

before(async () => {
  moto = await startMoto();
  const kms = new KMSClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials });
  for (const spec of new Set(Object.values(SPEC))) {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: 'SIGN_VERIFY' }));
    const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: KeyMetadata.Arn }));
    keys[spec] = { arn: KeyMetadata.Arn, spki: PublicKey };
  }
  const broker = createBroker({
    kms,
    keyIds: Object.values(keys).map((k) => k.arn),
    sign: true,
    authorize: (request, operation, keyId, ec, details) => operation === 'Sign' && details.sign.jws?.payload.sub === request.headers.get('x-user'),
    audit: (r) => { audit.push(r); },
  });
  keyring = new BrokerKeyring({ endpoint: 'https://broker.test/kms', keyId: keys.ECC_NIST_P256.arn, headers: { 'x-user': 'alice' }, fetch: (url, init) => broker.fetch(new Request(url, init)), retries: 0 });
});
after(() => moto?.stop());

function nodeVerifies(token, alg) {
  const [h, p, s] = token.split('.');
  const key = crypto.createPublicKey({ key: Buffer.from(keys[SPEC[alg]].spki), format: 'der', type: 'spki' });
  const hash = `sha${alg.slice(2)}`;
  const opts = alg.startsWith('ES') ? { key, dsaEncoding: 'ieee-p1363' } : key;
  return crypto.verify(hash, Buffer.from(`${h}.${p}`), opts, Buffer.from(s, 'base64url'));
}

test('moto KMS signs through the broker; verifyJwt, jose and node:crypto accept the tokens', async () => {
  for (const alg of Object.keys(SPEC)) {
    for (const claims of [{ sub: 'alice', n: 1 }, { sub: 'alice', pad: 'x'.repeat(3000), roles: ['reader'] }]) {
      const token = await signJwt(claims, { keyring, keyId: keys[SPEC[alg]].arn, alg });
      const { valid, payload } = await verifyJwt(token, keys[SPEC[alg]].spki, { algorithms: [alg] });
      assert.equal(valid, true, `verifyJwt ${alg}`);
      assert.deepEqual(payload, claims);
      assert.equal(nodeVerifies(token, alg), true, `node:crypto ${alg}`);
      const key = await jose.importSPKI(`-----BEGIN PUBLIC KEY-----\n${Buffer.from(keys[SPEC[alg]].spki).toString('base64')}\n-----END PUBLIC KEY-----`, alg);
      assert.deepEqual((await jose.jwtVerify(token, key, { algorithms: [alg] })).payload, claims, `jose ${alg}`);
    }
  }
  const signs = audit.filter((r) => r.operation === 'Sign');
  assert.equal(signs.length, 8);
  assert.ok(signs.every((r) => r.status === 200));
  assert.ok(signs.every((r) => r.outcome === 'allowed' && r.kmsKeyId?.startsWith('arn:aws:kms:')));
});

test('moto: claims the caller may not have are refused before KMS', async () => {
  const before = audit.length;
  await rejectsCode(signJwt({ sub: 'mallory' }, { keyring, alg: 'ES256' }), 'ACCESS_DENIED');
  await rejectsCode(signJwt({ sub: 'mallory', pad: 'x'.repeat(6000) }, { keyring, alg: 'ES256' }), 'ACCESS_DENIED');
  const records = audit.slice(before);
  assert.deepEqual(records.map((r) => [r.outcome, r.kmsKeyId]), [['denied', null], ['denied', null]]);
});
