// The WebAssembly modules of the core, one per capability (README, "Modules"):
// `envelope`, `verify`, `kms`. Each capability's JS file declares its module
// with `wasmModule(name, glue, url)`; the runtime's entry file (entry-node.js,
// entry-workerd.js, entry-browser.js) installs how a module is loaded there.
// A module loads on the first call that needs it, concurrent callers share
// one load, a failed load can be retried, and a module that trapped is
// restarted on its own. A page that never calls into a module never fetches
// it: bundlers drop the declaration nobody uses, and with it the module's glue
// and the `new URL(...)` of its file.

import { EdgeKmsError, fromCore, hasOurCode } from './errors.js';
import { plainArgument } from './bytes.js';

/**
 * What a runtime's loader gets: the module's name, its wasm-bindgen glue and
 * a function giving its file's URL (called only by loaders that fetch or read
 * the file; bundlers rewrite the `new URL(...)` inside it).
 * @typedef {{ name: string, glue: any, url: () => URL }} ModuleSource
 */

/** @type {((m: ModuleSource) => unknown) | undefined} */
let loader;

/** @type {((name: string) => boolean) | undefined} */
let available;

/** @type {Map<string, WasmModule>} every module that imported code declared */
const modules = new Map();

/**
 * Installs how this runtime loads a module (sync or async). Called once by the
 * entry file, before any call needs a module.
 * @param {(m: ModuleSource) => unknown} fn
 * @param {(name: string) => boolean} [has]  which modules this runtime can load (workerd: those the Worker bundles); all when absent
 */
export function setWasmLoader(fn, has) {
  loader = fn;
  available = has;
  for (const m of modules.values()) m.forget();
}

/**
 * Loads and instantiates modules now. Optional: every API call loads what it
 * needs on first use. Without an argument it loads every module the imported
 * code can use; with names (`init(['verify'])`), only those.
 * @param {readonly string[]} [names]
 * @returns {Promise<void>}
 */
export async function init(names) {
  if (names !== undefined && !Array.isArray(names)) {
    throw new EdgeKmsError('INVALID_ARGUMENT', 'edge-kms: init() takes an array of module names, or nothing');
  }
  const wanted = names === undefined ? everything() : names.map((n) => {
    const m = typeof n === 'string' ? modules.get(n) : undefined;
    if (!m) {
      const known = [...modules.keys()].join(', ');
      throw new EdgeKmsError('INVALID_ARGUMENT', `edge-kms: init(): unknown module name (the imported code uses: ${known})`);
    }
    // A runtime without the module but with its superset (a Worker bundles
    // `envelope-full`, not `envelope`): the superset does its work.
    const sup = m.within === undefined ? undefined : modules.get(m.within);
    return !m.available && sup?.available ? sup : m;
  });
  await Promise.all(wanted.map((m) => m.core()));
}

/**
 * Every module the imported code can use here, but a module whose superset is
 * among them (`envelope` beside `envelope-full`): the superset does its work.
 */
function everything() {
  const usable = [...modules.values()].filter((m) => m.available);
  return usable.filter((m) => !m.within || !usable.some((o) => o.name === m.within));
}

// ------------------------------------------------------------ recovery
//
// A wasm trap (`RuntimeError`: an allocation the module's memory cannot hold,
// or a bug) unwinds out of the module without running its cleanup: the
// shadow stack it used stays taken (a few hundred traps exhaust it, and from
// then on every call fails), objects it was using stay borrowed, and memory it
// had grown stays grown. So the first trap discards that module's instance:
// the glue (built with wasm-bindgen's --experimental-reset-state-function)
// instantiates the compiled module afresh, and the call that trapped fails
// with a code. The other modules are not touched. Handles made by the old
// instance are stale: the holders that can make them again do so (keyrings,
// KmsPublicKey, the data-key cache); an operation that was under way with one
// fails (INTERNAL, `retryable`).

const staleError = () => new EdgeKmsError('INTERNAL', 'edge-kms: the wasm core was restarted (after a fault in another call) while this call was using it; retry', { retryable: true });

/**
 * Bytes of shadow stack zeroed below the stack pointer after an operation:
 * the deepest any module went in the tests was 67 KiB (`envelope`: signed
 * suites, RSA keyrings, streams); tests/js/guard-stack-scrub.test.js fails if
 * a module's deepest work leaves anything below this. Zeroing 128 KiB costs
 * ~1.5-3 µs, once per operation (BENCHMARKS.md, "Guarding the boundary").
 */
const STACK_SCRUB_BYTES = 128 * 1024;
/** What each call zeroes when it returns while an operation is under way (~0.3 µs): a call's shallow frames. */
const SHALLOW_SCRUB_BYTES = 16 * 1024;

/** The 4 GiB of wasm32 memory, half taken: a trap then is most likely an allocation that did not fit. */
const MEMORY_EXHAUSTED = 2 ** 31;

const isTrap = (/** @type {unknown} */ e) => typeof WebAssembly === 'object' && e instanceof WebAssembly.RuntimeError;

/**
 * One WebAssembly module: its loading state, its instance generation and its
 * trap recovery. Handles (objects of its classes) belong to it alone.
 */
export class WasmModule {
  /** @readonly @type {string} */ name;
  /** @readonly @type {string | undefined} the module that can do all of this one's work (`envelope-full` for `envelope`) */ within;
  /** @type {any} the wasm-bindgen glue, once imported */ #glue;
  /** @type {(() => Promise<any>) | undefined} imports the glue: a module whose glue the page loads on first need */ #importGlue;
  /** @type {any} the glue as the shim gets it: every function and constructor guarded */ #facade;
  /** @type {() => URL} */ #url;
  /** @type {Promise<any> | undefined} */ #ready;
  #loadedSync = false;
  /** Instances discarded so far; wasm-bindgen's instance id, which also starts at 0 and grows by one per reset. */
  #generation = 0;
  /** A restart could not make a new instance: nothing may run until one is made. */
  #broken = false;
  /** Memories of discarded instances, to be zeroed once a new instance exists. @type {ArrayBuffer[]} */
  #unwiped = [];
  /**
   * Every object of this module's classes the glue made, with the generation
   * of the instance that made it. Identity, not a property: a caller's Proxy
   * or a copied `__wbg_ptr` is not in it, and a stale handle stays stale
   * whatever its (writable) `__wbg_inst` says.
   * @type {WeakMap<object, number>}
   */
  #handles = new WeakMap();
  /** Calls into the instance under way (a call can re-enter through a callback of the shim's). */
  #depth = 0;
  /** Operations under way (withCore, withCoreSync): each zeroes the stack when it ends; a call outside any zeroes it itself. */
  #operations = 0;
  /** The shadow-stack pointer with no call under way, read at the first call into an instance. @type {number | undefined} */
  #top;

  /**
   * @param {string} name @param {any} glue the glue's namespace, or a function importing it (`() => import(...)`)
   * @param {() => URL} url @param {string} [within]
   */
  constructor(name, glue, url, within) {
    this.name = name;
    this.within = within;
    this.#url = url;
    if (typeof glue === 'function') this.#importGlue = glue;
    else this.#adopt(glue);
  }

  /**
   * Takes the glue: guards its classes and makes the facade, then keeps both.
   * All or nothing: if guarding throws (a realm whose code tampered with the
   * glue's classes first), nothing is kept and the load fails; the next load
   * tries again, and classes guarded already are not guarded twice.
   * @param {any} glue
   */
  #adopt(glue) {
    if (this.#glue) return;
    guardClasses(this, glue);
    const f = facade(this, glue);
    this.#glue = glue;
    this.#facade = f;
  }

  /** Whether an instance is loaded and usable now (a call needs no load). */
  get loaded() {
    return this.#loadedSync && !this.#broken && this.#facade !== undefined;
  }

  /** Whether this runtime can load the module (workerd: the Worker bundles it). */
  get available() {
    return !available || available(this.name);
  }

  /** Forgets a load: a new loader was installed. */
  forget() {
    this.#ready = undefined;
    this.#loadedSync = false;
  }

  /** @returns {ModuleSource} */
  #source() {
    return { name: this.name, glue: this.#glue, url: this.#url };
  }

  /** @param {unknown} e */
  #loadFailed(e) {
    if (e instanceof EdgeKmsError) return e; // the loader's own verdict (workerd: a module the Worker does not bundle)
    return new EdgeKmsError('WASM_LOAD_FAILED', `edge-kms: the WebAssembly module '${this.name}' failed to load`, { cause: e });
  }

  /** The module, loaded. @returns {Promise<any>} */
  core() {
    if (this.#broken) {
      try {
        this.assertUsable();
      } catch (e) {
        return Promise.reject(e);
      }
    }
    if (this.#ready) return this.#ready;
    if (!loader) {
      return Promise.reject(new EdgeKmsError('NOT_INITIALISED', "edge-kms: no wasm loader for this runtime; import 'edge-kms' through its package entry"));
    }
    const load = loader;
    const importGlue = this.#importGlue;
    this.#ready = Promise.resolve()
      .then(() => (this.#glue || !importGlue ? undefined : importGlue().then((g) => this.#adopt(g))))
      .then(() => load(this.#source()))
      .then(() => { this.#loadedSync = true; return this.#facade; })
      .catch((e) => {
        this.#ready = undefined; // allow a retry, e.g. after a transient fetch failure
        throw this.#loadFailed(e);
      });
    return this.#ready;
  }

  /**
   * The module, synchronously. Only for code paths that run after `core()`
   * resolved, or in runtimes whose loader is synchronous (Node, workerd).
   * @returns {any}
   */
  coreSync() {
    this.assertUsable();
    if (!this.#loadedSync) {
      if (loader && !this.#ready && this.#glue) { // a glue not imported yet cannot load synchronously
        try {
          const r = loader(this.#source());
          if (!(r && typeof (/** @type {any} */ (r).then) === 'function')) {
            this.#loadedSync = true;
            this.#ready = Promise.resolve(this.#facade);
            return this.#facade;
          }
          this.#ready = Promise.resolve(r).then(() => { this.#loadedSync = true; return this.#facade; });
        } catch (e) {
          throw this.#loadFailed(e);
        }
      }
      throw new EdgeKmsError('NOT_INITIALISED', `edge-kms: call \`await init()\` before synchronous use of the '${this.name}' module in this runtime`);
    }
    return this.#facade;
  }

  /**
   * Runs `fn` against the module and converts whatever it throws into EdgeKmsError.
   * @template T
   * @param {(b: any) => T} fn
   * @returns {Promise<Awaited<T>>}
   */
  async withCore(fn) {
    const b = await this.core();
    this.#operations++;
    try {
      return await fn(b);
    } catch (e) {
      throw this.coded(e);
    } finally {
      this.#operations--;
      this.scrubStack();
    }
  }

  /**
   * Synchronous counterpart of withCore.
   * @template T
   * @param {(b: any) => T} fn
   * @returns {T}
   */
  withCoreSync(fn) {
    const b = this.coreSync();
    this.#operations++;
    try {
      return fn(b);
    } catch (e) {
      throw this.coded(e);
    } finally {
      this.#operations--;
      this.scrubStack();
    }
  }

  /**
   * Whether `handle` (an object of this module's classes) belongs to a discarded instance.
   * @param {unknown} handle
   */
  isStale(handle) {
    if (handle === null || typeof handle !== 'object') return false;
    const g = this.#handles.get(handle);
    return g !== undefined && g !== this.#generation;
  }

  /** Records an object the glue made (a constructor or `__wrap`) as this instance's. @param {object} handle */
  adopt(handle) {
    this.#handles.set(handle, this.#generation);
  }

  /** Whether the glue made `v` (in any generation). @param {unknown} v */
  owns(v) {
    return v !== null && typeof v === 'object' && this.#handles.has(v);
  }

  /** The live instance's exports, or undefined before the first load. @returns {any} */
  #exports() {
    try {
      return this.#loadedSync || this.#ready ? this.#glue.initSync() : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The instance's shadow-stack pointer (wasm-bindgen's export; every module
   * returning a Result has it), or undefined. A wasm call that throws with it
   * moved was unwound out of the module without its epilogue: a stack
   * overflow (V8 throws RangeError, not a trap), which `guarded` treats as one.
   * @returns {number | undefined}
   */
  stackPointer() {
    const x = this.#exports();
    if (!x || typeof x.__wbindgen_add_to_stack_pointer !== 'function') return undefined;
    try {
      return x.__wbindgen_add_to_stack_pointer(0);
    } catch {
      return undefined;
    }
  }

  /**
   * Zeroes the shadow stack below the live frames. The stack is never freed,
   * so the allocator's wiping (src/wasm/mod.rs) never sees it, and a call
   * leaves in it whatever its frames held: GCM's hash key, halves of derived
   * keys, a data key it copied. Nothing is live below the stack pointer once
   * a call into the module returned. Run when an operation's calls into the
   * module are done (withCore, withCoreSync), and after every call (`guard`:
   * the shallow part while an operation is under way); the depth covers the
   * deepest use measured (tests/js/guard-stack-scrub.test.js checks it holds).
   * @param {number} [bytes]
   */
  scrubStack(bytes = STACK_SCRUB_BYTES) {
    const x = this.#exports();
    if (!x || typeof x.__wbindgen_add_to_stack_pointer !== 'function') return;
    try {
      const sp = x.__wbindgen_add_to_stack_pointer(0);
      const from = Math.max(0, sp - bytes);
      new Uint8Array(x.memory.buffer, from, sp - from).fill(0);
    } catch { /* no instance */ }
  }

  /**
   * `fn` (a function of the glue, or a method or getter of its classes) as
   * the shim may call it: the module usable, its stack balanced, no stale
   * handle, every argument plain (`plainArgument`: no caller code runs and no
   * length changes while the glue copies it in), and a trap restarts the
   * module. A stack overflow inside the module (V8 throws RangeError, not a
   * trap) also unwinds it without its epilogues: the shadow-stack pointer
   * stays moved, objects stay borrowed, buffers stay unfreed (and unwiped).
   * Its handler could overflow too, so it is found at the next outermost
   * call instead, by the pointer not being back at its top, and the module is
   * restarted then (its old memory zeroed). `finally` lowers the depth
   * before it calls anything, so no overflow there can skip it.
   * @param {Function} fn @param {'function' | 'method' | 'constructor'} kind
   * @returns {Function}
   */
  guard(fn, kind) {
    const m = this;
    const isOwn = (/** @type {object} */ v) => m.owns(v);
    /** @this {unknown} @param {unknown[]} args */
    const enter = function (args) {
      if (m.#depth === 0) m.#checkStack();
      m.assertUsable();
      if (kind === 'method' && !m.owns(this)) throw new EdgeKmsError('INVALID_ARGUMENT', `edge-kms: not an object of the '${m.name}' module`);
      if (kind === 'method' && m.isStale(this)) throw staleError();
      const plain = args.map((a) => plainArgument(a, isOwn));
      if (plain.some((a) => m.isStale(a))) throw staleError();
      return plain;
    };
    /** Runs the call itself: a trap restarts the module; back out of it, the stack below is zeroed. @template T @param {() => T} call @returns {T} */
    const run = (call) => {
      m.#depth++;
      try {
        return call();
      } catch (e) {
        throw isTrap(e) ? m.restart(e) : e;
      } finally {
        m.#depth--;
        // Back out of the module: what this call left below the pointer is
        // zeroed now. Inside an operation (withCore, withCoreSync), which
        // zeroes the whole depth when it ends, only the shallow part, cheaply;
        // a call made outside one (a stream's chunk, a handle's free) cannot be
        // told from one made inside another operation still under way, so it
        // gets the same, and the rest when the last operation under way ends.
        if (m.#depth === 0) m.scrubStack(m.#operations === 0 ? STACK_SCRUB_BYTES : SHALLOW_SCRUB_BYTES);
      }
    };
    if (kind === 'constructor') {
      return /** @this {unknown} */ function (/** @type {unknown[]} */ args, /** @type {Function} */ newTarget) {
        const plain = enter.call(undefined, args);
        return run(() => {
          const o = Reflect.construct(fn, plain, newTarget);
          m.adopt(o);
          return o;
        });
      };
    }
    return /** @this {unknown} */ function (/** @type {unknown[]} */ ...args) {
      const plain = enter.call(this, args);
      return run(() => fn.apply(this, plain));
    };
  }

  /** Restarts the instance if its shadow stack is not back at its top between calls (see `guard`). */
  #checkStack() {
    const sp = this.stackPointer();
    if (sp === undefined) return;
    if (this.#top === undefined) {
      this.#top = sp;
    } else if (sp !== this.#top) {
      this.restart(new RangeError('edge-kms: the shadow stack was left unbalanced (a stack overflow inside the module)'));
    }
  }

  /**
   * Discards the instance that trapped and starts a fresh one; returns the error for the call that trapped.
   * @param {unknown} trap @returns {EdgeKmsError}
   */
  restart(trap) {
    // A module whose glue was never imported has no instance to discard.
    if (!this.#glue) return new EdgeKmsError('INTERNAL', 'edge-kms: the wasm core failed (please report it)', { cause: trap });
    let memory = 0;
    try {
      const old = this.#glue.initSync().memory.buffer; // the instance that trapped
      memory = old.byteLength;
      this.#unwiped.push(old);
    } catch { /* unknown */ }
    this.#renew();
    return memory >= MEMORY_EXHAUSTED
      ? new EdgeKmsError('LIMIT_EXCEEDED', 'edge-kms: the wasm core ran out of memory (input too large for the wasm engine); it was restarted', { cause: trap })
      : new EdgeKmsError('INTERNAL', 'edge-kms: the wasm core failed (please report it); it was restarted', { cause: trap });
  }

  /**
   * Makes a new instance of the compiled module. Then zeroes the memory of the
   * discarded ones: a trap skipped the core's own wiping (Drop), so keys and
   * plaintext they held would outlive them there. Only then: while no new
   * instance exists, the glue still points at the old one, and wiped memory
   * (tables, allocator, statics) must never run. If it fails, the module is
   * marked broken and runs nothing until a later call makes one.
   * @returns {boolean}
   */
  #renew() {
    const reset = this.#glue?.__wbg_reset_state;
    if (typeof reset !== 'function') {
      this.#broken = true;
      return false;
    }
    try {
      reset();
    } catch {
      this.#broken = true;
      return false;
    } finally {
      this.#generation++; // the glue counts the attempt even if instantiating failed
    }
    this.#broken = false;
    this.#top = undefined;
    for (const old of this.#unwiped.splice(0)) new Uint8Array(old).fill(0);
    return true;
  }

  /**
   * Throws unless the module has a live instance. After a restart that could
   * not make one (e.g. no memory for it at that moment), tries again first.
   */
  assertUsable() {
    if (this.#broken && !this.#renew()) {
      throw new EdgeKmsError('INTERNAL', `edge-kms: the WebAssembly module '${this.name}' could not be restarted after a fault; retry later`, { retryable: true });
    }
  }

  /**
   * Whatever a call into this module (or a callback of the caller's run from a
   * module call) threw, as an EdgeKmsError whose code is one of ERROR_CODES.
   * A trap of the module never gets here as such: the call that trapped turned
   * it into a coded error and restarted the module (`guarded`). A
   * `WebAssembly.RuntimeError` that does is the caller's own (its keyring, a
   * getter, its AbortSignal's reason, its own wasm): INTERNAL with it as cause,
   * and the module, with every operation in flight on it, is left alone.
   * @param {unknown} e @returns {EdgeKmsError}
   */
  coded(e) {
    if (e instanceof EdgeKmsError) return e;
    if (isTrap(e)) return new EdgeKmsError('INTERNAL', 'edge-kms: a WebAssembly.RuntimeError from outside the package ended this call', { cause: e });
    if (hasOurCode(e)) return fromCore(e);
    return new EdgeKmsError('INTERNAL', 'edge-kms internal error (please report it)', { cause: e });
  }
}

/**
 * Declares a module (once per name) and returns it.
 * @param {string} name
 * @param {any} glue  the module's wasm-bindgen glue (`import * as glue from './wasm/<name>.js'`), or `() => import('./wasm/<name>.js')` to import it on first need
 * @param {() => URL} url  `() => new URL('./wasm/<name>_bg.wasm', import.meta.url)`, written out by the caller so bundlers see it
 * @param {string} [within]  a module that is a superset of this one: a bare `init()` loads that one instead
 * @returns {WasmModule}
 */
export function wasmModule(name, glue, url, within) {
  let m = modules.get(name);
  if (!m) {
    m = new WasmModule(name, glue, url, within);
    modules.set(name, m);
  }
  return m;
}

/** @param {WasmModule} m @param {Function} fn @param {boolean} [method] */
function guarded(m, fn, method = false) {
  return m.guard(fn, method ? 'method' : 'function');
}

/**
 * The glue as the shim uses it: each free function guarded as the classes'
 * methods are, and each class behind a guarded subclass whose constructor
 * checks the module is usable and restarts it if constructing trapped. (The
 * module namespace itself cannot be changed.) Instances are still instances
 * of the glue's classes, whose methods guardClasses guarded. What only
 * core.js may use (`initSync`, which hands out the whole memory, `default`,
 * wasm-bindgen's `__` internals such as the reset) is not in it: the facade
 * reaches code of the shim's that calls a caller's keyring.
 * @param {WasmModule} m @param {any} glue
 */
function facade(m, glue) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const [name, v] of Object.entries(glue)) {
    if (name === 'default' || name === 'initSync' || name.startsWith('__')) continue;
    if (typeof v !== 'function') {
      out[name] = v;
    } else if (v.prototype && typeof v.prototype.__destroy_into_raw === 'function') {
      const C = /** @type {new (...args: any[]) => any} */ (v);
      const construct = m.guard(C, 'constructor');
      // A subclass, so that `new b.X(...)` works and its objects are X's; the
      // glue's constructor runs guarded, through Reflect.construct.
      out[name] = class extends C {
        /** @param {any[]} args */
        constructor(...args) {
          // eslint-disable-next-line no-constructor-return
          return construct(args, new.target);
        }
      };
    } else {
      out[name] = guarded(m, v);
    }
  }
  return Object.freeze(out);
}

/**
 * Guards every method and getter of the module's classes. `free()` of a stale
 * handle must not reach the new instance (the glue would free that pointer in
 * the new instance's heap): it only forgets the pointer. Objects the glue
 * makes without the constructor (`__wrap`, for what a call returns) are
 * adopted as the constructor's are, and `instanceof` a glue class (what the
 * glue checks before it reads an argument's `__wbg_ptr`) holds only for
 * objects the glue made: a caller's Proxy claiming the prototype, or an
 * object given a `__wbg_ptr`, is refused before its pointer is read.
 * @param {WasmModule} m @param {any} glue
 */
function guardClasses(m, glue) {
  for (const C of Object.values(glue)) {
    if (typeof C !== 'function' || !C.prototype || typeof C.prototype.__destroy_into_raw !== 'function') continue;
    if (GUARDED.has(C)) continue; // a load that failed part-way guarded it already
    for (const target of [C, C.prototype]) {
      for (const name of Object.getOwnPropertyNames(target)) {
        if (name === 'constructor' || name === 'prototype' || name.startsWith('__')) continue;
        const d = /** @type {PropertyDescriptor} */ (Object.getOwnPropertyDescriptor(target, name));
        if (!d.configurable) continue;
        if (typeof d.value === 'function') d.value = guarded(m, d.value, target !== C);
        else if (typeof d.get === 'function') d.get = guarded(m, d.get, target !== C);
        else continue;
        Object.defineProperty(target, name, d);
      }
    }
    const wrap = C.__wrap;
    if (typeof wrap === 'function') {
      Object.defineProperty(C, '__wrap', {
        value: /** @this {unknown} */ function (/** @type {number} */ ptr) {
          const o = wrap.call(this, ptr);
          m.adopt(o);
          return o;
        },
        writable: true,
        configurable: true,
      });
    }
    const ordinary = Function.prototype[Symbol.hasInstance];
    Object.defineProperty(C, Symbol.hasInstance, {
      value: /** @this {Function} */ function (/** @type {unknown} */ v) {
        return m.owns(v) && ordinary.call(this, v);
      },
      configurable: true,
    });
    const free = C.prototype.free;
    if (typeof free === 'function') {
      const safeFree = /** @this {any} */ function () {
        if (!m.owns(this)) return; // not an object the glue made: nothing of ours to free
        if (m.isStale(this)) {
          this.__destroy_into_raw();
          return;
        }
        return free.call(this);
      };
      Object.defineProperty(C.prototype, 'free', { value: safeFree, writable: true, configurable: true });
      if (typeof Symbol.dispose === 'symbol') Object.defineProperty(C.prototype, Symbol.dispose, { value: safeFree, writable: true, configurable: true });
    }
    GUARDED.add(C);
  }
}

/** The glue classes `guardClasses` has finished with. */
const GUARDED = new WeakSet();
