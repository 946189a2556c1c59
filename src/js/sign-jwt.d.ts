import type { BrokerKeyring } from './broker-keyring.js';

/**
 * JOSE `alg` values signJwt makes, with the KMS key spec and signing algorithm of each:
 * `ES256` ECC_NIST_P256 / ECDSA_SHA_256, `ES384` ECC_NIST_P384 / ECDSA_SHA_384,
 * `ES512` ECC_NIST_P521 / ECDSA_SHA_512, `ES256K` ECC_SECG_P256K1 / ECDSA_SHA_256 (RFC 8812),
 * `RS256`/`RS384`/`RS512` RSA_* / RSASSA_PKCS1_V1_5_SHA_*, `PS256`/`PS384`/`PS512` RSA_* / RSASSA_PSS_SHA_*,
 * `EdDSA` ECC_NIST_EDWARDS25519 / ED25519_SHA_512 (RFC 8037). None for ML-DSA (see the README).
 */
export type SignJwtAlgorithm = 'ES256' | 'ES384' | 'ES512' | 'ES256K' | 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'EdDSA';

export interface SignJwtOptions {
  /** The broker client; its `sign` calls the broker's `/sign` (createBroker `sign: true`). */
  keyring: BrokerKeyring;
  /** The KMS signing key (key id, ARN, alias). Default: the keyring's `keyId`. */
  keyId?: string;
  /** Required: the JWS algorithm, which must fit the key (e.g. `ES256` for an ECC_NIST_P256 key). */
  alg: SignJwtAlgorithm;
  /** More header parameters (`kid`, `typ`, …). `typ` defaults to `'JWT'`; `alg`, `crit` and `b64` are refused. */
  header?: Record<string, unknown>;
  signal?: AbortSignal;
}

/**
 * Signs `claims` (a plain object, serialised with JSON.stringify) as a JWT in JWS compact serialization
 * with a KMS key through the broker: KMS `Sign` RAW over the signing input, or, when the signing input is
 * over 4096 bytes, DIGEST (hashed here with WebCrypto; the signing input goes along so the broker can
 * check the digest and show its `authorize` the header and claims). ECDSA signatures are converted from
 * KMS's DER to JOSE's `r ‖ s`.
 *
 * Fails with `UNSUPPORTED_ALGORITHM` (alg), `INVALID_ARGUMENT` (claims, header, options),
 * `MESSAGE_TOO_LONG` (an `EdDSA` signing input over 4096 bytes: KMS's Ed25519 DIGEST form is Ed25519ph,
 * which JOSE's EdDSA is not; or any over 256 KiB), `MALFORMED_SIGNATURE` (the broker's signature is not
 * one KMS makes for `alg`), and every BrokerKeyring code (`ACCESS_DENIED` when the broker's authorize
 * refuses the claims, `INVALID_KEY_USAGE` when the key cannot make `alg`, `BAD_REQUEST`, …).
 */
export declare function signJwt(claims: Record<string, unknown>, options: SignJwtOptions): Promise<string>;
