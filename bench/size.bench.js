// Size per page (issue 10) and cold start, beside the goals and the peers of
// the same run.
//
// Size: each page type of the goal table is a few-line page (bench/lib/
// size-pages/) bundled with esbuild as a web developer would, run in Chromium,
// and counted by what it actually fetched (JS + wasm, gzip -9 and brotli per
// file as a server would send them), beside the page of a peer library doing
// the same job, bundled and run the same way.
// Cold start: fresh Node processes (median), import → ready and import →
// first seal, beside Node's own floor for the same script shape.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { PAGES, PEERS, ROOT, moduleSize, gz, br, kib, wasmFiles } from './lib/size-pages/pages.js';
import { startMeasuring } from './lib/size-pages/measure.js';

const OUT = join(ROOT, 'tests/artifacts/size-bench');
mkdirSync(OUT, { recursive: true });
const { measure, measureDocsPage, close } = await startMeasuring(OUT);

console.log(`## Size per page (issue 10): what a bundled page fetches (esbuild --bundle --minify, Chromium), gzip -9 as served`);
console.log();
console.log('| page | edge-kms: JS + wasm gzip | brotli | wasm modules fetched | goal | peer (same job, same run) | edge-kms / peer |');
console.log('|---|---|---|---|---|---|---|');
const results = {};
for (const page of PAGES) {
  const m = await measure(page.id);
  results[page.id] = m;
  const peers = [];
  for (const p of page.peers) {
    const pm = await measure(p);
    peers.push(`${PEERS[p]}: ${kib(pm.gzip)} KiB`);
    peers.ratio = `${peers.ratio ? `${peers.ratio}, ` : ''}${(m.gzip / pm.gzip).toFixed(1)}×`;
  }
  const mods = m.modules.map((n) => `${n} ${kib(moduleSize(n).gzip)}`).join(' + ');
  const ok = m.gzip <= page.goalKiB * 1024 ? '✓' : '✗';
  console.log(`| ${page.title} | **${kib(m.gzip)} KiB** (JS ${kib(m.jsGzip)}) | ${kib(m.brotli)} KiB | ${mods} | ≤ ${page.goalKiB} KiB ${ok} | ${peers.join('; ') || '— (no peer does this)'} | ${peers.ratio ?? '—'} |`);
  if (m.reached.join() !== m.modules.join()) console.log(`|   (the bundle also names ${m.reached.filter((n) => !m.modules.includes(n)).join(', ')}, not fetched) | | | | | | |`);
}
const docs = await measureDocsPage();
console.log(`| the docs page itself (www/ as the repository serves it: unbundled, HTML + CSS + JS + wasm, until ready, playground closed) | **${kib(docs.gzip)} KiB** (wasm ${kib(docs.wasmGzip)}, ${docs.files} files) | ${kib(docs.brotli)} KiB | ${docs.modules.join(' + ')} | ≤ 100 KiB ${docs.gzip <= 100 * 1024 ? '✓' : '✗'} | — | — |`);
console.log();
console.log('Modules (pkg/wasm):', wasmFiles().map((f) => {
  const s = moduleSize(f.replace(/_bg\.wasm$/, ''));
  return `${f} ${s.raw} B raw, ${s.gzip} B gzip, ${s.brotli} B brotli`;
}).join('; '));
await close();

// The Worker of the bundler tests (tests/bundlers/wrangler: the three pages'
// calls) as `wrangler deploy --dry-run` bundles it: workerd imports every
// module statically, so a Worker carries them all.
const workerDir = join(OUT, 'worker');
rmSync(workerDir, { recursive: true, force: true });
cpSync(join(ROOT, 'tests/bundlers/pages'), workerDir, { recursive: true });
cpSync(join(ROOT, 'tests/bundlers/wrangler'), workerDir, { recursive: true });
execFileSync(process.execPath, [join(ROOT, 'node_modules/wrangler/bin/wrangler.js'), 'deploy', '--dry-run', '--outdir', 'dist', '-c', 'wrangler.toml'],
  { cwd: workerDir, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_LOG_PATH: join(workerDir, 'logs') }, stdio: 'ignore' });
const workerFiles = readdirSync(join(workerDir, 'dist')).filter((f) => /\.(js|wasm)$/.test(f)).map((f) => readFileSync(join(workerDir, 'dist', f)));
const wsum = (f) => workerFiles.reduce((n, b) => n + f(b), 0);
console.log();
console.log(`Worker (wrangler deploy --dry-run of tests/bundlers/wrangler, every module): ${kib(wsum((b) => b.length))} KiB raw, ` +
  `**${kib(wsum(gz))} KiB gzip**, ${kib(wsum(br))} KiB brotli (${workerFiles.length} files; issue 10 measured 860 KiB / 329 KiB gzip for the single module)`);

// The Worker's start-up in workerd (Miniflare: a fresh workerd per sample),
// beside a trivial Worker started the same way in the same run: `ready`
// (process start, every module compiled, the top level run) and the first
// request (seal + open 1 KiB with RawAesKeyring, the default suite).
const trivialDir = join(OUT, 'worker-trivial');
mkdirSync(trivialDir, { recursive: true });
writeFileSync(join(trivialDir, 'worker.js'), "export default { fetch: () => new Response('{}') };\n");
const { Miniflare } = await import('miniflare');
const sealInput = JSON.stringify({ wrappingKey: Buffer.alloc(32, 7).toString('base64'), text: 'x'.repeat(1024) });
const startup = { edge: { ready: [], first: [] }, trivial: { ready: [], first: [] } };
for (let i = 0; i < 7; i++) {
  for (const [k, script] of [['edge', join(workerDir, 'dist/worker.js')], ['trivial', join(trivialDir, 'worker.js')]]) {
    const t0 = performance.now();
    const mf = new Miniflare({ modules: true, scriptPath: script, modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }], compatibilityDate: '2025-09-01' });
    await mf.ready;
    const t1 = performance.now();
    const res = await mf.dispatchFetch('http://localhost/seal', { method: 'POST', body: sealInput });
    const body = await res.json();
    const t2 = performance.now();
    await mf.dispose();
    if (k === 'edge' && !body.ok) throw new Error(`Worker seal failed: ${JSON.stringify(body)}`);
    startup[k].ready.push(t1 - t0);
    startup[k].first.push(t2 - t1);
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`Worker start-up in workerd (Miniflare ${(await import('miniflare/package.json', { with: { type: 'json' } })).default.version}, fresh workerd per sample, median of 7): ` +
  `ready ${med(startup.edge.ready).toFixed(0)} ms against ${med(startup.trivial.ready).toFixed(0)} ms for a trivial Worker (+${(med(startup.edge.ready) - med(startup.trivial.ready)).toFixed(0)} ms); ` +
  `first request (seal + open 1 KiB, default suite) ${med(startup.edge.first).toFixed(1)} ms against ${med(startup.trivial.first).toFixed(1)} ms for the trivial Worker's empty answer`);

// Cold start: each sample a fresh `node --input-type=module -e`, timed inside
// the process from before the first import; the kinds interleaved so load
// drifts hit them alike.
const floorFile = join(OUT, 'trivial.mjs');
writeFileSync(floorFile, 'export const x = 1;\n');
const scripts = {
  floor: `const t0 = performance.now(); await import(${JSON.stringify(`file://${floorFile}`)}); crypto.getRandomValues(new Uint8Array(16)); console.log(performance.now() - t0);`,
  import: `const t0 = performance.now(); await import('edge-kms'); console.log(performance.now() - t0);`,
  ready: `const t0 = performance.now(); const m = await import('edge-kms'); await m.init(); console.log(performance.now() - t0);`,
  seal: `const t0 = performance.now(); const { EnvelopeClient, RawAesKeyring } = await import('edge-kms');
    const c = new EnvelopeClient({ keyring: new RawAesKeyring({ keyNamespace: 'a', keyName: 'b', wrappingKey: new Uint8Array(32).fill(7) }) });
    await c.encrypt(new Uint8Array(1024)); console.log(performance.now() - t0);`,
  sealUnsigned: `const t0 = performance.now(); const { EnvelopeClient, RawAesKeyring } = await import('edge-kms');
    const c = new EnvelopeClient({ keyring: new RawAesKeyring({ keyNamespace: 'a', keyName: 'b', wrappingKey: new Uint8Array(32).fill(7) }), suite: 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY' });
    await c.encrypt(new Uint8Array(1024)); console.log(performance.now() - t0);`,
};
const N = 15;
const samples = Object.fromEntries(Object.keys(scripts).map((k) => [k, []]));
for (let i = 0; i < N; i++) {
  for (const [k, code] of Object.entries(scripts)) {
    samples[k].push(Number(execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8' }).trim()));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const floor = median(samples.floor);
console.log();
console.log(`## Cold start in Node ${process.version} (fresh process per sample, median of ${N}; timed from before the first import; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${(await import('node:os')).availableParallelism()} cores)`);
console.log();
console.log('| what | ms | above the floor | × floor | goal |');
console.log('|---|---|---|---|---|');
const row = (label, k, goal = '') => {
  const v = median(samples[k]);
  console.log(`| ${label} | ${v.toFixed(1)} | ${(v - floor).toFixed(1)} | ${(v / floor).toFixed(2)}× | ${goal} |`);
};
console.log(`| Node's floor: import a one-line ESM file + one crypto.getRandomValues | ${floor.toFixed(1)} | — | 1.00× | |`);
row('`import(\'edge-kms\')`', 'import');
row('import → ready (`await init()`: every module)', 'ready');
row('import → first seal, 1 KiB, RawAesKeyring, default suite (0x0578)', 'seal', `≤ 5 ms ${median(samples.seal) <= 5 ? '✓' : '✗'}`);
row('import → first seal, 1 KiB, unsigned suite (0x0478)', 'sealUnsigned');
