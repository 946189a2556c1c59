//! `parseMessage`: the structure of a message, nothing decrypted.

use super::{JsResult, context_to_js, edk_to_js, js_error, set};
use crate::envelope::header::{ContentType, Header};
use crate::envelope::inspect;
use js_sys::{Array, Object, Uint8Array};
use wasm_bindgen::prelude::*;

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
