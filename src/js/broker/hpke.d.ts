/** The HPKE suite of keyTransport 'hpke': DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-256-GCM. */
export declare const HPKE_ALGORITHM: 'HPKE_P256_SHA256_AES256GCM';
export declare const HPKE_INFO: Uint8Array;
export declare const AEADS: Readonly<{ 'AES-256-GCM': { id: number; nk: number }; 'AES-128-GCM': { id: number; nk: number } }>;
export declare function parseRecipient(field: unknown): { publicKey: Uint8Array; nonce: Uint8Array } | null;
/** Rejects (BadRequest) a recipient public key that is not a P-256 point. */
export declare function checkRecipientKey(publicKey: Uint8Array): Promise<void>;
export declare function requestAad(r: {
  operation: string; requestedKeyId: string; answeredKeyId: string; encryptionAlgorithm: string;
  dataKeyLength: number; ciphertextBlob: Uint8Array; nonce: Uint8Array; encryptionContext: Record<string, string>;
}): Uint8Array;
export declare function hpkeSeal(args: {
  publicKey: Uint8Array; info?: Uint8Array; aad: Uint8Array; plaintext: Uint8Array;
  aead?: 'AES-256-GCM' | 'AES-128-GCM'; ephemeral?: CryptoKeyPair;
}): Promise<Uint8Array>;
export declare function sealDataKey(r: {
  recipient: { publicKey: Uint8Array; nonce: Uint8Array }; dataKey: Uint8Array; operation: string;
  requestedKeyId: string; answeredKeyId: string; encryptionAlgorithm: string; ciphertextBlob: Uint8Array;
  encryptionContext: Record<string, string>;
}): Promise<string>;
export declare function extractAndExpand(dh: Uint8Array, kemContext: Uint8Array, wipe?: Uint8Array[]): Promise<Uint8Array>;
export declare function keySchedule(ss: Uint8Array, info: Uint8Array, aead: { id: number; nk: number }, wipe?: Uint8Array[]): Promise<{ key: Uint8Array; baseNonce: Uint8Array }>;
