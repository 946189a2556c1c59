//! `KmsPublicKey` and `verifyJwt` bindings: the JS shim's view of
//! [`crate::verify`]. Every decision is the core's; this file only converts
//! arguments and shapes the answer (a verdict, or what WebCrypto needs).

use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use super::js_error;
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

/// The hot path's compact answer: the verdict as a boolean, or the signature
/// in WebCrypto's form (a `Uint8Array`) when WebCrypto should verify it over
/// the unchanged message with the parameters of `nativeParams`.
fn outcome_to_js(d: &Decision) -> JsValue {
    match d {
        Decision::Verdict(v) => JsValue::from_bool(*v),
        Decision::Native(plan) => Uint8Array::from(plan.signature.as_slice()).into(),
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

    /// Checks a request and verifies it (`native == false`): resolves to a
    /// boolean. With `native`, returns the signature in WebCrypto's form (a
    /// `Uint8Array`) instead when WebCrypto can verify it: the caller then runs
    /// `subtle.verify(params.verify, key, signature, message)` with
    /// [`WasmPublicKey::native_params`]. A boolean is still the final verdict.
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
            .decide(alg, mt, message, signature, engine(native))
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

    /// Decodes a JWT, applies the allow-list, and decides its signature:
    /// `{ signingAlgorithm, headerJson, payloadJson, outcome, data }` with
    /// `outcome` as for [`WasmPublicKey::decide`] and `data` the JWS signing
    /// input (for WebCrypto).
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` (allow-list), `MALFORMED_JWT`,
    /// `UNSUPPORTED_ALGORITHM`, `KEY_ALGORITHM_MISMATCH`.
    #[wasm_bindgen(js_name = decideJwt)]
    pub fn decide_jwt(
        &self,
        token: &str,
        algorithms: Vec<String>,
        native: bool,
    ) -> Result<JsValue, JsValue> {
        let allowed = jwt::parse_allow_list(&algorithms).map_err(js_error)?;
        let (decoded, d) =
            jwt::decide(&self.inner, token, &allowed, engine(native)).map_err(js_error)?;
        let out = Object::new();
        set(
            &out,
            "signingAlgorithm",
            &decoded.alg.kms_algorithm().as_str().into(),
        );
        set(&out, "headerJson", &decoded.header_json.into());
        set(&out, "payloadJson", &decoded.payload_json.into());
        set(&out, "outcome", &outcome_to_js(&d));
        if let Decision::Native(plan) = &d {
            set(&out, "data", &Uint8Array::from(plan.data.as_slice()));
        }
        Ok(out.into())
    }
}

/// Checks `exp`/`nbf` of a verified token's payload at `now` seconds.
///
/// # Errors
/// `JWT_EXPIRED`, `JWT_NOT_YET_VALID`, `MALFORMED_JWT`.
#[wasm_bindgen(js_name = checkJwtClaims)]
pub fn check_jwt_claims(payload_json: &str, now: f64, leeway: f64) -> Result<(), JsValue> {
    jwt::check_claims(payload_json, now, leeway).map_err(js_error)
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
