export type KmsSigningAlgorithm =
  | 'RSASSA_PKCS1_V1_5_SHA_256' | 'RSASSA_PKCS1_V1_5_SHA_384' | 'RSASSA_PKCS1_V1_5_SHA_512'
  | 'RSASSA_PSS_SHA_256' | 'RSASSA_PSS_SHA_384' | 'RSASSA_PSS_SHA_512'
  | 'ECDSA_SHA_256' | 'ECDSA_SHA_384' | 'ECDSA_SHA_512'
  | 'ML_DSA_SHAKE_256' | 'ED25519_SHA_512' | 'ED25519_PH_SHA_512';

export type KmsSigningKeySpec =
  | 'RSA_2048' | 'RSA_3072' | 'RSA_4096'
  | 'ECC_NIST_P256' | 'ECC_NIST_P384' | 'ECC_NIST_P521' | 'ECC_SECG_P256K1'
  | 'ECC_NIST_EDWARDS25519' | 'ML_DSA_44' | 'ML_DSA_65' | 'ML_DSA_87';

export type KmsMessageType = 'RAW' | 'DIGEST' | 'EXTERNAL_MU';

/**
 * `auto` (default): WebCrypto where it can (RSA, ECDSA P-256/384/521; RAW messages), with a
 * cached CryptoKey, falling back to wasm if this runtime's WebCrypto refuses the key.
 * `wasm`: always the core's own arithmetic. `native`: WebCrypto or `ENGINE_UNAVAILABLE`.
 */
export type VerifyEngine = 'auto' | 'wasm' | 'native';

export type Bytes = Uint8Array | ArrayBuffer | ArrayBufferView;

/** DER SPKI bytes (KMS GetPublicKey), base64 text of them, or PEM `PUBLIC KEY`. */
export type PublicKeyInput = Bytes | string;

export interface VerifyOptions {
  signingAlgorithm: KmsSigningAlgorithm | (string & {});
  /**
   * A string is UTF-8 encoded. RAW ≤ 4096 bytes (else `MESSAGE_TOO_LONG`); DIGEST = the algorithm's
   * hash length (RSA, ECDSA, ED25519_PH_SHA_512; else `INVALID_DIGEST_LENGTH`); EXTERNAL_MU = 64-byte
   * ML-DSA μ.
   */
  message: Bytes | string;
  /** Default `RAW`. */
  messageType?: KmsMessageType;
  /** As KMS Sign returns it (DER for ECDSA). */
  signature: Bytes;
  /** Default `auto`. */
  engine?: VerifyEngine;
}

export class KmsPublicKey {
  /** Synchronous: the wasm core must be loaded (Node always; elsewhere use `from` or `await init()`). */
  constructor(publicKey: PublicKeyInput);
  static from(publicKey: PublicKeyInput): Promise<KmsPublicKey>;
  readonly keySpec: KmsSigningKeySpec;
  /** `false` for a signature that does not verify, malformed ones included. */
  verify(options: VerifyOptions): Promise<boolean>;
  /**
   * The wasm engine, synchronously. Its arithmetic is in a fallback module
   * (`ecdsa` for NIST curves, `rsa`, `rare` for secp256k1/Ed25519/ML-DSA),
   * which must be loaded too: always so in Node and Workers; elsewhere
   * `await init(['verify', 'ecdsa'])` (etc.) first, or it throws `NOT_INITIALISED`.
   */
  verifySync(options: Omit<VerifyOptions, 'engine'>): boolean;
}

export function verifyKmsSignature(options: VerifyOptions & { publicKey: KmsPublicKey | PublicKeyInput }): Promise<boolean>;

export type JwsAlgorithm = 'ES256' | 'ES384' | 'ES512' | 'ES256K' | 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'EdDSA';

export interface VerifyJwtOptions {
  /** Required allow-list; `none` is never accepted. */
  algorithms: JwsAlgorithm[];
  engine?: VerifyEngine;
  /** Check `exp` and `nbf` (default true) at `currentDate` (default now) ± `clockTolerance` seconds. */
  checkTimeClaims?: boolean;
  currentDate?: Date;
  clockTolerance?: number;
}

export interface VerifyJwtResult {
  valid: boolean;
  header: Record<string, unknown>;
  /** Present only when `valid`: never act on claims of an unverified token. */
  payload: Record<string, unknown> | undefined;
}

export function verifyJwt(token: string, publicKey: KmsPublicKey | PublicKeyInput, options: VerifyJwtOptions): Promise<VerifyJwtResult>;
