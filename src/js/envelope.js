// EnvelopeClient: encrypt and decrypt in the AWS Encryption SDK message format.
//
// All format work, key derivation and checks happen in the wasm core. This file
// only walks the keyrings, answers the core's data-key questions by calling KMS
// keyrings (the data-key seam), and wipes every plaintext data key it touches.
// The one-shot calls are here; the streams are in envelope-streams.js.
import { EdgeKmsError } from './errors.js';
import { checkSignal, checkUnchanged, readOptions, toBytes } from './bytes.js';
// envelope-modules.js first: a bundle then holds the `envelope` glue right before
// the `envelope-full` glue, its superset, which gzip finds within its window
// (~0.9 KB gzip on every seal/open page against the other order).
import { moduleFor } from './envelope-modules.js';
import { envelopeFull as full } from './modules/envelope-full.js';
import { CachedFooterKeys, FOOTER_ROOM, disposeSigner, newSigner, signFooter, verifyFooter, webCryptoSigner, withFooter } from './footer.js';
import { NATIVE_MIN_FRAME, earlyFooter, openNative, sealNative } from './native.js';
import { CALL_OPTIONS, DECRYPT_OPTIONS, REENCRYPT_OPTIONS, SUITES, abortable, cachePartitionOf, contextArrays, optionalBoolean } from './envelope-options.js';
import * as streams from './envelope-streams.js';
import { checkKeyring, coreKeyring, flatten, isKms, isKmsRsaKeyring, isRsaKeyring, rsaKeyrings } from './keyrings.js';
import { KMS_PROVIDER_ID, bytesFromKms, callKeyring, encryptWithKms, isHpke, kmsKeyIdMatches, withRecipient, wrapDataKey, wrapWithRsa } from './envelope-keyrings.js';

export { SUITES } from './envelope-options.js';
export const COMMITMENT_POLICIES = Object.freeze({
  REQUIRE_ENCRYPT_REQUIRE_DECRYPT: 'REQUIRE_ENCRYPT_REQUIRE_DECRYPT',
  REQUIRE_ENCRYPT_ALLOW_DECRYPT: 'REQUIRE_ENCRYPT_ALLOW_DECRYPT',
});
// 1 MiB, measured (Node 20, 16 MiB messages, BENCHMARKS.md): each WebCrypto call has a
// fixed cost, so the native engine opened 0x0478 at ~0.77x one raw WebCrypto call with
// 64 KiB frames, 0.85-0.99x with 256 KiB and 0.92-1.11x with 1 MiB.
// A stream holds one frame (maxBodySize bounds what a reader accepts). Every ESDK reader
// accepts any frame length; the reference SDK writes 4 KiB.
export const DEFAULT_FRAME_LENGTH = 1024 * 1024;
export const DEFAULT_MAX_ENCRYPTED_DATA_KEYS = 10;
/**
 * The most the wasm engine takes in one call (it holds input and output in its
 * memory, which a wasm32 module caps at 4 GiB); larger messages go through
 * WebCrypto or a stream. Checked before anything is copied in.
 */
export const WASM_MAX_BYTES = 2 ** 30;

/** @param {number} n */
function checkWasmSize(n) {
  if (n > WASM_MAX_BYTES) throw new EdgeKmsError('LIMIT_EXCEEDED', 'the wasm engine takes at most 1 GiB in one call: use the native engine (WebCrypto) or a stream');
}

/** The largest frame (or non-framed body) a reader accepts by default: what a stream may buffer. */
export const DEFAULT_MAX_BODY_SIZE = 64 * 1024 * 1024;
/** The largest header a reader accepts by default. */
export const DEFAULT_MAX_HEADER_SIZE = 4 * 1024 * 1024;
/** The ceiling of both limits: the most the core buffers for one frame. */
const MAX_LIMIT = 2 ** 30;
/**
 * Below this many bytes (or with smaller frames) the wasm engine wins: WebCrypto's per-call cost
 * dominates. Measured (Node 20, 0x0478, native/wasm ops per second): 4 KiB 0.62x seal / 0.48x open,
 * 8 KiB 0.95x / 0.87x, 16 KiB 1.46x / 1.48x, 32 KiB 2.8x / 2.6x, 64 KiB 4.6x / 4.5x.
 */
export const NATIVE_MIN_BYTES = 16 * 1024;
/**
 * The same in browsers, whose WebCrypto calls cost less: headless Chromium measured 1.34x / 1.38x
 * at 4 KiB, 1.88x / 2.01x at 8 KiB. 8 KiB leaves margin for browsers not measured here.
 */
export const NATIVE_MIN_BYTES_BROWSER = 8 * 1024;
let nativeMinBytes = NATIVE_MIN_BYTES;
/** For the runtime's entry file: where `auto` switches to WebCrypto. @param {number} bytes */
export function setNativeMinBytes(bytes) {
  nativeMinBytes = bytes;
}
const ENGINES = ['auto', 'wasm', 'native'];
const subtle = () => globalThis.crypto?.subtle;
const PUBLIC_KEY_FIELD = 'aws-crypto-public-key';
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });


/** @param {any} c */
function cacheLimits(c) {
  if (!c || typeof c !== 'object') throw new EdgeKmsError('INVALID_ARGUMENT', 'cache must be an object of limits');
  const { maxAgeMs, maxMessages = 2 ** 32, maxBytes = Number.MAX_SAFE_INTEGER, capacity = 100 } = readOptions(c, 'cache', ['maxAgeMs', 'maxMessages', 'maxBytes', 'capacity']);
  const whole = (v, name, max) => {
    if (!Number.isSafeInteger(v) || v < 1 || v > max) throw new EdgeKmsError('INVALID_ARGUMENT', `cache.${name} must be a whole number from 1 to ${max}`);
    return v;
  };
  return Object.freeze({
    maxAgeMs: whole(maxAgeMs, 'maxAgeMs', Number.MAX_SAFE_INTEGER),
    maxMessages: whole(maxMessages, 'maxMessages', 2 ** 32),
    maxBytes: whole(maxBytes, 'maxBytes', Number.MAX_SAFE_INTEGER),
    capacity: whole(capacity, 'capacity', 2 ** 16),
  });
}


/** Headers are rarely longer than this: the first try copies no more into the core. */
const HEADER_GUESS = 64 * 1024;

/**
 * An opener for the whole message `msg`, from its header: a first guess at the
 * header's length, then up to one byte past `maxHeaderSize` (where the core
 * says LIMIT_EXCEEDED). A one-shot open releases nothing before the footer
 * verified, so the core decodes a signed message's footer key only when it
 * needs the point (`keyCheckOnUse`; see importFooterKey), not with the header.
 */
function openerFor(b, msg, limits, maxHeaderSize, keys, values) {
  for (const n of [HEADER_GUESS, maxHeaderSize + 1]) {
    const entropy = crypto.getRandomValues(new Uint8Array(64)); // RSA blinding; wiped by the core
    const prefix = msg.subarray(0, Math.min(n, msg.length));
    const o = b.CoreOpener.fromPrefix(prefix, limits, keys, values, entropy, true);
    if (o) return o;
    if (prefix.length === msg.length) break;
  }
  throw new EdgeKmsError('MALFORMED_MESSAGE', 'the message is truncated');
}

/** Every option EnvelopeClient reads (once, in its constructor). */
const CLIENT_OPTIONS = ['keyring', 'suite', 'frameLength', 'commitmentPolicy', 'maxEncryptedDataKeys', 'maxBodySize', 'maxHeaderSize', 'cache', 'engine', 'requireSignature'];



export class EnvelopeClient {
  /** @type {any} the wasm cache, made on first use */
  #cacheHandle;
  /** @type {Map<string, Promise<void>>} cache misses being filled (see encrypt) */
  #filling = new Map();
  /**
   * The footer signing keys of cached sealing materials (signed suite), by the
   * public key in their context, and of the encrypt calls signing right now.
   * The core's cache entry decides: a key is used only for a sealer the core
   * handed out from its entry; the entry holds it while the core lists it, each
   * call while it runs, and the last holder wipes it (CachedFooterKeys).
   */
  #signers = new CachedFooterKeys();
  /**
   * @param {{ keyring: any, suite?: string, frameLength?: number, commitmentPolicy?: string,
   *           maxEncryptedDataKeys?: number, maxBodySize?: number, maxHeaderSize?: number,
   *           cache?: unknown, engine?: string }} options
   */
  constructor(options) {
    const { keyring, suite = SUITES.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384, frameLength = DEFAULT_FRAME_LENGTH,
      commitmentPolicy = COMMITMENT_POLICIES.REQUIRE_ENCRYPT_REQUIRE_DECRYPT, maxEncryptedDataKeys = DEFAULT_MAX_ENCRYPTED_DATA_KEYS,
      maxBodySize = DEFAULT_MAX_BODY_SIZE, maxHeaderSize = DEFAULT_MAX_HEADER_SIZE,
      cache, engine = 'auto', requireSignature = false } = readOptions(options, 'EnvelopeClient options', CLIENT_OPTIONS);
    checkKeyring(keyring);
    if (typeof suite !== 'string' || !Object.hasOwn(SUITES, suite)) throw new EdgeKmsError('UNSUPPORTED_ALGORITHM', 'suite must be AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384 or AES_256_GCM_HKDF_SHA512_COMMIT_KEY');
    if (!Number.isInteger(frameLength) || frameLength < 1 || frameLength > 2 ** 31 - 1) throw new EdgeKmsError('INVALID_ARGUMENT', 'frameLength must be an integer from 1 to 2^31 - 1');
    if (typeof commitmentPolicy !== 'string' || !Object.hasOwn(COMMITMENT_POLICIES, commitmentPolicy)) throw new EdgeKmsError('INVALID_ARGUMENT', 'commitmentPolicy must be REQUIRE_ENCRYPT_REQUIRE_DECRYPT or REQUIRE_ENCRYPT_ALLOW_DECRYPT');
    if (!Number.isInteger(maxEncryptedDataKeys) || maxEncryptedDataKeys < 1 || maxEncryptedDataKeys > 65535) throw new EdgeKmsError('INVALID_ARGUMENT', 'maxEncryptedDataKeys must be an integer from 1 to 65535');
    for (const [name, v] of [['maxBodySize', maxBodySize], ['maxHeaderSize', maxHeaderSize]]) {
      if (!Number.isInteger(v) || v < 1 || v > MAX_LIMIT) throw new EdgeKmsError('INVALID_ARGUMENT', `${name} must be an integer from 1 to 2^30`);
    }
    this.cache = cache === undefined ? undefined : cacheLimits(cache);
    if (!ENGINES.includes(engine)) throw new EdgeKmsError('INVALID_ARGUMENT', "engine must be 'auto', 'wasm' or 'native'");
    if (engine === 'native' && !subtle()) throw new EdgeKmsError('ENGINE_UNAVAILABLE', 'the native engine needs WebCrypto (crypto.subtle), which is not available here (an insecure context?)');
    this.engine = engine;
    this.requireSignature = optionalBoolean(requireSignature, 'requireSignature') ?? false;
    this.keyring = keyring;
    this.suite = suite;
    this.frameLength = frameLength;
    this.commitmentPolicy = commitmentPolicy;
    this.maxEncryptedDataKeys = maxEncryptedDataKeys;
    this.maxBodySize = maxBodySize;
    this.maxHeaderSize = maxHeaderSize;
    Object.freeze(this);
  }

  /**
   * Encrypts into one AWS Encryption SDK message (version 2, committing suite, framed).
   * @param {Uint8Array | ArrayBuffer | ArrayBufferView | string} plaintext
   * @param {{ encryptionContext?: Record<string, string>, signal?: AbortSignal }} [options]
   * @returns {Promise<Uint8Array>}
   */
  async encrypt(plaintext, options) {
    EnvelopeClient.#own(this);
    const { encryptionContext, signal, cachePartition } = readOptions(options, 'options', CALL_OPTIONS);
    checkSignal(signal);
    const partition = cachePartitionOf(cachePartition);
    const pt = toBytes(plaintext, 'plaintext');
    const length = pt.length;
    // Read once, now: the cache slot and the sealed message get the same pairs,
    // whatever the caller's object says later.
    const ec = contextArrays(encryptionContext);
    const signed = this.suite === SUITES.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384;
    return abortable(signal, () => this.#module().withCore(async (b) => {
      const cache = this.#cacheFor(b);
      /** @type {any} */ let sealer;
      // The footer key this call signs with, held by this call until it ends
      // (#signers: a cached key is also held by its entry).
      /** @type {import('./footer.js').FooterSigner | undefined} */ let signer;
      try {
        if (cache) {
          const [keys, values] = ec;
          const fromCache = () => {
            const entropy = crypto.getRandomValues(new Uint8Array(64));
            const s = cache.sealerFromCache(partition, this.suite, this.frameLength, keys, values, pt.length, Date.now(), entropy);
            this.#pruneSigners(cache);
            if (!s) return undefined;
            try {
              if (signed) {
                // The entry's own key (an entry the core hands out is live); none known, or
                // lost in a restart of the `ecdsa` module: a miss, and a new entry replaces it.
                signer = this.#signers.take(s.encryptionContext()[PUBLIC_KEY_FIELD]);
                if (!signer) { s.free(); return undefined; }
              }
              s.setMaxEncryptedDataKeys(this.maxEncryptedDataKeys);
              return s;
            } catch (e) {
              s.free();
              throw e;
            }
          };
          // Single flight: concurrent misses for the same suite and context wait
          // for the one data-key request under way, then draw from the cache.
          const slot = JSON.stringify([partition, this.suite, keys.map((k, i) => [k, values[i]]).sort()]);
          sealer = fromCache();
          if (!sealer && this.#filling.has(slot)) {
            await this.#filling.get(slot);
            sealer = fromCache();
          }
          if (!sealer) {
            const owner = !this.#filling.has(slot);
            /** @type {() => void} */ let filled = () => {};
            if (owner) this.#filling.set(slot, new Promise((resolve) => { filled = resolve; }));
            try {
              if (signed) signer = this.#signers.adopt(await newSigner(this.#webCryptoFooters()));
              sealer = await this.#prepareSealer(b, ec, signal, signer);
              cache.storeSealer(partition, this.suite, keys, values, sealer, pt.length, Date.now());
              if (signer) this.#signers.attach(sealer.encryptionContext()[PUBLIC_KEY_FIELD], signer);
              this.#pruneSigners(cache); // the entry may not have been stored (a message above maxBytes)
            } finally {
              if (owner) { this.#filling.delete(slot); filled(); }
            }
          }
        } else {
          if (signed) signer = this.#signers.adopt(await this.#freshSigner());
          sealer = await this.#prepareSealer(b, ec, signal, signer);
        }
        checkUnchanged(pt, length, 'plaintext');
        if (this.#native(pt.length, this.frameLength)) return await sealNative(sealer, pt, signer);
        checkWasmSize(pt.length);
        const body = sealer.seal(pt);
        if (!signer) return body;
        // The signature covers header ‖ body; the core DER-encodes it.
        return withFooter(body, body.length, sealer.footer(await signFooter(signer, body, sealer.footerDigest())));
      } finally {
        sealer?.free();
        if (signer) this.#signers.release(signer); // wiped here unless its cache entry still holds it
      }
    }));
  }

  /**
   * Decrypts a whole message. Nothing is returned unless every tag, the key
   * commitment and (for signed suites) the footer signature verify.
   * @param {Uint8Array | ArrayBuffer | ArrayBufferView} message
   * @param {{ encryptionContext?: Record<string, string>, signal?: AbortSignal }} [options]
   *   `encryptionContext`: pairs the message must contain.
   * @returns {Promise<{ plaintext: Uint8Array, encryptionContext: Record<string, string> }>}
   */
  async decrypt(message, options) {
    EnvelopeClient.#own(this);
    const { encryptionContext, signal, cachePartition, requireSignature } = readOptions(options, 'options', DECRYPT_OPTIONS);
    checkSignal(signal);
    const partition = cachePartitionOf(cachePartition);
    const signed = this.requireSignature || optionalBoolean(requireSignature, 'requireSignature') === true;
    if (typeof message === 'string') throw new EdgeKmsError('INVALID_ARGUMENT', 'message must be bytes');
    const msg = toBytes(message, 'message');
    const length = msg.length;
    const [keys, values] = contextArrays(encryptionContext);
    return abortable(signal, () => this.#module().withCore(async (b) => {
      // Only the header goes into the core now; the body is read where it is
      // (see openNative), or copied in for the wasm engine's one call.
      const opener = this.#withLimits(b, signed, (limits) => openerFor(b, msg, limits, this.maxHeaderSize, keys, values));
      /** @type {import('./native.js').EarlyFooter | undefined} */ let early;
      try {
        const cache = this.#cacheFor(b);
        const hit = cache ? cache.openerFromCache(partition, opener, Date.now()) : false;
        const frameLength = opener.frameLength();
        const keyLength = opener.dataKeyLength();
        // auto also opens small signed messages natively (WebCrypto verifies ECDSA ~3x
        // faster than wasm), but never one of small frames: one WebCrypto call per
        // few bytes is what a hostile message would ask for.
        const native = this.#native(msg.length, frameLength === 0 ? Infinity : frameLength, keyLength)
          || (this.#webCryptoAes(keyLength) && opener.isSigned() && (frameLength === 0 || frameLength >= NATIVE_MIN_FRAME));
        if (!native) checkWasmSize(msg.length); // before any KMS call
        // A keyring about to wait (KMS, the rsa module) starts the footer's check first.
        const onWait = native && opener.isSigned() ? () => { early ??= earlyFooter(opener, msg); } : undefined;
        if (!hit) await this.#findDataKey(b, opener, signal, onWait);
        checkUnchanged(msg, length, 'message');
        const plaintext = native ? await openNative(opener, msg, false, early) : await this.#openWasm(opener, msg);
        if (cache && !hit) cache.storeOpener(partition, opener, Date.now());
        return { plaintext, encryptionContext: opener.encryptionContext() };
      } finally {
        await early?.keySettled; // its key import may still read the opener
        opener.free();
      }
    }));
  }

  /**
   * Re-keys a message: the same data key, message id, suite, frame length and
   * encryption context under `keyring`'s encrypted data keys instead of the
   * original's. This client's keyring opens the data key; the whole original is
   * authenticated first (key commitment, header tag, every frame tag, footer
   * signature) and nothing is returned unless it all verified. The frames are
   * copied byte for byte; a signed message gets a new signing key and footer.
   * Keep the old keyring in a MultiKeyring to keep the old readers.
   * @param {Uint8Array | ArrayBuffer | ArrayBufferView} message
   * @param {{ keyring: any, encryptionContext?: Record<string, string>, signal?: AbortSignal, requireSignature?: boolean }} options
   *   `encryptionContext`: pairs the original must contain (as for `decrypt`); the context itself is kept.
   * @returns {Promise<Uint8Array>}
   */
  async reEncrypt(message, options) {
    EnvelopeClient.#own(this);
    const { keyring, encryptionContext, signal, requireSignature } = readOptions(options, 'options', REENCRYPT_OPTIONS, true);
    checkSignal(signal);
    checkKeyring(keyring);
    const { members } = flatten(keyring);
    const signed = this.requireSignature || optionalBoolean(requireSignature, 'requireSignature') === true;
    if (typeof message === 'string') throw new EdgeKmsError('INVALID_ARGUMENT', 'message must be bytes');
    const msg = toBytes(message, 'message');
    const length = msg.length;
    const [keys, values] = contextArrays(encryptionContext);
    return abortable(signal, () => full.withCore(async (b) => {
      const opener = this.#withLimits(b, signed, (limits) => openerFor(b, msg, limits, this.maxHeaderSize, keys, values));
      /** @type {any} */ let resealer;
      /** @type {import('./footer.js').FooterSigner | undefined} */ let signer;
      try {
        opener.checkRekeyable(); // from the header: before any keyring is asked
        const frameLength = opener.frameLength();
        const native = this.#native(msg.length, frameLength)
          || (this.engine === 'auto' && !!subtle() && opener.isSigned() && frameLength >= NATIVE_MIN_FRAME);
        if (!native) checkWasmSize(msg.length);
        await this.#findDataKey(b, opener, signal);
        checkUnchanged(msg, length, 'message');
        // The original is authenticated, and its frames later copied, from one
        // private copy: bytes the caller changes meanwhile cannot mix in.
        // (The wasm engine's call copies `msg` into the core in one step.)
        const isSigned = opener.isSigned();
        const source = native || isSigned ? msg.slice() : msg;
        const entropy = crypto.getRandomValues(new Uint8Array(64));
        // The re-keyed message gets a new footer key; WebCrypto's only with the native engine
        // (it signs the whole new message at once, which the native path assembles here).
        signer = isSigned ? await newSigner(native || this.#webCryptoFooters()) : undefined;
        if (native) {
          await openNative(opener, source, true); // every tag and the signature, or TAMPERED
          resealer = opener.resealNative(source, entropy, signer?.publicKey);
        } else {
          resealer = opener.reseal(source, entropy, signer?.publicKey); // the same checks, in the core, but for the footer's verdict:
          const check = resealer.footerCheck();
          // nothing is wrapped or written until the original's footer verified (TAMPERED otherwise)
          if (check) resealer.footerVerdict(await verifyFooter(check, this.#webCryptoFooters() ? source : undefined));
        }
        resealer.setMaxEncryptedDataKeys(this.maxEncryptedDataKeys);
        await wrapDataKey(b, resealer, members, signal);
        let message, signedLength;
        if (native) {
          const header = resealer.header();
          const frames = source.subarray(resealer.bodyStart, resealer.bodyEnd);
          signedLength = header.length + frames.length;
          message = new Uint8Array(signedLength + (signer ? FOOTER_ROOM : 0)); // the footer's room: see withFooter
          message.set(header);
          message.set(frames, header.length);
        } else {
          message = resealer.finish();
          signedLength = message.length;
        }
        if (!signer) return message;
        const footer = resealer.footer(await signFooter(signer, message.subarray(0, signedLength), resealer.footerDigest()));
        return withFooter(message, signedLength, footer);
      } finally {
        resealer?.free();
        opener.free();
        disposeSigner(signer);
      }
    }));
  }

  /**
   * `reEncrypt` for messages larger than memory: a TransformStream from the original's
   * chunks to the re-keyed message's, in constant memory (one frame plus the chunk).
   * The new header goes out once the original's header authenticated (key commitment,
   * header tag) and the new keyrings wrapped the data key; each frame then goes out,
   * unchanged, once its tag verified. The final frame, and for a signed suite the new
   * footer, go out only when the whole original verified (its end and its footer
   * signature), so the output of a tampered or truncated original never becomes a
   * message any reader opens, and the stream errors. Output is ciphertext either way:
   * no plaintext leaves, but store it as the re-keyed message only once the stream
   * closed without error.
   * @param {{ keyring: any, encryptionContext?: Record<string, string>, signal?: AbortSignal, requireSignature?: boolean }} options
   * @returns {TransformStream<Uint8Array | ArrayBuffer | ArrayBufferView, Uint8Array>}
   */
  reEncryptStream(options) {
    EnvelopeClient.#own(this);
    return streams.reEncryptStream(this, this.#inner, options);
  }

  /**
   * A TransformStream from plaintext chunks to one message, in constant memory
   * (one frame plus the chunk being written).
   * @param {{ encryptionContext?: Record<string, string>, signal?: AbortSignal }} [options]
   * @returns {TransformStream<Uint8Array | ArrayBuffer | ArrayBufferView | string, Uint8Array>}
   */
  encryptStream(options) {
    EnvelopeClient.#own(this);
    return streams.encryptStream(this, this.#inner, options);
  }

  /**
   * A TransformStream from message chunks to plaintext chunks, in constant memory.
   * Each frame is released once its tag verified; for a signed suite the footer
   * signature is checked at the end, so treat the output as unverified until the
   * stream closes without error (use `decrypt` to withhold everything until then).
   * @param {{ encryptionContext?: Record<string, string>, signal?: AbortSignal }} [options]
   * @returns {TransformStream<Uint8Array | ArrayBuffer | ArrayBufferView, Uint8Array>}
   */
  decryptStream(options) {
    EnvelopeClient.#own(this);
    return streams.decryptStream(this, this.#inner, options);
  }

  /** Drops (and wipes, in the core) every cached data key. */
  clearCache() {
    EnvelopeClient.#own(this);
    if (this.#cacheHandle && !full.isStale(this.#cacheHandle)) this.#cacheHandle.clear();
    this.#signers.prune(() => false); // a call signing with one of them wipes it when it ends
  }

  /**
   * A call on a Proxy of a client (which has none of its private state; Vue's
   * `reactive` leaves the frozen client as it is): a coded error, not a TypeError.
   * @param {unknown} v
   */
  static #own(v) {
    if (v === null || typeof v !== 'object' || !(#inner in v)) {
      throw new EdgeKmsError('INVALID_ARGUMENT', 'not an EnvelopeClient (a Proxy of one has none of its state): call it on the client itself');
    }
  }

  /** Lets go of every footer key whose entry the cache no longer lists (expired, used up, evicted, never stored). @param {any} cache */
  #pruneSigners(cache) {
    if (this.#signers.size === 0) return;
    const live = new Set(cache.liveSigners(Date.now()));
    this.#signers.prune((pub) => live.has(pub));
  }

  /** The module this client's calls run in (`moduleFor`): `envelope-full` with a data-key cache or a keyTransport 'hpke' keyring. */
  #module() {
    let needsFull;
    try {
      needsFull = this.cache !== undefined || flatten(this.keyring).members.some(isHpke);
    } catch (e) { // a getter or Proxy of the caller's in the keyring tree, or a tree that holds itself
      throw new EdgeKmsError('INVALID_ARGUMENT', 'the keyring could not be read', { cause: e });
    }
    return moduleFor(needsFull);
  }

  /** @type {import('./envelope-streams.js').StreamInner} what the streams (envelope-streams.js) reach of this client's private methods */
  #inner = {
    module: () => this.#module(),
    native: (bytes, frameLength, keyLength) => this.#native(bytes, frameLength, keyLength),
    withLimits: (b, signed, fn) => this.#withLimits(b, signed, fn),
    findDataKey: (b, opener, signal) => this.#findDataKey(b, opener, signal),
    prepareSealer: (b, context, signal, signer) => this.#prepareSealer(b, context, signal, signer),
  };

  /** @type {Promise<import('./footer.js').FooterSigner> | undefined} the next message's WebCrypto footer key, made ahead */
  #nextSigner;
  #sealedBefore = false;

  /**
   * A fresh footer key for one message (`encrypt`). A client that has sealed
   * before makes the next message's WebCrypto key while it seals this one, on
   * WebCrypto's thread, so back-to-back seals do not each wait for a P-384 key
   * generation (about half of a 1 KiB seal). Each key still signs one message: a
   * call takes the key made ahead, or a new one, and nobody else gets it. A
   * client that seals once makes no key ahead.
   * @returns {Promise<import('./footer.js').FooterSigner>}
   */
  #freshSigner() {
    if (!this.#webCryptoFooters()) return newSigner(false);
    const ahead = this.#nextSigner;
    const mine = ahead ? ahead.catch(() => newSigner(true)) : newSigner(true); // asked for first
    // WebCrypto's only: a key of the `ecdsa` module would need wiping if never taken, and dies with a restart
    this.#nextSigner = this.#sealedBefore ? webCryptoSigner() : undefined;
    this.#nextSigner?.catch(() => {}); // its taker sees the failure, and makes a new key
    this.#sealedBefore = true;
    return mine;
  }

  /** Whether WebCrypto signs and verifies one-shot footers (else the `ecdsa` module does). */
  #webCryptoFooters() {
    return this.engine !== 'wasm' && !!subtle();
  }

  /**
   * Opens a whole message in the wasm engine. The core verifies everything
   * but a signed suite's footer signature and holds the plaintext until told
   * that verdict: WebCrypto's over a private copy of the message (the bytes the
   * core opened), or the `ecdsa` module's over the core's digest.
   * @param {any} opener @param {Uint8Array} msg
   */
  async #openWasm(opener, msg) {
    const web = opener.isSigned() && this.#webCryptoFooters();
    const source = web ? msg.slice() : msg;
    const pending = opener.openPending(source);
    try {
      const check = pending.footerCheck();
      return pending.release(check ? await verifyFooter(check, web ? source : undefined) : true);
    } finally {
      pending.free(); // wipes whatever was not released
    }
  }

  /** @param {any} b */
  #cacheFor(b) {
    if (!this.cache) return undefined;
    if (!this.#cacheHandle || full.isStale(this.#cacheHandle)) { // a restarted core starts with an empty cache
      this.#signers.prune(() => false);
      const c = this.cache;
      this.#cacheHandle = new b.CoreCache(c.maxAgeMs, c.maxMessages, c.maxBytes, c.capacity);
    }
    return this.#cacheHandle;
  }

  /**
   * Whether WebCrypto does the AES-GCM of this message (`keyLength`: its AES
   * key's, in bytes).
   */
  #native(bytes, frameLength, keyLength = 32) {
    if (this.engine === 'wasm' || !subtle()) return false;
    if (this.engine === 'native') return true;
    return this.#webCryptoAes(keyLength) && bytes >= nativeMinBytes && frameLength >= NATIVE_MIN_FRAME;
  }

  /**
   * Whether `auto` may give WebCrypto an AES key of `keyLength` bytes. Not a
   * 192-bit one: Chromium refuses them (only the v1 suites 0x0046, 0x0146 and
   * 0x0346 use them, and the wasm engine opens those everywhere).
   */
  #webCryptoAes(keyLength) {
    return this.engine === 'auto' && !!subtle() && keyLength !== 24;
  }

  /** Runs `fn` with the core's form of this client's reader limits (`signed`: only signed suites). */
  #withLimits(b, signed, fn) {
    const allowV1 = this.commitmentPolicy === COMMITMENT_POLICIES.REQUIRE_ENCRYPT_ALLOW_DECRYPT;
    const limits = new b.CoreReadLimits(allowV1, this.maxEncryptedDataKeys, this.maxBodySize, this.maxHeaderSize, signed);
    try {
      return fn(limits);
    } finally {
      limits.free();
    }
  }

  /** Runs the keyrings for a new message: the generator makes the data key, every other keyring wraps it. */
  async #prepareSealer(b, [keys, values], signal, signer) {
    const { hasGenerator, members } = flatten(this.keyring);
    if (!hasGenerator) throw new EdgeKmsError('INVALID_ARGUMENT', 'this keyring has no generator and can only decrypt');
    const entropy = crypto.getRandomValues(new Uint8Array(64));
    // A signed suite: the footer key's public point goes into the context here.
    const sealer = new b.CoreSealer(this.suite, this.frameLength, keys, values, entropy, signer?.publicKey);
    try {
      sealer.setMaxEncryptedDataKeys(this.maxEncryptedDataKeys);
      const [generator, ...children] = members;
      if (isKms(generator) && generator.keyTransport === 'hpke') {
        // the data key comes sealed to a key pair only the core holds, and opens there
        signal?.throwIfAborted();
        await withRecipient(b, this.engine, async (recipient, open) => {
          const r = await callKeyring(generator, 'generateDataKey', { encryptionContext: sealer.encryptionContext(), numberOfBytes: sealer.dataKeyLength(), signal, recipient: { publicKey: recipient.publicKey(), nonce: recipient.nonce() } });
          if (!r || typeof r.keyId !== 'string') throw new EdgeKmsError('INVALID_DATA_KEY', 'the KMS keyring answered without a keyId');
          const blob = bytesFromKms(r.ciphertextBlob, 'ciphertextBlob');
          const sealed = bytesFromKms(r.ciphertextForRecipient, 'ciphertextForRecipient');
          await open(sealed, (dh) => sealer.setSealedDataKey(recipient, dh, generator.keyId, r.keyId, blob, sealed));
        });
      } else if (isKms(generator)) {
        signal?.throwIfAborted();
        const ec = sealer.encryptionContext();
        const r = await callKeyring(generator, 'generateDataKey', { encryptionContext: ec, numberOfBytes: sealer.dataKeyLength(), signal });
        const key = bytesFromKms(r && r.plaintext, 'plaintext');
        try {
          if (typeof r.keyId !== 'string') throw new EdgeKmsError('INVALID_DATA_KEY', 'the KMS keyring answered without a keyId');
          sealer.setDataKey(key, KMS_PROVIDER_ID, utf8.encode(r.keyId), bytesFromKms(r.ciphertextBlob, 'ciphertextBlob'));
        } finally {
          key.fill(0);
        }
      } else if (isRsaKeyring(generator)) {
        sealer.generateDataKey();
        await wrapWithRsa(sealer, generator);
      } else {
        sealer.wrapWith(coreKeyring(generator, b));
      }
      for (const child of children) {
        if (isKms(child) && child.keyTransport === 'hpke') {
          // Encrypt would carry the data key to the broker: refused before it leaves the core
          throw new EdgeKmsError('INVALID_ARGUMENT', "a keyTransport 'hpke' KMS keyring can only be the generator of a multi-keyring");
        }
        if (isKms(child)) {
          await encryptWithKms(sealer, child, signal);
        } else if (isRsaKeyring(child)) {
          await wrapWithRsa(sealer, child);
        } else {
          sealer.wrapWith(coreKeyring(child, b));
        }
      }
      return sealer;
    } catch (e) {
      sealer.free();
      throw e;
    }
  }

  /**
   * Asks each keyring in turn until the opener holds a data key (local keyrings in the core, KMS through the seam).
   * `onWait` runs before the first call that waits (a KMS keyring, the rsa module).
   * @param {any} b @param {any} opener @param {AbortSignal | undefined} signal @param {() => void} [onWait]
   */
  async #findDataKey(b, opener, signal, onWait) {
    const { members } = flatten(this.keyring);
    let kmsError;
    for (const k of members) {
      if (opener.hasDataKey()) break;
      if (isKmsRsaKeyring(k)) {
        if (!k.kms) { opener.noteKeyring(false); continue; } // it holds no private key
        // Anyone with the public key writes such messages: a signed one proves nothing
        // and the core refuses it; no KMS call for it either.
        if (opener.isSigned()) continue;
        for (const edk of opener.encryptedDataKeys()) {
          if (edk.providerId !== 'aws-kms-rsa' || !kmsKeyIdMatches(k, edk.providerInfo)) continue;
          signal?.throwIfAborted();
          onWait?.();
          let r;
          try {
            // KMS RSA Decrypt takes no context; the broker needs it to check the
            // digest sealed with the data key before it answers (and to authorize)
            r = await callKeyring(k.kms, 'decryptDataKey', { keyId: k.keyId, ciphertextBlob: edk.ciphertext, encryptionContext: opener.encryptionContext(), encryptionAlgorithm: 'RSAES_OAEP_SHA_256', signal });
          } catch (e) {
            if (signal?.aborted) throw e;
            kmsError = e;
            continue;
          }
          const answer = bytesFromKms(r && r.plaintext, 'plaintext');
          try { opener.setKmsRsaDataKey(answer); } finally { answer.fill(0); }
          break;
        }
        continue;
      }
      if (isRsaKeyring(k)) {
        // RawRsaKeyring: the `rsa` module unwraps; the envelope module takes a
        // key only if the header authenticates under it (else tries the next)
        onWait?.();
        const capable = await rsaKeyrings().canDecrypt(k);
        opener.noteKeyring(capable);
        if (!capable) continue;
        const context = opener.serializedContext();
        const length = opener.dataKeyLength();
        for (const edk of opener.encryptedDataKeys()) {
          const key = await rsaKeyrings().unwrap(k, edk, context, length);
          if (key === undefined) continue;
          try {
            if (opener.offerDataKey(key)) break;
          } finally {
            key.fill(0);
          }
        }
        continue;
      }
      if (!isKms(k)) {
        const handle = coreKeyring(k, b);
        if (!opener.tryKeyring(handle)) {
          // The JavaScript ESDK binds the context sorted with localeCompare unless
          // configured otherwise (its issue #428); only JS can reproduce that order.
          const ec = opener.encryptionContext();
          const order = Object.keys(ec).sort((x, y) => x.localeCompare(y));
          const canonical = Object.keys(ec); // the core returns canonical (UTF-8) order
          if (order.some((key, i) => key !== canonical[i])) opener.tryKeyringInOrder(handle, order);
        }
        continue;
      }
      const ec = opener.encryptionContext();
      for (const edk of opener.encryptedDataKeys()) {
        if (edk.providerId !== KMS_PROVIDER_ID || !kmsKeyIdMatches(k, edk.providerInfo)) continue;
        signal?.throwIfAborted();
        onWait?.();
        if (k.keyTransport === 'hpke') {
          // sealed to a key pair only the core holds; a tampered, replayed or swapped answer is INVALID_DATA_KEY
          try {
            await withRecipient(b, this.engine, async (recipient, open) => {
              const keyId = fromUtf8.decode(edk.providerInfo);
              const r = await callKeyring(k, 'decryptDataKey', { keyId, ciphertextBlob: edk.ciphertext, encryptionContext: ec, signal, recipient: { publicKey: recipient.publicKey(), nonce: recipient.nonce() } });
              if (!r || typeof r.keyId !== 'string') throw new EdgeKmsError('INVALID_DATA_KEY', 'the KMS keyring answered without a keyId');
              const sealed = bytesFromKms(r.ciphertextForRecipient, 'ciphertextForRecipient');
              await open(sealed, (dh) => opener.setSealedDataKey(recipient, dh, keyId, r.keyId, edk.ciphertext, sealed));
            });
          } catch (e) {
            if (signal?.aborted) throw e;
            kmsError = e;
            continue;
          }
          break;
        }
        let r;
        try {
          r = await callKeyring(k, 'decryptDataKey', { keyId: fromUtf8.decode(edk.providerInfo), ciphertextBlob: edk.ciphertext, encryptionContext: ec, signal });
        } catch (e) {
          if (signal?.aborted) throw e;
          kmsError = e; // try the next encrypted data key, as the reference SDK does
          continue;
        }
        const key = bytesFromKms(r && r.plaintext, 'plaintext');
        try {
          opener.setDataKey(key);
        } finally {
          key.fill(0);
        }
        break;
      }
    }
    if (!opener.hasDataKey() && kmsError !== undefined) throw kmsError;
  }
}

/**
 * The structure of a message (version, suite, context, encrypted data keys, frame
 * count, signature presence) without decrypting it. Nothing here is authenticated.
 * @param {Uint8Array | ArrayBuffer | ArrayBufferView} message
 */
export async function parseMessage(message) {
  const msg = toBytes(message, 'message');
  checkWasmSize(msg.length); // the core walks every frame of a copy it holds
  return moduleFor(false).withCore((b) => b.parseMessage(msg));
}
