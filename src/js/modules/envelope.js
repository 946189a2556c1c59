// The `envelope` WebAssembly module: the message format, keyrings, parseMessage:
// what a page that seals and opens needs. Its superset `envelope-full` adds the
// data-key cache, re-keying and the HPKE key transport (envelope.js picks one
// per call). A page that imports neither never fetches either (see core.js).
import * as glue from '../wasm/envelope.js';
import { wasmModule } from '../core.js';

// `new URL(literal, import.meta.url)` is the pattern Vite, webpack 5 and
// Rollup rewrite to the emitted file; it is evaluated only by loaders that
// fetch or read the file (not in workerd, which imports the module itself).
export const envelope = /* @__PURE__ */ wasmModule('envelope', glue, () => new URL('../wasm/envelope_bg.wasm', import.meta.url), 'envelope-full');

/** @type {typeof envelope.withCore} */
export const withCore = (fn) => envelope.withCore(fn);
/** @type {typeof envelope.withCoreSync} */
export const withCoreSync = (fn) => envelope.withCoreSync(fn);
/** @type {typeof envelope.isStale} */
export const isStale = (handle) => envelope.isStale(handle);
/** The module, loaded. */
export const core = () => envelope.core();
