// The `envelope` WebAssembly module: the message format, keyrings, the data-key cache, parseMessage.
// The capability's JS imports its calls from here; a page that imports none of
// them never fetches the module (see core.js).
import * as glue from '../wasm/envelope.js';
import { wasmModule } from '../core.js';

// `new URL(literal, import.meta.url)` is the pattern Vite, webpack 5 and
// Rollup rewrite to the emitted file; it is evaluated only by loaders that
// fetch or read the file (not in workerd, which imports the module itself).
const envelope = /* @__PURE__ */ wasmModule('envelope', glue, () => new URL('../wasm/envelope_bg.wasm', import.meta.url));

/** @type {typeof envelope.withCore} */
export const withCore = (fn) => envelope.withCore(fn);
/** @type {typeof envelope.withCoreSync} */
export const withCoreSync = (fn) => envelope.withCoreSync(fn);
/** @type {typeof envelope.isStale} */
export const isStale = (handle) => envelope.isStale(handle);
/** The module, loaded. */
export const core = () => envelope.core();
