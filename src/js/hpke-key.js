// The HPKE key transport's receiving key pair (keyTransport 'hpke'): DHKEM(P-256)
// key generation and the Diffie-Hellman step, outside the `envelope` module
// (issue 10: it carries no elliptic-curve arithmetic). Everything after the DH
// (ExtractAndExpand, key schedule, AEAD open with the request as AAD, one use
// per recipient) stays in the core: see src/keyring/hpke.rs.
//
// Where the private key lives:
// - WebCrypto (engines 'auto' and 'native'): a non-extractable ECDH CryptoKey;
//   `deriveBits` gives the 32-byte DH output, which goes into the core and is
//   wiped in JS (`fill(0)`) whatever happens.
// - the `ecdsa` module (engine 'wasm', or 'auto' where this runtime's WebCrypto
//   has no P-256 ECDH): the scalar is derived there from 64 bytes of entropy
//   (RFC 9180 DeriveKeyPair) and never leaves it; freed (zeroized) after use.
//   The module's glue is a dynamic import: bundlers that split chunks (Vite,
//   Rollup, webpack) leave it out of a page that seals and opens with
//   WebCrypto; esbuild without --splitting inlines it.
import { EdgeKmsError } from './errors.js';
import { isCurvePoint } from './p256-point.js';

const P256 = Object.freeze({ name: 'ECDH', namedCurve: 'P-256' });
/** Bytes of `enc` and of the public key: an uncompressed P-256 point. */
const POINT_LEN = 65;
const DH_LEN = 32;
const subtle = () => globalThis.crypto?.subtle;
const refused = () => new EdgeKmsError('INVALID_DATA_KEY', 'the sealed data key did not open');

/**
 * @typedef {{ publicKey: Uint8Array, where: 'webcrypto' | 'wasm',
 *             dh: (enc: Uint8Array) => Promise<Uint8Array>, free: () => void }} HpkeKeyPair
 * `dh` refuses an `enc` that is not an uncompressed point on the curve with
 * INVALID_DATA_KEY; the caller wipes what it returns.
 */

/**
 * `enc` of a sealed answer (`enc ‖ ciphertext`): its first 65 bytes, a point
 * of the curve, or INVALID_DATA_KEY.
 * @param {Uint8Array} sealed @returns {Uint8Array}
 */
export function encOf(sealed) {
  const enc = sealed.subarray(0, POINT_LEN);
  if (!isCurvePoint(enc)) throw refused();
  return enc;
}

/**
 * A fresh key pair for one broker request.
 * @param {'auto' | 'wasm' | 'native'} engine
 * @returns {Promise<HpkeKeyPair>}
 */
export async function newHpkeKeyPair(engine) {
  if (engine !== 'wasm') {
    const pair = await webCryptoPair();
    if (pair) return pair;
    if (engine === 'native') {
      throw new EdgeKmsError('ENGINE_UNAVAILABLE', "this runtime's WebCrypto has no P-256 ECDH, which keyTransport 'hpke' needs with the native engine");
    }
  }
  return modulePair();
}

/** @returns {Promise<HpkeKeyPair | undefined>} undefined where WebCrypto cannot make P-256 ECDH keys */
async function webCryptoPair() {
  const s = subtle();
  if (!s) return undefined;
  /** @type {CryptoKeyPair} */ let pair;
  /** @type {Uint8Array} */ let publicKey;
  try {
    pair = /** @type {CryptoKeyPair} */ (await s.generateKey(P256, false, ['deriveBits']));
    publicKey = new Uint8Array(await s.exportKey('raw', pair.publicKey));
  } catch {
    return undefined;
  }
  if (publicKey.length !== POINT_LEN || publicKey[0] !== 0x04) return undefined;
  return {
    publicKey,
    where: 'webcrypto',
    async dh(enc) {
      if (enc.length !== POINT_LEN || enc[0] !== 0x04) throw refused();
      /** @type {ArrayBuffer} */ let bits;
      try {
        // importKey (or, in Deno, deriveBits) refuses a point off the curve or
        // with a coordinate >= p (suites/hpke.suite.js checks it in every runtime)
        const pub = await s.importKey('raw', /** @type {BufferSource} */ (enc), P256, false, []);
        bits = await s.deriveBits({ name: 'ECDH', public: pub }, pair.privateKey, DH_LEN * 8);
      } catch {
        throw refused();
      }
      const out = new Uint8Array(bits);
      if (out.length !== DH_LEN) {
        out.fill(0);
        throw refused();
      }
      return out;
    },
    free() {},
  };
}

/** @returns {Promise<HpkeKeyPair>} */
async function modulePair() {
  const ecdsa = await import('./modules/ecdsa.js');
  const entropy = crypto.getRandomValues(new Uint8Array(64));
  /** @type {any} */ let kp;
  /** @type {Uint8Array} */ let publicKey;
  try {
    [kp, publicKey] = await ecdsa.withCore((/** @type {any} */ b) => {
      const k = new b.EcdsaHpkeKeyPair(entropy);
      try {
        return [k, k.publicKey()];
      } catch (e) {
        k.free();
        throw e;
      }
    });
  } finally {
    entropy.fill(0);
  }
  return {
    publicKey,
    where: 'wasm',
    async dh(enc) {
      if (enc.length !== POINT_LEN || enc[0] !== 0x04) throw refused();
      const out = new Uint8Array(DH_LEN);
      try {
        await ecdsa.withCore(() => kp.dh(enc, out));
      } catch (e) {
        out.fill(0);
        throw e;
      }
      return out;
    },
    free() {
      // a handle of an instance restarted since is gone with its memory (zeroed by the restart)
      if (!ecdsa.isStale(kp)) ecdsa.withCoreSync(() => kp.free());
    },
  };
}
