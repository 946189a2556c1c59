// Offline verification of AWS KMS signatures and KMS-signed JWTs.
//
// The wasm core decides everything (key parsing, algorithm fit, message and
// digest lengths, strict DER, range checks, allow-lists). For RSA and
// NIST-curve ECDSA over RAW messages it can answer with the signature in
// WebCrypto's form instead of a verdict (ECDSA DER → r ‖ s), plus the
// importKey/verify parameters (RSA-PSS saltLength = hash length); this file
// only runs subtle.verify with a CryptoKey imported once per key and
// algorithm, and falls back to the wasm engine when WebCrypto lacks it.
//
// The `verify` module holds no signature arithmetic. Where WebCrypto cannot
// verify (DIGEST messages, secp256k1, Ed25519, ML-DSA, engine 'wasm') its
// answer is a fallback request naming the module that can: `ecdsa` (NIST
// curves), `rare` (secp256k1, Ed25519, ML-DSA) or `rsa`; this file loads
// that module on first need and hands it the request. verifyJwt loads `jwt`
// (decoding, JSON, claims) and lets `verify` decide the signature.
import { core, isStale, withCoreSync } from './modules/verify.js';
import * as ecdsaModule from './modules/ecdsa.js';
import * as rareModule from './modules/rare.js';
import * as rsaModule from './modules/rsa.js';
import * as jwtModule from './modules/jwt.js';
import { EdgeKmsError } from './errors.js';
import { readOptions, toBytes } from './bytes.js';

const ENGINES = new Set(['auto', 'wasm', 'native']);
/** Module-private method name: verifyJwt's access to a key's engines. */
const VERIFY_JWT = Symbol('verifyJwt');

/** @returns {SubtleCrypto | undefined} */
const subtle = () => globalThis.crypto?.subtle;

const invalid = (msg) => new EdgeKmsError('INVALID_ARGUMENT', msg);
const unavailable = (msg, cause) => new EdgeKmsError('ENGINE_UNAVAILABLE', msg, cause === undefined ? {} : { cause });

function engineOf(engine = 'auto') {
  if (typeof engine !== 'string' || !ENGINES.has(engine)) throw invalid("engine must be 'auto', 'wasm' or 'native'");
  return engine;
}

function sigBytes(signature) {
  if (typeof signature === 'string') throw invalid('signature must be bytes (decode base64 from the KMS JSON API first)');
  return toBytes(signature, 'signature');
}

function stringArg(v, what) {
  if (typeof v !== 'string') throw invalid(`${what} must be a string`);
  return v;
}

/**
 * A fallback request of the `verify` module: the module and its function's arguments.
 * @typedef {{ module: 'ecdsa' | 'rare' | 'rsa', scheme: string, key: Uint8Array, hash: string,
 *             prehashed: boolean, message: Uint8Array, signature: Uint8Array }} FallbackRequest
 */

/** @type {Record<string, [{ withCore: (fn: (b: any) => any) => Promise<any>, withCoreSync: (fn: (b: any) => any) => any }, string]>} */
const FALLBACKS = {
  ecdsa: [ecdsaModule, 'ecdsaVerify'],
  rare: [rareModule, 'rareVerify'],
  rsa: [rsaModule, 'rsaVerify'],
};

/** @param {FallbackRequest} req */
function fallbackOf(req) {
  const f = Object.hasOwn(FALLBACKS, req.module) ? FALLBACKS[req.module] : undefined;
  if (!f) throw new EdgeKmsError('INTERNAL', 'edge-kms: the verify module asked for an unknown module');
  return f;
}

/** @param {FallbackRequest} req @param {any} b @param {string} fn */
const callFallback = (req, b, fn) => b[fn](req.scheme, req.key, req.hash, req.prehashed, req.message, req.signature);

/** Runs a fallback request in its module, loaded on first need. @param {FallbackRequest} req @returns {Promise<boolean>} */
function runFallback(req) {
  const [m, fn] = fallbackOf(req);
  return m.withCore((b) => callFallback(req, b, fn));
}

/**
 * The same, synchronously: the module must be loaded (always possible in
 * Node and workerd; elsewhere `await init([...])` first).
 * @param {FallbackRequest} req @returns {boolean}
 */
function runFallbackSync(req) {
  const [m, fn] = fallbackOf(req);
  return m.withCoreSync((b) => callFallback(req, b, fn));
}

/** A verdict, or the verdict of the fallback request the core answered. @param {boolean | FallbackRequest} out */
const settle = (out) => (typeof out === 'boolean' ? out : runFallback(out));

const VERIFY_FIELDS = /** @type {const} */ (['signingAlgorithm', 'message', 'messageType', 'signature', 'engine']);
const getTime = Date.prototype.getTime;

export class KmsPublicKey {
  /** @type {any} */ #core;
  /** @type {Uint8Array} DER SPKI, public: to parse again in a core restarted after a trap */ #spki;
  /** @type {Map<string, Promise<CryptoKey | null>>} */ #imported = new Map();
  /** @type {Map<string, any>} */ #params = new Map();

  /**
   * Parses the key once. Synchronous: needs the wasm core loaded (always in
   * Node; elsewhere `await init()` first, or use `await KmsPublicKey.from(…)`).
   * @param {Uint8Array | ArrayBuffer | ArrayBufferView | string} publicKey  DER SPKI, base64 or PEM
   */
  constructor(publicKey) {
    if (publicKey === undefined || publicKey === null) throw invalid('publicKey is required');
    const bytes = toBytes(publicKey, 'publicKey'); // DER, or base64/PEM text: the core decides
    this.#core = withCoreSync((b) => new b.WasmPublicKey(bytes));
    this.#spki = withCoreSync(() => this.#core.spki);
    // Frozen, as keyrings are: Vue's reactive/ref and Pinia keep it as it is (keyrings.js, frozenUnlessSubclassed).
    if (new.target === KmsPublicKey) Object.freeze(this);
  }

  /** Whether `v` is a KmsPublicKey (a brand check: runs no code of a Proxy's). @param {unknown} v */
  static [Symbol.hasInstance](v) {
    return v !== null && typeof v === 'object' && #core in v;
  }

  /** A call on a Proxy of a key (which has none of its private state): a coded error, not a TypeError. @param {unknown} v */
  static #own(v) {
    if (!(v instanceof KmsPublicKey)) throw invalid('not a KmsPublicKey (a Proxy of one has none of its state): call it on the key itself');
  }

  /** The core's parsed key, parsed again if the core was restarted since. */
  #key() {
    if (isStale(this.#core)) this.#core = withCoreSync((b) => new b.WasmPublicKey(this.#spki));
    return this.#core;
  }

  /** Loads the wasm core if needed, then parses. @param {Uint8Array | ArrayBuffer | ArrayBufferView | string} publicKey */
  static async from(publicKey) {
    await core();
    return new KmsPublicKey(publicKey);
  }

  /** KMS key spec: `RSA_2048`, `ECC_NIST_P256`, `ML_DSA_65`, … */
  get keySpec() {
    KmsPublicKey.#own(this);
    return withCoreSync(() => this.#key().keySpec);
  }

  /**
   * Verifies a signature as KMS `Verify` would. Resolves `false` for a
   * signature that does not verify, including a malformed one.
   * @param {{ signingAlgorithm: string, message: Uint8Array | ArrayBuffer | ArrayBufferView | string,
   *           messageType?: 'RAW' | 'DIGEST' | 'EXTERNAL_MU', signature: Uint8Array | ArrayBuffer | ArrayBufferView,
   *           engine?: 'auto' | 'wasm' | 'native' }} options
   * @returns {Promise<boolean>}
   */
  async verify(options) {
    KmsPublicKey.#own(this);
    const { signingAlgorithm, message, messageType = 'RAW', signature, engine } = readOptions(options, 'options', VERIFY_FIELDS);
    const eng = engineOf(engine);
    const alg = stringArg(signingAlgorithm, 'signingAlgorithm');
    const mt = stringArg(messageType, 'messageType');
    const msg = toBytes(message, 'message');
    const sig = sigBytes(signature);
    return this.#run(eng, alg, mt, msg, (native) => this.#key().decide(alg, mt, msg, sig, native));
  }

  /**
   * Synchronous verification with the wasm engine only: the key type's
   * fallback module (`ecdsa`, `rsa`, `rare`) must be loadable synchronously
   * (Node, workerd) or loaded (`await init(['verify', 'ecdsa'])`).
   * @param {{ signingAlgorithm: string, message: Uint8Array | ArrayBuffer | ArrayBufferView | string,
   *           messageType?: 'RAW' | 'DIGEST' | 'EXTERNAL_MU', signature: Uint8Array | ArrayBuffer | ArrayBufferView }} options
   * @returns {boolean}
   */
  verifySync(options) {
    KmsPublicKey.#own(this);
    const { signingAlgorithm, message, messageType = 'RAW', signature } = readOptions(options, 'options', VERIFY_FIELDS);
    const alg = stringArg(signingAlgorithm, 'signingAlgorithm');
    const mt = stringArg(messageType, 'messageType');
    const msg = toBytes(message, 'message');
    const sig = sigBytes(signature);
    const out = withCoreSync(() => this.#key().decide(alg, mt, msg, sig, false));
    return typeof out === 'boolean' ? out : runFallbackSync(out);
  }

  /**
   * Decides and verifies a JWT the `jwt` module decoded, with this key (for
   * verifyJwt only; the decoding stays out of this class, so a page that
   * never calls verifyJwt bundles none of the `jwt` module's JS).
   */
  async [VERIFY_JWT](jwt, engine) {
    return this.#run(engine, jwt.signingAlgorithm, 'RAW', jwt.signingInput,
      (native) => this.#key().decideJose(jwt.alg, jwt.signingInput, jwt.signature, native));
  }

  /**
   * @param {'auto' | 'wasm' | 'native'} engine
   * @param {string | undefined} alg  signing algorithm (undefined: ask `late`)
   * @param {string} mt  message type
   * @param {Uint8Array | undefined} data  the signed bytes (undefined: ask `late`)
   * @param {(native: boolean) => boolean | Uint8Array | FallbackRequest} decide  the core's outcome (throws coded errors)
   * @param {() => [string, Uint8Array]} [late]  algorithm and data known only after `decide`
   * @returns {Promise<boolean>}
   */
  async #run(engine, alg, mt, data, decide, late) {
    const wasm = () => settle(withCoreSync(() => decide(false)));
    if (engine === 'wasm') return wasm();
    const s = subtle();
    if (!s) {
      if (engine === 'native') {
        withCoreSync(() => decide(false)); // argument errors first
        throw unavailable('WebCrypto (crypto.subtle) is not available here');
      }
      return wasm();
    }
    const out = withCoreSync(() => decide(true));
    if (late) [alg, data] = late();
    const params = this.#paramsFor(alg, mt);
    if (!(out instanceof Uint8Array)) {
      if (engine === 'native' && !params) throw unavailable('WebCrypto cannot verify this algorithm or message type; use the wasm engine');
      return settle(out);
    }
    const key = await this.#importFor(s, params);
    if (key) {
      try {
        return await s.verify(params.verify, key, out, data);
      } catch (e) {
        if (engine === 'native') throw unavailable('WebCrypto failed to verify', e);
      }
    } else if (engine === 'native') {
      throw unavailable(`this runtime's WebCrypto cannot import ${params.importId} keys`);
    }
    return wasm();
  }

  /** The core's WebCrypto parameters for an algorithm and message type, cached; undefined if none. */
  #paramsFor(alg, mt) {
    const id = `${alg}\0${mt}`;
    if (!this.#params.has(id)) this.#params.set(id, withCoreSync(() => this.#key().nativeParams(alg, mt)));
    return this.#params.get(id);
  }

  /** Imports (once per algorithm) the CryptoKey for `params`; `null` if this WebCrypto refuses it. */
  #importFor(s, params) {
    let p = this.#imported.get(params.importId);
    if (!p) {
      p = s.importKey('spki', this.#spki, params.import, false, ['verify']).catch(() => null);
      this.#imported.set(params.importId, p);
    }
    return p;
  }
}

/**
 * One-shot verification. For many signatures by one key, keep a `KmsPublicKey`.
 * @param {{ publicKey: KmsPublicKey | Uint8Array | ArrayBuffer | ArrayBufferView | string, signingAlgorithm: string,
 *           message: Uint8Array | ArrayBuffer | ArrayBufferView | string, messageType?: 'RAW' | 'DIGEST' | 'EXTERNAL_MU',
 *           signature: Uint8Array | ArrayBuffer | ArrayBufferView, engine?: 'auto' | 'wasm' | 'native' }} options
 * @returns {Promise<boolean>}
 */
export async function verifyKmsSignature(options) {
  const { publicKey, ...rest } = readOptions(options, 'options', ['publicKey', ...VERIFY_FIELDS]);
  const key = publicKey instanceof KmsPublicKey ? publicKey : await KmsPublicKey.from(publicKey);
  return key.verify(rest);
}

/**
 * Verifies a JWT signed with a KMS key.
 * @param {string} token  JWS compact serialization
 * @param {KmsPublicKey | Uint8Array | ArrayBuffer | ArrayBufferView | string} publicKey
 * @param {{ algorithms: string[], engine?: 'auto' | 'wasm' | 'native', currentDate?: Date,
 *           clockTolerance?: number, checkTimeClaims?: boolean }} options
 * @returns {Promise<{ valid: boolean, header: Record<string, unknown>, payload: Record<string, unknown> | undefined }>}
 */
export async function verifyJwt(token, publicKey, options) {
  const { algorithms: allowed, engine, currentDate, clockTolerance = 0, checkTimeClaims = true } =
    readOptions(options, 'options', ['algorithms', 'engine', 'currentDate', 'clockTolerance', 'checkTimeClaims']);
  const eng = engineOf(engine);
  stringArg(token, 'token');
  /** @type {unknown[]} */ let algorithms;
  try {
    algorithms = Array.isArray(allowed) ? Array.from(allowed) : []; // one snapshot of the caller's array
  } catch (e) {
    throw new EdgeKmsError('INVALID_ARGUMENT', 'options.algorithms could not be read', { cause: e });
  }
  if (!Array.isArray(allowed) || !algorithms.every((a) => typeof a === 'string')) {
    throw invalid('options.algorithms must be an array of JWS algorithm names');
  }
  if (typeof clockTolerance !== 'number' || !Number.isFinite(clockTolerance) || clockTolerance < 0) throw invalid('clockTolerance must be a finite number of seconds ≥ 0');
  /** @type {number | undefined} */ let at;
  if (currentDate !== undefined) {
    try {
      at = getTime.call(currentDate); // the Date's own time value: no getTime() of a subclass's
    } catch { /* not a Date */ }
    if (at === undefined || Number.isNaN(at)) throw invalid('currentDate must be a valid Date');
  }
  const key = publicKey instanceof KmsPublicKey ? publicKey : await KmsPublicKey.from(publicKey);
  const jwt = await jwtModule.withCore((b) => b.decodeJwt(token, /** @type {string[]} */ (algorithms)));
  const valid = await key[VERIFY_JWT](jwt, eng);
  const header = JSON.parse(jwt.headerJson);
  if (!valid) return { valid: false, header, payload: undefined };
  if (checkTimeClaims) {
    const now = (at ?? Date.now()) / 1000;
    jwtModule.withCoreSync((b) => b.checkJwtClaims(jwt.payloadJson, now, clockTolerance));
  }
  return { valid: true, header, payload: JSON.parse(jwt.payloadJson) };
}
