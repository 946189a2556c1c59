// The one error class of edge-kms. `code` is stable API; `message` is for people.
// Messages never contain key material or plaintext.

/** @typedef {import('./types.js').EdgeKmsErrorCode} EdgeKmsErrorCode */

export class EdgeKmsError extends Error {
  /**
   * @param {EdgeKmsErrorCode} code
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
 * plain Errors with a `code`; a wasm trap (a bug: the core never panics on
 * input) becomes INTERNAL and poisons the instance so that it is rebuilt.
 * @param {unknown} e
 * @returns {EdgeKmsError}
 */
export function fromCore(e) {
  if (e instanceof EdgeKmsError) return e;
  if (e && typeof e === 'object' && typeof (/** @type {any} */ (e).code) === 'string') {
    return new EdgeKmsError(/** @type {any} */ (e).code, /** @type {any} */ (e).message);
  }
  return new EdgeKmsError('INTERNAL', 'edge-kms internal error (please report it)', { cause: e });
}
