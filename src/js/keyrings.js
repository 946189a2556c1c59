// Keyrings: who wraps a message's data key.
//
// Local keyrings (RawAesKeyring, ...) hand their key to the wasm core on first
// use and keep no copy in JS. KMS keyrings (BrokerKeyring, or any object with
// `isKmsKeyring === true`) are called by EnvelopeClient through the data-key
// seam. MultiKeyring is a generator plus children.
import { EdgeKmsError } from './errors.js';
import { toBytes } from './bytes.js';

const local = Symbol('edge-kms local keyring');

/**
 * A private copy of caller bytes. Not `slice`: on a Node Buffer that returns a
 * view, and wiping it would wipe the caller's key.
 * @param {Uint8Array} b
 */
function copy(b) {
  const c = new Uint8Array(b.length);
  c.set(b);
  return c;
}

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
    if (this._handle) return this._handle;
    // A key the core refused stays refused: its bytes were wiped on the first try.
    if (this._error) throw this._error;
    try {
      this._handle = this._create(b);
    } catch (e) {
      this._error = e;
      throw e;
    }
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
    /** @type {Uint8Array | undefined} */ this._key = copy(key);
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

/**
 * Raw RSA wrapping key, interoperable with the AWS Encryption SDK's raw RSA
 * keyring. Keys are PEM text or DER bytes (SPKI / PKCS#1 public, PKCS#8 /
 * PKCS#1 private); only the public key is needed to encrypt, only the private
 * key to decrypt. At least 2048 bits.
 */
export class RawRsaKeyring extends LocalKeyring {
  /** @param {{ keyNamespace: string, keyName: string, publicKey?: string | Uint8Array, privateKey?: string | Uint8Array,
   *            padding?: 'OAEP_SHA1' | 'OAEP_SHA256' | 'OAEP_SHA384' | 'OAEP_SHA512' | 'PKCS1' }} options */
  constructor({ keyNamespace, keyName, publicKey, privateKey, padding = 'OAEP_SHA256' } = /** @type {any} */ ({})) {
    super();
    this.keyNamespace = str(keyNamespace, 'keyNamespace');
    this.keyName = str(keyName, 'keyName');
    if (publicKey === undefined && privateKey === undefined) throw new EdgeKmsError('INVALID_ARGUMENT', 'a RawRsaKeyring needs publicKey, privateKey or both');
    if (!['OAEP_SHA1', 'OAEP_SHA256', 'OAEP_SHA384', 'OAEP_SHA512', 'PKCS1'].includes(padding)) throw new EdgeKmsError('UNSUPPORTED_ALGORITHM', 'padding must be OAEP_SHA1, OAEP_SHA256, OAEP_SHA384, OAEP_SHA512 or PKCS1');
    this.padding = padding;
    this._public = publicKey === undefined ? new Uint8Array(0) : copy(toBytes(publicKey, 'publicKey'));
    /** @type {Uint8Array | undefined} */ this._private = privateKey === undefined ? new Uint8Array(0) : copy(toBytes(privateKey, 'privateKey'));
    Object.defineProperty(this, '_private', { enumerable: false });
    Object.defineProperty(this, '_public', { enumerable: false });
  }
  /** @param {any} b */
  _create(b) {
    const sk = /** @type {Uint8Array} */ (this._private);
    try {
      return b.CoreKeyring.rawRsa(this.keyNamespace, this.keyName, this._public, sk, this.padding);
    } finally {
      sk.fill(0);
      this._private = undefined;
    }
  }
}

/**
 * Seals data keys to the public half of an AWS KMS RSA key (RSAES_OAEP_SHA_256),
 * with no KMS call. Only the unsigned suite AES_256_GCM_HKDF_SHA512_COMMIT_KEY.
 * To decrypt, pass `kms` (a KMS keyring such as BrokerKeyring) whose
 * `decryptDataKey` is called with `encryptionAlgorithm: 'RSAES_OAEP_SHA_256'`.
 */
export class KmsRsaPublicKeyring extends LocalKeyring {
  /** @param {{ keyId: string, publicKey: string | Uint8Array, kms?: any }} options */
  constructor({ keyId, publicKey, kms } = /** @type {any} */ ({})) {
    super();
    this.keyId = str(keyId, 'keyId');
    if (kms !== undefined && !isKms(kms)) throw new EdgeKmsError('INVALID_ARGUMENT', 'kms must be a KMS keyring');
    this.kms = kms;
    this._public = copy(toBytes(publicKey, 'publicKey'));
    Object.defineProperty(this, '_public', { enumerable: false });
  }
  /** @param {any} b */
  _create(b) {
    return b.CoreKeyring.kmsRsaPublic(this.keyId, this._public);
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
