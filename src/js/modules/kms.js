// The `kms` WebAssembly module: key identifiers, the key-type advisor and the cost estimator.
// The capability's JS imports its calls from here; a page that imports none of
// them never fetches the module (see core.js).
import * as glue from '../wasm/kms.js';
import { wasmModule } from '../core.js';

// `new URL(literal, import.meta.url)` is the pattern Vite, webpack 5 and
// Rollup rewrite to the emitted file; it is evaluated only by loaders that
// fetch or read the file (not in workerd, which imports the module itself).
const kms = /* @__PURE__ */ wasmModule('kms', glue, () => new URL('../wasm/kms_bg.wasm', import.meta.url));

/** @type {typeof kms.withCore} */
export const withCore = (fn) => kms.withCore(fn);
/** @type {typeof kms.withCoreSync} */
export const withCoreSync = (fn) => kms.withCoreSync(fn);
/** @type {typeof kms.isStale} */
export const isStale = (handle) => kms.isStale(handle);
/** The module, loaded. */
export const core = () => kms.core();
