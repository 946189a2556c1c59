//! Algorithm suites. Spec: `framework/algorithm-suites.md`.

use crate::{Error, Result};

/// How the data encryption key is derived from the data key.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kdf {
    /// The data key is the encryption key (legacy suites 0x0014/0x0046/0x0078).
    Identity,
    /// HKDF with SHA-256.
    HkdfSha256,
    /// HKDF with SHA-384.
    HkdfSha384,
    /// HKDF with SHA-512.
    HkdfSha512,
}

/// The footer signature algorithm.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Signing {
    /// Unsigned.
    None,
    /// ECDSA P-256 with SHA-256 (0x0214).
    EcdsaP256Sha256,
    /// ECDSA P-384 with SHA-384.
    EcdsaP384Sha384,
}

/// One ESDK algorithm suite. All use AES-GCM with a 12-byte IV and 16-byte tag.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct AlgorithmSuite {
    /// The two-byte suite id.
    pub id: u16,
    /// Our name for it (the ESDK's, shortened as in the JS API).
    pub name: &'static str,
    /// Message format version that carries this suite (1 or 2).
    pub message_version: u8,
    /// AES key length in bytes.
    pub key_len: usize,
    /// Key derivation.
    pub kdf: Kdf,
    /// Footer signature.
    pub signing: Signing,
    /// Whether the header commits to the data key.
    pub committing: bool,
}

const fn s(
    id: u16,
    name: &'static str,
    v: u8,
    key_len: usize,
    kdf: Kdf,
    signing: Signing,
    committing: bool,
) -> AlgorithmSuite {
    AlgorithmSuite {
        id,
        name,
        message_version: v,
        key_len,
        kdf,
        signing,
        committing,
    }
}

/// Every suite the ESDK defines.
pub const ALL: [AlgorithmSuite; 11] = [
    s(
        0x0014,
        "AES_128_GCM_IV12_TAG16_NO_KDF",
        1,
        16,
        Kdf::Identity,
        Signing::None,
        false,
    ),
    s(
        0x0046,
        "AES_192_GCM_IV12_TAG16_NO_KDF",
        1,
        24,
        Kdf::Identity,
        Signing::None,
        false,
    ),
    s(
        0x0078,
        "AES_256_GCM_IV12_TAG16_NO_KDF",
        1,
        32,
        Kdf::Identity,
        Signing::None,
        false,
    ),
    s(
        0x0114,
        "AES_128_GCM_IV12_TAG16_HKDF_SHA256",
        1,
        16,
        Kdf::HkdfSha256,
        Signing::None,
        false,
    ),
    s(
        0x0146,
        "AES_192_GCM_IV12_TAG16_HKDF_SHA256",
        1,
        24,
        Kdf::HkdfSha256,
        Signing::None,
        false,
    ),
    s(
        0x0178,
        "AES_256_GCM_IV12_TAG16_HKDF_SHA256",
        1,
        32,
        Kdf::HkdfSha256,
        Signing::None,
        false,
    ),
    s(
        0x0214,
        "AES_128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256",
        1,
        16,
        Kdf::HkdfSha256,
        Signing::EcdsaP256Sha256,
        false,
    ),
    s(
        0x0346,
        "AES_192_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384",
        1,
        24,
        Kdf::HkdfSha384,
        Signing::EcdsaP384Sha384,
        false,
    ),
    s(
        0x0378,
        "AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384",
        1,
        32,
        Kdf::HkdfSha384,
        Signing::EcdsaP384Sha384,
        false,
    ),
    s(
        0x0478,
        "AES_256_GCM_HKDF_SHA512_COMMIT_KEY",
        2,
        32,
        Kdf::HkdfSha512,
        Signing::None,
        true,
    ),
    s(
        0x0578,
        "AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384",
        2,
        32,
        Kdf::HkdfSha512,
        Signing::EcdsaP384Sha384,
        true,
    ),
];

/// The suite written by default (as the reference SDK).
pub const DEFAULT: AlgorithmSuite = ALL[10];

impl AlgorithmSuite {
    /// The suite with this id.
    ///
    /// # Errors
    /// `UNSUPPORTED_ALGORITHM` for an id the ESDK does not define.
    pub fn from_id(id: u16) -> Result<Self> {
        ALL.iter()
            .copied()
            .find(|s| s.id == id)
            .ok_or(Error::UnsupportedAlgorithm("unknown algorithm suite"))
    }

    /// A suite this library writes, by name.
    ///
    /// # Errors
    /// `UNSUPPORTED_ALGORITHM` unless it is one of the two committing suites.
    pub fn writable_by_name(name: &str) -> Result<Self> {
        ALL.iter()
            .copied()
            .find(|s| s.name == name && s.committing)
            .ok_or(Error::UnsupportedAlgorithm(
                "only the committing suites 0x0478 and 0x0578 are written",
            ))
    }

    /// Length of the data key a keyring produces (32 for committing suites).
    #[must_use]
    pub const fn data_key_len(&self) -> usize {
        if self.committing { 32 } else { self.key_len }
    }

    /// Whether the message has a footer signature.
    #[must_use]
    pub const fn is_signed(&self) -> bool {
        !matches!(self.signing, Signing::None)
    }

    /// Length of the message id for this suite's message version.
    #[must_use]
    pub const fn message_id_len(&self) -> usize {
        if self.message_version == 2 { 32 } else { 16 }
    }
}
