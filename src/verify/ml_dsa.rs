//! ML-DSA verification (FIPS 204) for the three KMS key specs.
//!
//! KMS signs with pure ML-DSA (Algorithm 2, `ML-DSA.Sign`) and an empty
//! context string; with `EXTERNAL_MU` the caller has already computed the
//! message representative μ = H(tr ‖ M′, 64) (Algorithm 7 line 6) and the
//! check starts from it.

use ml_dsa::{
    EncodedVerifyingKey, MlDsa44, MlDsa65, MlDsa87, MlDsaParams, Signature, VerifyingKey,
};

use super::algorithm::KeySpec;
use crate::{Error, Result};

/// An ML-DSA public key of one of the three KMS key specs, held as its
/// encoding (`pkEncode`, FIPS 204 Algorithm 22): 1312, 1952 or 2592 bytes.
/// Every encoding of the right length decodes (Algorithm 23 cannot fail);
/// the arithmetic ([`verify`]) runs in the `rare` fallback module.
#[derive(Clone, Debug)]
pub struct MlDsaKey {
    spec: KeySpec,
    bytes: Vec<u8>,
}

/// What the verifier is given besides the signature.
#[derive(Clone, Copy, Debug)]
pub enum MlDsaInput<'a> {
    /// The message and the context string (empty for KMS).
    Message {
        /// The message M.
        message: &'a [u8],
        /// The context string ctx, at most 255 bytes.
        context: &'a [u8],
    },
    /// The 64-byte message representative μ.
    Mu(&'a [u8]),
}

fn verify_with<P: MlDsaParams>(bytes: &[u8], input: MlDsaInput<'_>, signature: &[u8]) -> bool {
    let Ok(enc) = EncodedVerifyingKey::<P>::try_from(bytes) else {
        return false;
    };
    let key = VerifyingKey::<P>::decode(&enc);
    // sigDecode (Algorithm 27) fails on a wrong length or malformed hints.
    let Ok(sig) = Signature::<P>::try_from(signature) else {
        return false;
    };
    match input {
        MlDsaInput::Message { message, context } => key.verify_with_context(message, context, &sig),
        MlDsaInput::Mu(mu) => match mu.try_into() {
            Ok(mu) => key.verify_mu(&mu, &sig),
            Err(_) => false,
        },
    }
}

/// Verifies `signature` with the encoded key `key` of `spec` (FIPS 204
/// Algorithm 3 / Algorithm 8 from μ). `false` for anything that does not
/// verify, including a signature of the wrong length, a context over 255
/// bytes, a μ that is not 64 bytes, or a key of the wrong length.
#[must_use]
pub fn verify(spec: KeySpec, key: &[u8], input: MlDsaInput<'_>, signature: &[u8]) -> bool {
    match spec {
        KeySpec::MlDsa44 => verify_with::<MlDsa44>(key, input, signature),
        KeySpec::MlDsa65 => verify_with::<MlDsa65>(key, input, signature),
        KeySpec::MlDsa87 => verify_with::<MlDsa87>(key, input, signature),
        _ => false,
    }
}

impl MlDsaKey {
    /// Takes the raw public key carried in an ML-DSA SPKI's BIT STRING.
    ///
    /// # Errors
    /// [`Error::MalformedPublicKey`] if the length does not match the key spec.
    pub fn from_bytes(spec: KeySpec, bytes: &[u8]) -> Result<Self> {
        let len = match spec {
            KeySpec::MlDsa44 => 1312,
            KeySpec::MlDsa65 => 1952,
            KeySpec::MlDsa87 => 2592,
            _ => return Err(Error::MalformedPublicKey("not an ML-DSA key spec")),
        };
        if bytes.len() != len {
            return Err(Error::MalformedPublicKey(
                "ML-DSA public key has the wrong length",
            ));
        }
        Ok(Self {
            spec,
            bytes: bytes.to_vec(),
        })
    }

    /// The encoded key.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Verifies `signature` (see [`verify`]).
    #[must_use]
    pub fn verify(&self, input: MlDsaInput<'_>, signature: &[u8]) -> bool {
        verify(self.spec, &self.bytes, input, signature)
    }
}
