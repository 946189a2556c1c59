//! KMS signing algorithms, key specs and message types, by KMS's own names,
//! and which key spec each algorithm may be used with.
//!
//! The pairings are those of the AWS KMS developer guide ("Key spec
//! reference", asymmetric signing): the ECDSA hash is fixed by the curve, RSA
//! keys take every RSASSA algorithm, ML-DSA keys take `ML_DSA_SHAKE_256`.

use crate::{Error, Result};

/// The key spec of a KMS asymmetric signing key, as `GetPublicKey` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeySpec {
    /// RSA with a 2048-bit modulus.
    Rsa2048,
    /// RSA with a 3072-bit modulus.
    Rsa3072,
    /// RSA with a 4096-bit modulus.
    Rsa4096,
    /// ECDSA on NIST P-256 (secp256r1).
    EccNistP256,
    /// ECDSA on NIST P-384 (secp384r1).
    EccNistP384,
    /// ECDSA on NIST P-521 (secp521r1).
    EccNistP521,
    /// ECDSA on secp256k1.
    EccSecgP256k1,
    /// Ed25519.
    EccNistEdwards25519,
    /// ML-DSA-44 (FIPS 204).
    MlDsa44,
    /// ML-DSA-65 (FIPS 204).
    MlDsa65,
    /// ML-DSA-87 (FIPS 204).
    MlDsa87,
}

impl KeySpec {
    /// KMS's name for this key spec (`RSA_2048`, `ECC_NIST_P256`, ...).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Rsa2048 => "RSA_2048",
            Self::Rsa3072 => "RSA_3072",
            Self::Rsa4096 => "RSA_4096",
            Self::EccNistP256 => "ECC_NIST_P256",
            Self::EccNistP384 => "ECC_NIST_P384",
            Self::EccNistP521 => "ECC_NIST_P521",
            Self::EccSecgP256k1 => "ECC_SECG_P256K1",
            Self::EccNistEdwards25519 => "ECC_NIST_EDWARDS25519",
            Self::MlDsa44 => "ML_DSA_44",
            Self::MlDsa65 => "ML_DSA_65",
            Self::MlDsa87 => "ML_DSA_87",
        }
    }
}

/// The hash function an algorithm applies to a `RAW` message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HashAlg {
    /// SHA-256 (FIPS 180-4).
    Sha256,
    /// SHA-384 (FIPS 180-4).
    Sha384,
    /// SHA-512 (FIPS 180-4).
    Sha512,
}

impl HashAlg {
    /// Output length in bytes: the length a `DIGEST` message must have.
    #[must_use]
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// The WebCrypto name of the hash (`SHA-256`, ...).
    #[must_use]
    pub const fn webcrypto_name(self) -> &'static str {
        match self {
            Self::Sha256 => "SHA-256",
            Self::Sha384 => "SHA-384",
            Self::Sha512 => "SHA-512",
        }
    }

    /// Hashes `message`.
    #[must_use]
    pub fn digest(self, message: &[u8]) -> Vec<u8> {
        use sha2::Digest as _;
        match self {
            Self::Sha256 => sha2::Sha256::digest(message).to_vec(),
            Self::Sha384 => sha2::Sha384::digest(message).to_vec(),
            Self::Sha512 => sha2::Sha512::digest(message).to_vec(),
        }
    }
}

/// A KMS signing algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SigningAlgorithm {
    /// RSASSA-PKCS1-v1_5 (RFC 8017 §8.2) with SHA-256.
    RsassaPkcs1V15Sha256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RsassaPkcs1V15Sha384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RsassaPkcs1V15Sha512,
    /// RSASSA-PSS (RFC 8017 §8.1) with SHA-256, MGF1-SHA-256, 32-byte salt.
    RsassaPssSha256,
    /// RSASSA-PSS with SHA-384, MGF1-SHA-384, 48-byte salt.
    RsassaPssSha384,
    /// RSASSA-PSS with SHA-512, MGF1-SHA-512, 64-byte salt.
    RsassaPssSha512,
    /// ECDSA with SHA-256 (P-256 or secp256k1 keys).
    EcdsaSha256,
    /// ECDSA with SHA-384 (P-384 keys).
    EcdsaSha384,
    /// ECDSA with SHA-512 (P-521 keys).
    EcdsaSha512,
    /// Pure ML-DSA (FIPS 204 Algorithm 3) with an empty context string.
    MlDsaShake256,
    /// Pure Ed25519 (RFC 8032 §5.1).
    Ed25519Sha512,
    /// Ed25519ph (RFC 8032 §5.1, `phflag` = 1, empty context) over SHA-512(M).
    Ed25519PhSha512,
}

impl SigningAlgorithm {
    /// Parses KMS's name of a signing algorithm.
    ///
    /// # Errors
    /// [`Error::UnsupportedAlgorithm`] for any other name (including KMS
    /// algorithms this library does not verify: `SM2DSA`).
    pub fn from_name(name: &str) -> Result<Self> {
        Ok(match name {
            "RSASSA_PKCS1_V1_5_SHA_256" => Self::RsassaPkcs1V15Sha256,
            "RSASSA_PKCS1_V1_5_SHA_384" => Self::RsassaPkcs1V15Sha384,
            "RSASSA_PKCS1_V1_5_SHA_512" => Self::RsassaPkcs1V15Sha512,
            "RSASSA_PSS_SHA_256" => Self::RsassaPssSha256,
            "RSASSA_PSS_SHA_384" => Self::RsassaPssSha384,
            "RSASSA_PSS_SHA_512" => Self::RsassaPssSha512,
            "ECDSA_SHA_256" => Self::EcdsaSha256,
            "ECDSA_SHA_384" => Self::EcdsaSha384,
            "ECDSA_SHA_512" => Self::EcdsaSha512,
            "ML_DSA_SHAKE_256" => Self::MlDsaShake256,
            "ED25519_SHA_512" => Self::Ed25519Sha512,
            "ED25519_PH_SHA_512" => Self::Ed25519PhSha512,
            _ => {
                return Err(Error::UnsupportedAlgorithm(
                    "unknown or unsupported KMS signing algorithm",
                ));
            }
        })
    }

    /// KMS's name of this algorithm.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::RsassaPkcs1V15Sha256 => "RSASSA_PKCS1_V1_5_SHA_256",
            Self::RsassaPkcs1V15Sha384 => "RSASSA_PKCS1_V1_5_SHA_384",
            Self::RsassaPkcs1V15Sha512 => "RSASSA_PKCS1_V1_5_SHA_512",
            Self::RsassaPssSha256 => "RSASSA_PSS_SHA_256",
            Self::RsassaPssSha384 => "RSASSA_PSS_SHA_384",
            Self::RsassaPssSha512 => "RSASSA_PSS_SHA_512",
            Self::EcdsaSha256 => "ECDSA_SHA_256",
            Self::EcdsaSha384 => "ECDSA_SHA_384",
            Self::EcdsaSha512 => "ECDSA_SHA_512",
            Self::MlDsaShake256 => "ML_DSA_SHAKE_256",
            Self::Ed25519Sha512 => "ED25519_SHA_512",
            Self::Ed25519PhSha512 => "ED25519_PH_SHA_512",
        }
    }

    /// The hash applied to the message, for the algorithms that take `DIGEST`
    /// messages (RSA, ECDSA, Ed25519ph). `None` for ML-DSA and pure Ed25519,
    /// which hash the message internally.
    #[must_use]
    pub const fn prehash(self) -> Option<HashAlg> {
        match self {
            Self::RsassaPkcs1V15Sha256 | Self::RsassaPssSha256 | Self::EcdsaSha256 => {
                Some(HashAlg::Sha256)
            }
            Self::RsassaPkcs1V15Sha384 | Self::RsassaPssSha384 | Self::EcdsaSha384 => {
                Some(HashAlg::Sha384)
            }
            Self::RsassaPkcs1V15Sha512
            | Self::RsassaPssSha512
            | Self::EcdsaSha512
            | Self::Ed25519PhSha512 => Some(HashAlg::Sha512),
            Self::MlDsaShake256 | Self::Ed25519Sha512 => None,
        }
    }

    /// Whether a key of `spec` can make signatures with this algorithm.
    #[must_use]
    pub const fn fits(self, spec: KeySpec) -> bool {
        use KeySpec as K;
        match self {
            Self::RsassaPkcs1V15Sha256
            | Self::RsassaPkcs1V15Sha384
            | Self::RsassaPkcs1V15Sha512
            | Self::RsassaPssSha256
            | Self::RsassaPssSha384
            | Self::RsassaPssSha512 => matches!(spec, K::Rsa2048 | K::Rsa3072 | K::Rsa4096),
            Self::EcdsaSha256 => matches!(spec, K::EccNistP256 | K::EccSecgP256k1),
            Self::EcdsaSha384 => matches!(spec, K::EccNistP384),
            Self::EcdsaSha512 => matches!(spec, K::EccNistP521),
            Self::MlDsaShake256 => matches!(spec, K::MlDsa44 | K::MlDsa65 | K::MlDsa87),
            Self::Ed25519Sha512 | Self::Ed25519PhSha512 => matches!(spec, K::EccNistEdwards25519),
        }
    }
}

/// KMS `MessageType`: what the `message` bytes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// The message itself, at most [`MAX_RAW_MESSAGE_LEN`] bytes.
    Raw,
    /// The message's hash, computed with the algorithm's hash (RSA, ECDSA).
    Digest,
    /// The 64-byte ML-DSA message representative μ (FIPS 204 Algorithm 7 line 6).
    ExternalMu,
}

/// The longest `RAW` message KMS signs or verifies.
pub const MAX_RAW_MESSAGE_LEN: usize = 4096;

impl MessageType {
    /// Parses `RAW`, `DIGEST` or `EXTERNAL_MU`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for any other text.
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "RAW" => Ok(Self::Raw),
            "DIGEST" => Ok(Self::Digest),
            "EXTERNAL_MU" => Ok(Self::ExternalMu),
            _ => Err(Error::InvalidArgument(
                "messageType must be RAW, DIGEST or EXTERNAL_MU",
            )),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    const ALL: [SigningAlgorithm; 12] = [
        SigningAlgorithm::RsassaPkcs1V15Sha256,
        SigningAlgorithm::RsassaPkcs1V15Sha384,
        SigningAlgorithm::RsassaPkcs1V15Sha512,
        SigningAlgorithm::RsassaPssSha256,
        SigningAlgorithm::RsassaPssSha384,
        SigningAlgorithm::RsassaPssSha512,
        SigningAlgorithm::EcdsaSha256,
        SigningAlgorithm::EcdsaSha384,
        SigningAlgorithm::EcdsaSha512,
        SigningAlgorithm::MlDsaShake256,
        SigningAlgorithm::Ed25519Sha512,
        SigningAlgorithm::Ed25519PhSha512,
    ];

    #[test]
    fn names_round_trip() {
        for a in ALL {
            assert_eq!(SigningAlgorithm::from_name(a.as_str()), Ok(a));
        }
        for bad in ["", "ecdsa_sha_256", "SM2DSA", "ECDSA_SHA_256 "] {
            assert_eq!(
                SigningAlgorithm::from_name(bad).map_err(|e| e.code()),
                Err("UNSUPPORTED_ALGORITHM")
            );
        }
    }

    #[test]
    fn kms_pairings() {
        assert!(SigningAlgorithm::EcdsaSha256.fits(KeySpec::EccSecgP256k1));
        assert!(!SigningAlgorithm::EcdsaSha384.fits(KeySpec::EccNistP256));
        assert!(!SigningAlgorithm::EcdsaSha256.fits(KeySpec::EccNistP384));
        assert!(SigningAlgorithm::RsassaPssSha512.fits(KeySpec::Rsa2048));
        assert!(!SigningAlgorithm::EcdsaSha256.fits(KeySpec::Rsa2048));
        assert!(!SigningAlgorithm::MlDsaShake256.fits(KeySpec::EccNistEdwards25519));
    }

    #[test]
    fn message_types() {
        assert_eq!(MessageType::from_name("DIGEST"), Ok(MessageType::Digest));
        assert_eq!(
            MessageType::from_name("raw").map_err(|e| e.code()),
            Err("INVALID_ARGUMENT")
        );
    }
}
