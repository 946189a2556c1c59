//! Verifications the `verify` module hands to a fallback module.
//!
//! The `verify` WebAssembly module parses keys, applies every policy and
//! range check, and plans WebCrypto verifications, but holds no signature
//! arithmetic: where WebCrypto cannot verify (a `DIGEST` message, secp256k1,
//! Ed25519, ML-DSA, the `wasm` engine) its decision is a [`Fallback`]:
//! which module to load and everything that module needs. The JS shim
//! loads the module on first need and calls its `verifyFallback` with
//! [`Fallback`]'s fields; [`Fallback::run`] is the same computation in one
//! process (host builds, tests). Each module calls only its own function
//! here ([`run_ecdsa`], [`run_rare`], [`run_rsa`]), so each links only its
//! own arithmetic.

use super::algorithm::{HashAlg, KeySpec};
use super::ml_dsa::MlDsaInput;
use super::rsa::RsaPadding;
use super::{ecdsa, ed25519, ml_dsa, rsa};

/// The fallback module a [`Fallback`] needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FallbackModule {
    /// P-256, P-384, P-521 ECDSA.
    Ecdsa,
    /// secp256k1, Ed25519, ML-DSA.
    Rare,
    /// RSA PKCS#1 v1.5 and PSS.
    Rsa,
}

impl FallbackModule {
    /// The module's name (`ecdsa`, `rare`, `rsa`), as the JS shim loads it.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Ecdsa => "ecdsa",
            Self::Rare => "rare",
            Self::Rsa => "rsa",
        }
    }
}

/// The verification scheme, with the key's curve or parameter set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Scheme {
    EcdsaP256,
    EcdsaP384,
    EcdsaP521,
    EcdsaSecp256k1,
    RsaPkcs1V15,
    RsaPss,
    MlDsa44,
    MlDsa65,
    MlDsa87,
    Ed25519,
    Ed25519Ph,
}

const SCHEMES: [(Scheme, &str); 11] = [
    (Scheme::EcdsaP256, "ECDSA_P256"),
    (Scheme::EcdsaP384, "ECDSA_P384"),
    (Scheme::EcdsaP521, "ECDSA_P521"),
    (Scheme::EcdsaSecp256k1, "ECDSA_SECP256K1"),
    (Scheme::RsaPkcs1V15, "RSA_PKCS1"),
    (Scheme::RsaPss, "RSA_PSS"),
    (Scheme::MlDsa44, "ML_DSA_44"),
    (Scheme::MlDsa65, "ML_DSA_65"),
    (Scheme::MlDsa87, "ML_DSA_87"),
    (Scheme::Ed25519, "ED25519"),
    (Scheme::Ed25519Ph, "ED25519_PH"),
];

impl Scheme {
    /// The name carried across the JS boundary.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        SCHEMES
            .iter()
            .find(|(s, _)| *s == self)
            .map_or("", |(_, n)| n)
    }

    /// The scheme of a name made by [`Scheme::as_str`].
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        SCHEMES.iter().find(|(_, n)| *n == name).map(|(s, _)| *s)
    }

    /// The module whose arithmetic verifies this scheme.
    #[must_use]
    pub const fn module(self) -> FallbackModule {
        match self {
            Self::EcdsaP256 | Self::EcdsaP384 | Self::EcdsaP521 => FallbackModule::Ecdsa,
            Self::RsaPkcs1V15 | Self::RsaPss => FallbackModule::Rsa,
            _ => FallbackModule::Rare,
        }
    }
}

/// Everything a fallback module needs to verify one signature, already
/// checked by the `verify` module (key fits algorithm, lengths, DER, range).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fallback {
    /// The scheme (and so the module).
    pub scheme: Scheme,
    /// The key: the uncompressed SEC 1 point (ECDSA), the DER SPKI (RSA),
    /// the 32 bytes (Ed25519), the encoded key (ML-DSA).
    pub key: Vec<u8>,
    /// The message hash of ECDSA, RSA and Ed25519ph; `None` for Ed25519 and ML-DSA.
    pub hash: Option<HashAlg>,
    /// Whether `message` is already the hash (a `DIGEST` message), or μ (ML-DSA `EXTERNAL_MU`).
    pub prehashed: bool,
    /// The message, its hash, or μ.
    pub message: Vec<u8>,
    /// The signature: `r ‖ s` for ECDSA, as given otherwise.
    pub signature: Vec<u8>,
}

impl Fallback {
    /// The module that verifies this.
    #[must_use]
    pub const fn module(&self) -> FallbackModule {
        self.scheme.module()
    }

    fn prehash(&self) -> Option<Vec<u8>> {
        if self.prehashed {
            return Some(self.message.clone());
        }
        self.hash.map(|h| h.digest(&self.message))
    }

    /// A request from its fields as they cross the JS boundary (`hash`: the
    /// WebCrypto name, or empty for none). `None` for an unknown scheme or hash.
    #[must_use]
    pub fn from_parts(
        scheme: &str,
        key: &[u8],
        hash: &str,
        prehashed: bool,
        message: &[u8],
        signature: &[u8],
    ) -> Option<Self> {
        let hash = match hash {
            "" => None,
            "SHA-256" => Some(HashAlg::Sha256),
            "SHA-384" => Some(HashAlg::Sha384),
            "SHA-512" => Some(HashAlg::Sha512),
            _ => return None,
        };
        Some(Self {
            scheme: Scheme::from_name(scheme)?,
            key: key.to_vec(),
            hash,
            prehashed,
            message: message.to_vec(),
            signature: signature.to_vec(),
        })
    }

    /// Verifies in this process, with the module's own function.
    #[must_use]
    pub fn run(&self) -> bool {
        match self.module() {
            FallbackModule::Ecdsa => run_ecdsa(self),
            FallbackModule::Rare => run_rare(self),
            FallbackModule::Rsa => run_rsa(self),
        }
    }
}

/// The `ecdsa` module: P-256, P-384, P-521.
#[must_use]
pub fn run_ecdsa(f: &Fallback) -> bool {
    let spec = match f.scheme {
        Scheme::EcdsaP256 => KeySpec::EccNistP256,
        Scheme::EcdsaP384 => KeySpec::EccNistP384,
        Scheme::EcdsaP521 => KeySpec::EccNistP521,
        _ => return false,
    };
    f.prehash()
        .is_some_and(|h| ecdsa::verify_nist_prehash(spec, &f.key, &h, &f.signature))
}

/// The `rare` module: secp256k1, Ed25519 (pure and ph), ML-DSA.
#[must_use]
pub fn run_rare(f: &Fallback) -> bool {
    let ml_dsa = |spec| {
        let input = if f.prehashed {
            MlDsaInput::Mu(&f.message)
        } else {
            MlDsaInput::Message {
                message: &f.message,
                context: &[],
            }
        };
        ml_dsa::verify(spec, &f.key, input, &f.signature)
    };
    match f.scheme {
        Scheme::EcdsaSecp256k1 => f
            .prehash()
            .is_some_and(|h| ecdsa::verify_k256_prehash(&f.key, &h, &f.signature)),
        Scheme::Ed25519 => ed25519::verify(&f.key, &f.message, &f.signature),
        Scheme::Ed25519Ph => f
            .prehash()
            .is_some_and(|h| ed25519::verify_prehashed(&f.key, &h, &f.signature)),
        Scheme::MlDsa44 => ml_dsa(KeySpec::MlDsa44),
        Scheme::MlDsa65 => ml_dsa(KeySpec::MlDsa65),
        Scheme::MlDsa87 => ml_dsa(KeySpec::MlDsa87),
        _ => false,
    }
}

/// The `rsa` module's verification: PKCS#1 v1.5 and PSS.
#[must_use]
pub fn run_rsa(f: &Fallback) -> bool {
    let padding = match f.scheme {
        Scheme::RsaPkcs1V15 => RsaPadding::Pkcs1V15,
        Scheme::RsaPss => RsaPadding::Pss,
        _ => return false,
    };
    match (f.hash, f.prehash()) {
        (Some(hash), Some(h)) => rsa::verify_prehash(&f.key, padding, hash, &h, &f.signature),
        _ => false,
    }
}
