// Lazy, one-time initialisation of the wasm core. Each runtime's entry file
// (entry-node.js, entry-workerd.js, entry-browser.js) installs a loader; the
// first call that needs the core runs it, concurrent callers share the same
// promise, and a failed load can be retried.

import * as bindings from './wasm/edge_kms.js';
import { EdgeKmsError, ERROR_CODES, fromCore } from './errors.js';

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
    throw coded(e);
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
    throw coded(e);
  }
}

// ------------------------------------------------------------ recovery
//
// A wasm trap (`RuntimeError`: an allocation the core's memory cannot hold,
// or a bug) unwinds out of the core without running its cleanup: the shadow
// stack it used stays taken (a few hundred traps exhaust it, and from then on
// every call fails), objects it was using stay borrowed, and memory it had
// grown stays grown. So the first trap discards the instance: the glue (built
// with wasm-bindgen's --experimental-reset-state-function) instantiates the
// compiled module afresh, and the call that trapped fails with a code.
// Handles made by the old instance are stale: the holders that can make them
// again do so (keyrings, KmsPublicKey, the data-key cache); an operation that
// was under way with one fails (INTERNAL, `retryable`).

/** Instances discarded so far; wasm-bindgen's instance id, which also starts at 0 and grows by one per reset. */
let generation = 0;

/** How many times the core was restarted after a trap. */
export function coreGeneration() {
  return generation;
}

/**
 * Whether `handle` (an object of the core's classes) belongs to a discarded instance.
 * @param {unknown} handle
 */
export function isStale(handle) {
  const g = handle !== null && typeof handle === 'object' ? /** @type {any} */ (handle).__wbg_inst : undefined;
  return g !== undefined && g !== generation;
}

const staleError = () => new EdgeKmsError('INTERNAL', 'edge-kms: the wasm core was restarted (after a fault in another call) while this call was using it; retry', { retryable: true });

/** The 4 GiB of wasm32 memory, half taken: a trap then is most likely an allocation that did not fit. */
const MEMORY_EXHAUSTED = 2 ** 31;

/**
 * Discards the instance that trapped and starts a fresh one; returns the error for the call that trapped.
 * @param {unknown} trap @returns {EdgeKmsError}
 */
function restart(trap) {
  let memory = 0;
  try {
    const buffer = /** @type {any} */ (bindings).initSync().memory.buffer; // the current instance's exports
    memory = buffer.byteLength;
    // The trap skipped the core's own wiping (Drop): keys and plaintext it held
    // would outlive the instance in this memory. Zero it before letting it go.
    new Uint8Array(buffer).fill(0);
  } catch { /* unknown */ }
  const reset = /** @type {any} */ (bindings).__wbg_reset_state;
  if (typeof reset === 'function') {
    try {
      reset();
    } finally {
      generation++; // the glue counts the attempt even if instantiating failed
    }
  }
  return memory >= MEMORY_EXHAUSTED
    ? new EdgeKmsError('LIMIT_EXCEEDED', 'edge-kms: the wasm core ran out of memory (input too large for the wasm engine); it was restarted', { cause: trap })
    : new EdgeKmsError('INTERNAL', 'edge-kms: the wasm core failed (please report it); it was restarted', { cause: trap });
}

const isTrap = (/** @type {unknown} */ e) => typeof WebAssembly === 'object' && e instanceof WebAssembly.RuntimeError;

/**
 * Whatever a call into the core (or a callback of the caller's run from a
 * core call) threw, as an EdgeKmsError whose code is one of ERROR_CODES.
 * @param {unknown} e @returns {EdgeKmsError}
 */
function coded(e) {
  if (e instanceof EdgeKmsError) return e;
  if (isTrap(e)) return restart(e);
  try {
    const code = e !== null && typeof e === 'object' ? /** @type {any} */ (e).code : undefined;
    if (typeof code === 'string' && ERROR_CODES.includes(/** @type {any} */ (code))) return fromCore(e);
  } catch { /* a thrown Proxy or getter: not one of ours */ }
  return new EdgeKmsError('INTERNAL', 'edge-kms internal error (please report it)', { cause: e });
}

/**
 * Wraps a method of the core's classes: stale handles fail before touching
 * the new instance, and a trap restarts the core.
 * @param {Function} fn
 */
function guarded(fn) {
  return /** @this {unknown} */ function (/** @type {unknown[]} */ ...args) {
    if (isStale(this) || args.some(isStale)) throw staleError();
    try {
      return fn.apply(this, args);
    } catch (e) {
      throw isTrap(e) ? restart(e) : e;
    }
  };
}

// `free()` of a stale handle must not reach the new instance: the glue would
// free that pointer in the new instance's heap. It only forgets the pointer.
for (const C of Object.values(bindings)) {
  if (typeof C !== 'function' || !C.prototype || typeof C.prototype.__destroy_into_raw !== 'function') continue;
  for (const target of [C, C.prototype]) {
    for (const name of Object.getOwnPropertyNames(target)) {
      if (name === 'constructor' || name === 'prototype' || name.startsWith('__')) continue;
      const d = /** @type {PropertyDescriptor} */ (Object.getOwnPropertyDescriptor(target, name));
      if (!d.configurable) continue;
      if (typeof d.value === 'function') d.value = guarded(d.value);
      else if (typeof d.get === 'function') d.get = guarded(d.get);
      else continue;
      Object.defineProperty(target, name, d);
    }
  }
  const free = C.prototype.free;
  if (typeof free === 'function') {
    const safeFree = /** @this {any} */ function () {
      if (isStale(this)) {
        this.__destroy_into_raw();
        return;
      }
      return free.call(this);
    };
    Object.defineProperty(C.prototype, 'free', { value: safeFree, writable: true, configurable: true });
    if (typeof Symbol.dispose === 'symbol') Object.defineProperty(C.prototype, Symbol.dispose, { value: safeFree, writable: true, configurable: true });
  }
}
