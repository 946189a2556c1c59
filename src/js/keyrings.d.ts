/** Bytes accepted wherever the API takes binary input. */
export type BytesLike = Uint8Array | ArrayBuffer | ArrayBufferView;

/**
 * What EnvelopeClient needs from a KMS keyring (implemented by BrokerKeyring).
 * Plaintext data keys it returns are copied into the wasm core and then
 * zero-filled in place; the plaintext it is given is zero-filled after the call.
 */
export interface KmsKeyringLike {
  readonly isKmsKeyring: true;
  /** A key ARN filters encrypted data keys exactly; an alias or key id lets KMS decide. */
  readonly keyId?: string;
  generateDataKey(request: { encryptionContext: Record<string, string>; numberOfBytes: number; signal?: AbortSignal }):
    Promise<{ keyId: string; plaintext: Uint8Array; ciphertextBlob: Uint8Array }>;
  encryptDataKey(request: { plaintext: Uint8Array; encryptionContext: Record<string, string>; signal?: AbortSignal }):
    Promise<{ keyId: string; ciphertextBlob: Uint8Array }>;
  decryptDataKey(request: { keyId: string; ciphertextBlob: Uint8Array; encryptionContext: Record<string, string>;
    encryptionAlgorithm?: 'RSAES_OAEP_SHA_256'; signal?: AbortSignal }): Promise<{ keyId: string; plaintext: Uint8Array }>;
}

/** Raw AES-GCM wrapping key, interoperable with the AWS Encryption SDK raw AES keyring. */
export class RawAesKeyring {
  /** @throws EdgeKmsError INVALID_ARGUMENT for a key that is not 16, 24 or 32 bytes. The key is copied, never wiped. */
  constructor(options: { keyNamespace: string; keyName: string; wrappingKey: BytesLike });
  readonly keyNamespace: string;
  readonly keyName: string;
}

export type RsaPadding = 'OAEP_SHA1' | 'OAEP_SHA256' | 'OAEP_SHA384' | 'OAEP_SHA512' | 'PKCS1';

/** Raw RSA wrapping key (PEM text or DER bytes, at least 2048 bits), interoperable with the AWS Encryption SDK raw RSA keyring. */
export class RawRsaKeyring {
  /** `padding` defaults to OAEP_SHA256. Only `publicKey` is needed to encrypt, only `privateKey` to decrypt. */
  constructor(options: { keyNamespace: string; keyName: string; publicKey?: string | BytesLike; privateKey?: string | BytesLike; padding?: RsaPadding });
  readonly keyNamespace: string;
  readonly keyName: string;
  readonly padding: RsaPadding;
}

/**
 * Seals data keys to the public half of an AWS KMS RSA key (RSAES_OAEP_SHA_256) with
 * no KMS call; unsigned suite only. Decrypts through `kms` (RSAES_OAEP_SHA_256) if given.
 */
export class KmsRsaPublicKeyring {
  constructor(options: { keyId: string; publicKey: string | BytesLike; kms?: KmsKeyringLike });
  readonly keyId: string;
}

export type Keyring = RawAesKeyring | RawRsaKeyring | KmsRsaPublicKeyring | MultiKeyring | KmsKeyringLike;

/** A generator (makes the data key) and children (each also wraps it). Without a generator: decrypt only. */
export class MultiKeyring {
  constructor(options: { generator?: Keyring; children?: Keyring[] });
  readonly generator?: Keyring;
  readonly children: Keyring[];
}
