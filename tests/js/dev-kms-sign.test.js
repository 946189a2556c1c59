// The dev KMS signs with every key spec KMS offers, over every message type
// KMS accepts for each algorithm, and refuses what KMS refuses (the Sign API
// reference: Message 1..4096 bytes; a DIGEST exactly the algorithm's hash
// length; EXTERNAL_MU 64 bytes, ML-DSA only; ED25519_PH_SHA_512 DIGEST only;
// a key of another usage or an algorithm the key spec lacks refused).
// Each signature is checked twice: by the package's verifyKmsSignature, and
// by an independent verifier (node:crypto for RSA, ECDSA and Ed25519;
// @noble/curves for Ed25519ph; @noble/post-quantum for ML-DSA).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { verifyKmsSignature, KmsPublicKey } from 'edge-kms';
import { createDevKms, signingAlias } from 'edge-kms/broker';
import { ed25519ph } from '@noble/curves/ed25519.js';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';

const SPECS = ['RSA_2048', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1', 'ECC_NIST_EDWARDS25519', 'ML_DSA_44', 'ML_DSA_65', 'ML_DSA_87'];
const RSA_ALGS = ['RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512', 'RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512'];
const ALGS = {
  RSA_2048: RSA_ALGS,
  ECC_NIST_P256: ['ECDSA_SHA_256'],
  ECC_NIST_P384: ['ECDSA_SHA_384'],
  ECC_NIST_P521: ['ECDSA_SHA_512'],
  ECC_SECG_P256K1: ['ECDSA_SHA_256'],
  ECC_NIST_EDWARDS25519: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'],
  ML_DSA_44: ['ML_DSA_SHAKE_256'],
  ML_DSA_65: ['ML_DSA_SHAKE_256'],
  ML_DSA_87: ['ML_DSA_SHAKE_256'],
};
const NOBLE_ML_DSA = { ML_DSA_44: ml_dsa44, ML_DSA_65: ml_dsa65, ML_DSA_87: ml_dsa87 };
const hashOf = (alg) => `sha${alg.match(/SHA_(\d{3})$/)[1]}`;
const message = new TextEncoder().encode('Pay 100 EUR to account 42');
let kms;
const publicKeys = {};

before(async () => {
  kms = await createDevKms({ aliases: ['alias/demo'], signingKeys: SPECS, encryptionKeys: [] });
  for (const spec of SPECS) publicKeys[spec] = (await kms.call('GetPublicKey', { KeyId: signingAlias(spec) })).PublicKey;
});

/** Every (spec, algorithm, message type) KMS accepts. */
function cases() {
  const out = [];
  for (const spec of SPECS) {
    for (const alg of ALGS[spec]) {
      if (alg === 'ED25519_PH_SHA_512') out.push([spec, alg, 'DIGEST']);
      else if (alg === 'ED25519_SHA_512') out.push([spec, alg, 'RAW']);
      else if (alg === 'ML_DSA_SHAKE_256') out.push([spec, alg, 'RAW'], [spec, alg, 'EXTERNAL_MU']);
      else out.push([spec, alg, 'RAW'], [spec, alg, 'DIGEST']);
    }
  }
  return out;
}

/** ML-DSA's μ (FIPS 204 Algorithm 2 and 7): SHAKE256(SHAKE256(pk, 64) ‖ 0 ‖ 0 ‖ M, 64), with node:crypto. */
function mu(rawPublicKey, msg) {
  const tr = crypto.createHash('shake256', { outputLength: 64 }).update(rawPublicKey).digest();
  return new Uint8Array(crypto.createHash('shake256', { outputLength: 64 }).update(tr).update(Buffer.from([0, 0])).update(msg).digest());
}

/** The raw ML-DSA public key inside KMS's SPKI (after `03 82 LL LL 00`). */
function rawMlDsaKey(spki, spec) {
  const len = NOBLE_ML_DSA[spec].lengths.publicKey;
  return spki.subarray(spki.length - len);
}

/** An independent verdict over the original message. */
function independent(spec, alg, signature) {
  if (spec.startsWith('ML_DSA')) return NOBLE_ML_DSA[spec].verify(signature, message, rawMlDsaKey(publicKeys[spec], spec));
  if (alg === 'ED25519_PH_SHA_512') return ed25519ph.verify(signature, message, publicKeys[spec].subarray(12));
  const key = crypto.createPublicKey({ key: Buffer.from(publicKeys[spec]), format: 'der', type: 'spki' });
  if (alg === 'ED25519_SHA_512') return crypto.verify(null, message, key, signature);
  if (alg.startsWith('RSASSA_PSS')) return crypto.verify(hashOf(alg), message, { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(-3)) / 8 }, signature);
  return crypto.verify(hashOf(alg), message, key, signature);
}

test('the dev KMS signs every key spec, algorithm and message type KMS offers; both verifiers accept each signature', async () => {
  const all = cases();
  assert.equal(all.length, 6 * 2 + 4 * 2 + 2 + 3 * 2);
  for (const [spec, alg, messageType] of all) {
    const signed = messageType === 'DIGEST' ? new Uint8Array(crypto.createHash(hashOf(alg)).update(message).digest())
      : messageType === 'EXTERNAL_MU' ? mu(rawMlDsaKey(publicKeys[spec], spec), message) : message;
    const out = await kms.call('Sign', { KeyId: signingAlias(spec), SigningAlgorithm: alg, MessageType: messageType, Message: signed });
    assert.equal(out.SigningAlgorithm, alg);
    assert.equal(out.KeyId, kms.keyArn(signingAlias(spec)));
    const what = `${spec} ${alg} ${messageType}`;
    assert.equal(await verifyKmsSignature({ publicKey: publicKeys[spec], signingAlgorithm: alg, messageType, message: signed, signature: out.Signature }), true, `edge-kms: ${what}`);
    assert.equal(independent(spec, alg, out.Signature), true, `independent: ${what}`);
    // and a signature of another message is refused by both (the check can fail)
    const other = out.Signature.slice();
    other[other.length >> 1] ^= 1;
    assert.equal(await verifyKmsSignature({ publicKey: publicKeys[spec], signingAlgorithm: alg, messageType, message: signed, signature: other }), false, `edge-kms, flipped: ${what}`);
    let flipped;
    try { flipped = independent(spec, alg, other); } catch { flipped = false; }
    assert.equal(flipped, false, `independent, flipped: ${what}`);
  }
});

test('GetPublicKey and DescribeKey give KMS key specs and algorithm lists for Ed25519 and ML-DSA', async () => {
  const ed = await kms.call('GetPublicKey', { KeyId: signingAlias('ECC_NIST_EDWARDS25519') });
  assert.deepEqual([ed.KeySpec, ed.KeyUsage, ed.SigningAlgorithms], ['ECC_NIST_EDWARDS25519', 'SIGN_VERIFY', ['ED25519_SHA_512', 'ED25519_PH_SHA_512']]);
  for (const spec of ['ML_DSA_44', 'ML_DSA_65', 'ML_DSA_87']) {
    const { KeyMetadata: m } = await kms.call('DescribeKey', { KeyId: signingAlias(spec) });
    assert.deepEqual([m.KeySpec, m.KeyUsage, m.SigningAlgorithms], [spec, 'SIGN_VERIFY', ['ML_DSA_SHAKE_256']]);
    // node:crypto (Node 20) cannot read ML-DSA SPKI; the package's parser can
    assert.equal((await KmsPublicKey.from(publicKeys[spec])).keySpec, spec);
  }
});

test('Sign refuses what KMS refuses', async () => {
  const sha = (h, m = message) => new Uint8Array(crypto.createHash(h).update(m).digest());
  const refuses = async (name, input, what) => {
    await assert.rejects(kms.call('Sign', input), (e) => { assert.equal(e.name, name, what); return true; }, what);
  };
  const p256 = signingAlias('ECC_NIST_P256'), ed = signingAlias('ECC_NIST_EDWARDS25519'), ml = signingAlias('ML_DSA_65'), rsa = signingAlias('RSA_2048');
  await refuses('ValidationException', { KeyId: p256, SigningAlgorithm: 'ECDSA_SHA_256', MessageType: 'DIGEST', Message: sha('sha384') }, 'a DIGEST of another length');
  await refuses('ValidationException', { KeyId: rsa, SigningAlgorithm: 'RSASSA_PSS_SHA_512', MessageType: 'DIGEST', Message: sha('sha256') }, 'an RSA DIGEST of another length');
  await refuses('ValidationException', { KeyId: p256, SigningAlgorithm: 'ECDSA_SHA_256', MessageType: 'RAW', Message: new Uint8Array(4097) }, 'RAW over 4096 bytes');
  await refuses('ValidationException', { KeyId: p256, SigningAlgorithm: 'ECDSA_SHA_256', MessageType: 'RAW', Message: new Uint8Array(0) }, 'an empty message');
  await refuses('ValidationException', { KeyId: ed, SigningAlgorithm: 'ED25519_SHA_512', MessageType: 'DIGEST', Message: sha('sha512') }, 'pure Ed25519 over a DIGEST');
  await refuses('ValidationException', { KeyId: ed, SigningAlgorithm: 'ED25519_PH_SHA_512', MessageType: 'RAW', Message: message }, 'Ed25519ph over a RAW message');
  await refuses('ValidationException', { KeyId: ml, SigningAlgorithm: 'ML_DSA_SHAKE_256', MessageType: 'DIGEST', Message: sha('sha512') }, 'ML-DSA over a DIGEST');
  await refuses('ValidationException', { KeyId: ml, SigningAlgorithm: 'ML_DSA_SHAKE_256', MessageType: 'EXTERNAL_MU', Message: new Uint8Array(32) }, 'a μ of 32 bytes');
  await refuses('ValidationException', { KeyId: p256, SigningAlgorithm: 'ECDSA_SHA_256', MessageType: 'EXTERNAL_MU', Message: new Uint8Array(64) }, 'EXTERNAL_MU with ECDSA');
  await refuses('ValidationException', { KeyId: p256, SigningAlgorithm: 'ECDSA_SHA_256', MessageType: 'PREHASHED', Message: sha('sha256') }, 'an unknown message type');
  await refuses('InvalidKeyUsageException', { KeyId: p256, SigningAlgorithm: 'ECDSA_SHA_384', MessageType: 'RAW', Message: message }, 'an algorithm the key spec lacks');
  await refuses('InvalidKeyUsageException', { KeyId: ed, SigningAlgorithm: 'ECDSA_SHA_512', MessageType: 'RAW', Message: message }, 'ECDSA with an Ed25519 key');
  await refuses('InvalidKeyUsageException', { KeyId: 'alias/demo', SigningAlgorithm: 'ECDSA_SHA_256', MessageType: 'RAW', Message: message }, 'a symmetric ENCRYPT_DECRYPT key');
});

test('Ed25519 and ML-DSA keys persist in the key file and sign the same after a restart', async (t) => {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'edge-kms-devkms-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'keys.json');
  const specs = ['ECC_NIST_EDWARDS25519', 'ML_DSA_44'];
  const first = await createDevKms({ file, aliases: [], signingKeys: specs, encryptionKeys: [] });
  const pubs = [];
  for (const s of specs) pubs.push((await first.call('GetPublicKey', { KeyId: signingAlias(s) })).PublicKey);
  await first.flush();
  const second = await createDevKms({ file, aliases: [], signingKeys: specs, encryptionKeys: [] });
  for (const [i, s] of specs.entries()) {
    const again = (await second.call('GetPublicKey', { KeyId: signingAlias(s) })).PublicKey;
    assert.deepEqual(again, pubs[i], s);
    const alg = s === 'ML_DSA_44' ? 'ML_DSA_SHAKE_256' : 'ED25519_SHA_512';
    const { Signature } = await second.call('Sign', { KeyId: signingAlias(s), SigningAlgorithm: alg, MessageType: 'RAW', Message: message });
    assert.equal(await verifyKmsSignature({ publicKey: pubs[i], signingAlgorithm: alg, message, signature: Signature }), true, s);
  }
});
