// The `envelope-full` WebAssembly module: everything `envelope` has, plus the
// data-key cache, re-keying (`reEncrypt`, `reEncryptStream`) and the HPKE key
// transport (`keyTransport: 'hpke'`). Loaded on the first call that needs one
// of those, or by a bare `init()`; envelope.js sends every later call here too,
// so a page holds one copy of the format code once this one is loaded.
import { wasmModule } from '../core.js';

// The glue too is imported on first need (~4.7 KB gzip a page that never
// needs this module does not fetch, with a bundler that splits chunks: Vite,
// Rollup, webpack, esbuild --splitting). The `new URL(...)` stays a literal.
export const envelopeFull = /* @__PURE__ */ wasmModule('envelope-full', () => import('../wasm/envelope-full.js'), () => new URL('../wasm/envelope-full_bg.wasm', import.meta.url));

/** @type {typeof envelopeFull.withCore} */
export const withCore = (fn) => envelopeFull.withCore(fn);
/** The module, loaded. */
export const core = () => envelopeFull.core();
