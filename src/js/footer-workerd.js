// Cloudflare Workers (workerd): a signed stream's footer hashed by the
// runtime's `crypto.DigestStream` as its bytes go out, instead of by the
// core's SHA-384 in wasm (native.js, useFooterHash; only the workerd entries
// import this file). For keys of the `ecdsa` module, which sign a digest; a
// WebCrypto key signs a one-shot message whole and hashes it itself.
import { signFooter } from './footer.js';

/**
 * A FooterHash (native.js) for `signer`, or undefined where the runtime has no
 * DigestStream or the key is WebCrypto's: then the core hashes, as elsewhere.
 * @param {import('./footer.js').FooterSigner} signer
 * @returns {import('./native.js').FooterHash | undefined}
 */
export function workerdFooterHash(signer) {
  const DigestStream = /** @type {any} */ (globalThis.crypto)?.DigestStream;
  if (signer.kind === 'webcrypto' || typeof DigestStream !== 'function') return undefined;
  const stream = new DigestStream('SHA-384');
  const writer = stream.getWriter();
  /** @type {{ error: unknown } | undefined} */ let failed;
  return {
    // Writes are queued: each gets a copy of its own, which the message's reader cannot change meanwhile.
    update: (bytes) => { writer.write(bytes.slice()).catch((/** @type {unknown} */ error) => { failed ??= { error }; }); },
    sign: async () => {
      await writer.close();
      const digest = new Uint8Array(await stream.digest);
      if (failed) throw failed.error;
      return signFooter(signer, undefined, digest);
    },
  };
}
