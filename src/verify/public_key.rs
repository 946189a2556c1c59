//! Parsing a KMS public key (X.509 `SubjectPublicKeyInfo`, RFC 5280 §4.1.2.7)
//! once, and deciding every verification against it.

use const_oid::ObjectIdentifier;
use const_oid::db::{fips204, rfc5912, rfc8410};
use der::{Decode as _, Encode as _};
use spki::SubjectPublicKeyInfoRef;

use super::algorithm::{KeySpec, MAX_RAW_MESSAGE_LEN, MessageType, SigningAlgorithm};
use super::ecdsa::EcKey;
use super::ecdsa_der::der_to_raw;
use super::ed25519::Ed25519Key;
use super::fallback::{Fallback, Scheme};
use super::key_input::decode_key_input;
use super::ml_dsa::{MlDsaInput, MlDsaKey};
use super::native::{self, NativePlan};
use super::rsa::RsaKey;
use crate::{Error, Result};

/// secp256k1 (SEC 2 §2.4.1), absent from `const-oid`'s database.
const SECP_256_K_1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.10");

/// A parsed KMS public key: parse once, verify many.
#[derive(Clone, Debug)]
pub struct PublicKey {
    spec: KeySpec,
    material: Material,
    spki: Vec<u8>,
}

/// The key as bytes (validated at parse time): the arithmetic that uses
/// them is a fallback module's (see [`Fallback`]).
#[derive(Clone, Debug)]
enum Material {
    Rsa(RsaKey),
    Ec(EcKey),
    MlDsa(MlDsaKey),
    Ed25519(Ed25519Key),
}

/// How a signature is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureForm {
    /// As KMS `Sign` returns it: DER `Ecdsa-Sig-Value` for ECDSA, the plain
    /// octet string for RSA, ML-DSA and Ed25519.
    Kms,
    /// As JOSE carries it (RFC 7518 §3.4): fixed-width `r ‖ s` for ECDSA.
    Jose,
}

/// Which engine should do the arithmetic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnginePreference {
    /// Verify here (the wasm engine).
    Core,
    /// Return a [`NativePlan`] when WebCrypto can do this verification.
    Native,
}

/// The outcome of [`PublicKey::decide`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The verdict, reached without WebCrypto.
    Verdict(bool),
    /// Everything checked; WebCrypto does the arithmetic.
    Native(NativePlan),
    /// Everything checked; a fallback module does the arithmetic. Only
    /// [`PublicKey::plan`] and [`PublicKey::plan_message`] answer this; the
    /// `decide` methods run it here and answer its verdict.
    Fallback(Fallback),
}

/// The message as given to a verifier, after its type has been checked.
#[derive(Clone, Copy, Debug)]
pub enum Message<'a> {
    /// The message itself (no length limit at this level: JWTs may be long).
    Raw(&'a [u8]),
    /// Its hash, of exactly the algorithm's hash length.
    Digest(&'a [u8]),
    /// ML-DSA μ, 64 bytes.
    ExternalMu(&'a [u8]),
}

impl PublicKey {
    /// Parses a public key given as DER SPKI bytes, base64 text of them, or PEM.
    ///
    /// Recognised key types: `rsaEncryption` with NULL parameters (RFC 8017
    /// Appendix A.1, RFC 3279 §2.3.1); `id-ecPublicKey` with a named curve
    /// (RFC 5480 §2.1.1) P-256, P-384, P-521 or secp256k1 and a compressed or
    /// uncompressed point (SEC 1 §2.3.3); `id-Ed25519` without parameters
    /// (RFC 8410 §3); `id-ml-dsa-44/65/87` without parameters (RFC 9881).
    ///
    /// # Errors
    /// [`Error::MalformedPublicKey`] for anything else: bad text, DER that is
    /// not exactly one SPKI, an unknown algorithm or curve, wrong parameters,
    /// an invalid point, an RSA key of a size KMS does not make.
    pub fn parse(input: &[u8]) -> Result<Self> {
        let der = decode_key_input(input)?;
        let spki = SubjectPublicKeyInfoRef::from_der(&der)
            .map_err(|_| Error::MalformedPublicKey("not a DER SubjectPublicKeyInfo"))?;
        let oid = spki.algorithm.oid;
        let params = spki.algorithm.parameters;
        let key_bytes = spki
            .subject_public_key
            .as_bytes()
            .ok_or(Error::MalformedPublicKey(
                "public key BIT STRING has unused bits",
            ))?;

        if oid == rfc5912::RSA_ENCRYPTION {
            if !params.is_some_and(|p| p.is_null()) {
                return Err(Error::MalformedPublicKey(
                    "rsaEncryption parameters must be NULL",
                ));
            }
            let (key, spec) = RsaKey::from_spki(spki)?;
            return Ok(Self {
                spec,
                material: Material::Rsa(key),
                spki: der,
            });
        }
        if oid == rfc5912::ID_EC_PUBLIC_KEY {
            let curve = spki
                .algorithm
                .parameters_oid()
                .map_err(|_| Error::MalformedPublicKey("EC key parameters must name a curve"))?;
            let spec = match curve {
                c if c == rfc5912::SECP_256_R_1 => KeySpec::EccNistP256,
                c if c == rfc5912::SECP_384_R_1 => KeySpec::EccNistP384,
                c if c == rfc5912::SECP_521_R_1 => KeySpec::EccNistP521,
                c if c == SECP_256_K_1 => KeySpec::EccSecgP256k1,
                _ => return Err(Error::MalformedPublicKey("EC curve is not one KMS uses")),
            };
            let key = EcKey::from_sec1(spec, key_bytes)?;
            // WebCrypto imports only uncompressed points everywhere: keep a
            // canonical SPKI for the native engine.
            let spki_der = if key_bytes.first() == Some(&0x04) {
                der
            } else {
                let point = key.to_uncompressed();
                let canonical = SubjectPublicKeyInfoRef {
                    algorithm: spki.algorithm,
                    subject_public_key: der::asn1::BitStringRef::new(0, &point)
                        .map_err(|_| Error::MalformedPublicKey("EC point"))?,
                };
                canonical
                    .to_der()
                    .map_err(|_| Error::MalformedPublicKey("EC point"))?
            };
            return Ok(Self {
                spec,
                material: Material::Ec(key),
                spki: spki_der,
            });
        }
        if params.is_some() {
            return Err(Error::MalformedPublicKey(
                "Ed25519 and ML-DSA keys take no algorithm parameters",
            ));
        }
        if oid == rfc8410::ID_ED_25519 {
            let (key, spec) = Ed25519Key::from_bytes(key_bytes)?;
            return Ok(Self {
                spec,
                material: Material::Ed25519(key),
                spki: der,
            });
        }
        let spec = match oid {
            o if o == fips204::ID_ML_DSA_44 => KeySpec::MlDsa44,
            o if o == fips204::ID_ML_DSA_65 => KeySpec::MlDsa65,
            o if o == fips204::ID_ML_DSA_87 => KeySpec::MlDsa87,
            _ => {
                return Err(Error::MalformedPublicKey(
                    "key type is not one KMS signs with",
                ));
            }
        };
        let key = MlDsaKey::from_bytes(spec, key_bytes)?;
        Ok(Self {
            spec,
            material: Material::MlDsa(key),
            spki: der,
        })
    }

    /// The KMS key spec of this key.
    #[must_use]
    pub const fn key_spec(&self) -> KeySpec {
        self.spec
    }

    /// DER SPKI for `SubtleCrypto.importKey('spki', …)` (EC points uncompressed).
    #[must_use]
    pub fn spki_der(&self) -> &[u8] {
        &self.spki
    }

    /// Verifies a signature as KMS `Verify` would, with the core's own arithmetic.
    ///
    /// A signature that does not verify, including one that is not even
    /// well-formed (not DER, wrong length), gives `Ok(false)`: to a verifier
    /// both are simply "not a signature by this key".
    ///
    /// # Errors
    /// As [`PublicKey::decide`].
    pub fn verify(
        &self,
        algorithm: SigningAlgorithm,
        message_type: MessageType,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool> {
        match self.decide(
            algorithm,
            message_type,
            message,
            signature,
            EnginePreference::Core,
        )? {
            Decision::Verdict(v) => Ok(v),
            Decision::Fallback(f) => Ok(f.run()),
            // Unreachable with EnginePreference::Core; answer safely anyway.
            Decision::Native(_) => Ok(false),
        }
    }

    /// Checks a KMS-style request and either verifies it or, when `engine`
    /// is [`EnginePreference::Native`] and WebCrypto can (RSA, ECDSA on NIST
    /// curves, `RAW` messages), returns the plan for WebCrypto.
    ///
    /// # Errors
    /// - [`Error::KeyAlgorithmMismatch`] if this key cannot make `algorithm` signatures;
    /// - [`Error::MessageTooLong`] for a `RAW` message over 4096 bytes;
    /// - [`Error::InvalidDigestLength`] for a `DIGEST` (or `EXTERNAL_MU`) of the wrong length;
    /// - [`Error::InvalidArgument`] for a message type the algorithm does not take
    ///   (`DIGEST` with ML-DSA or Ed25519, `EXTERNAL_MU` with anything but ML-DSA).
    pub fn decide(
        &self,
        algorithm: SigningAlgorithm,
        message_type: MessageType,
        message: &[u8],
        signature: &[u8],
        engine: EnginePreference,
    ) -> Result<Decision> {
        Ok(run_fallback(self.plan(
            algorithm,
            message_type,
            message,
            signature,
            engine,
        )?))
    }

    /// [`PublicKey::decide`] without arithmetic: where this process would
    /// verify, the answer is [`Decision::Fallback`], what a fallback module
    /// needs (the `verify` WebAssembly module answers this way).
    ///
    /// # Errors
    /// As [`PublicKey::decide`].
    pub fn plan(
        &self,
        algorithm: SigningAlgorithm,
        message_type: MessageType,
        message: &[u8],
        signature: &[u8],
        engine: EnginePreference,
    ) -> Result<Decision> {
        let message = match message_type {
            MessageType::Raw if message.len() > MAX_RAW_MESSAGE_LEN => {
                return Err(Error::MessageTooLong);
            }
            MessageType::Raw => Message::Raw(message),
            MessageType::Digest => Message::Digest(message),
            MessageType::ExternalMu => Message::ExternalMu(message),
        };
        self.plan_message(algorithm, message, signature, SignatureForm::Kms, engine)
    }

    /// [`PublicKey::decide`] for an already-typed message and either
    /// signature form (used by the JWT verifier, whose messages may exceed
    /// KMS's `RAW` limit and whose ECDSA signatures are `r ‖ s`).
    ///
    /// # Errors
    /// As [`PublicKey::decide`], without the `RAW` length limit.
    pub fn decide_message(
        &self,
        algorithm: SigningAlgorithm,
        message: Message<'_>,
        signature: &[u8],
        form: SignatureForm,
        engine: EnginePreference,
    ) -> Result<Decision> {
        Ok(run_fallback(self.plan_message(
            algorithm, message, signature, form, engine,
        )?))
    }

    /// [`PublicKey::decide_message`] without arithmetic (see [`PublicKey::plan`]).
    ///
    /// # Errors
    /// As [`PublicKey::decide_message`].
    pub fn plan_message(
        &self,
        algorithm: SigningAlgorithm,
        message: Message<'_>,
        signature: &[u8],
        form: SignatureForm,
        engine: EnginePreference,
    ) -> Result<Decision> {
        if !algorithm.fits(self.spec) {
            return Err(Error::KeyAlgorithmMismatch(
                "the key's spec cannot make signatures with this algorithm",
            ));
        }
        match (message, algorithm.prehash()) {
            (Message::Digest(d), Some(h)) if d.len() != h.output_len() => {
                return Err(Error::InvalidDigestLength);
            }
            (Message::Digest(_), None) => {
                return Err(Error::InvalidArgument(
                    "messageType DIGEST is only for RSA, ECDSA and ED25519_PH_SHA_512",
                ));
            }
            (Message::ExternalMu(_), _) if !matches!(self.material, Material::MlDsa(_)) => {
                return Err(Error::InvalidArgument(
                    "messageType EXTERNAL_MU is only for ML-DSA",
                ));
            }
            (Message::ExternalMu(mu), _) if mu.len() != 64 => {
                return Err(Error::InvalidDigestLength);
            }
            _ => {}
        }
        let native =
            || native::params(algorithm, self.spec).filter(|_| engine == EnginePreference::Native);
        // What a fallback module gets: the message (hashed there) or its hash.
        let (prehashed, body) = match message {
            Message::Raw(m) => (false, m),
            Message::Digest(d) | Message::ExternalMu(d) => (true, d),
        };
        let fallback = |scheme: Scheme, key: &[u8], signature: Vec<u8>| {
            Decision::Fallback(Fallback {
                scheme,
                key: key.to_vec(),
                hash: algorithm.prehash(),
                prehashed,
                message: body.to_vec(),
                signature,
            })
        };

        Ok(match &self.material {
            Material::Ec(key) => {
                let raw = match form {
                    SignatureForm::Kms => der_to_raw(signature, key.scalar_len()),
                    SignatureForm::Jose => {
                        (signature.len() == 2 * key.scalar_len()).then(|| signature.to_vec())
                    }
                };
                let Some(raw) = raw.filter(|r| key.in_range(r)) else {
                    return Ok(Decision::Verdict(false));
                };
                match (message, native()) {
                    (Message::Raw(data), Some((import_id, import, verify))) => {
                        Decision::Native(NativePlan {
                            import_id,
                            import,
                            verify,
                            signature: raw,
                            data: data.to_vec(),
                        })
                    }
                    _ => {
                        let scheme = match key.spec() {
                            KeySpec::EccNistP256 => Scheme::EcdsaP256,
                            KeySpec::EccNistP384 => Scheme::EcdsaP384,
                            KeySpec::EccNistP521 => Scheme::EcdsaP521,
                            _ => Scheme::EcdsaSecp256k1,
                        };
                        fallback(scheme, &key.to_uncompressed(), raw)
                    }
                }
            }
            Material::Rsa(key) => {
                // RFC 8017 §8.1.2 / §8.2.2 step 1: length k and s < n, for both engines.
                if algorithm.prehash().is_none() || !key.plausible(signature) {
                    return Ok(Decision::Verdict(false));
                }
                let scheme = match algorithm {
                    SigningAlgorithm::RsassaPssSha256
                    | SigningAlgorithm::RsassaPssSha384
                    | SigningAlgorithm::RsassaPssSha512 => Scheme::RsaPss,
                    _ => Scheme::RsaPkcs1V15,
                };
                match (message, native()) {
                    (Message::Raw(data), Some((import_id, import, verify))) => {
                        Decision::Native(NativePlan {
                            import_id,
                            import,
                            verify,
                            signature: signature.to_vec(),
                            data: data.to_vec(),
                        })
                    }
                    _ => fallback(scheme, &self.spki, signature.to_vec()),
                }
            }
            Material::MlDsa(key) => {
                let scheme = match self.spec {
                    KeySpec::MlDsa44 => Scheme::MlDsa44,
                    KeySpec::MlDsa65 => Scheme::MlDsa65,
                    _ => Scheme::MlDsa87,
                };
                fallback(scheme, key.as_bytes(), signature.to_vec())
            }
            Material::Ed25519(key) => match (algorithm, message) {
                (SigningAlgorithm::Ed25519PhSha512, _) => {
                    fallback(Scheme::Ed25519Ph, key.as_bytes(), signature.to_vec())
                }
                (_, Message::Raw(_)) => {
                    fallback(Scheme::Ed25519, key.as_bytes(), signature.to_vec())
                }
                _ => {
                    return Err(Error::InvalidArgument(
                        "ED25519_SHA_512 takes RAW messages only",
                    ));
                }
            },
        })
    }

    /// Whether the native engine (WebCrypto) can verify `algorithm` with this
    /// key for messages of `message_type`: RSA and NIST-curve ECDSA, `RAW` only.
    #[must_use]
    pub fn native_capable(&self, algorithm: SigningAlgorithm, message_type: MessageType) -> bool {
        message_type == MessageType::Raw
            && algorithm.fits(self.spec)
            && native::params(algorithm, self.spec).is_some()
    }

    /// ML-DSA verification with an explicit context string (FIPS 204
    /// Algorithm 3). KMS always uses the empty context; this exists for
    /// published test vectors that use others.
    ///
    /// # Errors
    /// [`Error::KeyAlgorithmMismatch`] if this is not an ML-DSA key.
    pub fn verify_ml_dsa_with_context(
        &self,
        message: &[u8],
        context: &[u8],
        signature: &[u8],
    ) -> Result<bool> {
        match &self.material {
            Material::MlDsa(key) => {
                Ok(key.verify(MlDsaInput::Message { message, context }, signature))
            }
            _ => Err(Error::KeyAlgorithmMismatch("not an ML-DSA key")),
        }
    }
}

/// A decision with its fallback run here: the verdict of this process's own arithmetic.
fn run_fallback(d: Decision) -> Decision {
    match d {
        Decision::Fallback(f) => Decision::Verdict(f.run()),
        d => d,
    }
}
