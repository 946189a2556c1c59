//! AES-GCM (12-byte IV, 16-byte tag) for 128-, 192- and 256-bit keys.
//!
//! `aes-gcm` checks the tag in constant time before applying the keystream,
//! so a failed `open` leaves only ciphertext in the buffer.

use aes_gcm::aead::AeadInOut;
use aes_gcm::aead::consts::U12;
use aes_gcm::aes::Aes192;
use aes_gcm::{Aes128Gcm, Aes256Gcm, AesGcm, KeyInit};

use crate::{Error, Result};

type Aes192Gcm = AesGcm<Aes192, U12>;

/// IV length of every ESDK suite.
pub const IV_LEN: usize = 12;
/// Tag length of every ESDK suite.
pub const TAG_LEN: usize = 16;

enum Cipher {
    A128(Aes128Gcm),
    A192(Aes192Gcm),
    A256(Aes256Gcm),
}

fn cipher(key: &[u8]) -> Result<Cipher> {
    let bad = |_| Error::InvalidArgument("AES keys are 16, 24 or 32 bytes");
    Ok(match key.len() {
        16 => Cipher::A128(Aes128Gcm::new_from_slice(key).map_err(bad)?),
        24 => Cipher::A192(Aes192Gcm::new_from_slice(key).map_err(bad)?),
        32 => Cipher::A256(Aes256Gcm::new_from_slice(key).map_err(bad)?),
        _ => return Err(Error::InvalidArgument("AES keys are 16, 24 or 32 bytes")),
    })
}

/// Encrypts `buf` in place and returns the tag.
///
/// # Errors
/// `INVALID_ARGUMENT` for a key of the wrong size; `LIMIT_EXCEEDED` for a
/// plaintext beyond what GCM allows.
pub fn seal(key: &[u8], iv: &[u8; IV_LEN], aad: &[u8], buf: &mut [u8]) -> Result<[u8; TAG_LEN]> {
    let nonce = (*iv).into();
    let too_long = |_| Error::LimitExceeded("too much data for one AES-GCM call");
    let tag = match cipher(key)? {
        Cipher::A128(c) => c.encrypt_inout_detached(&nonce, aad, buf.into()),
        Cipher::A192(c) => c.encrypt_inout_detached(&nonce, aad, buf.into()),
        Cipher::A256(c) => c.encrypt_inout_detached(&nonce, aad, buf.into()),
    };
    tag.map(Into::into).map_err(too_long)
}

/// Verifies `tag` and, only if it verifies, decrypts `buf` in place.
///
/// # Errors
/// `TAMPERED` if the tag does not verify (the buffer is left encrypted).
pub fn open(key: &[u8], iv: &[u8; IV_LEN], aad: &[u8], buf: &mut [u8], tag: &[u8]) -> Result<()> {
    let nonce = (*iv).into();
    let tag: [u8; TAG_LEN] = tag.try_into().map_err(|_| Error::Tampered)?;
    let tag = tag.into();
    match cipher(key)? {
        Cipher::A128(c) => c.decrypt_inout_detached(&nonce, aad, buf.into(), &tag),
        Cipher::A192(c) => c.decrypt_inout_detached(&nonce, aad, buf.into(), &tag),
        Cipher::A256(c) => c.decrypt_inout_detached(&nonce, aad, buf.into(), &tag),
    }
    .map_err(|_| Error::Tampered)
}
