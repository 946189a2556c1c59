/**
 * Error codes a BrokerKeyring call can fail with (`EdgeKmsError.code`).
 *
 * | code | when | retried |
 * |---|---|---|
 * | `INVALID_ARGUMENT` | bad options or arguments; nothing was sent | no |
 * | `KMS_KEY_DISABLED` | KMS `DisabledException` | no |
 * | `KMS_INVALID_STATE` | KMS `KMSInvalidStateException` (pending deletion, pending import) | no |
 * | `ACCESS_DENIED` | the broker's `authorize` refused (403 `AccessDeniedException`) or wants authentication (401 `Unauthorized`; `err.status` tells which), KMS denied the broker, a development broker refused a non-loopback Host or Origin (403 `ForbiddenHost` / `ForbiddenOrigin`), or the `headers` function threw | no |
 * | `NOT_FOUND` | KMS `NotFoundException`, or a key the broker does not serve (allow-list) | no |
 * | `INVALID_CIPHERTEXT` | KMS `InvalidCiphertextException`: wrong encryption context or damaged blob | no |
 * | `ENCRYPTION_CONTEXT_MISMATCH` | the broker's `EncryptionContextMismatch` (403): a KMS RSA data key sealed to another encryption context than the request names | no |
 * | `INCORRECT_KEY` | KMS `IncorrectKeyException`: the blob belongs to another key | no |
 * | `INVALID_KEY_USAGE` | KMS `InvalidKeyUsageException` (e.g. a signing key asked for a data key) | no |
 * | `KMS_LIMIT_EXCEEDED` | KMS `LimitExceededException` (a quota, not a rate) | no |
 * | `THROTTLED` | KMS `ThrottlingException` or HTTP 429, after the retries | yes |
 * | `BROKER_UNAVAILABLE` | network failure, HTTP 5xx, KMS unavailable, after the retries | yes |
 * | `BAD_REQUEST` | any other refusal of the request (400, 404 unknown path, 405, 413, 415) | no |
 * | `MALFORMED_RESPONSE` | the broker answered something that is not the protocol (not JSON, wrong types, bad base64, a data key of the wrong length, another key than asked) | no |
 * | `TIMEOUT` | `timeoutMs` passed (over all attempts) | — |
 * | `ABORTED` | the caller's `signal` aborted | — |
 *
 * Errors from the broker carry `status` (HTTP), `retryable`, and `kmsCode`
 * (the broker's error name, e.g. `'IncorrectKeyException'`). Messages never
 * contain key material.
 */
export type BrokerKeyringErrorCode =
  | 'INVALID_ARGUMENT' | 'KMS_KEY_DISABLED' | 'KMS_INVALID_STATE' | 'ACCESS_DENIED' | 'NOT_FOUND'
  | 'INVALID_CIPHERTEXT' | 'ENCRYPTION_CONTEXT_MISMATCH' | 'INCORRECT_KEY' | 'INVALID_KEY_USAGE' | 'KMS_LIMIT_EXCEEDED' | 'THROTTLED'
  | 'BROKER_UNAVAILABLE' | 'BAD_REQUEST' | 'MALFORMED_RESPONSE' | 'TIMEOUT' | 'ABORTED';

export type EncryptionContext = Record<string, string>;
/** KMS EncryptionAlgorithm: `SYMMETRIC_DEFAULT` (the default), or RSAES_OAEP for asymmetric KMS RSA keys. */
export type EncryptionAlgorithm = 'SYMMETRIC_DEFAULT' | 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256';

export type HeadersSource =
  | HeadersInit
  | ((call: { operation: 'GenerateDataKey' | 'Decrypt' | 'Encrypt' | 'GetPublicKey' | 'Sign'; keyId: string }) => HeadersInit | Promise<HeadersInit>);

export interface BrokerKeyringOptions {
  /** Base URL of the broker, e.g. `'https://api.example/kms'` or, in a browser, `'/kms'`. */
  endpoint: string;
  /** The KMS key for new data keys: key id, key ARN, alias name or alias ARN. Also the default for `decryptDataKey`. */
  keyId: string;
  /** Extra request headers, or a (sync or async) function returning them per request, e.g. a fresh bearer token. */
  headers?: HeadersSource;
  /** A fetch implementation (default: `globalThis.fetch`). */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** Deadline for one call, across all attempts and backoff (default 10,000 ms) → `TIMEOUT`. */
  timeoutMs?: number;
  /** Retries after the first attempt for throttling, 5xx and network failures (default 2, at most 10). Full-jitter exponential backoff from 100 ms, capped at 2 s, at least the server's `Retry-After`. */
  retries?: number;
  /** KMS grant tokens, sent with every request and passed to KMS by the broker. */
  grantTokens?: string[];
  /**
   * `'hpke'`: data keys come back sealed (RFC 9180 HPKE, P-256 / HKDF-SHA256 / AES-256-GCM) to a fresh
   * key pair per request that only the wasm core holds, the request bound as AAD; EnvelopeClient opens
   * them inside the core, so the plaintext data key is never on the wire nor in the JS heap. Such a
   * keyring cannot be a multi-keyring child (`encryptDataKey` would send the data key). Default `'plaintext'`.
   */
  keyTransport?: 'plaintext' | 'hpke';
}

/** The per-request public key and nonce a sealed data key is made for (EnvelopeClient makes them in the core). */
export interface HpkeRecipient {
  /** Uncompressed P-256 point, 65 bytes. */
  publicKey: Uint8Array;
  /** 16 bytes, bound into the AAD. */
  nonce: Uint8Array;
}

/**
 * The KMS keyring of edge-kms: data keys come from AWS KMS through the app's
 * backend (the broker, `edge-kms/broker`), so the client never holds AWS
 * credentials. Works wherever `fetch` does: browsers, Workers, Node, Deno.
 *
 * Multi-Region keys: `decryptDataKey` sends the key ARN recorded in the
 * message (any Region) to the broker; the broker decides which replica it
 * calls (its own Region's), and the answer may name that replica.
 */
export declare class BrokerKeyring {
  constructor(options: BrokerKeyringOptions);
  readonly isKmsKeyring: true;
  readonly keyId: string;
  readonly endpoint: string;
  readonly keyTransport: 'plaintext' | 'hpke';
  /**
   * A new data key sealed to `recipient` (`ciphertextForRecipient` = HPKE enc ‖ ciphertext) with its KMS
   * ciphertext; a broker answer with a plaintext key instead is `MALFORMED_RESPONSE`.
   */
  generateDataKey(args: { encryptionContext?: EncryptionContext; numberOfBytes?: number; signal?: AbortSignal; recipient: HpkeRecipient }): Promise<{ keyId: string; ciphertextBlob: Uint8Array; ciphertextForRecipient: Uint8Array }>;
  /** A new data key: its plaintext (exactly `numberOfBytes`, default 32) and its KMS ciphertext under `keyId`. */
  generateDataKey(args?: { encryptionContext?: EncryptionContext; numberOfBytes?: number; signal?: AbortSignal }): Promise<{ keyId: string; plaintext: Uint8Array; ciphertextBlob: Uint8Array }>;
  /** Encrypts an existing data key (1..4096 bytes) under `keyId`. */
  encryptDataKey(args: { plaintext: Uint8Array; encryptionContext?: EncryptionContext; encryptionAlgorithm?: EncryptionAlgorithm; signal?: AbortSignal }): Promise<{ keyId: string; ciphertextBlob: Uint8Array }>;
  /**
   * Decrypts a KMS ciphertext blob with the encryption context it was made with. `keyId` defaults to the keyring's.
   * With `encryptionAlgorithm: 'RSAES_OAEP_SHA_256'` (or `'RSAES_OAEP_SHA_1'`) it decrypts with an asymmetric
   * KMS RSA key (KmsRsaPublicKeyring's data keys): KMS takes no encryption context then, so pass the message's
   * context and the broker checks it against the SHA-384 digest sealed with the data key before it answers
   * (`ENCRYPTION_CONTEXT_MISMATCH` otherwise); the answer is that digest followed by the data key.
   */
  decryptDataKey(args: { keyId?: string; ciphertextBlob: Uint8Array; encryptionContext?: EncryptionContext; encryptionAlgorithm?: EncryptionAlgorithm; signal?: AbortSignal; recipient: HpkeRecipient }): Promise<{ keyId: string; ciphertextForRecipient: Uint8Array }>;
  decryptDataKey(args: { keyId?: string; ciphertextBlob: Uint8Array; encryptionContext?: EncryptionContext; encryptionAlgorithm?: EncryptionAlgorithm; signal?: AbortSignal }): Promise<{ keyId: string; plaintext: Uint8Array }>;
  /**
   * The public half (DER SPKI) of an asymmetric KMS key with its spec, usage and algorithms, through the
   * broker's `/public-key`: for verifyKmsSignature, or for KmsRsaPublicKeyring. `keyId` defaults to the keyring's.
   */
  getPublicKey(args?: { keyId?: string; signal?: AbortSignal }): Promise<{ keyId: string; keySpec: string; keyUsage: string; publicKey: Uint8Array; signingAlgorithms: string[]; encryptionAlgorithms: string[] }>;
  /**
   * KMS `Sign` through the broker's `/sign` (served with `createBroker({ sign: true })`, the default over
   * the dev KMS). `message` is 1..4096 bytes (`MESSAGE_TOO_LONG` above): the message for RAW, its hash for
   * DIGEST (the algorithm's hash length), ML-DSA's 64-byte μ for EXTERNAL_MU. With DIGEST pass the bytes
   * it is the hash of as `signingInput`: the broker checks the hash and shows them to its `authorize`
   * (without them it refuses: `BAD_REQUEST`, `kmsCode` `'DigestMismatch'`). The signature is as KMS
   * returns it (DER for ECDSA); `signJwt` builds JWTs on this.
   */
  sign(args: { keyId?: string; message: Uint8Array; messageType?: 'RAW' | 'DIGEST' | 'EXTERNAL_MU'; signingAlgorithm: string; signingInput?: Uint8Array; signal?: AbortSignal }): Promise<{ keyId: string; signature: Uint8Array; signingAlgorithm: string }>;
}
