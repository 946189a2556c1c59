// The `rsa` WebAssembly module: RSA arithmetic for the RSA keyrings (RawRsaKeyring, KmsRsaPublicKeyring).
// The capability's JS imports its calls from here; a page that imports none of
// them never fetches the module (see core.js).
import * as glue from '../wasm/rsa.js';
import { wasmModule } from '../core.js';

// `new URL(literal, import.meta.url)` is the pattern Vite, webpack 5 and
// Rollup rewrite to the emitted file; it is evaluated only by loaders that
// fetch or read the file (not in workerd, which imports the module itself).
const rsa = /* @__PURE__ */ wasmModule('rsa', glue, () => new URL('../wasm/rsa_bg.wasm', import.meta.url));

/** @type {typeof rsa.withCore} */
export const withCore = (fn) => rsa.withCore(fn);
/** @type {typeof rsa.withCoreSync} */
export const withCoreSync = (fn) => rsa.withCoreSync(fn);
/** @type {typeof rsa.isStale} */
export const isStale = (handle) => rsa.isStale(handle);
/** The module, loaded. */
export const core = () => rsa.core();
