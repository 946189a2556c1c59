// Browsers, bundlers (Vite, webpack 5, Rollup, esbuild) and Deno: each module
// fetches its wasm file on first use (loader-browser.js).
import './loader-browser.js';
import { NATIVE_MIN_BYTES_BROWSER, setNativeMinBytes } from './envelope.js';

// Deno shares this entry, but its WebCrypto crosses over like Node's (bench/envelope.bench.js).
if (!('Deno' in globalThis)) setNativeMinBytes(NATIVE_MIN_BYTES_BROWSER);

export * from './index.js';
