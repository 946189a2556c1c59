//! `CoreHpkeRecipient`: data keys sealed to the client by the broker
//! (`keyTransport: 'hpke'`; `envelope-full` only).

use super::opener::CoreOpener;
use super::sealer::CoreSealer;
use super::{JsResult, js_error};
use crate::Error;
use crate::envelope::header::EncryptedDataKey;
use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use zeroize::{Zeroize, Zeroizing};

/// One broker request's HPKE recipient in the core: the public key and nonce
/// to send. The key pair is made and kept outside the core (a non-extractable
/// WebCrypto key, or the `ecdsa` module's `EcdsaHpkeKeyPair`), which hands
/// the core only `DH(skR, enc)`. Spent by the first `setSealedDataKey` it is
/// given to, whatever the outcome.
#[wasm_bindgen]
pub struct CoreHpkeRecipient {
    inner: Option<crate::keyring::hpke::HpkeRecipient>,
    public_key: Vec<u8>,
    nonce: Vec<u8>,
}

#[wasm_bindgen]
impl CoreHpkeRecipient {
    /// The recipient of a P-256 public key (uncompressed, 65 bytes) made
    /// outside the core, with a request nonce of 16 bytes from
    /// `crypto.getRandomValues`.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for a key or nonce of the wrong form.
    #[wasm_bindgen(constructor)]
    pub fn new(public_key: &[u8], nonce: &[u8]) -> JsResult<CoreHpkeRecipient> {
        let r = crate::keyring::hpke::HpkeRecipient::new(public_key, nonce).map_err(js_error)?;
        Ok(Self {
            public_key: r.public_key().to_vec(),
            nonce: r.nonce().to_vec(),
            inner: Some(r),
        })
    }

    /// The public key for the request (uncompressed P-256 point, 65 bytes).
    #[wasm_bindgen(js_name = publicKey)]
    #[must_use]
    pub fn public_key(&self) -> Uint8Array {
        Uint8Array::from(&self.public_key[..])
    }

    /// The request nonce (16 bytes).
    #[must_use]
    pub fn nonce(&self) -> Uint8Array {
        Uint8Array::from(&self.nonce[..])
    }

    /// The suite name sent as `recipient.keyEncryptionAlgorithm`.
    #[must_use]
    pub fn algorithm(&self) -> String {
        crate::keyring::hpke::ALGORITHM.to_string()
    }
}

/// The DH output handed in by JS, moved into a copy that zeroizes on drop;
/// the glue copies the wiped buffer back, so the caller's array is zeros too.
fn take_dh(dh: &mut [u8]) -> Zeroizing<Vec<u8>> {
    let out = Zeroizing::new(dh.to_vec());
    dh.zeroize();
    out
}

impl CoreHpkeRecipient {
    fn take(&mut self) -> JsResult<crate::keyring::hpke::HpkeRecipient> {
        self.inner
            .take()
            .ok_or_else(|| js_error(Error::InvalidState("this HPKE recipient was already used")))
    }
}

#[wasm_bindgen]
impl CoreSealer {
    /// Takes a `GenerateDataKey` answer sealed to `recipient` (keyTransport
    /// 'hpke'): opens `sealed` (enc ‖ ciphertext) for this request — the key
    /// id asked for, the ARN answered, this message's encryption context, the
    /// suite's data key length and the answer's `ciphertextBlob` — straight
    /// into the session, given `dh = DH(skR, enc)` (32 bytes, wiped here and
    /// in the caller's array). The data key never reaches JS.
    ///
    /// # Errors
    /// `INVALID_DATA_KEY` if it does not open for this request and recipient;
    /// `INVALID_STATE` for a spent recipient or session.
    #[wasm_bindgen(js_name = setSealedDataKey)]
    pub fn set_sealed_data_key(
        &mut self,
        recipient: &mut CoreHpkeRecipient,
        dh: &mut [u8],
        requested_key_id: &str,
        answered_key_id: &str,
        ciphertext_blob: &[u8],
        sealed: &[u8],
    ) -> JsResult<()> {
        let dh = take_dh(dh);
        let r = recipient.take()?;
        let sealer = self.get()?;
        let key = r
            .open(
                &dh[..],
                sealed,
                &crate::keyring::hpke::DataKeyRequest {
                    operation: "GenerateDataKey",
                    requested_key_id,
                    answered_key_id,
                    encryption_context: sealer.encryption_context(),
                    encryption_algorithm: "SYMMETRIC_DEFAULT",
                    data_key_len: sealer.suite().data_key_len(),
                    ciphertext_blob,
                },
            )
            .map_err(js_error)?;
        let edk = EncryptedDataKey {
            provider_id: crate::keyring::KMS_PROVIDER_ID.to_string(),
            provider_info: answered_key_id.as_bytes().to_vec(),
            ciphertext: ciphertext_blob.to_vec(),
        };
        sealer.set_data_key(key, edk).map_err(js_error)
    }
}

#[wasm_bindgen]
impl CoreOpener {
    /// Takes a `Decrypt` answer sealed to `recipient` (keyTransport 'hpke')
    /// for the encrypted data key `ciphertext_blob` recorded under
    /// `requested_key_id`, opened straight into the session, given
    /// `dh = DH(skR, enc)` (32 bytes, wiped here and in the caller's array).
    ///
    /// # Errors
    /// `INVALID_DATA_KEY` if it does not open for this request and recipient;
    /// `INVALID_STATE` for a spent recipient.
    #[wasm_bindgen(js_name = setSealedDataKey)]
    pub fn set_sealed_data_key(
        &mut self,
        recipient: &mut CoreHpkeRecipient,
        dh: &mut [u8],
        requested_key_id: &str,
        answered_key_id: &str,
        ciphertext_blob: &[u8],
        sealed: &[u8],
    ) -> JsResult<()> {
        let dh = take_dh(dh);
        let r = recipient.take()?;
        let h = self.inner.header();
        let key = r
            .open(
                &dh[..],
                sealed,
                &crate::keyring::hpke::DataKeyRequest {
                    operation: "Decrypt",
                    requested_key_id,
                    answered_key_id,
                    encryption_context: &h.encryption_context,
                    encryption_algorithm: "SYMMETRIC_DEFAULT",
                    data_key_len: h.suite.data_key_len(),
                    ciphertext_blob,
                },
            )
            .map_err(js_error)?;
        self.inner.set_data_key(key).map_err(js_error)
    }
}
