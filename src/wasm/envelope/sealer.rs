//! `CoreSealer`: one message being sealed, whole or as a stream.

use super::keyring::{CoreKeyring, sealer_calls};
use super::{
    JsResult, context_from, context_to_js, frame_plan_to_js, js_error, js_frame_length, js_size,
    js_usize, set, take_secret,
};
use crate::Error;
use crate::envelope::body::{BodyWriter, SealPlan};
use crate::envelope::encrypt::Sealer;
use crate::envelope::header::EncryptedDataKey;
use crate::envelope::suite::AlgorithmSuite;
use js_sys::{Array, Object, Uint8Array};
use wasm_bindgen::prelude::*;
use zeroize::Zeroize;

/// One message being sealed (see `envelope::encrypt::Sealer`).
#[wasm_bindgen]
pub struct CoreSealer {
    pub(super) inner: Option<Sealer>,
    writer: Option<BodyWriter>,
    plan: Option<SealPlan>,
    /// Where each planned frame goes in the output (from `SealPlan::layout`).
    plan_offsets: Vec<usize>,
    /// `seal` of a signed suite: the digest of header ‖ body for the `ecdsa` module to sign.
    digest: Option<Vec<u8>>,
}

impl CoreSealer {
    pub(super) const fn from_sealer(s: Sealer) -> Self {
        Self {
            inner: Some(s),
            writer: None,
            plan: None,
            plan_offsets: Vec::new(),
            digest: None,
        }
    }

    pub(super) fn get(&mut self) -> JsResult<&mut Sealer> {
        self.inner
            .as_mut()
            .ok_or_else(|| js_error(Error::InvalidState("this message was already sealed")))
    }
}

#[wasm_bindgen]
impl CoreSealer {
    /// Starts a message.
    ///
    /// # Errors
    /// `UNSUPPORTED_ALGORITHM`, `INVALID_ARGUMENT`, `INVALID_ENCRYPTION_CONTEXT`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        suite: &str,
        frame_length: f64,
        keys: Vec<String>,
        values: Vec<String>,
        entropy: &mut [u8],
        signer_public: Option<Vec<u8>>,
    ) -> JsResult<CoreSealer> {
        let frame_length = js_frame_length(frame_length);
        let suite = AlgorithmSuite::writable_by_name(suite).map_err(js_error);
        let ec = context_from(keys, values);
        let r = match (frame_length, suite, ec) {
            (Ok(f), Ok(s), Ok(ec)) => {
                if s.is_signed() && signer_public.is_none() {
                    Err(js_error(Error::InvalidArgument(
                        "a signed suite needs the signer's public key",
                    )))
                } else {
                    Sealer::with_signer(s, f, ec, entropy, signer_public.as_deref())
                        .map_err(js_error)
                }
            }
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => Err(e),
        };
        entropy.zeroize();
        Ok(Self::from_sealer(r?))
    }

    /// The full encryption context (with `aws-crypto-public-key` for signed suites).
    ///
    /// # Errors
    /// `INVALID_STATE` after sealing.
    #[wasm_bindgen(js_name = encryptionContext)]
    pub fn encryption_context(&mut self) -> JsResult<Object> {
        Ok(context_to_js(self.get()?.encryption_context()))
    }

    /// Refuses to seal with more than `max` encrypted data keys (`TOO_MANY_ENCRYPTED_DATA_KEYS`).
    ///
    /// # Errors
    /// `INVALID_STATE` after sealing.
    #[wasm_bindgen(js_name = setMaxEncryptedDataKeys)]
    pub fn set_max_encrypted_data_keys(&mut self, max: f64) -> JsResult<()> {
        sealer_calls::set_max_encrypted_data_keys(self.get()?, max)
    }

    /// Bytes of data key a KMS generator must produce.
    ///
    /// # Errors
    /// `INVALID_STATE` after sealing.
    #[wasm_bindgen(js_name = dataKeyLength)]
    pub fn data_key_length(&mut self) -> JsResult<u32> {
        sealer_calls::data_key_length(self.get()?)
    }

    /// Takes a KMS `GenerateDataKey` answer. `plaintext` is wiped.
    ///
    /// # Errors
    /// `INVALID_DATA_KEY`, `INVALID_STATE`.
    #[wasm_bindgen(js_name = setDataKey)]
    pub fn set_data_key(
        &mut self,
        plaintext: &mut [u8],
        provider_id: String,
        provider_info: &[u8],
        ciphertext: &[u8],
    ) -> JsResult<()> {
        let key = take_secret(plaintext);
        let edk = EncryptedDataKey {
            provider_id,
            provider_info: provider_info.to_vec(),
            ciphertext: ciphertext.to_vec(),
        };
        self.get()?.set_data_key(key, edk).map_err(js_error)
    }

    /// Wraps the data key with a local keyring (generating it first if needed).
    ///
    /// # Errors
    /// Whatever the keyring fails with.
    #[wasm_bindgen(js_name = wrapWith)]
    pub fn wrap_with(&mut self, keyring: &CoreKeyring) -> JsResult<()> {
        sealer_calls::wrap_with(self.get()?, keyring)
    }

    /// Generates the data key in the core, for a generator outside this module
    /// (an RSA keyring of the `rsa` module), which then wraps a copy of it.
    ///
    /// # Errors
    /// `INVALID_STATE` if there is already one.
    #[wasm_bindgen(js_name = generateDataKey)]
    pub fn generate_data_key(&mut self) -> JsResult<()> {
        self.get()?.generate_data_key().map_err(js_error)
    }

    /// The serialized (canonical) encryption context that keyrings bind.
    ///
    /// # Errors
    /// `INVALID_STATE` once the session is spent.
    #[wasm_bindgen(js_name = serializedContext)]
    pub fn serialized_context(&mut self) -> JsResult<Uint8Array> {
        Ok(Uint8Array::from(self.get()?.serialized_context()))
    }

    /// The plaintext data key, for a KMS child keyring's `Encrypt` or an RSA
    /// keyring; the shim wipes the array as soon as that call returns.
    ///
    /// # Errors
    /// `INVALID_STATE` without a data key.
    #[wasm_bindgen(js_name = dataKeyForKmsEncrypt)]
    pub fn data_key_for_kms_encrypt(&mut self) -> JsResult<Uint8Array> {
        sealer_calls::data_key(self.get()?)
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
        sealer_calls::add_encrypted_data_key(self.get()?, provider_id, provider_info, ciphertext)
    }

    /// Seals `plaintext` into header ‖ body. A signed suite's footer is made
    /// outside: `footer(rs)` of the signer's `r ‖ s` over the bytes returned
    /// (WebCrypto hashes them) or over `footerDigest()` (the `ecdsa` module).
    ///
    /// # Errors
    /// `INVALID_STATE` without data key or encrypted data key; `LIMIT_EXCEEDED`.
    pub fn seal(&mut self, plaintext: &[u8]) -> JsResult<Vec<u8>> {
        let s = self
            .inner
            .take()
            .ok_or_else(|| js_error(Error::InvalidState("this message was already sealed")))?;
        let (out, digest) = s.seal_for_external_signer(plaintext).map_err(js_error)?;
        self.digest = digest;
        Ok(out)
    }

    /// After `seal`, or `finish`/`absorb` of the final frame of a stream, for a
    /// signed suite: the SHA-384 digest of header ‖ body to sign; `undefined` otherwise.
    #[wasm_bindgen(js_name = footerDigest)]
    #[must_use]
    pub fn footer_digest(&self) -> Option<Uint8Array> {
        self.digest
            .as_deref()
            .or_else(|| self.writer.as_ref().and_then(BodyWriter::footer_digest))
            .map(Uint8Array::from)
    }

    /// The footer (length ‖ DER) of the signer's `r ‖ s` (96 bytes) over
    /// header ‖ body (after `seal`, `planNative`'s frames, or the final frame
    /// of a stream). Once.
    ///
    /// # Errors
    /// `INVALID_STATE` if there is no footer to make; `INVALID_ARGUMENT` for a bad signature.
    pub fn footer(&mut self, rs: &[u8]) -> JsResult<Vec<u8>> {
        if let Some(plan) = self.plan.take() {
            return plan.external_footer(rs).map_err(js_error);
        }
        if self.digest.take().is_some() {
            return crate::envelope::footer::encode(rs).map_err(js_error);
        }
        self.writer
            .as_mut()
            .ok_or_else(|| js_error(Error::InvalidState("no footer to sign")))?
            .external_footer(rs)
            .map_err(js_error)
    }

    /// Plans a `len`-byte message for WebCrypto: `{ key, header, length, signed,
    /// frameCount }`; the frames, `[{ start, length, iv, aad, prefix, outOffset }]`, come
    /// from `nativeFrames` a window at a time. The shim imports `key` (then wipes it),
    /// makes a `length`-byte buffer starting with `header`, seals each frame's
    /// plaintext range with AES-GCM (128-bit tag) and writes `prefix` at `outOffset`
    /// and the ciphertext ‖ tag right after it; a signed suite then gets its footer
    /// from `footerForDigest`.
    ///
    /// # Errors
    /// As `seal`; `LIMIT_EXCEEDED` for a length or message that does not fit 32 bits.
    #[wasm_bindgen(js_name = planNative)]
    pub fn plan_native(&mut self, len: f64) -> JsResult<Object> {
        let len = js_size(len, "a plaintext above 4 GiB (use encryptStream)")?;
        let s = self
            .inner
            .take()
            .ok_or_else(|| js_error(Error::InvalidState("this message was already sealed")))?;
        let (key, plan) = s.plan(len).map_err(js_error)?;
        let (offsets, total) = plan.layout().map_err(js_error)?;
        let out = Object::new();
        set(&out, "key", &Uint8Array::from(key.expose_secret()).into());
        set(&out, "header", &Uint8Array::from(plan.header()).into());
        set(&out, "frameCount", &js_usize(offsets.len()));
        set(&out, "length", &js_usize(total));
        set(&out, "signed", &JsValue::from(plan.is_signed()));
        self.plan = Some(plan);
        self.plan_offsets = offsets;
        Ok(out)
    }

    /// Frames `from .. from + count` of the plan `planNative` made (fewer at the
    /// end): the shim takes them a window at a time, so a message of many small
    /// frames never has more than a window of descriptions or WebCrypto calls alive.
    ///
    /// # Errors
    /// `INVALID_STATE` without a plan; `INVALID_ARGUMENT` for a bad number.
    #[wasm_bindgen(js_name = nativeFrames)]
    pub fn native_frames(&self, from: f64, count: f64) -> JsResult<Array> {
        let plan = self
            .plan
            .as_ref()
            .ok_or_else(|| js_error(Error::InvalidState("call planNative() first")))?;
        let (from, count) = (js_size(from, "from")?, js_size(count, "count")?);
        Ok(plan
            .frames()
            .iter()
            .zip(&self.plan_offsets)
            .skip(from)
            .take(count)
            .map(|(f, offset)| {
                let o: Object = frame_plan_to_js(f).unchecked_into();
                set(&o, "prefix", &Uint8Array::from(&f.prefix[..]).into());
                set(&o, "outOffset", &js_usize(*offset));
                JsValue::from(o)
            })
            .collect())
    }

    /// Starts streaming: returns the header; then `update` and `finish`.
    ///
    /// # Errors
    /// `INVALID_STATE` without data key or encrypted data key, or if already started.
    pub fn start(&mut self) -> JsResult<Vec<u8>> {
        self.begin(Sealer::start)
    }

    /// `start` for a stream whose signer hashes header ‖ body itself (Node's
    /// `crypto`): the core hashes nothing; every byte `startHashingOutside`,
    /// `update`, `finish` and `absorb` return goes to the signer's hash, in
    /// order, and `footer(rs)` takes its signature (`footerDigest` stays
    /// `undefined`).
    ///
    /// # Errors
    /// As `start`; `INVALID_STATE` without an external signer (a signed suite).
    #[wasm_bindgen(js_name = startHashingOutside)]
    pub fn start_hashing_outside(&mut self) -> JsResult<Vec<u8>> {
        self.begin(Sealer::start_hashing_outside)
    }

    /// The sealer, once, started by `how`: the header, and the body writer kept.
    fn begin(
        &mut self,
        how: fn(Sealer) -> crate::Result<(Vec<u8>, BodyWriter)>,
    ) -> JsResult<Vec<u8>> {
        let s = self
            .inner
            .take()
            .ok_or_else(|| js_error(Error::InvalidState("this message was already sealed")))?;
        let (header, writer) = how(s).map_err(js_error)?;
        self.writer = Some(writer);
        Ok(header)
    }

    /// Encrypts more plaintext; returns the frames completed.
    ///
    /// # Errors
    /// `INVALID_STATE` before `start` or after `finish`; `LIMIT_EXCEEDED`.
    pub fn update(&mut self, plaintext: &[u8]) -> JsResult<Vec<u8>> {
        let w = self
            .writer
            .as_mut()
            .ok_or_else(|| js_error(Error::InvalidState("call start() first")))?;
        w.update(plaintext).map_err(js_error)
    }

    /// Native streaming: the message key for WebCrypto (the shim imports it, then wipes it).
    ///
    /// # Errors
    /// `INVALID_STATE` before `start`.
    #[wasm_bindgen(js_name = nativeKey)]
    pub fn native_key(&self) -> JsResult<Uint8Array> {
        let w = self
            .writer
            .as_ref()
            .ok_or_else(|| js_error(Error::InvalidState("call start() first")))?;
        Ok(Uint8Array::from(w.native_key().expose_secret()))
    }

    /// Native streaming: the frames to seal now out of `buffered` plaintext bytes the shim holds
    /// (`[{ start, length, iv, aad }]`); with `last`, all of them, ending with the final frame.
    ///
    /// # Errors
    /// `INVALID_STATE` out of order; `LIMIT_EXCEEDED`.
    #[wasm_bindgen(js_name = planFrames)]
    pub fn plan_frames(&mut self, buffered: f64, last: bool) -> JsResult<Array> {
        let n = js_size(buffered, "buffered plaintext above 4 GiB")?;
        let w = self
            .writer
            .as_mut()
            .ok_or_else(|| js_error(Error::InvalidState("call start() first")))?;
        Ok(w.plan_frames(n, last)
            .map_err(js_error)?
            .iter()
            .map(frame_plan_to_js)
            .collect())
    }

    /// Native streaming: WebCrypto's ciphertext ‖ tag of every planned frame, in order; returns the message bytes.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for output of the wrong length; `INVALID_STATE`.
    pub fn absorb(&mut self, sealed: &[u8]) -> JsResult<Vec<u8>> {
        let w = self
            .writer
            .as_mut()
            .ok_or_else(|| js_error(Error::InvalidState("call start() first")))?;
        w.absorb(sealed).map_err(js_error)
    }

    /// Writes the final frame (a signed suite's footer then comes from `footer`).
    ///
    /// # Errors
    /// `INVALID_STATE` before `start` or when called twice.
    pub fn finish(&mut self) -> JsResult<Vec<u8>> {
        let w = self
            .writer
            .as_mut()
            .ok_or_else(|| js_error(Error::InvalidState("call start() first")))?;
        w.finish().map_err(js_error)
    }
}
