// The native engine of EnvelopeClient (envelope.js): WebCrypto does AES-GCM on
// frames the core planned, and signs and verifies one-shot footers. The core
// decides every byte of framing, IVs and AAD, and every check; WebCrypto only
// seals and opens, verifying each tag before it returns anything.
import { EdgeKmsError } from './errors.js';
import { checkUnchanged } from './bytes.js';
import { FOOTER_ROOM, signFooter, withFooter } from './footer.js';
import { withHandle } from './envelope-modules.js';

const subtle = () => globalThis.crypto?.subtle;

/**
 * An incremental SHA-384 of the bytes a footer signs, and the signature over them.
 * @typedef {{ update(bytes: Uint8Array): void, sign(): Promise<Uint8Array> }} FooterHash
 */

/** @type {(signer: import('./footer.js').FooterSigner) => FooterHash | undefined} */
let footerHash = () => undefined;

/**
 * Lets a native seal hash header ‖ body as its frames come back: the Node entry
 * hands over `nodeFooterHash` (footer-node.js), the workerd entries
 * `workerdFooterHash` (footer-workerd.js: signed streams). WebCrypto can only hash a whole
 * message, after its last frame, so a signed 16 MiB seal spent a SHA-384 of the
 * message on top of its AES-GCM; hashed frame by frame on the main thread while
 * WebCrypto's threads encrypt the next ones, the two overlap. The bytes hashed
 * and the signature are the same either way; where `make` returns undefined
 * (or fails), WebCrypto hashes the whole message as before.
 * @param {typeof footerHash} make
 */
export function useFooterHash(make) {
  footerHash = make;
}

/**
 * A FooterHash for `signer` where the runtime gave one (`useFooterHash`), else
 * undefined: then WebCrypto or the core hashes, as everywhere else.
 * @param {import('./footer.js').FooterSigner} signer @returns {FooterHash | undefined}
 */
export function footerHashFor(signer) {
  try {
    return footerHash(signer);
  } catch {
    return undefined;
  }
}

/**
 * `auto` seals and opens frames shorter than this in wasm whatever the message's
 * length, and decryptStream and reEncryptStream open them in wasm whatever the
 * engine: WebCrypto would get one call per few bytes (envelope.js, `NATIVE_MIN_BYTES`).
 */
export const NATIVE_MIN_FRAME = 4096;

/** WebCrypto calls (and frame descriptions) alive at once: memory stays O(message), whatever the frame count. */
const BATCH = 64;
/**
 * Runs `count` planned frames through `run`, a window of BATCH at a time: the core
 * describes each window (`describe(from, n)`, calls on `owner`), so a message of a
 * million tiny frames holds a window of descriptions and WebCrypto calls, not a million.
 * @param {number} count @param {(from: number, n: number) => any[]} describe
 * @param {(frame: any) => Promise<void>} run @param {object} [owner] the core's handle `describe` calls; none: plain JS
 */
async function inWindows(count, describe, run, owner) {
  for (let from = 0; from < count; from += BATCH) {
    const n = Math.min(BATCH, count - from);
    const frames = owner ? withHandle(owner, () => describe(from, n)) : describe(from, n);
    // allSettled: every call of the window has finished (and written) before a failure propagates.
    const failed = (await Promise.allSettled(frames.map(run))).find((r) => r.status === 'rejected');
    if (failed) throw /** @type {PromiseRejectedResult} */ (failed).reason;
  }
}

/**
 * Imports a message key from the core into WebCrypto (non-extractable) and
 * wipes the bytes. A key WebCrypto refuses says nothing of the message (the
 * core made it): the runtime cannot (Chromium and 192-bit AES keys).
 */
export async function importNativeKey(raw, usage) {
  try {
    return await subtle().importKey('raw', raw, 'AES-GCM', false, [usage]);
  } catch (e) {
    throw new EdgeKmsError('ENGINE_UNAVAILABLE', `WebCrypto here refuses ${raw.length * 8}-bit AES keys: use engine 'auto'`, { cause: e });
  } finally {
    raw.fill(0);
  }
}

/** Seals the planned frames of `source`; returns every ciphertext ‖ tag, concatenated in order. */
export async function encryptFrames(key, plans, source) {
  const parts = new Array(plans.length);
  for (let i = 0; i < plans.length; i += BATCH) {
    await Promise.all(plans.slice(i, i + BATCH).map(async (f, j) => {
      const ct = await subtle().encrypt({ name: 'AES-GCM', iv: f.iv, additionalData: f.aad, tagLength: 128 }, key, source.subarray(f.start, f.start + f.length));
      parts[i + j] = new Uint8Array(ct);
    }));
  }
  const sealed = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { sealed.set(p, at); at += p.length; }
  return sealed;
}

/** Opens frames `{ iv, aad, data }`; all-or-nothing, TAMPERED if any tag fails. */
export async function decryptFrames(key, frames) {
  const out = new Array(frames.length);
  try {
    await inWindows(frames.length, (from, n) => frames.slice(from, from + n).map((f, j) => ({ f, i: from + j })), async ({ f, i }) => {
      out[i] = new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv: f.iv, additionalData: f.aad, tagLength: 128 }, key, f.data));
    });
  } catch (e) {
    for (const p of out) p?.fill(0);
    throw new EdgeKmsError('TAMPERED', 'the message failed authentication', { cause: e });
  }
  return out;
}

/**
 * Hashes `bytes` in order while its parts land in any order: a part that lands
 * where the hash stands is hashed with every part after it that landed
 * already (`waiting`: where a part starts → where it ends). The parts tile the
 * bytes, so each byte is hashed once, in order. A hash that fails is dropped:
 * `whole` then gives nothing, and WebCrypto hashes the whole message instead.
 * @param {FooterHash | undefined} hash @param {Uint8Array} bytes
 */
function inOrderHash(hash, bytes) {
  let at = 0;
  /** @type {Map<number, number>} */ const waiting = new Map();
  return {
    /** @param {number} start @param {number} end */
    landed(start, end) {
      if (!hash) return;
      waiting.set(start, end);
      try {
        for (let e = waiting.get(at); e !== undefined; e = waiting.get(at)) {
          waiting.delete(at);
          hash.update(bytes.subarray(at, e));
          at = e;
        }
      } catch {
        hash = undefined;
      }
    },
    /** The hash, if it covered exactly the first `length` bytes. @param {number} length */
    whole: (length) => (at === length ? hash : undefined),
  };
}

/** @param {any} sealer @param {Uint8Array} pt @param {import('./footer.js').FooterSigner | undefined} signer */
export async function sealNative(sealer, pt, signer) {
  // The core lays the message out (header, each frame's prefix and where it
  // goes); WebCrypto's output for each frame is written once, in place.
  // Every frame goes to WebCrypto in one synchronous step (each call copies its
  // plaintext before it returns), so the message is of the bytes at one instant.
  // More frames than one window: they are sealed a window at a time, so they
  // read a private copy, which nobody changes in between.
  const length = pt.length;
  const plan = sealer.planNative(length);
  const key = await importNativeKey(plan.key, 'encrypt');
  // The plan is of `length` bytes: a buffer resized or detached during the import
  // would seal frames short of it (a message no reader opens), so it is refused.
  checkUnchanged(pt, length, 'plaintext');
  const body = new Uint8Array(plan.length + (plan.signed ? FOOTER_ROOM : 0)); // the footer's room: see withFooter
  body.set(plan.header, 0);
  const source = plan.frameCount > BATCH ? pt.slice() : pt;
  // Signed suite, with Node's `crypto`: header ‖ body hashed in order as it is written.
  const hashing = plan.signed ? inOrderHash(footerHashFor(/** @type {any} */ (signer)), body) : undefined;
  hashing?.landed(0, plan.header.length);
  /** @param {any} f */
  const sealFrame = async (f) => {
    const ct = new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv: f.iv, additionalData: f.aad, tagLength: 128 }, key, source.subarray(f.start, f.start + f.length)));
    body.set(f.prefix, f.outOffset);
    body.set(ct, f.outOffset + f.prefix.length);
    hashing?.landed(f.outOffset, f.outOffset + f.prefix.length + ct.length);
  };
  try {
    if (plan.frameCount <= BATCH) await Promise.all(sealer.nativeFrames(0, plan.frameCount).map(sealFrame));
    else await inWindows(plan.frameCount, (from, n) => sealer.nativeFrames(from, n), sealFrame, sealer);
  } finally {
    if (source !== pt) source.fill(0);
  }
  if (!plan.signed) return body;
  // Signed suite: the footer key signs header ‖ body (hashed above, or by WebCrypto now); the core DER-encodes.
  let rs;
  const hash = hashing?.whole(plan.length);
  if (hash) {
    try {
      rs = await hash.sign();
    } catch { /* WebCrypto signs below */ }
  }
  rs ??= await signFooter(/** @type {any} */ (signer), body.subarray(0, plan.length), undefined);
  return withFooter(body, plan.length, sealer.footer(rs));
}

/**
 * The footer's public key of a signed message as a WebCrypto verification key,
 * or null where WebCrypto refuses it (a failed signature: TAMPERED). WebCrypto
 * gets the key as the message carries it, compressed: Chromium, Node and Deno
 * decode it faster than the core (a P-384 square root, ~0.2 ms in wasm;
 * BENCHMARKS.md, "Footer keys"). Where it refuses that form, the core decodes
 * the point (MALFORMED_MESSAGE if it is none of the curve) and WebCrypto gets it
 * uncompressed.
 * @param {any} opener @param {{ namedCurve: string, publicKey: Uint8Array }} sig `opener.signerPublicKey(false)`
 * @returns {Promise<CryptoKey | null>}
 */
async function importFooterKey(opener, sig) {
  const params = { name: 'ECDSA', namedCurve: sig.namedCurve };
  try {
    return await subtle().importKey('raw', sig.publicKey, params, false, ['verify']);
  } catch { /* not a point of the curve, or a runtime that imports uncompressed points only */ }
  const point = opener.signerPublicKey(true).publicKey;
  return subtle().importKey('raw', point, params, false, ['verify']).catch(() => null);
}

/**
 * Signed messages up to this size have their footer checked while a keyring
 * waits. The check copies and hashes the message before any keyring took it, so
 * a message no keyring opens costs that too: bounded here, and only where a
 * KMS call (or the rsa module) is made for it anyway.
 */
const EARLY_FOOTER_MAX = 1024 * 1024;

/**
 * @typedef {{ source: Uint8Array, key: Promise<CryptoKey | null>, guess: { signature: Uint8Array, signedLength: number } | undefined,
 *   verdict: Promise<boolean> | undefined, keySettled: Promise<unknown> }} EarlyFooter
 */

/**
 * For a signed message that WebCrypto opens (`decrypt`), starts the footer
 * check when a keyring is about to wait (a KMS round trip, the rsa module)
 * instead of after the keyrings: its ECDSA verification then runs on
 * WebCrypto's thread beside that wait. It reads a private copy of the message
 * taken now, and the frames are later decrypted from the same copy, so what is
 * verified is the message of one instant. The footer is read from the
 * message's end as a guess (the data key is needed for the core to walk the
 * body): openNative uses this verdict only when the core, holding the data key,
 * finds the same signature and signed length; otherwise it verifies again.
 * Nothing waits for the verdict before the keyrings and every frame tag have
 * passed, so errors come in the same order as without it; a failed decrypt
 * waits only for the key import (which may call the opener), not the verdict.
 * @param {any} opener @param {Uint8Array} msg @returns {EarlyFooter | undefined}
 */
export function earlyFooter(opener, msg) {
  if (msg.length > EARLY_FOOTER_MAX) return undefined;
  let signer;
  try {
    signer = opener.signerPublicKey(false);
  } catch {
    return undefined; // openNative reports it, in its turn
  }
  if (!signer) return undefined;
  const source = msg.slice();
  const key = importFooterKey(opener, signer);
  const guess = footerGuess(source, signer.namedCurve === 'P-256' ? 32 : 48);
  const verdict = guess && key.then((k) => (k ? subtle().verify({ name: 'ECDSA', hash: signer.hash }, k, guess.signature, source.subarray(0, guess.signedLength)) : false));
  verdict?.catch(() => {}); // read (or dropped, on failure) by openNative; never an unhandled rejection
  return { source, key, guess, verdict, keySettled: key.then(() => {}, () => {}) };
}

/**
 * The footer a message of `n`-byte scalars seems to end with: `uint16 length ‖
 * DER SEQUENCE { INTEGER r, INTEGER s }`, as `r ‖ s` and the length of what it
 * signs; undefined when the end does not read so. Only a guess: see earlyFooter.
 * @param {Uint8Array} m @param {number} n
 */
function footerGuess(m, n) {
  for (let len = 8; len <= 2 * n + 8 && len + 2 <= m.length; len++) {
    const at = m.length - len;
    if (m[at] !== 0x30 || m[at + 1] !== len - 2 || ((m[at - 2] << 8) | m[at - 1]) !== len) continue;
    const signature = new Uint8Array(2 * n);
    let p = at + 2;
    for (const half of [0, n]) {
      if (m[p] !== 2) return undefined;
      let v = m.subarray(p + 2, p + 2 + m[p + 1]);
      p += 2 + m[p + 1];
      while (v.length > n && v[0] === 0) v = v.subarray(1);
      if (v.length > n) return undefined;
      signature.set(v, half + n - v.length);
    }
    return p === m.length ? { signature, signedLength: at - 2 } : undefined;
  }
  return undefined;
}

/** Whether the core's footer `sig` is the one guessed. @param {EarlyFooter['guess']} g @param {{ signature: Uint8Array, signedLength: number }} sig */
function sameFooter(g, sig) {
  return !!g && g.signedLength === sig.signedLength && g.signature.length === sig.signature.length && g.signature.every((x, i) => x === sig.signature[i]);
}

/**
 * Opens a whole message with WebCrypto. The core has the header; it reads the
 * frame heads and footer straight from `msg` and plans. Then, in the same
 * synchronous step, every frame and the footer signature go to WebCrypto, each
 * call copying its bytes before it returns: the message is read once, at one
 * instant, so bytes that change later cannot mix into what is verified.
 * @param {any} opener @param {Uint8Array} msg the whole message
 * @param {boolean} [verifyOnly] check every tag and the signature, keep no plaintext (reEncrypt): resolves to an empty array
 */
export async function openNative(opener, msg, verifyOnly = false, early = undefined) {
  const length = msg.length;
  const signer = opener.signerPublicKey(false);
  // A key WebCrypto refuses counts as a failed signature (TAMPERED below); one
  // that is not a point of the curve is MALFORMED_MESSAGE (the core's, thrown).
  // Both settle before either failure leaves: importFooterKey may still call
  // the opener, which the caller frees once this rejects.
  const [aes, ecdsa] = await Promise.allSettled([
    importNativeKey(opener.messageKey(), 'decrypt'),
    early ? early.key : signer && importFooterKey(opener, signer),
  ]);
  if (aes.status === 'rejected') throw aes.reason;
  if (ecdsa.status === 'rejected') throw ecdsa.reason;
  const [key, footerKey] = [aes.value, ecdsa.value];
  checkUnchanged(msg, length, 'message'); // resized during the imports: a coded error, not a verdict on the message
  const plan = opener.planNative(early ? early.source : msg); // structure, sequence and footer parsed; nothing decrypted
  const sig = plan.signature;
  // More frames than one window are opened a window at a time (bounded memory
  // whatever the frame count); they then read a private copy, taken now, so
  // what is verified is still the message of one instant. An early footer
  // check took its copy when decrypt began: the frames are read from it.
  const windowed = plan.frameCount > BATCH;
  const source = early ? early.source : windowed ? msg.slice() : msg;
  // Runs beside the frames: WebCrypto hashes header ‖ body on its own thread.
  // The early verdict counts only for the very signature and length the core found.
  const signatureOk = !sig ? Promise.resolve(true)
    : early?.verdict && sameFooter(early.guess, sig) ? early.verdict
      : footerKey ? subtle().verify({ name: 'ECDSA', hash: signer.hash }, footerKey, sig.signature, source.subarray(0, sig.signedLength))
        : Promise.resolve(false);
  const frames = windowed ? undefined : opener.nativeFrames(0, plan.frameCount);
  // The whole plaintext in one frame (every message up to the default 1 MiB frame, and one
  // of exactly a frame, whose final frame is empty): WebCrypto's output for that frame is
  // the plaintext, returned as it is; else the frames are assembled into `out`.
  const whole = !verifyOnly && !!frames && frames.filter((/** @type {any} */ f) => f.end - f.start > 16 /* more than its tag */).length <= 1;
  let out = new Uint8Array(verifyOnly || whole ? 0 : plan.plaintextLength);
  /** @param {any} f */
  const openFrame = async (f) => {
    const pt = new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv: f.iv, additionalData: f.aad, tagLength: 128 }, key, source.subarray(f.start, f.end)));
    if (whole && pt.length === 0) return; // the empty frame (its tag verified)
    if (whole && f.plaintextOffset === 0 && pt.length === plan.plaintextLength) { out = pt; return; }
    if (whole) { pt.fill(0); throw new EdgeKmsError('INTERNAL', 'edge-kms: a one-frame plan that is not the whole plaintext'); }
    if (!verifyOnly) out.set(pt, f.plaintextOffset);
    pt.fill(0); // WebCrypto's copy: `out` is the one copy that is wiped on failure or returned
  };
  try {
    if (windowed) {
      await inWindows(plan.frameCount, (from, n) => opener.nativeFrames(from, n), openFrame, opener);
    } else {
      // allSettled: every write has landed before a failure wipes `out` below.
      const settled = await Promise.allSettled(/** @type {any[]} */ (frames).map(openFrame));
      const failed = settled.find((r) => r.status === 'rejected');
      if (failed) throw /** @type {PromiseRejectedResult} */ (failed).reason;
    }
    if (!(await signatureOk)) throw new Error('footer signature');
  } catch (e) {
    out.fill(0); // nothing leaves unless every frame and the signature verified
    signatureOk.catch(() => {});
    // A coded error of the library (a core restarted meanwhile: INTERNAL, retryable)
    // is not a verdict on the message; a failed tag or signature is.
    if (e instanceof EdgeKmsError) throw e;
    throw new EdgeKmsError('TAMPERED', 'the message failed authentication', { cause: e });
  }
  return out;
}
