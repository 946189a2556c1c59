import type { DevKms } from './dev-kms.js';
import type { BrokerOperation } from '../protocol.js';

export { createDevKms, signingAlias, encryptionAlias, KmsException } from './dev-kms.js';
export { createAws4FetchKms } from './aws4fetch-kms.js';
export type { Aws4FetchKms, Aws4FetchKmsOptions, AwsSigner } from './aws4fetch-kms.js';
export type { DevKms, DevKmsOptions, SigningKeySpec, EncryptionKeySpec } from './dev-kms.js';
export { OPERATIONS, ERROR_STATUS } from '../protocol.js';
export type { BrokerOperation } from '../protocol.js';

/**
 * What `authorize` returns. `true` or `{ allow: true, principal }` lets the
 * request through (`principal` is recorded as the audit record's "who");
 * `false`, `undefined` or `{ allow: false }` refuses it with 403
 * `AccessDeniedException`; `{ allow: false, status: 401 }` answers 401
 * `Unauthorized` (no or bad credentials).
 */
export type AuthorizeResult = boolean | undefined | null | { allow: boolean; principal?: string; status?: 401 | 403 };

/** What else `authorize` is told about a request (the fifth argument). */
export interface AuthorizeDetails {
  /** The key as the caller wrote it (alias, bare key id, key ARN, alias ARN). */
  requestedKeyId: string;
  /**
   * The key ARN the request resolves to (through the allow-list's DescribeKey,
   * or DescribeKey of the request's key in devMode without `keyIds`); null
   * when the broker does not serve the key (the request is then refused with
   * 404 after an allowing verdict) or could not resolve it.
   */
  keyArn: string | null;
  /**
   * `SYMMETRIC_DEFAULT` unless the request names an RSAES algorithm (KMS RSA
   * keys, KmsRsaPublicKeyring); null for GetPublicKey and Sign.
   */
  encryptionAlgorithm: 'SYMMETRIC_DEFAULT' | 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256' | null;
  /** Sign only: what is to be signed (see SignDetails). */
  sign?: SignDetails;
  /** `'hpke'` when the data key is to be answered sealed to the client (a request with a `recipient`). */
  keyTransport?: 'hpke';
}

/**
 * What a Sign request asks KMS to sign, as `authorize` sees it
 * (`details.sign`). Checked before authorize is called: a DIGEST is the hash
 * (named by the signing algorithm) of `message`, the signing input the
 * client sent with it (else 400 `DigestMismatch`); a message meant as a JWS
 * signing input decodes strictly (else 400 `BadRequest`), and its header's
 * `alg` is what the signing algorithm makes. (That it is what the key's spec
 * makes, e.g. `ES256` vs `ES256K`, is checked after authorize allowed: a
 * refused caller cannot probe key specs.)
 */
export interface SignDetails {
  /** As requested, e.g. `'ECDSA_SHA_256'`. */
  signingAlgorithm: string;
  messageType: 'RAW' | 'DIGEST' | 'EXTERNAL_MU';
  /**
   * The bytes the signature will be over: the RAW message, or the signing
   * input a DIGEST was checked against. null only for a DIGEST without one
   * or EXTERNAL_MU, which reach authorize only with `allowUncheckedDigests`.
   */
  message: Uint8Array | null;
  /** The DIGEST or EXTERNAL_MU message KMS gets; null for RAW. */
  digest: Uint8Array | null;
  /**
   * When `message` is a JWS signing input (`base64url(header).base64url(claims)`):
   * its decoded header and claims (deep-frozen; no duplicate members, so
   * every verifier reads these same values). null for any other message:
   * refuse those unless the caller may sign arbitrary bytes.
   */
  jws: { header: Readonly<Record<string, unknown>>; payload: Readonly<Record<string, unknown>> } | null;
}

/**
 * Decides whether the caller of `request` may run `operation` with `keyId`
 * and `encryptionContext` (`{}` for GetPublicKey and Sign).
 *
 * `keyId` is the key the broker will call KMS with: its key ARN whenever the
 * broker resolves it (every spelling of an allow-listed key, as alias, bare
 * id or ARN, arrives as the one ARN, so a rule written against ARNs cannot be
 * bypassed by another spelling); the caller's spelling only when the key is
 * not served, or DescribeKey could not resolve its entry. `details` adds the
 * caller's spelling and the encryption algorithm.
 *
 * For a KMS RSA `Decrypt` (KmsRsaPublicKeyring), `encryptionContext` is the
 * context the client claims for the message; KMS takes none, and the broker
 * answers only if the digest sealed with the data key is that context's.
 *
 * Called after the request is validated and the key resolved against the
 * allow-list (cached DescribeKey of the entries: no KMS call depends on the
 * request), and before a key outside the allow-list is refused (so a refused
 * caller cannot probe which keys are served), then KMS.
 */
export type Authorize = (request: Request, operation: BrokerOperation, keyId: string, encryptionContext: Readonly<Record<string, string>>, details: AuthorizeDetails) => AuthorizeResult | Promise<AuthorizeResult>;

/** One record per request that names an operation: the broker's CloudTrail. Never contains key material. */
export interface AuditRecord {
  time: string;
  /** Also in the answer's `x-request-id` header and error body. */
  requestId: string;
  operation: BrokerOperation;
  /** From `authorize`'s `{ principal }`, else null. */
  principal: string | null;
  origin: string | null;
  /** The key as the caller named it (null when the body did not parse). */
  keyId: string | null;
  /** The key ARN KMS answered with (null on failure). */
  kmsKeyId: string | null;
  encryptionContext: Record<string, string> | null;
  outcome: 'allowed' | 'denied' | 'error';
  status: number;
  /** The error name answered (e.g. `'InvalidCiphertextException'`), null on success. */
  errorCode: string | null;
  /** For InternalError / KMSUnavailable: the underlying error's class name and code (never its message). */
  errorDetail?: string;
  durationMs: number;
}

/** What `rateLimit` returns: `true` to go ahead, else throttled (`Retry-After: retryAfterSeconds`, default 1). */
export type RateLimitResult = true | false | { retryAfterSeconds?: number };
export type RateLimit = (principal: string | null, request: Request, operation: BrokerOperation) => RateLimitResult | Promise<RateLimitResult>;

export interface CorsOptions {
  /** Exact origins (`'https://app.example'`), or `'*'` (not with credentials). */
  origins: string[];
  /** Default `['authorization', 'content-type']`. */
  allowHeaders?: string[];
  /** Default 600. */
  maxAgeSeconds?: number;
  /** Send `access-control-allow-credentials: true` (cookies). Default false. */
  credentials?: boolean;
}

/** Anything with KMS's operation shapes behind `call` (the dev KMS is one). */
export interface KmsPort {
  call(operation: string, input: Record<string, any>, signal?: AbortSignal): Promise<Record<string, any>>;
}

export interface BrokerOptions {
  /**
   * A `KMSClient` from `@aws-sdk/client-kms` (AWS, or any KMS-compatible
   * endpoint; the command classes are imported from `@aws-sdk/client-kms` on
   * first use), the development KMS from `createDevKms`, or a `KmsPort`.
   */
  kms: { send(command: any, options?: any): Promise<any> } | DevKms | KmsPort;
  /**
   * `'hpke'`: GenerateDataKey and Decrypt are answered only with the data key
   * sealed to the client's per-request public key (RFC 9180;
   * `BrokerKeyring({ keyTransport: 'hpke' })`); a request without one is 400
   * `RecipientRequired`. `'any'` (the default): a request with a recipient
   * gets a sealed answer, one without gets the plaintext data key, as before.
   */
  keyTransport?: 'hpke' | 'any';
  /**
   * The keys this broker serves: key ids, key ARNs, alias names, alias ARNs.
   * Each is resolved with DescribeKey (cached five minutes) so that a request
   * naming a listed alias's key by ARN (as a message's data key does) or by
   * bare id is served; `authorize` and KMS then get the key ARN. Anything
   * else is 404 `NotFoundException`. Required unless `devMode`.
   * A listed multi-Region key (`mrk-`) also serves requests naming its
   * replicas in other Regions; KMS is then called with the listed ARN.
   */
  keyIds?: string[];
  /** Default: refuse everything (403), or allow everything in `devMode`. */
  authorize?: Authorize;
  /** Awaited once per operation before the answer is sent; if it throws, the answer is 500 `InternalError` and nothing is handed out (fail closed). */
  audit?: (record: AuditRecord) => void | Promise<void>;
  /**
   * Per-caller rate limit, asked after `authorize` allowed a request and
   * before KMS is called, with the principal `authorize` named (null if it
   * named none). `true` lets the request through; anything else is 429
   * `RateLimited` (BrokerKeyring: `THROTTLED`, retried after `Retry-After`,
   * `retryAfterSeconds` rounded up, default 1). A throw is a 500. In a Worker:
   * the Rate Limiting binding; in Node: `createRateLimiter` from
   * `edge-kms/broker/node`.
   */
  rateLimit?: RateLimit;
  /** CORS for these origins only (including preflight); others get no CORS headers. Shorthand: an array of origins. */
  cors?: CorsOptions | string[];
  /** Largest accepted body (default 32 KiB, at least 1 KiB) → 413 `PayloadTooLarge`. */
  maxBodyBytes?: number;
  /** Deadline of one KMS call (default 3,000 ms: under `BrokerKeyring`'s 10 s over 3 attempts, so its retries get a chance); past it, or when the client goes away, the call is abandoned and answered 503 `KMSUnavailable`. */
  kmsTimeoutMs?: number;
  /**
   * Serve `/sign` (KMS `Sign`, for `signJwt` and `BrokerKeyring#sign`). Default: true over the
   * development KMS, false otherwise (opt in, and let `authorize` judge `details.sign`).
   */
  sign?: boolean;
  /**
   * Sign a DIGEST sent without its signing input, and ML-DSA `EXTERNAL_MU` messages: the broker cannot
   * check those, and `authorize` sees `details.sign.message === null`. Default false (400 `DigestMismatch`).
   */
  allowUncheckedDigests?: boolean;
  /** Allow every caller. Only with the development KMS (otherwise createBroker throws). */
  devMode?: boolean;
  /** Serve only under this path (e.g. `'/kms'`); default: any path ending in an operation name. */
  basePath?: string;
}

export interface Broker {
  /** A Fetch-API handler: a Worker's default export as is. */
  fetch(request: Request): Promise<Response>;
  /** True over the development KMS (the node adapter then binds loopback only, answers loopback hosts and origins only, and warns). */
  readonly isDev: boolean;
  /** True for an origin `cors` names exactly (not through `'*'`): the node adapter lets such an origin reach a development broker. */
  allowsOrigin(origin: string): boolean;
}

/**
 * The backend of BrokerKeyring: POST JSON at `/generate-data-key`,
 * `/decrypt`, `/encrypt`, `/public-key` (and `/sign` over the dev KMS).
 * Every answer is `cache-control: no-store`. Over the development KMS it
 * writes a warning with `console.warn` (once per process).
 */
export declare function createBroker(options: BrokerOptions): Broker;
