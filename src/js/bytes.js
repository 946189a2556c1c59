// Input normalisation. Framing and offsets live in Rust; here we only make
// sure the core gets a Uint8Array that covers exactly the caller's bytes, and
// that reading an argument never runs code of the caller's inside the core.
import { EdgeKmsError } from './errors.js';

const encoder = new TextEncoder();

// The engine's own accessors, called on the value: they read internal slots,
// so a Proxy, an overridden getter or a subclass cannot answer for them, and
// they work on views and buffers of any realm (an iframe, a vm context).
const getter = (proto, name) => /** @type {(this: unknown) => any} */ (Object.getOwnPropertyDescriptor(proto, name)?.get);
const TYPED_ARRAY = Object.getPrototypeOf(Uint8Array.prototype);
const taTag = getter(TYPED_ARRAY, Symbol.toStringTag);
const taBuffer = getter(TYPED_ARRAY, 'buffer');
const taOffset = getter(TYPED_ARRAY, 'byteOffset');
const taLength = getter(TYPED_ARRAY, 'byteLength');
const dvBuffer = getter(DataView.prototype, 'buffer');
const abLength = getter(ArrayBuffer.prototype, 'byteLength');
const abDetached = getter(ArrayBuffer.prototype, 'detached'); // not in every runtime yet
const sabLength = typeof SharedArrayBuffer === 'function' ? getter(SharedArrayBuffer.prototype, 'byteLength') : undefined;

/** @param {(this: unknown) => any} fn @param {unknown} v @returns {any} undefined if `v` lacks the slot */
function slot(fn, v) {
  try {
    return fn.call(v);
  } catch {
    return undefined;
  }
}

/**
 * Whether `buffer` is shared memory. Asks the ArrayBuffer slot first: on the
 * common path nothing throws (a failed brand check throws a TypeError, whose
 * stack trace cost ~0.1 ms per message when every argument paid for one).
 * @param {ArrayBufferLike} buffer
 */
function isShared(buffer) {
  return sabLength !== undefined && slot(abLength, buffer) === undefined && slot(sabLength, buffer) !== undefined;
}

/** Whether `buffer` (an ArrayBuffer of any realm) is detached. @param {ArrayBufferLike} buffer */
export function isDetached(buffer) {
  if (isShared(buffer)) return false; // shared memory never detaches
  if (abDetached) return slot(abDetached, buffer) === true;
  try {
    new Uint8Array(buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

const notBytes = (what) => new EdgeKmsError('INVALID_ARGUMENT', `${what} must be a Uint8Array, ArrayBuffer, typed array view or string`);

/**
 * A plain Uint8Array over exactly the bytes of `input`: the same memory for
 * ordinary buffers (no copy), a private copy for shared memory (another
 * thread could change it between two reads of the core). Always a new view of
 * the built-in class, so no subclass method or Proxy trap of the caller's can
 * run while the core reads it. Refuses detached buffers (INVALID_ARGUMENT).
 * @param {Uint8Array | ArrayBuffer | ArrayBufferView | string} input
 * @param {string} what  the argument's name, for the error message
 * @returns {Uint8Array}
 */
export function toBytes(input, what) {
  if (typeof input === 'string') return encoder.encode(input);
  if (input === null || typeof input !== 'object') throw notBytes(what);
  /** @type {ArrayBufferLike} */ let buffer;
  let offset = 0, length;
  if (slot(taTag, input) !== undefined) {
    buffer = taBuffer.call(input);
    offset = taOffset.call(input);
    length = taLength.call(input);
  } else if (slot(dvBuffer, input) !== undefined) {
    buffer = dvBuffer.call(input);
    if (isDetached(buffer)) throw new EdgeKmsError('INVALID_ARGUMENT', `${what} is detached (transferred away)`);
    // A DataView's byteOffset/byteLength getters live on DataView.prototype.
    offset = getter(DataView.prototype, 'byteOffset').call(input);
    length = getter(DataView.prototype, 'byteLength').call(input);
  } else if ((length = slot(abLength, input)) !== undefined || (sabLength && (length = slot(sabLength, input)) !== undefined)) {
    buffer = /** @type {ArrayBufferLike} */ (input);
  } else {
    throw notBytes(what);
  }
  if (isDetached(buffer)) throw new EdgeKmsError('INVALID_ARGUMENT', `${what} is detached (transferred away)`);
  if (isShared(buffer)) {
    const copy = new Uint8Array(length);
    copy.set(new Uint8Array(buffer, offset, length));
    return copy;
  }
  return new Uint8Array(buffer, offset, length);
}

/**
 * `v` as a fresh built-in view over the same bytes if it is a Uint8Array of
 * any realm (by its internal slots: a Proxy of one is not, and a subclass's
 * `length` is not asked), else undefined. Shared memory is copied; a
 * detached buffer is not bytes. For values a caller's code hands back (a KMS
 * keyring's answer), whose wiping must still reach the caller's buffer.
 * @param {unknown} v @returns {Uint8Array | undefined}
 */
export function uint8View(v) {
  if (v === null || typeof v !== 'object' || slot(taTag, v) !== 'Uint8Array') return undefined;
  try {
    return /** @type {Uint8Array} */ (plainArgument(v));
  } catch {
    return undefined;
  }
}

/**
 * What a call into a wasm module gets for one argument of the caller's (or
 * one the shim got from a caller: a KMS keyring's answer, a signer's
 * signature). wasm-bindgen's glue reads a byte argument's `length` three
 * times and its elements one by one, and an array's `length` on every
 * iteration, after it allocated the block it copies them into: a Proxy, a
 * subclass or an own `length` could make those reads disagree and write past
 * the block, or run the caller's code in the middle of the copy. So a typed
 * array becomes a fresh built-in Uint8Array over exactly its bytes (read
 * through internal slots; shared memory copied, a detached buffer refused),
 * and an array a plain copy of its elements (made here, before the module
 * runs). Any other object becomes a structured clone: plain data read once,
 * here (an array-like whose `length` lies, a String-like with getters, a
 * Proxy -- which cannot be cloned -- never reaches the glue's copying).
 * Primitives and functions pass unchanged; so do the module's own handles
 * (`isHandle`), checked by identity in core.js.
 * @param {unknown} v @param {(v: object) => boolean} [isHandle]
 * @returns {unknown}
 */
export function plainArgument(v, isHandle) {
  if (v === null || typeof v !== 'object') return v;
  if (isHandle?.(v)) return v;
  if (slot(taTag, v) !== undefined) {
    const buffer = taBuffer.call(v), offset = taOffset.call(v), length = taLength.call(v);
    if (isDetached(buffer)) throw new EdgeKmsError('INVALID_ARGUMENT', 'an argument is detached (transferred away)');
    if (isShared(buffer)) {
      const copy = new Uint8Array(length);
      copy.set(new Uint8Array(buffer, offset, length));
      return copy;
    }
    return new Uint8Array(buffer, offset, length);
  }
  let isArray;
  try {
    isArray = Array.isArray(v);
  } catch (e) { // a revoked Proxy
    throw new EdgeKmsError('INVALID_ARGUMENT', 'an argument could not be read', { cause: e });
  }
  try {
    return isArray ? Array.from(/** @type {unknown[]} */ (v)) : structuredClone(v);
  } catch (e) {
    throw new EdgeKmsError('INVALID_ARGUMENT', 'an argument could not be read (not plain data)', { cause: e });
  }
}

/**
 * Checks, right before the core reads `bytes` again after an `await`, that
 * the caller's buffer still holds `length` bytes: a buffer detached or shrunk
 * meanwhile must fail (INVALID_ARGUMENT), not read as a shorter input.
 * @param {Uint8Array} bytes  as returned by toBytes @param {number} length @param {string} what
 */
export function checkUnchanged(bytes, length, what) {
  if (bytes.length !== length || isDetached(bytes.buffer)) {
    throw new EdgeKmsError('INVALID_ARGUMENT', `${what} was detached or resized while the call was under way`);
  }
}

/**
 * Reads the named fields of an options object once, so later code sees one
 * snapshot; a getter or Proxy trap that throws becomes INVALID_ARGUMENT.
 * `undefined` and `null` read as no options. With `strict`, an own enumerable
 * key that is not one of `names` is INVALID_ARGUMENT: a misspelt option of a
 * security API (a context to require, a keyring to re-key to) must not be
 * dropped in silence.
 * @template {string} K
 * @param {unknown} options @param {string} what @param {readonly K[]} names @param {boolean} [strict]
 * @returns {Partial<Record<K, any>>}
 */
export function readOptions(options, what, names, strict = false) {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' && typeof options !== 'function') throw new EdgeKmsError('INVALID_ARGUMENT', `${what} must be an object`);
  /** @type {Partial<Record<K, any>>} */
  const out = {};
  /** @type {string | undefined} */
  let unknown;
  try {
    if (strict) unknown = Object.keys(options).find((k) => !(/** @type {readonly string[]} */ (names)).includes(k));
    for (const name of names) out[name] = /** @type {any} */ (options)[name];
  } catch (e) {
    throw new EdgeKmsError('INVALID_ARGUMENT', `${what} could not be read`, { cause: e });
  }
  if (unknown !== undefined) {
    throw new EdgeKmsError('INVALID_ARGUMENT', `${what}: unknown option ${JSON.stringify(unknown.slice(0, 40))} (known: ${names.join(', ')})`);
  }
  return out;
}

/**
 * `signal` if it is undefined or an AbortSignal (of any realm: checked by
 * shape), else INVALID_ARGUMENT.
 * @param {unknown} signal @returns {AbortSignal | undefined}
 */
export function checkSignal(signal) {
  if (signal === undefined) return undefined;
  let ok = false;
  try {
    const s = /** @type {any} */ (signal);
    ok = s !== null && typeof s === 'object' && typeof s.aborted === 'boolean'
      && typeof s.addEventListener === 'function' && typeof s.throwIfAborted === 'function';
  } catch (e) {
    throw new EdgeKmsError('INVALID_ARGUMENT', 'signal could not be read', { cause: e });
  }
  if (!ok) throw new EdgeKmsError('INVALID_ARGUMENT', 'signal must be an AbortSignal');
  return /** @type {AbortSignal} */ (signal);
}

/**
 * Whether `s` is well-formed UTF-16 (`isWellFormed` where the runtime has it).
 * A lone surrogate has no UTF-8 form: passed into the core it would become
 * U+FFFD, so two different strings would bind, compare and cache as one.
 * @param {string} s
 */
export function wellFormed(s) {
  if (typeof s.isWellFormed === 'function') return s.isWellFormed();
  try { encodeURIComponent(s); return true; } catch { return false; }
}
