// Envelope footers, signed and verified outside the `envelope` WebAssembly
// module, which holds no elliptic-curve arithmetic (README, "Modules").
//
// The core decides everything about a footer: it puts the signer's public key
// into the context, hands out the bytes or SHA-384 digest to sign and
// DER-encodes the signature; when opening it parses the footer, checks the key
// on the curve and holds back the plaintext (one-shot: all of it; streams: the
// final frame) until it is told the verdict, and a missing or negative verdict
// is TAMPERED. What happens here is the arithmetic only:
// - WebCrypto signs and verifies one-shot footers over header ‖ body (it
//   hashes the bytes itself; it cannot sign or verify a digest);
// - the `ecdsa` module signs and verifies the digest the core computed, for
//   streams (WebCrypto cannot sign incrementally), where `crypto.subtle` is
//   missing, and with `engine: 'wasm'`. Its signing keys stay in that module
//   and are wiped when freed.
import { EdgeKmsError } from './errors.js';
import { withCore as withEcdsa, isStale as ecdsaStale } from './modules/ecdsa.js';

const subtle = () => globalThis.crypto?.subtle;
const P384 = { name: 'ECDSA', namedCurve: 'P-384' };

/**
 * @typedef {{ kind: 'webcrypto', publicKey: Uint8Array, key: CryptoKey }
 *         | { kind: 'wasm', publicKey: Uint8Array, handle: any }} FooterSigner
 * `publicKey`: the SEC 1 point the core puts into `aws-crypto-public-key`.
 */

/**
 * A WebCrypto P-384 key pair whose private key is not extractable (one-shot
 * footers only); rejects where WebCrypto cannot make one.
 * @returns {Promise<FooterSigner>}
 */
export async function webCryptoSigner() {
  const pair = /** @type {CryptoKeyPair} */ (await subtle().generateKey(P384, false, ['sign']));
  const publicKey = new Uint8Array(await subtle().exportKey('raw', pair.publicKey));
  return { kind: 'webcrypto', publicKey, key: pair.privateKey };
}

/**
 * A fresh P-384 signing key for one message (or one data-key cache entry).
 * `webcrypto`: WebCrypto's (webCryptoSigner); otherwise, or where WebCrypto
 * fails to make one, a key of the `ecdsa` module (every caller signs with
 * either kind).
 * @param {boolean} webcrypto @returns {Promise<FooterSigner>}
 */
export async function newSigner(webcrypto) {
  if (webcrypto) {
    try {
      return await webCryptoSigner();
    } catch { /* a WebCrypto that cannot make the key: the `ecdsa` module makes it */ }
  }
  return withEcdsa((e) => {
    const handle = new e.EcdsaP384Key(crypto.getRandomValues(new Uint8Array(64))); // the entropy is wiped by the module
    return { kind: 'wasm', publicKey: handle.publicKey(), handle };
  });
}

/** Wipes a signer's key (a key of the `ecdsa` module; WebCrypto keys are dropped). @param {FooterSigner | undefined} s */
export function disposeSigner(s) {
  if (s?.kind === 'wasm' && !ecdsaStale(s.handle)) {
    try { s.handle.free(); } catch { /* already freed */ }
  }
}

/** Whether a signer's key is gone: a key of an `ecdsa` instance that trapped and restarted. @param {FooterSigner} s */
export function signerLost(s) {
  return s.kind === 'wasm' && ecdsaStale(s.handle);
}

/**
 * The footer keys of a client's data-key cache entries, and who owns them.
 *
 * A key has holders: the cache entry it signs for, as long as the core lists
 * that entry (`liveSigners`), and each call signing with it, from the moment
 * it makes or takes the key until it ends, whatever way it ends. Each holder
 * holds it once; the last to let go wipes it (`disposeSigner`). So a key is
 * never wiped under a call that signs with it (an entry used up, expired,
 * evicted or cleared meanwhile), and never outlives its entry and its calls
 * (a failed call, a message the cache did not store). A key lost in a restart
 * of the `ecdsa` module is let go and never handed out again: its entry's
 * next call makes a new entry instead.
 */
export class CachedFooterKeys {
  /** @type {Map<string, FooterSigner>} the keys of entries the core lists, by public key (base64) */
  #byEntry = new Map();
  /** @type {Map<FooterSigner, number>} how many holders each key has */
  #holds = new Map();

  /** A key a call made: the call holds it. @param {FooterSigner} s @returns {FooterSigner} */
  adopt(s) {
    this.#holds.set(s, (this.#holds.get(s) ?? 0) + 1);
    return s;
  }

  /** A holder lets go; the last one wipes the key. @param {FooterSigner} s */
  release(s) {
    const n = (this.#holds.get(s) ?? 1) - 1;
    if (n > 0) { this.#holds.set(s, n); return; }
    this.#holds.delete(s);
    disposeSigner(s);
  }

  /** The entry whose context carries `pub` holds `s` too (a call stored it). @param {string} pub @param {FooterSigner} s */
  attach(pub, s) {
    if (this.#byEntry.has(pub)) return;
    this.#byEntry.set(pub, this.adopt(s));
  }

  /**
   * The key of the entry whose context carries `pub`, held for a call; undefined
   * if none is known or it was lost (then the entry's hold is let go too).
   * @param {string} pub @returns {FooterSigner | undefined}
   */
  take(pub) {
    const s = this.#byEntry.get(pub);
    if (!s) return undefined;
    if (signerLost(s)) {
      this.#byEntry.delete(pub);
      this.release(s);
      return undefined;
    }
    return this.adopt(s);
  }

  /** Entries' keys the core no longer lists are let go. @param {(pub: string) => boolean} keep */
  prune(keep) {
    for (const [pub, s] of this.#byEntry) {
      if (keep(pub)) continue;
      this.#byEntry.delete(pub);
      this.release(s);
    }
  }

  /** How many entries' keys are held. */
  get size() {
    return this.#byEntry.size;
  }
}

/**
 * `r ‖ s` of the footer: over `bytes` (header ‖ body) with a WebCrypto key, or
 * over `digest` (their SHA-384, from the core) with a key of the `ecdsa` module.
 * A module key given only `bytes` (a native seal or re-key whose WebCrypto could
 * not make a key) signs their SHA-384, which WebCrypto computes.
 * @param {FooterSigner} s @param {Uint8Array | undefined} bytes @param {Uint8Array | undefined} digest
 * @returns {Promise<Uint8Array>}
 */
export async function signFooter(s, bytes, digest) {
  if (s.kind === 'webcrypto') {
    if (!bytes) throw new EdgeKmsError('INTERNAL', 'edge-kms: a WebCrypto footer key signs whole messages only');
    return new Uint8Array(await subtle().sign({ name: 'ECDSA', hash: 'SHA-384' }, s.key, bytes));
  }
  const d = digest ?? (bytes && subtle() ? new Uint8Array(await subtle().digest('SHA-384', bytes)) : undefined);
  if (!d) throw new EdgeKmsError('INTERNAL', 'edge-kms: no digest to sign');
  return withEcdsa(() => {
    // A key of an `ecdsa` instance that trapped and restarted is gone.
    if (ecdsaStale(s.handle)) throw new EdgeKmsError('INTERNAL', 'edge-kms: the footer key was lost in a restart of the ecdsa module; please retry', { retryable: true });
    return s.handle.signDigest(d);
  });
}

/**
 * The length of the footer the core writes for all but about 1 message in 256
 * (footer.rs, `FIXED_DER_LEN` + 2): a writer that leaves this much room after
 * header ‖ body puts the footer there (`withFooter`) instead of copying the
 * whole message once it is signed.
 */
export const FOOTER_ROOM = 105;

/**
 * The message whose header ‖ body are the first `signedLength` bytes of `buf`
 * (a buffer of the writer's own, `signedLength` + FOOTER_ROOM long, or exactly
 * `signedLength`), with `footer` after them: written in place where it fills
 * `buf` exactly, else both are copied into a buffer of the exact length. Either
 * way the result is the whole of its ArrayBuffer, as every message returned is.
 * Called once the signature returned, it writes past the signed bytes only.
 * @param {Uint8Array} buf @param {number} signedLength @param {Uint8Array} footer @returns {Uint8Array}
 */
export function withFooter(buf, signedLength, footer) {
  const length = signedLength + footer.length;
  if (buf.length === length && buf.byteOffset === 0 && buf.buffer.byteLength === length) {
    buf.set(footer, signedLength);
    return buf;
  }
  const out = new Uint8Array(length);
  out.set(buf.subarray(0, signedLength));
  out.set(footer, signedLength);
  return out;
}

/**
 * Whether the footer `check` (from the core: `{ namedCurve, hash, publicKey,
 * signature, digest, signedLength }`) verifies: with WebCrypto over
 * `message.subarray(0, signedLength)` when `message` is given (a private copy,
 * the bytes the core opened), else with the `ecdsa` module over the core's
 * digest. A key or signature WebCrypto refuses is `false`; failing to load the
 * `ecdsa` module is an error, not a verdict.
 * @param {any} check @param {Uint8Array | undefined} message @returns {Promise<boolean>}
 */
export async function verifyFooter(check, message) {
  if (message) {
    try {
      const key = await subtle().importKey('raw', check.publicKey, { name: 'ECDSA', namedCurve: check.namedCurve }, false, ['verify']);
      return await subtle().verify({ name: 'ECDSA', hash: check.hash }, key, check.signature, message.subarray(0, check.signedLength));
    } catch {
      return false;
    }
  }
  const scheme = check.namedCurve === 'P-256' ? 'ECDSA_P256' : 'ECDSA_P384';
  return withEcdsa((e) => e.ecdsaVerify(scheme, check.publicKey, check.hash, true, check.digest, check.signature) === true);
}
