// BrokerKeyring: the KMS keyring of edge-kms. Browsers never hold AWS
// credentials, so data keys come from KMS through the app's backend (the
// broker, edge-kms/broker) over a small JSON protocol (DESIGN.md, "Broker
// wire protocol"). Only fetch, AbortController and timers: runs unchanged in
// browsers, Workers, Node and Deno.
//
// Key bytes never enter a JS string other than the base64 the protocol
// requires: request bodies are encoded from, and responses decoded straight
// into, Uint8Arrays; errors and their causes never carry response bodies.
import { EdgeKmsError } from './errors.js';
import { readOptions } from './bytes.js';
import { jsonWithSecret, parseWithSecret } from './secret-json.js';
import { HPKE_ALGORITHM } from './broker/hpke.js';
import { ERROR_CODE, LIMITS, ENCRYPTION_ALGORITHMS, decodeBase64, encodeBase64, kmsContextPairs, keyIdProblem, parseArn, isMultiRegionKey, mrkMatch } from './protocol.js';

const PATHS = { GenerateDataKey: '/generate-data-key', Decrypt: '/decrypt', Encrypt: '/encrypt', GetPublicKey: '/public-key', Sign: '/sign' };
const MESSAGE_TYPES = ['RAW', 'DIGEST', 'EXTERNAL_MU'];
const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 2000;
/** The longest setTimeout delay (2^31 - 1 ms, ~24.8 days); a longer one fires at once. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** No protocol answer comes near this (the largest, an ML-DSA-87 public key, is ~4 KiB of JSON). */
const MAX_RESPONSE_BYTES = 1024 * 1024;

export class BrokerKeyring {
  /** @param {import('./broker-keyring.js').BrokerKeyringOptions} options */
  constructor(options) {
    const { endpoint, keyId, headers, fetch: fetchImpl, timeoutMs = 10_000, retries = 2, grantTokens, keyTransport = 'plaintext' } =
      readOptions(options, 'BrokerKeyring options', ['endpoint', 'keyId', 'headers', 'fetch', 'timeoutMs', 'retries', 'grantTokens', 'keyTransport']);
    if (keyTransport !== 'plaintext' && keyTransport !== 'hpke') throw invalid("keyTransport must be 'hpke' or 'plaintext'");
    if (typeof endpoint !== 'string' || endpoint.length === 0) throw invalid('endpoint must be the broker URL (absolute, or a path such as /kms in a browser)');
    try {
      // relative endpoints resolve against the page (browsers); elsewhere they must be absolute
      new URL(endpoint, /** @type {any} */ (globalThis).location?.href);
    } catch {
      throw invalid('endpoint must be an absolute URL outside a browser page');
    }
    const kp = keyIdProblem(keyId);
    if (kp) throw invalid(kp);
    if (headers !== undefined && typeof headers !== 'function' && (headers === null || typeof headers !== 'object')) throw invalid('headers must be an object or a function returning one');
    if (fetchImpl !== undefined && typeof fetchImpl !== 'function') throw invalid('fetch must be a function');
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_TIMEOUT_MS) throw invalid(`timeoutMs must be a positive number of at most ${MAX_TIMEOUT_MS}`);
    if (!Number.isInteger(retries) || retries < 0 || retries > 10) throw invalid('retries must be an integer from 0 to 10');
    /** @type {string[] | undefined} */ let tokens;
    try {
      tokens = grantTokens === undefined || !Array.isArray(grantTokens) ? grantTokens : Array.from(grantTokens); // one snapshot
    } catch (e) {
      throw new EdgeKmsError('INVALID_ARGUMENT', 'grantTokens could not be read', { cause: e });
    }
    if (tokens !== undefined && (!Array.isArray(tokens) || tokens.length > LIMITS.maxGrantTokens || !tokens.every((t) => typeof t === 'string' && t.length > 0))) {
      throw invalid(`grantTokens must be an array of at most ${LIMITS.maxGrantTokens} strings`);
    }
    if (typeof fetchImpl !== 'function' && typeof globalThis.fetch !== 'function') throw invalid('this runtime has no fetch; pass options.fetch');
    /** @readonly */ this.isKmsKeyring = true;
    /** @readonly */ this.keyId = keyId;
    /**
     * 'hpke': every data key comes back sealed to a per-request key that only
     * the wasm core holds (EnvelopeClient opens it there); the plaintext key is
     * never on the wire nor in the JS heap. @readonly
     */
    this.keyTransport = keyTransport;
    /** @readonly */ this.endpoint = endpoint.replace(/\/+$/, '');
    this.#headers = headers;
    // Call through globalThis at call time: a bare `fetch` reference loses its receiver in some runtimes.
    this.#fetch = fetchImpl ?? ((/** @type {any} */ input, /** @type {any} */ init) => globalThis.fetch(input, init));
    this.#timeoutMs = timeoutMs;
    this.#retries = retries;
    this.#grantTokens = tokens;
    Object.freeze(this);
  }

  /**
   * A call on a Proxy of a keyring (which has none of its private state; Vue's
   * `reactive` leaves the frozen keyring as it is): a coded error, not a TypeError.
   * @param {unknown} v
   */
  static #own(v) {
    if (v === null || typeof v !== 'object' || !(#fetch in v)) throw invalid('not a BrokerKeyring (a Proxy of one has none of its state): call it on the keyring itself');
  }

  /** @type {import('./broker-keyring.js').BrokerKeyringOptions['headers']} */ #headers;
  /** @type {(input: string, init: RequestInit) => Promise<Response>} */ #fetch;
  /** @type {number} */ #timeoutMs;
  /** @type {number} */ #retries;
  /** @type {string[] | undefined} */ #grantTokens;

  /**
   * A new data key from KMS: its plaintext and its KMS ciphertext.
   * With `recipient` (keyTransport 'hpke'), the data key comes sealed to it: `ciphertextForRecipient` instead of `plaintext`.
   * @param {{ encryptionContext?: Record<string, string>, numberOfBytes?: number, signal?: AbortSignal, recipient?: { publicKey: Uint8Array, nonce: Uint8Array } }} [args]
   * @returns {Promise<{ keyId: string, plaintext: Uint8Array, ciphertextBlob: Uint8Array } | { keyId: string, ciphertextBlob: Uint8Array, ciphertextForRecipient: Uint8Array }>}
   */
  async generateDataKey(args) {
    BrokerKeyring.#own(this);
    const { encryptionContext = {}, numberOfBytes = 32, signal, recipient } = readOptions(args, 'arguments', ['encryptionContext', 'numberOfBytes', 'signal', 'recipient']);
    const context = checkContext(encryptionContext);
    if (!Number.isInteger(numberOfBytes) || numberOfBytes < LIMITS.minDataKeyBytes || numberOfBytes > LIMITS.maxDataKeyBytes) {
      throw invalid(`numberOfBytes must be an integer from ${LIMITS.minDataKeyBytes} to ${LIMITS.maxDataKeyBytes}`);
    }
    const sealedTo = this.#recipientField(recipient);
    const res = await this.#call('GenerateDataKey', { keyId: this.keyId, encryptionContext: context, numberOfBytes, ...sealedTo }, signal);
    const keyId = arnField(res);
    const ciphertextBlob = bytesField(res, 'ciphertextBlob');
    if (sealedTo.recipient) return { keyId, ciphertextBlob, ciphertextForRecipient: sealedField(res) };
    const plaintext = bytesField(res, 'plaintext');
    if (plaintext.length !== numberOfBytes) {
      plaintext.fill(0);
      throw malformed(`the broker returned a data key of the wrong length (expected ${numberOfBytes} bytes)`);
    }
    return { keyId, plaintext, ciphertextBlob };
  }

  /**
   * Encrypts an existing data key under this keyring's KMS key (for messages
   * with more than one KMS key).
   * @param {{ plaintext: Uint8Array, encryptionContext?: Record<string, string>, encryptionAlgorithm?: string, signal?: AbortSignal }} args
   * @returns {Promise<{ keyId: string, ciphertextBlob: Uint8Array }>}
   */
  async encryptDataKey(args) {
    BrokerKeyring.#own(this);
    const { plaintext, encryptionContext = {}, encryptionAlgorithm, signal } = readOptions(args, 'arguments', ['plaintext', 'encryptionContext', 'encryptionAlgorithm', 'signal']);
    // Encrypt sends the data key to the broker: not with a keyring that keeps data keys off the wire
    if (this.keyTransport === 'hpke') throw invalid("a keyTransport 'hpke' keyring cannot encrypt an existing data key (it would cross the wire); make it the generator");
    const context = checkContext(encryptionContext);
    checkAlgorithm(encryptionAlgorithm);
    if (!(plaintext instanceof Uint8Array) || plaintext.length < 1 || plaintext.length > LIMITS.maxPlaintextBytes) {
      throw invalid(`plaintext must be a Uint8Array of 1 to ${LIMITS.maxPlaintextBytes} bytes`);
    }
    const res = await this.#call('Encrypt', { keyId: this.keyId, encryptionContext: context, ...(encryptionAlgorithm ? { encryptionAlgorithm } : {}) }, signal, plaintext);
    return { keyId: arnField(res), ciphertextBlob: bytesField(res, 'ciphertextBlob') };
  }

  /**
   * Decrypts a KMS ciphertext blob (an encrypted data key). `keyId` is the
   * key ARN recorded with it (the EDK's provider info); the broker decides
   * whether it serves that key and, for a multi-Region key, which replica
   * it calls. The answer must name the same key (or, for an `mrk-` key, a
   * replica of it). `encryptionAlgorithm: 'RSAES_OAEP_SHA_256'` (or `_SHA_1`)
   * decrypts with an asymmetric KMS RSA key, as KmsRsaPublicKeyring needs:
   * KMS takes no context then, so the broker checks the message's context
   * (sent here) against the digest sealed with the data key before it answers.
   * With `recipient` (keyTransport 'hpke'), the data key comes sealed to it: `ciphertextForRecipient` instead of `plaintext`.
   * @param {{ keyId?: string, ciphertextBlob: Uint8Array, encryptionContext?: Record<string, string>, encryptionAlgorithm?: string, signal?: AbortSignal, recipient?: { publicKey: Uint8Array, nonce: Uint8Array } }} args
   * @returns {Promise<{ keyId: string, plaintext: Uint8Array } | { keyId: string, ciphertextForRecipient: Uint8Array }>}
   */
  async decryptDataKey(args) {
    BrokerKeyring.#own(this);
    const { keyId = this.keyId, ciphertextBlob, encryptionContext = {}, encryptionAlgorithm, signal, recipient } = readOptions(args, 'arguments', ['keyId', 'ciphertextBlob', 'encryptionContext', 'encryptionAlgorithm', 'signal', 'recipient']);
    const kp = keyIdProblem(keyId);
    if (kp) throw invalid(kp);
    const context = checkContext(encryptionContext);
    checkAlgorithm(encryptionAlgorithm);
    if (!(ciphertextBlob instanceof Uint8Array) || ciphertextBlob.length < 1 || ciphertextBlob.length > LIMITS.maxCiphertextBytes) {
      throw invalid(`ciphertextBlob must be a Uint8Array of 1 to ${LIMITS.maxCiphertextBytes} bytes`);
    }
    const sealedTo = this.#recipientField(recipient);
    const res = await this.#call('Decrypt', { keyId, ciphertextBlob: encodeBase64(ciphertextBlob), encryptionContext: context, ...(encryptionAlgorithm ? { encryptionAlgorithm } : {}), ...sealedTo }, signal);
    const answered = arnField(res);
    // A key ARN in the request must come back (AWS Encryption SDK spec, KMS
    // keyring OnDecrypt: the response KeyId equals the EDK's key ARN).
    if (parseArn(keyId)?.type === 'key' && !(answered === keyId || (isMultiRegionKey(keyId) && mrkMatch(answered, keyId)))) {
      throw malformed('the broker answered with another key than the one requested');
    }
    if (sealedTo.recipient) return { keyId: answered, ciphertextForRecipient: sealedField(res) };
    const plaintext = bytesField(res, 'plaintext');
    return { keyId: answered, plaintext };
  }

  /**
   * The request's `recipient` field (keyTransport 'hpke'), or none. A keyring
   * with keyTransport 'hpke' never asks for a plaintext data key.
   * @param {{ publicKey: Uint8Array, nonce: Uint8Array } | undefined} recipient
   * @returns {{ recipient?: { keyEncryptionAlgorithm: string, publicKey: string, nonce: string } }}
   */
  #recipientField(recipient) {
    if (recipient === undefined) {
      if (this.keyTransport === 'hpke') throw invalid("this keyring's keyTransport is 'hpke': pass recipient (EnvelopeClient does)");
      return {};
    }
    const { publicKey, nonce } = readOptions(recipient, 'recipient', ['publicKey', 'nonce']);
    if (!(publicKey instanceof Uint8Array) || publicKey.length !== 65 || publicKey[0] !== 4) throw invalid('recipient.publicKey must be an uncompressed P-256 point (65 bytes)');
    if (!(nonce instanceof Uint8Array) || nonce.length !== 16) throw invalid('recipient.nonce must be 16 bytes');
    return { recipient: { keyEncryptionAlgorithm: HPKE_ALGORITHM, publicKey: encodeBase64(publicKey), nonce: encodeBase64(nonce) } };
  }

  /**
   * The public half of an asymmetric KMS key (DER SPKI) with its spec and
   * algorithms, through the broker: for verifyKmsSignature, or to seal data
   * keys locally with KmsRsaPublicKeyring. `keyId` defaults to the keyring's.
   * @param {{ keyId?: string, signal?: AbortSignal }} [args]
   * @returns {Promise<{ keyId: string, keySpec: string, keyUsage: string, publicKey: Uint8Array, signingAlgorithms: string[], encryptionAlgorithms: string[] }>}
   */
  async getPublicKey(args) {
    BrokerKeyring.#own(this);
    const { keyId = this.keyId, signal } = readOptions(args, 'arguments', ['keyId', 'signal']);
    const kp = keyIdProblem(keyId);
    if (kp) throw invalid(kp);
    const res = await this.#call('GetPublicKey', { keyId }, signal);
    const strings = (/** @type {unknown} */ v) => Array.isArray(v) && v.every((x) => typeof x === 'string');
    if (typeof res.keySpec !== 'string' || typeof res.keyUsage !== 'string' || !strings(res.signingAlgorithms) || !strings(res.encryptionAlgorithms)) {
      throw malformed('the broker answer lacks the key spec, usage or algorithms');
    }
    return {
      keyId: arnField(res),
      keySpec: res.keySpec,
      keyUsage: res.keyUsage,
      publicKey: bytesField(res, 'publicKey'),
      signingAlgorithms: [.../** @type {string[]} */ (res.signingAlgorithms)],
      encryptionAlgorithms: [.../** @type {string[]} */ (res.encryptionAlgorithms)],
    };
  }

  /**
   * KMS `Sign` through the broker's `/sign` (served when createBroker has
   * `sign: true`, the default over the dev KMS). For a DIGEST, pass the
   * bytes it is the hash of as `signingInput`: the broker hashes them itself
   * and shows them to its `authorize` (it refuses a DIGEST without them
   * unless configured otherwise). The signature is KMS's (DER for ECDSA).
   * @param {{ keyId?: string, message: Uint8Array, messageType?: 'RAW' | 'DIGEST' | 'EXTERNAL_MU', signingAlgorithm: string, signingInput?: Uint8Array, signal?: AbortSignal }} args
   * @returns {Promise<{ keyId: string, signature: Uint8Array, signingAlgorithm: string }>}
   */
  async sign(args) {
    BrokerKeyring.#own(this);
    const { keyId = this.keyId, message, messageType = 'RAW', signingAlgorithm, signingInput, signal } =
      readOptions(args, 'arguments', ['keyId', 'message', 'messageType', 'signingAlgorithm', 'signingInput', 'signal']);
    const kp = keyIdProblem(keyId);
    if (kp) throw invalid(kp);
    if (!MESSAGE_TYPES.includes(/** @type {string} */ (messageType))) throw invalid('messageType must be RAW, DIGEST or EXTERNAL_MU');
    if (typeof signingAlgorithm !== 'string' || !/^[A-Z0-9_]{1,64}$/.test(signingAlgorithm)) throw invalid('signingAlgorithm must be a KMS signing algorithm name');
    if (!(message instanceof Uint8Array) || message.length < 1 || message.length > LIMITS.maxMessageBytes) {
      throw new EdgeKmsError(message instanceof Uint8Array && message.length > 0 ? 'MESSAGE_TOO_LONG' : 'INVALID_ARGUMENT', `message must be a Uint8Array of 1 to ${LIMITS.maxMessageBytes} bytes (sign a DIGEST of longer ones)`);
    }
    if (signingInput !== undefined && (messageType !== 'DIGEST' || !(signingInput instanceof Uint8Array) || signingInput.length < 1 || signingInput.length > LIMITS.maxSigningInputBytes)) {
      throw invalid(`signingInput goes with a DIGEST message only, as a Uint8Array of 1 to ${LIMITS.maxSigningInputBytes} bytes`);
    }
    const body = { keyId, message: encodeBase64(message), messageType, signingAlgorithm, ...(signingInput ? { signingInput: encodeBase64(signingInput) } : {}) };
    const res = await this.#call('Sign', body, signal);
    if (res.signingAlgorithm !== signingAlgorithm) throw malformed('the broker answered with another signing algorithm than the one requested');
    return { keyId: arnField(res), signature: bytesField(res, 'signature'), signingAlgorithm };
  }

  /**
   * One protocol call with deadline, caller abort and retries.
   * @param {'GenerateDataKey' | 'Decrypt' | 'Encrypt' | 'GetPublicKey' | 'Sign'} operation @param {Record<string, unknown>} body @param {AbortSignal | undefined} signal
   * @param {Uint8Array} [secret] a data key to send as the body's `plaintext`, spliced in as bytes (see secret-json.js)
   * @returns {Promise<Record<string, unknown>>}
   */
  async #call(operation, body, signal, secret) {
    // duck-typed, so signals from another realm (an iframe, a test DOM) work too
    if (signal !== undefined && (signal === null || typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function')) throw invalid('signal must be an AbortSignal');
    if (this.#grantTokens) body.grantTokens = this.#grantTokens;
    const json = secret ? jsonWithSecret(body, 'plaintext', secret) : JSON.stringify(body);
    const url = this.endpoint + PATHS[operation];
    const deadline = Date.now() + this.#timeoutMs;
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    if (signal?.aborted) throw aborted(signal);
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => controller.abort(), this.#timeoutMs);
    /** @type {EdgeKmsError | undefined} */
    let last;
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          // raced with the signal: a `headers` function that never settles cannot outlive the deadline
          return await untilAborted(this.#attempt(operation, url, json, controller.signal), controller.signal);
        } catch (e) {
          if (signal?.aborted) throw aborted(signal);
          if (controller.signal.aborted) throw timeout(this.#timeoutMs, last);
          if (!(e instanceof EdgeKmsError)) throw new EdgeKmsError('INVALID_ARGUMENT', 'the request could not be sent (check headers and endpoint)', { cause: e });
          const err = e;
          if (!err.retryable || attempt >= this.#retries) throw err;
          last = err;
          const delay = backoff(attempt, /** @type {any} */ (err).retryAfterMs);
          if (Date.now() + delay >= deadline) throw err;
          await sleep(delay, controller.signal);
          if (signal?.aborted) throw aborted(signal);
          if (controller.signal.aborted) throw timeout(this.#timeoutMs, last);
        }
      }
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (typeof json !== 'string') json.fill(0);
    }
  }

  /**
   * @param {'GenerateDataKey' | 'Decrypt' | 'Encrypt' | 'GetPublicKey' | 'Sign'} operation @param {string} url @param {string | Uint8Array} json @param {AbortSignal} signal
   * @returns {Promise<Record<string, unknown>>}
   */
  async #attempt(operation, url, json, signal) {
    const headers = new Headers(await this.#extraHeaders(operation));
    headers.set('content-type', 'application/json');
    headers.set('accept', 'application/json');
    let res;
    try {
      // 'manual': never re-send a body (it can hold a data key) to wherever a
      // redirect points. ('error' would do, but workerd does not implement it.)
      res = await this.#fetch(url, { method: 'POST', headers, body: /** @type {BodyInit} */ (json), signal, redirect: 'manual' });
    } catch (e) {
      if (signal.aborted) throw e;
      throw new EdgeKmsError('BROKER_UNAVAILABLE', 'the broker could not be reached', { cause: e, retryable: true });
    }
    if (!looksLikeResponse(res)) throw malformed('fetch answered something that is not a Response');
    if (res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400)) {
      res.body?.cancel().catch(() => {});
      throw malformed('the broker answered with a redirect (point endpoint at the broker itself)');
    }
    let raw;
    try {
      raw = await readBody(res);
    } catch (e) {
      if (signal.aborted || e instanceof EdgeKmsError) throw e;
      throw new EdgeKmsError('BROKER_UNAVAILABLE', 'the broker connection failed mid-response', { cause: e, retryable: true, status: res.status });
    }
    if (!res.ok) throw errorFromResponse(res, new TextDecoder().decode(raw));
    /** @type {unknown} */
    let parsed;
    if (operation === 'GenerateDataKey' || operation === 'Decrypt') {
      // The answer holds a data key: decode it from the bytes, never via a string.
      const { value, secret } = parseWithSecret(raw, 'plaintext');
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        secret?.fill(0);
        throw malformed('the broker answered something that is not a JSON object');
      }
      /** @type {any} */ (value).plaintext = secret;
      parsed = value;
    } else {
      try { parsed = JSON.parse(new TextDecoder().decode(raw)); } catch { parsed = undefined; }
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw malformed('the broker answered something that is not a JSON object');
    return /** @type {Record<string, unknown>} */ (parsed);
  }

  /** @param {'GenerateDataKey' | 'Decrypt' | 'Encrypt' | 'GetPublicKey' | 'Sign'} operation */
  async #extraHeaders(operation) {
    const h = this.#headers;
    if (h === undefined) return {};
    try {
      const v = typeof h === 'function' ? await h({ operation, keyId: this.keyId }) : h;
      return v ?? {};
    } catch (e) {
      throw new EdgeKmsError('ACCESS_DENIED', 'the headers function failed (no credentials for the broker)', { cause: e });
    }
  }
}

// ---------------------------------------------------------------- helpers

/** @param {string} message */
const invalid = (message) => new EdgeKmsError('INVALID_ARGUMENT', message);
/** @param {string} message */
const malformed = (message) => new EdgeKmsError('MALFORMED_RESPONSE', message);
/** @param {AbortSignal} [signal] */
const aborted = (signal) => new EdgeKmsError('ABORTED', 'the operation was aborted', signal?.reason === undefined ? {} : { cause: signal.reason });
/** @param {number} ms @param {EdgeKmsError | undefined} last */
const timeout = (ms, last) => new EdgeKmsError('TIMEOUT', `the broker did not answer within ${ms} ms`, last ? { cause: last } : {});

/** Whether `res` has what #attempt reads of a Response (a custom `fetch` may answer anything). @param {any} res */
function looksLikeResponse(res) {
  try {
    return res !== null && typeof res === 'object' && typeof res.status === 'number' && typeof res.ok === 'boolean'
      && typeof res.arrayBuffer === 'function' && typeof res.headers?.get === 'function';
  } catch {
    return false;
  }
}

/**
 * The body of `res`, up to MAX_RESPONSE_BYTES (more is MALFORMED_RESPONSE,
 * and the rest is never read). Every chunk is wiped once copied: a body can
 * hold a data key.
 * @param {Response} res @returns {Promise<Uint8Array>}
 */
async function readBody(res) {
  const body = res.body;
  if (!body || typeof body.getReader !== 'function') return new Uint8Array(await res.arrayBuffer());
  const reader = body.getReader();
  /** @type {Uint8Array[]} */ const parts = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!(value instanceof Uint8Array)) throw malformed('the broker answer is not bytes');
      parts.push(value);
      total += value.length;
      if (total > MAX_RESPONSE_BYTES) {
        reader.cancel().catch(() => {});
        throw malformed(`the broker answer is longer than ${MAX_RESPONSE_BYTES} bytes`);
      }
    }
  } catch (e) {
    for (const p of parts) p.fill(0);
    throw e;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
    p.fill(0);
  }
  return out;
}

/**
 * The context to send, from one read of the caller's object: the request is
 * built from the pairs that were checked, never from the object again (a
 * getter could answer the second read with something else).
 * @param {unknown} ec @returns {Record<string, string>}
 */
function checkContext(ec) {
  const pairs = kmsContextPairs(ec);
  if (typeof pairs === 'string') throw invalid(pairs);
  return Object.fromEntries(pairs); // own data properties, `__proto__` included
}

/** @param {unknown} alg */
function checkAlgorithm(alg) {
  if (alg !== undefined && !/** @type {readonly string[]} */ (ENCRYPTION_ALGORITHMS).includes(/** @type {string} */ (alg))) throw invalid(`encryptionAlgorithm must be one of ${ENCRYPTION_ALGORITHMS.join(', ')}`);
}

/** @param {Record<string, unknown>} res */
function arnField(res) {
  const k = res.keyId;
  if (typeof k !== 'string' || keyIdProblem(k) || !parseArn(k)) throw malformed('the broker answer lacks a key ARN');
  return k;
}

/**
 * The sealed data key of an answer to a request with a recipient. An answer
 * that carries a plaintext data key instead (a broker or proxy downgrading
 * the transport) is refused, and its key bytes wiped.
 * @param {Record<string, unknown>} res
 */
function sealedField(res) {
  if (res.plaintext !== undefined && res.plaintext !== null) { // (null: #attempt found no plaintext field)
    if (res.plaintext instanceof Uint8Array) res.plaintext.fill(0);
    res.plaintext = undefined;
    throw malformed('the broker answered a plaintext data key to a request for a sealed one');
  }
  return bytesField(res, 'ciphertextForRecipient');
}

/** @param {Record<string, unknown>} res @param {string} field */
function bytesField(res, field) {
  const v = res[field];
  const bytes = v instanceof Uint8Array ? v : decodeBase64(v);
  res[field] = undefined; // drop our reference to the base64 text
  if (bytes === null || bytes.length === 0) throw malformed(`the broker answer has no valid base64 ${field}`);
  return bytes;
}

/**
 * @param {Response} res @param {string} text
 */
function errorFromResponse(res, text) {
  const status = res.status;
  /** @type {string | undefined} */
  let name;
  let message = '';
  try {
    const e = JSON.parse(text)?.error;
    if (typeof e?.code === 'string' && /^[A-Za-z]{1,64}$/.test(e.code)) name = e.code;
    if (typeof e?.message === 'string') message = e.message.slice(0, 200).replace(/[^\x20-\x7e]/g, '?');
  } catch {
    // not our broker's JSON (a proxy's HTML error page, say): go by status
  }
  const retryAfter = Number(res.headers.get('retry-after'));
  const retryAfterMs = Number.isFinite(retryAfter) && retryAfter >= 0 ? Math.min(retryAfter * 1000, BACKOFF_CAP_MS * 5) : undefined;
  let code = name && Object.hasOwn(ERROR_CODE, name) ? ERROR_CODE[/** @type {keyof typeof ERROR_CODE} */ (name)] : undefined;
  if (!code) code = status === 429 ? 'THROTTLED' : status >= 500 ? 'BROKER_UNAVAILABLE' : status === 401 || status === 403 ? 'ACCESS_DENIED' : 'BAD_REQUEST';
  // Safe to retry: throttling and server-side failures. Never other 4xx.
  const retryable = code === 'THROTTLED' || status === 429 || (status >= 500 && code === 'BROKER_UNAVAILABLE');
  const err = new EdgeKmsError(/** @type {any} */ (code), `broker: ${name ?? `HTTP ${status}`}${message ? `: ${message}` : ''}`, { status, retryable });
  if (name) /** @type {any} */ (err).kmsCode = name;
  if (retryAfterMs !== undefined) Object.defineProperty(err, 'retryAfterMs', { value: retryAfterMs, enumerable: false });
  return err;
}

/** Full-jitter exponential backoff, at least the server's Retry-After. @param {number} attempt @param {number} [retryAfterMs] */
function backoff(attempt, retryAfterMs) {
  const jittered = Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
  return Math.max(jittered, retryAfterMs ?? 0);
}

/**
 * `promise`, or a rejection as soon as `signal` aborts.
 * @template T @param {Promise<T>} promise @param {AbortSignal} signal @returns {Promise<T>}
 */
function untilAborted(promise, signal) {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** @param {number} ms @param {AbortSignal} signal */
function sleep(ms, signal) {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() { clearTimeout(t); signal.removeEventListener('abort', done); resolve(undefined); }
  });
}
