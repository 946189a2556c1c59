//! JS bindings of envelope encryption: keyring handles, a sealing session,
//! an opening session and the message inspector. The shim (`src/js/envelope.js`)
//! drives the sessions and answers the data-key seam with KMS keyrings.
//!
//! Secrets cross this boundary only as `&mut [u8]` arguments, which are
//! wiped here after being copied into zeroizing types (the glue then copies
//! the zeros back over the caller's buffer too).

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use zeroize::Zeroize;

use super::js_error;
use crate::Error;
use crate::envelope::body::{FrameDesc, FramePlan};
use crate::envelope::encryption_context::EncryptionContext;
use crate::envelope::footer::FooterCheck;
use crate::envelope::header::EncryptedDataKey;
use crate::envelope::secret::Secret;
use crate::envelope::suite::Signing;

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
/// Each descriptor has no prototype: `Object.prototype.value` or `.get`
/// planted by other code in the realm must not stand in for its fields (an
/// inherited `value` accessor answered another context than the message's).
fn context_to_js(ec: &EncryptionContext) -> Object {
    let obj = Object::new();
    for (k, v) in ec.iter() {
        let d = Object::new();
        Object::set_prototype_of(&d, JsValue::NULL.unchecked_ref());
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

mod keyring;
mod opener;
mod parse;
mod sealer;

// The `envelope-full` module's additions (a superset of `envelope`): a page
// that only seals and opens never fetches them (README, "Modules").
#[cfg(feature = "wasm-envelope-full")]
mod cache;
#[cfg(feature = "wasm-envelope-full")]
mod hpke;
#[cfg(feature = "wasm-envelope-full")]
mod reseal;

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

#[wasm_bindgen]
extern "C" {
    /// `Uint8Array.prototype.subarray.call(array, begin, end)`, which throws
    /// for a buffer detached or shrunk meanwhile: caught, so the exception
    /// never unwinds through the core (that would leave the core's shadow
    /// stack taken for good).
    #[wasm_bindgen(catch, js_namespace = ["Uint8Array", "prototype", "subarray"], js_name = call)]
    fn try_subarray(array: &Uint8Array, begin: u32, end: u32) -> Result<Uint8Array, JsValue>;
}
