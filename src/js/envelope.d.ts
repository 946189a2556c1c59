import type { BytesLike, Keyring } from './keyrings.js';

export type AlgorithmSuiteName = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384' | 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY';
export type CommitmentPolicy = 'REQUIRE_ENCRYPT_REQUIRE_DECRYPT' | 'REQUIRE_ENCRYPT_ALLOW_DECRYPT';
export declare const SUITES: Readonly<Record<AlgorithmSuiteName, AlgorithmSuiteName>>;
export declare const COMMITMENT_POLICIES: Readonly<Record<CommitmentPolicy, CommitmentPolicy>>;
export declare const DEFAULT_FRAME_LENGTH: 1048576;
export declare const DEFAULT_MAX_ENCRYPTED_DATA_KEYS: 10;
/** 64 MiB. */
export declare const DEFAULT_MAX_BODY_SIZE: 67108864;
/** 4 MiB. */
export declare const DEFAULT_MAX_HEADER_SIZE: 4194304;
/** The most the wasm engine takes in one call (1 GiB); see `engine`. */
export declare const WASM_MAX_BYTES: 1073741824;

export interface EnvelopeClientOptions {
  keyring: Keyring;
  /** Default AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384 (as the AWS Encryption SDK). */
  suite?: AlgorithmSuiteName;
  /** Bytes of plaintext per frame, 1 … 2^31 − 1; default 1 MiB (the reference SDK uses 4096; any reader accepts either). A stream holds one frame. */
  frameLength?: number;
  /** Default REQUIRE_ENCRYPT_REQUIRE_DECRYPT: version 1 / non-committing messages are refused. */
  commitmentPolicy?: CommitmentPolicy;
  /** Messages with more encrypted data keys are refused (TOO_MANY_ENCRYPTED_DATA_KEYS); default 10. */
  maxEncryptedDataKeys?: number;
  /**
   * Decrypting: a message whose frame length (or non-framed body) is longer is refused with LIMIT_EXCEEDED before
   * anything is buffered; it bounds what `decryptStream` holds for one frame. 1 … 2^30, default 64 MiB (the AWS
   * Encryption SDK for JavaScript has this option, `maxBodySize`, with no default).
   */
  maxBodySize?: number;
  /** Decrypting: a longer header is refused with LIMIT_EXCEEDED; 1 … 2^30, default 4 MiB (the SDK's `maxHeaderSize`). */
  maxHeaderSize?: number;
  /**
   * Reuse data keys: one KMS GenerateDataKey serves up to `maxMessages` messages / `maxBytes` of plaintext for
   * `maxAgeMs`; decryption remembers data keys of messages that opened. Streams bypass the cache.
   * Defaults: maxMessages 2^32, maxBytes 2^53 − 1, capacity 100 entries.
   * A cache hit skips the keyring — and so the broker's `authorize`. A client shared by several users (a server)
   * must give each call the caller's `cachePartition`, or a data key one user's credentials unlocked serves another.
   */
  cache?: { maxAgeMs: number; maxMessages?: number; maxBytes?: number; capacity?: number };
  /**
   * Who does the bulk AES-GCM: 'wasm' (always available), 'native' (WebCrypto's crypto.subtle, as in the verify API; much faster for big
   * messages), or 'auto' (default: WebCrypto for messages of 16 KiB and more (8 KiB in browsers) with frames of 4 KiB and more, and
   * to open signed messages of any size with such frames, since it verifies ECDSA faster).
   * Both produce the same bytes; the core decides all framing, checks and signatures either way. The wasm engine takes
   * at most 1 GiB in one call (`WASM_MAX_BYTES`, LIMIT_EXCEEDED above); WebCrypto and the streams have no such limit
   * below 4 GiB per one-shot call.
   */
  engine?: 'auto' | 'wasm' | 'native';
  /**
   * Decrypting: refuse every unsigned message with SIGNATURE_REQUIRED, from its header, before any KMS call. Set it
   * where every writer signs (the default suite does): then whoever can decrypt a data key still cannot write a message
   * that this reader accepts. Default false; `decrypt`/`decryptStream` can also ask for it per call.
   */
  requireSignature?: boolean;
}

/** Options of one encrypt call. */
export interface EncryptOptions {
  encryptionContext?: Record<string, string>;
  signal?: AbortSignal;
  /** The data-key cache partition of this call (e.g. the user's id): entries of one partition never serve another. */
  cachePartition?: string;
}

/** Options of one decrypt call. */
export interface DecryptOptions extends EncryptOptions {
  /** Refuse unsigned messages (SIGNATURE_REQUIRED); adds to, never relaxes, the client's `requireSignature`. */
  requireSignature?: boolean;
}

/** Encrypts and decrypts AWS Encryption SDK messages. */
export class EnvelopeClient {
  constructor(options: EnvelopeClientOptions);
  /**
   * One message, version 2, framed. An aborted `signal` rejects with EdgeKmsError ABORTED (the signal's reason as `cause`). Keys starting with `aws-crypto-` are reserved.
   * @throws EdgeKmsError INVALID_ENCRYPTION_CONTEXT, INVALID_ARGUMENT, UNSUPPORTED_ALGORITHM, or the KMS keyring's error.
   */
  encrypt(plaintext: BytesLike | string, options?: EncryptOptions): Promise<Uint8Array>;
  /**
   * Nothing is returned unless every tag, the key commitment and (signed suites) the footer signature verify.
   * `encryptionContext` lists pairs the message must contain. Leave `message` unchanged until the promise settles:
   * a change can make it fail, never make it return anything that did not authenticate.
   * An unsigned message whose context claims a signer (`aws-crypto-public-key`: a signed message whose signature was
   * stripped) is TAMPERED.
   * @throws EdgeKmsError TAMPERED, MALFORMED_MESSAGE, ENCRYPTION_CONTEXT_MISMATCH, COMMITMENT_POLICY_VIOLATION,
   *   SIGNATURE_REQUIRED, TOO_MANY_ENCRYPTED_DATA_KEYS, LIMIT_EXCEEDED, NO_DECRYPTABLE_DATA_KEY, KEYRING_CANNOT_DECRYPT,
   *   UNSUPPORTED_ALGORITHM.
   */
  decrypt(message: BytesLike, options?: DecryptOptions):
    Promise<{ plaintext: Uint8Array; encryptionContext: Record<string, string> }>;
}

export interface EnvelopeStreams {
  /** Plaintext chunks in, one message out, constant memory (one frame plus the chunk). */
  encryptStream(options?: Omit<EncryptOptions, 'cachePartition'>): TransformStream<BytesLike | string, Uint8Array>;
  /**
   * Message chunks in, plaintext out as each frame's tag verifies. A signed message's footer is checked at the
   * end: treat output as unverified until the stream closes without error (`decrypt` withholds everything).
   */
  decryptStream(options?: Omit<DecryptOptions, 'cachePartition'>): TransformStream<BytesLike, Uint8Array>;
}
export interface EnvelopeClient extends EnvelopeStreams {}

export interface EnvelopeClient {
  /** Drops and wipes every cached data key. */
  clearCache(): void;
}

/** Options of `reEncrypt`. */
export interface ReEncryptOptions {
  /**
   * The keyring(s) the data key is wrapped with in the new message: a MultiKeyring for several. Every member wraps
   * (a KMS generator calls `Encrypt` with the data key, it does not generate one). Include the old keyring to keep
   * the old readers.
   */
  keyring: Keyring;
  /** Pairs the original must contain (ENCRYPTION_CONTEXT_MISMATCH otherwise), as for `decrypt`. The context is kept. */
  encryptionContext?: Record<string, string>;
  signal?: AbortSignal;
  /** Refuse an unsigned original (SIGNATURE_REQUIRED). */
  requireSignature?: boolean;
}

export interface EnvelopeClient {
  /**
   * The `ReEncrypt` of AWS KMS for whole messages: the same data key, message id, suite, frame length and encryption
   * context, wrapped by `options.keyring` instead of the original's keyrings. This client's keyring opens the data
   * key; the whole original is authenticated first (key commitment, header tag, every frame tag, footer signature)
   * and nothing is returned unless all of it verified. The frames are copied byte for byte; a signed message gets a
   * new signing key (a new `aws-crypto-public-key`) and footer. Uses no data-key cache.
   * @throws EdgeKmsError UNSUPPORTED_ALGORITHM (version 1, non-committing or non-framed originals: decrypt and
   *   encrypt them), and what `decrypt` and `encrypt` throw: TAMPERED, MALFORMED_MESSAGE, ENCRYPTION_CONTEXT_MISMATCH,
   *   NO_DECRYPTABLE_DATA_KEY, TOO_MANY_ENCRYPTED_DATA_KEYS, LIMIT_EXCEEDED, INVALID_ARGUMENT, the KMS keyring's error.
   */
  reEncrypt(message: BytesLike, options: ReEncryptOptions): Promise<Uint8Array>;
  /**
   * `reEncrypt` for messages larger than memory, in constant memory (one frame plus the chunk). The new header goes
   * out once the original's header authenticated and the new keyrings wrapped the data key; each frame, unchanged,
   * once its tag verified. The final frame (and for a signed suite the new footer) only once the whole original
   * verified, including its footer signature: a tampered or truncated original errors the stream and its output never
   * becomes a message any reader opens. The output is ciphertext either way; keep it only if the stream closes
   * without error. Errors as `reEncrypt`, on the writable side.
   */
  reEncryptStream(options: ReEncryptOptions): TransformStream<BytesLike, Uint8Array>;
}

export interface EncryptedDataKeyInfo { providerId: string; providerInfo: Uint8Array; ciphertext: Uint8Array }

/** The structure of a message, read without any key. Nothing in it is authenticated. */
export interface MessageInfo {
  version: 1 | 2;
  suiteId: number;
  suite: string;
  messageId: Uint8Array;
  encryptionContext: Record<string, string>;
  encryptedDataKeys: EncryptedDataKeyInfo[];
  framed: boolean;
  frameLength: number;
  frameCount: number;
  committing: boolean;
  signed: boolean;
  hasSignature: boolean;
  headerLength: number;
  length: number;
  trailingBytes: number;
}

/** @throws EdgeKmsError MALFORMED_MESSAGE, UNSUPPORTED_ALGORITHM; LIMIT_EXCEEDED above 1 GiB (`WASM_MAX_BYTES`: it walks a copy in wasm). */
export function parseMessage(message: BytesLike): Promise<MessageInfo>;
