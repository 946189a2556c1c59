//! ECDSA public keys on the four KMS curves, held as bytes (the `verify`
//! module parses and range-checks without curve arithmetic), and ECDSA
//! verification (FIPS 186-5 §6.4.2, SEC 1 v2 §4.1.4) with the RustCrypto
//! curve crates, for the fallback modules: [`verify_nist_prehash`] in
//! `ecdsa`, [`verify_k256_prehash`] in `rare`.
//!
//! Signatures reach this module as fixed-width `r ‖ s` (already converted
//! from DER by [`super::ecdsa_der`], or JOSE's form as is). High-S signatures
//! are accepted on every curve, as KMS and OpenSSL accept them: for
//! secp256k1, whose RustCrypto verifier insists on low-S, `s` is normalised
//! first (`(r, s)` and `(r, n − s)` are both valid for the same key and hash).

use ecdsa::signature::hazmat::PrehashVerifier as _;

use super::algorithm::KeySpec;
use super::point::{self, ORDER_K256, ORDER_P256, ORDER_P384, ORDER_P521, scalar_in_range};
use crate::Result;

/// A validated ECDSA public key (a point on its curve, never the identity),
/// held uncompressed (`04 ‖ x ‖ y`).
#[derive(Clone, Debug)]
pub struct EcKey {
    spec: KeySpec,
    point: Vec<u8>,
}

impl EcKey {
    /// Decodes a SEC 1 §2.3.3 point (compressed or uncompressed) for `spec`.
    ///
    /// # Errors
    /// [`crate::Error::MalformedPublicKey`] if the bytes are not a point on the curve.
    pub fn from_sec1(spec: KeySpec, point: &[u8]) -> Result<Self> {
        Ok(Self {
            spec,
            point: point::ec_point(spec, point)?,
        })
    }

    /// The curve's key spec.
    #[must_use]
    pub const fn spec(&self) -> KeySpec {
        self.spec
    }

    /// Byte length of a scalar (and of each half of `r ‖ s`).
    #[must_use]
    pub const fn scalar_len(&self) -> usize {
        self.order().len()
    }

    const fn order(&self) -> &'static [u8] {
        match self.spec {
            KeySpec::EccNistP384 => &ORDER_P384,
            KeySpec::EccNistP521 => &ORDER_P521,
            KeySpec::EccSecgP256k1 => &ORDER_K256,
            _ => &ORDER_P256,
        }
    }

    /// The uncompressed SEC 1 encoding of the point (`04 ‖ x ‖ y`).
    #[must_use]
    pub fn to_uncompressed(&self) -> Vec<u8> {
        self.point.clone()
    }

    /// Whether `raw` is `r ‖ s` of the right width with `0 < r, s < n`: the
    /// range check of FIPS 186-5 §6.4.2 step 2, shared by both engines.
    #[must_use]
    pub fn in_range(&self, raw: &[u8]) -> bool {
        let n = self.order();
        raw.len() == 2 * n.len() && {
            let (r, s) = raw.split_at(n.len());
            scalar_in_range(r, n) && scalar_in_range(s, n)
        }
    }
}

/// Verifies `r ‖ s` over a message hash with a P-256, P-384 or P-521 key
/// given as an uncompressed SEC 1 point (`04 ‖ x ‖ y`, as [`EcKey`] holds
/// it: built from its coordinates, so the module links no decompression).
/// `false` for anything that does not verify, including out-of-range or
/// wrong-width signatures, points off the curve and other curves.
#[must_use]
pub fn verify_nist_prehash(spec: KeySpec, point: &[u8], prehash: &[u8], raw: &[u8]) -> bool {
    macro_rules! curve {
        ($c:ident) => {{
            use $c::elliptic_curve::point::AffineCoordinates as _;
            let Some((x, y)) = coordinates(point, <$c::FieldBytes>::default().len()) else {
                return false;
            };
            let (Ok(x), Ok(y)) = (<$c::FieldBytes>::try_from(x), <$c::FieldBytes>::try_from(y))
            else {
                return false;
            };
            Option::<$c::AffinePoint>::from($c::AffinePoint::from_coordinates(&x, &y))
                .and_then(|p| $c::ecdsa::VerifyingKey::from_affine(p).ok())
                .is_some_and(|k| {
                    $c::ecdsa::Signature::from_slice(raw)
                        .is_ok_and(|s| k.verify_prehash(prehash, &s).is_ok())
                })
        }};
    }
    match spec {
        KeySpec::EccNistP256 => curve!(p256),
        // Our own variable-time u1·G + u2·Q (public data only; about 2×
        // the crate's speed in WebAssembly): see `p384_vartime`.
        KeySpec::EccNistP384 => coordinates(point, 48)
            .is_some_and(|(x, y)| super::p384_vartime::verify_prehash(x, y, prehash, raw)),
        KeySpec::EccNistP521 => curve!(p521),
        _ => false,
    }
}

/// `(x, y)` of an uncompressed point with coordinates of `len` bytes.
fn coordinates(point: &[u8], len: usize) -> Option<(&[u8], &[u8])> {
    let rest = point.strip_prefix(&[0x04])?;
    (rest.len() == 2 * len).then(|| rest.split_at(len))
}

/// Verifies `r ‖ s` (high or low S) over a message hash with a secp256k1
/// key given as an uncompressed SEC 1 point.
#[must_use]
pub fn verify_k256_prehash(point: &[u8], prehash: &[u8], raw: &[u8]) -> bool {
    use k256::elliptic_curve::point::AffineCoordinates as _;
    let Some((x, y)) = coordinates(point, 32) else {
        return false;
    };
    let (Ok(x), Ok(y)) = (k256::FieldBytes::try_from(x), k256::FieldBytes::try_from(y)) else {
        return false;
    };
    Option::<k256::AffinePoint>::from(k256::AffinePoint::from_coordinates(&x, &y))
        .and_then(|p| k256::ecdsa::VerifyingKey::from_affine(p).ok())
        .is_some_and(|k| {
            k256::ecdsa::Signature::from_slice(raw)
                .is_ok_and(|s| k.verify_prehash(prehash, &s.normalize_s()).is_ok())
        })
}
