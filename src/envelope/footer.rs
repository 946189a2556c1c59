//! The footer signature. Spec: `data-format/message-footer.md` and
//! `framework/algorithm-suites.md` § "Signature Algorithm".
//!
//! The signer's public key travels in the encryption context as base64 of the
//! compressed point; the signature is DER ECDSA over the hash of header ‖ body.

use base64ct::{Base64, Encoding};
use sha2::{Digest, Sha256, Sha384};
use signature::hazmat::{PrehashSigner, PrehashVerifier};

use super::encryption_context::{EncryptionContext, PUBLIC_KEY_FIELD};
use super::rng::Drbg;
use super::secret::Secret;
use super::suite::Signing;
use crate::{Error, Result};

/// Hashes header ‖ body as they are written or read.
#[derive(Clone)]
pub enum Transcript {
    /// Unsigned suite: nothing to hash.
    None,
    /// SHA-256 (P-256 suite).
    Sha256(Sha256),
    /// SHA-384 (P-384 suites).
    Sha384(Sha384),
}

impl Transcript {
    /// A transcript for `signing`.
    #[must_use]
    pub fn new(signing: Signing) -> Self {
        match signing {
            Signing::None => Self::None,
            Signing::EcdsaP256Sha256 => Self::Sha256(Sha256::new()),
            Signing::EcdsaP384Sha384 => Self::Sha384(Sha384::new()),
        }
    }

    /// Adds message bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            Self::None => {}
            Self::Sha256(h) => h.update(bytes),
            Self::Sha384(h) => h.update(bytes),
        }
    }

    fn finish(self) -> Vec<u8> {
        match self {
            Self::None => Vec::new(),
            Self::Sha256(h) => h.finalize().to_vec(),
            Self::Sha384(h) => h.finalize().to_vec(),
        }
    }
}

/// An ephemeral P-384 signing key for one message (the only signer we write).
pub struct MessageSigner(p384::ecdsa::SigningKey);

impl MessageSigner {
    /// A fresh key from `rng`.
    pub fn generate(rng: &mut Drbg) -> Self {
        loop {
            let candidate: [u8; 48] = rng.bytes();
            // Out-of-range scalars (probability ~2^-190) are drawn again.
            if let Ok(k) = p384::ecdsa::SigningKey::from_slice(&candidate) {
                return Self(k);
            }
        }
    }

    /// The private scalar, for the data-key cache.
    #[must_use]
    pub fn to_secret(&self) -> Secret {
        Secret::new(self.0.to_bytes().to_vec())
    }

    /// A signer from [`to_secret`](Self::to_secret) bytes.
    ///
    /// # Errors
    /// `INVALID_STATE` if they are not a P-384 scalar.
    pub fn from_secret(s: &Secret) -> Result<Self> {
        p384::ecdsa::SigningKey::from_slice(s.expose_secret())
            .map(Self)
            .map_err(|_| Error::InvalidState("cached signing key"))
    }

    /// Base64 of the compressed public point, for `aws-crypto-public-key`.
    #[must_use]
    pub fn public_key_base64(&self) -> String {
        let point = self.0.verifying_key().to_sec1_point(true);
        Base64::encode_string(point.as_bytes())
    }

    /// Signs the transcript; returns the footer (u16 length ‖ DER signature).
    ///
    /// # Errors
    /// `INVALID_STATE` if the transcript is not SHA-384 (a bug).
    pub fn footer(&self, transcript: Transcript) -> Result<Vec<u8>> {
        self.footer_for_digest(&transcript.finish())
    }

    /// Signs a SHA-384 digest of header ‖ body computed elsewhere (a native
    /// engine); returns the footer. A wrong digest only yields a signature no
    /// reader accepts.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` unless `digest` is 48 bytes.
    pub fn footer_for_digest(&self, digest: &[u8]) -> Result<Vec<u8>> {
        if digest.len() != 48 {
            return Err(Error::InvalidArgument("a SHA-384 digest is 48 bytes"));
        }
        let sig: p384::ecdsa::Signature = self
            .0
            .sign_prehash(digest)
            .map_err(|_| Error::InvalidState("signing failed"))?;
        let der = sig.to_der();
        let der = der.as_bytes();
        let n = u16::try_from(der.len()).map_err(|_| Error::InvalidState("signature too long"))?;
        let mut out = Vec::with_capacity(2 + der.len());
        out.extend_from_slice(&n.to_be_bytes());
        out.extend_from_slice(der);
        Ok(out)
    }
}

/// A footer signature for a native engine to verify: the signer's public key
/// (uncompressed SEC1 point), the signature as r ‖ s (IEEE P1363, what
/// WebCrypto takes), and how many leading message bytes it covers.
#[derive(Clone, Debug)]
pub struct ExternalSignature {
    /// The suite's signature algorithm.
    pub signing: Signing,
    /// Uncompressed public point.
    pub public_key: Vec<u8>,
    /// r ‖ s, fixed width.
    pub signature: Vec<u8>,
    /// Length of header ‖ body, the signed bytes.
    pub signed_len: usize,
}

/// The bytes of `aws-crypto-public-key` in `context` (a compressed point, unchecked).
fn context_point(context: &EncryptionContext) -> Result<Vec<u8>> {
    let b64 = context
        .get(PUBLIC_KEY_FIELD)
        .ok_or(Error::MalformedMessage(
            "a signed message lacks aws-crypto-public-key",
        ))?;
    Base64::decode_vec(b64)
        .map_err(|_| Error::MalformedMessage("aws-crypto-public-key is not base64"))
}

/// The signer's public key from `context` (`aws-crypto-public-key`, a
/// compressed point), as an uncompressed SEC1 point for a native engine.
///
/// # Errors
/// `MALFORMED_MESSAGE` without a usable public key; `INVALID_STATE` for an unsigned suite.
pub fn public_point(signing: Signing, context: &EncryptionContext) -> Result<Vec<u8>> {
    let point = context_point(context)?;
    match signing {
        Signing::None => Err(Error::InvalidState("an unsigned suite has no signature")),
        Signing::EcdsaP256Sha256 => p256::ecdsa::VerifyingKey::from_sec1_bytes(&point)
            .map(|k| k.to_sec1_point(false).as_bytes().to_vec())
            .map_err(|_| Error::MalformedMessage("aws-crypto-public-key is not a P-256 point")),
        Signing::EcdsaP384Sha384 => p384::ecdsa::VerifyingKey::from_sec1_bytes(&point)
            .map(|k| k.to_sec1_point(false).as_bytes().to_vec())
            .map_err(|_| Error::MalformedMessage("aws-crypto-public-key is not a P-384 point")),
    }
}

/// Parses a footer for a native engine: strict DER, the key from `context`.
///
/// # Errors
/// `MALFORMED_MESSAGE` without a usable public key; `TAMPERED` for a signature that is not valid DER.
pub fn external(
    signing: Signing,
    context: &EncryptionContext,
    der: &[u8],
    signed_len: usize,
) -> Result<ExternalSignature> {
    let public_key = public_point(signing, context)?;
    let signature = match signing {
        Signing::None => return Err(Error::InvalidState("an unsigned suite has no signature")),
        Signing::EcdsaP256Sha256 => {
            let sig = p256::ecdsa::DerSignature::from_bytes(der).map_err(|_| Error::Tampered)?;
            p256::ecdsa::Signature::try_from(sig)
                .map_err(|_| Error::Tampered)?
                .to_bytes()
                .to_vec()
        }
        Signing::EcdsaP384Sha384 => {
            let sig = p384::ecdsa::DerSignature::from_bytes(der).map_err(|_| Error::Tampered)?;
            p384::ecdsa::Signature::try_from(sig)
                .map_err(|_| Error::Tampered)?
                .to_bytes()
                .to_vec()
        }
    };
    Ok(ExternalSignature {
        signing,
        public_key,
        signature,
        signed_len,
    })
}

/// Verifies a footer signature over `transcript` with the key in `context`.
///
/// # Errors
/// `MALFORMED_MESSAGE` if the context has no usable public key;
/// `TAMPERED` if the signature does not verify.
pub fn verify(
    signing: Signing,
    context: &EncryptionContext,
    transcript: Transcript,
    signature: &[u8],
) -> Result<()> {
    let point = context_point(context)?;
    let digest = transcript.finish();
    let ok = match signing {
        Signing::None => return Ok(()),
        Signing::EcdsaP256Sha256 => {
            let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&point).map_err(|_| {
                Error::MalformedMessage("aws-crypto-public-key is not a P-256 point")
            })?;
            let sig =
                p256::ecdsa::DerSignature::from_bytes(signature).map_err(|_| Error::Tampered)?;
            key.verify_prehash(&digest, &sig).is_ok()
        }
        Signing::EcdsaP384Sha384 => {
            let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(&point).map_err(|_| {
                Error::MalformedMessage("aws-crypto-public-key is not a P-384 point")
            })?;
            let sig =
                p384::ecdsa::DerSignature::from_bytes(signature).map_err(|_| Error::Tampered)?;
            key.verify_prehash(&digest, &sig).is_ok()
        }
    };
    if ok { Ok(()) } else { Err(Error::Tampered) }
}
