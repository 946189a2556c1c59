// Lazy, one-time initialisation of the wasm core. Each runtime's entry file
// (entry-node.js, entry-workerd.js, entry-browser.js) installs a loader; the
// first call that needs the core runs it, concurrent callers share the same
// promise, and a failed load can be retried.

import * as bindings from './wasm/edge_kms.js';
import { EdgeKmsError, fromCore } from './errors.js';

/** @type {(() => unknown) | undefined} */
let loader;
/** @type {Promise<typeof bindings> | undefined} */
let ready;
let loadedSync = false;

/** @param {() => unknown} fn  returns once `bindings` is initialised (sync or async) */
export function setWasmLoader(fn) {
  loader = fn;
  ready = undefined;
  loadedSync = false;
}

/**
 * Initialises the core now (optional: every API call does it on first use).
 * @returns {Promise<void>}
 */
export async function init() {
  await core();
}

/** @returns {Promise<typeof bindings>} */
export function core() {
  if (ready) return ready;
  if (!loader) {
    return Promise.reject(new EdgeKmsError('NOT_INITIALISED', "edge-kms: no wasm loader for this runtime; import 'edge-kms' through its package entry"));
  }
  const load = loader;
  ready = Promise.resolve()
    .then(() => load())
    .then(() => { loadedSync = true; return bindings; })
    .catch((e) => {
      ready = undefined; // allow a retry, e.g. after a transient fetch failure
      throw new EdgeKmsError('WASM_LOAD_FAILED', 'edge-kms: the WebAssembly module failed to load', { cause: e });
    });
  return ready;
}

/**
 * The core, synchronously. Only for code paths that run after `core()` resolved
 * (or in runtimes whose loader is synchronous).
 * @returns {typeof bindings}
 */
export function coreSync() {
  if (!loadedSync) {
    if (loader && !ready) {
      try {
        const r = loader();
        if (!(r && typeof (/** @type {any} */ (r).then) === 'function')) {
          loadedSync = true;
          ready = Promise.resolve(bindings);
          return bindings;
        }
        ready = Promise.resolve(r).then(() => { loadedSync = true; return bindings; });
      } catch (e) {
        throw new EdgeKmsError('WASM_LOAD_FAILED', 'edge-kms: the WebAssembly module failed to load', { cause: e });
      }
    }
    throw new EdgeKmsError('NOT_INITIALISED', 'edge-kms: call `await init()` before synchronous use in this runtime');
  }
  return bindings;
}

/**
 * Runs `fn` against the core and converts whatever it throws into EdgeKmsError.
 * @template T
 * @param {(b: typeof bindings) => T} fn
 * @returns {Promise<Awaited<T>>}
 */
export async function withCore(fn) {
  const b = await core();
  try {
    return await fn(b);
  } catch (e) {
    throw fromCore(e);
  }
}

/**
 * Synchronous counterpart of withCore.
 * @template T
 * @param {(b: typeof bindings) => T} fn
 * @returns {T}
 */
export function withCoreSync(fn) {
  const b = coreSync();
  try {
    return fn(b);
  } catch (e) {
    throw fromCore(e);
  }
}
