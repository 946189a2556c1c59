// Browsers, bundlers (Vite, webpack 5, Rollup, esbuild) and Deno: each module
// fetches its wasm file on first use, from the `new URL(..., import.meta.url)`
// in src/js/modules/<name>.js (the pattern bundlers rewrite to the emitted file).
import { setWasmLoader } from './core.js';
import { NATIVE_MIN_BYTES_BROWSER, setNativeMinBytes } from './envelope.js';

setWasmLoader((m) => m.glue.default({ module_or_path: m.url() }));
// Deno shares this entry, but its WebCrypto crosses over like Node's (bench/envelope.bench.js).
if (!('Deno' in globalThis)) setNativeMinBytes(NATIVE_MIN_BYTES_BROWSER);

export * from './index.js';
