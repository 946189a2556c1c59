//! Sealing: a v2 message with a committing suite, framed. Spec:
//! `client-apis/encrypt.md`.
//!
//! A [`Sealer`] is one message being written. The shim gets a data key into
//! it (generated here, or from a KMS keyring through the data-key seam),
//! adds encrypted data keys (local keyrings wrap here; KMS keyrings answer
//! through the seam), then calls [`Sealer::seal`].

use super::body::{BodyWriter, SealPlan};
use super::encryption_context::{EncryptionContext, PUBLIC_KEY_FIELD};
use super::footer::{MessageSigner, Transcript};
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
    signer: Option<MessageSigner>,
    rng: Drbg,
    data_key: Option<Secret>,
    edks: Vec<EncryptedDataKey>,
    max_edks: usize,
}

impl Sealer {
    /// Starts a message. `context` comes from [`EncryptionContext::from_caller`];
    /// for a signed suite the public key is added here. `entropy` is 64 fresh random bytes.
    ///
    /// # Errors
    /// `UNSUPPORTED_ALGORITHM` for a suite we do not write; `INVALID_ARGUMENT`
    /// for a bad frame length or seed; `INVALID_ENCRYPTION_CONTEXT` if the
    /// context with the public key no longer fits.
    pub fn new(
        suite: AlgorithmSuite,
        frame_length: u32,
        mut context: EncryptionContext,
        entropy: &[u8],
    ) -> Result<Self> {
        check_writable(&suite, frame_length)?;
        let mut rng = Drbg::new(entropy)?;
        let message_id = rng.bytes();
        let signer = suite.is_signed().then(|| MessageSigner::generate(&mut rng));
        if let Some(s) = &signer {
            context.insert_reserved(PUBLIC_KEY_FIELD, s.public_key_base64());
        }
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
            || m.signing_key.is_some() != suite.is_signed()
            || m.edks.is_empty()
        {
            return Err(Error::InvalidState("cached materials do not fit the suite"));
        }
        let mut rng = Drbg::new(entropy)?;
        let message_id = rng.bytes();
        let signer = m
            .signing_key
            .as_ref()
            .map(MessageSigner::from_secret)
            .transpose()?;
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
    ) -> Result<Self> {
        check_writable(&suite, frame_length)?;
        if data_key.len() != suite.data_key_len() {
            return Err(Error::InvalidDataKey(
                "the data key has the wrong length for the algorithm suite",
            ));
        }
        let mut rng = Drbg::new(entropy)?;
        let signer = suite.is_signed().then(|| MessageSigner::generate(&mut rng));
        if let Some(s) = &signer {
            context.insert_reserved(PUBLIC_KEY_FIELD, s.public_key_base64());
        }
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
    pub(crate) fn rekey_header(self) -> Result<(Vec<u8>, Option<MessageSigner>)> {
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
            signing_key: self.signer.as_ref().map(MessageSigner::to_secret),
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
        let (header, keys) = self.header()?;
        let mut transcript = Transcript::new(self.suite.signing);
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
        let frame_len =
            usize::try_from(self.frame_length).map_err(|_| Error::LimitExceeded("frame length"))?;
        let frames = plaintext.len().saturating_sub(1) / frame_len + 1;
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
        Ok(out)
    }
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
