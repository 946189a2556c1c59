/** Every code an {@link EdgeKmsError} can carry; stable API. */
export type EdgeKmsErrorCode =
  // from the Rust core
  | 'INVALID_ARGUMENT' | 'UNSUPPORTED_ALGORITHM' | 'MALFORMED_PUBLIC_KEY' | 'KEY_ALGORITHM_MISMATCH'
  | 'INVALID_DIGEST_LENGTH' | 'MESSAGE_TOO_LONG' | 'MALFORMED_SIGNATURE' | 'INVALID_KEY_IDENTIFIER'
  | 'MALFORMED_JWT' | 'MALFORMED_MESSAGE' | 'TAMPERED' | 'ENCRYPTION_CONTEXT_MISMATCH'
  | 'INVALID_ENCRYPTION_CONTEXT' | 'TOO_MANY_ENCRYPTED_DATA_KEYS' | 'NO_DECRYPTABLE_DATA_KEY'
  | 'COMMITMENT_POLICY_VIOLATION' | 'SIGNATURE_REQUIRED' | 'KEYRING_CANNOT_DECRYPT' | 'INVALID_DATA_KEY' | 'LIMIT_EXCEEDED'
  | 'INVALID_STATE' | 'JWT_EXPIRED' | 'JWT_NOT_YET_VALID'
  // from the JS shim
  | 'NOT_INITIALISED' | 'WASM_LOAD_FAILED' | 'ENGINE_UNAVAILABLE' | 'KEYRING_FAILED' | 'INTERNAL'
  // from the broker client (BrokerKeyring)
  | 'KMS_KEY_DISABLED' | 'KMS_INVALID_STATE' | 'ACCESS_DENIED' | 'NOT_FOUND' | 'INVALID_CIPHERTEXT'
  | 'INCORRECT_KEY' | 'INVALID_KEY_USAGE' | 'KMS_LIMIT_EXCEEDED' | 'THROTTLED' | 'BROKER_UNAVAILABLE'
  | 'BAD_REQUEST' | 'MALFORMED_RESPONSE' | 'TIMEOUT' | 'ABORTED';

/** Every code, in the order of {@link EdgeKmsErrorCode}. */
export declare const ERROR_CODES: readonly EdgeKmsErrorCode[];

/**
 * The only error type edge-kms throws. Test `err.code`, never the message
 * wording. Messages never contain key material or plaintext.
 */
export declare class EdgeKmsError extends Error {
  constructor(code: EdgeKmsErrorCode, message: string, options?: { cause?: unknown; status?: number; retryable?: boolean });
  readonly name: 'EdgeKmsError';
  readonly code: EdgeKmsErrorCode;
  /** HTTP status of the broker's answer, for errors that came from the broker. */
  readonly status?: number;
  /** Whether retrying the same call may succeed (throttling, 5xx, network). */
  readonly retryable?: boolean;
  /** The KMS exception name the broker answered with (e.g. `DisabledException`), when there was one. */
  readonly kmsCode?: string;
}

/** @internal Converts whatever the wasm core threw into an EdgeKmsError. */
export declare function fromCore(e: unknown): EdgeKmsError;
