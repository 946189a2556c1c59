//! Offline verification of AWS KMS asymmetric signatures.
//!
//! Parse a public key once ([`PublicKey::parse`], DER SPKI as KMS
//! `GetPublicKey` returns it, base64 or PEM), then verify signatures exactly
//! as KMS `Verify` would: by KMS's algorithm names, `RAW` (≤ 4096 bytes),
//! `DIGEST` or `EXTERNAL_MU` messages, DER ECDSA signatures.
//!
//! **Verdicts and errors.** A signature that does not verify is `Ok(false)`,
//! and so is one that is not even well-formed (not strict DER, wrong length,
//! `r` or `s` out of range): to a verifier both mean "not signed by this
//! key", and KMS `Verify` answers both with `KMSInvalidSignatureException`.
//! Everything that is the caller's mistake rather than the signer's is an
//! error with a precise code: a malformed key, an algorithm the key cannot
//! make, a digest of the wrong length, a `RAW` message over the limit.
//!
//! ```
//! use edge_kms::verify::{KeySpec, MessageType, PublicKey, SigningAlgorithm};
//!
//! // RFC 8032 §7.1 TEST 1, as KMS GetPublicKey would return the key (DER SPKI).
//! let spki = hex::decode("302a300506032b6570032100\
//!     d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")?;
//! let signature = hex::decode("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
//!     5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")?;
//!
//! let key = PublicKey::parse(&spki)?; // also accepts base64 or PEM text
//! assert_eq!(key.key_spec(), KeySpec::EccNistEdwards25519);
//! let alg = SigningAlgorithm::from_name("ED25519_SHA_512")?;
//! assert!(key.verify(alg, MessageType::Raw, b"", &signature)?);
//! assert!(!key.verify(alg, MessageType::Raw, b"tampered", &signature)?);
//!
//! // Caller mistakes are errors with stable codes, not `false`.
//! let ecdsa = SigningAlgorithm::from_name("ECDSA_SHA_256")?;
//! assert_eq!(key.verify(ecdsa, MessageType::Raw, b"", &signature).unwrap_err().code(), "KEY_ALGORITHM_MISMATCH");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! **Two engines.** This module decides everything. [`PublicKey::decide`]
//! either gives the verdict (the "wasm engine") or, for RSA and NIST-curve
//! ECDSA over `RAW` messages, a [`NativePlan`] that the JS shim hands to
//! WebCrypto. Both engines see the same checks, so they agree on every input.
//!
//! **No arithmetic in the `verify` WebAssembly module.** Keys are held as
//! bytes, validated at parse time by [`point`] (a small variable-time
//! arithmetic for public points). [`PublicKey::plan`] answers like
//! [`PublicKey::decide`] but, where this process would verify, gives a
//! [`fallback::Fallback`]: what the `ecdsa`, `rare` or `rsa` module needs
//! to verify; [`PublicKey::decide`] runs it here.

pub mod algorithm;
pub mod ecdsa;
pub mod ecdsa_der;
pub mod ed25519;
pub mod fallback;
pub mod jwt;
pub mod key_input;
pub mod ml_dsa;
pub mod native;
// Variable-time P-384 verification arithmetic (public data only): private,
// reachable only through `ecdsa::verify_nist_prehash`.
pub(crate) mod p384_field;
mod p384_vartime;
pub mod point;
pub mod public_key;
pub mod rsa;

pub use algorithm::{HashAlg, KeySpec, MAX_RAW_MESSAGE_LEN, MessageType, SigningAlgorithm};
pub use native::{ImportParams, NativePlan, VerifyParams};
pub use public_key::{Decision, EnginePreference, Message, PublicKey, SignatureForm};

/// Verifies one signature, by KMS's names, with the core's arithmetic.
///
/// # Errors
/// [`crate::Error::UnsupportedAlgorithm`] for an unknown algorithm name,
/// [`crate::Error::InvalidArgument`] for an unknown message type, and
/// everything [`PublicKey::parse`] and [`PublicKey::decide`] return.
pub fn verify_kms_signature(
    public_key: &[u8],
    signing_algorithm: &str,
    message_type: &str,
    message: &[u8],
    signature: &[u8],
) -> crate::Result<bool> {
    let algorithm = SigningAlgorithm::from_name(signing_algorithm)?;
    let message_type = MessageType::from_name(message_type)?;
    PublicKey::parse(public_key)?.verify(algorithm, message_type, message, signature)
}
