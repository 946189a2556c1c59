//! Bindings for the KMS concepts: `parseKeyIdentifier`, `recommendKeyType`,
//! `estimateCost`. Plain JS objects in and out (serde-wasm-bindgen); absent
//! fields come out as `null`, never `undefined`, so results are JSON-stable.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::js_error;
use crate::Error;
use crate::kms::{self, Answers, CostInput};

fn to_js<T: Serialize>(v: &T) -> Result<JsValue, JsValue> {
    let ser = serde_wasm_bindgen::Serializer::new()
        .serialize_missing_as_null(true)
        .serialize_maps_as_objects(true);
    v.serialize(&ser).map_err(|_| {
        js_error(Error::InvalidState(
            "could not convert the result to a JS value",
        ))
    })
}

fn object_or_empty(v: JsValue) -> Option<JsValue> {
    if v.is_undefined() || v.is_null() {
        None
    } else {
        Some(v)
    }
}

/// Whether `v` is a plain object: its prototype `Object.prototype` or none.
/// serde-wasm-bindgen would also read a `Map`, a `Date` or an array of pairs
/// as a struct or a map (a `Map`'s entries silently ignored); the documented
/// types are records, so anything else is refused.
fn is_plain_object(v: &JsValue) -> bool {
    if !v.is_object() || js_sys::Array::is_array(v) {
        return false;
    }
    let proto = js_sys::Object::get_prototype_of(v);
    proto.is_null() || proto == js_sys::Object::get_prototype_of(&js_sys::Object::new())
}

/// serde-wasm-bindgen reads struct fields by name and so never sees unknown
/// ones; a misspelt option must not be silently ignored, so check here.
fn only_known_fields(v: &JsValue, known: &[&str]) -> bool {
    is_plain_object(v)
        && js_sys::Object::keys(&js_sys::Object::from(v.clone()))
            .iter()
            .all(|k| k.as_string().is_some_and(|k| known.contains(&k.as_str())))
}

/// Whether the answers' `encryptionContext`, when given, is a plain object,
/// and their `replicaRegions`, when given, an array (serde-wasm-bindgen would
/// read any iterable, a `Set` included, as a sequence).
fn shapes_as_declared(v: &JsValue) -> bool {
    let field = |name: &str| js_sys::Reflect::get(v, &JsValue::from_str(name)).ok();
    let absent = |x: &JsValue| x.is_undefined() || x.is_null();
    let context_ok = field("encryptionContext").is_some_and(|c| absent(&c) || is_plain_object(&c));
    let regions_ok =
        field("replicaRegions").is_some_and(|r| absent(&r) || js_sys::Array::is_array(&r));
    context_ok && regions_ok
}

/// The largest count a cost input may hold: 2^53 (exact in a JS number). Larger
/// finite counts (1e308) would make the estimate's products infinite.
const MAX_COUNT: f64 = 9_007_199_254_740_992.0;

/// Whether every field of `v` named in `fields` that holds a number holds at
/// most [`MAX_COUNT`] (the core refuses negative and non-finite ones).
fn counts_in_range(v: &JsValue, fields: &[&str]) -> bool {
    fields.iter().all(|f| {
        js_sys::Reflect::get(v, &JsValue::from_str(f))
            .ok()
            .and_then(|x| x.as_f64())
            .is_none_or(|x| x.is_nan() || x <= MAX_COUNT)
    })
}

const ANSWER_FIELDS: &[&str] = &[
    "needKeyControl",
    "crossAccount",
    "hsmRequired",
    "importKeyMaterial",
    "multiRegion",
    "purpose",
    "automaticRotation",
    "auditKeyUse",
    "alias",
    "region",
    "replicaRegions",
    "account",
    "trustedAccount",
    "encryptionContext",
    "requestsPerMonth",
];
const COST_FIELDS: &[&str] = &[
    "keys",
    "regions",
    "requestsPerMonth",
    "asymmetricRequests",
    "hsmCount",
    "hsmHours",
    "cacheHitRatio",
    "rotationsPerKey",
];

/// Parses a KMS key id, multi-Region key id, key ARN, alias name or alias ARN.
#[wasm_bindgen(js_name = parseKeyIdentifier)]
pub fn parse_key_identifier(s: JsValue) -> Result<JsValue, JsValue> {
    let Some(s) = s.as_string() else {
        return Err(js_error(Error::InvalidKeyIdentifier(
            "a key identifier must be a string",
        )));
    };
    to_js(&kms::parse_key_identifier(&s).map_err(js_error)?)
}

/// Recommends a KMS key type for the advisor's answers.
#[wasm_bindgen(js_name = recommendKeyType)]
pub fn recommend_key_type(answers: JsValue) -> Result<JsValue, JsValue> {
    let answers: Answers = match object_or_empty(answers) {
        None => Answers::default(),
        Some(v) => (only_known_fields(&v, ANSWER_FIELDS) && counts_in_range(&v, &["requestsPerMonth"]) && shapes_as_declared(&v)).then_some(v).and_then(|v| serde_wasm_bindgen::from_value(v).ok()).ok_or_else(|| {
            js_error(Error::InvalidArgument(
                "answers must be an object of known fields: booleans, purpose 'encrypt' | 'sign' | 'hmac', and optional names",
            ))
        })?,
    };
    to_js(&kms::recommend_key_type(&answers).map_err(js_error)?)
}

/// Estimates a month of KMS and CloudHSM charges.
#[wasm_bindgen(js_name = estimateCost)]
pub fn estimate_cost(input: JsValue) -> Result<JsValue, JsValue> {
    let input: CostInput = match object_or_empty(input) {
        None => CostInput::default(),
        Some(v) => (only_known_fields(&v, COST_FIELDS) && counts_in_range(&v, COST_FIELDS)).then_some(v).and_then(|v| serde_wasm_bindgen::from_value(v).ok()).ok_or_else(|| {
            js_error(Error::InvalidArgument(
                "estimateCost takes an object of known numeric fields (each at most 2^53): keys, regions, requestsPerMonth, asymmetricRequests, hsmCount, hsmHours, cacheHitRatio, rotationsPerKey",
            ))
        })?,
    };
    to_js(&kms::estimate_cost(&input).map_err(js_error)?)
}
