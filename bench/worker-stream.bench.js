// Streams in a Cloudflare Worker (workerd, through Miniflare): encryptStream of
// 16 MiB in 64 KiB chunks, default (signed) suite against the unsigned one, and
// beside them WebCrypto hashing the same 16 MiB once (SHA-384, the hashing a
// signed stream adds) and WebCrypto's AES-256-GCM of it in one call. workerd
// freezes timers while a request runs, so each request is timed from Node, wall
// clock, median of the rounds (interleaved); the first round warms up.
// Optionally the same Worker built from another package, for before/after:
//   node bench/worker-stream.bench.js [path/to/other/pkg] [rounds]
import * as esbuild from 'esbuild';
import { Miniflare } from 'miniflare';
import { copyFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = resolve(ROOT, 'tests/artifacts/worker-stream-bench');
const other = process.argv[2] ? resolve(process.argv[2]) : undefined;
const ROUNDS = Number(process.argv[3] ?? 9);
const MiB = 1 << 20;

const WORKER = `import { EnvelopeClient, RawAesKeyring } from 'edge-kms';
const keyring = new RawAesKeyring({ keyNamespace: 'bench', keyName: 'k', wrappingKey: new Uint8Array(32).fill(7) });
const pt = new Uint8Array(${16 * MiB});
let filled = false;
async function seal(suite) {
  const ts = new EnvelopeClient({ keyring, suite }).encryptStream();
  const w = ts.writable.getWriter();
  const reading = (async () => { let n = 0; const r = ts.readable.getReader(); for (;;) { const { value, done } = await r.read(); if (done) return n; n += value.length; } })();
  for (let i = 0; i < pt.length; i += 65536) await w.write(pt.subarray(i, i + 65536));
  await w.close();
  return reading;
}
export default {
  async fetch(req) {
    if (!filled) { for (let i = 0; i < pt.length; i += 65536) crypto.getRandomValues(pt.subarray(i, i + 65536)); filled = true; }
    const what = new URL(req.url).pathname.slice(1);
    if (what === 'sha384') return new Response(String((await crypto.subtle.digest('SHA-384', pt)).byteLength));
    if (what === 'aes') {
      const key = await crypto.subtle.importKey('raw', new Uint8Array(32), 'AES-GCM', false, ['encrypt']);
      return new Response(String((await crypto.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, key, pt)).byteLength));
    }
    const suite = what === 'signed' ? 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384' : 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY';
    return new Response(String(await seal(suite)));
  },
};
`;

/** A Miniflare running the Worker above, bundled against `pkg` as wrangler would. @param {string} name @param {string | undefined} pkg */
async function worker(name, pkg) {
  const dir = resolve(OUT, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(resolve(dir, 'src.js'), WORKER);
  // Another build is found as a package, so its `exports` and their `workerd` condition decide, as for this one.
  rmSync(resolve(dir, 'node_modules'), { recursive: true, force: true });
  if (pkg) {
    mkdirSync(resolve(dir, 'node_modules'));
    symlinkSync(pkg, resolve(dir, 'node_modules/edge-kms'));
  }
  await esbuild.build({
    entryPoints: [resolve(dir, 'src.js')], bundle: true, format: 'esm', platform: 'neutral', logLevel: 'error',
    conditions: ['workerd', 'worker', 'browser'], outfile: resolve(dir, 'worker.js'), nodePaths: [resolve(ROOT, 'node_modules')],
    plugins: [{ name: 'wasm-module', setup(b) {
      b.onResolve({ filter: /\.wasm$/ }, (a) => {
        const src = resolve(a.resolveDir, a.path);
        copyFileSync(src, resolve(dir, basename(src)));
        return { path: `./${basename(src)}`, external: true };
      });
    } }],
  });
  return new Miniflare({ modules: true, scriptPath: resolve(dir, 'worker.js'), modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }], compatibilityDate: '2025-09-01' });
}

const workers = [['edge-kms', await worker('here')], ...(other ? [['other build', await worker('other', other)]] : [])];
const kinds = [...workers.flatMap(([label, mf]) => ['unsigned', 'signed'].map((k) => ({ label: `${label}: encryptStream, ${k} suite`, mf, path: k }))),
  { label: 'WebCrypto: SHA-384 of the 16 MiB, one call', mf: workers[0][1], path: 'sha384' },
  { label: 'WebCrypto: AES-256-GCM of the 16 MiB, one call', mf: workers[0][1], path: 'aes' }];
const times = kinds.map(() => []);
for (let r = 0; r < ROUNDS + 1; r++) {
  for (const [i, k] of kinds.entries()) {
    const t0 = performance.now();
    const res = await k.mf.dispatchFetch(`http://bench/${k.path}`);
    if (!res.ok) throw new Error(`${k.label}: ${res.status} ${await res.text()}`);
    await res.text();
    if (r > 0) times[i].push(performance.now() - t0);
  }
}
for (const [, mf] of workers) await mf.dispose();

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const ms = times.map(median);
console.log(`16 MiB in 64 KiB chunks, wall time per request from Node, median of ${ROUNDS} interleaved rounds`);
console.log('| what | ms | MiB/s |');
console.log('|---|---|---|');
for (const [i, k] of kinds.entries()) console.log(`| ${k.label} | ${ms[i].toFixed(1)} | ${(16 / (ms[i] / 1000)).toFixed(0)} |`);
for (const [w, [label]] of workers.entries()) {
  const [unsigned, signed] = [ms[2 * w], ms[2 * w + 1]];
  console.log(`${label}: signed / unsigned throughput ${(unsigned / signed).toFixed(2)}×; what signing adds ${(signed - unsigned).toFixed(1)} ms against WebCrypto's SHA-384 of the same bytes ${ms[2 * workers.length].toFixed(1)} ms (${((signed - unsigned) / ms[2 * workers.length]).toFixed(2)}×)`);
}
if (other) console.log(`signed stream, edge-kms against the other build: ${(ms[3] / ms[1]).toFixed(2)}× the throughput`);
