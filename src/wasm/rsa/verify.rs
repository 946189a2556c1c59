//! RSA PKCS#1 v1.5 and PSS verification for the `verify` module's fallback
//! requests (see [`crate::verify::fallback`]).

use wasm_bindgen::prelude::*;

use super::super::fallback_from_js;
use crate::verify::fallback::run_rsa;

/// Verifies a fallback request the `verify` module made (its fields as
/// `KmsPublicKey` received them): `true` if the signature verifies.
///
/// # Errors
/// `INVALID_ARGUMENT` for a scheme or hash this module does not know.
#[wasm_bindgen(js_name = rsaVerify)]
pub fn rsa_verify(
    scheme: &str,
    key: &[u8],
    hash: &str,
    prehashed: bool,
    message: &[u8],
    signature: &[u8],
) -> Result<bool, JsValue> {
    let f = fallback_from_js(scheme, key, hash, prehashed, message, signature)?;
    Ok(run_rsa(&f))
}
