//! Key specs, key usages and origins, spelt as the KMS API spells them.

use serde::{Deserialize, Serialize};

/// What the key is for: the `purpose` answer of the advisor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    /// Encrypt and decrypt, and wrap data keys (envelope encryption).
    #[default]
    Encrypt,
    /// Sign and verify with an asymmetric key.
    Sign,
    /// Generate and verify HMAC tags.
    Hmac,
}

impl Purpose {
    /// The default `KeySpec` for this purpose.
    #[must_use]
    pub const fn key_spec(self) -> &'static str {
        match self {
            Self::Encrypt => "SYMMETRIC_DEFAULT",
            Self::Sign => "ECC_NIST_P256",
            Self::Hmac => "HMAC_256",
        }
    }

    /// The `KeyUsage` for this purpose.
    #[must_use]
    pub const fn key_usage(self) -> &'static str {
        match self {
            Self::Encrypt => "ENCRYPT_DECRYPT",
            Self::Sign => "SIGN_VERIFY",
            Self::Hmac => "GENERATE_VERIFY_MAC",
        }
    }

    /// True for symmetric encryption keys, the only kind custom key stores
    /// hold and the only kind KMS rotates automatically.
    #[must_use]
    pub const fn is_symmetric_encryption(self) -> bool {
        matches!(self, Self::Encrypt)
    }

    /// The purpose as the JS API spells it.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Encrypt => "encrypt",
            Self::Sign => "sign",
            Self::Hmac => "hmac",
        }
    }
}

/// Where a KMS key's material comes from (`Origin` in `CreateKey`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// KMS generates the material in its own HSMs.
    AwsKms,
    /// You import the material (`EXTERNAL`, "bring your own key").
    External,
    /// KMS generates the material in your CloudHSM cluster (a custom key store).
    AwsCloudHsm,
}

impl Origin {
    /// The `Origin` value of the KMS API.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AwsKms => "AWS_KMS",
            Self::External => "EXTERNAL",
            Self::AwsCloudHsm => "AWS_CLOUDHSM",
        }
    }
}
