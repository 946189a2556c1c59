// Size and start-up cost of the wasm core, beside its peers from the same run:
// the module against the 160 KiB gzip budget, and cold instantiate time
// against importing @noble/curves (the pure-JS alternative a user would pick).
import { readFileSync } from 'node:fs';
import { gzipSync, brotliCompressSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const wasmPath = fileURLToPath(new URL('../pkg/wasm/edge_kms_bg.wasm', import.meta.url));
const bytes = readFileSync(wasmPath);
const gz = gzipSync(bytes, { level: 9 }).length;
const br = brotliCompressSync(bytes).length;
const budget = 160 * 1024;
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

console.log('## wasm module size');
console.log(`raw ${kib(bytes.length)}, gzip ${kib(gz)}, brotli ${kib(br)}; budget 160 KiB gzip → ${(gz / budget * 100).toFixed(0)} % of budget`);

// Cold start, each sample in a fresh Node process (nothing cached): compile +
// instantiate the module from its bytes, beside a cold import of @noble/curves.
const glue = new URL('../pkg/wasm/edge_kms.js', import.meta.url).href;
const noble = import.meta.resolve('@noble/curves/nist.js');
const child = (code) => Number(execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' }).trim());
const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
const wasmMs = median(Array.from({ length: 9 }, () => child(`
  import { readFileSync } from 'node:fs';
  const bytes = readFileSync(new URL(${JSON.stringify(wasmPath)}, 'file:'));
  const t0 = performance.now();
  const { initSync } = await import(${JSON.stringify(glue)});
  initSync({ module: new WebAssembly.Module(bytes) });
  console.log(performance.now() - t0);`)));
const nobleMs = median(Array.from({ length: 9 }, () => child(`
  const t0 = performance.now();
  const { p256 } = await import(${JSON.stringify(noble)});
  p256.Point.BASE.multiply(3n);
  console.log(performance.now() - t0);`)));
console.log('## cold start (median of 9 fresh processes)');
console.log(`edge-kms import+compile+instantiate ${wasmMs.toFixed(2)} ms | @noble/curves import+first use ${nobleMs.toFixed(2)} ms | ratio ${(wasmMs / nobleMs).toFixed(2)}×`);
