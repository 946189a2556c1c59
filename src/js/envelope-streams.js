// The streams of EnvelopeClient (envelope.js): encryptStream, decryptStream and
// reEncryptStream, each a TransformStream in constant memory (one frame plus the
// chunk). As the one-shot calls, they hand every byte of format work and every
// check to the wasm core; here the chunks are held until the core can take them,
// WebCrypto seals or opens the frames the core described, and the footer's
// signature is made or checked by the `ecdsa` module over the core's digest
// (WebCrypto cannot sign or verify a stream).
import { EdgeKmsError } from './errors.js';
import { checkSignal, readOptions, toBytes } from './bytes.js';
import { withHandle } from './envelope-modules.js';
import { envelopeFull as full } from './modules/envelope-full.js';
import { CALL_OPTIONS, DECRYPT_OPTIONS, REENCRYPT_OPTIONS, SUITES, abortable, contextArrays, optionalBoolean } from './envelope-options.js';
import { disposeSigner, newSigner, signFooter, verifyFooter } from './footer.js';
import { NATIVE_MIN_FRAME, decryptFrames, encryptFrames, footerHashFor, importNativeKey } from './native.js';
import { checkKeyring, flatten } from './keyrings.js';
import { wrapDataKey } from './envelope-keyrings.js';

/**
 * What a stream reaches of its client's private methods (EnvelopeClient's `#inner`).
 * @typedef {{
 *   module: () => any,
 *   native: (bytes: number, frameLength: number, keyLength?: number) => boolean,
 *   withLimits: (b: any, signed: boolean, fn: (limits: any) => any) => any,
 *   findDataKey: (b: any, opener: any, signal: AbortSignal | undefined) => Promise<void>,
 *   prepareSealer: (b: any, context: [string[], string[]], signal: AbortSignal | undefined, signer: any) => Promise<any>,
 * }} StreamInner
 */

/**
 * A message's first bytes, held until its header is whole (decryptStream and
 * reEncryptStream). They are parsed again only once they have doubled since
 * the last try (or at the end): re-parsing on every chunk made a slowly
 * arriving 4 MiB header cost seconds of CPU (quadratic).
 */
class HeaderBytes {
  /** @type {Uint8Array} */ #buf = new Uint8Array(0);
  #held = 0;
  #tryAt = 0;

  /** @param {Uint8Array} bytes */
  add(bytes) {
    if (this.#held + bytes.length > this.#buf.length) {
      const grown = new Uint8Array(Math.max(this.#held + bytes.length, 2 * this.#buf.length));
      grown.set(this.#buf.subarray(0, this.#held));
      this.#buf = grown;
    }
    this.#buf.set(bytes, this.#held);
    this.#held += bytes.length;
  }

  /** Whether to parse now: the bytes doubled since the last try, or the input ended (`final`). @param {boolean} final */
  due(final) {
    return final || this.#held >= this.#tryAt;
  }

  /** The header is not whole yet: try again at twice the bytes, or one past `maxHeaderSize` (where the core says LIMIT_EXCEEDED). @param {number} maxHeaderSize */
  notYet(maxHeaderSize) {
    this.#tryAt = Math.min(2 * this.#held, maxHeaderSize + 1);
  }

  /** The bytes held. */
  get bytes() {
    return this.#buf.subarray(0, this.#held);
  }

  get length() {
    return this.#held;
  }

  /** The header is whole and the core has it: nothing is held any more. */
  clear() {
    this.#buf = new Uint8Array(0);
    this.#held = 0;
  }
}

/**
 * Hands message bytes to a stream's reader. A stream its reader cancelled
 * meanwhile refuses them: that is ABORTED, coded, not the runtime's TypeError.
 * @param {TransformStreamDefaultController<Uint8Array>} controller @param {Uint8Array} bytes
 */
function enqueue(controller, bytes) {
  try {
    controller.enqueue(bytes);
  } catch (e) {
    throw new EdgeKmsError('ABORTED', 'the stream was cancelled', { cause: e });
  }
}

/**
 * The signal a stream hands its keyrings: the caller's `signal`, and the
 * stream's own cancel or abort (`stop`), so a KMS call under way for a reader
 * who is gone is aborted and the step awaiting it ends (then the stream's
 * state is freed: `releaseWhenIdle`). `dispose` lets go of the caller's signal.
 * @param {AbortSignal | undefined} signal
 */
function streamSignal(signal) {
  const own = new AbortController();
  // An event listener: whatever the caller's `reason` getter throws must not escape it (an uncaught exception).
  const follow = () => {
    let reason;
    try { reason = signal?.reason; } catch (e) { reason = e; }
    own.abort(reason);
  };
  try {
    if (signal?.aborted) follow();
    else signal?.addEventListener('abort', follow, { once: true });
  } catch (e) { // a signal of the caller's whose methods throw
    throw new EdgeKmsError('INVALID_ARGUMENT', 'signal could not be read', { cause: e });
  }
  return {
    signal: own.signal,
    stop: () => { if (!own.signal.aborted) own.abort(new EdgeKmsError('ABORTED', 'the stream was cancelled')); },
    dispose: () => { try { signal?.removeEventListener('abort', follow); } catch { /* the caller's signal: nothing more to let go of */ } },
  };
}

/**
 * When a stream may free what it holds (`release`: the core's object, keys,
 * held plaintext). Its reader's cancel or its writer's abort can come while a
 * step of the stream is still under way (in workerd even during `flush`):
 * awaiting KMS, WebCrypto or a signature, with the core's object and keys it
 * was given. Freed under it, its next call into the module would trap, and
 * the module's restart would fail every other operation in flight on it. So
 * a cancel releases at once only when no step is under way, else when the
 * last one ends (it fails ABORTED at its next enqueue, or stops by itself);
 * `stop` aborts what that step awaits from a keyring meanwhile.
 * @param {() => void} release @param {() => void} stop
 */
function releaseWhenIdle(release, stop) {
  let running = 0;
  let cancelled = false;
  return {
    /** Runs one step of the stream (start, transform, flush). @template T @param {() => Promise<T>} fn @returns {Promise<T>} */
    step: async (fn) => {
      running++;
      try {
        return await fn();
      } finally {
        running--;
        if (cancelled && running === 0) release();
      }
    },
    /** The reader cancelled or the writer aborted. */
    cancel: () => {
      cancelled = true;
      stop();
      if (running === 0) release();
    },
  };
}

/**
 * A signed stream's footer, after its last frame: the `ecdsa` module signs the
 * core's digest of header ‖ body (WebCrypto cannot sign a stream), or, where
 * the stream was hashed as it went out (`hash`: encryptStream in Node), the
 * signature over that hash; nothing for an unsigned suite.
 * @param {TransformStreamDefaultController<Uint8Array>} controller
 * @param {any} writer the core's sealer or resealer @param {import('./footer.js').FooterSigner | undefined} signer
 * @param {import('./native.js').FooterHash} [hash]
 */
async function enqueueFooter(controller, writer, signer, hash) {
  if (hash) {
    let rs;
    try {
      rs = await hash.sign();
    } catch (e) {
      throw e instanceof EdgeKmsError ? e : new EdgeKmsError('INTERNAL', 'edge-kms: the footer hash failed', { cause: e });
    }
    enqueue(controller, withHandle(writer, () => writer.footer(rs)));
    return;
  }
  const digest = withHandle(writer, () => writer.footerDigest());
  if (!digest) {
    // A signed message without its footer would read as truncated everywhere: say so here instead.
    if (signer) throw new EdgeKmsError('INTERNAL', 'edge-kms: a signed stream ended without a digest to sign');
    return;
  }
  const rs = await signFooter(/** @type {any} */ (signer), undefined, digest);
  enqueue(controller, withHandle(writer, () => writer.footer(rs)));
}

/**
 * The TransformStream of a stream that reads a message (decryptStream,
 * reEncryptStream): chunks gather in `header` until `tryOpen` has opened the
 * message (`opened`), then go to `feed`; at the end of an opened message
 * `finish` runs; a message that never opened is truncated. `release` frees
 * what the stream holds (the core's object, keys) after the end, on any
 * failure, and when the reader cancels or the writer aborts (`releaseWhenIdle`):
 * then, not at GC.
 * @param {{ header: HeaderBytes, opened: () => boolean,
 *   tryOpen: (controller: TransformStreamDefaultController<Uint8Array>, final: boolean) => Promise<void>,
 *   feed: (bytes: Uint8Array, controller: TransformStreamDefaultController<Uint8Array>) => Promise<void>,
 *   finish: (controller: TransformStreamDefaultController<Uint8Array>) => Promise<void>, release: () => void, stop: () => void }} reader
 * @returns {TransformStream<any, Uint8Array>}
 */
function readerStream({ header, opened, tryOpen, feed, finish, release, stop }) {
  const life = releaseWhenIdle(release, stop);
  return new TransformStream({
    transform: (chunk, controller) => life.step(async () => {
      try {
        const bytes = toBytes(chunk, 'chunk');
        if (opened()) {
          await feed(bytes, controller);
          return;
        }
        header.add(bytes);
        await tryOpen(controller, false);
      } catch (e) {
        release();
        throw e;
      }
    }),
    flush: (controller) => life.step(async () => {
      try {
        if (!opened() && header.length > 0) await tryOpen(controller, true);
        if (!opened()) throw new EdgeKmsError('MALFORMED_MESSAGE', 'the message is truncated');
        await finish(controller);
      } finally {
        release();
      }
    }),
    cancel: () => { life.cancel(); },
  });
}

/**
 * `client.reEncryptStream(options)`: see EnvelopeClient (envelope.js) for what it promises.
 * @param {import('./envelope.js').EnvelopeClient} client @param {StreamInner} inner its private parts @param {any} options
 */
export function reEncryptStream(client, inner, options) {
  const { keyring, encryptionContext, signal, requireSignature } = readOptions(options, 'options', REENCRYPT_OPTIONS, true);
  checkSignal(signal);
  checkKeyring(keyring);
  const { members } = flatten(keyring);
  const signed = client.requireSignature || optionalBoolean(requireSignature, 'requireSignature') === true;
  const [keys, values] = contextArrays(encryptionContext);
  /** @type {any} */ let resealer;
  /** @type {CryptoKey | undefined} */ let key; // set when WebCrypto verifies the frames
  /** @type {import('./footer.js').FooterSigner | undefined} */ let signer; // the new footer's: the `ecdsa` module signs a stream's digest
  const header = new HeaderBytes();
  const sig = streamSignal(signal);
  const release = () => { try { resealer?.free(); } catch { /* already freed */ } resealer = undefined; disposeSigner(signer); signer = undefined; sig.dispose(); };
  const feed = async (bytes, controller) => {
    if (key) {
      // WebCrypto verifies every frame the core described (TAMPERED otherwise); only then are they released.
      const frames = withHandle(resealer, () => resealer.planUpdate(bytes));
      for (const p of await decryptFrames(key, frames)) p.fill(0);
      const out = withHandle(resealer, () => resealer.releaseVerified());
      if (out.length) enqueue(controller, out);
      return;
    }
    const out = withHandle(resealer, () => resealer.update(bytes));
    if (out.length) enqueue(controller, out);
  };
  const tryOpen = async (controller, final) => {
    if (!header.due(final)) return;
    await abortable(sig.signal, () => full.withCore(async (b) => {
      const prefix = header.bytes;
      const entropy = crypto.getRandomValues(new Uint8Array(64));
      const opener = inner.withLimits(b, signed, (limits) => b.CoreOpener.fromPrefix(prefix, limits, keys, values, entropy, false));
      if (!opener) { // the header is not complete yet
        header.notYet(client.maxHeaderSize);
        return;
      }
      try {
        opener.checkRekeyable();
        await inner.findDataKey(b, opener, sig.signal);
        if (opener.isSigned()) signer = await newSigner(false);
        const r = opener.resealStream(crypto.getRandomValues(new Uint8Array(64)), signer?.publicKey);
        try {
          r.setMaxEncryptedDataKeys(client.maxEncryptedDataKeys);
          await wrapDataKey(b, r, members, sig.signal);
          // As decryptStream: frames under 4 KiB are verified in wasm whatever the engine.
          if (opener.frameLength() >= NATIVE_MIN_FRAME && inner.native(Infinity, opener.frameLength())) {
            const header = r.startNativeStream(opener);
            key = await importNativeKey(r.nativeKey(), 'decrypt');
            enqueue(controller, header);
          } else {
            enqueue(controller, r.startStream(opener));
          }
        } catch (e) {
          r.free();
          throw e;
        }
        resealer = r;
        const rest = prefix.subarray(opener.headerLength());
        header.clear();
        await feed(rest, controller);
      } finally {
        opener.free();
      }
    }));
  };
  return readerStream({
    header,
    opened: () => resealer !== undefined,
    tryOpen,
    feed,
    release,
    stop: sig.stop,
    finish: async (controller) => {
      // The original's footer (read by now, if it came) is verified by the `ecdsa` module
      // over the core's digest; the final frame and new footer wait for a true verdict.
      const check = withHandle(resealer, () => resealer.footerCheck());
      if (check) {
        const ok = await verifyFooter(check, undefined);
        // WebCrypto verifies the final frame's tag as every other frame's (the core
        // described it only now); finishStream refuses until releaseVerified says so.
        const last = withHandle(resealer, () => resealer.footerVerdict(ok));
        if (last.length) {
          for (const p of await decryptFrames(/** @type {CryptoKey} */ (key), last)) p.fill(0);
          withHandle(resealer, () => resealer.releaseVerified());
        }
      }
      enqueue(controller, withHandle(resealer, () => resealer.finishStream()));
      await enqueueFooter(controller, resealer, signer);
    },
  });
}

/**
 * `client.encryptStream(options)`: see EnvelopeClient (envelope.js).
 * @param {import('./envelope.js').EnvelopeClient} client @param {StreamInner} inner its private parts @param {any} options
 */
export function encryptStream(client, inner, options) {
  const { encryptionContext, signal } = readOptions(options, 'options', CALL_OPTIONS);
  checkSignal(signal);
  const ec = contextArrays(encryptionContext); // refuse a bad context now, not at the first chunk
  const native = inner.native(Infinity, client.frameLength);
  const m = inner.module();
  /** @type {any} */ let sealer;
  /** @type {CryptoKey | undefined} */ let key;
  /** @type {import('./footer.js').FooterSigner | undefined} */ let signer; // WebCrypto cannot sign a stream: the `ecdsa` module does
  // Node: header ‖ body hashed as it goes out, by node:crypto, instead of by the core (native.js, footerHashFor).
  /** @type {import('./native.js').FooterHash | undefined} */ let hash;
  /** Releases message bytes, hashed first (in order) when this stream hashes its own footer. @param {any} controller @param {Uint8Array} bytes */
  const emit = (controller, bytes) => {
    if (hash) {
      try {
        hash.update(bytes);
      } catch (e) {
        throw new EdgeKmsError('INTERNAL', 'edge-kms: the footer hash failed', { cause: e });
      }
    }
    enqueue(controller, bytes);
  };
  // Native engine: plaintext not yet sealed, `pending[0, held)`. Chunks are copied in
  // once; the buffer grows by doubling and is wiped as it is consumed or replaced.
  let pending = new Uint8Array(0);
  let held = 0;
  const sig = streamSignal(signal);
  const release = () => { try { sealer?.free(); } catch { /* already freed */ } sealer = undefined; pending.fill(0); disposeSigner(signer); signer = undefined; sig.dispose(); };
  /** @param {Uint8Array} bytes */
  const hold = (bytes) => {
    if (held + bytes.length > pending.length) {
      const grown = new Uint8Array(Math.max(held + bytes.length, 2 * pending.length));
      grown.set(pending.subarray(0, held));
      pending.fill(0);
      pending = grown;
    }
    pending.set(bytes, held);
    held += bytes.length;
  };
  const sealPending = async (last, controller) => {
    const plans = withHandle(sealer, () => sealer.planFrames(held, last));
    if (plans.length === 0) return;
    const sealed = await encryptFrames(/** @type {CryptoKey} */ (key), plans, pending);
    const end = plans[plans.length - 1].start + plans[plans.length - 1].length;
    pending.copyWithin(0, end, held); // the rest is less than a frame
    pending.fill(0, held - end, held);
    held -= end;
    emit(controller, withHandle(sealer, () => sealer.absorb(sealed)));
  };
  const life = releaseWhenIdle(release, sig.stop);
  return new TransformStream({
    start: (controller) => life.step(async () => {
      try {
        await abortable(sig.signal, () => m.withCore(async (b) => {
          if (client.suite === SUITES.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384) signer = await newSigner(false);
          sealer = await inner.prepareSealer(b, ec, sig.signal, signer);
          hash = signer && footerHashFor(signer);
          emit(controller, hash ? sealer.startHashingOutside() : sealer.start());
          if (native) key = await importNativeKey(sealer.nativeKey(), 'encrypt');
        }));
      } catch (e) {
        release();
        throw e;
      }
    }),
    transform: (chunk, controller) => life.step(async () => {
      try {
        const bytes = toBytes(chunk, 'chunk');
        if (native) {
          hold(bytes);
          // Every whole frame goes now; the rest waits for more bytes or the end.
          if (held >= client.frameLength) await sealPending(false, controller);
          return;
        }
        const out = withHandle(sealer, () => sealer.update(bytes));
        if (out.length) emit(controller, out);
      } catch (e) {
        release();
        throw e;
      }
    }),
    flush: (controller) => life.step(async () => {
      try {
        if (native) await sealPending(true, controller);
        else emit(controller, withHandle(sealer, () => sealer.finish()));
        await enqueueFooter(controller, sealer, signer, hash);
      } finally {
        release();
      }
    }),
    // The reader cancelled or the writer aborted: free the core's object and wipe what is held, now or when the step under way ends.
    cancel: () => { life.cancel(); },
  });
}

/**
 * Hands plaintext chunks to a decrypting stream's reader, in order, skipping
 * empty ones. If the stream was cancelled meanwhile (its `enqueue` throws), the
 * chunk and every one not yet handed out are wiped first: nobody will read them.
 * @param {TransformStreamDefaultController<Uint8Array>} controller @param {Uint8Array[]} chunks
 */
function handOut(controller, chunks) {
  for (const [i, c] of chunks.entries()) {
    if (!c.length) continue;
    try {
      enqueue(controller, c);
    } catch (e) {
      for (const rest of chunks.slice(i)) rest.fill(0);
      throw e;
    }
  }
}

/**
 * `client.decryptStream(options)`: see EnvelopeClient (envelope.js).
 * @param {import('./envelope.js').EnvelopeClient} client @param {StreamInner} inner its private parts @param {any} options
 */
export function decryptStream(client, inner, options) {
  const { encryptionContext, signal, requireSignature } = readOptions(options, 'options', DECRYPT_OPTIONS);
  checkSignal(signal);
  const signed = client.requireSignature || optionalBoolean(requireSignature, 'requireSignature') === true;
  const [keys, values] = contextArrays(encryptionContext);
  const m = inner.module();
  /** @type {any} */ let opener;
  const header = new HeaderBytes();
  /** @type {CryptoKey | undefined} */ let key; // set when WebCrypto opens the frames
  const sig = streamSignal(signal);
  const release = () => { try { opener?.free(); } catch { /* already freed */ } opener = undefined; sig.dispose(); };
  const feed = async (bytes, controller) => {
    if (key) {
      const frames = withHandle(opener, () => opener.planUpdate(bytes));
      const parts = await decryptFrames(key, frames);
      if (parts.length <= 1) handOut(controller, parts);
      else {
        // One chunk per write, not one per frame: a message of tiny frames would
        // otherwise queue an object per few bytes.
        const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of parts) { joined.set(p, at); at += p.length; p.fill(0); }
        handOut(controller, [joined]);
      }
    } else {
      handOut(controller, [withHandle(opener, () => opener.update(bytes))]);
    }
  };
  /** Opens the stream once the header is whole; `final` at the end of the input. */
  const tryOpen = async (controller, final) => {
    if (!header.due(final)) return;
    await m.withCore(async (b) => {
      const prefix = header.bytes;
      const entropy = crypto.getRandomValues(new Uint8Array(64));
      const o = inner.withLimits(b, signed, (limits) => b.CoreOpener.fromPrefix(prefix, limits, keys, values, entropy, false));
      if (!o) { // the header is not complete yet
        header.notYet(client.maxHeaderSize);
        return;
      }
      opener = o;
      await inner.findDataKey(b, opener, sig.signal);
      const frameLength = opener.frameLength();
      // Frames under 4 KiB are opened in wasm whatever the engine: WebCrypto would
      // get one call (and the core one description) per few bytes.
      if (frameLength >= NATIVE_MIN_FRAME && inner.native(Infinity, frameLength, opener.dataKeyLength())) {
        key = await importNativeKey(opener.startNativeStream(), 'decrypt');
      } else {
        opener.startStream();
      }
      const rest = prefix.subarray(opener.headerLength());
      header.clear();
      await feed(rest, controller);
    });
  };
  return readerStream({
    header,
    opened: () => opener !== undefined,
    tryOpen,
    feed,
    release,
    stop: sig.stop,
    finish: async (controller) => {
      // A signed message's final frame is held back by the core until its footer
      // verifies: the `ecdsa` module checks the signature over the core's digest.
      const check = withHandle(opener, () => opener.footerCheck());
      if (check) {
        const ok = await verifyFooter(check, undefined);
        if (key) {
          const frames = withHandle(opener, () => opener.footerVerdictNative(ok));
          handOut(controller, await decryptFrames(key, frames));
        } else {
          handOut(controller, [withHandle(opener, () => opener.footerVerdict(ok))]);
        }
      }
      withHandle(opener, () => opener.finish());
    },
  });
}
