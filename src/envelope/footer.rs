//! The footer signature. Spec: `data-format/message-footer.md` and
//! `framework/algorithm-suites.md` § "Signature Algorithm".
//!
//! The signer's public key travels in the encryption context as base64 of the
//! compressed point; the signature is DER ECDSA over the hash of header ‖ body.
//!
//! This file holds no curve arithmetic unless the `footer-ecdsa` feature is on
//! (host builds, tests, fuzzing): the `envelope` WebAssembly module is built
//! without it, and its footers are signed and verified outside the core
//! (WebCrypto, or the `ecdsa` module), through [`Signer::External`] and
//! [`FooterCheck`]. Points are decoded and checked on the curve with the small
//! arithmetic for public data of [`crate::verify::point`]; signatures are
//! DER ↔ `r ‖ s` with [`crate::verify::ecdsa_der`].

use core::cell::OnceCell;

use base64ct::{Base64, Encoding};
use sha2::{Digest, Sha256, Sha384};

use super::encryption_context::{EncryptionContext, PUBLIC_KEY_FIELD};
#[cfg(any(feature = "footer-ecdsa", feature = "wasm-ecdsa"))]
use super::rng::Drbg;
#[cfg(feature = "footer-ecdsa")]
use super::secret::Secret;
use super::suite::Signing;
use crate::verify::algorithm::KeySpec;
use crate::verify::ecdsa_der;
use crate::verify::p384_field;
use crate::verify::point::{self, ORDER_P256, ORDER_P384, scalar_in_range};
use crate::{Error, Result};

/// Hashes header ‖ body as they are written or read.
#[derive(Clone)]
pub enum Transcript {
    /// Unsigned suite: nothing to hash.
    None,
    /// A signed message whose external signer hashes it itself
    /// (`Sealer::start_hashing_outside`): the core hashes nothing and has no
    /// digest to hand out.
    Outside,
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
            Self::None | Self::Outside => {}
            Self::Sha256(h) => h.update(bytes),
            Self::Sha384(h) => h.update(bytes),
        }
    }

    /// The digest of everything added (empty for an unsigned suite, or one hashed outside).
    #[must_use]
    pub fn finish(self) -> Vec<u8> {
        match self {
            Self::None | Self::Outside => Vec::new(),
            Self::Sha256(h) => h.finalize().to_vec(),
            Self::Sha384(h) => h.finalize().to_vec(),
        }
    }
}

/// Who signs a message's footer.
pub enum Signer {
    /// A P-384 key held in this process (host builds, tests, fuzzing).
    #[cfg(feature = "footer-ecdsa")]
    Local(MessageSigner),
    /// A key held outside the core (a WebCrypto `CryptoKey`, a key of the
    /// `ecdsa` module): the core put its public point into the context and,
    /// at the end of the body, hands out the bytes or digest to sign and
    /// DER-encodes the `r ‖ s` it gets back ([`encode`]).
    External,
}

impl Signer {
    /// A P-384 signer held outside: `public` is its SEC 1 point (compressed
    /// or uncompressed), checked to be on the curve; returns the signer and
    /// the base64 of the compressed point for `aws-crypto-public-key`.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` if `public` is not a P-384 point.
    pub fn external(public: &[u8]) -> Result<(Self, String)> {
        let point = p384_field::decode_point(public).ok_or(Error::InvalidArgument(
            "the signer's public key is not a P-384 point",
        ))?;
        Ok((Self::External, Base64::encode_string(&compress(&point)?)))
    }

    /// The footer over `transcript` if this signer is here; `None` for an
    /// external signer (the caller hands the digest out instead).
    ///
    /// # Errors
    /// As [`MessageSigner::footer`].
    #[allow(clippy::unnecessary_wraps, clippy::needless_pass_by_value)]
    pub fn footer_here(&self, _transcript: Transcript) -> Result<Option<Vec<u8>>> {
        match self {
            #[cfg(feature = "footer-ecdsa")]
            Self::Local(s) => s.footer(_transcript).map(Some),
            Self::External => Ok(None),
        }
    }

    /// Whether the key is held outside the core.
    #[must_use]
    pub const fn is_external(&self) -> bool {
        matches!(self, Self::External)
    }
}

/// The footer of a message being written (by the writer or the re-keyer): a
/// signer held here signs at once; for an external signer the digest waits
/// here until its `r ‖ s` comes back, once.
#[derive(Debug, Default)]
pub struct PendingFooter(Option<Due>);

/// What an external signer's footer waits for.
#[derive(Debug)]
enum Due {
    /// Its signature over this digest of header ‖ body.
    Digest(Vec<u8>),
    /// Its signature over the message it hashed itself ([`Transcript::Outside`]).
    HashedOutside,
}

impl PendingFooter {
    /// After the final frame: appends the footer of a signer held here to
    /// `out`, or keeps the digest an external signer is to sign.
    ///
    /// # Errors
    /// As [`Signer::footer_here`].
    pub fn end(
        &mut self,
        signer: &Signer,
        transcript: Transcript,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        match signer.footer_here(transcript.clone())? {
            Some(footer) => out.extend_from_slice(&footer),
            None if matches!(transcript, Transcript::Outside) => self.0 = Some(Due::HashedOutside),
            None => self.0 = Some(Due::Digest(transcript.finish())),
        }
        Ok(())
    }

    /// The digest an external signer signs, until [`sign`](Self::sign);
    /// `None` also for a message the signer hashed itself.
    #[must_use]
    pub fn digest(&self) -> Option<&[u8]> {
        match &self.0 {
            Some(Due::Digest(d)) => Some(d),
            Some(Due::HashedOutside) | None => None,
        }
    }

    /// The footer from the external signer's `r ‖ s` over [`digest`](Self::digest). Once.
    ///
    /// # Errors
    /// `INVALID_STATE` with no digest waiting; `INVALID_ARGUMENT` as [`encode`].
    pub fn sign(&mut self, rs: &[u8]) -> Result<Vec<u8>> {
        self.0
            .take()
            .ok_or(Error::InvalidState("no footer to sign (yet)"))?;
        encode(rs)
    }
}

/// `02/03 ‖ x` of an uncompressed point `04 ‖ x ‖ y`.
fn compress(uncompressed: &[u8]) -> Result<Vec<u8>> {
    let bad = || Error::InvalidState("point");
    let body = uncompressed.strip_prefix(&[0x04]).ok_or_else(bad)?;
    let half = body.len() / 2;
    let (x, y) = body.split_at(half);
    let odd = y.last().ok_or_else(bad)? & 1 == 1;
    let mut out = Vec::with_capacity(1 + half);
    out.push(if odd { 0x03 } else { 0x02 });
    out.extend_from_slice(x);
    Ok(out)
}

/// How long the DER of a P-384 footer signature is as the AWS Encryption SDKs
/// for Python and Java write it (their `signature_len`): `r` and `s` in 49 and
/// 48 bytes, in either order. A footer of this length is 2 bytes longer.
pub const FIXED_DER_LEN: usize = 103;

/// The footer (u16 length ‖ DER ECDSA signature) of a signature `r ‖ s`
/// made outside the core over header ‖ body. A wrong signature only makes a
/// message no reader accepts.
///
/// The footer is made [`FIXED_DER_LEN`] + 2 bytes long by writing `n − s`
/// for `s` where that length needs it, as the Python SDK does
/// (`_ecc_static_length_signature`): `(r, n − s)` is the same signature to
/// every ECDSA verifier, and which of the two an `s` is says nothing of the
/// key. Where neither fits (an `r` below 2³⁷⁵, or one of 49 bytes with `s` or
/// `n − s` below 2³⁷⁵: about 1 message in 256, which the SDKs sign again), the
/// footer keeps its length; readers take any. The fixed length lets a writer
/// put the message and its footer in one buffer before signing, instead of
/// copying the message after it.
///
/// # Errors
/// `INVALID_ARGUMENT` unless `rs` is 96 bytes (P-384) with `0 < r, s < n`.
pub fn encode(rs: &[u8]) -> Result<Vec<u8>> {
    let bad = || Error::InvalidArgument("a P-384 signature is r ‖ s, 96 bytes, 0 < r, s < n");
    if rs.len() != 96 {
        return Err(bad());
    }
    let (r, s) = rs.split_at(48);
    if !scalar_in_range(r, &ORDER_P384) || !scalar_in_range(s, &ORDER_P384) {
        return Err(bad());
    }
    let mut der = der_signature(r, s).ok_or_else(bad)?;
    if der.len() != FIXED_DER_LEN {
        let s: &[u8; 48] = s.try_into().map_err(|_| bad())?;
        let negated = der_signature(r, &order_minus(s)).ok_or_else(bad)?;
        if negated.len() == FIXED_DER_LEN {
            der = negated;
        }
    }
    let n = u16::try_from(der.len()).map_err(|_| bad())?;
    let mut out = Vec::with_capacity(2 + der.len());
    out.extend_from_slice(&n.to_be_bytes());
    out.extend_from_slice(&der);
    Ok(out)
}

/// `SEQUENCE { INTEGER r, INTEGER s }` of big-endian scalars, strict DER
/// (minimal, non-negative); `None` past the short length form (never for
/// P-384: at most 2 × (2 + 49) = 102 bytes inside).
fn der_signature(r: &[u8], s: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::with_capacity(104);
    for v in [r, s] {
        let v = v.get(v.iter().position(|&b| b != 0).unwrap_or(v.len())..)?;
        body.push(0x02);
        if v.first().is_some_and(|&b| b & 0x80 != 0) {
            body.push(u8::try_from(v.len() + 1).ok()?);
            body.push(0);
        } else {
            body.push(u8::try_from(v.len()).ok()?);
        }
        body.extend_from_slice(v);
    }
    let len = u8::try_from(body.len()).ok().filter(|&l| l < 0x80)?;
    let mut der = Vec::with_capacity(2 + body.len());
    der.push(0x30);
    der.push(len);
    der.extend_from_slice(&body);
    Some(der)
}

/// `n − s` for the P-384 order `n` and `0 < s < n` (big-endian, 48 bytes):
/// again in `0 < · < n`. Public data (a signature), so not constant-time.
pub(crate) fn order_minus(s: &[u8; 48]) -> [u8; 48] {
    let mut out = [0u8; 48];
    let mut borrow = 0u16;
    for ((o, &n), &v) in out.iter_mut().zip(&ORDER_P384).zip(s).rev() {
        let d = u16::from(n).wrapping_sub(u16::from(v)).wrapping_sub(borrow);
        *o = d.to_be_bytes()[1];
        borrow = u16::from(d > 0xff);
    }
    out
}

/// An ephemeral P-384 signing key for one message (the only signer we
/// write), where the arithmetic is linked: host builds (`footer-ecdsa`) and
/// the `ecdsa` WebAssembly module, which signs for streams.
#[cfg(any(feature = "footer-ecdsa", feature = "wasm-ecdsa"))]
pub struct MessageSigner(p384::ecdsa::SigningKey);

#[cfg(any(feature = "footer-ecdsa", feature = "wasm-ecdsa"))]
impl MessageSigner {
    /// A fresh key from `rng`.
    pub fn generate(rng: &mut Drbg) -> Self {
        loop {
            // Wiped when it goes out of scope: the scalar lives on in the key only.
            let candidate = zeroize::Zeroizing::new(rng.bytes::<48>());
            // Out-of-range scalars (probability ~2^-190) are drawn again.
            if let Ok(k) = p384::ecdsa::SigningKey::from_slice(&candidate[..]) {
                return Self(k);
            }
        }
    }

    /// The private scalar, for the data-key cache.
    #[cfg(feature = "footer-ecdsa")]
    #[must_use]
    pub fn to_secret(&self) -> Secret {
        Secret::new(self.0.to_bytes().to_vec())
    }

    /// A signer from [`to_secret`](Self::to_secret) bytes.
    ///
    /// # Errors
    /// `INVALID_STATE` if they are not a P-384 scalar.
    #[cfg(feature = "footer-ecdsa")]
    pub fn from_secret(s: &Secret) -> Result<Self> {
        p384::ecdsa::SigningKey::from_slice(s.expose_secret())
            .map(Self)
            .map_err(|_| Error::InvalidState("cached signing key"))
    }

    /// Base64 of the compressed public point, for `aws-crypto-public-key`.
    #[must_use]
    pub fn public_key_base64(&self) -> String {
        Base64::encode_string(&self.public_key())
    }

    /// The compressed public point.
    #[must_use]
    pub fn public_key(&self) -> Vec<u8> {
        self.0
            .verifying_key()
            .to_sec1_point(true)
            .as_bytes()
            .to_vec()
    }

    /// Signs a SHA-384 digest; returns `r ‖ s` (96 bytes).
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` unless `digest` is 48 bytes.
    pub fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>> {
        use signature::hazmat::PrehashSigner;
        if digest.len() != 48 {
            return Err(Error::InvalidArgument("a SHA-384 digest is 48 bytes"));
        }
        let sig: p384::ecdsa::Signature = self
            .0
            .sign_prehash(digest)
            .map_err(|_| Error::InvalidState("signing failed"))?;
        Ok(sig.to_bytes().to_vec())
    }

    /// Signs the transcript; returns the footer (u16 length ‖ DER signature).
    ///
    /// # Errors
    /// `INVALID_STATE` if the transcript is not SHA-384 (a bug).
    #[cfg(feature = "footer-ecdsa")]
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
        encode(&self.sign_digest(digest)?)
    }
}

/// A footer signature for a native engine to verify: the signature as r ‖ s
/// (IEEE P1363, what WebCrypto takes) and how many leading message bytes it
/// covers. The engine takes the signer's key from the opener
/// ([`Opener::signer_key`](super::decrypt::Opener::signer_key)).
#[derive(Clone, Debug)]
pub struct ExternalSignature {
    /// The suite's signature algorithm.
    pub signing: Signing,
    /// r ‖ s, fixed width.
    pub signature: Vec<u8>,
    /// Length of header ‖ body, the signed bytes.
    pub signed_len: usize,
}

/// A signed message without `aws-crypto-public-key` (or an opener without its key).
pub(crate) const NO_PUBLIC_KEY: Error =
    Error::MalformedMessage("a signed message lacks aws-crypto-public-key");

/// The bytes of `aws-crypto-public-key` in `context` (a compressed point, unchecked).
fn context_point(context: &EncryptionContext) -> Result<Vec<u8>> {
    let b64 = context.get(PUBLIC_KEY_FIELD).ok_or(NO_PUBLIC_KEY)?;
    Base64::decode_vec(b64)
        .map_err(|_| Error::MalformedMessage("aws-crypto-public-key is not base64"))
}

/// The curve's key spec and order of a signed suite.
fn curve(signing: Signing) -> Result<(KeySpec, &'static [u8])> {
    match signing {
        Signing::None => Err(Error::InvalidState("an unsigned suite has no signature")),
        Signing::EcdsaP256Sha256 => Ok((KeySpec::EccNistP256, &ORDER_P256)),
        Signing::EcdsaP384Sha384 => Ok((KeySpec::EccNistP384, &ORDER_P384)),
    }
}

/// The signer's public key from `context` (`aws-crypto-public-key`, a
/// compressed point), checked on the suite's curve and returned uncompressed
/// (for a native engine, or the `ecdsa` module).
///
/// # Errors
/// `MALFORMED_MESSAGE` without a usable public key; `INVALID_STATE` for an unsigned suite.
pub fn public_point(signing: Signing, context: &EncryptionContext) -> Result<Vec<u8>> {
    SignerKey::from_context(signing, context)?
        .point()
        .map(<[u8]>::to_vec)
}

/// A signed message's footer key as its encryption context carries it
/// (`aws-crypto-public-key`: SEC 1, compressed as writers put it), its form
/// checked, and the point uncompressed once something needs it. Decoding a
/// compressed P-384 point is a square root in the field (~0.2 ms in wasm);
/// WebCrypto imports the compressed point itself, faster (Chromium, Node,
/// Deno), so a one-shot open that verifies with WebCrypto need not decode it
/// here at all.
#[derive(Clone, Debug)]
pub struct SignerKey {
    signing: Signing,
    encoded: Vec<u8>,
    point: OnceCell<Vec<u8>>,
}

impl SignerKey {
    /// The key in a signed message's `context`: base64 of a SEC 1 compressed
    /// point (`02` or `03` tag, then `x` as long as the curve's order). Whether
    /// it is a point of the curve is found by [`point`](Self::point).
    ///
    /// The uncompressed form (`04 ‖ x ‖ y`) is refused, though SEC 1 allows
    /// it: the specification serializes the key compressed (`TR-5`), no SDK
    /// writes the other form and the AWS Encryption SDKs for JavaScript and
    /// Python refuse it, and a second spelling of one signer would let a
    /// message past a caller's check of `aws-crypto-public-key` by its text.
    ///
    /// # Errors
    /// `MALFORMED_MESSAGE` without such a key; `INVALID_STATE` for an unsigned suite.
    pub fn from_context(signing: Signing, context: &EncryptionContext) -> Result<Self> {
        let (_, order) = curve(signing)?;
        let encoded = context_point(context)?;
        // The field is as long as the order on both curves; not the compact form.
        let formed =
            matches!(encoded.first(), Some(0x02 | 0x03)) && encoded.len() == 1 + order.len();
        if !formed {
            return Err(not_a_point(signing));
        }
        Ok(Self {
            signing,
            encoded,
            point: OnceCell::new(),
        })
    }

    /// The key as the message carries it (SEC 1, usually compressed): what a
    /// native engine imports, checking it on the curve itself.
    #[must_use]
    pub fn encoded(&self) -> &[u8] {
        &self.encoded
    }

    /// The point, uncompressed and checked on the curve (decoded at the first call).
    ///
    /// # Errors
    /// `MALFORMED_MESSAGE` if it is not a point of the suite's curve.
    pub fn point(&self) -> Result<&[u8]> {
        if let Some(p) = self.point.get() {
            return Ok(p);
        }
        let (spec, _) = curve(self.signing)?;
        let decoded = match spec {
            KeySpec::EccNistP384 => p384_field::decode_point(&self.encoded),
            _ => point::ec_point(spec, &self.encoded).ok(),
        }
        .ok_or_else(|| not_a_point(self.signing))?;
        Ok(self.point.get_or_init(|| decoded))
    }
}

const fn not_a_point(signing: Signing) -> Error {
    match signing {
        Signing::EcdsaP256Sha256 => {
            Error::MalformedMessage("aws-crypto-public-key is not a compressed P-256 point")
        }
        _ => Error::MalformedMessage("aws-crypto-public-key is not a compressed P-384 point"),
    }
}

/// A strict-DER footer signature as `r ‖ s`, in range for the suite's curve.
///
/// # Errors
/// `TAMPERED` for anything else.
fn raw_signature(signing: Signing, der: &[u8]) -> Result<Vec<u8>> {
    let (_, order) = curve(signing)?;
    let raw = ecdsa_der::der_to_raw(der, order.len()).ok_or(Error::Tampered)?;
    let (r, s) = raw.split_at(order.len());
    if scalar_in_range(r, order) && scalar_in_range(s, order) {
        Ok(raw)
    } else {
        Err(Error::Tampered)
    }
}

/// Parses a footer for a native engine: strict DER, `r` and `s` in range.
///
/// # Errors
/// `TAMPERED` for a signature that is not valid DER.
pub fn external(signing: Signing, der: &[u8], signed_len: usize) -> Result<ExternalSignature> {
    let signature = raw_signature(signing, der)?;
    Ok(ExternalSignature {
        signing,
        signature,
        signed_len,
    })
}

/// A footer signature a reader read and could not (or was told not to)
/// verify itself: everything a verifier outside the core needs. The reader
/// that made it holds back what depends on it (the final frame, a one-shot
/// plaintext, a re-keyed message) until it is told the verdict, and a
/// missing or negative verdict is `TAMPERED`.
#[derive(Clone, Debug)]
pub struct FooterCheck {
    /// The suite's signature algorithm.
    pub signing: Signing,
    /// The signer's public key, uncompressed, checked on the curve.
    pub public_key: Vec<u8>,
    /// `r ‖ s`, fixed width, in range.
    pub signature: Vec<u8>,
    /// The hash of header ‖ body (SHA-384, SHA-256 for the P-256 suite).
    pub digest: Vec<u8>,
    /// Length of header ‖ body, counted from the message's first byte, for
    /// verifiers that hash the message themselves (`message[..signed_len]`).
    pub signed_len: usize,
}

impl FooterCheck {
    /// Parses the footer `der` of a message whose header ‖ body hash to
    /// `transcript`, signed by `public_key` (as [`SignerKey::point`] returned it).
    ///
    /// # Errors
    /// `TAMPERED` for a signature that is not valid DER.
    pub fn new(
        signing: Signing,
        public_key: Vec<u8>,
        der: &[u8],
        transcript: Transcript,
        signed_len: usize,
    ) -> Result<Self> {
        let sig = external(signing, der, signed_len)?;
        Ok(Self {
            signing,
            public_key,
            signature: sig.signature,
            digest: transcript.finish(),
            signed_len,
        })
    }

    /// Verifies in this process (host builds).
    #[cfg(feature = "footer-ecdsa")]
    #[must_use]
    pub fn verify_here(&self) -> bool {
        let spec = match self.signing {
            Signing::EcdsaP256Sha256 => KeySpec::EccNistP256,
            Signing::EcdsaP384Sha384 => KeySpec::EccNistP384,
            Signing::None => return false,
        };
        crate::verify::ecdsa::verify_nist_prehash(
            spec,
            &self.public_key,
            &self.digest,
            &self.signature,
        )
    }
}
