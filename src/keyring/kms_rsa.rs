//! KMS RSA public-key keyring. Spec: `framework/aws-kms/aws-kms-rsa-keyring.md`.
//!
//! Seals with the public half of a KMS RSA key (RSAES_OAEP_SHA_256), no KMS
//! call: plaintext = SHA-384(serialized encryption context) ‖ data key,
//! provider id `aws-kms-rsa`, provider info = the key ARN. Only unsigned
//! suites (0x0478), as the spec requires: anyone holding the public key can
//! seal, so a signature would prove nothing. Opening needs KMS `Decrypt`
//! with the private half; the shim does that call and hands the answer to
//! [`open_kms_rsa_plaintext`], which checks the context digest.

use sha2::{Digest, Sha384};
use subtle::ConstantTimeEq;

use super::LocalKeyring;
use super::raw_rsa::{Padding, rsa_encrypt};
use super::rsa_key;
use crate::envelope::header::EncryptedDataKey;
use crate::envelope::rng::Drbg;
use crate::envelope::secret::Secret;
use crate::{Error, Result};

/// Provider id of KMS RSA encrypted data keys.
pub const PROVIDER_ID: &str = "aws-kms-rsa";
const DIGEST_LEN: usize = 48;

/// Seals data keys to a KMS RSA key's public half.
pub struct KmsRsaPublicKeyring {
    key_arn: String,
    public: rsa::PublicKey,
}

impl KmsRsaPublicKeyring {
    /// A keyring for `key_arn` (a KMS key ARN) and its public key (SPKI, PEM or DER, as KMS `GetPublicKey` returns).
    ///
    /// # Errors
    /// `INVALID_KEY_IDENTIFIER` unless `key_arn` is a KMS key ARN; key parse errors.
    pub fn new(key_arn: String, public: &[u8]) -> Result<Self> {
        if !(key_arn.starts_with("arn:") && key_arn.contains(":kms:") && key_arn.contains(":key/"))
        {
            return Err(Error::InvalidKeyIdentifier(
                "the KMS RSA keyring needs a key ARN (arn:...:kms:...:key/...)",
            ));
        }
        Ok(Self {
            key_arn,
            public: rsa_key::public_key(public)?,
        })
    }
}

impl LocalKeyring for KmsRsaPublicKeyring {
    fn wrap(
        &self,
        data_key: &Secret,
        serialized_context: &[u8],
        rng: &mut Drbg,
    ) -> Result<EncryptedDataKey> {
        let mut pt = zeroize::Zeroizing::new(Sha384::digest(serialized_context).to_vec());
        pt.extend_from_slice(data_key.expose_secret());
        let ciphertext = rsa_encrypt(&self.public, Padding::OaepSha256, &pt, rng)?;
        Ok(EncryptedDataKey {
            provider_id: PROVIDER_ID.into(),
            provider_info: self.key_arn.as_bytes().to_vec(),
            ciphertext,
        })
    }

    fn unwrap(
        &self,
        _edk: &EncryptedDataKey,
        _ctx: &[u8],
        _len: usize,
        _rng: &mut Drbg,
    ) -> Result<Option<Secret>> {
        Ok(None)
    }

    fn can_decrypt(&self) -> bool {
        false
    }

    fn refuses_signed_suites(&self) -> bool {
        true
    }
}

/// Splits a KMS `Decrypt` answer for an `aws-kms-rsa` key into digest and data
/// key and checks the digest against the message's context.
///
/// # Errors
/// `ENCRYPTION_CONTEXT_MISMATCH` if the digest differs; `INVALID_DATA_KEY` for a short answer.
pub fn open_kms_rsa_plaintext(plaintext: &[u8], serialized_context: &[u8]) -> Result<Secret> {
    let (digest, key) = plaintext
        .split_at_checked(DIGEST_LEN)
        .ok_or(Error::InvalidDataKey(
            "the KMS RSA answer is shorter than its digest",
        ))?;
    if !bool::from(Sha384::digest(serialized_context).as_slice().ct_eq(digest)) {
        return Err(Error::EncryptionContextMismatch);
    }
    Ok(Secret::copy_from(key))
}
