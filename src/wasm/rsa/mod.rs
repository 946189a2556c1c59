//! The `rsa` module: RSA arithmetic a page needs only when it uses RSA keys
//! with the local keyrings (`RawRsaKeyring`, `KmsRsaPublicKeyring`: wrapping
//! and unwrapping data keys for the `envelope` module, through JS).
//! Loaded on first use by those keyrings (src/js/modules/rsa.js).

mod keyrings;
/// RSA signature verification for the `verify` module's fallback requests
/// (`DIGEST` messages, the `wasm` engine).
mod verify;
