//! Raw AES keyring. Spec: `framework/raw-aes-keyring.md`.
//!
//! Provider id = key namespace; provider info = key name ‖ tag length in
//! bits u32 (128) ‖ IV length u32 (12) ‖ IV; ciphertext = AES-GCM(data key)
//! ‖ tag, with the serialized encryption context as AAD.

use super::LocalKeyring;
use crate::envelope::gcm::{self, IV_LEN, TAG_LEN};
use crate::envelope::header::EncryptedDataKey;
use crate::envelope::rng::Drbg;
use crate::envelope::secret::Secret;
use crate::{Error, Result};

const TAG_BITS: u32 = 128;

/// A raw AES-GCM wrapping key with its namespace and name.
pub struct RawAesKeyring {
    namespace: String,
    name: String,
    wrapping_key: Secret,
}

impl RawAesKeyring {
    /// A keyring for a 16-, 24- or 32-byte wrapping key.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for another key length, an empty or reserved namespace.
    pub fn new(namespace: String, name: String, wrapping_key: Secret) -> Result<Self> {
        if !matches!(wrapping_key.len(), 16 | 24 | 32) {
            return Err(Error::InvalidArgument(
                "an AES wrapping key is 16, 24 or 32 bytes",
            ));
        }
        if namespace.is_empty() || namespace.starts_with("aws-kms") {
            return Err(Error::InvalidArgument(
                "the key namespace must be non-empty and not start with aws-kms",
            ));
        }
        if namespace.len() > usize::from(u16::MAX)
            || name.len() > usize::from(u16::MAX) - 8 - IV_LEN
        {
            return Err(Error::InvalidArgument("key namespace or name too long"));
        }
        Ok(Self {
            namespace,
            name,
            wrapping_key,
        })
    }

    fn info(&self, iv: &[u8; IV_LEN]) -> Vec<u8> {
        let mut info = Vec::with_capacity(self.name.len() + 8 + IV_LEN);
        info.extend_from_slice(self.name.as_bytes());
        info.extend_from_slice(&TAG_BITS.to_be_bytes());
        info.extend_from_slice(&u32::try_from(IV_LEN).unwrap_or(12).to_be_bytes());
        info.extend_from_slice(iv);
        info
    }
}

impl LocalKeyring for RawAesKeyring {
    fn wrap(
        &self,
        data_key: &Secret,
        serialized_context: &[u8],
        rng: &mut Drbg,
    ) -> Result<EncryptedDataKey> {
        let iv: [u8; IV_LEN] = rng.bytes();
        let mut ct = data_key.expose_secret().to_vec();
        let tag = gcm::seal(
            self.wrapping_key.expose_secret(),
            &iv,
            serialized_context,
            &mut ct,
        )?;
        ct.extend_from_slice(&tag);
        Ok(EncryptedDataKey {
            provider_id: self.namespace.clone(),
            provider_info: self.info(&iv),
            ciphertext: ct,
        })
    }

    fn unwrap(
        &self,
        edk: &EncryptedDataKey,
        serialized_context: &[u8],
        data_key_len: usize,
        _rng: &mut Drbg,
    ) -> Result<Option<Secret>> {
        if edk.provider_id != self.namespace {
            return Ok(None);
        }
        let Some(rest) = edk.provider_info.strip_prefix(self.name.as_bytes()) else {
            return Ok(None);
        };
        let Some((params, iv)) = rest.split_at_checked(8) else {
            return Ok(None);
        };
        if params != [&TAG_BITS.to_be_bytes()[..], &12u32.to_be_bytes()[..]].concat() {
            return Ok(None);
        }
        let Ok(iv) = <[u8; IV_LEN]>::try_from(iv) else {
            return Ok(None);
        };
        if edk.ciphertext.len() != data_key_len + TAG_LEN {
            return Ok(None);
        }
        let (ct, tag) = edk.ciphertext.split_at(data_key_len);
        let mut key = Secret::new(ct.to_vec());
        match gcm::open(
            self.wrapping_key.expose_secret(),
            &iv,
            serialized_context,
            key.expose_secret_mut(),
            tag,
        ) {
            Ok(()) => Ok(Some(key)),
            Err(_) => Ok(None),
        }
    }
}
