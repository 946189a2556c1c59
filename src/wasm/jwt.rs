//! The `jwt` module: JWS compact decoding, the strict JSON checks and the
//! time claims of `verifyJwt` (a small strict JSON reader, `verify::jwt`,
//! without serde).
//! The signature itself is decided by the `verify` module
//! (`WasmPublicKey::decideJose`). Loaded by `verifyJwt` on first use
//! (src/js/modules/jwt.js).

use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use super::js_error;
use crate::verify::jwt;

fn set(obj: &Object, key: &str, value: &JsValue) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// Decodes a token and applies the allow-list: `{ alg, signingAlgorithm,
/// headerJson, payloadJson, signingInput, signature }` (`alg` the JWS name,
/// `signingAlgorithm` the KMS one, `signingInput` the bytes the signature
/// covers, `signature` the decoded third part).
///
/// # Errors
/// `INVALID_ARGUMENT` (allow-list), `MALFORMED_JWT`, `UNSUPPORTED_ALGORITHM`.
#[wasm_bindgen(js_name = decodeJwt)]
pub fn decode_jwt(token: &str, algorithms: Vec<String>) -> Result<JsValue, JsValue> {
    let allowed = jwt::parse_allow_list(&algorithms).map_err(js_error)?;
    let decoded = jwt::decode(token, &allowed).map_err(js_error)?;
    let input = decoded
        .signing_input(token)
        .ok_or_else(|| js_error(crate::Error::MalformedJwt("token")))?;
    let out = Object::new();
    set(&out, "alg", &decoded.alg.name().into());
    set(
        &out,
        "signingAlgorithm",
        &decoded.alg.kms_algorithm().as_str().into(),
    );
    set(&out, "signingInput", &Uint8Array::from(input));
    set(&out, "signature", &Uint8Array::from(decoded.signature()));
    set(&out, "headerJson", &decoded.header_json.into());
    set(&out, "payloadJson", &decoded.payload_json.into());
    Ok(out.into())
}

/// Checks `exp`/`nbf` of a verified token's payload at `now` seconds.
///
/// # Errors
/// `JWT_EXPIRED`, `JWT_NOT_YET_VALID`, `MALFORMED_JWT`.
#[wasm_bindgen(js_name = checkJwtClaims)]
pub fn check_jwt_claims(payload_json: &str, now: f64, leeway: f64) -> Result<(), JsValue> {
    jwt::check_claims(payload_json, now, leeway).map_err(js_error)
}
