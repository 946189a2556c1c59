//! The `ecdsa` module: P-256, P-384 and P-521 arithmetic a page needs only
//! where WebCrypto cannot do it: signature verification of `DIGEST`
//! messages or with the `wasm` engine, and envelope footers of signed
//! streams, of the `wasm` engine and where `crypto.subtle` is missing
//! (`verify.rs` verifies, `sign.rs` holds P-384 signing keys). Loaded on
//! first need (src/js/modules/ecdsa.js).

mod sign;
mod verify;
