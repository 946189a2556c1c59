// The exit codes of the edge-kms command line: one per class of failure, so a
// script can tell "the data is bad" from "the network is down" without reading
// messages. README.md ("Command line") carries the same table; the CLI tests
// check that every EdgeKmsError code has a class and that the table matches.

/** Exit code of each class. */
export const EXIT = Object.freeze({
  /** Success; for `verify`, the signature verifies. */
  OK: 0,
  /** `verify` only: a well-formed question whose answer is no (the signature does not verify). */
  INVALID_SIGNATURE: 1,
  /** The command line is wrong: unknown option, missing or malformed argument. Nothing was read or written. */
  USAGE: 2,
  /** A file could not be read or written (missing input, unwritable directory, a closed pipe). */
  IO: 3,
  /** The input is not what it should be: a malformed message, key or argument, or one over a limit. */
  BAD_INPUT: 4,
  /** The message failed authentication (a tag, the key commitment or the footer signature): tampered or corrupt. */
  TAMPERED: 5,
  /** The message is authentic-looking but breaks the reader's policy: required context, signature, commitment. */
  POLICY: 6,
  /** No key given can open the message (or the key cannot decrypt at all). */
  NO_KEY: 7,
  /** KMS or the broker refused: access denied, unknown or disabled key, bad ciphertext, a refused request. */
  KMS_REFUSED: 8,
  /** The broker or KMS could not be reached or answered in time, after retries: trying again later may work. */
  UNAVAILABLE: 9,
  /** A bug in edge-kms, or the wasm core could not load. */
  INTERNAL: 10,
  /** Interrupted (SIGINT, Ctrl-C), or SIGTERM (143): the output file was removed. */
  INTERRUPTED: 130,
});

/** @type {Record<string, keyof typeof EXIT>} EdgeKmsError code → class. */
const CLASS_OF = {
  INVALID_ARGUMENT: 'BAD_INPUT', UNSUPPORTED_ALGORITHM: 'BAD_INPUT', MALFORMED_PUBLIC_KEY: 'BAD_INPUT',
  KEY_ALGORITHM_MISMATCH: 'BAD_INPUT', INVALID_DIGEST_LENGTH: 'BAD_INPUT', MESSAGE_TOO_LONG: 'BAD_INPUT',
  MALFORMED_SIGNATURE: 'BAD_INPUT', INVALID_KEY_IDENTIFIER: 'BAD_INPUT', MALFORMED_JWT: 'BAD_INPUT',
  MALFORMED_MESSAGE: 'BAD_INPUT', INVALID_ENCRYPTION_CONTEXT: 'BAD_INPUT', TOO_MANY_ENCRYPTED_DATA_KEYS: 'BAD_INPUT',
  LIMIT_EXCEEDED: 'BAD_INPUT', INVALID_STATE: 'INTERNAL', JWT_EXPIRED: 'POLICY', JWT_NOT_YET_VALID: 'POLICY',
  TAMPERED: 'TAMPERED',
  ENCRYPTION_CONTEXT_MISMATCH: 'POLICY', COMMITMENT_POLICY_VIOLATION: 'POLICY', SIGNATURE_REQUIRED: 'POLICY',
  NO_DECRYPTABLE_DATA_KEY: 'NO_KEY', KEYRING_CANNOT_DECRYPT: 'NO_KEY', INVALID_DATA_KEY: 'KMS_REFUSED',
  NOT_INITIALISED: 'INTERNAL', WASM_LOAD_FAILED: 'INTERNAL', ENGINE_UNAVAILABLE: 'BAD_INPUT', INTERNAL: 'INTERNAL',
  KMS_KEY_DISABLED: 'KMS_REFUSED', KMS_INVALID_STATE: 'KMS_REFUSED', ACCESS_DENIED: 'KMS_REFUSED', NOT_FOUND: 'KMS_REFUSED',
  INVALID_CIPHERTEXT: 'KMS_REFUSED', INCORRECT_KEY: 'KMS_REFUSED', INVALID_KEY_USAGE: 'KMS_REFUSED',
  KMS_LIMIT_EXCEEDED: 'KMS_REFUSED', BAD_REQUEST: 'KMS_REFUSED', MALFORMED_RESPONSE: 'KMS_REFUSED',
  THROTTLED: 'UNAVAILABLE', BROKER_UNAVAILABLE: 'UNAVAILABLE', TIMEOUT: 'UNAVAILABLE', KEYRING_FAILED: 'UNAVAILABLE',
  ABORTED: 'INTERRUPTED',
  // The command line's own codes.
  USAGE: 'USAGE', IO: 'IO',
};

/**
 * The class of an error code (`INTERNAL` for a code this table does not know).
 * @param {string} code
 * @returns {keyof typeof EXIT}
 */
export function classOf(code) {
  return Object.hasOwn(CLASS_OF, code) ? CLASS_OF[code] : 'INTERNAL';
}

/** Every error code the table knows, for the tests. */
export const KNOWN_CODES = Object.freeze(Object.keys(CLASS_OF));
