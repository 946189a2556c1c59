/** A P-384 footer signing key: a WebCrypto key (one-shot footers) or a key held in the `ecdsa` module. */
export type FooterSigner =
  | { kind: 'webcrypto'; publicKey: Uint8Array; key: CryptoKey }
  | { kind: 'wasm'; publicKey: Uint8Array; handle: unknown };
export function newSigner(webcrypto: boolean): Promise<FooterSigner>;
export function disposeSigner(s: FooterSigner | undefined): void;
export function signFooter(s: FooterSigner, bytes: Uint8Array | undefined, digest: Uint8Array | undefined): Promise<Uint8Array>;
export function verifyFooter(check: unknown, message: Uint8Array | undefined): Promise<boolean>;
