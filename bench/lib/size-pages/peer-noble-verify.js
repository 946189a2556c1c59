// Peer for verify: @noble/curves, ECDSA P-256 and P-384 only (noble has no RSA; the page cannot do RSA).
import { p256, p384 } from '@noble/curves/nist.js';

const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const curves = { ECDSA_SHA_256: [p256, 65], ECDSA_SHA_384: [p384, 97] };
globalThis.run = async ({ signatures }) => signatures.filter((s) => curves[s.kmsAlg]).map((s) => {
  const [curve, len] = curves[s.kmsAlg];
  const spki = unb64(s.spki);
  return curve.verify(unb64(s.der), new TextEncoder().encode(s.message), spki.subarray(spki.length - len), { format: 'der', lowS: false });
});
globalThis.pageReady = true;
