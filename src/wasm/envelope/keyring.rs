//! `CoreKeyring`: a raw AES keyring held by the core, and the keyring calls
//! sealing and re-keying share.

use super::{JsResult, js_error, js_size, take_secret};
use crate::keyring::LocalKeyring;
use crate::keyring::raw_aes::RawAesKeyring;
use wasm_bindgen::prelude::*;

/// A local keyring held by the core: raw AES. (The RSA keyrings live in the
/// `rsa` module; the shim moves their data keys in and out through
/// `dataKeyForKmsEncrypt`/`addEncryptedDataKey` and `offerDataKey`.)
#[wasm_bindgen]
pub struct CoreKeyring {
    pub(super) inner: Box<dyn LocalKeyring>,
}

#[wasm_bindgen]
impl CoreKeyring {
    /// A raw AES keyring. `wrapping_key` is wiped (here and in the caller's buffer).
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for a key that is not 16, 24 or 32 bytes or a bad namespace.
    #[wasm_bindgen(js_name = rawAes)]
    pub fn raw_aes(
        namespace: String,
        name: String,
        wrapping_key: &mut [u8],
    ) -> JsResult<CoreKeyring> {
        let key = take_secret(wrapping_key);
        let k = RawAesKeyring::new(namespace, name, key).map_err(js_error)?;
        Ok(Self { inner: Box::new(k) })
    }
}

/// The keyring calls `CoreSealer` and `CoreResealer` share: a re-key wraps
/// its data key exactly as a new message does.
pub(super) mod sealer_calls {
    use super::{CoreKeyring, JsResult, js_error, js_size};
    use crate::Error;
    use crate::envelope::encrypt::Sealer;
    use crate::envelope::header::EncryptedDataKey;
    use js_sys::Uint8Array;

    pub(in crate::wasm::envelope) fn data_key_length(s: &Sealer) -> JsResult<u32> {
        u32::try_from(s.suite().data_key_len()).map_err(|_| js_error(Error::InvalidState("length")))
    }

    pub(in crate::wasm::envelope) fn set_max_encrypted_data_keys(
        s: &mut Sealer,
        max: f64,
    ) -> JsResult<()> {
        s.set_max_encrypted_data_keys(js_size(max, "maxEncryptedDataKeys")?);
        Ok(())
    }

    pub(in crate::wasm::envelope) fn wrap_with(
        s: &mut Sealer,
        keyring: &CoreKeyring,
    ) -> JsResult<()> {
        s.wrap_with(keyring.inner.as_ref()).map_err(js_error)
    }

    /// A copy of the data key in a new JS array (a KMS keyring's `Encrypt`, an
    /// RSA keyring of the `rsa` module); the shim wipes it when the call returns.
    ///
    /// The array is filled from a view of the core's copy, so no second copy is
    /// made in this module's heap. (An `out: &mut [u8]` parameter would be: the
    /// glue allocates one, the key is written into it, copied out to JS, and the
    /// allocation freed without being wiped, leaving the key in the free heap.)
    pub(in crate::wasm::envelope) fn data_key(s: &Sealer) -> JsResult<Uint8Array> {
        let key = s.data_key_for_kms_encrypt().map_err(js_error)?;
        Ok(Uint8Array::from(key.expose_secret()))
    }

    pub(in crate::wasm::envelope) fn add_encrypted_data_key(
        s: &mut Sealer,
        provider_id: String,
        provider_info: &[u8],
        ciphertext: &[u8],
    ) -> JsResult<()> {
        let edk = EncryptedDataKey {
            provider_id,
            provider_info: provider_info.to_vec(),
            ciphertext: ciphertext.to_vec(),
        };
        s.add_encrypted_data_key(edk).map_err(js_error)
    }
}
