//! `CoreCache`: the data-key cache of one `EnvelopeClient` (`envelope-full` only).

use super::opener::CoreOpener;
use super::sealer::CoreSealer;
use super::{JsResult, context_from, js_error, js_frame_length, js_size, whole};
use crate::Error;
use crate::envelope::encrypt::Sealer;
use crate::envelope::secret::Secret;
use crate::envelope::suite::AlgorithmSuite;
use crate::keyring::cache::{CacheLimits, DataKeyCache};
use wasm_bindgen::prelude::*;
use zeroize::Zeroize;

/// The caller's context pairs, serialized as a cache key.
fn caller_context_bytes(keys: Vec<String>, values: Vec<String>) -> JsResult<Vec<u8>> {
    context_from(keys, values)?.serialize().map_err(js_error)
}

/// The data-key cache of one `EnvelopeClient` (see `keyring::cache`).
#[wasm_bindgen]
pub struct CoreCache {
    inner: DataKeyCache,
}

#[wasm_bindgen]
impl CoreCache {
    /// A cache with these limits (whole numbers).
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for limits that are not positive whole numbers.
    #[wasm_bindgen(constructor)]
    pub fn new(
        max_age_ms: f64,
        max_messages: f64,
        max_bytes: f64,
        capacity: f64,
    ) -> JsResult<CoreCache> {
        let limits = CacheLimits {
            max_age_ms: whole(max_age_ms, "cache.maxAgeMs must be a positive whole number")?,
            max_messages: whole(
                max_messages,
                "cache.maxMessages must be a positive whole number",
            )?,
            max_bytes: whole(max_bytes, "cache.maxBytes must be a positive whole number")?,
            capacity: js_size(capacity, "cache.capacity must be a positive whole number")?,
        };
        Ok(Self {
            inner: DataKeyCache::new(limits).map_err(js_error)?,
        })
    }

    /// A sealer reusing cached materials for `plaintext_len` more bytes, or `undefined`.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT`, `UNSUPPORTED_ALGORITHM`, `INVALID_ENCRYPTION_CONTEXT`.
    #[wasm_bindgen(js_name = sealerFromCache)]
    #[allow(clippy::too_many_arguments)]
    pub fn sealer_from_cache(
        &mut self,
        partition: &str,
        suite: &str,
        frame_length: f64,
        keys: Vec<String>,
        values: Vec<String>,
        plaintext_len: f64,
        now_ms: f64,
        entropy: &mut [u8],
    ) -> JsResult<Option<CoreSealer>> {
        let frame_length = match js_frame_length(frame_length) {
            Ok(f) => f,
            Err(e) => {
                entropy.zeroize();
                return Err(e);
            }
        };
        let suite = AlgorithmSuite::writable_by_name(suite).map_err(js_error)?;
        let id = DataKeyCache::encrypt_id(
            partition.as_bytes(),
            &suite,
            &caller_context_bytes(keys, values)?,
        );
        let len = whole(plaintext_len, "length")?;
        let now = whole(now_ms, "time")?;
        let r = self
            .inner
            .use_for_encrypt(&id, len, now)
            .map(|m| Sealer::from_cached(suite, frame_length, m, entropy));
        entropy.zeroize();
        Ok(r.transpose()
            .map_err(js_error)?
            .map(CoreSealer::from_sealer))
    }

    /// The public keys (`aws-crypto-public-key`) of the live entries whose
    /// signing key the shim holds: it keeps those and drops every other.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for a bad time.
    #[wasm_bindgen(js_name = liveSigners)]
    pub fn live_signers(&mut self, now_ms: f64) -> JsResult<Vec<String>> {
        Ok(self.inner.live_external_signers(whole(now_ms, "time")?))
    }

    /// Remembers the materials of a sealer whose data key is wrapped.
    ///
    /// # Errors
    /// `INVALID_STATE` if the sealer has no wrapped data key.
    #[wasm_bindgen(js_name = storeSealer)]
    #[allow(clippy::too_many_arguments)]
    pub fn store_sealer(
        &mut self,
        partition: &str,
        suite: &str,
        keys: Vec<String>,
        values: Vec<String>,
        sealer: &CoreSealer,
        plaintext_len: f64,
        now_ms: f64,
    ) -> JsResult<()> {
        let suite = AlgorithmSuite::writable_by_name(suite).map_err(js_error)?;
        let id = DataKeyCache::encrypt_id(
            partition.as_bytes(),
            &suite,
            &caller_context_bytes(keys, values)?,
        );
        let s = sealer
            .inner
            .as_ref()
            .ok_or_else(|| js_error(Error::InvalidState("this message was already sealed")))?;
        let m = s.materials_for_cache().map_err(js_error)?;
        self.inner.put_encrypt(
            id,
            m,
            whole(plaintext_len, "length")?,
            whole(now_ms, "time")?,
        );
        Ok(())
    }

    /// Gives `opener` a cached data key for its message; true on a hit.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for a bad time.
    #[wasm_bindgen(js_name = openerFromCache)]
    pub fn opener_from_cache(
        &mut self,
        partition: &str,
        opener: &mut CoreOpener,
        now_ms: f64,
    ) -> JsResult<bool> {
        let h = opener.inner.header();
        let id = DataKeyCache::decrypt_id(
            partition.as_bytes(),
            &h.suite,
            &h.encrypted_data_keys,
            opener.inner.serialized_context(),
        );
        let Some(key) = self.inner.get_decrypt(&id, whole(now_ms, "time")?) else {
            return Ok(false);
        };
        let key = Secret::copy_from(key.expose_secret());
        opener.inner.set_data_key(key).map_err(js_error)?;
        Ok(true)
    }

    /// Remembers the data key of an opener whose message opened.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for a bad time.
    #[wasm_bindgen(js_name = storeOpener)]
    pub fn store_opener(
        &mut self,
        partition: &str,
        opener: &CoreOpener,
        now_ms: f64,
    ) -> JsResult<()> {
        let h = opener.inner.header();
        let id = DataKeyCache::decrypt_id(
            partition.as_bytes(),
            &h.suite,
            &h.encrypted_data_keys,
            opener.inner.serialized_context(),
        );
        // The legacy suites without a KDF use the data key as the AES key itself:
        // the caching CMM MUST NOT cache those (`caching-cmm.md`).
        if h.suite.kdf == crate::envelope::suite::Kdf::Identity {
            return Ok(());
        }
        if let Some(key) = opener.inner.data_key_for_cache() {
            self.inner.put_decrypt(id, key, whole(now_ms, "time")?);
        }
        Ok(())
    }

    /// Drops and wipes every entry.
    pub fn clear(&mut self) {
        self.inner.clear();
    }
}
