//! The `ecdsa` module: P-256, P-384 and P-521 arithmetic a page needs only
//! where WebCrypto cannot do it: signature verification of `DIGEST`
//! messages or with the `wasm` engine (`verify.rs`), envelope footers of
//! signed streams, of the `wasm` engine and where `crypto.subtle` is missing
//! (`sign.rs` holds P-384 signing keys), and the HPKE key transport's P-256
//! key pair and DH where WebCrypto has no ECDH (`hpke.rs`). Loaded on first
//! need (src/js/modules/ecdsa.js).

mod hpke;
mod sign;
mod verify;
