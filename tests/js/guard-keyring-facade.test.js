// Regression tests from an adversarial review (2026-12-02) of how the shim
// hands a wasm module's bindings around. Found: a local keyring's core handle
// was fetched with `k[local](b)`, so a caller's Proxy of a RawAesKeyring
// (which passed `instanceof`) was handed the module's facade, whose
// `initSync` gave the whole memory (another client's wrapping key) and whose
// `__wbg_reset_state` put the module out of step with core.js for good. Now
// keyrings are recognised by a private-field brand (a Proxy has none), their
// handle and maker are private, and the facade has no `initSync`, `default`
// or `__` members. And a handle's staleness was read from its writable
// `__wbg_inst`: it is now kept by identity in core.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { EnvelopeClient, MultiKeyring, RawAesKeyring, EdgeKmsError } from '../../pkg/entry-node.js';
import * as envelopeGlue from '../../pkg/wasm/envelope.js';
import { wasmModule } from '../../pkg/core.js';

const envelope = wasmModule('envelope', envelopeGlue, () => new URL('../../pkg/wasm/envelope_bg.wasm', import.meta.url));
const UNSIGNED = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY';
const code = (p) => Promise.resolve().then(p).then(() => 'accepted', (e) => (e instanceof EdgeKmsError ? e.code : `uncoded ${e}`));

/** A Proxy of a real keyring that reports anything a method of it is handed. */
function hostile(real, seen) {
  return new Proxy(real, {
    get(t, p) {
      const v = Reflect.get(t, p, t);
      if (typeof v === 'function') return (...a) => { seen.push(...a); return v.apply(t, a); };
      return v;
    },
  });
}

test('a Proxy of a RawAesKeyring is not a keyring: refused, alone or inside a MultiKeyring, and handed nothing', async () => {
  const victimKey = randomBytes(32);
  const victim = new EnvelopeClient({ keyring: new RawAesKeyring({ keyNamespace: 'ns', keyName: 'victim', wrappingKey: victimKey }), suite: UNSIGNED });
  await victim.encrypt('v');
  const seen = [];
  const proxy = hostile(new RawAesKeyring({ keyNamespace: 'ns', keyName: 'mine', wrappingKey: new Uint8Array(32).fill(1) }), seen);
  assert.equal(await code(() => new EnvelopeClient({ keyring: proxy, suite: UNSIGNED })), 'INVALID_ARGUMENT');
  assert.equal(await code(() => new MultiKeyring({ generator: proxy })), 'INVALID_ARGUMENT');
  // A Proxy of a genuine MultiKeyring whose generator reads as the hostile keyring.
  const multi = new Proxy(new MultiKeyring({ generator: new RawAesKeyring({ keyNamespace: 'ns', keyName: 'g', wrappingKey: randomBytes(32) }) }), {
    get: (t, p) => (p === 'generator' ? proxy : Reflect.get(t, p, t)),
  });
  assert.equal(await code(() => new EnvelopeClient({ keyring: multi, suite: UNSIGNED }).encrypt('x')), 'INVALID_ARGUMENT');
  assert.deepEqual(seen.filter((v) => v !== null && typeof v === 'object'), [], 'no object reached a method of the Proxy');
});

test("a subclass of RawAesKeyring still works, and its methods are never handed the module's bindings", async () => {
  const handed = [];
  class Mine extends RawAesKeyring {
    _create(b) { handed.push(b); return undefined; }
  }
  const ring = new Mine({ keyNamespace: 'ns', keyName: 'sub', wrappingKey: randomBytes(32) });
  for (const s of Object.getOwnPropertySymbols(RawAesKeyring.prototype)) ring[s] = (b) => { handed.push(b); };
  const c = new EnvelopeClient({ keyring: ring, suite: UNSIGNED });
  assert.equal(new TextDecoder().decode((await c.decrypt(await c.encrypt('sub'))).plaintext), 'sub');
  assert.deepEqual(handed, []);
});

test('the bindings the shim uses have no initSync, default or wasm-bindgen internals', async () => {
  const b = await envelope.core();
  for (const name of ['initSync', 'default', '__wbg_reset_state']) assert.equal(name in b, false, name);
  assert.deepEqual(Object.keys(b).filter((k) => k.startsWith('__')), []);
});

test('a stale handle stays stale when its __wbg_inst is rewritten; a forged handle is refused before its pointer is read', async () => {
  const b = await envelope.core();
  const stale = b.CoreKeyring.rawAes('ns', 'old', new Uint8Array(32).fill(5));
  envelope.restart(new WebAssembly.RuntimeError('unreachable (simulated trap of another call)'));
  const b2 = await envelope.core();
  const fresh = b2.CoreKeyring.rawAes('ns', 'new', randomBytes(32));
  try { stale.__wbg_inst = fresh.__wbg_inst; } catch { /* not writable: also fine */ }
  const sealer = new b2.CoreSealer(UNSIGNED, 4096, [], [], randomBytes(64));
  await assert.rejects(async () => sealer.wrapWith(stale), (e) => e instanceof EdgeKmsError && e.code === 'INTERNAL' && e.retryable === true);
  // An object that claims the prototype and a pointer (here the live keyring's): not the glue's.
  const forged = Object.assign(Object.create(b2.CoreKeyring.prototype), { __wbg_ptr: fresh.__wbg_ptr, __wbg_inst: fresh.__wbg_inst });
  assert.throws(() => sealer.wrapWith(forged), (e) => e instanceof Error);
  const proxied = new Proxy(fresh, {});
  assert.throws(() => sealer.wrapWith(proxied), (e) => e instanceof Error);
  forged.free(); // frees nothing: not an object the glue made (it would free the live keyring's pointer)
  proxied.free();
  assert.equal(envelope.isStale(fresh), false);
  // The live keyring still works after all of that.
  sealer.wrapWith(fresh);
  sealer.free();
  fresh.free();
});
