// Whether bytes are an uncompressed P-256 point on the curve: the HPKE key
// transport's check of the broker's `enc` (hpke-key.js). No imports, so that
// the portable test suites can load it from source in every runtime.
// P-256: y^2 = x^3 - 3x + b over GF(p).
const P = 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;
/** @param {Uint8Array} b */
const big = (b) => b.reduce((n, x) => (n << 8n) | BigInt(x), 0n);

/**
 * Whether `enc` is an uncompressed P-256 point on the curve, coordinates < p
 * (the identity has no such encoding). The DH side checks too (WebCrypto at
 * importKey or deriveBits, the ecdsa module at decoding); this check makes
 * every runtime refuse the same points before any DH: Deno's importKey, for
 * one, takes a point off the curve and only deriveBits refuses it. `enc` is
 * public: no need for constant time.
 * @param {Uint8Array} enc
 */
export function isCurvePoint(enc) {
  if (enc.length !== 65 || enc[0] !== 0x04) return false;
  const x = big(enc.subarray(1, 33)), y = big(enc.subarray(33));
  return x < P && y < P && (y * y - (x * x * x - 3n * x + B)) % P === 0n;
}
