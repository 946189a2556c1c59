// From an adversarial review of d581105 (2026-12-02; this one held): a stack overflow in the glue's JS between copying an argument into
// the module and the wasm call (or between the call and freeing its output)
// unwinds through the glue's `finally`, which restores the shadow-stack
// pointer: #checkStack sees a balanced stack, nothing restarts, and the
// buffer holding the caller's plaintext is never freed, so ZeroAlloc never
// wipes it. It stays in the module's memory for good.
import { test } from 'node:test';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import v8 from 'node:v8';
import vm from 'node:vm';

async function scenario() {
  const { EnvelopeClient } = await import('../../pkg/entry-node.js');
  const envelopeGlue = await import('../../pkg/wasm/envelope.js');
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  const ring = {
    isKmsKeyring: true, keyId: 'k',
    async generateDataKey() { return { keyId: 'k', plaintext: new Uint8Array(32).fill(7), ciphertextBlob: new Uint8Array(3) }; },
    async decryptDataKey() { return { keyId: 'k', plaintext: new Uint8Array(32).fill(7) }; },
  };
  const client = new EnvelopeClient({ keyring: ring, suite: 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY', engine: 'wasm', frameLength: 128 });
  const x = () => envelopeGlue.initSync();
  const N = Number(process.env.N || 1200);
  let streams = [];
  for (let i = 0; i < N; i++) {
    const ts = client.encryptStream();
    const w = ts.writable.getWriter();
    const reader = ts.readable.getReader();
    const pump = (async () => { for (;;) { if ((await reader.read()).done) break; } })().catch(() => {});
    await w.write(new Uint8Array(10));
    streams.push({ w, pump });
  }
  await new Promise((r) => setTimeout(r, 10));
  const top = x().__wbindgen_add_to_stack_pointer(0);
  const find = (s) => Buffer.from(x().memory.buffer).indexOf(s.subarray(500, 532)) !== -1;
  let write;
  let maxd = 0;
  const pads = Array.from({ length: 24 }, (_, n) => new Function('w', ...Array.from({ length: n }, (_, j) => `a${j}`), 'return w() + 0;'));
  let pad = 0;
  function g(d, target) { maxd = d; if (d < target) return g(d + 1, target) + 1; return pads[pad](write, ...new Array(pad).fill(0)); }
  function depth() { maxd = 0; try { g(0, Infinity); } catch {} return maxd; }
  const log = [];
  const outs = {};
  const rej = {};
  let hit;
  for (let i = 0; i < N && !hit; i++) {
    const secret = randomBytes(1000);
    const s = streams[i];
    let outcome;
    write = () => { try { s.w.write(secret).catch((e) => { const m = `${e?.code}:${e?.message}:${e?.cause?.message ?? ''}`.slice(0, 90); rej[m] = (rej[m] ?? 0) + 1; }); outcome = 'called'; } catch (e) { outcome = e; } return 0; };
    const D = depth();
    const k = Number(process.env.K0 || 300) + Math.floor(i / 24) * Number(process.env.STEP || 1); pad = i % 24;
    try { g(0, D - k); } catch (e) { outcome = outcome ?? e; }
    const sp = x().__wbindgen_add_to_stack_pointer(0);
    const there = find(secret);
    if (there && sp === top) hit = { i, k, secret };
    if (sp !== top || there) log.push({ i, k, sp, there });
    outs[String(outcome).slice(0, 40)] = (outs[String(outcome).slice(0, 40)] ?? 0) + 1;
  }
  const right = { hit: hit && { i: hit.i, k: hit.k }, log: log.slice(-8), outs, rej };
  const mem0 = x().memory.buffer;
  // Close everything, collect, and run ordinary calls: each outermost call checks the stack.
  await Promise.all(streams.map(async (s) => { try { await Promise.race([s.w.close(), new Promise((ok) => setTimeout(ok, 2000))]); } catch {} }));
  streams = [];
  for (let k = 0; k < 5; k++) { gc(); await new Promise((r) => setTimeout(r, 30)); }
  for (let k = 0; k < 20; k++) await client.decrypt(await client.encrypt(randomBytes(3000)));
  const after = { sp: x().__wbindgen_add_to_stack_pointer(0), left: hit && find(hit.secret) ? [hit.i] : [], restarted: x().memory.buffer !== mem0 };
  return { top, right, after };
}

if (process.env.REVIEW2_CHILD === '1') {
  process.on('unhandledRejection', () => {});
  const r = await scenario();
  process.stdout.write(`\n${JSON.stringify(r)}\n`);
} else {
  test('stack overflow between the glue copying plaintext in and the wasm call: not detected, plaintext never wiped', async (t) => {
    let hit;
    for (let run = 0; run < 4 && !hit; run++) {
      const { stdout } = await promisify(execFile)(process.execPath, [fileURLToPath(import.meta.url)], { env: { ...process.env, REVIEW2_CHILD: '1' }, maxBuffer: 16 << 20, timeout: 170_000 });
      const r = JSON.parse(stdout.trim().split('\n').at(-1));
      t.diagnostic(JSON.stringify(r));
      if (r.after.left.length) hit = r;
    }
    assert.equal(hit, undefined, 'plaintext chunks survive in the envelope memory with the stack balanced and the module never restarted');
  });
}
