//! Tests of the bindings themselves, run as wasm under Node by
//! `wasm-bindgen-test-runner` (see pkg-scripts/test).

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

use super::{all_errors_for_tests, js_error};
use crate::Error;

fn code_of(v: &JsValue) -> Option<String> {
    js_sys::Reflect::get(v, &JsValue::from_str("code"))
        .ok()?
        .as_string()
}

#[wasm_bindgen_test]
fn every_error_variant_crosses_the_boundary_with_its_code_and_message() {
    let js = all_errors_for_tests();
    let rust = Error::all_for_tests();
    assert_eq!(js.len(), rust.len());
    for (j, r) in js.iter().zip(rust.iter()) {
        assert_eq!(code_of(j).as_deref(), Some(r.code()));
        let err: &js_sys::Error = j.unchecked_ref();
        assert_eq!(String::from(err.message()), r.message());
        assert!(j.is_instance_of::<js_sys::Error>());
    }
}

#[wasm_bindgen_test]
fn js_error_keeps_the_code_of_a_detail_variant() {
    let e = js_error(Error::MalformedMessage("header truncated"));
    assert_eq!(code_of(&e).as_deref(), Some("MALFORMED_MESSAGE"));
}
