// A stream cancelled (reader) or aborted (writer) while a step of its own is
// under way must leave every other operation alone: see ./stream-cancel/worker.js.
// The same cases in Node and in workerd (Miniflare, bundled as wrangler does).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { Miniflare } from 'miniflare';
import { abortsKms, duringFooter, duringKms } from './stream-cancel/worker.js';

const outdir = fileURLToPath(new URL('../artifacts/stream-cancel/', import.meta.url));
/** @type {Miniflare | undefined} */ let mf;
after(() => mf?.dispose());

async function workerd() {
  if (mf) return mf;
  await mkdir(outdir, { recursive: true });
  await esbuild.build({
    entryPoints: [fileURLToPath(new URL('./stream-cancel/worker.js', import.meta.url))],
    bundle: true, format: 'esm', platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], outdir, logLevel: 'error',
    plugins: [{ name: 'wasm-module', setup(b) {
      b.onResolve({ filter: /\.wasm$/ }, async (a) => {
        const src = resolve(a.resolveDir, a.path);
        await copyFile(src, resolve(outdir, basename(src)));
        return { path: `./${basename(src)}`, external: true };
      });
    } }],
  });
  mf = new Miniflare({ modules: true, scriptPath: resolve(outdir, 'worker.js'), modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }], compatibilityDate: '2025-09-01' });
  return mf;
}

const RUNTIMES = {
  node: { duringKms, duringFooter, abortsKms },
  workerd: Object.fromEntries(['duringKms', 'duringFooter', 'abortsKms'].map((run) => [run, async (/** @type {any} */ o) => (await (await workerd()).dispatchFetch('http://cancel/', { method: 'POST', body: JSON.stringify({ run, ...o }) })).json()])),
};

/** What the stopped stream's own side may see: ABORTED or the caller's reason, never INTERNAL. @param {any} r */
const ownSide = (r) => r === 'ok' || r === 'done' || typeof r === 'string' || (r?.code !== 'INTERNAL' && !/please report/.test(r?.message ?? ''));

for (const [runtime, run] of Object.entries(RUNTIMES)) {
  test(`${runtime}: a stream cancelled or aborted while it awaits KMS leaves the module, and other streams, alone`, async () => {
    for (const kind of ['decryptStream', 'reEncryptStream', 'encryptStream']) {
      for (const how of ['cancel', 'abort']) {
        const r = await run.duringKms({ kind, how });
        const label = `${kind} ${how}: ${JSON.stringify(r)}`;
        assert.equal(r.error, undefined, label);
        assert.equal(r.other, 'ok 20000', label);
        assert.equal(r.fresh, 'ok', label);
        assert.ok(ownSide(r.write) && ownSide(r.read), label);
      }
    }
  });

  test(`${runtime}: the reader's cancel, or the caller's signal, aborts the KMS call a stream awaits, so the stream ends`, async () => {
    for (const kind of ['decryptStream', 'reEncryptStream', 'encryptStream']) {
      for (const how of ['cancel', 'signal']) {
        const r = await run.abortsKms({ kind, how });
        const label = `${kind} ${how}: ${JSON.stringify(r)}`;
        assert.equal(r.error, undefined, label);
        assert.equal(r.asked, 1, label);
        assert.equal(r.aborted, true, label);
        assert.equal(r.fresh, 'ok', label);
        assert.ok(ownSide(r.write) && ownSide(r.read), label);
      }
    }
  });

  test(`${runtime}: a signed encryptStream cancelled while its last frames and footer are made leaves other streams alone`, async () => {
    for (const engine of ['auto', 'wasm']) {
      // Deterministic: the sink refuses the chunk holding the final frame (10,000 bytes of plaintext).
      const piped = await run.duringFooter({ engine, limit: 9000 });
      assert.equal(piped.error, undefined, JSON.stringify(piped));
      assert.deepEqual([piped.signed, piped.other], ['ok', 'ok 20000'], `${engine}, piped: ${JSON.stringify(piped)}`);
      assert.ok(ownSide(piped.write), JSON.stringify(piped));
      // A reader that cancels after its last body chunk, some microtasks later each time.
      const dry = await run.duringFooter({ engine });
      for (let wait = 0; wait <= 12; wait += 2) {
        const r = await run.duringFooter({ engine, cancelAt: dry.chunks - 1, wait });
        assert.deepEqual([r.signed, r.other], ['ok', 'ok 20000'], `${engine}, cancel after ${wait} microtasks: ${JSON.stringify(r)}`);
        assert.ok(ownSide(r.write), JSON.stringify(r));
      }
    }
  });
}
