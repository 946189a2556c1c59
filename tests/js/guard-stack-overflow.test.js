// Regression test from an adversarial review (2026-12-02) of the
// trap-restart guard (core.js). Found then: it restarted a module only for a
// `WebAssembly.RuntimeError`, but V8 reports a stack overflow inside wasm as
// a `RangeError` ("Maximum call stack size exceeded"), which unwinds the Rust
// frames exactly as a trap does: no Drop runs (the glue's buffer holding the
// caller's plaintext is never freed, so ZeroAlloc never wipes it), the
// shadow-stack pointer is never restored, and whatever the core was in the
// middle of (the allocator, a RefCell borrow) is left half done. Now the
// next outermost call finds the pointer off its top and restarts the module
// (its old memory zeroed) before it runs.
//
// A stream's transform runs the core synchronously on the caller's stack
// (WritableStreamDefaultWriter.write → transform → sealer.update when a read
// is pending), so a caller that writes from deep in its own recursion reaches
// this. Here: 1500 open encryptStreams, each written once from successive
// depths near the stack limit. The RangeErrors thrown at the limit in the
// caller's own recursion (in JS, before or after the module ran) reach it as
// they are: that is the caller's stack, not a fault of the module's.
import { test } from 'node:test';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import v8 from 'node:v8';
import vm from 'node:vm';
import { EnvelopeClient, EdgeKmsError } from '../../pkg/entry-node.js';
import * as envelopeGlue from '../../pkg/wasm/envelope.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const UNSIGNED = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY';
const ring = {
  isKmsKeyring: true, keyId: 'k',
  async generateDataKey() { return { keyId: 'k', plaintext: new Uint8Array(32).fill(7), ciphertextBlob: new Uint8Array(3) }; },
  async decryptDataKey() { return { keyId: 'k', plaintext: new Uint8Array(32).fill(7) }; },
};
const client = new EnvelopeClient({ keyring: ring, suite: UNSIGNED, engine: 'wasm', frameLength: 128 });
const sp = () => envelopeGlue.initSync().__wbindgen_add_to_stack_pointer(0);

/** `p` settled, or 'TIMEOUT' (a stream whose own machinery overflowed can leave a promise pending forever). */
const within = (p, ms = 1000) => Promise.race([p, new Promise((r) => setTimeout(() => r('TIMEOUT'), ms))]);

async function openStream() {
  const ts = client.encryptStream();
  const w = ts.writable.getWriter();
  const reader = ts.readable.getReader();
  const pump = (async () => { for (;;) { if ((await reader.read()).done) break; } })().catch(() => {});
  await w.write(new Uint8Array(10)); // started, and a read is pending: the next write transforms synchronously
  return { w, pump };
}

/** The attack, in a child process (at the stack limit Node's own stream machinery loses track of which rejections were handled). */
async function scenario(t) {
  const N = 1500;
  let streams = [];
  for (let i = 0; i < N; i++) streams.push(await openStream());
  await new Promise((r) => setTimeout(r, 10));
  const spBefore = sp();
  const secrets = streams.map(() => randomBytes(1000));
  let res = new Array(N).fill(undefined);
  const sps = new Array(N).fill(0);
  const add = envelopeGlue.initSync().__wbindgen_add_to_stack_pointer;
  let attempts = 0;
  function rec() {
    try { rec(); } catch { /* the stack limit */ }
    if (attempts < N) {
      const i = attempts++;
      try { res[i] = streams[i].w.write(secrets[i]); } catch (e) { res[i] = e; }
      try { sps[i] = add(0); } catch { sps[i] = -1; }
    }
  }
  rec();
  const outcome = await Promise.all(res.map(async (r) => {
    try { if (r instanceof Error) throw r; return (await within(r)) === 'TIMEOUT' ? 'TIMEOUT' : 'ok'; } catch (e) { return e; }
  }));
  const leakedAt = [];
  { let prev = spBefore; for (let i = 0; i < N; i++) if (sps[i] > 0) { if (sps[i] < prev) leakedAt.push(i); prev = sps[i]; } }
  const memoryBefore = envelopeGlue.initSync().memory.buffer;
  const closeErrors = new Map();
  await Promise.all(streams.map(async (s) => {
    try { await within(s.w.close(), 3000); } catch (e) { const k = `${e?.code}:${e?.cause ?? e?.message}`.slice(0, 90); closeErrors.set(k, (closeErrors.get(k) ?? 0) + 1); }
    await within(s.pump, 3000);
  }));
  const restartedByClose = envelopeGlue.initSync().memory.buffer !== memoryBefore;
  t.diagnostic(`closing the streams: ${JSON.stringify([...closeErrors])}; module restarted meanwhile: ${restartedByClose}`);
  streams = []; res = [];
  for (let k = 0; k < 5; k++) { gc(); await new Promise((r) => setTimeout(r, 30)); }
  // ordinary calls afterwards (they would reuse any freed block)
  for (let k = 0; k < 20; k++) {
    try { await client.decrypt(await client.encrypt(randomBytes(3000))); } catch (e) { t.diagnostic(`round trip ${k}: ${e.code} ${e.message} ${e.cause ?? ''}`); }
  }
  const heap = Buffer.from(envelopeGlue.initSync().memory.buffer);
  const left = [];
  for (let i = 0; i < N; i++) if (heap.indexOf(secrets[i].subarray(500, 532)) !== -1) left.push(i);
  const stackLimit = (o) => o instanceof RangeError && /call stack/i.test(o.message);
  const uncoded = outcome.filter((o) => o !== 'ok' && o !== 'TIMEOUT' && !(o instanceof EdgeKmsError) && !stackLimit(o));
  t.diagnostic(`attempts ${N}: ok ${outcome.filter((o) => o === 'ok').length}, never settled ${outcome.filter((o) => o === 'TIMEOUT').length}, failed ${outcome.filter((o) => o !== 'ok').length} ` +
    `(uncoded: ${uncoded.length}, e.g. ${uncoded[0]}); shadow stack pointer left lower by attempts ${JSON.stringify(leakedAt)}; ` +
    `sp before ${spBefore}, now ${sp()}; plaintext chunks still in wasm memory: ${JSON.stringify(left)}`);
  return { leakedAt, left, spNow: sp(), spBefore, uncoded: uncoded.map(String).slice(0, 1) };
}

if (process.env.EDGE_KMS_OVERFLOW_CHILD === '1') {
  const diagnostics = [];
  const unhandled = [];
  process.on('unhandledRejection', (e) => { unhandled.push(e instanceof EdgeKmsError ? e.code : String(e)); });
  const r = await scenario({ diagnostic: (m) => diagnostics.push(m) });
  await new Promise((ok) => setTimeout(ok, 200));
  process.stdout.write(`\n${JSON.stringify({ ...r, diagnostics, unhandled: [...new Set(unhandled)] })}\n`);
} else {
  test('a stack overflow inside the envelope module during a stream write: the module is restarted, nothing is left in its memory, and the errors are coded', async (t) => {
    const { stdout } = await promisify(execFile)(process.execPath, [fileURLToPath(import.meta.url)], { env: { ...process.env, EDGE_KMS_OVERFLOW_CHILD: '1' }, maxBuffer: 16 << 20, timeout: 170_000 });
    const r = JSON.parse(stdout.trim().split('\n').at(-1));
    for (const d of r.diagnostics) t.diagnostic(d);
    t.diagnostic(`rejections unhandled at the stack limit (Node's stream internals): ${JSON.stringify(r.unhandled)}`);
    assert.ok(r.leakedAt.length > 0 || r.left.length === 0, 'the attack did not reach an overflow inside wasm this run (inconclusive)');
    assert.deepEqual(r.left, [], 'plaintext written to a stream survives in the module memory after every stream closed, was collected, and 20 more round trips');
    assert.equal(r.spNow, r.spBefore, 'the shadow stack pointer stays leaked: the module was not restarted');
    assert.deepEqual(r.uncoded, [], 'an error escaped uncoded');
    assert.deepEqual(r.unhandled.filter((u) => !/^[A-Z_]+$/.test(u)), [], 'an unhandled rejection that is not a coded error');
  });
}
