// Keyrings: who wraps a message's data key.
//
// Local keyrings (RawAesKeyring, ...) hand their key to the wasm core on first
// use and keep no copy in JS. KMS keyrings (BrokerKeyring, or any object with
// `isKmsKeyring === true`) are called by EnvelopeClient through the data-key
// seam. MultiKeyring is a generator plus children.
import { EdgeKmsError } from './errors.js';
import { toBytes } from './bytes.js';

const local = Symbol('edge-kms local keyring');

function str(v, what) {
  if (typeof v !== 'string' || v.length === 0) throw new EdgeKmsError('INVALID_ARGUMENT', `${what} must be a non-empty string`);
  return v;
}

/** A keyring whose key lives in the wasm core. @internal */
class LocalKeyring {
  constructor() {
    /** @type {any} */ this._handle = undefined;
  }
  /** @param {any} b the wasm bindings @returns {any} */
  [local](b) {
    if (!this._handle) this._handle = this._create(b);
    return this._handle;
  }
}

/**
 * Raw AES-GCM wrapping key (128, 192 or 256 bits), interoperable with the
 * AWS Encryption SDK's raw AES keyring. The key bytes are copied; the copy is
 * moved into the wasm core (and wiped in JS) the first time the keyring is used.
 */
export class RawAesKeyring extends LocalKeyring {
  /** @param {{ keyNamespace: string, keyName: string, wrappingKey: Uint8Array | ArrayBuffer | ArrayBufferView }} options */
  constructor({ keyNamespace, keyName, wrappingKey } = /** @type {any} */ ({})) {
    super();
    this.keyNamespace = str(keyNamespace, 'keyNamespace');
    this.keyName = str(keyName, 'keyName');
    if (typeof wrappingKey === 'string') throw new EdgeKmsError('INVALID_ARGUMENT', 'wrappingKey must be bytes, not a string');
    const key = toBytes(wrappingKey, 'wrappingKey');
    if (![16, 24, 32].includes(key.length)) throw new EdgeKmsError('INVALID_ARGUMENT', 'wrappingKey must be 16, 24 or 32 bytes');
    /** @type {Uint8Array | undefined} */ this._key = key.slice();
    Object.defineProperty(this, '_key', { enumerable: false });
  }
  /** @param {any} b */
  _create(b) {
    const key = /** @type {Uint8Array} */ (this._key);
    try {
      return b.CoreKeyring.rawAes(this.keyNamespace, this.keyName, key);
    } finally {
      key.fill(0);
      this._key = undefined;
    }
  }
}

/** Several keyrings: the generator makes the data key, every child wraps it too. */
export class MultiKeyring {
  /** @param {{ generator?: any, children?: any[] }} options */
  constructor({ generator, children = [] } = {}) {
    if (!Array.isArray(children)) throw new EdgeKmsError('INVALID_ARGUMENT', 'children must be an array of keyrings');
    if (!generator && children.length === 0) throw new EdgeKmsError('INVALID_ARGUMENT', 'a MultiKeyring needs a generator or children');
    for (const k of [generator, ...children]) if (k !== undefined) checkKeyring(k);
    this.generator = generator;
    this.children = children;
  }
}

/** @param {any} k */
export function checkKeyring(k) {
  if (k instanceof LocalKeyring || k instanceof MultiKeyring || isKms(k)) return k;
  throw new EdgeKmsError('INVALID_ARGUMENT', 'not a keyring (expected RawAesKeyring, RawRsaKeyring, KmsRsaPublicKeyring, MultiKeyring or a KMS keyring)');
}

/** @param {any} k */
export function isKms(k) {
  return !!k && k.isKmsKeyring === true;
}

/** @param {any} k */
export function isLocal(k) {
  return k instanceof LocalKeyring;
}

/**
 * Flattens a keyring tree into [generator, ...wrappers]; `hasGenerator` says whether
 * the first one is a generator (a MultiKeyring without one can only decrypt).
 * @param {any} k
 * @returns {{ hasGenerator: boolean, members: any[] }}
 */
export function flatten(k) {
  if (k instanceof MultiKeyring) {
    const members = [];
    let hasGenerator = false;
    if (k.generator) {
      const g = flatten(k.generator);
      hasGenerator = g.hasGenerator;
      members.push(...g.members);
    }
    for (const c of k.children) members.push(...flatten(c).members);
    return { hasGenerator, members };
  }
  return { hasGenerator: true, members: [k] };
}

/** @param {any} k @param {any} b */
export function coreKeyring(k, b) {
  return k[local](b);
}

export { LocalKeyring as _LocalKeyring };
