//! The RSA keyrings (`RawRsaKeyring`, `KmsRsaPublicKeyring`) for the
//! `envelope` module, which no longer carries RSA arithmetic: the shim copies
//! the data key out of the envelope core (`dataKeyForKmsEncrypt`), has it
//! wrapped here and hands the encrypted data key back (`addEncryptedDataKey`);
//! to open, it has each encrypted data key unwrapped here and offers the result
//! to the envelope core (`offerDataKey`), which takes it only if the header
//! authenticates under it. Every data key that crosses is wiped by the shim as
//! soon as the call returns, and here on the way in (SECURITY.md).
//!
//! The decisions stay the keyrings' own (`crate::keyring::{raw_rsa, kms_rsa}`),
//! through the same `LocalKeyring` trait the envelope core uses for raw AES.

use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use zeroize::Zeroize;

use crate::envelope::header::EncryptedDataKey;
use crate::envelope::rng::Drbg;
use crate::envelope::secret::Secret;
use crate::keyring::LocalKeyring;
use crate::keyring::kms_rsa::KmsRsaPublicKeyring;
use crate::keyring::raw_rsa::{Padding, RawRsaKeyring};
use crate::wasm::js_error;
use crate::{Error, Result};

type JsResult<T> = core::result::Result<T, JsValue>;

/// Copies caller bytes into a zeroizing secret and wipes them.
fn take_secret(bytes: &mut [u8]) -> Secret {
    let s = Secret::copy_from(bytes);
    bytes.zeroize();
    s
}

/// A generator seeded with the caller's 64 bytes of entropy, which are wiped.
fn drbg(entropy: &mut [u8]) -> Result<Drbg> {
    let rng = Drbg::new(entropy);
    entropy.zeroize();
    rng
}

/// A key length from JS: a whole number that fits.
fn js_len(x: f64) -> JsResult<usize> {
    let bad = || {
        js_error(Error::InvalidArgument(
            "the data key length must be a whole number",
        ))
    };
    if !x.is_finite() || x < 0.0 || x.fract() != 0.0 || x > 1024.0 {
        return Err(bad());
    }
    // 0 ≤ x ≤ 1024 and whole: exact.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(x as usize)
}

/// An RSA keyring held by the `rsa` module.
#[wasm_bindgen]
pub struct RsaKeyring {
    inner: Box<dyn LocalKeyring>,
}

#[wasm_bindgen]
impl RsaKeyring {
    /// A raw RSA keyring from PEM text or DER bytes (empty = absent). The private key buffer is wiped.
    ///
    /// # Errors
    /// `UNSUPPORTED_ALGORITHM` for an unknown padding; key parse errors.
    #[wasm_bindgen(js_name = rawRsa)]
    pub fn raw_rsa(
        namespace: String,
        name: String,
        public_key: &[u8],
        private_key: &mut [u8],
        padding: &str,
    ) -> JsResult<RsaKeyring> {
        let private = take_secret(private_key);
        let padding = Padding::from_name(padding).map_err(js_error)?;
        let public = (!public_key.is_empty()).then_some(public_key);
        let private = (!private.is_empty()).then_some(private.expose_secret());
        let k = RawRsaKeyring::new(namespace, name, public, private, padding).map_err(js_error)?;
        Ok(Self { inner: Box::new(k) })
    }

    /// A KMS RSA public-key keyring (seal only; opening goes through KMS).
    ///
    /// # Errors
    /// `INVALID_KEY_IDENTIFIER`, key parse errors.
    #[wasm_bindgen(js_name = kmsRsaPublic)]
    pub fn kms_rsa_public(key_arn: String, public_key: &[u8]) -> JsResult<RsaKeyring> {
        let k = KmsRsaPublicKeyring::new(key_arn, public_key).map_err(js_error)?;
        Ok(Self { inner: Box::new(k) })
    }

    /// Whether the keyring holds a private key to unwrap with.
    #[wasm_bindgen(js_name = canDecrypt)]
    #[must_use]
    pub fn can_decrypt(&self) -> bool {
        self.inner.can_decrypt()
    }

    /// Wraps `data_key` (wiped), binding `serialized_context` where the scheme
    /// does (KMS RSA seals its SHA-384 digest). `entropy`: 64 random bytes, wiped.
    /// Returns `{ providerId, providerInfo, ciphertext }`.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` without a public key or with bad entropy; RSA errors.
    pub fn wrap(
        &self,
        data_key: &mut [u8],
        serialized_context: &[u8],
        entropy: &mut [u8],
    ) -> JsResult<Object> {
        let key = take_secret(data_key);
        let mut rng = drbg(entropy).map_err(js_error)?;
        let edk = self
            .inner
            .wrap(&key, serialized_context, &mut rng)
            .map_err(js_error)?;
        let o = Object::new();
        // Defining properties on a fresh plain object cannot fail.
        let _ = Reflect::set(&o, &"providerId".into(), &edk.provider_id.into());
        let _ = Reflect::set(
            &o,
            &"providerInfo".into(),
            &Uint8Array::from(&edk.provider_info[..]).into(),
        );
        let _ = Reflect::set(
            &o,
            &"ciphertext".into(),
            &Uint8Array::from(&edk.ciphertext[..]).into(),
        );
        Ok(o)
    }

    /// Unwraps one encrypted data key if it is this keyring's and decrypts to a
    /// key of `data_key_len` bytes; `undefined` otherwise (the shim tries the
    /// next). The caller wipes what it gets once the envelope core took it.
    ///
    /// # Errors
    /// `KEYRING_CANNOT_DECRYPT` without a private key; bad entropy.
    pub fn unwrap(
        &self,
        provider_id: String,
        provider_info: &[u8],
        ciphertext: &[u8],
        serialized_context: &[u8],
        data_key_len: f64,
        entropy: &mut [u8],
    ) -> JsResult<Option<Uint8Array>> {
        let len = js_len(data_key_len)?;
        let mut rng = drbg(entropy).map_err(js_error)?;
        let edk = EncryptedDataKey {
            provider_id,
            provider_info: provider_info.to_vec(),
            ciphertext: ciphertext.to_vec(),
        };
        let key = self
            .inner
            .unwrap(&edk, serialized_context, len, &mut rng)
            .map_err(js_error)?;
        // The glue copies the view into a JS-owned array during this call; the
        // `Secret` then wipes the core's copy when it drops.
        Ok(key.map(|k| Uint8Array::from(k.expose_secret())))
    }
}
