//! `CoreResealer`: re-keying a message, whole or as a stream (`envelope-full` only).

use super::keyring::{CoreKeyring, sealer_calls};
use super::opener::CoreOpener;
use super::{
    JsResult, context_to_js, footer_check_to_js, frame_descs_to_js, js_error, js_usize,
    message_len, message_reader,
};
use crate::Error;
use js_sys::{Array, Object, Uint8Array};
use wasm_bindgen::prelude::*;
use zeroize::Zeroize;

/// Re-keying a message (see `envelope::reencrypt`): made by `CoreOpener.reseal`
/// (wasm engine) or `CoreOpener.resealNative` (WebCrypto verified the
/// original). The shim wraps the data key with the new keyrings exactly as for
/// a `CoreSealer`, then calls `finish` (wasm) or `header` and, for a signed
/// suite, `footerForDigest` (native).
#[wasm_bindgen]
pub struct CoreResealer {
    inner: Option<crate::envelope::reencrypt::Resealer>,
    /// The new message's footer is to be made (`footer`), from an external signer's `r ‖ s`.
    footer_due: bool,
    /// `finish`/`finishStream` of a signed suite: the digest for the `ecdsa` module to sign.
    digest: Option<Vec<u8>>,
    body_start: usize,
    body_end: usize,
    stream: Option<crate::envelope::reencrypt::RekeyStream>,
}

impl CoreResealer {
    fn get(&mut self) -> JsResult<&mut crate::envelope::reencrypt::Resealer> {
        self.inner
            .as_mut()
            .ok_or_else(|| js_error(Error::InvalidState("this message was already re-keyed")))
    }

    fn take(&mut self) -> JsResult<crate::envelope::reencrypt::Resealer> {
        self.inner
            .take()
            .ok_or_else(|| js_error(Error::InvalidState("this message was already re-keyed")))
    }
}

#[wasm_bindgen]
impl CoreOpener {
    /// Whether this message can be re-keyed, from its header alone (before any keyring runs).
    ///
    /// # Errors
    /// `UNSUPPORTED_ALGORITHM` for version 1, non-committing or non-framed messages.
    #[wasm_bindgen(js_name = checkRekeyable)]
    pub fn check_rekeyable(&self) -> JsResult<()> {
        crate::envelope::reencrypt::rekeyable(self.inner.header())
            .map(|_| ())
            .map_err(js_error)
    }

    /// Re-keying in the wasm engine: authenticates the whole of `message` (the
    /// message this opener's header came from) as `open` does, wiping the
    /// plaintext, and keeps its frames for the re-keyed message.
    ///
    /// # Errors
    /// `UNSUPPORTED_ALGORITHM` for a message that cannot be re-keyed (version 1,
    /// non-committing, non-framed); `NO_DECRYPTABLE_DATA_KEY`, `TAMPERED`,
    /// `MALFORMED_MESSAGE`, `LIMIT_EXCEEDED`.
    pub fn reseal(
        &self,
        message: Vec<u8>,
        entropy: &mut [u8],
        signer_public: Option<Vec<u8>>,
    ) -> JsResult<CoreResealer> {
        let start = self.inner.header().len;
        let r = crate::envelope::reencrypt::Resealer::verify_external(
            &self.inner,
            message,
            entropy,
            signer_public.as_deref(),
        );
        entropy.zeroize();
        Ok(CoreResealer {
            inner: Some(r.map_err(js_error)?),
            footer_due: false,
            digest: None,
            body_start: start,
            body_end: start,
            stream: None,
        })
    }

    /// Re-keying with WebCrypto: after `planNative(message)` and after the shim
    /// verified every frame tag and the footer signature of `message` (the
    /// shim's private copy, which it keeps unchanged). Checks the commitment and
    /// header tag again and reads where the frames end; `bodyStart`/`bodyEnd` of
    /// the result say which bytes of `message` follow the new header.
    ///
    /// # Errors
    /// As `reseal`, without the body checks.
    #[wasm_bindgen(js_name = resealNative)]
    pub fn reseal_native(
        &self,
        message: &Uint8Array,
        entropy: &mut [u8],
        signer_public: Option<Vec<u8>>,
    ) -> JsResult<CoreResealer> {
        let r = self.reseal_native_inner(message, entropy, signer_public.as_deref());
        entropy.zeroize();
        r
    }

    fn reseal_native_inner(
        &self,
        message: &Uint8Array,
        entropy: &[u8],
        signer_public: Option<&[u8]>,
    ) -> JsResult<CoreResealer> {
        let len = message_len(message, "a message of 4 GiB or more")?;
        let mut read = message_reader(
            message,
            len,
            "the message was detached or resized during reEncrypt",
        );
        let resealer = crate::envelope::reencrypt::Resealer::after_external_verification(
            &self.inner,
            entropy,
            signer_public,
        )
        .map_err(js_error)?;
        let (_, _, sig) = self
            .inner
            .plan_external_signature(len, &mut read)
            .map_err(js_error)?;
        Ok(CoreResealer {
            inner: Some(resealer),
            footer_due: false,
            digest: None,
            body_start: self.inner.header().len,
            body_end: sig.map_or(len, |s| s.signed_len),
            stream: None,
        })
    }

    /// Re-keying a stream: checks the commitment and header tag of the header this
    /// opener parsed (the data key found); the shim wraps the data key with the new
    /// keyrings, then calls `startStream(opener)`, `update` and `finishStream`.
    ///
    /// # Errors
    /// `UNSUPPORTED_ALGORITHM`, `NO_DECRYPTABLE_DATA_KEY`, `KEYRING_CANNOT_DECRYPT`, `TAMPERED`.
    #[wasm_bindgen(js_name = resealStream)]
    pub fn reseal_stream(
        &self,
        entropy: &mut [u8],
        signer_public: Option<Vec<u8>>,
    ) -> JsResult<CoreResealer> {
        let r = crate::envelope::reencrypt::Resealer::after_external_verification(
            &self.inner,
            entropy,
            signer_public.as_deref(),
        );
        entropy.zeroize();
        let start = self.inner.header().len;
        Ok(CoreResealer {
            inner: Some(r.map_err(js_error)?),
            footer_due: false,
            digest: None,
            body_start: start,
            body_end: usize::MAX, // neither `finish` nor `header`: a stream
            stream: None,
        })
    }
}

#[wasm_bindgen]
impl CoreResealer {
    /// The new message's context (the original's; for a signed suite with the new public key).
    ///
    /// # Errors
    /// `INVALID_STATE` after `finish`/`header`.
    #[wasm_bindgen(js_name = encryptionContext)]
    pub fn encryption_context(&mut self) -> JsResult<Object> {
        Ok(context_to_js(self.get()?.sealer().encryption_context()))
    }

    /// Bytes of data key (for a KMS keyring's `Encrypt`).
    ///
    /// # Errors
    /// `INVALID_STATE` after `finish`/`header`.
    #[wasm_bindgen(js_name = dataKeyLength)]
    pub fn data_key_length(&mut self) -> JsResult<u32> {
        sealer_calls::data_key_length(self.get()?.sealer())
    }

    /// Refuses to write more than `max` encrypted data keys (`TOO_MANY_ENCRYPTED_DATA_KEYS`).
    ///
    /// # Errors
    /// `INVALID_STATE` after `finish`/`header`.
    #[wasm_bindgen(js_name = setMaxEncryptedDataKeys)]
    pub fn set_max_encrypted_data_keys(&mut self, max: f64) -> JsResult<()> {
        sealer_calls::set_max_encrypted_data_keys(self.get()?.sealer_mut().map_err(js_error)?, max)
    }

    /// Wraps the data key with a local keyring.
    ///
    /// # Errors
    /// Whatever the keyring fails with.
    #[wasm_bindgen(js_name = wrapWith)]
    pub fn wrap_with(&mut self, keyring: &CoreKeyring) -> JsResult<()> {
        sealer_calls::wrap_with(self.get()?.sealer_mut().map_err(js_error)?, keyring)
    }

    /// The plaintext data key, for a KMS keyring's `Encrypt` or an RSA keyring;
    /// the shim wipes the array as soon as that call returns.
    ///
    /// # Errors
    /// `INVALID_STATE`.
    #[wasm_bindgen(js_name = dataKeyForKmsEncrypt)]
    pub fn data_key_for_kms_encrypt(&mut self) -> JsResult<Uint8Array> {
        sealer_calls::data_key(self.get()?.sealer())
    }

    /// The serialized (canonical) encryption context of the new header, which keyrings bind.
    ///
    /// # Errors
    /// `INVALID_STATE` once spent.
    #[wasm_bindgen(js_name = serializedContext)]
    pub fn serialized_context(&mut self) -> JsResult<Uint8Array> {
        Ok(Uint8Array::from(self.get()?.sealer().serialized_context()))
    }

    /// Adds a KMS `Encrypt` answer.
    ///
    /// # Errors
    /// `INVALID_DATA_KEY`, `LIMIT_EXCEEDED`, `INVALID_STATE`.
    #[wasm_bindgen(js_name = addEncryptedDataKey)]
    pub fn add_encrypted_data_key(
        &mut self,
        provider_id: String,
        provider_info: &[u8],
        ciphertext: &[u8],
    ) -> JsResult<()> {
        sealer_calls::add_encrypted_data_key(
            self.get()?.sealer_mut().map_err(js_error)?,
            provider_id,
            provider_info,
            ciphertext,
        )
    }

    /// Starts a re-keying stream (made by `CoreOpener.resealStream`; `opener` is
    /// that opener): returns the new header. Then `update` with the original's
    /// body as it arrives, and `finishStream`.
    ///
    /// # Errors
    /// `INVALID_STATE` without an encrypted data key, or not made for a stream;
    /// `TOO_MANY_ENCRYPTED_DATA_KEYS`; `TAMPERED`.
    #[wasm_bindgen(js_name = startStream)]
    pub fn start_stream(&mut self, opener: &CoreOpener) -> JsResult<Vec<u8>> {
        if self.body_end != usize::MAX {
            return Err(js_error(Error::InvalidState("not a re-keying stream")));
        }
        let (header, stream) = self
            .take()?
            .into_stream_with_verdict_outside(&opener.inner, false)
            .map_err(js_error)?;
        self.stream = Some(stream);
        Ok(header)
    }

    /// Starts a re-keying stream whose frames WebCrypto verifies (see `startStream`):
    /// returns the new header; then `nativeKey`, and per chunk `planUpdate`, the
    /// shim's verification of every frame it returned, and `releaseVerified`.
    ///
    /// # Errors
    /// As `startStream`.
    #[wasm_bindgen(js_name = startNativeStream)]
    pub fn start_native_stream(&mut self, opener: &CoreOpener) -> JsResult<Vec<u8>> {
        if self.body_end != usize::MAX {
            return Err(js_error(Error::InvalidState("not a re-keying stream")));
        }
        let (header, stream) = self
            .take()?
            .into_stream_with_verdict_outside(&opener.inner, true)
            .map_err(js_error)?;
        self.stream = Some(stream);
        Ok(header)
    }

    fn stream_mut(&mut self) -> JsResult<&mut crate::envelope::reencrypt::RekeyStream> {
        self.stream
            .as_mut()
            .ok_or_else(|| js_error(Error::InvalidState("call startStream() first")))
    }

    /// The message key for WebCrypto (the shim imports it, then wipes it).
    ///
    /// # Errors
    /// `INVALID_STATE` before `startNativeStream`.
    #[wasm_bindgen(js_name = nativeKey)]
    pub fn native_key(&mut self) -> JsResult<Uint8Array> {
        Ok(Uint8Array::from(
            self.stream_mut()?.native_key().expose_secret(),
        ))
    }

    /// Takes more of the original's body; returns the frames it completed as
    /// `[{ iv, aad, data }]` (`data` = ciphertext ‖ tag) for WebCrypto to verify.
    ///
    /// # Errors
    /// `TAMPERED` (footer), `MALFORMED_MESSAGE`, `LIMIT_EXCEEDED`, `INVALID_STATE`.
    #[wasm_bindgen(js_name = planUpdate)]
    pub fn plan_update(&mut self, bytes: &[u8]) -> JsResult<Array> {
        let s = self.stream_mut()?;
        let descs = s.plan_update(bytes).map_err(js_error)?;
        Ok(frame_descs_to_js(&descs, s.message_id()))
    }

    /// The original's footer to verify: after `reseal` (whole message), or
    /// once a stream's original is all in (see `footer_check_to_js`); once.
    /// `undefined` for an unsigned original.
    #[wasm_bindgen(js_name = footerCheck)]
    pub fn footer_check(&mut self) -> Option<Object> {
        let c = match (self.inner.as_mut(), self.stream.as_mut()) {
            (Some(r), _) => r.take_footer_check(),
            (None, Some(s)) => s.take_footer_check(),
            (None, None) => None,
        }?;
        Some(footer_check_to_js(&c))
    }

    /// The verdict on the original's footer: `true` only if its signature
    /// verified. Nothing is wrapped or written before it; anything but `true`
    /// is `TAMPERED` and spends the re-key. Returns the original's final frame
    /// as `[{ iv, aad, data }]` for a stream whose frames WebCrypto verifies
    /// (`startNativeStream`): the shim verifies it as every other frame, then
    /// calls `releaseVerified`, and `finishStream` refuses before. Empty otherwise.
    ///
    /// # Errors
    /// `TAMPERED`; `INVALID_STATE` if no footer waits for a verdict.
    #[wasm_bindgen(js_name = footerVerdict)]
    pub fn footer_verdict(&mut self, verified: bool) -> JsResult<Array> {
        let r = match (self.inner.as_mut(), self.stream.as_mut()) {
            (Some(r), _) => r.footer_verdict(verified).map(|()| None),
            (None, Some(s)) => s.footer_verdict(verified),
            (None, None) => Err(Error::InvalidState("no footer waits for a verdict")),
        };
        match r {
            Ok(desc) => {
                let id = self.stream.as_ref().map_or(&[][..], |s| s.message_id());
                Ok(frame_descs_to_js(desc.as_slice(), id))
            }
            Err(e) => {
                self.inner = None;
                self.stream = None;
                Err(js_error(e))
            }
        }
    }

    /// After WebCrypto verified every frame `planUpdate` returned: the frames to
    /// write out (never the final frame, which `finishStream` returns).
    ///
    /// # Errors
    /// `INVALID_STATE`.
    #[wasm_bindgen(js_name = releaseVerified)]
    pub fn release_verified(&mut self) -> JsResult<Vec<u8>> {
        self.stream_mut()?.release_verified().map_err(js_error)
    }

    /// Takes more of the original's body; returns the frames that verified (never the final frame).
    ///
    /// # Errors
    /// `TAMPERED`, `MALFORMED_MESSAGE`, `LIMIT_EXCEEDED`; `INVALID_STATE` before `startStream`.
    pub fn update(&mut self, bytes: &[u8]) -> JsResult<Vec<u8>> {
        self.stream
            .as_mut()
            .ok_or_else(|| js_error(Error::InvalidState("call startStream() first")))?
            .update(bytes)
            .map_err(js_error)
    }

    /// Ends the stream: checks that the original ended exactly (and its footer
    /// signature); returns the final frame and, for a signed suite, the new footer.
    ///
    /// # Errors
    /// `MALFORMED_MESSAGE` for a truncated original; `INVALID_STATE` before `startStream`.
    #[wasm_bindgen(js_name = finishStream)]
    pub fn finish_stream(&mut self) -> JsResult<Vec<u8>> {
        let s = self
            .stream
            .as_mut()
            .ok_or_else(|| js_error(Error::InvalidState("call startStream() first")))?;
        let out = s.finish().map_err(js_error)?;
        self.digest = s.footer_digest().map(<[u8]>::to_vec);
        self.footer_due = self.digest.is_some();
        Ok(out)
    }

    /// The re-keyed message (wasm engine, made by `reseal`). Spent afterwards.
    ///
    /// # Errors
    /// `INVALID_STATE` without an encrypted data key, or for a native re-key;
    /// `TOO_MANY_ENCRYPTED_DATA_KEYS`.
    pub fn finish(&mut self) -> JsResult<Vec<u8>> {
        if self.body_end != self.body_start {
            return Err(js_error(Error::InvalidState(
                "a native re-key: use header()",
            )));
        }
        let (out, digest) = self
            .take()?
            .finish_for_external_signer()
            .map_err(js_error)?;
        self.footer_due = digest.is_some();
        self.digest = digest;
        Ok(out)
    }

    /// The new header (native re-key, made by `resealNative`): the shim writes it,
    /// then `message[bodyStart .. bodyEnd]` of the copy it verified, then for a
    /// signed suite the footer from `footerForDigest`.
    ///
    /// # Errors
    /// As `finish`.
    pub fn header(&mut self) -> JsResult<Vec<u8>> {
        let (header, signer) = self.take()?.into_header().map_err(js_error)?;
        if signer.as_ref().is_some_and(|s| !s.is_external()) {
            return Err(js_error(Error::InvalidState("the signer is not external")));
        }
        self.footer_due = signer.is_some();
        Ok(header)
    }

    /// Where the original's frames start in the message (native re-key).
    #[wasm_bindgen(getter, js_name = bodyStart)]
    #[must_use]
    pub fn body_start(&self) -> f64 {
        js_usize(self.body_start).as_f64().unwrap_or(f64::NAN)
    }

    /// Where they end (the footer, if any, starts).
    #[wasm_bindgen(getter, js_name = bodyEnd)]
    #[must_use]
    pub fn body_end(&self) -> f64 {
        js_usize(self.body_end).as_f64().unwrap_or(f64::NAN)
    }

    /// Whether the new message needs a footer (`footer`).
    #[must_use]
    pub fn signed(&self) -> bool {
        self.footer_due
            || self
                .inner
                .as_ref()
                .is_some_and(|r| r.sealer().suite().is_signed())
    }

    /// After `finish`/`finishStream` of a signed suite: the SHA-384 digest of
    /// the new header ‖ frames for the `ecdsa` module to sign.
    #[wasm_bindgen(js_name = footerDigest)]
    #[must_use]
    pub fn footer_digest(&self) -> Option<Uint8Array> {
        self.digest.as_deref().map(Uint8Array::from)
    }

    /// The new footer from the signer's `r ‖ s` (96 bytes) over the new
    /// header ‖ frames (`finish`'s output, `header()` and the frames, or the
    /// stream's). Once.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for a bad signature; `INVALID_STATE` if no footer is due.
    pub fn footer(&mut self, rs: &[u8]) -> JsResult<Vec<u8>> {
        if !core::mem::take(&mut self.footer_due) {
            return Err(js_error(Error::InvalidState("no footer to sign")));
        }
        self.digest = None;
        crate::envelope::footer::encode(rs).map_err(js_error)
    }
}

// ---------------------------------------------------------------------------
// keyTransport 'hpke': data keys sealed to the client (keyring::hpke).
