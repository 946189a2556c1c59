/** Path segment → KMS operation name. `/sign` is served with createBroker's `sign: true` (the default over the development KMS only). */
export declare const OPERATIONS: Readonly<{
  'generate-data-key': 'GenerateDataKey';
  decrypt: 'Decrypt';
  encrypt: 'Encrypt';
  'public-key': 'GetPublicKey';
  sign: 'Sign';
}>;
export type BrokerOperation = (typeof OPERATIONS)[keyof typeof OPERATIONS];

/** KMS's limits, enforced by the broker and the keyring before any KMS call. */
export declare const LIMITS: Readonly<{
  keyIdChars: 2048; minDataKeyBytes: 1; maxDataKeyBytes: 1024; maxPlaintextBytes: 4096; maxCiphertextBytes: 6144;
  maxMessageBytes: 4096; maxSigningInputBytes: 262144; maxEncryptionContextBytes: 8192; maxEncryptionContextPairs: 64; maxGrantTokens: 10; maxGrantTokenChars: 8192;
}>;

/**
 * Error names in `{ error: { code, message, requestId } }` answers, with their
 * HTTP status: the broker's own (`BadRequest` 400, `Unauthorized` 401,
 * `DigestMismatch` 400, `EncryptionContextMismatch` 403, `ForbiddenHost` 403, `ForbiddenOrigin` 403,
 * `UnknownOperation` 404, `MethodNotAllowed` 405, `PayloadTooLarge` 413,
 * `UnsupportedMediaType` 415, `InternalError` 500, `KMSUnavailable` 503) and
 * KMS's exception names (`AccessDeniedException` 403, `NotFoundException` 404,
 * `DisabledException` 409, `KMSInvalidStateException` 409,
 * `InvalidCiphertextException` 400, `IncorrectKeyException` 400,
 * `ThrottlingException` 429, `KMSInternalException` 500, …).
 */
export declare const ERROR_STATUS: Readonly<Record<string, number>>;
/** Broker error name → EdgeKmsError code. */
export declare const ERROR_CODE: Readonly<Record<string, string>>;

/** KMS EncryptionAlgorithm values the protocol accepts. */
export declare const ENCRYPTION_ALGORITHMS: readonly ['SYMMETRIC_DEFAULT', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'];
export type EncryptionAlgorithm = (typeof ENCRYPTION_ALGORITHMS)[number];

/** Strict standard base64 → bytes, or null. Never builds a string of the bytes. */
export declare function decodeBase64(text: unknown): Uint8Array | null;
export declare function encodeBase64(bytes: Uint8Array): string;
/** Why `ec` is not an encryption context KMS takes (plain object of well-formed strings, within KMS's limits), or null. */
export declare function encryptionContextProblem(ec: unknown): string | null;
/** The pairs of an encryption context, read once, or why it is not one (a plain object of string keys only). */
/** The pairs of a context KMS takes (as `encryptionContextProblem` checks), read once, or why it is not one. */
export declare function kmsContextPairs(ec: unknown): [string, string][] | string;
export declare function contextEntries(ec: unknown): [string, string][] | string;
/** The AWS Encryption SDK serialization of a (valid) context: pairs sorted by the UTF-8 bytes of their keys; empty for `{}`. */
export declare function serializeEncryptionContext(ec: Readonly<Record<string, string>>): Uint8Array;
export declare function keyIdProblem(keyId: unknown): string | null;
export declare class ProtocolError extends Error {
  constructor(code: string, message: string);
  code: string;
}
/** Validates a request body and returns KMS API input (PascalCase, Uint8Array blobs). Throws ProtocolError. */
export declare function parseRequest(operation: string, body: unknown): Record<string, any>;
export declare function parseArn(id: string): { partition: string; region: string; account: string; type: 'key' | 'alias'; resource: string } | null;
export declare function isMultiRegionKey(id: string): boolean;
/** Equal, or the same multi-Region key in another Region (AWS Encryption SDK spec, aws-kms-mrk-match-for-decrypt). */
export declare function mrkMatch(a: string, b: string): boolean;
