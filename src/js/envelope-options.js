// What the calls of EnvelopeClient (envelope.js) and its streams
// (envelope-streams.js) read from their caller: the suite names, each call's
// options, the encryption context, the cache partition, and the abort signal.
import { EdgeKmsError } from './errors.js';
import { wellFormed } from './bytes.js';
import { contextEntries } from './protocol.js';

export const SUITES = Object.freeze({
  AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384: 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384',
  AES_256_GCM_HKDF_SHA512_COMMIT_KEY: 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY',
});

export const CALL_OPTIONS = ['encryptionContext', 'signal', 'cachePartition'];
export const DECRYPT_OPTIONS = [...CALL_OPTIONS, 'requireSignature'];
export const REENCRYPT_OPTIONS = ['keyring', 'encryptionContext', 'signal', 'requireSignature'];

/** @param {unknown} ec @returns {[string[], string[]]} */
export function contextArrays(ec) {
  if (ec === undefined || ec === null) return [[], []];
  const entries = contextEntries(ec); // read once: every later use sees these pairs
  if (typeof entries === 'string') throw new EdgeKmsError('INVALID_ENCRYPTION_CONTEXT', entries);
  const keys = [], values = [];
  for (const [k, v] of entries) {
    // A lone surrogate has no UTF-8 form: on its way into the core it would become
    // U+FFFD, so two different contexts would bind and compare as one.
    if (!wellFormed(k) || !wellFormed(v)) throw new EdgeKmsError('INVALID_ENCRYPTION_CONTEXT', 'encryption context strings must be well-formed Unicode (no lone surrogates)');
    keys.push(k);
    values.push(v);
  }
  return [keys, values];
}

/** @param {unknown} v @param {string} name @returns {boolean | undefined} */
export function optionalBoolean(v, name) {
  if (v === undefined || typeof v === 'boolean') return v;
  throw new EdgeKmsError('INVALID_ARGUMENT', `${name} must be true or false`);
}

/**
 * The data-key cache partition of one call: callers that share an EnvelopeClient
 * (a server opening data for many users) name theirs so that a data key one
 * caller's credentials unlocked is never handed to another without a KMS call.
 * @param {unknown} v @returns {string}
 */
export function cachePartitionOf(v) {
  if (v === undefined) return '';
  if (typeof v !== 'string' || v.length === 0 || v.length > 1024 || !wellFormed(v)) throw new EdgeKmsError('INVALID_ARGUMENT', 'cachePartition must be a non-empty, well-formed string of at most 1024 characters');
  return `\u0000${v}`; // never equal to the default partition ('')
}

/**
 * Runs `fn`; if `signal` was aborted (before or meanwhile), rejects with
 * EdgeKmsError ABORTED carrying the signal's reason as `cause`, as BrokerKeyring does.
 * @template T @param {AbortSignal | undefined} signal @param {() => Promise<T>} fn @returns {Promise<T>}
 */
export async function abortable(signal, fn) {
  const aborted = () => new EdgeKmsError('ABORTED', 'the operation was aborted', { cause: signal?.reason });
  if (signal?.aborted) throw aborted();
  try {
    return await fn();
  } catch (e) {
    if (signal?.aborted && !(e instanceof EdgeKmsError && e.code === 'ABORTED')) throw aborted();
    throw e;
  }
}
