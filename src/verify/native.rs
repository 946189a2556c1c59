//! The plan handed to the native engine (WebCrypto `SubtleCrypto`).
//!
//! The core has already decided everything: that the key fits the
//! algorithm, that the message is acceptable, that the signature is
//! well-formed and in range, and how it looks in the form WebCrypto wants
//! (ECDSA `r ‖ s`; RSA-PSS `saltLength` = hash length). The shim only runs
//! `importKey('spki', key.spki(), import, false, ['verify'])` once per
//! [`NativePlan::import_id`] and `verify(verify, key, signature, data)`.

use super::algorithm::{HashAlg, KeySpec, SigningAlgorithm};

/// Parameters of `SubtleCrypto.importKey` (an `EcKeyImportParams` or `RsaHashedImportParams`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportParams {
    /// `ECDSA`, `RSASSA-PKCS1-v1_5` or `RSA-PSS`.
    pub name: &'static str,
    /// For ECDSA: `P-256`, `P-384` or `P-521`.
    pub named_curve: Option<&'static str>,
    /// For RSA: the hash bound to the key.
    pub hash: Option<&'static str>,
}

/// Parameters of `SubtleCrypto.verify` (`EcdsaParams`, `RsaPssParams` or `{ name }`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyParams {
    /// The algorithm name, as in [`ImportParams::name`].
    pub name: &'static str,
    /// For ECDSA: the message hash.
    pub hash: Option<&'static str>,
    /// For RSA-PSS: the salt length in bytes, always the hash length.
    pub salt_length: Option<usize>,
}

/// Everything WebCrypto needs to verify one signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NativePlan {
    /// Identifies `import` for caching the imported `CryptoKey` per key.
    pub import_id: &'static str,
    /// `importKey` parameters.
    pub import: ImportParams,
    /// `verify` parameters.
    pub verify: VerifyParams,
    /// The signature in WebCrypto's form.
    pub signature: Vec<u8>,
    /// The signed data (the whole message: WebCrypto hashes it itself).
    pub data: Vec<u8>,
}

/// The parameters for `algorithm` on a key of `spec`, or `None` when
/// WebCrypto has no such algorithm (secp256k1, ML-DSA; Ed25519 is left to
/// the core, whose strict checks not every WebCrypto shares).
#[must_use]
pub fn params(
    algorithm: SigningAlgorithm,
    spec: KeySpec,
) -> Option<(&'static str, ImportParams, VerifyParams)> {
    use SigningAlgorithm as A;
    let hash = algorithm.prehash()?;
    let h = hash.webcrypto_name();
    let rsa = |name: &'static str, id: &'static str, salt: Option<usize>| {
        (
            id,
            ImportParams {
                name,
                named_curve: None,
                hash: Some(h),
            },
            VerifyParams {
                name,
                hash: None,
                salt_length: salt,
            },
        )
    };
    match algorithm {
        A::EcdsaSha256 | A::EcdsaSha384 | A::EcdsaSha512 => {
            let (id, curve) = match spec {
                KeySpec::EccNistP256 => ("ECDSA/P-256", "P-256"),
                KeySpec::EccNistP384 => ("ECDSA/P-384", "P-384"),
                KeySpec::EccNistP521 => ("ECDSA/P-521", "P-521"),
                _ => return None,
            };
            Some((
                id,
                ImportParams {
                    name: "ECDSA",
                    named_curve: Some(curve),
                    hash: None,
                },
                VerifyParams {
                    name: "ECDSA",
                    hash: Some(h),
                    salt_length: None,
                },
            ))
        }
        A::RsassaPkcs1V15Sha256 => {
            Some(rsa("RSASSA-PKCS1-v1_5", "RSASSA-PKCS1-v1_5/SHA-256", None))
        }
        A::RsassaPkcs1V15Sha384 => {
            Some(rsa("RSASSA-PKCS1-v1_5", "RSASSA-PKCS1-v1_5/SHA-384", None))
        }
        A::RsassaPkcs1V15Sha512 => {
            Some(rsa("RSASSA-PKCS1-v1_5", "RSASSA-PKCS1-v1_5/SHA-512", None))
        }
        A::RsassaPssSha256 => Some(rsa(
            "RSA-PSS",
            "RSA-PSS/SHA-256",
            Some(HashAlg::Sha256.output_len()),
        )),
        A::RsassaPssSha384 => Some(rsa(
            "RSA-PSS",
            "RSA-PSS/SHA-384",
            Some(HashAlg::Sha384.output_len()),
        )),
        A::RsassaPssSha512 => Some(rsa(
            "RSA-PSS",
            "RSA-PSS/SHA-512",
            Some(HashAlg::Sha512.output_len()),
        )),
        A::MlDsaShake256 | A::Ed25519Sha512 | A::Ed25519PhSha512 => None,
    }
}
