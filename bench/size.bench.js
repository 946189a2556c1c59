// Size per page (issue 10) and cold start, beside the goals and the peers of
// the same run.
//
// Size: each page type of the goal table is a few-line page (bench/lib/
// size-pages/) bundled with esbuild as a web developer would, run in Chromium,
// and counted by what it actually fetched (JS + wasm, gzip -9 and brotli per
// file as a server would send them), beside the page of a peer library doing
// the same job, bundled and run the same way.
// Workers (bench/lib/startup/workers.js): the Worker bundles wrangler makes
// and their start-up in workerd, beside a trivial Worker.
// Cold start (bench/lib/startup/node.js): fresh Node processes, import →
// first seal and where its time goes, beside Node's own floor.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PAGES, PEERS, ROOT, moduleSize, gz, br, kib, wasmFiles } from './lib/size-pages/pages.js';
import { startMeasuring } from './lib/size-pages/measure.js';
import { measureWorkers } from './lib/startup/workers.js';
import { measureNodeColdStart } from './lib/startup/node.js';

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

await measureWorkers({ out: OUT });
await measureNodeColdStart({ out: OUT });
