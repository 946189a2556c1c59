//! JS bindings of envelope encryption: keyring handles, a sealing session,
//! an opening session and the message inspector. The shim (`src/js/envelope.js`)
//! drives the sessions and answers the data-key seam with KMS keyrings.
//!
//! Secrets cross this boundary only as `&mut [u8]` arguments, which are
//! wiped here after being copied into zeroizing types (the glue then copies
//! the zeros back over the caller's buffer too).

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use zeroize::{Zeroize, Zeroizing};

use super::js_error;
use crate::Error;
use crate::envelope::body::{BodyReader, BodyWriter, FrameDesc, FramePlan, SealPlan};
use crate::envelope::decrypt::Opener;
use crate::envelope::encrypt::Sealer;
use crate::envelope::encryption_context::EncryptionContext;
use crate::envelope::footer::FooterCheck;
use crate::envelope::header::{ContentType, EncryptedDataKey, Header, ParseLimits};
use crate::envelope::inspect;
use crate::envelope::secret::Secret;
use crate::envelope::suite::{AlgorithmSuite, Signing};
use crate::keyring::LocalKeyring;
use crate::keyring::cache::{CacheLimits, DataKeyCache};
use crate::keyring::raw_aes::RawAesKeyring;

type JsResult<T> = Result<T, JsValue>;

/// A length or offset as a JS number (exact up to 2^53).
#[allow(clippy::cast_precision_loss)]
fn js_usize(n: usize) -> JsValue {
    JsValue::from_f64(n as f64)
}

fn set(obj: &Object, key: &str, value: &JsValue) {
    // Defining a property on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

fn context_from(keys: Vec<String>, values: Vec<String>) -> JsResult<EncryptionContext> {
    if keys.len() != values.len() {
        return Err(js_error(Error::InvalidEncryptionContext(
            "keys and values differ in number",
        )));
    }
    EncryptionContext::from_caller(keys.into_iter().zip(values)).map_err(js_error)
}

/// The context as a plain object. Properties are defined, not assigned, so a
/// key like `__proto__` becomes an ordinary own property (no prototype games).
fn context_to_js(ec: &EncryptionContext) -> Object {
    let obj = Object::new();
    for (k, v) in ec.iter() {
        let d = Object::new();
        set(&d, "value", &JsValue::from_str(v));
        set(&d, "enumerable", &JsValue::TRUE);
        set(&d, "writable", &JsValue::TRUE);
        set(&d, "configurable", &JsValue::TRUE);
        // Defining a property on a fresh extensible object cannot fail.
        let _ = Reflect::define_property(&obj, &JsValue::from_str(k), &d);
    }
    obj
}

fn take_secret(bytes: &mut [u8]) -> Secret {
    let s = Secret::copy_from(bytes);
    bytes.zeroize();
    s
}

fn edk_to_js(edk: &EncryptedDataKey) -> Object {
    let obj = Object::new();
    set(&obj, "providerId", &JsValue::from_str(&edk.provider_id));
    set(
        &obj,
        "providerInfo",
        &Uint8Array::from(&edk.provider_info[..]).into(),
    );
    set(
        &obj,
        "ciphertext",
        &Uint8Array::from(&edk.ciphertext[..]).into(),
    );
    obj
}

fn frame_plan_to_js(f: &FramePlan) -> JsValue {
    let o = Object::new();
    set(
        &o,
        "start",
        &JsValue::from(u32::try_from(f.plaintext_start).unwrap_or(u32::MAX)),
    );
    set(
        &o,
        "length",
        &JsValue::from(u32::try_from(f.plaintext_len).unwrap_or(u32::MAX)),
    );
    set(&o, "iv", &Uint8Array::from(&f.iv[..]).into());
    set(&o, "aad", &Uint8Array::from(&f.aad[..]).into());
    JsValue::from(o)
}

/// A footer for a verifier outside the core: `{ namedCurve, hash, publicKey
/// (uncompressed), signature (r ‖ s), digest, signedLength }`. WebCrypto
/// verifies `signature` over the first `signedLength` bytes of the message
/// (hashing them itself); the `ecdsa` module over `digest`.
fn footer_check_to_js(c: &FooterCheck) -> Object {
    let (curve, hash) = match c.signing {
        Signing::EcdsaP256Sha256 => ("P-256", "SHA-256"),
        _ => ("P-384", "SHA-384"),
    };
    let o = Object::new();
    set(&o, "namedCurve", &JsValue::from_str(curve));
    set(&o, "hash", &JsValue::from_str(hash));
    set(&o, "publicKey", &Uint8Array::from(&c.public_key[..]).into());
    set(&o, "signature", &Uint8Array::from(&c.signature[..]).into());
    set(&o, "digest", &Uint8Array::from(&c.digest[..]).into());
    set(&o, "signedLength", &js_usize(c.signed_len));
    o
}

/// Frame descriptions for WebCrypto to open: `[{ iv, aad, data }]`.
fn frame_descs_to_js(descs: &[FrameDesc], message_id: &[u8]) -> Array {
    descs
        .iter()
        .map(|d| {
            let o = Object::new();
            set(&o, "iv", &Uint8Array::from(&d.iv[..]).into());
            set(&o, "aad", &Uint8Array::from(&d.aad(message_id)[..]).into());
            set(&o, "data", &Uint8Array::from(&d.bytes[..]).into());
            JsValue::from(o)
        })
        .collect()
}

/// A local keyring held by the core: raw AES. (The RSA keyrings live in the
/// `rsa` module; the shim moves their data keys in and out through
/// `dataKeyForKmsEncrypt`/`addEncryptedDataKey` and `offerDataKey`.)
#[wasm_bindgen]
pub struct CoreKeyring {
    inner: Box<dyn LocalKeyring>,
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
mod sealer_calls {
    use super::{CoreKeyring, JsResult, js_error, js_size};
    use crate::Error;
    use crate::envelope::encrypt::Sealer;
    use crate::envelope::header::EncryptedDataKey;
    use js_sys::Uint8Array;

    pub(super) fn data_key_length(s: &Sealer) -> JsResult<u32> {
        u32::try_from(s.suite().data_key_len()).map_err(|_| js_error(Error::InvalidState("length")))
    }

    pub(super) fn set_max_encrypted_data_keys(s: &mut Sealer, max: f64) -> JsResult<()> {
        s.set_max_encrypted_data_keys(js_size(max, "maxEncryptedDataKeys")?);
        Ok(())
    }

    pub(super) fn wrap_with(s: &mut Sealer, keyring: &CoreKeyring) -> JsResult<()> {
        s.wrap_with(keyring.inner.as_ref()).map_err(js_error)
    }

    /// A copy of the data key in a new JS array (a KMS keyring's `Encrypt`, an
    /// RSA keyring of the `rsa` module); the shim wipes it when the call returns.
    ///
    /// The array is filled from a view of the core's copy, so no second copy is
    /// made in this module's heap. (An `out: &mut [u8]` parameter would be: the
    /// glue allocates one, the key is written into it, copied out to JS, and the
    /// allocation freed without being wiped, leaving the key in the free heap.)
    pub(super) fn data_key(s: &Sealer) -> JsResult<Uint8Array> {
        let key = s.data_key_for_kms_encrypt().map_err(js_error)?;
        Ok(Uint8Array::from(key.expose_secret()))
    }

    pub(super) fn add_encrypted_data_key(
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

/// One message being sealed (see `envelope::encrypt::Sealer`).
#[wasm_bindgen]
pub struct CoreSealer {
    inner: Option<Sealer>,
    writer: Option<BodyWriter>,
    plan: Option<SealPlan>,
    /// Where each planned frame goes in the output (from `SealPlan::layout`).
    plan_offsets: Vec<usize>,
    /// `seal` of a signed suite: the digest of header ‖ body for the `ecdsa` module to sign.
    digest: Option<Vec<u8>>,
}

impl CoreSealer {
    const fn from_sealer(s: Sealer) -> Self {
        Self {
            inner: Some(s),
            writer: None,
            plan: None,
            plan_offsets: Vec::new(),
            digest: None,
        }
    }

    fn get(&mut self) -> JsResult<&mut Sealer> {
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
        let s = self
            .inner
            .take()
            .ok_or_else(|| js_error(Error::InvalidState("this message was already sealed")))?;
        let (header, writer) = s.start().map_err(js_error)?;
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

/// One message being opened (see `envelope::decrypt::Opener`).
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

#[wasm_bindgen]
pub struct CoreOpener {
    inner: Opener,
    reader: Option<BodyReader>,
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
    ) -> JsResult<Option<CoreOpener>> {
        let required = context_from(keys, values)?;
        let r = Opener::from_prefix(prefix, &limits.0, &required, entropy);
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
    /// `{ namedCurve, hash, publicKey }` (uncompressed point); `undefined` for unsigned suites.
    ///
    /// # Errors
    /// `MALFORMED_MESSAGE` if the context has no usable key.
    #[wasm_bindgen(js_name = signerPublicKey)]
    pub fn signer_public_key(&self) -> JsResult<Option<Object>> {
        let Some(point) = self.inner.signer_public_key().map_err(js_error)? else {
            return Ok(None);
        };
        let (curve, hash) = match self.inner.header().suite.signing {
            Signing::EcdsaP256Sha256 => ("P-256", "SHA-256"),
            _ => ("P-384", "SHA-384"),
        };
        let o = Object::new();
        set(&o, "namedCurve", &JsValue::from_str(curve));
        set(&o, "hash", &JsValue::from_str(hash));
        set(&o, "publicKey", &Uint8Array::from(&point[..]).into());
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

fn header_to_js(h: &Header, obj: &Object) {
    set(obj, "version", &JsValue::from(h.version));
    set(obj, "suiteId", &JsValue::from(h.suite.id));
    set(obj, "suite", &JsValue::from_str(h.suite.name));
    set(
        obj,
        "messageId",
        &Uint8Array::from(&h.message_id[..]).into(),
    );
    set(
        obj,
        "encryptionContext",
        &context_to_js(&h.encryption_context).into(),
    );
    let edks: Array = h.encrypted_data_keys.iter().map(edk_to_js).collect();
    set(obj, "encryptedDataKeys", &edks.into());
    set(
        obj,
        "framed",
        &JsValue::from(h.content_type == ContentType::Framed),
    );
    set(obj, "frameLength", &JsValue::from(h.frame_length));
    set(obj, "committing", &JsValue::from(h.suite.committing));
    set(obj, "signed", &JsValue::from(h.suite.is_signed()));
    set(
        obj,
        "headerLength",
        &JsValue::from(u32::try_from(h.len).unwrap_or(u32::MAX)),
    );
}

/// The structure of a message, without decrypting anything (nothing is authenticated).
///
/// # Errors
/// `MALFORMED_MESSAGE`, `UNSUPPORTED_ALGORITHM`.
#[wasm_bindgen(js_name = parseMessage)]
pub fn parse_message(message: &[u8]) -> JsResult<Object> {
    let info = inspect::inspect(message).map_err(js_error)?;
    let obj = Object::new();
    header_to_js(&info.header, &obj);
    #[allow(clippy::cast_precision_loss)]
    set(&obj, "frameCount", &JsValue::from(info.frame_count as f64));
    set(
        &obj,
        "hasSignature",
        &JsValue::from(info.signature_len.is_some()),
    );
    set(
        &obj,
        "length",
        &JsValue::from(u32::try_from(info.len).unwrap_or(u32::MAX)),
    );
    set(
        &obj,
        "trailingBytes",
        &JsValue::from(u32::try_from(message.len().saturating_sub(info.len)).unwrap_or(u32::MAX)),
    );
    Ok(obj)
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn whole(x: f64, what: &'static str) -> JsResult<u64> {
    // Checked: finite, non-negative, integral and exactly representable.
    if x.is_finite() && x >= 0.0 && x.fract() == 0.0 && x <= 9_007_199_254_740_991.0 {
        Ok(x as u64)
    } else {
        Err(js_error(Error::InvalidArgument(what)))
    }
}

/// A length or count from JS that must fit this side's `usize` (32 bits in
/// wasm). wasm-bindgen's own `u32` conversion wraps (2^32 arrives as 0), so
/// every number crosses as `f64` and comes through here: `INVALID_ARGUMENT`
/// unless it is a whole number ≥ 0, `LIMIT_EXCEEDED` if it does not fit.
fn js_size(x: f64, what: &'static str) -> JsResult<usize> {
    usize::try_from(whole(x, what)?).map_err(|_| js_error(Error::LimitExceeded(what)))
}

/// The length of a message that stays in JS (the native engine plans over
/// it without copying it in), read as a number: `length()` is a u32 in js-sys,
/// which a 4 GiB array would wrap. `too_big` names that refusal.
fn message_len(message: &Uint8Array, too_big: &'static str) -> JsResult<usize> {
    let len = Reflect::get(message, &JsValue::from_str("length"))
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(f64::NAN);
    js_size(len, too_big)
}

/// A reader of `n` bytes at `at` of such a message (`len` from
/// [`message_len`]); `changed` is the refusal if the caller detached or shrank
/// the array meanwhile.
fn message_reader<'a>(
    message: &'a Uint8Array,
    len: usize,
    changed: &'static str,
) -> impl FnMut(usize, usize) -> crate::Result<Vec<u8>> + 'a {
    move |at: usize, n: usize| {
        let end = at.saturating_add(n).min(len);
        let (Ok(a), Ok(e)) = (u32::try_from(at.min(end)), u32::try_from(end)) else {
            return Err(Error::LimitExceeded("message"));
        };
        try_subarray(message, a, e)
            .map(|s| s.to_vec())
            .map_err(|_| Error::InvalidArgument(changed))
    }
}

/// A frame length from JS (see [`js_size`]); the core checks its range.
fn js_frame_length(x: f64) -> JsResult<u32> {
    let what = "frameLength must be a whole number from 1 to 2^31 - 1";
    u32::try_from(whole(x, what)?).map_err(|_| js_error(Error::InvalidArgument(what)))
}

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

#[wasm_bindgen]
extern "C" {
    /// `Uint8Array.prototype.subarray.call(array, begin, end)`, which throws
    /// for a buffer detached or shrunk meanwhile: caught, so the exception
    /// never unwinds through the core (that would leave the core's shadow
    /// stack taken for good).
    #[wasm_bindgen(catch, js_namespace = ["Uint8Array", "prototype", "subarray"], js_name = call)]
    fn try_subarray(array: &Uint8Array, begin: u32, end: u32) -> Result<Uint8Array, JsValue>;
}

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
