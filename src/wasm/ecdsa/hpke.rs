//! The HPKE key transport's P-256 key pair and Diffie-Hellman step where
//! WebCrypto has no P-256 ECDH (or the `wasm` engine is chosen): the `envelope`
//! module keeps only what follows the DH (see [`crate::keyring::hpke`]).

use wasm_bindgen::prelude::*;
use zeroize::Zeroize;

use super::super::js_error;
use crate::keyring::hpke::{DH_LEN, HpkeKeyPair};

/// Bytes of the shadow stack wiped after each call that handled the scalar or
/// the DH output: the curve arithmetic returns field elements and points by
/// value, so copies of them stay in stack frames that nothing zeroizes
/// (tests/js/hpke-dh.test.js found three copies of the DH output in this
/// module's memory after a call). 16 KiB is several times the depth these
/// calls reach.
const SCRUB: usize = 16 * 1024;

/// Overwrites the stack below the caller's frame, where the frames of the
/// call that just returned were.
#[inline(never)]
fn scrub_stack() {
    let mut buf = [0u8; SCRUB];
    // black_box: the zeroing is a side effect the optimiser must keep
    core::hint::black_box(&mut buf).zeroize();
    core::hint::black_box(&buf);
}

/// One broker request's P-256 key pair (RFC 9180 `DeriveKeyPair` from caller
/// entropy). The private scalar stays in this module and is zeroized when
/// the object is freed; JS sees the public key and, per answer, the DH output.
#[wasm_bindgen]
pub struct EcdsaHpkeKeyPair {
    inner: HpkeKeyPair,
}

#[wasm_bindgen]
impl EcdsaHpkeKeyPair {
    /// A fresh key pair from 64 bytes of `crypto.getRandomValues` (wiped here
    /// and, through the glue's copy back, in the caller's array).
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for entropy that is not 64 bytes or all zeros.
    #[wasm_bindgen(constructor)]
    pub fn new(entropy: &mut [u8]) -> Result<EcdsaHpkeKeyPair, JsValue> {
        let r = HpkeKeyPair::new(entropy);
        entropy.zeroize();
        scrub_stack();
        Ok(Self {
            inner: r.map_err(js_error)?,
        })
    }

    /// The public key for the request (uncompressed P-256 point, 65 bytes).
    #[wasm_bindgen(js_name = publicKey)]
    #[must_use]
    pub fn public_key(&self) -> Vec<u8> {
        self.inner.public_key().to_vec()
    }

    /// Writes `DH(skR, enc)` (32 bytes) into `out`, which the glue copies back
    /// to the caller's array.
    ///
    /// # Errors
    /// `INVALID_DATA_KEY` for an `enc` that is not an uncompressed point on the
    /// curve; `INVALID_ARGUMENT` for an `out` that is not 32 bytes.
    pub fn dh(&self, enc: &[u8], out: &mut [u8]) -> Result<(), JsValue> {
        let out: &mut [u8; DH_LEN] = out.try_into().map_err(|_| {
            js_error(crate::Error::InvalidArgument(
                "the DH output takes 32 bytes",
            ))
        })?;
        let r = self.inner.dh(enc, out);
        scrub_stack();
        r.map_err(js_error)
    }
}
