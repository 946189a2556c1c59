// Cloudflare Workers (workerd): the runtime refuses WebAssembly.compile of
// bytes, so the module is imported as a compiled WebAssembly.Module (wrangler
// and esbuild's `workerd` condition resolve this import).
import wasmModule from './wasm/edge_kms_bg.wasm';
import { initSync } from './wasm/edge_kms.js';
import { setWasmLoader } from './core.js';

setWasmLoader(() => initSync({ module: wasmModule }));

export * from './index.js';
