// The broker wire protocol (DESIGN.md, "Broker wire protocol"), shared by the
// broker (server side) and BrokerKeyring (client side): operation names,
// limits, request validation, error names with their HTTP status, and a
// base64 codec that goes straight between base64 text and Uint8Array (no
// intermediate "binary string" holding key bytes).
//
// Pure JS, no node: imports: it runs in browsers, Workers, Node and Deno.

/** path segment → KMS operation name. `sign` is served only with createBroker's `sign: true` (the default over the dev KMS). */
export const OPERATIONS = /* @__PURE__ */ Object.freeze({
  'generate-data-key': 'GenerateDataKey',
  decrypt: 'Decrypt',
  encrypt: 'Encrypt',
  'public-key': 'GetPublicKey',
  sign: 'Sign',
});

// KMS's own limits, so the broker refuses what KMS would refuse before it
// spends a call (and a caller learns the limit from a 400, not a KMS error).
export const LIMITS = /* @__PURE__ */ Object.freeze({
  keyIdChars: 2048, // KeyId: 1..2048
  minDataKeyBytes: 1, // NumberOfBytes: 1..1024
  maxDataKeyBytes: 1024,
  maxPlaintextBytes: 4096, // Encrypt Plaintext: 1..4096
  maxCiphertextBytes: 6144, // CiphertextBlob: 1..6144
  maxMessageBytes: 4096, // Sign Message: 1..4096
  maxSigningInputBytes: 256 * 1024, // the broker's own: what a DIGEST is the hash of (verifyJwt's longest token)
  maxEncryptionContextBytes: 8192, // total UTF-8 bytes of keys and values
  maxEncryptionContextPairs: 64,
  maxGrantTokens: 10,
  maxGrantTokenChars: 8192,
});

/**
 * Error names the broker answers with, and the HTTP status of each. KMS's
 * exception names where KMS has one; the broker's own otherwise.
 */
export const ERROR_STATUS = /* @__PURE__ */ Object.freeze({
  // the broker's own
  BadRequest: 400,
  Unauthorized: 401,
  // a KMS RSA data key whose sealed context digest is not the request's context (KmsRsaPublicKeyring)
  EncryptionContextMismatch: 403,
  // the node adapter over the dev KMS: a Host or Origin that is not loopback (DNS rebinding)
  ForbiddenHost: 403,
  ForbiddenOrigin: 403,
  UnknownOperation: 404,
  MethodNotAllowed: 405,
  PayloadTooLarge: 413,
  UnsupportedMediaType: 415,
  // the client hung up mid-body or while KMS was called (nginx's 499): for the audit, no one reads the answer
  ClientClosedRequest: 499,
  InternalError: 500,
  KMSUnavailable: 503,
  // Sign: a DIGEST that is not the hash of the signingInput sent with it, or a
  // DIGEST/EXTERNAL_MU without one (the broker cannot show authorize what it signs)
  DigestMismatch: 400,
  // the broker's own rateLimit refused the caller (KMS's own throttling is ThrottlingException)
  RateLimited: 429,
  // createBroker({ keyTransport: 'hpke' }): a data-key request without a recipient key
  RecipientRequired: 400,
  // KMS exceptions
  AccessDeniedException: 403,
  NotFoundException: 404,
  DisabledException: 409,
  KMSInvalidStateException: 409,
  KeyUnavailableException: 503,
  InvalidCiphertextException: 400,
  IncorrectKeyException: 400,
  InvalidKeyUsageException: 400,
  InvalidGrantTokenException: 400,
  ValidationException: 400,
  UnsupportedOperationException: 400,
  LimitExceededException: 400,
  KMSInvalidSignatureException: 400,
  ThrottlingException: 429,
  DependencyTimeoutException: 503,
  KMSInternalException: 500,
});

/** Broker error name → EdgeKmsError code (used by BrokerKeyring). */
export const ERROR_CODE = /* @__PURE__ */ Object.freeze({
  DisabledException: 'KMS_KEY_DISABLED',
  KMSInvalidStateException: 'KMS_INVALID_STATE',
  AccessDeniedException: 'ACCESS_DENIED',
  Unauthorized: 'ACCESS_DENIED',
  EncryptionContextMismatch: 'ENCRYPTION_CONTEXT_MISMATCH',
  ForbiddenHost: 'ACCESS_DENIED',
  ForbiddenOrigin: 'ACCESS_DENIED',
  NotFoundException: 'NOT_FOUND',
  InvalidCiphertextException: 'INVALID_CIPHERTEXT',
  IncorrectKeyException: 'INCORRECT_KEY',
  InvalidKeyUsageException: 'INVALID_KEY_USAGE',
  ThrottlingException: 'THROTTLED',
  DigestMismatch: 'BAD_REQUEST',
  RecipientRequired: 'BAD_REQUEST',
  RateLimited: 'THROTTLED',
  LimitExceededException: 'KMS_LIMIT_EXCEEDED',
  KeyUnavailableException: 'BROKER_UNAVAILABLE',
  DependencyTimeoutException: 'BROKER_UNAVAILABLE',
  KMSInternalException: 'BROKER_UNAVAILABLE',
  KMSUnavailable: 'BROKER_UNAVAILABLE',
  InternalError: 'BROKER_UNAVAILABLE',
  BadRequest: 'BAD_REQUEST',
  ValidationException: 'BAD_REQUEST',
  InvalidGrantTokenException: 'BAD_REQUEST',
  UnsupportedOperationException: 'BAD_REQUEST',
  UnknownOperation: 'BAD_REQUEST',
  MethodNotAllowed: 'BAD_REQUEST',
  UnsupportedMediaType: 'BAD_REQUEST',
  PayloadTooLarge: 'BAD_REQUEST',
});

/** KMS EncryptionAlgorithm values: symmetric keys, and RSA keys (KMS RSA public-key sealing). */
export const ENCRYPTION_ALGORITHMS = /* @__PURE__ */ Object.freeze(['SYMMETRIC_DEFAULT', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256']);

// ---------------------------------------------------------------- base64

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
// Built by pure calls (no top-level loop), so a bundle that takes one function
// of this file (a sealing page takes contextEntries) drops the tables.
const DECODE = /* @__PURE__ */ Int16Array.from({ length: 128 }, (_, c) => ALPHABET.indexOf(String.fromCharCode(c)));
const ENCODE = /* @__PURE__ */ Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));

/**
 * Standard, padded base64 → bytes, strictly (no whitespace, no URL alphabet,
 * canonical padding bits). `text` may be a string or its ASCII bytes (so a
 * data key can be decoded straight out of a response body, never becoming a
 * string). Returns null when it is not such base64, so the caller picks the
 * error. Never builds a string of the decoded bytes.
 * @param {unknown} text
 * @returns {Uint8Array | null}
 */
export function decodeBase64(text) {
  if (!(typeof text === 'string' || text instanceof Uint8Array) || text.length % 4 !== 0) return null;
  const at = typeof text === 'string' ? (/** @type {number} */ i) => text.charCodeAt(i) : (/** @type {number} */ i) => text[i];
  const n = text.length;
  let pad = 0;
  if (n > 0 && at(n - 1) === 61) pad = at(n - 2) === 61 ? 2 : 1;
  const out = new Uint8Array((n / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < n; i += 4) {
    const last = i + 4 === n;
    const c0 = sextet(at(i)), c1 = sextet(at(i + 1));
    const c2 = last && pad === 2 ? 0 : sextet(at(i + 2));
    const c3 = last && pad >= 1 ? 0 : sextet(at(i + 3));
    if ((c0 | c1 | c2 | c3) < 0) { out.fill(0); return null; }
    const v = (c0 << 18) | (c1 << 12) | (c2 << 6) | c3;
    out[o++] = v >>> 16;
    if (o < out.length) out[o++] = (v >>> 8) & 0xff;
    if (o < out.length) out[o++] = v & 0xff;
    // canonical: the padding bits must be zero
    if (last && ((pad === 2 && (c1 & 0x0f)) || (pad === 1 && (c2 & 0x03)))) { out.fill(0); return null; }
  }
  return out;
}

/** @param {number} c a character code */
function sextet(c) {
  return c < 128 ? DECODE[c] : -1;
}

/**
 * Bytes → the ASCII bytes of their standard padded base64, for secrets that
 * must not become a JS string (the caller wipes the result after use).
 * @param {Uint8Array} bytes
 * @returns {Uint8Array}
 */
export function encodeBase64Ascii(bytes) {
  const n = bytes.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  let o = 0;
  for (let i = 0; i < n; i += 3) {
    const b0 = bytes[i], b1 = i + 1 < n ? bytes[i + 1] : 0, b2 = i + 2 < n ? bytes[i + 2] : 0;
    const v = (b0 << 16) | (b1 << 8) | b2;
    out[o++] = ENCODE[v >>> 18];
    out[o++] = ENCODE[(v >>> 12) & 63];
    out[o++] = i + 1 < n ? ENCODE[(v >>> 6) & 63] : 61;
    out[o++] = i + 2 < n ? ENCODE[v & 63] : 61;
  }
  return out;
}

/**
 * Bytes → standard padded base64.
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function encodeBase64(bytes) {
  const parts = [];
  let chunk = '';
  const n = bytes.length;
  for (let i = 0; i < n; i += 3) {
    const b0 = bytes[i], b1 = i + 1 < n ? bytes[i + 1] : 0, b2 = i + 2 < n ? bytes[i + 2] : 0;
    const v = (b0 << 16) | (b1 << 8) | b2;
    chunk += ALPHABET[v >>> 18] + ALPHABET[(v >>> 12) & 63]
      + (i + 1 < n ? ALPHABET[(v >>> 6) & 63] : '=')
      + (i + 2 < n ? ALPHABET[v & 63] : '=');
    if (chunk.length >= 8192) { parts.push(chunk); chunk = ''; }
  }
  parts.push(chunk);
  return parts.join('');
}

// ---------------------------------------------------------------- validation

const utf8 = /* @__PURE__ */ new TextEncoder();

/**
 * Checks an encryption context: a plain object of non-empty string keys to
 * string values, within KMS's size limit. Returns an error message or null.
 * @param {unknown} ec
 * @returns {string | null}
 */
export function encryptionContextProblem(ec) {
  const pairs = kmsContextPairs(ec);
  return typeof pairs === 'string' ? pairs : null;
}

/**
 * The pairs of an encryption context KMS takes (as `encryptionContextProblem`
 * checks), read once, or why it is not one. Whoever checks a context and then
 * sends or binds it uses these pairs, never the caller's object again: a
 * getter could answer the second read differently.
 * @param {unknown} ec
 * @returns {[string, string][] | string}
 */
export function kmsContextPairs(ec) {
  const entries = contextEntries(ec);
  if (typeof entries === 'string') return entries;
  if (entries.length > LIMITS.maxEncryptionContextPairs) return `encryptionContext may have at most ${LIMITS.maxEncryptionContextPairs} pairs`;
  let size = 0;
  for (const [k, v] of entries) {
    if (k.length === 0) return 'encryptionContext keys must be non-empty strings';
    // A lone surrogate becomes U+FFFD in UTF-8: two contexts `authorize` tells
    // apart would then be one context to KMS and to the message.
    if (!wellFormed(k) || !wellFormed(v)) return 'encryptionContext keys and values must be well-formed Unicode (no lone surrogates)';
    size += utf8.encode(k).length + utf8.encode(v).length;
  }
  if (size > LIMITS.maxEncryptionContextBytes) return `encryptionContext may hold at most ${LIMITS.maxEncryptionContextBytes} bytes`;
  return entries;
}

/**
 * The pairs of an encryption context, read once, or why it is not one. A
 * context is a plain object: its prototype is `Object.prototype` (of any
 * realm) or null, and every own key is an enumerable string key. Anything
 * else is refused rather than read as fewer pairs: a `Map`, `URLSearchParams`
 * or class instance would otherwise read as `{}`, and a context that a
 * decryption *requires* would then require nothing.
 * @param {unknown} ec
 * @returns {[string, string][] | string}
 */
export function contextEntries(ec) {
  if (ec === null || typeof ec !== 'object') return 'encryptionContext must be an object of string keys to string values';
  try {
    if (Array.isArray(ec)) return 'encryptionContext must be an object of string keys to string values'; // throws for a revoked Proxy
    // A Proxy answers the reads below through traps that can hide pairs from
    // them while showing them to the caller; structured cloning refuses every
    // Proxy. The clone is also the one read of each value (a getter runs once
    // here); everything after it reads only descriptors and prototypes, never
    // a getter, so no code of the caller's runs between a check and the use.
    /** @type {Record<string, unknown>} */
    let snapshot;
    try {
      snapshot = /** @type {Record<string, unknown>} */ (structuredClone(ec));
    } catch {
      return 'encryptionContext must be a plain object of string pairs (not a Proxy, a reactive or observable object: pass a plain copy such as { ...context })';
    }
    // After the clone: a getter may have changed the prototype while it ran.
    const proto = Object.getPrototypeOf(ec);
    if (proto !== null && proto !== Object.prototype && !isObjectPrototype(proto)) {
      return 'encryptionContext must be a plain object (not a Map, URLSearchParams or class instance)';
    }
    // A polluted Object.prototype would lend every context pairs a reader sees
    // and this function would not: refuse rather than require fewer.
    if (proto !== null && Object.keys(proto).length > 0) return 'encryptionContext inherits enumerable pairs (a polluted Object.prototype)';
    /** @type {[string, unknown][]} */
    const entries = [];
    for (const key of Reflect.ownKeys(ec)) {
      const d = Reflect.getOwnPropertyDescriptor(ec, key);
      const s = typeof key === 'string' ? Object.getOwnPropertyDescriptor(snapshot, key) : undefined;
      // No descriptor: a getter deleted the key while it was cloned. Fail closed.
      if (d === undefined || s === undefined || typeof key !== 'string' || !d.enumerable) return 'encryptionContext must hold only enumerable string-keyed pairs';
      entries.push([key, s.value]);
    }
    // A getter that added a key while it was cloned: the clone holds a pair the walk did not see.
    if (Object.keys(snapshot).length !== entries.length) return 'encryptionContext changed while it was read';
    if (entries.some(([, v]) => typeof v !== 'string')) return 'encryptionContext values must be strings';
    return /** @type {[string, string][]} */ (entries);
  } catch {
    return 'encryptionContext could not be read';
  }
}

/** `Object.prototype` of another realm (an iframe, a `vm` context). @param {object} proto */
function isObjectPrototype(proto) {
  if (Object.getPrototypeOf(proto) !== null) return false;
  const ctor = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value;
  return typeof ctor === 'function' && ctor.prototype === proto
    && Function.prototype.toString.call(ctor) === Function.prototype.toString.call(Object);
}

/** @param {string} s */
function wellFormed(s) {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

/**
 * The AWS Encryption SDK's serialization of an encryption context (the bytes
 * a message header holds and KmsRsaPublicKeyring digests): nothing for an
 * empty context, else a u16 pair count and u16-length-prefixed UTF-8 keys and
 * values, pairs sorted by the UTF-8 bytes of their keys. The context must
 * have passed encryptionContextProblem (so every length fits in a u16).
 * @param {Record<string, string>} ec
 * @returns {Uint8Array}
 */
export function serializeEncryptionContext(ec) {
  const pairs = Object.entries(ec).map(([k, v]) => [utf8.encode(k), utf8.encode(v)]);
  if (pairs.length === 0) return new Uint8Array(0);
  pairs.sort(([a], [b]) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
  });
  const out = new Uint8Array(2 + pairs.reduce((n, [k, v]) => n + 4 + k.length + v.length, 0));
  const view = new DataView(out.buffer);
  view.setUint16(0, pairs.length);
  let o = 2;
  for (const [k, v] of pairs) {
    view.setUint16(o, k.length); out.set(k, o + 2); o += 2 + k.length;
    view.setUint16(o, v.length); out.set(v, o + 2); o += 2 + v.length;
  }
  return out;
}

/** @param {unknown} keyId @returns {string | null} */
export function keyIdProblem(keyId) {
  if (typeof keyId !== 'string' || keyId.length === 0 || keyId.length > LIMITS.keyIdChars) return `keyId must be a string of 1 to ${LIMITS.keyIdChars} characters`;
  // control characters and whitespace never occur in key ids, ARNs or alias names
  if (/[\u0000-\u0020\u007f]/.test(keyId)) return 'keyId contains characters KMS never uses';
  return null;
}

export class ProtocolError extends Error {
  /** @param {string} code  broker error name @param {string} message */
  constructor(code, message) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
  }
}

/** @param {string} message */
const bad = (message) => new ProtocolError('BadRequest', message);

/**
 * @param {Record<string, unknown>} body @param {string} field @param {number} max
 * @returns {Uint8Array}
 */
function binaryField(body, field, max) {
  const bytes = decodeBase64(body[field]);
  if (bytes === null) throw bad(`${field} must be standard base64`);
  if (bytes.length < 1 || bytes.length > max) { bytes.fill(0); throw bad(`${field} must hold 1 to ${max} bytes`); }
  return bytes;
}

/**
 * Validates one request body of `operation` and returns it in KMS API shape
 * (PascalCase, Uint8Array blobs), ready for the KMS call. Throws
 * ProtocolError('BadRequest') naming the field, never echoing its value.
 * @param {string} operation  a value of OPERATIONS
 * @param {unknown} body  parsed JSON
 */
export function parseRequest(operation, body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw bad('the request body must be a JSON object');
  const b = /** @type {Record<string, unknown>} */ (body);
  const allowed = {
    // recipient: keyTransport 'hpke' (broker/hpke.js), checked by the broker, never sent to KMS
    GenerateDataKey: ['keyId', 'encryptionContext', 'numberOfBytes', 'grantTokens', 'recipient'],
    Decrypt: ['keyId', 'ciphertextBlob', 'encryptionContext', 'encryptionAlgorithm', 'grantTokens', 'recipient'],
    Encrypt: ['keyId', 'plaintext', 'encryptionContext', 'encryptionAlgorithm', 'grantTokens'],
    GetPublicKey: ['keyId', 'grantTokens'],
    Sign: ['keyId', 'message', 'messageType', 'signingAlgorithm', 'signingInput', 'grantTokens'],
  }[operation];
  if (!allowed) throw new ProtocolError('UnknownOperation', 'unknown operation');
  for (const k of Object.keys(b)) if (!allowed.includes(k)) throw bad(`unexpected field ${JSON.stringify(k.slice(0, 64))}`);

  const kp = keyIdProblem(b.keyId);
  if (kp) throw bad(kp);
  /** @type {Record<string, any>} */
  const input = { KeyId: b.keyId };

  if (operation !== 'GetPublicKey' && operation !== 'Sign') {
    const ec = b.encryptionContext === undefined ? {} : b.encryptionContext;
    const ep = encryptionContextProblem(ec);
    if (ep) throw bad(ep);
    // An empty context is sent as none: KMS treats the two alike.
    if (Object.keys(/** @type {object} */ (ec)).length) input.EncryptionContext = { .../** @type {object} */ (ec) };
  }
  if (b.encryptionAlgorithm !== undefined) {
    if (!/** @type {readonly string[]} */ (ENCRYPTION_ALGORITHMS).includes(/** @type {string} */ (b.encryptionAlgorithm))) throw bad(`encryptionAlgorithm must be one of ${ENCRYPTION_ALGORITHMS.join(', ')}`);
    input.EncryptionAlgorithm = b.encryptionAlgorithm;
  }
  if (b.grantTokens !== undefined) {
    const g = b.grantTokens;
    if (!Array.isArray(g) || g.length > LIMITS.maxGrantTokens || !g.every((t) => typeof t === 'string' && t.length > 0 && t.length <= LIMITS.maxGrantTokenChars)) {
      throw bad(`grantTokens must be an array of at most ${LIMITS.maxGrantTokens} non-empty strings`);
    }
    if (g.length) input.GrantTokens = [...g];
  }
  switch (operation) {
    case 'GenerateDataKey': {
      const n = b.numberOfBytes;
      if (!Number.isInteger(n) || /** @type {number} */ (n) < LIMITS.minDataKeyBytes || /** @type {number} */ (n) > LIMITS.maxDataKeyBytes) {
        throw bad(`numberOfBytes must be an integer from ${LIMITS.minDataKeyBytes} to ${LIMITS.maxDataKeyBytes}`);
      }
      input.NumberOfBytes = n;
      break;
    }
    case 'Decrypt':
      input.CiphertextBlob = binaryField(b, 'ciphertextBlob', LIMITS.maxCiphertextBytes);
      break;
    case 'Encrypt':
      input.Plaintext = binaryField(b, 'plaintext', LIMITS.maxPlaintextBytes);
      break;
    case 'Sign': {
      const mt = b.messageType === undefined ? 'RAW' : b.messageType;
      if (mt !== 'RAW' && mt !== 'DIGEST' && mt !== 'EXTERNAL_MU') throw bad('messageType must be RAW, DIGEST or EXTERNAL_MU');
      if (typeof b.signingAlgorithm !== 'string' || !/^[A-Z0-9_]{1,64}$/.test(b.signingAlgorithm)) throw bad('signingAlgorithm must be a KMS signing algorithm name');
      input.Message = binaryField(b, 'message', LIMITS.maxMessageBytes);
      input.MessageType = mt;
      input.SigningAlgorithm = b.signingAlgorithm;
      // not KMS's: the bytes a DIGEST is the hash of, for the broker to check and show authorize (broker/sign.js)
      if (b.signingInput !== undefined) {
        if (mt === 'RAW') throw bad('signingInput goes with a DIGEST message only');
        input.SigningInput = binaryField(b, 'signingInput', LIMITS.maxSigningInputBytes);
      }
      break;
    }
    default:
      break;
  }
  return input;
}

// ---------------------------------------------------------------- key ids

/**
 * Splits a KMS ARN. Returns null for anything that is not `arn:…:kms:…`.
 * @param {string} id
 */
export function parseArn(id) {
  const m = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):(key|alias)\/(.+)$/.exec(id);
  if (!m) return null;
  return { partition: m[1], region: m[2], account: m[3], type: m[4], resource: m[5] };
}

/** True for a multi-Region key id or key ARN (`mrk-…`). @param {string} id */
export function isMultiRegionKey(id) {
  const arn = parseArn(id);
  if (arn) return arn.type === 'key' && arn.resource.startsWith('mrk-');
  return id.startsWith('mrk-');
}

/**
 * Two key identifiers name the same multi-Region key: equal, or both mrk key
 * ARNs that differ only in their region (AWS Encryption SDK specification,
 * "aws-kms-mrk-match-for-decrypt").
 * @param {string} a @param {string} b
 */
export function mrkMatch(a, b) {
  if (a === b) return true;
  const x = parseArn(a), y = parseArn(b);
  if (!x || !y || !isMultiRegionKey(a) || !isMultiRegionKey(b)) return false;
  return x.partition === y.partition && x.account === y.account && x.type === y.type && x.resource === y.resource;
}
