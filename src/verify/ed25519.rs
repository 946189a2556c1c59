//! Ed25519 verification (RFC 8032 §5.1.7) for `ED25519_SHA_512`.
//!
//! Uses `ed25519-dalek`'s strict verifier: `S` must be canonical (`S < L`),
//! and small-order public keys and `R` values are refused, so a signature is
//! never valid for more than one message under an honest key.

use super::algorithm::KeySpec;
use crate::{Error, Result};

/// A decoded Ed25519 public key.
#[derive(Clone, Debug)]
pub struct Ed25519Key(ed25519_dalek::VerifyingKey);

impl Ed25519Key {
    /// Decodes the 32-byte public key of an Ed25519 SPKI (RFC 8410 §4).
    ///
    /// # Errors
    /// [`Error::MalformedPublicKey`] if it is not 32 bytes or not a curve point.
    pub fn from_bytes(bytes: &[u8]) -> Result<(Self, KeySpec)> {
        let bytes: &[u8; 32] = bytes
            .try_into()
            .map_err(|_| Error::MalformedPublicKey("Ed25519 public key must be 32 bytes"))?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(bytes)
            .map_err(|_| Error::MalformedPublicKey("Ed25519 public key is not a valid point"))?;
        Ok((Self(key), KeySpec::EccNistEdwards25519))
    }

    /// Verifies a 64-byte signature over `message`.
    #[must_use]
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else { return false };
        self.0.verify_strict(message, &sig).is_ok()
    }
}
