// Browsers, bundlers (Vite, webpack 5) and Deno: fetch the wasm file next to
// this module on first use. `new URL(..., import.meta.url)` is the pattern
// bundlers recognise and rewrite to the emitted asset.
import initWasm from './wasm/edge_kms.js';
import { setWasmLoader } from './core.js';
import { NATIVE_MIN_BYTES_BROWSER, setNativeMinBytes } from './envelope.js';

setWasmLoader(() => initWasm({ module_or_path: new URL('./wasm/edge_kms_bg.wasm', import.meta.url) }));
// Deno shares this entry, but its WebCrypto crosses over like Node's (bench/envelope.bench.js).
if (!('Deno' in globalThis)) setNativeMinBytes(NATIVE_MIN_BYTES_BROWSER);

export * from './index.js';
