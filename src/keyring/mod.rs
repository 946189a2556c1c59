//! Keyrings: who wraps and unwraps a message's data key.
//!
//! Local keyrings (raw AES, raw RSA, KMS RSA public key) run entirely in the
//! core. KMS keyrings need the network, so the core never calls them: the
//! JS shim asks the KMS keyring for a data key (or to decrypt an encrypted
//! data key) and hands the answer to the sealing or opening session — the
//! "data-key seam" (see `envelope::encrypt::Sealer::set_data_key` and
//! `envelope::decrypt::Opener::set_data_key`). The multi-keyring is a list
//! the shim walks: generator first, then children.

pub mod cache;
pub mod hpke;
pub mod kms_rsa;
pub mod raw_aes;
pub mod raw_rsa;
pub mod rsa_key;

use crate::Result;
use crate::envelope::header::EncryptedDataKey;
use crate::envelope::rng::Drbg;
use crate::envelope::secret::Secret;

/// The provider id of KMS encrypted data keys (provider info = key ARN).
pub const KMS_PROVIDER_ID: &str = "aws-kms";

/// A keyring whose wrapping key is held by the core.
pub trait LocalKeyring {
    /// Wraps `data_key`, binding it to the serialized encryption context where the scheme allows.
    ///
    /// # Errors
    /// Whatever the scheme's encryption can fail with.
    fn wrap(
        &self,
        data_key: &Secret,
        serialized_context: &[u8],
        rng: &mut Drbg,
    ) -> Result<EncryptedDataKey>;

    /// Unwraps `edk` if it is this keyring's. `Ok(None)` when it is not ours or
    /// does not decrypt (the caller tries the next one).
    ///
    /// # Errors
    /// `KEYRING_CANNOT_DECRYPT` for a keyring without a private key.
    fn unwrap(
        &self,
        edk: &EncryptedDataKey,
        serialized_context: &[u8],
        data_key_len: usize,
        rng: &mut Drbg,
    ) -> Result<Option<Secret>>;

    /// Whether this keyring holds a key to unwrap with.
    fn can_decrypt(&self) -> bool {
        true
    }

    /// Whether the keyring must not be used with signed suites (KMS RSA).
    fn refuses_signed_suites(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests;
