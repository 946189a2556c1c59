/** A P-384 footer signing key: a WebCrypto key (one-shot footers) or a key held in the `ecdsa` module. */
export type FooterSigner =
  | { kind: 'webcrypto'; publicKey: Uint8Array; key: CryptoKey }
  | { kind: 'wasm'; publicKey: Uint8Array; handle: unknown };
export function newSigner(webcrypto: boolean): Promise<FooterSigner>;
export function disposeSigner(s: FooterSigner | undefined): void;
export function signerLost(s: FooterSigner): boolean;
/** The footer keys of a client's data-key cache entries: each held by its entry and by every call signing with it; the last holder wipes it. */
export class CachedFooterKeys {
  adopt(s: FooterSigner): FooterSigner;
  release(s: FooterSigner): void;
  attach(pub: string, s: FooterSigner): void;
  take(pub: string): FooterSigner | undefined;
  prune(keep: (pub: string) => boolean): void;
  readonly size: number;
}
/** The length of the footer the core writes for all but about 1 message in 256: the room a writer leaves for it. */
export const FOOTER_ROOM: number;
/** The message of `buf`'s first `signedLength` bytes and `footer`: in place where that fills `buf`, else copied. */
export function withFooter(buf: Uint8Array, signedLength: number, footer: Uint8Array): Uint8Array;
export function signFooter(s: FooterSigner, bytes: Uint8Array | undefined, digest: Uint8Array | undefined): Promise<Uint8Array>;
export function verifyFooter(check: unknown, message: Uint8Array | undefined): Promise<boolean>;
