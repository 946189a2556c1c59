//! P-384 message signing keys for envelope footers that WebCrypto cannot
//! sign: streams (the footer signs a SHA-384 digest computed as the message
//! was written, and WebCrypto signs only whole messages) and runtimes without
//! `crypto.subtle` or with `engine: 'wasm'`. The key never leaves this module;
//! it is wiped when the handle is freed (`p384::ecdsa::SigningKey` zeroizes
//! its scalar on drop).

use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use zeroize::Zeroize;

use super::super::js_error;
use crate::envelope::footer::MessageSigner;
use crate::envelope::rng::Drbg;

/// An ephemeral P-384 signing key (one message, or one data-key cache entry).
#[wasm_bindgen]
pub struct EcdsaP384Key {
    inner: MessageSigner,
}

#[wasm_bindgen]
impl EcdsaP384Key {
    /// A fresh key from 64 bytes of `entropy` (wiped here and in the caller's buffer).
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for entropy of the wrong length.
    #[wasm_bindgen(constructor)]
    pub fn new(entropy: &mut [u8]) -> Result<EcdsaP384Key, JsValue> {
        let rng = Drbg::new(entropy);
        entropy.zeroize();
        let mut rng = rng.map_err(js_error)?;
        Ok(Self {
            inner: MessageSigner::generate(&mut rng),
        })
    }

    /// The compressed public point (49 bytes).
    #[wasm_bindgen(js_name = publicKey)]
    #[must_use]
    pub fn public_key(&self) -> Uint8Array {
        Uint8Array::from(&self.inner.public_key()[..])
    }

    /// Signs a SHA-384 digest; returns `r ‖ s` (96 bytes).
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` unless `digest` is 48 bytes.
    #[wasm_bindgen(js_name = signDigest)]
    pub fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, JsValue> {
        self.inner.sign_digest(digest).map_err(js_error)
    }
}
