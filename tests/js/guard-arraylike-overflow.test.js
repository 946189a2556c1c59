// Regression test from an adversarial review of d581105 (2026-12-02). Found
// then: plainArgument left array-likes that are not Arrays unchanged, and
// keyrings read caller-writable public fields when they (re)make their module
// handle. KmsRsaPublicKeyring's `_public` (writable, only non-enumerable) set
// to an array-like whose `length` answers differently on each read reaches
// the glue's passArray8ToWasm0: malloc(first length), then
// Uint8Array.prototype.set(obj, ptr) reads `length` again and writes that many
// caller-chosen bytes from ptr on: past the block, over the rsa module's heap,
// where every tenant's RSA keyrings (private keys included) live. Now the
// key is a private field, and core.js clones any other object argument to
// plain data (a Proxy cannot be cloned: INVALID_ARGUMENT) before the glue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { EnvelopeClient, KmsRsaPublicKeyring, RawRsaKeyring, EdgeKmsError } from '../../pkg/entry-node.js';
import * as rsaGlue from '../../pkg/wasm/rsa.js';

const SUITE = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY';
const ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

test('KmsRsaPublicKeyring._public as a lying array-like overflows the rsa module heap', async (t) => {
  // A victim tenant's RSA keyring, live in the rsa module.
  const victimPair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const victim = new RawRsaKeyring({ keyNamespace: 'victim', keyName: 'k', publicKey: victimPair.publicKey.export({ type: 'spki', format: 'pem' }), privateKey: victimPair.privateKey.export({ type: 'pkcs8', format: 'pem' }) });
  const vc = new EnvelopeClient({ keyring: victim, suite: SUITE });
  const pt = randomBytes(100);
  const m1 = await vc.encrypt(pt);
  assert.deepEqual(Buffer.from((await vc.decrypt(m1)).plaintext), pt);

  // The attacker's own keyring.
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  // A KmsRsaPublicKeyring is frozen since 2026-12-04 (nothing can be set on it); an instance
  // of a subclass is not, so the caller can still write the field the keyring once read.
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  assert.throws(() => { /** @type {any} */ (new KmsRsaPublicKeyring({ keyId: ARN, publicKey: spki }))._public = []; }, TypeError);
  const ring = new (class extends KmsRsaPublicKeyring {})({ keyId: ARN, publicKey: spki });
  const mem = () => new Uint8Array(rsaGlue.initSync().memory.buffer);
  const before = mem().reduce((n, b) => n + (b === 0xA5), 0);
  let reads = 0;
  const SPAN = Number(process.env.SPAN || 2048);
  const evil = new Proxy({}, {
    get(_, p) {
      if (p === 'length') { reads++; return reads === 2 ? SPAN : 8; }
      if (typeof p === 'string' && /^\d+$/.test(p)) return 0xA5;
      return undefined;
    },
  });
  ring._public = evil;
  const ac = new EnvelopeClient({ keyring: ring, suite: SUITE });
  const r = await ac.encrypt(randomBytes(10)).then(() => 'ok', (e) => e);
  const after = mem().reduce((n, b) => n + (b === 0xA5), 0);
  t.diagnostic(`length read ${reads} times; attacker encrypt: ${r instanceof EdgeKmsError ? r.code + " " + r.message + " cause " + (r.cause?.stack ?? r.cause) : r}; 0xA5 bytes in rsa memory ${before} -> ${after}`);
  const v = await vc.decrypt(m1).then((x) => Buffer.from(x.plaintext).equals(pt) ? 'ok' : 'WRONG', (e) => `${e.code}: ${e.message}`);
  t.diagnostic(`victim decrypt after: ${v}`);
  assert.ok(after - before < 1024, `the glue wrote ${after - before} caller-chosen bytes into the rsa module's memory past an 8-byte block`);
  assert.equal(v, 'ok');
  // The same value given to the module directly: refused before the glue reads it.
  const b = await (await import('../../pkg/modules/rsa.js')).core();
  reads = 0;
  assert.throws(() => b.RsaKeyring.kmsRsaPublic(ARN, evil), (e) => e instanceof EdgeKmsError && e.code === 'INVALID_ARGUMENT');
  // An array-like that is plain data (a getter read once) arrives as its snapshot: no overflow either.
  let n = 0;
  const lying = { get length() { return n++ === 0 ? 8 : SPAN; } };
  const before2 = mem().reduce((k, x) => k + (x === 0xA5), 0);
  try { b.RsaKeyring.kmsRsaPublic(ARN, Object.assign(lying, Object.fromEntries(Array.from({ length: SPAN }, (_, i) => [i, 0xA5])))); } catch { /* not a key */ }
  assert.ok(mem().reduce((k, x) => k + (x === 0xA5), 0) - before2 < 1024, 'a getter length read more than once');
});
