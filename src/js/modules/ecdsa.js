// The `ecdsa` WebAssembly module: fallback arithmetic of KmsPublicKey for P-256, P-384 and P-521 (DIGEST messages, the wasm engine).
// The capability's JS imports its calls from here; a page that imports none of
// them never fetches the module (see core.js).
import * as glue from '../wasm/ecdsa.js';
import { wasmModule } from '../core.js';

// `new URL(literal, import.meta.url)` is the pattern Vite, webpack 5 and
// Rollup rewrite to the emitted file; it is evaluated only by loaders that
// fetch or read the file (not in workerd, which imports the module itself).
const ecdsa = /* @__PURE__ */ wasmModule('ecdsa', glue, () => new URL('../wasm/ecdsa_bg.wasm', import.meta.url));

/** @type {typeof ecdsa.withCore} */
export const withCore = (fn) => ecdsa.withCore(fn);
/** @type {typeof ecdsa.withCoreSync} */
export const withCoreSync = (fn) => ecdsa.withCoreSync(fn);
/** @type {typeof ecdsa.isStale} */
export const isStale = (handle) => ecdsa.isStale(handle);
/** The module, loaded. */
export const core = () => ecdsa.core();
