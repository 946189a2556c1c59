//! Data key → data encryption key (and commitment key).
//!
//! Spec: `framework/algorithm-suites.md` § "Key Derivation" and
//! § "Key Commitment"; `client-apis/decrypt.md` (commitment is checked
//! before anything is decrypted).
//! - v1: HKDF(hash, salt = none, ikm = data key, info = suite id ‖ message id), L = key length.
//! - v2: HKDF-SHA512 with salt = message id: info = suite id ‖ "DERIVEKEY"
//!   gives the encryption key, info = "COMMITKEY" the 32-byte commitment.

use std::vec;

use hkdf::Hkdf;
use sha2::{Sha256, Sha384, Sha512};
use subtle::ConstantTimeEq;

use super::secret::Secret;
use super::suite::{AlgorithmSuite, Kdf};
use crate::{Error, Result};

/// Length of the key commitment in v2 headers.
pub const COMMITMENT_LEN: usize = 32;

/// Keys derived for one message.
pub struct DerivedKeys {
    /// The AES-GCM key for the header tag and every frame.
    pub encryption_key: Secret,
    /// The key commitment (committing suites only).
    pub commitment: Option<[u8; COMMITMENT_LEN]>,
}

/// Derives the message keys from `data_key`.
///
/// # Errors
/// `INVALID_DATA_KEY` if the data key has the wrong length for the suite.
pub fn derive(suite: &AlgorithmSuite, data_key: &Secret, message_id: &[u8]) -> Result<DerivedKeys> {
    if data_key.len() != suite.data_key_len() {
        return Err(Error::InvalidDataKey(
            "the data key has the wrong length for the algorithm suite",
        ));
    }
    let ikm = data_key.expose_secret();
    let id = suite.id.to_be_bytes();
    let mut key = Secret::new(vec![0u8; suite.key_len]);
    let mut commitment = None;
    let out = key_mut(&mut key);
    match suite.kdf {
        Kdf::Identity => out.copy_from_slice(ikm),
        Kdf::HkdfSha256 => Hkdf::<Sha256>::new(None, ikm)
            .expand_multi_info(&[&id, message_id], out)
            .map_err(len_err)?,
        Kdf::HkdfSha384 => Hkdf::<Sha384>::new(None, ikm)
            .expand_multi_info(&[&id, message_id], out)
            .map_err(len_err)?,
        Kdf::HkdfSha512 => {
            let hk = Hkdf::<Sha512>::new(Some(message_id), ikm);
            hk.expand_multi_info(&[&id, b"DERIVEKEY"], out)
                .map_err(len_err)?;
            let mut c = [0u8; COMMITMENT_LEN];
            hk.expand(b"COMMITKEY", &mut c).map_err(len_err)?;
            commitment = Some(c);
        }
    }
    Ok(DerivedKeys {
        encryption_key: key,
        commitment,
    })
}

fn key_mut(s: &mut Secret) -> &mut [u8] {
    s.expose_secret_mut()
}

fn len_err(_: hkdf::InvalidLength) -> Error {
    Error::InvalidArgument("HKDF output too long")
}

/// Compares the header's commitment to the derived one in constant time.
///
/// # Errors
/// `TAMPERED` if they differ.
pub fn check_commitment(derived: &[u8; COMMITMENT_LEN], in_header: &[u8]) -> Result<()> {
    if in_header.len() == COMMITMENT_LEN && bool::from(derived.ct_eq(in_header)) {
        Ok(())
    } else {
        Err(Error::Tampered)
    }
}
