// edge-kms/broker: the backend half of BrokerKeyring. A Fetch-API handler
// (`{ fetch(request) → Response }`, a Worker's default export as is; Node via
// edge-kms/broker/node) that validates each request, checks the key against
// an allow-list, asks the app's `authorize`, calls KMS with the caller's
// encryption context, answers KMS's exception names, and writes one audit
// record per operation. It never logs, audits or echoes key material.
import { OPERATIONS, ERROR_STATUS, ProtocolError, parseRequest, parseArn, isMultiRegionKey, mrkMatch, encodeBase64, serializeEncryptionContext } from '../protocol.js';
import { prepareSign, checkSignKey } from './sign.js';
import { parseRecipient, checkRecipientKey, sealDataKey } from './hpke.js';

export { createDevKms, signingAlias, encryptionAlias, KmsException } from './dev-kms.js';
export { createAws4FetchKms } from './aws4fetch-kms.js';
export { OPERATIONS, ERROR_STATUS } from '../protocol.js';

const DEFAULT_MAX_BODY = 32 * 1024;
const RESOLVE_TTL_MS = 5 * 60_000;
/** SHA-384 digest length: the prefix of a KmsRsaPublicKeyring data key plaintext. */
const RSA_DIGEST_LEN = 48;
const DEV_WARNING = 'edge-kms broker: DEVELOPMENT KMS, NOT FOR PRODUCTION (local key material, no key policy, no CloudTrail)';
let warnedDev = false;

/**
 * Deadline of one KMS call. Below BrokerKeyring's defaults (timeoutMs 10 s over
 * retries + 1 = 3 attempts), so a hanging KMS comes back as a retryable 503 in
 * time for the client to retry, not as the client's own TIMEOUT.
 */
const DEFAULT_KMS_TIMEOUT_MS = 3_000;

/**
 * @param {import('./index.js').BrokerOptions} options
 * @returns {import('./index.js').Broker}
 */
export function createBroker(options) {
  const { kms, keyIds, audit, maxBodyBytes = DEFAULT_MAX_BODY, devMode = false, basePath, kmsTimeoutMs = DEFAULT_KMS_TIMEOUT_MS } = options ?? /** @type {any} */ ({});
  const port = kmsPort(kms);
  if (devMode && !port.isDev) {
    // devMode lets every caller in; with real KMS that would hand out data keys to anyone
    throw new TypeError('createBroker: devMode is only allowed with the development KMS (createDevKms)');
  }
  if (keyIds !== undefined && (!Array.isArray(keyIds) || !keyIds.every((k) => typeof k === 'string' && k.length > 0))) {
    throw new TypeError('createBroker: keyIds must be an array of key ids, key ARNs, alias names or alias ARNs');
  }
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1024) throw new TypeError('createBroker: maxBodyBytes must be an integer >= 1024');
  if (!Number.isFinite(kmsTimeoutMs) || kmsTimeoutMs <= 0) throw new TypeError('createBroker: kmsTimeoutMs must be a positive number');
  if (basePath !== undefined && (typeof basePath !== 'string' || !/^(\/[^/]+)*$/.test(basePath))) throw new TypeError("createBroker: basePath must look like '/kms' (or '')");
  if (options.authorize !== undefined && typeof options.authorize !== 'function') throw new TypeError('createBroker: authorize must be a function');
  if (options.rateLimit !== undefined && typeof options.rateLimit !== 'function') throw new TypeError('createBroker: rateLimit must be a function');
  if (audit !== undefined && typeof audit !== 'function') throw new TypeError('createBroker: audit must be a function');
  if (!keyIds && !devMode) throw new TypeError('createBroker: keyIds (the allow-list of keys this broker serves) is required outside devMode');
  if (port.isDev && !warnedDev) {
    // once per process, as loudly as serve(): a dev KMS in a deployed Worker must not go unnoticed
    warnedDev = true;
    console.warn(DEV_WARNING);
  }

  /** @type {import('./index.js').Authorize} */
  const authorize = options.authorize ?? (devMode ? () => true : () => false);
  const cors = normaliseCors(options.cors);
  const describe = (/** @type {string} */ op, /** @type {any} */ input) => callKms(port, op, input, undefined, kmsTimeoutMs);
  const allow = keyIds ? allowList(keyIds, describe) : null;
  // Sign is opt-in outside the dev KMS: an authorize written before /sign existed must not start approving signatures
  const signEnabled = options.sign ?? port.isDev;
  if (typeof signEnabled !== 'boolean') throw new TypeError('createBroker: sign must be a boolean');
  const allowUncheckedDigests = options.allowUncheckedDigests === true;
  // 'hpke': data keys leave only sealed to the client's per-request key (broker/hpke.js);
  // by default a request with a recipient gets a sealed answer and one without a plaintext one
  const keyTransport = options.keyTransport ?? 'any';
  if (keyTransport !== 'any' && keyTransport !== 'hpke') throw new TypeError("createBroker: keyTransport must be 'hpke' or 'any'");

  /** @param {Request} request */
  async function handle(request) {
    const t0 = Date.now();
    const url = new URL(request.url);
    const origin = request.headers.get('origin');
    const corsHeaders = cors ? cors.headersFor(origin) : null;

    if (request.method === 'OPTIONS') {
      // Preflight: answered only for configured origins asking for POST;
      // anything else gets no CORS headers and the browser stops there.
      const headers = new Headers(corsHeaders ?? undefined);
      if (!cors || !cors.allows(origin) || request.headers.get('access-control-request-method') !== 'POST') {
        headers.delete('access-control-allow-origin');
        return new Response(null, { status: 403, headers });
      }
      headers.set('access-control-allow-methods', 'POST');
      headers.set('access-control-allow-headers', cors.allowHeaders.join(', '));
      headers.set('access-control-max-age', String(cors.maxAge));
      return new Response(null, { status: 204, headers });
    }

    const operation = operationOf(url.pathname, basePath);
    if (!operation || (operation === 'Sign' && !signEnabled)) {
      return reply(errorBody('UnknownOperation', 'no such broker operation'), 404, corsHeaders);
    }

    /** @type {import('./index.js').AuditRecord} */
    const record = {
      time: new Date(t0).toISOString(),
      requestId: globalThis.crypto.randomUUID(),
      operation,
      principal: null,
      origin,
      keyId: null,
      kmsKeyId: null,
      encryptionContext: null,
      outcome: 'error',
      status: 0,
      errorCode: null,
      durationMs: 0,
    };
    /** @type {Uint8Array[]} */
    const secrets = [];
    let status = 200;
    /** @type {object} */
    let body;
    /** @type {number | undefined} */
    let retryAfter;
    try {
      body = await run(request, operation, record, secrets);
      record.outcome = 'allowed';
    } catch (e) {
      const { code, message } = classify(e);
      status = ERROR_STATUS[/** @type {keyof typeof ERROR_STATUS} */ (code)] ?? 500;
      record.outcome = code === 'AccessDeniedException' || code === 'Unauthorized' || code === 'EncryptionContextMismatch' ? 'denied' : 'error';
      record.errorCode = code;
      if (code === 'InternalError' || code === 'KMSUnavailable') record.errorDetail = detailOf(e);
      body = errorBody(code, message, record.requestId);
      if (code === 'RateLimited') retryAfter = /** @type {any} */ (e).retryAfterSeconds;
    }
    record.status = status;
    record.durationMs = Date.now() - t0;
    if (audit) {
      try {
        await audit(Object.freeze(record));
      } catch {
        // Fail closed: an operation that could not be audited hands out nothing.
        for (const s of secrets) s.fill(0);
        return reply(errorBody('InternalError', 'the broker could not record the audit event', record.requestId), 500, corsHeaders);
      }
    }
    const res = reply(body, status, corsHeaders, record.requestId);
    if (retryAfter !== undefined) res.headers.set('retry-after', String(retryAfter));
    for (const s of secrets) s.fill(0);
    return res;
  }

  /**
   * @param {Request} request @param {import('../protocol.js').BrokerOperation} operation @param {import('./index.js').AuditRecord} record @param {Uint8Array[]} secrets
   */
  async function run(request, operation, record, secrets) {
    if (request.method !== 'POST') throw new ProtocolError('MethodNotAllowed', 'use POST');
    const type = (request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') throw new ProtocolError('UnsupportedMediaType', 'the body must be application/json');
    const text = await readBody(request, maxBodyBytes);
    let json;
    try { json = JSON.parse(text); } catch { throw new ProtocolError('BadRequest', 'the body is not valid JSON'); }
    const input = parseRequest(operation, json);
    if (input.Plaintext) secrets.push(input.Plaintext);
    const recipient = operation === 'GenerateDataKey' || operation === 'Decrypt' ? parseRecipient(json.recipient) : null;
    if (recipient) await checkRecipientKey(recipient.publicKey);
    if (keyTransport === 'hpke' && (operation === 'GenerateDataKey' || operation === 'Decrypt') && !recipient) {
      throw new ProtocolError('RecipientRequired', "this broker answers data keys only sealed to the client (BrokerKeyring keyTransport: 'hpke')");
    }
    const requestedKeyId = /** @type {string} */ (input.KeyId);
    record.keyId = requestedKeyId;
    const hasContext = operation !== 'GetPublicKey' && operation !== 'Sign';
    // a frozen copy: what authorize approves is exactly what KMS, the digest check and the audit get
    const ec = Object.freeze({ ...(input.EncryptionContext ?? {}) });
    if (hasContext) record.encryptionContext = ec;

    // Resolve first (allow-list: cached DescribeKey of the entries only, so no
    // KMS call depends on the caller's input), so that authorize judges the
    // key ARN whatever the caller wrote (alias, bare id, ARN). A key the broker
    // does not serve is still refused only after authorize: a caller who may
    // not use the broker learns nothing about which keys it serves (401/403
    // for every key).
    const key = allow ? await allow.check(requestedKeyId) : await resolveOpen(requestedKeyId);
    const rsa = operation === 'Decrypt' && (isRsaAlgorithm(input.EncryptionAlgorithm) || (key !== null && key.spec !== null && key.spec !== 'SYMMETRIC_DEFAULT'));
    if (rsa && recipient) throw new ProtocolError('BadRequest', "keyTransport 'hpke' does not cover KMS RSA data keys (KmsRsaPublicKeyring)");
    // Sign: what is to be signed, checked (a DIGEST against its signing input) and decoded (a JWS) for authorize
    const sign = operation === 'Sign' ? await prepareSign(input, allowUncheckedDigests) : null;
    const details = Object.freeze({
      ...(sign ? { sign } : {}),
      requestedKeyId,
      keyArn: key?.arn ?? null,
      encryptionAlgorithm: hasContext ? (input.EncryptionAlgorithm ?? 'SYMMETRIC_DEFAULT') : null,
      ...(recipient ? { keyTransport: 'hpke' } : {}),
    });
    const verdict = await authorize(request, operation, key ? key.kmsKeyId : requestedKeyId, ec, details);
    if (verdict === true || (verdict && typeof verdict === 'object' && verdict.allow === true)) {
      if (typeof verdict === 'object' && typeof verdict.principal === 'string') record.principal = verdict.principal;
    } else if (verdict && typeof verdict === 'object' && verdict.status === 401) {
      throw new ProtocolError('Unauthorized', 'authentication required');
    } else {
      if (verdict && typeof verdict === 'object' && typeof verdict.principal === 'string') record.principal = verdict.principal;
      throw new ProtocolError('AccessDeniedException', 'the caller may not use this key with this encryption context');
    }
    if (options.rateLimit) await rateLimited(options.rateLimit, record.principal, request, operation);
    if (allow && key === null) throw new ProtocolError('NotFoundException', 'this broker does not serve that key');
    if (sign) checkSignKey(sign, key?.spec ?? null);

    if (key) input.KeyId = key.kmsKeyId;
    // KMS RSA Decrypt takes no encryption context: the context is bound by the
    // digest sealed with the data key, checked below before anything is answered.
    if (rsa) delete input.EncryptionContext;
    const out = await callKms(port, operation, input, request.signal, kmsTimeoutMs);
    if (out?.Plaintext instanceof Uint8Array) secrets.push(out.Plaintext);
    record.kmsKeyId = typeof out?.KeyId === 'string' ? out.KeyId : null;
    // The key KMS used must be the key authorize approved (a KMS-compatible
    // service that ignores KeyId on Decrypt would otherwise pick the key).
    if (key?.arn && out?.KeyId !== key.arn) {
      throw Object.assign(new Error('KMS answered for another key than the one authorized'), { name: 'InternalError' });
    }
    if (operation === 'Decrypt' && (rsa || isRsaAlgorithm(out?.EncryptionAlgorithm))) {
      if (!(out?.Plaintext instanceof Uint8Array) || !(await digestMatches(out.Plaintext, ec))) {
        throw new ProtocolError('EncryptionContextMismatch', 'the data key is sealed to another encryption context than the request names');
      }
    }
    if (recipient) {
      // keyTransport 'hpke': the data key sealed to the client, bound to this request as the client sent it
      const dataKey = out?.Plaintext;
      const ciphertextBlob = operation === 'Decrypt' ? input.CiphertextBlob : out?.CiphertextBlob;
      if (typeof out?.KeyId !== 'string' || !(dataKey instanceof Uint8Array) || dataKey.length === 0 || !(ciphertextBlob instanceof Uint8Array) || ciphertextBlob.length === 0) {
        throw Object.assign(new Error('KMS answered without KeyId, Plaintext or CiphertextBlob'), { name: 'InternalError' });
      }
      const ciphertextForRecipient = await sealDataKey({
        recipient, dataKey, operation, requestedKeyId, answeredKeyId: out.KeyId, ciphertextBlob, encryptionContext: ec,
        encryptionAlgorithm: input.EncryptionAlgorithm ?? 'SYMMETRIC_DEFAULT',
      });
      return operation === 'Decrypt'
        ? { keyId: out.KeyId, ciphertextForRecipient }
        : { keyId: out.KeyId, ciphertextBlob: encodeBase64(ciphertextBlob), ciphertextForRecipient };
    }
    return answer(operation, out, secrets);
  }

  /**
   * Without an allow-list (devMode): the key ARN of the caller's identifier,
   * or null when KMS does not know it (KMS then answers NotFoundException).
   * @param {string} keyId
   */
  async function resolveOpen(keyId) {
    try {
      const { KeyMetadata: m } = await describe('DescribeKey', { KeyId: keyId });
      if (typeof m?.Arn === 'string') return { kmsKeyId: m.Arn, arn: m.Arn, spec: typeof m.KeySpec === 'string' ? m.KeySpec : null };
    } catch {
      // unknown key: KMS says so on the real call
    }
    return null;
  }

  return {
    fetch: (request) => handle(request),
    get isDev() { return port.isDev; },
    allowsOrigin: (origin) => !!cors && cors.lists(origin),
  };
}

/**
 * Asks the app's `rateLimit` about an authorized request; anything but
 * `true` is 429 `RateLimited` with `Retry-After` (`{ retryAfterSeconds }`,
 * else 1 s). A limiter that throws is a 500, as `authorize` (fail closed).
 * @param {NonNullable<import('./index.js').BrokerOptions['rateLimit']>} limit @param {string | null} principal @param {Request} request @param {import('../protocol.js').BrokerOperation} operation
 */
async function rateLimited(limit, principal, request, operation) {
  const verdict = await limit(principal, request, operation);
  if (verdict === true) return;
  const s = /** @type {any} */ (verdict)?.retryAfterSeconds;
  const retryAfterSeconds = Number.isFinite(s) && s >= 0 ? Math.min(Math.ceil(s), 3600) : 1;
  throw Object.assign(new ProtocolError('RateLimited', 'too many requests for this caller; retry later'), { retryAfterSeconds });
}

/** @param {unknown} alg */
function isRsaAlgorithm(alg) {
  return typeof alg === 'string' && alg.startsWith('RSAES_');
}

/**
 * A KmsRsaPublicKeyring data key plaintext is SHA-384(serialized context) ‖
 * data key (AWS Encryption SDK spec, aws-kms-rsa-keyring). True when its
 * digest is that of `ec`, compared in constant time.
 * @param {Uint8Array} plaintext @param {Record<string, string>} ec
 */
async function digestMatches(plaintext, ec) {
  if (plaintext.length <= RSA_DIGEST_LEN) return false;
  const want = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-384', /** @type {Uint8Array<ArrayBuffer>} */ (serializeEncryptionContext(ec))));
  let diff = 0;
  for (let i = 0; i < RSA_DIGEST_LEN; i++) diff |= want[i] ^ plaintext[i];
  return diff === 0;
}

/**
 * One KMS call, bounded by `timeoutMs` and by the caller going away (the
 * request's signal). A call that outlives either is abandoned (and told so
 * through its signal): past the deadline it is answered as KMSUnavailable
 * (safe to retry), after the client left it is audited as ClientClosedRequest.
 * @param {{ call: Function, takesSignal?: boolean }} port @param {string} operation @param {any} input @param {AbortSignal | undefined} requestSignal @param {number} timeoutMs
 */
function callKms(port, operation, input, requestSignal, timeoutMs) {
  // An AbortController only for a port that listens to one: the dev KMS does
  // not (its calls take microseconds), and two per request showed in the
  // broker's CPU profile under load.
  const controller = port.takesSignal ? new AbortController() : null;
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = () => {
      settled = true;
      clearTimeout(timer); // also for a call that never settles: its deadline must not outlive it
      requestSignal?.removeEventListener('abort', onGone);
    };
    /** @param {boolean} clientLeft */
    const abandon = (clientLeft) => {
      if (settled) return;
      finish();
      controller?.abort();
      reject(clientLeft ? clientClosed() : Object.assign(new Error('KMS call abandoned'), { name: 'TimeoutError' }));
    };
    const timer = setTimeout(abandon, timeoutMs, false);
    const onGone = () => abandon(true);
    if (requestSignal?.aborted) return abandon(true);
    requestSignal?.addEventListener('abort', onGone, { once: true });
    Promise.resolve()
      .then(() => port.call(operation, input, controller?.signal))
      .then((out) => { if (!settled) { finish(); resolve(out); } }, (e) => { if (!settled) { finish(); reject(e); } });
  });
}

/**
 * The JSON answer of one operation. Blobs are base64-encoded and the
 * Uint8Arrays KMS returned are queued for zeroing.
 * @param {string} operation @param {any} out @param {Uint8Array[]} secrets
 */
function answer(operation, out, secrets) {
  const bytes = (/** @type {unknown} */ v, /** @type {string} */ what) => {
    if (!(v instanceof Uint8Array) || v.length === 0) throw Object.assign(new Error(`KMS answered without ${what}`), { name: 'InternalError' });
    return v;
  };
  if (typeof out?.KeyId !== 'string') throw Object.assign(new Error('KMS answered without KeyId'), { name: 'InternalError' });
  switch (operation) {
    case 'GenerateDataKey': {
      const pt = bytes(out.Plaintext, 'Plaintext');
      secrets.push(pt);
      return { keyId: out.KeyId, plaintext: encodeBase64(pt), ciphertextBlob: encodeBase64(bytes(out.CiphertextBlob, 'CiphertextBlob')) };
    }
    case 'Decrypt': {
      const pt = bytes(out.Plaintext, 'Plaintext');
      secrets.push(pt);
      return { keyId: out.KeyId, plaintext: encodeBase64(pt) };
    }
    case 'Encrypt':
      return { keyId: out.KeyId, ciphertextBlob: encodeBase64(bytes(out.CiphertextBlob, 'CiphertextBlob')) };
    case 'GetPublicKey':
      return {
        keyId: out.KeyId,
        keySpec: out.KeySpec ?? out.CustomerMasterKeySpec ?? null,
        keyUsage: out.KeyUsage ?? null,
        publicKey: encodeBase64(bytes(out.PublicKey, 'PublicKey')),
        signingAlgorithms: out.SigningAlgorithms ?? [],
        encryptionAlgorithms: out.EncryptionAlgorithms ?? [],
      };
    case 'Sign':
      return { keyId: out.KeyId, signature: encodeBase64(bytes(out.Signature, 'Signature')), signingAlgorithm: out.SigningAlgorithm };
    default:
      throw new ProtocolError('UnknownOperation', 'no such broker operation');
  }
}

/** @param {string} pathname @param {string | undefined} basePath */
function operationOf(pathname, basePath) {
  const path = pathname.replace(/\/+$/, '');
  const i = path.lastIndexOf('/');
  const name = path.slice(i + 1);
  if (!Object.hasOwn(OPERATIONS, name)) return null;
  if (basePath !== undefined && path.slice(0, i) !== basePath) return null;
  return OPERATIONS[/** @type {keyof typeof OPERATIONS} */ (name)];
}

/**
 * Reads at most `max` bytes of the body; more is PayloadTooLarge, whatever
 * Content-Length claimed. A body that breaks off (the client hung up
 * mid-body) is ClientClosedRequest.
 * @param {Request} request @param {number} max
 */
async function readBody(request, max) {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) throw new ProtocolError('PayloadTooLarge', `the body may be at most ${max} bytes`);
  if (!request.body) return '';
  const reader = request.body.getReader();
  /** @type {Uint8Array[]} */
  const chunks = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read().catch(() => { throw clientClosed(); });
      if (done) break;
      size += value.length;
      if (size > max) {
        reader.cancel().catch(() => {});
        throw new ProtocolError('PayloadTooLarge', `the body may be at most ${max} bytes`);
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock?.();
  }
  const all = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) { all.set(c, o); o += c.length; c.fill(0); }
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(all);
  } catch {
    throw new ProtocolError('BadRequest', 'the body is not UTF-8');
  } finally {
    all.fill(0);
  }
  return text;
}

/**
 * Maps anything a KMS call or a check threw to an error name and a fixed
 * message. KMS's own messages are not forwarded: they can name the broker's
 * IAM role or other internals. Unknown failures are InternalError.
 * @param {unknown} e
 */
function classify(e) {
  if (e instanceof ProtocolError) return { code: e.code, message: e.message };
  const name = /** @type {any} */ (e)?.name;
  // AWS refused the broker's own credentials or request signature: the
  // broker's misconfiguration (an expired session token, a wrong secret), not
  // the caller's request, so never a 400 that tells the client to give up on
  // its input. The exception's name goes to the audit record (errorDetail).
  if (typeof name === 'string' && BROKER_CREDENTIAL_ERRORS.has(name)) return { code: 'InternalError', message: 'the broker could not authenticate to KMS' };
  if (typeof name === 'string' && Object.hasOwn(ERROR_STATUS, name) && name.endsWith('Exception')) {
    return { code: name, message: KMS_MESSAGES[name] ?? 'KMS refused the request' };
  }
  const fault = /** @type {any} */ (e)?.$fault;
  if (fault === 'client' && typeof name === 'string' && /^[A-Za-z]{1,64}Exception$/.test(name)) {
    return { code: 'BadRequest', message: 'KMS refused the request' };
  }
  if (fault === 'server' || isNetworkError(e)) return { code: 'KMSUnavailable', message: 'KMS is unavailable; retry later' };
  return { code: 'InternalError', message: 'internal broker error' };
}

/** AWS's answers to a request whose credentials or signature it does not accept (the broker's, not the caller's). */
const BROKER_CREDENTIAL_ERRORS = new Set([
  'UnrecognizedClientException', 'InvalidSignatureException', 'IncompleteSignatureException', 'ExpiredTokenException',
  'MissingAuthenticationTokenException', 'InvalidClientTokenId', 'SignatureDoesNotMatch', 'RequestExpired',
]);

/** @type {Record<string, string>} */
const KMS_MESSAGES = {
  AccessDeniedException: 'KMS denied the broker access to the key',
  NotFoundException: 'the key does not exist',
  DisabledException: 'the key is disabled',
  KMSInvalidStateException: 'the key is not in a state that allows this operation (pending deletion or import)',
  KeyUnavailableException: 'the key is unavailable; retry later',
  InvalidCiphertextException: 'the ciphertext or its encryption context is invalid',
  IncorrectKeyException: 'the ciphertext was encrypted under another key',
  InvalidKeyUsageException: 'the key does not allow this operation',
  InvalidGrantTokenException: 'a grant token is invalid',
  ValidationException: 'KMS rejected a parameter',
  UnsupportedOperationException: 'the key does not support this operation',
  LimitExceededException: 'a KMS quota was exceeded',
  ThrottlingException: 'KMS is throttling requests; retry later',
  DependencyTimeoutException: 'KMS timed out; retry later',
  KMSInternalException: 'KMS failed internally; retry later',
};

/** @param {unknown} e */
function isNetworkError(e) {
  const code = /** @type {any} */ (e)?.code ?? /** @type {any} */ (e)?.cause?.code;
  const name = /** @type {any} */ (e)?.name;
  return ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'].includes(code) || name === 'TimeoutError' || name === 'AbortError' || (e instanceof TypeError && /fetch/i.test(String(/** @type {any} */ (e).message)));
}

/** For the audit record of internal failures: the error's class name only. @param {unknown} e */
function detailOf(e) {
  const n = /** @type {any} */ (e)?.name;
  const c = /** @type {any} */ (e)?.code;
  return [typeof n === 'string' ? n.slice(0, 64) : 'unknown', typeof c === 'string' ? c.slice(0, 64) : ''].filter(Boolean).join(' ');
}

/** The client hung up before it had its answer: audited; the answer reaches no one. */
const clientClosed = () => new ProtocolError('ClientClosedRequest', 'the client closed the connection before the answer');

/** @param {string} code @param {string} message @param {string} [requestId] */
function errorBody(code, message, requestId) {
  return { error: requestId ? { code, message, requestId } : { code, message } };
}

/** @param {object} body @param {number} status @param {Headers | null} corsHeaders @param {string} [requestId] */
function reply(body, status, corsHeaders, requestId) {
  const headers = new Headers(corsHeaders ?? undefined);
  headers.set('content-type', 'application/json; charset=utf-8');
  headers.set('cache-control', 'no-store');
  headers.set('x-content-type-options', 'nosniff');
  if (requestId) headers.set('x-request-id', requestId);
  if (status === 405) headers.set('allow', 'POST, OPTIONS');
  return new Response(JSON.stringify(body), { status, headers });
}

// ---------------------------------------------------------------- CORS

/** @param {unknown} cors */
function normaliseCors(cors) {
  if (cors === undefined || cors === null || cors === false) return null;
  const c = Array.isArray(cors) ? { origins: cors } : /** @type {any} */ (cors);
  const origins = c.origins;
  if (!Array.isArray(origins) || !origins.every((o) => typeof o === 'string' && (o === '*' || /^https?:\/\/[^/]+$/.test(o)))) {
    throw new TypeError("createBroker: cors.origins must list origins like 'https://app.example' (scheme, host, port; no path)");
  }
  const credentials = c.credentials === true;
  if (credentials && origins.includes('*')) throw new TypeError("createBroker: cors with credentials cannot allow '*'");
  const allowHeaders = (c.allowHeaders ?? ['authorization', 'content-type']).map((/** @type {string} */ h) => h.toLowerCase());
  const maxAge = c.maxAgeSeconds ?? 600;
  const set = new Set(origins);
  return {
    /** @param {string | null} origin @returns {Headers | null} */
    headersFor(origin) {
      const h = new Headers({ vary: 'origin' });
      if (!origin || !(set.has(origin) || set.has('*'))) return h;
      h.set('access-control-allow-origin', set.has('*') && !set.has(origin) ? '*' : origin);
      if (credentials) h.set('access-control-allow-credentials', 'true');
      h.set('access-control-expose-headers', 'x-request-id, retry-after');
      return h;
    },
    allowHeaders,
    maxAge,
    /** @param {string | null} origin */
    allows(origin) { return !!origin && (set.has(origin) || set.has('*')); },
    /** Named exactly (not through '*'). @param {unknown} origin */
    lists(origin) { return typeof origin === 'string' && origin !== '*' && set.has(origin); },
  };
}

// ---------------------------------------------------------------- KMS access

/**
 * The one shape the broker calls: `call(operation, input, signal)` with KMS's
 * input and output shapes. The dev KMS is one; a KMSClient gets an adapter
 * that builds the SDK's command objects (imported on first use, so a Worker
 * that only uses the dev KMS never loads the SDK).
 * @param {any} kms
 */
function kmsPort(kms) {
  if (kms && kms.isDevKms === true && typeof kms.call === 'function') {
    return { isDev: true, takesSignal: false, call: (/** @type {string} */ op, /** @type {any} */ input) => kms.call(op, input) };
  }
  if (kms && typeof kms.send === 'function') {
    /** @type {Promise<any> | undefined} */
    let sdk;
    return {
      isDev: false,
      takesSignal: true,
      /** @param {string} op @param {any} input @param {AbortSignal} [signal] */
      async call(op, input, signal) {
        sdk ??= import('@aws-sdk/client-kms').catch((e) => { sdk = undefined; throw e; });
        const mod = await sdk;
        const Command = mod[`${op}Command`];
        return kms.send(new Command(input), signal ? { abortSignal: signal } : undefined);
      },
    };
  }
  if (kms && typeof kms.call === 'function') return { isDev: false, takesSignal: true, call: (/** @type {string} */ op, /** @type {any} */ input, /** @type {AbortSignal} */ signal) => kms.call(op, input, signal) };
  throw new TypeError('createBroker: kms must be a KMSClient from @aws-sdk/client-kms or a dev KMS from createDevKms');
}

/**
 * A key the broker serves: the identifier it calls KMS with, the key ARN when
 * known (DescribeKey, or an ARN entry), and the key spec when known.
 * @typedef {{ kmsKeyId: string, arn: string | null, spec: string | null }} ServedKey
 */

/**
 * The key allow-list. Entries are key ids, key ARNs, alias names or alias
 * ARNs. Each entry is resolved once (DescribeKey, refreshed every five
 * minutes) so that a request naming the key by its ARN (as a message's
 * encrypted data key does), its bare id or a listed alias is served, always
 * as the key ARN: that is what `authorize` judges and what KMS is called
 * with. Returns null when the key is not served. An entry DescribeKey cannot
 * resolve (no kms:DescribeKey permission) still matches literally (a bare key
 * id entry also matches that key's ARN); it is then called as written.
 *
 * Multi-Region keys: a request naming an `mrk-` key ARN in another Region
 * matches an entry for the same multi-Region key (same partition, account
 * and key id); the broker then calls KMS with its own entry, i.e. the
 * replica in the broker's Region. The request's Region never chooses where
 * the broker sends the call.
 * @param {string[]} entries @param {(operation: string, input: any) => Promise<any>} call
 */
function allowList(entries, call) {
  /** @param {string} id @returns {ServedKey} */
  const literalKey = (id) => ({ kmsKeyId: id, arn: parseArn(id)?.type === 'key' ? id : null, spec: null });
  /** @type {Set<string>} */
  const literal = new Set(entries);
  /** @type {{ at: number, ids: Map<string, ServedKey>, arns: ServedKey[] } | null} */
  let resolved = null;
  /** @type {Promise<any> | null} */
  let resolving = null;

  async function refresh() {
    /** @type {Map<string, ServedKey>} */
    const ids = new Map(); // identifier → the key it names
    /** @type {ServedKey[]} */
    const arns = [];
    let transient = false;
    for (const e of entries) {
      if (!ids.has(e)) ids.set(e, literalKey(e));
      try {
        const { KeyMetadata: m } = await call('DescribeKey', { KeyId: e });
        if (typeof m?.Arn === 'string' && typeof m?.KeyId === 'string') {
          // a request may name the key by the entry, its ARN or its bare id; KMS gets the ARN
          const k = { kmsKeyId: m.Arn, arn: m.Arn, spec: typeof m.KeySpec === 'string' ? m.KeySpec : null };
          ids.set(e, k);
          ids.set(m.Arn, k);
          ids.set(m.KeyId, k);
          arns.push(k);
        }
      } catch (err) {
        // Unknown key or no kms:DescribeKey permission: the literal entry
        // still matches. KMS unreachable: the same, but try again soon.
        const name = /** @type {any} */ (err)?.name;
        if (name !== 'NotFoundException' && name !== 'AccessDeniedException') transient = true;
      }
    }
    for (const e of entries) if (parseArn(e)?.type === 'key' && !arns.some((k) => k.arn === e)) arns.push(literalKey(e));
    // after a transient failure, expire after 10 s instead of 5 minutes
    resolved = { at: transient ? Date.now() - RESOLVE_TTL_MS + 10_000 : Date.now(), ids, arns };
  }

  return {
    /** @param {string} keyId @returns {Promise<ServedKey | null>} */
    async check(keyId) {
      if (!resolved || Date.now() - resolved.at > RESOLVE_TTL_MS) {
        resolving ??= refresh().finally(() => { resolving = null; });
        await resolving;
      }
      const r = /** @type {NonNullable<typeof resolved>} */ (resolved);
      const hit = r.ids.get(keyId);
      if (hit !== undefined) return hit;
      if (literal.has(keyId)) return literalKey(keyId);
      // a bare key id entry also matches that key's ARN
      const arn = parseArn(keyId);
      if (arn?.type === 'key' && literal.has(arn.resource)) return literalKey(keyId);
      if (isMultiRegionKey(keyId)) {
        const replica = r.arns.find((k) => k.arn !== null && mrkMatch(k.arn, keyId));
        if (replica) return replica;
      }
      return null;
    },
  };
}
