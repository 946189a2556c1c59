// Node (and Bun): a native seal's footer hashed as its frames land, by
// node:crypto (native.js, useFooterHash; entry-node.js hands it over). Only the
// Node entry imports this file, so no browser bundle carries it.
import { signFooter } from './footer.js';

/**
 * A FooterHash (native.js) for `signer`, or undefined where this runtime's
 * `crypto` cannot take the key: WebCrypto then hashes the whole message. A
 * WebCrypto key signs through its KeyObject (the same key; never exported
 * here, though Node 20 lets a KeyObject of a non-extractable key be: code
 * that patches node:crypto in this process could read it, as it could patch
 * WebCrypto's generateKey); a key of the `ecdsa` module signs the digest.
 * `node:crypto` is loaded on first need, not at import (start-up).
 * @param {import('./footer.js').FooterSigner} signer
 * @returns {import('./native.js').FooterHash | undefined}
 */
export function nodeFooterHash(signer) {
  const c = /** @type {any} */ (globalThis).process?.getBuiltinModule?.('node:crypto');
  if (!c) return undefined;
  if (signer.kind === 'webcrypto') {
    const key = c.KeyObject.from(signer.key);
    const s = c.createSign('SHA384');
    return { update: (b) => s.update(b), sign: async () => p1363(s.sign({ key, dsaEncoding: 'ieee-p1363' })) };
  }
  const h = c.createHash('sha384');
  return { update: (b) => h.update(b), sign: () => signFooter(signer, undefined, new Uint8Array(h.digest())) };
}

/** `r ‖ s` of P-384, as WebCrypto gives it: a `Sign` that answers in another form (DER) throws, and WebCrypto signs instead. */
function p1363(sig) {
  if (!(sig instanceof Uint8Array) || sig.length !== 96) throw new TypeError('not a P-384 r ‖ s');
  return new Uint8Array(sig);
}
