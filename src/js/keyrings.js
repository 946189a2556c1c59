// Keyrings: who wraps a message's data key.
//
// Local keyrings hand a copy of their key to a wasm module on first use, and
// again if the module was restarted after a trap (core.js, "recovery"): their
// private copy is the caller's key already in this JS heap, and without it one
// input that traps a module would disable every keyring made before it.
// RawAesKeyring lives in the `envelope` module with the message format. The
// RSA keyrings live in the `rsa` module, which only pages using RSA fetch:
// EnvelopeClient copies the data key out of the envelope module for them to
// wrap, and offers what they unwrap back to it (wiped after each call; the
// envelope module takes a key only if the header authenticates under it).
// KMS keyrings (BrokerKeyring, or any object with
// `isKmsKeyring === true`) are called by EnvelopeClient through the data-key
// seam. MultiKeyring is a generator plus children.
import { EdgeKmsError } from './errors.js';
import { readOptions, toBytes, wellFormed } from './bytes.js';
import { isStale } from './modules/envelope.js';
import * as rsaModule from './modules/rsa.js';

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

/**
 * Makes `names` read-only own properties of `o`: what a keyring's module
 * handle is made from is read again whenever the handle is made again (after
 * a restart), so it must stay what the constructor checked.
 * @param {object} o @param {string[]} names
 */
function freezeFields(o, names) {
  for (const name of names) {
    Object.defineProperty(o, name, { value: /** @type {any} */ (o)[name], writable: false, configurable: false, enumerable: true });
  }
}

function str(v, what) {
  if (typeof v !== 'string' || v.length === 0) throw new EdgeKmsError('INVALID_ARGUMENT', `${what} must be a non-empty string`);
  // A lone surrogate has no UTF-8 form: the core would see U+FFFD, and two names would be one.
  if (!wellFormed(v)) throw new EdgeKmsError('INVALID_ARGUMENT', `${what} must be well-formed Unicode (no lone surrogates)`);
  return v;
}

/**
 * A keyring whose key lives in a wasm module: its handle there, made on first
 * use and made again if the module was restarted. The handle and the function
 * that makes it are private fields, found by the keyring's identity: the
 * shim never calls a method it looks up on a keyring object (a caller's Proxy
 * of a keyring, or a subclass overriding it, would be handed the module's
 * bindings), and a Proxy has no private fields, so it is not a keyring.
 * @internal
 */
class ModuleKeyring {
  /** @type {any} */ #handle;
  /** @type {(b: any) => any} */ #create;
  /** @type {(handle: any) => boolean} */ #isStale;
  /** @param {(b: any) => any} create @param {(handle: any) => boolean} isStale */
  constructor(create, isStale) {
    this.#create = create;
    this.#isStale = isStale;
  }
  /** Whether `k` is one of these keyrings (a brand check: no getter or trap of the caller's runs). @param {unknown} k */
  static is(k) {
    return k !== null && typeof k === 'object' && #handle in k;
  }
  /** @param {ModuleKeyring} k @param {any} b the module's bindings @returns {any} */
  static handleOf(k, b) {
    if (!ModuleKeyring.is(k)) throw new EdgeKmsError('INVALID_ARGUMENT', 'not a keyring of this package');
    // A handle of a module discarded after a trap is made again in the new one.
    if (!k.#handle || k.#isStale(k.#handle)) k.#handle = k.#create(b);
    return k.#handle;
  }
}

/** A keyring whose key lives in the `envelope` module. @internal */
class LocalKeyring extends ModuleKeyring {
  /** @param {(b: any) => any} create */
  constructor(create) {
    super(create, isStale);
  }
}

/** A keyring whose key lives in the `rsa` module. @internal */
class RsaModuleKeyring extends ModuleKeyring {
  /** @param {(b: any) => any} create */
  constructor(create) {
    super(create, rsaModule.isStale);
  }
}

/** 64 fresh random bytes for a module's generator (it wipes them). */
const entropy = () => crypto.getRandomValues(new Uint8Array(64));

/** @param {any} k */
export function isRsaKeyring(k) {
  return RsaModuleKeyring.is(k) && k instanceof RsaModuleKeyring;
}

/**
 * Whether the keyring holds a private key (loads the `rsa` module).
 * @param {any} k @returns {Promise<boolean>}
 */
export function rsaCanDecrypt(k) {
  return rsaModule.withCore((b) => RsaModuleKeyring.handleOf(k, b).canDecrypt());
}

/**
 * Wraps `dataKey` (wiped here whatever happens) with an RSA keyring.
 * @param {any} k @param {Uint8Array} dataKey @param {Uint8Array} serializedContext
 * @returns {Promise<{ providerId: string, providerInfo: Uint8Array, ciphertext: Uint8Array }>}
 */
export async function rsaWrap(k, dataKey, serializedContext) {
  try {
    return await rsaModule.withCore((b) => RsaModuleKeyring.handleOf(k, b).wrap(dataKey, serializedContext, entropy()));
  } finally {
    dataKey.fill(0);
  }
}

/**
 * Unwraps one encrypted data key with an RSA keyring: the data key, or
 * undefined if it is not this keyring's or does not decrypt. The caller wipes
 * the key once the envelope module took it.
 * @param {any} k @param {{ providerId: string, providerInfo: Uint8Array, ciphertext: Uint8Array }} edk
 * @param {Uint8Array} serializedContext @param {number} dataKeyLength
 * @returns {Promise<Uint8Array | undefined>}
 */
export function rsaUnwrap(k, edk, serializedContext, dataKeyLength) {
  return rsaModule.withCore((b) => RsaModuleKeyring.handleOf(k, b).unwrap(edk.providerId, edk.providerInfo, edk.ciphertext, serializedContext, dataKeyLength, entropy()));
}

/**
 * Raw AES-GCM wrapping key (128, 192 or 256 bits), interoperable with the
 * AWS Encryption SDK's raw AES keyring. The key bytes are copied into a private
 * buffer and into the wasm core the first time the keyring is used; the private
 * copy lets the keyring rebuild its core handle if the core ever restarts.
 */
export class RawAesKeyring extends LocalKeyring {
  /** @type {Uint8Array} */ #key;
  /** @param {{ keyNamespace: string, keyName: string, wrappingKey: Uint8Array | ArrayBuffer | ArrayBufferView }} options */
  constructor(options) {
    super((b) => this.#make(b));
    const { keyNamespace, keyName, wrappingKey } = readOptions(options, 'RawAesKeyring options', ['keyNamespace', 'keyName', 'wrappingKey']);
    this.keyNamespace = str(keyNamespace, 'keyNamespace');
    this.keyName = str(keyName, 'keyName');
    if (typeof wrappingKey === 'string') throw new EdgeKmsError('INVALID_ARGUMENT', 'wrappingKey must be bytes, not a string');
    const key = toBytes(wrappingKey, 'wrappingKey');
    if (![16, 24, 32].includes(key.length)) throw new EdgeKmsError('INVALID_ARGUMENT', 'wrappingKey must be 16, 24 or 32 bytes');
    this.#key = copy(key);
    freezeFields(this, ['keyNamespace', 'keyName']);
  }
  /** @param {any} b */
  #make(b) {
    const key = copy(this.#key); // the core wipes what it is given
    try {
      return b.CoreKeyring.rawAes(this.keyNamespace, this.keyName, key);
    } finally {
      key.fill(0);
    }
  }
}

/**
 * Raw RSA wrapping key, interoperable with the AWS Encryption SDK's raw RSA
 * keyring. Keys are PEM text or DER bytes (SPKI / PKCS#1 public, PKCS#8 /
 * PKCS#1 private); only the public key is needed to encrypt, only the private
 * key to decrypt. At least 2048 bits.
 */
export class RawRsaKeyring extends RsaModuleKeyring {
  /** @type {Uint8Array} */ #public;
  /** @type {Uint8Array} */ #private;
  /** @param {{ keyNamespace: string, keyName: string, publicKey?: string | Uint8Array, privateKey?: string | Uint8Array,
   *            padding?: 'OAEP_SHA1' | 'OAEP_SHA256' | 'OAEP_SHA384' | 'OAEP_SHA512' | 'PKCS1' }} options */
  constructor(options) {
    super((b) => this.#make(b));
    const { keyNamespace, keyName, publicKey, privateKey, padding = 'OAEP_SHA256' } = readOptions(options, 'RawRsaKeyring options', ['keyNamespace', 'keyName', 'publicKey', 'privateKey', 'padding']);
    this.keyNamespace = str(keyNamespace, 'keyNamespace');
    this.keyName = str(keyName, 'keyName');
    if (publicKey === undefined && privateKey === undefined) throw new EdgeKmsError('INVALID_ARGUMENT', 'a RawRsaKeyring needs publicKey, privateKey or both');
    if (typeof padding !== 'string' || !['OAEP_SHA1', 'OAEP_SHA256', 'OAEP_SHA384', 'OAEP_SHA512', 'PKCS1'].includes(padding)) throw new EdgeKmsError('UNSUPPORTED_ALGORITHM', 'padding must be OAEP_SHA1, OAEP_SHA256, OAEP_SHA384, OAEP_SHA512 or PKCS1');
    this.padding = padding;
    this.#public = publicKey === undefined ? new Uint8Array(0) : copy(toBytes(publicKey, 'publicKey'));
    this.#private = privateKey === undefined ? new Uint8Array(0) : copy(toBytes(privateKey, 'privateKey'));
    freezeFields(this, ['keyNamespace', 'keyName', 'padding']);
  }
  /** @param {any} b */
  #make(b) {
    const sk = copy(this.#private); // the core wipes what it is given
    try {
      return b.RsaKeyring.rawRsa(this.keyNamespace, this.keyName, this.#public, sk, this.padding);
    } finally {
      sk.fill(0);
    }
  }
}

/**
 * Seals data keys to the public half of an AWS KMS RSA key (RSAES_OAEP_SHA_256),
 * with no KMS call. Only the unsigned suite AES_256_GCM_HKDF_SHA512_COMMIT_KEY.
 * To decrypt, pass `kms` (a KMS keyring such as BrokerKeyring) whose
 * `decryptDataKey` is called with `encryptionAlgorithm: 'RSAES_OAEP_SHA_256'`.
 */
export class KmsRsaPublicKeyring extends RsaModuleKeyring {
  /** @param {{ keyId: string, publicKey: string | Uint8Array, kms?: any }} options */
  constructor(options) {
    super((b) => this.#make(b));
    const { keyId, publicKey, kms } = readOptions(options, 'KmsRsaPublicKeyring options', ['keyId', 'publicKey', 'kms']);
    this.keyId = str(keyId, 'keyId');
    // As the core checks when it seals; a keyring that only decrypts never reaches
    // the core, so the same rule (the spec's: a key ARN, never an alias) is here.
    if (!/^arn:[^:]+:kms:[^:]*:[^:]*:key\/./.test(this.keyId)) throw new EdgeKmsError('INVALID_KEY_IDENTIFIER', 'the KMS RSA keyring needs a key ARN (arn:...:kms:...:key/...)');
    if (kms !== undefined && !isKms(kms)) throw new EdgeKmsError('INVALID_ARGUMENT', 'kms must be a KMS keyring');
    this.kms = kms;
    this.#public = copy(toBytes(publicKey, 'publicKey'));
    freezeFields(this, ['keyId']);
  }
  /** @type {Uint8Array} */ #public;
  /** @param {any} b */
  #make(b) {
    return b.RsaKeyring.kmsRsaPublic(this.keyId, this.#public);
  }
}

/** Several keyrings: the generator makes the data key, every child wraps it too. */
export class MultiKeyring {
  /** @param {{ generator?: any, children?: any[] }} options */
  constructor(options) {
    const { generator, children: given = [] } = readOptions(options, 'MultiKeyring options', ['generator', 'children']);
    /** @type {any[]} */ let children;
    try {
      if (!Array.isArray(given)) throw new EdgeKmsError('INVALID_ARGUMENT', 'children must be an array of keyrings');
      children = Array.from(given); // one snapshot: the caller's array may change later
    } catch (e) {
      if (e instanceof EdgeKmsError) throw e;
      throw new EdgeKmsError('INVALID_ARGUMENT', 'children could not be read', { cause: e });
    }
    if (!generator && children.length === 0) throw new EdgeKmsError('INVALID_ARGUMENT', 'a MultiKeyring needs a generator or children');
    for (const k of [generator, ...children]) if (k !== undefined) checkKeyring(k);
    this.generator = generator;
    this.children = Object.freeze(children);
  }
}

/** @param {any} k */
export function checkKeyring(k) {
  let ok;
  try {
    ok = ModuleKeyring.is(k) || k instanceof MultiKeyring || isKms(k);
  } catch (e) { // a Proxy or getter of the caller's that throws
    throw new EdgeKmsError('INVALID_ARGUMENT', 'the keyring could not be read', { cause: e });
  }
  if (ok) return k;
  throw new EdgeKmsError('INVALID_ARGUMENT', 'not a keyring (expected RawAesKeyring, RawRsaKeyring, KmsRsaPublicKeyring, MultiKeyring or a KMS keyring)');
}

/** @param {any} k */
export function isKms(k) {
  try {
    return !!k && k.isKmsKeyring === true;
  } catch { // a getter or Proxy trap of the caller's that throws: not a keyring
    return false;
  }
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
  if (!(ModuleKeyring.is(k) && k instanceof LocalKeyring)) throw new EdgeKmsError('INVALID_ARGUMENT', 'not a keyring of this package');
  return ModuleKeyring.handleOf(k, b);
}
