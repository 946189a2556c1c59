// Regression test from an adversarial review of d581105 (2026-12-02). Found then: RawAesKeyring's keyNamespace/keyName (and RawRsaKeyring's, its
// padding, KmsRsaPublicKeyring's keyId) are plain writable fields, checked
// only in the constructor and read again whenever the module handle is made
// (first use, and after every restart). An object put there passes
// plainArgument unchanged and reaches wasm-bindgen's passStringToWasm0, which
// calls its length/charCodeAt/slice inside the guarded call: caller code runs
// mid-argument-passing with a block allocated, and a lying length makes the
// glue realloc to ~4 GiB: a trap, so the envelope module every tenant shares is
// restarted on demand (every stream and operation in flight fails). Now the
// fields are read-only, and core.js clones any non-array object argument to
// plain data before the glue sees it (a function inside refuses the clone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { EnvelopeClient, RawAesKeyring, init } from '../../pkg/entry-node.js';
import * as envelopeGlue from '../../pkg/wasm/envelope.js';

const SUITE = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY';

test('RawAesKeyring.keyName rewritten to an object: caller code inside the module call, and a restart on demand', async (t) => {
  await init(['envelope']);
  const victimRing = new RawAesKeyring({ keyNamespace: 'v', keyName: 'k', wrappingKey: randomBytes(32) });
  const victim = new EnvelopeClient({ keyring: victimRing, suite: SUITE, engine: 'wasm', frameLength: 1024 });
  const ts = victim.encryptStream();
  const w = ts.writable.getWriter();
  const out = [];
  const pump = (async () => { for await (const c of ts.readable) out.push(c); })().catch((e) => e);
  await w.write(randomBytes(2000));

  const ring = new RawAesKeyring({ keyNamespace: 'a', keyName: 'k', wrappingKey: randomBytes(32) });
  const calls = [];
  const hostile = {
    n: 0,
    get length() { calls.push('length'); return this.n++ === 0 ? 4 : Number(process.env.REVIEW2_LEN || 1e9); }, // REVIEW2_LEN=-1000: the call never returns (>60 s, event loop blocked)
    charCodeAt(i) { calls.push(`charCodeAt(${i})`); return 0x263A; },
    toString: () => 'x',
  };
  // The field is read-only now (it is read again whenever the handle is made):
  // writing it throws, and redefining it too.
  assert.throws(() => { ring.keyName = hostile; }, TypeError);
  assert.throws(() => Object.defineProperty(ring, 'keyName', { value: hostile }), TypeError);
  assert.equal(ring.keyName, 'k');
  // And such an object reaching the glue anyway (a string argument) is cloned to plain data, or refused, before it.
  const b = await (await import('../../pkg/modules/envelope.js')).core();
  const e = (() => { try { b.CoreKeyring.rawAes('a', hostile, randomBytes(32)); return undefined; } catch (x) { return x; } })();
  assert.equal(e?.code, 'INVALID_ARGUMENT', `a hostile string-like argument: ${e}`);
  calls.length = 0; // the clone read its getters then, before the module ran
  const mem0 = envelopeGlue.initSync().memory.buffer;
  const r = await new EnvelopeClient({ keyring: ring, suite: SUITE }).encrypt(randomBytes(10)).then(() => 'ok', (e) => `${e.code}: ${e.message}`);
  const restarted = envelopeGlue.initSync().memory.buffer !== mem0;
  const v = await w.write(randomBytes(2000)).then(() => 'ok', (e) => `${e.code}: ${e.message}`);
  t.diagnostic(`caller code run by the glue: ${calls.join(', ')}; attacker's encrypt: ${r}; envelope restarted: ${restarted}; victim's in-flight stream: ${v}`);
  assert.deepEqual(calls, [], 'caller code ran inside a guarded call into the envelope module');
  assert.equal(restarted, false, "a caller restarted the shared envelope module on demand");
});
