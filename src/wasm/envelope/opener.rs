//! `CoreOpener`: one message being opened (whole, streamed or natively), and
//! `CorePendingOpen`, the plaintext held until the footer's verdict.

use super::keyring::CoreKeyring;
use super::{
    JsResult, context_from, context_to_js, edk_to_js, footer_check_to_js, frame_descs_to_js,
    js_error, js_size, js_usize, message_len, message_reader, set, take_secret,
};
use crate::Error;
use crate::envelope::body::{BodyReader, FrameDesc};
use crate::envelope::decrypt::{KeyCheck, Opener};
use crate::envelope::footer::NO_PUBLIC_KEY;
use crate::envelope::header::ParseLimits;
use crate::envelope::suite::Signing;
use js_sys::{Array, Object, Uint8Array};
use wasm_bindgen::prelude::*;
use zeroize::Zeroize;

/// What a reader enforces while parsing (`EnvelopeClient`'s options, checked by the shim).
#[wasm_bindgen]
pub struct CoreReadLimits(ParseLimits);

#[wasm_bindgen]
impl CoreReadLimits {
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` / `LIMIT_EXCEEDED` for a number that is not a whole number that fits.
    #[wasm_bindgen(constructor)]
    pub fn new(
        allow_non_committing: bool,
        max_encrypted_data_keys: f64,
        max_body_size: f64,
        max_header_size: f64,
        require_signed: bool,
    ) -> JsResult<CoreReadLimits> {
        Ok(Self(ParseLimits {
            max_encrypted_data_keys: js_size(max_encrypted_data_keys, "maxEncryptedDataKeys")?,
            allow_non_committing,
            max_body_size: js_size(max_body_size, "maxBodySize")?,
            max_header_size: js_size(max_header_size, "maxHeaderSize")?,
            require_signed,
        }))
    }
}

/// One message being opened (see `envelope::decrypt::Opener`).
#[wasm_bindgen]
pub struct CoreOpener {
    pub(super) inner: Opener,
    pub(super) reader: Option<BodyReader>,
    /// The frames `planNative` found, handed out a window at a time by `nativeFrames`.
    native_plan: Vec<FrameDesc>,
}

impl CoreOpener {
    /// The stream's reader, if it is of the kind asked for (`native`: made by
    /// `startNativeStream`): a verdict method of the other kind is refused
    /// before it can spend the verdict (and with it the held final frame).
    fn stream_reader(&mut self, native: bool) -> JsResult<&mut BodyReader> {
        match self.reader.as_mut() {
            Some(r) if r.plans_stream() == native => Ok(r),
            Some(_) if native => Err(js_error(Error::InvalidState(
                "a wasm stream: use footerVerdict",
            ))),
            Some(_) => Err(js_error(Error::InvalidState(
                "a native stream: use footerVerdictNative",
            ))),
            None => Err(js_error(Error::InvalidState("call startStream() first"))),
        }
    }
}

#[wasm_bindgen]
impl CoreOpener {
    /// An opener once `prefix` holds the whole header (the first bytes of a
    /// message or of a stream), else `undefined`. Only the header is copied in.
    /// `keyCheckOnUse`: a signed message's footer key is decoded on first use
    /// (one-shot opens, which release nothing before the footer verified), not
    /// with the header (streams); see `KeyCheck`.
    ///
    /// # Errors
    /// `MALFORMED_MESSAGE`, `UNSUPPORTED_ALGORITHM`, `COMMITMENT_POLICY_VIOLATION`,
    /// `TOO_MANY_ENCRYPTED_DATA_KEYS`, `ENCRYPTION_CONTEXT_MISMATCH`, `INVALID_ENCRYPTION_CONTEXT`;
    /// `LIMIT_EXCEEDED` for a frame length above `maxBodySize`, or once `prefix`
    /// passes `maxHeaderSize` without a whole header.
    #[wasm_bindgen(js_name = fromPrefix)]
    pub fn from_prefix(
        prefix: &[u8],
        limits: &CoreReadLimits,
        keys: Vec<String>,
        values: Vec<String>,
        entropy: &mut [u8],
        key_check_on_use: bool,
    ) -> JsResult<Option<CoreOpener>> {
        let required = context_from(keys, values)?;
        let key_check = if key_check_on_use {
            KeyCheck::OnUse
        } else {
            KeyCheck::WithHeader
        };
        let r = Opener::from_prefix_with(prefix, &limits.0, &required, entropy, key_check);
        entropy.zeroize();
        Ok(r.map_err(js_error)?.map(|(inner, _)| Self {
            inner,
            reader: None,
            native_plan: Vec::new(),
        }))
    }

    /// Whether the message's suite has a footer signature.
    #[wasm_bindgen(js_name = isSigned)]
    #[must_use]
    pub fn is_signed(&self) -> bool {
        self.inner.header().suite.is_signed()
    }

    /// The frame length in the header (0 for a non-framed body).
    #[wasm_bindgen(js_name = frameLength)]
    #[must_use]
    pub fn frame_length(&self) -> u32 {
        self.inner.header().frame_length
    }

    /// The message key for WebCrypto (the shim imports it, then wipes it),
    /// once the key commitment and header tag verify.
    ///
    /// # Errors
    /// `NO_DECRYPTABLE_DATA_KEY`, `KEYRING_CANNOT_DECRYPT`, `TAMPERED`.
    #[wasm_bindgen(js_name = messageKey)]
    pub fn message_key(&self) -> JsResult<Uint8Array> {
        let key = self.inner.message_key().map_err(js_error)?;
        Ok(Uint8Array::from(key.expose_secret()))
    }

    /// For a signed message, the footer's public key as WebCrypto imports it:
    /// `{ namedCurve, hash, publicKey }`, `publicKey` as the message carries it
    /// (SEC 1, compressed as writers put it; its form checked, not yet whether
    /// it is a point of the curve: WebCrypto checks that on import) or, with
    /// `decoded`, the uncompressed point checked on the curve here (for a
    /// runtime that imports only that form); `undefined` for unsigned suites.
    ///
    /// # Errors
    /// `MALFORMED_MESSAGE` if the context has no usable key.
    #[wasm_bindgen(js_name = signerPublicKey)]
    pub fn signer_public_key(&self, decoded: bool) -> JsResult<Option<Object>> {
        let Some(k) = self.inner.signer_key() else {
            // every constructor holds the key of a signed suite; unsigned: none
            return if self.inner.header().suite.is_signed() {
                Err(js_error(NO_PUBLIC_KEY))
            } else {
                Ok(None)
            };
        };
        let key = if decoded {
            k.point().map_err(js_error)?
        } else {
            k.encoded()
        };
        let (curve, hash) = match self.inner.header().suite.signing {
            Signing::EcdsaP256Sha256 => ("P-256", "SHA-256"),
            _ => ("P-384", "SHA-384"),
        };
        let o = Object::new();
        set(&o, "namedCurve", &JsValue::from_str(curve));
        set(&o, "hash", &JsValue::from_str(hash));
        set(&o, "publicKey", &Uint8Array::from(key).into());
        Ok(Some(o))
    }

    /// Plans opening `message` with WebCrypto, reading only its frame heads and
    /// footer (nothing is copied in but those): checks every frame's structure
    /// and sequence and parses the footer; returns
    /// `{ frameCount, plaintextLength, signature? }` with `signature` =
    /// `{ signature (r ‖ s), signedLength }`; the frames,
    /// `[{ start, end, iv, aad, plaintextOffset }]`, come from `nativeFrames` a
    /// window at a time. The shim must verify the signature and every frame
    /// (AES-GCM decrypt of `start..end`) before releasing anything.
    ///
    /// # Errors
    /// `NO_DECRYPTABLE_DATA_KEY`, `TAMPERED`, `MALFORMED_MESSAGE`; `LIMIT_EXCEEDED`
    /// for a message of 4 GiB or more (its offsets do not fit 32 bits: use `decryptStream`).
    #[wasm_bindgen(js_name = planNative)]
    pub fn plan_native(&mut self, message: &Uint8Array) -> JsResult<Object> {
        let len = message_len(message, "a message of 4 GiB or more (use decryptStream)")?;
        let mut read = message_reader(
            message,
            len,
            "the message was detached or resized during decrypt",
        );
        let (descs, plaintext_len, sig) = self
            .inner
            .plan_external_signature(len, &mut read)
            .map_err(js_error)?;
        let num = |n: usize| js_usize(n);
        let out = Object::new();
        set(&out, "frameCount", &num(descs.len()));
        set(&out, "plaintextLength", &num(plaintext_len));
        self.native_plan = descs;
        if let Some(sig) = sig {
            let o = Object::new();
            set(
                &o,
                "signature",
                &Uint8Array::from(&sig.signature[..]).into(),
            );
            set(&o, "signedLength", &num(sig.signed_len));
            set(&out, "signature", &o.into());
        }
        Ok(out)
    }

    /// Frames `from .. from + count` of the plan `planNative` made (fewer at the
    /// end), as `[{ start, end, iv, aad, plaintextOffset }]`: the shim takes them
    /// a window at a time, so a hostile message of many tiny frames never has
    /// more than a window of descriptions or WebCrypto calls alive.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for a bad number.
    #[wasm_bindgen(js_name = nativeFrames)]
    pub fn native_frames(&self, from: f64, count: f64) -> JsResult<Array> {
        let (from, count) = (js_size(from, "from")?, js_size(count, "count")?);
        let message_id = &self.inner.header().message_id;
        Ok(self
            .native_plan
            .iter()
            .skip(from)
            .take(count)
            .map(|d| {
                let o = Object::new();
                set(&o, "start", &js_usize(d.start));
                set(&o, "end", &js_usize(d.end));
                set(&o, "iv", &Uint8Array::from(&d.iv[..]).into());
                set(&o, "aad", &Uint8Array::from(&d.aad(message_id)[..]).into());
                set(&o, "plaintextOffset", &js_usize(d.plaintext_offset));
                JsValue::from(o)
            })
            .collect())
    }

    /// Length of the header in bytes.
    #[wasm_bindgen(js_name = headerLength)]
    #[must_use]
    pub fn header_length(&self) -> u32 {
        u32::try_from(self.inner.header().len).unwrap_or(u32::MAX)
    }

    /// Starts streaming (checks the commitment and header tag); then `update` and `finish`.
    ///
    /// # Errors
    /// `NO_DECRYPTABLE_DATA_KEY`, `KEYRING_CANNOT_DECRYPT`, `TAMPERED`.
    #[wasm_bindgen(js_name = startStream)]
    pub fn start_stream(&mut self) -> JsResult<()> {
        self.reader = Some(self.inner.start_with_verdict_outside().map_err(js_error)?);
        Ok(())
    }

    /// Native streaming: checks the commitment and header tag and returns the message key for WebCrypto
    /// (the shim imports it, then wipes it); then `planUpdate` and `finish`.
    ///
    /// # Errors
    /// `NO_DECRYPTABLE_DATA_KEY`, `KEYRING_CANNOT_DECRYPT`, `TAMPERED`.
    #[wasm_bindgen(js_name = startNativeStream)]
    pub fn start_native_stream(&mut self) -> JsResult<Uint8Array> {
        let r = self
            .inner
            .start_with_verdict_outside()
            .map_err(js_error)?
            .plan_stream();
        let key = Uint8Array::from(r.native_key().expose_secret());
        self.reader = Some(r);
        Ok(key)
    }

    /// Native streaming: takes more body bytes; returns the completed frames as
    /// `[{ iv, aad, data }]` (`data` = ciphertext ‖ tag) for WebCrypto to open, in order.
    ///
    /// # Errors
    /// `TAMPERED` (footer), `MALFORMED_MESSAGE`, `LIMIT_EXCEEDED`, `INVALID_STATE`.
    #[wasm_bindgen(js_name = planUpdate)]
    pub fn plan_update(&mut self, bytes: &[u8]) -> JsResult<Array> {
        let r = self
            .reader
            .as_mut()
            .ok_or_else(|| js_error(Error::InvalidState("call startNativeStream() first")))?;
        let descs = r.plan_update(bytes).map_err(js_error)?;
        Ok(frame_descs_to_js(&descs, &self.inner.header().message_id))
    }

    /// Streaming, signed suite: the footer to verify, once the whole message
    /// is in (`undefined` before, for unsigned suites, and after the first
    /// call). See `footer_check_to_js`. The final frame waits for `footerVerdict`.
    #[wasm_bindgen(js_name = footerCheck)]
    pub fn footer_check(&mut self) -> Option<Object> {
        self.reader
            .as_mut()?
            .take_footer_check()
            .map(|c| footer_check_to_js(&c))
    }

    /// Streaming: the verdict on the footer `footerCheck` handed out; `true`
    /// only if its signature verified. Returns the final frame's plaintext
    /// (wasm stream); anything but `true` wipes it and is `TAMPERED`.
    ///
    /// # Errors
    /// `TAMPERED`; `INVALID_STATE` if no footer waits for a verdict, or for a
    /// native stream (use `footerVerdictNative`; the verdict is not spent then).
    #[wasm_bindgen(js_name = footerVerdict)]
    pub fn footer_verdict(&mut self, verified: bool) -> JsResult<Vec<u8>> {
        let r = self.stream_reader(false)?;
        let (plaintext, desc) = r.footer_verdict(verified).map_err(js_error)?;
        if desc.is_some() {
            return Err(js_error(Error::InvalidState("footer verdict bookkeeping")));
        }
        Ok(plaintext)
    }

    /// Native streaming: as `footerVerdict`; returns the final frame for
    /// WebCrypto to open, `[{ iv, aad, data }]`.
    ///
    /// # Errors
    /// As `footerVerdict`; `INVALID_STATE` for a wasm stream (use `footerVerdict`;
    /// the verdict is not spent then).
    #[wasm_bindgen(js_name = footerVerdictNative)]
    pub fn footer_verdict_native(&mut self, verified: bool) -> JsResult<Array> {
        let r = self.stream_reader(true)?;
        let (plaintext, desc) = r.footer_verdict(verified).map_err(js_error)?;
        if !plaintext.is_empty() {
            drop(zeroize::Zeroizing::new(plaintext));
            return Err(js_error(Error::InvalidState("footer verdict bookkeeping")));
        }
        Ok(frame_descs_to_js(
            desc.as_slice(),
            &self.inner.header().message_id,
        ))
    }

    /// Takes more body bytes; returns the plaintext of frames whose tags verified.
    ///
    /// # Errors
    /// `TAMPERED`, `MALFORMED_MESSAGE`, `LIMIT_EXCEEDED`, `INVALID_STATE` before `startStream`.
    pub fn update(&mut self, bytes: &[u8]) -> JsResult<Vec<u8>> {
        let r = self
            .reader
            .as_mut()
            .ok_or_else(|| js_error(Error::InvalidState("call startStream() first")))?;
        r.update(bytes).map_err(js_error)
    }

    /// Checks that the message ended exactly, footer signature verified.
    ///
    /// # Errors
    /// `MALFORMED_MESSAGE` if incomplete; `INVALID_STATE` before `startStream`.
    pub fn finish(&mut self) -> JsResult<()> {
        let r = self
            .reader
            .as_ref()
            .ok_or_else(|| js_error(Error::InvalidState("call startStream() first")))?;
        r.finish().map_err(js_error)
    }

    /// The message's encryption context (unauthenticated until `open` succeeds).
    #[wasm_bindgen(js_name = encryptionContext)]
    #[must_use]
    pub fn encryption_context(&self) -> Object {
        context_to_js(&self.inner.header().encryption_context)
    }

    /// The encrypted data keys, as `{ providerId, providerInfo, ciphertext }`.
    #[wasm_bindgen(js_name = encryptedDataKeys)]
    #[must_use]
    pub fn encrypted_data_keys(&self) -> Array {
        self.inner
            .header()
            .encrypted_data_keys
            .iter()
            .map(edk_to_js)
            .collect()
    }

    /// Tries a local keyring; true once a data key is found.
    ///
    /// # Errors
    /// `KEYRING_CANNOT_DECRYPT` for a public-key-only keyring.
    #[wasm_bindgen(js_name = tryKeyring)]
    pub fn try_keyring(&mut self, keyring: &CoreKeyring) -> JsResult<bool> {
        self.inner
            .try_keyring(keyring.inner.as_ref())
            .map_err(js_error)
    }

    /// Tries a local keyring binding the context serialized in `order` (see
    /// `Opener::try_keyring_in_order`: messages of the JavaScript ESDK's default sorting).
    ///
    /// # Errors
    /// `INVALID_ARGUMENT`, `KEYRING_CANNOT_DECRYPT`.
    #[wasm_bindgen(js_name = tryKeyringInOrder)]
    pub fn try_keyring_in_order(
        &mut self,
        keyring: &CoreKeyring,
        order: Vec<String>,
    ) -> JsResult<bool> {
        self.inner
            .try_keyring_in_order(keyring.inner.as_ref(), &order)
            .map_err(js_error)
    }

    /// Whether a data key was found.
    #[wasm_bindgen(js_name = hasDataKey)]
    #[must_use]
    pub fn has_data_key(&self) -> bool {
        self.inner.has_data_key()
    }

    /// Takes a KMS `Decrypt` answer. `plaintext` is wiped.
    ///
    /// # Errors
    /// `INVALID_DATA_KEY` for the wrong length.
    #[wasm_bindgen(js_name = setDataKey)]
    pub fn set_data_key(&mut self, plaintext: &mut [u8]) -> JsResult<()> {
        let key = take_secret(plaintext);
        self.inner.set_data_key(key).map_err(js_error)
    }

    /// Records that a keyring outside this module was asked, and whether it
    /// holds a private key (for `KEYRING_CANNOT_DECRYPT`).
    #[wasm_bindgen(js_name = noteKeyring)]
    pub fn note_keyring(&mut self, capable: bool) {
        self.inner.note_keyring(capable);
    }

    /// Offers a data key an RSA keyring of the `rsa` module unwrapped; taken
    /// only if the header authenticates under it. `plaintext` is wiped.
    ///
    /// # Errors
    /// None today.
    #[wasm_bindgen(js_name = offerDataKey)]
    pub fn offer_data_key(&mut self, plaintext: &mut [u8]) -> JsResult<bool> {
        let key = take_secret(plaintext);
        self.inner.offer_data_key(key).map_err(js_error)
    }

    /// The length of this message's data key.
    ///
    /// # Errors
    /// None in practice (16, 24 or 32).
    #[wasm_bindgen(js_name = dataKeyLength)]
    pub fn data_key_length(&self) -> JsResult<u32> {
        u32::try_from(self.inner.data_key_len())
            .map_err(|_| js_error(Error::InvalidState("length")))
    }

    /// The serialized (canonical) encryption context that keyrings bind.
    #[wasm_bindgen(js_name = serializedContext)]
    #[must_use]
    pub fn serialized_context(&self) -> Uint8Array {
        Uint8Array::from(self.inner.serialized_context())
    }

    /// Takes a KMS `Decrypt` answer for an `aws-kms-rsa` key (context digest ‖ data key). `plaintext` is wiped.
    ///
    /// # Errors
    /// `ENCRYPTION_CONTEXT_MISMATCH`, `INVALID_DATA_KEY`.
    #[wasm_bindgen(js_name = setKmsRsaDataKey)]
    pub fn set_kms_rsa_data_key(&mut self, plaintext: &mut [u8]) -> JsResult<()> {
        let answer = take_secret(plaintext);
        self.inner
            .set_kms_rsa_data_key(answer.expose_secret())
            .map_err(js_error)
    }

    /// Verifies and decrypts `message` (the whole message this opener's header
    /// came from; the glue copies it in for the call) in the wasm engine,
    /// everything but a signed suite's footer signature: the plaintext stays in
    /// the returned `CorePendingOpen` until its `release(verdict)`.
    ///
    /// # Errors
    /// `NO_DECRYPTABLE_DATA_KEY`, `TAMPERED`, `MALFORMED_MESSAGE`, `LIMIT_EXCEEDED`.
    #[wasm_bindgen(js_name = openPending)]
    pub fn open_pending(&self, message: &[u8]) -> JsResult<CorePendingOpen> {
        Ok(CorePendingOpen {
            inner: Some(self.inner.open_pending(message).map_err(js_error)?),
        })
    }
}

/// A message opened in the wasm engine but for its footer signature (see
/// `envelope::decrypt::PendingOpen`): the plaintext stays here until
/// `release(true)` after the shim verified `footerCheck()`; `free()` wipes it.
#[wasm_bindgen]
pub struct CorePendingOpen {
    inner: Option<crate::envelope::decrypt::PendingOpen>,
}

#[wasm_bindgen]
impl CorePendingOpen {
    /// The footer to verify (see `footer_check_to_js`); `undefined` for an unsigned suite.
    #[wasm_bindgen(js_name = footerCheck)]
    #[must_use]
    pub fn footer_check(&self) -> Option<Object> {
        self.inner.as_ref()?.footer_check().map(footer_check_to_js)
    }

    /// The plaintext, once: for a signed suite only with `verified` = `true`
    /// (the footer's signature verified); anything else wipes it and is `TAMPERED`.
    ///
    /// # Errors
    /// `TAMPERED`; `INVALID_STATE` when called twice.
    pub fn release(&mut self, verified: bool) -> JsResult<Vec<u8>> {
        self.inner
            .take()
            .ok_or_else(|| js_error(Error::InvalidState("already released")))?
            .release(verified)
            .map_err(js_error)
    }
}
