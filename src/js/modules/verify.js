// The `verify` WebAssembly module: KmsPublicKey, signature and JWT verification.
// The capability's JS imports its calls from here; a page that imports none of
// them never fetches the module (see core.js).
import * as glue from '../wasm/verify.js';
import { wasmModule } from '../core.js';

// `new URL(literal, import.meta.url)` is the pattern Vite, webpack 5 and
// Rollup rewrite to the emitted file; it is evaluated only by loaders that
// fetch or read the file (not in workerd, which imports the module itself).
const verify = /* @__PURE__ */ wasmModule('verify', glue, () => new URL('../wasm/verify_bg.wasm', import.meta.url));

/** @type {typeof verify.withCore} */
export const withCore = (fn) => verify.withCore(fn);
/** @type {typeof verify.withCoreSync} */
export const withCoreSync = (fn) => verify.withCoreSync(fn);
/** @type {typeof verify.isStale} */
export const isStale = (handle) => verify.isStale(handle);
/** The module, loaded. */
export const core = () => verify.core();
