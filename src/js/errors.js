// The one error class of edge-kms. `code` is stable API; `message` is for people.
// Messages never contain key material or plaintext.

/**
 * Every code an EdgeKmsError can carry. The first group comes from the Rust
 * core (src/error.rs), the others from the JS shim and the broker client.
 * tests/js/errors.test.js checks this list against the core, errors.d.ts and
 * the README.
 */
export const ERROR_CODES = Object.freeze([
  // core
  'INVALID_ARGUMENT', 'UNSUPPORTED_ALGORITHM', 'MALFORMED_PUBLIC_KEY', 'KEY_ALGORITHM_MISMATCH',
  'INVALID_DIGEST_LENGTH', 'MESSAGE_TOO_LONG', 'MALFORMED_SIGNATURE', 'INVALID_KEY_IDENTIFIER',
  'MALFORMED_JWT', 'MALFORMED_MESSAGE', 'TAMPERED', 'ENCRYPTION_CONTEXT_MISMATCH',
  'INVALID_ENCRYPTION_CONTEXT', 'TOO_MANY_ENCRYPTED_DATA_KEYS', 'NO_DECRYPTABLE_DATA_KEY',
  'COMMITMENT_POLICY_VIOLATION', 'SIGNATURE_REQUIRED', 'KEYRING_CANNOT_DECRYPT', 'INVALID_DATA_KEY', 'LIMIT_EXCEEDED',
  'INVALID_STATE', 'JWT_EXPIRED', 'JWT_NOT_YET_VALID',
  // shim
  'NOT_INITIALISED', 'WASM_LOAD_FAILED', 'ENGINE_UNAVAILABLE', 'KEYRING_FAILED', 'INTERNAL',
  // broker client (BrokerKeyring)
  'KMS_KEY_DISABLED', 'KMS_INVALID_STATE', 'ACCESS_DENIED', 'NOT_FOUND', 'INVALID_CIPHERTEXT',
  'INCORRECT_KEY', 'INVALID_KEY_USAGE', 'KMS_LIMIT_EXCEEDED', 'THROTTLED', 'BROKER_UNAVAILABLE',
  'BAD_REQUEST', 'MALFORMED_RESPONSE', 'TIMEOUT', 'ABORTED',
]);

export class EdgeKmsError extends Error {
  /**
   * @param {import('./errors.d.ts').EdgeKmsErrorCode} code
   * @param {string} message
   * @param {{ cause?: unknown, status?: number, retryable?: boolean }} [options]
   */
  constructor(code, message, options = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EdgeKmsError';
    this.code = code;
    if (options.status !== undefined) this.status = options.status;
    if (options.retryable !== undefined) this.retryable = options.retryable;
  }
}

/**
 * Turns anything the wasm core threw into an EdgeKmsError. The core throws
 * plain Errors with a `code`; anything else (a wasm trap is a bug: the core
 * never panics on input) becomes INTERNAL.
 * @param {unknown} e
 * @returns {EdgeKmsError}
 */
/** Whether `e` has one of these codes (a getter that throws: no). @param {unknown} e */
export function hasOurCode(e) {
  try {
    const code = e !== null && typeof e === 'object' ? /** @type {any} */ (e).code : undefined;
    return typeof code === 'string' && ERROR_CODES.includes(/** @type {any} */ (code));
  } catch {
    return false;
  }
}

export function fromCore(e) {
  if (e instanceof EdgeKmsError) return e;
  if (e && typeof e === 'object' && typeof (/** @type {any} */ (e).code) === 'string') {
    return new EdgeKmsError(/** @type {any} */ (e).code, /** @type {any} */ (e).message);
  }
  return new EdgeKmsError('INTERNAL', 'edge-kms internal error (please report it)', { cause: e });
}
