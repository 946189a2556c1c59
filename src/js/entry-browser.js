// Browsers, bundlers (Vite, webpack 5) and Deno: fetch the wasm file next to
// this module on first use. `new URL(..., import.meta.url)` is the pattern
// bundlers recognise and rewrite to the emitted asset.
import initWasm from './wasm/edge_kms.js';
import { setWasmLoader } from './core.js';

setWasmLoader(() => initWasm({ module_or_path: new URL('./wasm/edge_kms_bg.wasm', import.meta.url) }));

export * from './index.js';
