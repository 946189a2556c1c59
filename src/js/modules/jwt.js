// The `jwt` WebAssembly module: JWS decoding, strict JSON and time claims for verifyJwt.
// The capability's JS imports its calls from here; a page that imports none of
// them never fetches the module (see core.js).
import * as glue from '../wasm/jwt.js';
import { wasmModule } from '../core.js';

// `new URL(literal, import.meta.url)` is the pattern Vite, webpack 5 and
// Rollup rewrite to the emitted file; it is evaluated only by loaders that
// fetch or read the file (not in workerd, which imports the module itself).
const jwt = /* @__PURE__ */ wasmModule('jwt', glue, () => new URL('../wasm/jwt_bg.wasm', import.meta.url));

/** @type {typeof jwt.withCore} */
export const withCore = (fn) => jwt.withCore(fn);
/** @type {typeof jwt.withCoreSync} */
export const withCoreSync = (fn) => jwt.withCoreSync(fn);
/** @type {typeof jwt.isStale} */
export const isStale = (handle) => jwt.isStale(handle);
/** The module, loaded. */
export const core = () => jwt.core();
