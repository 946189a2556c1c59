// Keyrings: who wraps a message's data key.
//
// Local keyrings hand a copy of their key to a wasm module on first use, and
// again if the module was restarted after a trap (core.js, "recovery"): their
// private copy is the caller's key already in this JS heap, and without it one
// input that traps a module would disable every keyring made before it.
// RawAesKeyring lives in the `envelope` module with the message format, or in
// `envelope-full` (its superset), or both: one handle per module. The
// RSA keyrings (keyrings-rsa.js) live in the `rsa` module, which only pages
// using RSA fetch, and whose glue only pages that make an RSA keyring bundle:
// EnvelopeClient copies the data key out of the envelope module for them to
// wrap, and offers what they unwrap back to it (wiped after each call; the
// envelope module takes a key only if the header authenticates under it).
// KMS keyrings (BrokerKeyring, or any object with
// `isKmsKeyring === true`) are called by EnvelopeClient through the data-key
// seam. MultiKeyring is a generator plus children.
import { EdgeKmsError } from './errors.js';
import { readOptions, toBytes, wellFormed } from './bytes.js';
import { envelope } from './modules/envelope.js';
import { envelopeFull } from './modules/envelope-full.js';

/**
 * A private copy of caller bytes. Not `slice`: on a Node Buffer that returns a
 * view, and wiping it would wipe the caller's key.
 * @param {Uint8Array} b
 */
export function copy(b) {
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
export function freezeFields(o, names) {
  for (const name of names) {
    Object.defineProperty(o, name, { value: /** @type {any} */ (o)[name], writable: false, configurable: false, enumerable: true });
  }
}

/**
 * Freezes an instance of exactly `cls` (a subclass's constructor still adds
 * its fields, and freezes itself if it likes). A frozen object is also what
 * Vue's `reactive`/`ref` and a Pinia store keep as it is instead of wrapping
 * it in a Proxy, which has none of the instance's private state: a keyring
 * kept in such state would otherwise not be a keyring when read back.
 * @param {object} o @param {Function | undefined} target `new.target` @param {Function} cls
 */
export function frozenUnlessSubclassed(o, target, cls) {
  if (target === cls) Object.freeze(o);
}

export function str(v, what) {
  if (typeof v !== 'string' || v.length === 0) throw new EdgeKmsError('INVALID_ARGUMENT', `${what} must be a non-empty string`);
  // A lone surrogate has no UTF-8 form: the core would see U+FFFD, and two names would be one.
  if (!wellFormed(v)) throw new EdgeKmsError('INVALID_ARGUMENT', `${what} must be well-formed Unicode (no lone surrogates)`);
  return v;
}

/**
 * A keyring whose key lives in a wasm module: its handle there, made on first
 * use and made again if the module was restarted; one per module (`envelope`
 * and `envelope-full` each make their own, from the same private copy). The handle and the function
 * that makes it are private fields, found by the keyring's identity: the
 * shim never calls a method it looks up on a keyring object (a caller's Proxy
 * of a keyring, or a subclass overriding it, would be handed the module's
 * bindings), and a Proxy has no private fields, so it is not a keyring.
 * @internal
 */
export class ModuleKeyring {
  /** @type {Map<object, any>} the handle in each module, by the module's bindings */ #handles = new Map();
  /** @type {(b: any) => any} */ #create;
  /** @type {(handle: any) => boolean} */ #isStale;
  /** @param {(b: any) => any} create @param {(handle: any) => boolean} isStale */
  constructor(create, isStale) {
    this.#create = create;
    this.#isStale = isStale;
  }
  /** Whether `k` is one of these keyrings (a brand check: no getter or trap of the caller's runs). @param {unknown} k */
  static is(k) {
    return k !== null && typeof k === 'object' && #handles in k;
  }
  /** @param {ModuleKeyring} k @param {any} b the module's bindings @returns {any} */
  static handleOf(k, b) {
    if (!ModuleKeyring.is(k)) throw new EdgeKmsError('INVALID_ARGUMENT', 'not a keyring of this package');
    // A handle of a module discarded after a trap is made again in the new one.
    let h = k.#handles.get(b);
    if (!h || k.#isStale(h)) {
      // One module at a time holds the key: once `envelope-full` makes its
      // handle, `envelope` (which no new call uses then) lets go of its copy.
      // Every caller uses a handle synchronously, so none is freed under a use.
      for (const old of k.#handles.values()) {
        try { old.free(); } catch { /* its module cannot run now: the handle goes with its instance */ }
      }
      k.#handles.clear();
      h = k.#create(b);
      k.#handles.set(b, h);
    }
    return h;
  }
}

/** A handle of `envelope` or `envelope-full` made by an instance since discarded. @param {any} h */
const isStale = (h) => envelope.isStale(h) || envelopeFull.isStale(h);

/** A keyring whose key lives in the `envelope` (or `envelope-full`) module. @internal */
class LocalKeyring extends ModuleKeyring {
  /** @param {(b: any) => any} create */
  constructor(create) {
    super(create, isStale);
  }
}

/**
 * The RSA keyrings' operations (keyrings-rsa.js), installed by the first RSA
 * keyring made: a page that never makes one never bundles the `rsa` module's
 * glue, and with none made no keyring can be one.
 * @type {{ isRsa(k: any): boolean, isKmsRsa(k: any): boolean, canDecrypt(k: any): Promise<boolean>,
 *   wrap(k: any, dataKey: Uint8Array, serializedContext: Uint8Array): Promise<{ providerId: string, providerInfo: Uint8Array, ciphertext: Uint8Array }>,
 *   unwrap(k: any, edk: { providerId: string, providerInfo: Uint8Array, ciphertext: Uint8Array }, serializedContext: Uint8Array, dataKeyLength: number): Promise<Uint8Array | undefined> } | undefined}
 */
let rsaOps;

/** For keyrings-rsa.js. @param {NonNullable<typeof rsaOps>} ops */
export function installRsaKeyrings(ops) {
  rsaOps ??= ops;
}

/** Whether `k` is a RawRsaKeyring or KmsRsaPublicKeyring. @param {any} k */
export const isRsaKeyring = (k) => rsaOps !== undefined && rsaOps.isRsa(k);

/** Whether `k` is a KmsRsaPublicKeyring. @param {any} k */
export const isKmsRsaKeyring = (k) => rsaOps !== undefined && rsaOps.isKmsRsa(k);

/** The RSA keyrings' operations; only for a keyring `isRsaKeyring` accepted. */
export const rsaKeyrings = () => /** @type {NonNullable<typeof rsaOps>} */ (rsaOps);

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
    frozenUnlessSubclassed(this, new.target, RawAesKeyring);
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
    frozenUnlessSubclassed(this, new.target, MultiKeyring);
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
  throw new EdgeKmsError('INVALID_ARGUMENT', 'not a keyring (expected RawAesKeyring, RawRsaKeyring, KmsRsaPublicKeyring, MultiKeyring or a KMS keyring; a Proxy of a local keyring is not one: pass the keyring itself)');
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
  try {
    return flattenTree(k, new Set());
  } catch (e) { // a getter or Proxy trap of the caller's in the tree, or one too deep to walk
    if (e instanceof EdgeKmsError) throw e;
    throw new EdgeKmsError('INVALID_ARGUMENT', 'the keyring could not be read', { cause: e });
  }
}

/** @param {any} k @param {Set<object>} path the MultiKeyrings above `k` @returns {{ hasGenerator: boolean, members: any[] }} */
function flattenTree(k, path) {
  if (!(k instanceof MultiKeyring)) return { hasGenerator: true, members: [k] };
  if (path.has(k)) throw new EdgeKmsError('INVALID_ARGUMENT', 'the keyring tree holds itself');
  path.add(k);
  const members = [];
  let hasGenerator = false;
  if (k.generator) {
    const g = flattenTree(k.generator, path);
    hasGenerator = g.hasGenerator;
    members.push(...g.members);
  }
  for (const c of k.children) members.push(...flattenTree(c, path).members);
  path.delete(k);
  return { hasGenerator, members };
}

/** @param {any} k @param {any} b */
export function coreKeyring(k, b) {
  if (!(ModuleKeyring.is(k) && k instanceof LocalKeyring)) throw new EdgeKmsError('INVALID_ARGUMENT', 'not a keyring of this package');
  return ModuleKeyring.handleOf(k, b);
}
