//! `KmsPublicKey` bindings (the `verify` module): the JS shim's view of
//! [`crate::verify`]. Every decision is the core's; this file only converts
//! arguments and shapes the answer (a verdict, what WebCrypto needs, or what
//! a fallback module needs). No signature arithmetic and no JSON is reached
//! from here: those are the `ecdsa`, `rare`, `rsa` and `jwt` modules'.

use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use super::js_error;
use crate::verify::fallback::Fallback;
use crate::verify::jwt;
use crate::verify::{
    Decision, EnginePreference, MessageType, NativePlan, PublicKey, SigningAlgorithm,
};

fn set(obj: &Object, key: &str, value: &JsValue) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// `{ importId, import, verify }`: `SubtleCrypto.importKey` and `verify` parameters.
fn params_to_js(plan: &NativePlan) -> JsValue {
    let import = Object::new();
    set(&import, "name", &plan.import.name.into());
    if let Some(c) = plan.import.named_curve {
        set(&import, "namedCurve", &c.into());
    }
    if let Some(h) = plan.import.hash {
        set(&import, "hash", &h.into());
    }
    let verify = Object::new();
    set(&verify, "name", &plan.verify.name.into());
    if let Some(h) = plan.verify.hash {
        set(&verify, "hash", &h.into());
    }
    if let Some(s) = plan.verify.salt_length {
        #[allow(clippy::cast_precision_loss)]
        set(&verify, "saltLength", &JsValue::from_f64(s as f64));
    }
    let out = Object::new();
    set(&out, "importId", &plan.import_id.into());
    set(&out, "import", &import);
    set(&out, "verify", &verify);
    out.into()
}

/// `{ module, scheme, key, hash, prehashed, message, signature }`: the
/// arguments of the fallback module's verification function.
fn fallback_to_js(f: &Fallback) -> JsValue {
    let out = Object::new();
    set(&out, "module", &f.module().name().into());
    set(&out, "scheme", &f.scheme.as_str().into());
    set(&out, "key", &Uint8Array::from(f.key.as_slice()));
    set(
        &out,
        "hash",
        &f.hash.map_or("", |h| h.webcrypto_name()).into(),
    );
    set(&out, "prehashed", &JsValue::from_bool(f.prehashed));
    set(&out, "message", &Uint8Array::from(f.message.as_slice()));
    set(&out, "signature", &Uint8Array::from(f.signature.as_slice()));
    out.into()
}

/// The hot path's compact answer: the verdict as a boolean, the signature
/// in WebCrypto's form (a `Uint8Array`) when WebCrypto should verify it over
/// the unchanged message with the parameters of `nativeParams`, or a
/// fallback request (a plain object) for a fallback module.
fn outcome_to_js(d: &Decision) -> JsValue {
    match d {
        Decision::Verdict(v) => JsValue::from_bool(*v),
        Decision::Native(plan) => Uint8Array::from(plan.signature.as_slice()).into(),
        Decision::Fallback(f) => fallback_to_js(f),
    }
}

const fn engine(native: bool) -> EnginePreference {
    if native {
        EnginePreference::Native
    } else {
        EnginePreference::Core
    }
}

/// A parsed KMS public key, owned by the JS `KmsPublicKey`.
#[wasm_bindgen]
pub struct WasmPublicKey {
    inner: PublicKey,
}

#[wasm_bindgen]
impl WasmPublicKey {
    /// Parses DER SPKI bytes, or base64/PEM text given as UTF-8 bytes.
    ///
    /// # Errors
    /// `MALFORMED_PUBLIC_KEY`.
    #[wasm_bindgen(constructor)]
    pub fn new(input: &[u8]) -> Result<WasmPublicKey, JsValue> {
        PublicKey::parse(input)
            .map(|inner| Self { inner })
            .map_err(js_error)
    }

    /// KMS key spec (`RSA_2048`, `ECC_NIST_P256`, ...).
    #[wasm_bindgen(getter, js_name = keySpec)]
    #[must_use]
    pub fn key_spec(&self) -> String {
        self.inner.key_spec().as_str().into()
    }

    /// DER SPKI for `importKey('spki', …)`.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn spki(&self) -> Vec<u8> {
        self.inner.spki_der().to_vec()
    }

    /// Checks a request: a boolean is the final verdict (a malformed or
    /// out-of-range signature); with `native`, the signature in WebCrypto's
    /// form (a `Uint8Array`) when WebCrypto can verify it: the caller then
    /// runs `subtle.verify(params.verify, key, signature, message)` with
    /// [`WasmPublicKey::native_params`]; otherwise a fallback request (an
    /// object naming the module that verifies it, and its arguments).
    ///
    /// # Errors
    /// `UNSUPPORTED_ALGORITHM`, `INVALID_ARGUMENT`, `KEY_ALGORITHM_MISMATCH`,
    /// `MESSAGE_TOO_LONG`, `INVALID_DIGEST_LENGTH`.
    pub fn decide(
        &self,
        signing_algorithm: &str,
        message_type: &str,
        message: &[u8],
        signature: &[u8],
        native: bool,
    ) -> Result<JsValue, JsValue> {
        let alg = SigningAlgorithm::from_name(signing_algorithm).map_err(js_error)?;
        let mt = MessageType::from_name(message_type).map_err(js_error)?;
        let d = self
            .inner
            .plan(alg, mt, message, signature, engine(native))
            .map_err(js_error)?;
        Ok(outcome_to_js(&d))
    }

    /// WebCrypto parameters for this key and algorithm, `undefined` when
    /// WebCrypto cannot verify them (secp256k1, ML-DSA, Ed25519, non-`RAW`
    /// messages, or an algorithm the key cannot make).
    ///
    /// # Errors
    /// `UNSUPPORTED_ALGORITHM`, `INVALID_ARGUMENT` for unknown names.
    #[wasm_bindgen(js_name = nativeParams)]
    pub fn native_params(
        &self,
        signing_algorithm: &str,
        message_type: &str,
    ) -> Result<JsValue, JsValue> {
        let alg = SigningAlgorithm::from_name(signing_algorithm).map_err(js_error)?;
        let mt = MessageType::from_name(message_type).map_err(js_error)?;
        if !self.inner.native_capable(alg, mt) {
            return Ok(JsValue::UNDEFINED);
        }
        Ok(
            crate::verify::native::params(alg, self.inner.key_spec()).map_or(
                JsValue::UNDEFINED,
                |(import_id, import, verify)| {
                    params_to_js(&NativePlan {
                        import_id,
                        import,
                        verify,
                        signature: Vec::new(),
                        data: Vec::new(),
                    })
                },
            ),
        )
    }

    /// Decides the signature of a JWT the `jwt` module decoded: `alg` (JWS
    /// name) must fit this key; the answer is as for [`WasmPublicKey::decide`]
    /// (`signature` in JOSE form, `signingInput` the token's first two parts).
    ///
    /// # Errors
    /// `UNSUPPORTED_ALGORITHM`, `KEY_ALGORITHM_MISMATCH`.
    #[wasm_bindgen(js_name = decideJose)]
    pub fn decide_jose(
        &self,
        alg: &str,
        signing_input: &[u8],
        signature: &[u8],
        native: bool,
    ) -> Result<JsValue, JsValue> {
        let alg = jwt::JwsAlgorithm::from_name(alg).ok_or_else(|| {
            js_error(crate::Error::UnsupportedAlgorithm(
                "not a JWS algorithm a KMS key makes",
            ))
        })?;
        let d = jwt::plan_signature(&self.inner, alg, signing_input, signature, engine(native))
            .map_err(js_error)?;
        Ok(outcome_to_js(&d))
    }
}

/// The JWS signature (third part of a compact token) of JWS `alg` from a
/// signature as KMS `Sign` returns it: ECDSA DER → JOSE `r ‖ s`; RSA and
/// Ed25519 unchanged (for `signJwt`).
///
/// # Errors
/// `UNSUPPORTED_ALGORITHM` for an `alg` this library does not make,
/// `MALFORMED_SIGNATURE` for a signature KMS never returns for it.
#[wasm_bindgen(js_name = jwsSignature)]
pub fn jws_signature(alg: &str, signature: &[u8]) -> Result<Vec<u8>, JsValue> {
    let alg = jwt::JwsAlgorithm::from_name(alg).ok_or_else(|| {
        js_error(crate::Error::UnsupportedAlgorithm(
            "not a JWS algorithm a KMS key makes",
        ))
    })?;
    jwt::jws_signature(alg, signature).map_err(js_error)
}
