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

/// A decoded ML-DSA public key (`pkDecode`, FIPS 204 Algorithm 23).
#[derive(Clone, Debug)]
pub enum MlDsaKey {
    /// ML-DSA-44: 1312-byte key, 2420-byte signature.
    MlDsa44(Box<VerifyingKey<MlDsa44>>),
    /// ML-DSA-65: 1952-byte key, 3309-byte signature.
    MlDsa65(Box<VerifyingKey<MlDsa65>>),
    /// ML-DSA-87: 2592-byte key, 4627-byte signature.
    MlDsa87(Box<VerifyingKey<MlDsa87>>),
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

fn decode<P: MlDsaParams>(bytes: &[u8]) -> Result<Box<VerifyingKey<P>>> {
    let enc = EncodedVerifyingKey::<P>::try_from(bytes)
        .map_err(|_| Error::MalformedPublicKey("ML-DSA public key has the wrong length"))?;
    Ok(Box::new(VerifyingKey::<P>::decode(&enc)))
}

fn verify<P: MlDsaParams>(key: &VerifyingKey<P>, input: MlDsaInput<'_>, signature: &[u8]) -> bool {
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

impl MlDsaKey {
    /// Decodes the raw public key carried in an ML-DSA SPKI's BIT STRING.
    ///
    /// # Errors
    /// [`Error::MalformedPublicKey`] if the length does not match the key spec.
    pub fn from_bytes(spec: KeySpec, bytes: &[u8]) -> Result<Self> {
        Ok(match spec {
            KeySpec::MlDsa44 => Self::MlDsa44(decode(bytes)?),
            KeySpec::MlDsa65 => Self::MlDsa65(decode(bytes)?),
            KeySpec::MlDsa87 => Self::MlDsa87(decode(bytes)?),
            _ => return Err(Error::MalformedPublicKey("not an ML-DSA key spec")),
        })
    }

    /// Verifies `signature` (FIPS 204 Algorithm 3 / Algorithm 8 from μ).
    /// `false` for anything that does not verify, including a signature of
    /// the wrong length, a context over 255 bytes or a μ that is not 64 bytes.
    #[must_use]
    pub fn verify(&self, input: MlDsaInput<'_>, signature: &[u8]) -> bool {
        match self {
            Self::MlDsa44(k) => verify(k, input, signature),
            Self::MlDsa65(k) => verify(k, input, signature),
            Self::MlDsa87(k) => verify(k, input, signature),
        }
    }
}
