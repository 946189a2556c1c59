export type SigningKeySpec = 'RSA_2048' | 'RSA_3072' | 'RSA_4096' | 'ECC_NIST_P256' | 'ECC_NIST_P384' | 'ECC_NIST_P521' | 'ECC_SECG_P256K1'
  | 'ECC_NIST_EDWARDS25519' | 'ML_DSA_44' | 'ML_DSA_65' | 'ML_DSA_87';
export type EncryptionKeySpec = 'RSA_2048' | 'RSA_3072' | 'RSA_4096';

export interface DevKmsOptions {
  /** Key file (JSON, mode 0600, refused when others can read it). Without it, keys live in memory (works in workerd). Node only. */
  file?: string;
  /** One symmetric (SYMMETRIC_DEFAULT) key per alias, created on first use of the file. Default `['alias/demo']`. */
  aliases?: string[];
  /**
   * One signing key per spec, under `alias/sign-<spec in lower case with dashes>`
   * (e.g. `alias/sign-ecc-nist-p256`), generated on first use. Default:
   * RSA_2048, ECC_NIST_P256, ECC_NIST_P384, ECC_NIST_P521, ECC_SECG_P256K1,
   * ECC_NIST_EDWARDS25519, ML_DSA_44, ML_DSA_65, ML_DSA_87.
   *
   * Where the crypto comes from (edge-kms has no dependencies; the dev KMS is
   * a demo and test tool): RSA, NIST ECDSA and Ed25519 over RAW messages use
   * node:crypto or WebCrypto; ECC_SECG_P256K1 needs node:crypto; RSA over a
   * DIGEST needs node:crypto. ECDSA over a DIGEST and ED25519_PH_SHA_512 need
   * the optional package `@noble/curves`, ML-DSA needs `@noble/post-quantum`:
   * imported on first use (Node, Deno; not bundled), and without them such a
   * Sign is `UnsupportedOperationException`.
   */
  signingKeys?: SigningKeySpec[];
  /**
   * One RSA encryption key (KeyUsage ENCRYPT_DECRYPT, RSAES_OAEP_SHA_1/256) per
   * spec, under `alias/encrypt-rsa-2048` etc., generated on first use: the
   * public half seals data keys locally (KmsRsaPublicKeyring), Decrypt opens
   * them. Default `['RSA_2048']`.
   */
  encryptionKeys?: EncryptionKeySpec[];
  /** Default `'us-east-1'`. */
  region?: string;
  /** Default `'111122223333'`. */
  account?: string;
}

/** KMS operation names the dev KMS implements, with KMS's input/output shapes. */
export type DevKmsOperation =
  | 'GenerateDataKey' | 'Encrypt' | 'Decrypt' | 'GetPublicKey' | 'Sign' | 'DescribeKey'
  | 'CreateKey' | 'CreateAlias' | 'ListAliases' | 'DisableKey' | 'EnableKey' | 'ScheduleKeyDeletion' | 'CancelKeyDeletion';

/**
 * A local stand-in for AWS KMS, for demos and tests: NOT FOR PRODUCTION.
 *
 * Key ids and ARNs in KMS's formats (`arn:aws:kms:us-east-1:111122223333:key/<uuid>`);
 * ciphertext blobs bind the key and the encryption context (AES-256-GCM, the
 * context as authenticated data), so decrypting with another context is
 * `InvalidCiphertextException` and with another key `IncorrectKeyException`.
 * Key states: Disabled → `DisabledException`, PendingDeletion →
 * `KMSInvalidStateException` (keys are never actually deleted). Sign follows
 * KMS's rules (ValidationException otherwise): RAW messages of 1..4096 bytes;
 * DIGEST of exactly the algorithm's hash length for RSA, ECDSA and
 * ED25519_PH_SHA_512 (DIGEST only); EXTERNAL_MU (64 bytes) for
 * ML_DSA_SHAKE_256; ED25519_SHA_512 and ML-DSA take no DIGEST. RSA
 * encryption keys need `EncryptionAlgorithm` RSAES_OAEP_SHA_1/256 and take no
 * encryption context, as in KMS.
 * Errors are thrown with `name` = the KMS exception name, as the AWS SDK does.
 */
export interface DevKms {
  readonly isDevKms: true;
  readonly region: string;
  readonly account: string;
  readonly file: string | null;
  call(operation: DevKmsOperation, input: Record<string, any>): Promise<Record<string, any>>;
  /** The key ARN an alias, key id or ARN names (throws NotFoundException). */
  keyArn(keyId: string): string;
  /** alias name → key ARN. */
  aliases(): Record<string, string>;
  /** Resolves when pending key-file writes are done. */
  flush(): Promise<void>;
}

export declare function createDevKms(options?: DevKmsOptions): Promise<DevKms>;
/** `alias/sign-ecc-nist-p256` for `'ECC_NIST_P256'`, and so on. */
export declare function signingAlias(spec: SigningKeySpec): string;
/** `alias/encrypt-rsa-2048` for `'RSA_2048'`, and so on. */
export declare function encryptionAlias(spec: EncryptionKeySpec): string;
/** An error shaped like an AWS SDK service exception (`name`, `$fault: 'client'`). */
export declare class KmsException extends Error {
  constructor(name: string, message: string);
  readonly $fault: 'client';
}
