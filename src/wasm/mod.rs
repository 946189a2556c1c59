//! wasm-bindgen glue: the only module that knows about JavaScript.
//!
//! One file per JS concept. Every exported function returns
//! `Result<_, JsValue>` whose error is made by [`js_error`]: a JS `Error`
//! with a stable `code` property, which the shim turns into `EdgeKmsError`.
//! Nothing here panics on input; the core returns errors instead.

#[cfg(feature = "wasm-ecdsa")]
mod ecdsa;
#[cfg(feature = "wasm-envelope")]
mod envelope;
#[cfg(feature = "wasm-jwt")]
mod jwt;
#[cfg(feature = "wasm-kms")]
mod kms;
#[cfg(feature = "wasm-rare")]
mod rare;
#[cfg(feature = "wasm-rsa")]
mod rsa;
#[cfg(feature = "wasm-verify")]
mod verify;

use wasm_bindgen::prelude::*;

use crate::Error;

/// Every module's allocator: talc on memory it grows itself, not Rust's
/// default dlmalloc: 2.0-2.5 KB gzip less per module (seven of them), no
/// slower in the seal/open and key-parsing A/B (SIZE-PLAN.md). Safe to
/// declare: single-threaded wasm only, which `new_wasm_dynamic_allocator`
/// checks at compile time.
///
/// Wrapped in `ZeroAlloc`, which zeroes every block before it is freed (and
/// grows by allocate-copy-free, so no block is left behind unwiped). The
/// core's own secrets are wiped by their types (`Secret`, `Zeroizing`), but
/// the wasm-bindgen glue copies arguments in and results out through buffers
/// the allocator frees: a message's plaintext, going in to be sealed or out
/// once opened, stayed in the free heap until reused. Now nothing freed keeps
/// its contents (tests/js/heap-secrets.test.js).
#[global_allocator]
static ALLOC: zeroizing_alloc::ZeroAlloc<talc::wasm::WasmDynamicTalc> =
    zeroizing_alloc::ZeroAlloc(talc::wasm::new_wasm_dynamic_allocator());

/// Converts a core error into a JS `Error` carrying `code`.
pub(crate) fn js_error(e: Error) -> JsValue {
    let err = js_sys::Error::new(e.message());
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(
        &err,
        &JsValue::from_str("code"),
        &JsValue::from_str(e.code()),
    );
    err.into()
}

/// A fallback request of the `verify` module from its fields as they cross
/// the JS boundary, for the modules that run them (`ecdsa`, `rare`, `rsa`).
///
/// # Errors
/// `INVALID_ARGUMENT` for a scheme or hash this crate does not know.
#[cfg(any(feature = "wasm-ecdsa", feature = "wasm-rare", feature = "wasm-rsa"))]
fn fallback_from_js(
    scheme: &str,
    key: &[u8],
    hash: &str,
    prehashed: bool,
    message: &[u8],
    signature: &[u8],
) -> Result<crate::verify::fallback::Fallback, JsValue> {
    crate::verify::fallback::Fallback::from_parts(scheme, key, hash, prehashed, message, signature)
        .ok_or_else(|| js_error(Error::InvalidArgument("unknown fallback scheme or hash")))
}

/// The crate version, so the shim can check that JS and wasm match.
#[wasm_bindgen(js_name = coreVersion)]
#[must_use]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").into()
}

/// Every error code with its message, for the test that walks the mapping.
/// In the `envelope` module only, which holds most of the messages anyway.
#[cfg(feature = "wasm-envelope")]
#[wasm_bindgen(js_name = allErrorsForTests)]
#[must_use]
pub fn all_errors_for_tests() -> Vec<JsValue> {
    Error::all_for_tests().into_iter().map(js_error).collect()
}

#[cfg(all(test, feature = "wasm-envelope"))]
mod tests;
