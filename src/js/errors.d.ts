/** Every code an {@link EdgeKmsError} can carry; stable API. */
export type EdgeKmsErrorCode =
  // from the Rust core
  | 'INVALID_ARGUMENT' | 'UNSUPPORTED_ALGORITHM' | 'MALFORMED_PUBLIC_KEY' | 'KEY_ALGORITHM_MISMATCH'
  | 'INVALID_DIGEST_LENGTH' | 'MESSAGE_TOO_LONG' | 'MALFORMED_SIGNATURE' | 'INVALID_KEY_IDENTIFIER'
  | 'MALFORMED_JWT' | 'MALFORMED_MESSAGE' | 'TAMPERED' | 'ENCRYPTION_CONTEXT_MISMATCH'
  | 'INVALID_ENCRYPTION_CONTEXT' | 'TOO_MANY_ENCRYPTED_DATA_KEYS' | 'NO_DECRYPTABLE_DATA_KEY'
  | 'COMMITMENT_POLICY_VIOLATION' | 'KEYRING_CANNOT_DECRYPT' | 'INVALID_DATA_KEY' | 'LIMIT_EXCEEDED'
  | 'INVALID_STATE'
  // from the JS shim
  | 'NOT_INITIALISED' | 'WASM_LOAD_FAILED' | 'INTERNAL';

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
}

/** @internal Converts whatever the wasm core threw into an EdgeKmsError. */
export declare function fromCore(e: unknown): EdgeKmsError;
