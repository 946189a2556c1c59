//! ECDSA verification on the four KMS curves (FIPS 186-5 §6.4.2, SEC 1 v2
//! §4.1.4), with the RustCrypto curve crates.
//!
//! Signatures reach this module as fixed-width `r ‖ s` (already converted
//! from DER by [`super::ecdsa_der`], or JOSE's form as is). High-S signatures
//! are accepted on every curve, as KMS and OpenSSL accept them: for
//! secp256k1, whose RustCrypto verifier insists on low-S, `s` is normalised
//! first (`(r, s)` and `(r, n − s)` are both valid for the same key and hash).

use ecdsa::signature::hazmat::PrehashVerifier as _;

use super::algorithm::KeySpec;
use crate::{Error, Result};

/// A parsed ECDSA public key (a point on its curve, never the identity).
#[derive(Clone, Debug)]
pub enum EcKey {
    /// NIST P-256.
    P256(p256::ecdsa::VerifyingKey),
    /// NIST P-384.
    P384(p384::ecdsa::VerifyingKey),
    /// NIST P-521.
    P521(p521::ecdsa::VerifyingKey),
    /// secp256k1.
    K256(k256::ecdsa::VerifyingKey),
}

impl EcKey {
    /// Decodes a SEC 1 §2.3.3 point (compressed or uncompressed) for `spec`.
    ///
    /// # Errors
    /// [`Error::MalformedPublicKey`] if the bytes are not a point on the curve.
    pub fn from_sec1(spec: KeySpec, point: &[u8]) -> Result<Self> {
        const BAD: Error =
            Error::MalformedPublicKey("EC public key is not a valid point on its curve");
        Ok(match spec {
            KeySpec::EccNistP256 => {
                Self::P256(p256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| BAD)?)
            }
            KeySpec::EccNistP384 => {
                Self::P384(p384::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| BAD)?)
            }
            KeySpec::EccNistP521 => {
                Self::P521(p521::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| BAD)?)
            }
            KeySpec::EccSecgP256k1 => {
                Self::K256(k256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| BAD)?)
            }
            _ => return Err(Error::MalformedPublicKey("not an EC key spec")),
        })
    }

    /// Byte length of a scalar (and of each half of `r ‖ s`).
    #[must_use]
    pub const fn scalar_len(&self) -> usize {
        match self {
            Self::P256(_) | Self::K256(_) => 32,
            Self::P384(_) => 48,
            Self::P521(_) => 66,
        }
    }

    /// The uncompressed SEC 1 encoding of the point (`04 ‖ x ‖ y`).
    #[must_use]
    pub fn to_uncompressed(&self) -> Vec<u8> {
        match self {
            Self::P256(k) => k.to_sec1_point(false).as_bytes().to_vec(),
            Self::P384(k) => k.to_sec1_point(false).as_bytes().to_vec(),
            Self::P521(k) => k.to_sec1_point(false).as_bytes().to_vec(),
            Self::K256(k) => k.to_sec1_point(false).as_bytes().to_vec(),
        }
    }

    /// Whether `raw` is `r ‖ s` of the right width with `0 < r, s < n`: the
    /// range check of FIPS 186-5 §6.4.2 step 2, shared by both engines.
    #[must_use]
    pub fn in_range(&self, raw: &[u8]) -> bool {
        match self {
            Self::P256(_) => p256::ecdsa::Signature::from_slice(raw).is_ok(),
            Self::P384(_) => p384::ecdsa::Signature::from_slice(raw).is_ok(),
            Self::P521(_) => p521::ecdsa::Signature::from_slice(raw).is_ok(),
            Self::K256(_) => k256::ecdsa::Signature::from_slice(raw).is_ok(),
        }
    }

    /// Verifies `r ‖ s` over a message hash. `false` for anything that does
    /// not verify, including out-of-range or wrong-width signatures.
    #[must_use]
    pub fn verify_prehash(&self, prehash: &[u8], raw: &[u8]) -> bool {
        match self {
            Self::P256(k) => p256::ecdsa::Signature::from_slice(raw)
                .is_ok_and(|s| k.verify_prehash(prehash, &s).is_ok()),
            Self::P384(k) => p384::ecdsa::Signature::from_slice(raw)
                .is_ok_and(|s| k.verify_prehash(prehash, &s).is_ok()),
            Self::P521(k) => p521::ecdsa::Signature::from_slice(raw)
                .is_ok_and(|s| k.verify_prehash(prehash, &s).is_ok()),
            Self::K256(k) => k256::ecdsa::Signature::from_slice(raw)
                .is_ok_and(|s| k.verify_prehash(prehash, &s.normalize_s()).is_ok()),
        }
    }
}
