//! Sealing: a v2 message with a committing suite, framed. Spec:
//! `client-apis/encrypt.md`.
//!
//! A [`Sealer`] is one message being written. The shim gets a data key into
//! it (generated here, or from a KMS keyring through the data-key seam),
//! adds encrypted data keys (local keyrings wrap here; KMS keyrings answer
//! through the seam), then calls [`Sealer::seal`].

use super::body::{BodyWriter, SealPlan};
use super::encryption_context::{EncryptionContext, PUBLIC_KEY_FIELD};
#[cfg(feature = "footer-ecdsa")]
use super::footer::MessageSigner;
use super::footer::{Signer, Transcript};
use super::gcm::{self, IV_LEN};
use super::header::{self, EncryptedDataKey};
use super::kdf;
use super::rng::Drbg;
use super::secret::Secret;
use super::suite::AlgorithmSuite;
use crate::keyring::LocalKeyring;
use crate::keyring::cache::CachedMaterials;
use crate::{Error, Result};

/// Frame length used when the caller does not choose one: 64 KiB, so that one
/// WebCrypto call covers enough bytes (see `bench/envelope.bench.js`); the
/// reference SDK uses 4096 and every reader accepts any length.
pub const DEFAULT_FRAME_LENGTH: u32 = 65536;

/// One message being sealed.
pub struct Sealer {
    suite: AlgorithmSuite,
    frame_length: u32,
    message_id: [u8; 32],
    context: EncryptionContext,
    serialized_context: Vec<u8>,
    signer: Option<Signer>,
    rng: Drbg,
    data_key: Option<Secret>,
    edks: Vec<EncryptedDataKey>,
    max_edks: usize,
}

impl Sealer {
    /// Starts a message. `context` comes from [`EncryptionContext::from_caller`];
    /// for a signed suite a signing key is generated here and its public key
    /// added to the context. `entropy` is 64 fresh random bytes.
    ///
    /// # Errors
    /// `UNSUPPORTED_ALGORITHM` for a suite we do not write; `INVALID_ARGUMENT`
    /// for a bad frame length or seed (or, without the `footer-ecdsa`
    /// feature, for a signed suite: see [`with_signer`](Self::with_signer));
    /// `INVALID_ENCRYPTION_CONTEXT` if the context with the public key no longer fits.
    pub fn new(
        suite: AlgorithmSuite,
        frame_length: u32,
        context: EncryptionContext,
        entropy: &[u8],
    ) -> Result<Self> {
        Self::with_signer(suite, frame_length, context, entropy, None)
    }

    /// [`new`](Self::new), with the footer signed outside the core for a
    /// signed suite when `signer_public` (the signer's P-384 public point,
    /// compressed or not) is given: then the footer comes from
    /// [`BodyWriter::external_footer`] (streams),
    /// [`SealPlan::external_footer`] (native engines) or
    /// [`seal_for_external_signer`](Self::seal_for_external_signer).
    ///
    /// # Errors
    /// As [`new`](Self::new); `INVALID_ARGUMENT` for a key that is not a
    /// P-384 point, or a key for an unsigned suite.
    pub fn with_signer(
        suite: AlgorithmSuite,
        frame_length: u32,
        mut context: EncryptionContext,
        entropy: &[u8],
        signer_public: Option<&[u8]>,
    ) -> Result<Self> {
        check_writable(&suite, frame_length)?;
        let mut rng = Drbg::new(entropy)?;
        let message_id = rng.bytes();
        let signer = signer_for(&suite, &mut rng, signer_public, &mut context)?;
        let serialized_context = context.serialize()?;
        Ok(Self {
            suite,
            frame_length,
            message_id,
            context,
            serialized_context,
            signer,
            rng,
            data_key: None,
            edks: Vec::new(),
            max_edks: usize::from(u16::MAX),
        })
    }

    /// A message reusing cached materials (data key, encrypted data keys,
    /// signing key and context); only the message id is new.
    ///
    /// # Errors
    /// As [`new`](Self::new); `INVALID_STATE` for inconsistent materials.
    pub fn from_cached(
        suite: AlgorithmSuite,
        frame_length: u32,
        m: &CachedMaterials,
        entropy: &[u8],
    ) -> Result<Self> {
        check_writable(&suite, frame_length)?;
        if m.data_key.len() != suite.data_key_len()
            || (m.signing_key.is_some() || m.external_signer) != suite.is_signed()
            || (m.signing_key.is_some() && m.external_signer)
            || m.edks.is_empty()
        {
            return Err(Error::InvalidState("cached materials do not fit the suite"));
        }
        let mut rng = Drbg::new(entropy)?;
        let message_id = rng.bytes();
        let signer = if m.external_signer {
            Some(Signer::External)
        } else {
            m.signing_key.as_ref().map(local_signer).transpose()?
        };
        let serialized_context = m.context.serialize()?;
        Ok(Self {
            suite,
            frame_length,
            message_id,
            context: m.context.clone(),
            serialized_context,
            signer,
            rng,
            data_key: Some(Secret::copy_from(m.data_key.expose_secret())),
            edks: m.edks.clone(),
            max_edks: usize::from(u16::MAX),
        })
    }

    /// A message re-keyed from a verified original (see [`super::reencrypt`]):
    /// the original's suite, frame length, message id, context and data key;
    /// for a signed suite a fresh signing key, whose public key replaces the
    /// original's `aws-crypto-public-key`. No encrypted data key yet.
    ///
    /// # Errors
    /// As [`new`](Self::new); `INVALID_DATA_KEY` for a key of the wrong length.
    pub(crate) fn for_rekey(
        suite: AlgorithmSuite,
        frame_length: u32,
        message_id: [u8; 32],
        mut context: EncryptionContext,
        data_key: Secret,
        entropy: &[u8],
        signer_public: Option<&[u8]>,
    ) -> Result<Self> {
        check_writable(&suite, frame_length)?;
        if data_key.len() != suite.data_key_len() {
            return Err(Error::InvalidDataKey(
                "the data key has the wrong length for the algorithm suite",
            ));
        }
        let mut rng = Drbg::new(entropy)?;
        let signer = signer_for(&suite, &mut rng, signer_public, &mut context)?;
        let serialized_context = context.serialize()?;
        Ok(Self {
            suite,
            frame_length,
            message_id,
            context,
            serialized_context,
            signer,
            rng,
            data_key: Some(data_key),
            edks: Vec::new(),
            max_edks: usize::from(u16::MAX),
        })
    }

    /// The header of a re-keyed message (tag included) and its signer, for
    /// [`super::reencrypt`], which copies the original's frames after it.
    ///
    /// # Errors
    /// As [`start`](Self::start).
    pub(crate) fn rekey_header(self) -> Result<(Vec<u8>, Option<Signer>)> {
        let (header, _) = self.header()?;
        Ok((header, self.signer))
    }

    /// The data key, once at least one keyring has wrapped it.
    ///
    /// # Errors
    /// `INVALID_STATE` without a data key or without an encrypted data key.
    fn wrapped_data_key(&self) -> Result<&Secret> {
        let key = self
            .data_key
            .as_ref()
            .ok_or(Error::InvalidState("no data key"))?;
        if self.edks.is_empty() {
            return Err(Error::InvalidState("no keyring wrapped the data key"));
        }
        Ok(key)
    }

    /// Copies of what a cache needs to seal more messages like this one.
    ///
    /// # Errors
    /// `INVALID_STATE` before the data key is wrapped.
    pub fn materials_for_cache(&self) -> Result<CachedMaterials> {
        let key = self.wrapped_data_key()?;
        Ok(CachedMaterials {
            data_key: Secret::copy_from(key.expose_secret()),
            edks: self.edks.clone(),
            signing_key: match &self.signer {
                #[cfg(feature = "footer-ecdsa")]
                Some(Signer::Local(s)) => Some(s.to_secret()),
                _ => None,
            },
            external_signer: self.signer.as_ref().is_some_and(Signer::is_external),
            context: self.context.clone(),
        })
    }

    /// Refuses to write more than `max` encrypted data keys (the reader's limit,
    /// enforced on the writing side too, as the specification asks).
    pub fn set_max_encrypted_data_keys(&mut self, max: usize) {
        self.max_edks = max;
    }

    /// The full context (with the public key of a signed suite): what KMS must be given.
    #[must_use]
    pub const fn encryption_context(&self) -> &EncryptionContext {
        &self.context
    }

    /// The suite.
    #[must_use]
    pub const fn suite(&self) -> AlgorithmSuite {
        self.suite
    }

    /// Whether a data key is present.
    #[must_use]
    pub const fn has_data_key(&self) -> bool {
        self.data_key.is_some()
    }

    /// Generates the data key here (when the generator is a local keyring).
    ///
    /// # Errors
    /// `INVALID_STATE` if there is already one.
    pub fn generate_data_key(&mut self) -> Result<()> {
        if self.data_key.is_some() {
            return Err(Error::InvalidState("the message already has a data key"));
        }
        let mut key = Secret::new(vec![0u8; self.suite.data_key_len()]);
        self.rng.fill(key.expose_secret_mut());
        self.data_key = Some(key);
        Ok(())
    }

    /// Takes a data key generated elsewhere (a KMS `GenerateDataKey` answer) with its encrypted copy.
    ///
    /// # Errors
    /// `INVALID_DATA_KEY` if it has the wrong length; `INVALID_STATE` if there is already one.
    pub fn set_data_key(&mut self, key: Secret, edk: EncryptedDataKey) -> Result<()> {
        if self.data_key.is_some() {
            return Err(Error::InvalidState("the message already has a data key"));
        }
        if key.len() != self.suite.data_key_len() {
            return Err(Error::InvalidDataKey(
                "the data key has the wrong length for the algorithm suite",
            ));
        }
        self.data_key = Some(key);
        self.add_encrypted_data_key(edk)
    }

    /// Wraps the data key with a local keyring (generating the key first if there is none).
    ///
    /// # Errors
    /// Whatever the keyring fails with.
    pub fn wrap_with(&mut self, keyring: &dyn LocalKeyring) -> Result<()> {
        if keyring.refuses_signed_suites() && self.suite.is_signed() {
            return Err(Error::UnsupportedAlgorithm(
                "a KMS RSA keyring can only be used with the unsigned suite AES_256_GCM_HKDF_SHA512_COMMIT_KEY",
            ));
        }
        if self.data_key.is_none() {
            self.generate_data_key()?;
        }
        let key = self
            .data_key
            .as_ref()
            .ok_or(Error::InvalidState("no data key"))?;
        let edk = keyring.wrap(key, &self.serialized_context, &mut self.rng)?;
        self.add_encrypted_data_key(edk)
    }

    /// The serialized (canonical) encryption context, which keyrings outside
    /// this module bind (the KMS RSA keyring seals its SHA-384 digest).
    #[must_use]
    pub fn serialized_context(&self) -> &[u8] {
        &self.serialized_context
    }

    /// The plaintext data key, for a KMS keyring's `Encrypt` or a keyring
    /// outside this module (the RSA keyrings of the `rsa` module): the only
    /// reasons it ever leaves the core.
    ///
    /// # Errors
    /// `INVALID_STATE` if there is no data key yet.
    pub fn data_key_for_kms_encrypt(&self) -> Result<&Secret> {
        self.data_key.as_ref().ok_or(Error::InvalidState(
            "no data key yet: the generator runs first",
        ))
    }

    /// Adds an encrypted data key made elsewhere (a KMS `Encrypt` answer).
    ///
    /// # Errors
    /// `LIMIT_EXCEEDED` past 65535 keys; `INVALID_DATA_KEY` for fields over 65535 bytes.
    pub fn add_encrypted_data_key(&mut self, edk: EncryptedDataKey) -> Result<()> {
        // The KMS RSA keyring wraps outside this module (the `rsa` module) and
        // hands its encrypted data key in here: anyone with the public key can
        // write such a message, so a signature would prove nothing (KRSA-14).
        if edk.provider_id == crate::keyring::kms_rsa::PROVIDER_ID && self.suite.is_signed() {
            return Err(Error::UnsupportedAlgorithm(
                "a KMS RSA keyring can only be used with the unsigned suite AES_256_GCM_HKDF_SHA512_COMMIT_KEY",
            ));
        }
        let too_big = |n: usize| n > usize::from(u16::MAX);
        if too_big(edk.provider_id.len())
            || too_big(edk.provider_info.len())
            || too_big(edk.ciphertext.len())
        {
            return Err(Error::InvalidDataKey(
                "an encrypted data key field is longer than 65535 bytes",
            ));
        }
        if self.edks.len() >= usize::from(u16::MAX) {
            return Err(Error::LimitExceeded("more than 65535 encrypted data keys"));
        }
        self.edks.push(edk);
        Ok(())
    }

    /// Writes the header and returns it with the writer for the body (streaming).
    ///
    /// # Errors
    /// `INVALID_STATE` without a data key or encrypted data key.
    pub fn start(self) -> Result<(Vec<u8>, BodyWriter)> {
        let signing = self.suite.signing;
        self.start_with(Transcript::new(signing))
    }

    /// [`start`](Self::start) for a message whose external signer also hashes
    /// it: the core hashes nothing, and the signer hashes header ‖ body as they
    /// are released (every byte `start`, `update`, `finish` or `absorb` returns,
    /// in order, until the footer) and hands its `r ‖ s` to
    /// [`BodyWriter::external_footer`]; [`BodyWriter::footer_digest`] stays
    /// `None`. For a shim whose runtime hashes faster than the core (Node's
    /// `crypto`): it holds the same trust as the signature, which it makes.
    ///
    /// # Errors
    /// As [`start`](Self::start); `INVALID_STATE` unless the signer is external.
    pub fn start_hashing_outside(self) -> Result<(Vec<u8>, BodyWriter)> {
        if !self.signer.as_ref().is_some_and(Signer::is_external) {
            return Err(Error::InvalidState(
                "only an external signer hashes the message itself",
            ));
        }
        self.start_with(Transcript::Outside)
    }

    fn start_with(self, mut transcript: Transcript) -> Result<(Vec<u8>, BodyWriter)> {
        let (header, keys) = self.header()?;
        transcript.update(&header);
        let frame_len =
            usize::try_from(self.frame_length).map_err(|_| Error::LimitExceeded("frame length"))?;
        let writer = BodyWriter::new(
            keys.encryption_key,
            self.message_id.to_vec(),
            frame_len,
            transcript,
            self.signer,
        );
        Ok((header, writer))
    }

    /// The header with its tag, and the message's derived keys.
    fn header(&self) -> Result<(Vec<u8>, kdf::DerivedKeys)> {
        let key = self.wrapped_data_key()?;
        if self.edks.len() > self.max_edks {
            return Err(Error::TooManyEncryptedDataKeys);
        }
        let keys = kdf::derive(&self.suite, key, &self.message_id)?;
        let commitment = keys
            .commitment
            .ok_or(Error::InvalidState("a committing suite has a commitment"))?;
        let mut header = header::serialize_v2(
            &self.suite,
            &self.message_id,
            &self.serialized_context,
            &self.edks,
            self.frame_length,
            &commitment,
        )?;
        let tag = gcm::seal(
            keys.encryption_key.expose_secret(),
            &[0u8; IV_LEN],
            &header,
            &mut [],
        )?;
        header.extend_from_slice(&tag);
        Ok((header, keys))
    }

    /// Plans a `len`-byte message for a native AES-GCM engine: returns the
    /// message encryption key (for the engine to import, then wipe) and the plan.
    ///
    /// # Errors
    /// As [`start`](Self::start).
    pub fn plan(self, len: usize) -> Result<(Secret, SealPlan)> {
        let (header, writer) = self.start()?;
        writer.plan(header, len)
    }

    /// Writes the whole message for `plaintext`.
    ///
    /// # Errors
    /// `INVALID_STATE` without a data key or encrypted data key; `LIMIT_EXCEEDED`
    /// for more than 2^32 - 2 frames.
    pub fn seal(self, plaintext: &[u8]) -> Result<Vec<u8>> {
        if self.signer.as_ref().is_some_and(Signer::is_external) {
            return Err(Error::InvalidState(
                "the footer is signed outside: seal_for_external_signer",
            ));
        }
        Ok(self.seal_for_external_signer(plaintext)?.0)
    }

    /// [`seal`](Self::seal) for a message whose footer is signed outside the
    /// core: header ‖ body, and for a signed suite the SHA-384 digest of it to
    /// sign; the footer is then [`super::footer::encode`] of the signature.
    /// (With a signer held here, the message is whole and the digest `None`.)
    ///
    /// # Errors
    /// As [`seal`](Self::seal).
    pub fn seal_for_external_signer(self, plaintext: &[u8]) -> Result<(Vec<u8>, Option<Vec<u8>>)> {
        let frame_len =
            usize::try_from(self.frame_length).map_err(|_| Error::LimitExceeded("frame length"))?;
        let frames = plaintext.len() / frame_len.max(1) + 1;
        let (mut out, mut writer) = self.start()?;
        // Sized by the plaintext, not by frames × frame length: a few bytes in a
        // 2 GiB frame must not reserve 2 GiB.
        out.reserve(
            plaintext
                .len()
                .saturating_add(frames.saturating_mul(8 + 4 + IV_LEN + 16))
                .saturating_add(256),
        );
        out.extend_from_slice(&writer.update(plaintext)?);
        out.extend_from_slice(&writer.finish()?);
        Ok((out, writer.footer_digest().map(<[u8]>::to_vec)))
    }
}

/// The footer's signer of a new message, its public key put into `context`.
fn signer_for(
    suite: &AlgorithmSuite,
    rng: &mut Drbg,
    signer_public: Option<&[u8]>,
    context: &mut EncryptionContext,
) -> Result<Option<Signer>> {
    if !suite.is_signed() {
        return match signer_public {
            None => Ok(None),
            Some(_) => Err(Error::InvalidArgument(
                "an unsigned suite takes no signing key",
            )),
        };
    }
    let (signer, public) = match signer_public {
        Some(p) => Signer::external(p)?,
        None => local_generated(rng)?,
    };
    context.insert_reserved(PUBLIC_KEY_FIELD, public);
    Ok(Some(signer))
}

#[cfg(feature = "footer-ecdsa")]
#[allow(clippy::unnecessary_wraps)]
fn local_generated(rng: &mut Drbg) -> Result<(Signer, String)> {
    let s = MessageSigner::generate(rng);
    let public = s.public_key_base64();
    Ok((Signer::Local(s), public))
}

#[cfg(not(feature = "footer-ecdsa"))]
fn local_generated(_: &mut Drbg) -> Result<(Signer, String)> {
    Err(Error::InvalidArgument(
        "a signed suite needs the signer's public key in this build",
    ))
}

#[cfg(feature = "footer-ecdsa")]
fn local_signer(s: &Secret) -> Result<Signer> {
    MessageSigner::from_secret(s).map(Signer::Local)
}

#[cfg(not(feature = "footer-ecdsa"))]
fn local_signer(_: &Secret) -> Result<Signer> {
    Err(Error::InvalidState("no footer arithmetic in this build"))
}

/// What this library writes: a committing suite (0x0478, 0x0578) and a frame
/// length the format allows.
fn check_writable(suite: &AlgorithmSuite, frame_length: u32) -> Result<()> {
    if !suite.committing {
        return Err(Error::UnsupportedAlgorithm(
            "only the committing suites 0x0478 and 0x0578 are written",
        ));
    }
    if frame_length == 0 || frame_length > header::MAX_FRAME_LENGTH {
        return Err(Error::InvalidArgument(
            "the frame length must be between 1 and 2^31 - 1",
        ));
    }
    Ok(())
}
