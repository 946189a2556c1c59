//! Ed25519 verification (RFC 8032 §5.1.7) for `ED25519_SHA_512`, and
//! Ed25519ph (RFC 8032 §5.1, `dom2(1, "")`) for `ED25519_PH_SHA_512`.
//!
//! Uses `ed25519-dalek`'s strict verifier: `S` must be canonical (`S < L`),
//! and small-order public keys and `R` values are refused, so a signature is
//! never valid for more than one message under an honest key.
//!
//! The key is held as its 32 bytes, checked at parse time by
//! [`super::point::ed25519_decompresses`]; the arithmetic (the free
//! functions here) runs in the `rare` fallback module.

use sha2::digest::{FixedOutput, HashMarker, Output, OutputSizeUser, Update, consts::U64};

use super::algorithm::KeySpec;
use crate::{Error, Result};

/// A decoded Ed25519 public key: its 32 bytes, known to decompress.
#[derive(Clone, Debug)]
pub struct Ed25519Key([u8; 32]);

impl Ed25519Key {
    /// Decodes the 32-byte public key of an Ed25519 SPKI (RFC 8410 §4).
    ///
    /// # Errors
    /// [`Error::MalformedPublicKey`] if it is not 32 bytes or not a curve point.
    pub fn from_bytes(bytes: &[u8]) -> Result<(Self, KeySpec)> {
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| Error::MalformedPublicKey("Ed25519 public key must be 32 bytes"))?;
        if !super::point::ed25519_decompresses(&bytes) {
            return Err(Error::MalformedPublicKey(
                "Ed25519 public key is not a valid point",
            ));
        }
        Ok((Self(bytes), KeySpec::EccNistEdwards25519))
    }

    /// The 32 bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// Verifies a 64-byte Ed25519 signature over `message` with the key `key`.
#[must_use]
pub fn verify(key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let Ok(key) = <&[u8; 32]>::try_from(key) else {
        return false;
    };
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(key) else {
        return false;
    };
    let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
        return false;
    };
    key.verify_strict(message, &sig).is_ok()
}

/// A "hash" whose output is the SHA-512 value it was fed: lets a `DIGEST`
/// message (already PH(M) = SHA-512(M)) go through `ed25519-dalek`'s
/// prehashed verifier, which takes a hasher rather than its output.
#[derive(Clone)]
struct KnownSha512 {
    bytes: [u8; 64],
    len: usize,
}

impl Default for KnownSha512 {
    fn default() -> Self {
        Self {
            bytes: [0; 64],
            len: 0,
        }
    }
}

impl HashMarker for KnownSha512 {}

impl OutputSizeUser for KnownSha512 {
    type OutputSize = U64;
}

impl Update for KnownSha512 {
    fn update(&mut self, data: &[u8]) {
        for &b in data {
            if let Some(slot) = self.bytes.get_mut(self.len) {
                *slot = b;
                self.len += 1;
            }
        }
    }
}

impl FixedOutput for KnownSha512 {
    fn finalize_into(self, out: &mut Output<Self>) {
        out.copy_from_slice(&self.bytes);
    }
}

/// Verifies an Ed25519ph signature given PH(M) = SHA-512(M), 64 bytes.
#[must_use]
pub fn verify_prehashed(key: &[u8], prehash: &[u8], signature: &[u8]) -> bool {
    if prehash.len() != 64 {
        return false;
    }
    let Ok(key) = <&[u8; 32]>::try_from(key) else {
        return false;
    };
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(key) else {
        return false;
    };
    let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
        return false;
    };
    let mut ph = KnownSha512::default();
    ph.update(prehash);
    key.verify_prehashed_strict(ph, None, &sig).is_ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 8032 §7.3, test "abc" (Ed25519ph).
    #[test]
    fn rfc8032_ed25519ph_vector() {
        let (key, _) = Ed25519Key::from_bytes(&hex(
            "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
        ))
        .unwrap();
        let key = key.as_bytes();
        let sig = hex(
            "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41\
             31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406",
        );
        let ph = super::super::algorithm::HashAlg::Sha512.digest(b"abc");
        assert!(verify_prehashed(key, &ph, &sig));
        assert!(
            !verify(key, b"abc", &sig),
            "pure Ed25519 must not accept an Ed25519ph signature"
        );
        let mut other = ph.clone();
        other[0] ^= 1;
        assert!(!verify_prehashed(key, &other, &sig));
        assert!(!verify_prehashed(key, &ph[..63], &sig));
    }
}
