// The `rare` WebAssembly module: fallback arithmetic of KmsPublicKey for secp256k1, Ed25519 and ML-DSA.
// The capability's JS imports its calls from here; a page that imports none of
// them never fetches the module (see core.js).
import * as glue from '../wasm/rare.js';
import { wasmModule } from '../core.js';

// `new URL(literal, import.meta.url)` is the pattern Vite, webpack 5 and
// Rollup rewrite to the emitted file; it is evaluated only by loaders that
// fetch or read the file (not in workerd, which imports the module itself).
const rare = /* @__PURE__ */ wasmModule('rare', glue, () => new URL('../wasm/rare_bg.wasm', import.meta.url));

/** @type {typeof rare.withCore} */
export const withCore = (fn) => rare.withCore(fn);
/** @type {typeof rare.withCoreSync} */
export const withCoreSync = (fn) => rare.withCoreSync(fn);
/** @type {typeof rare.isStale} */
export const isStale = (handle) => rare.isStale(handle);
/** The module, loaded. */
export const core = () => rare.core();
