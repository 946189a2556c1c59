//! Opening: any ESDK message, v1 or v2, framed or not. Spec:
//! `client-apis/decrypt.md`.
//!
//! Order of checks: header parse (policy, limits) → required context →
//! data key (local keyrings here, KMS through the seam) → key commitment in
//! constant time → header tag → every frame tag → footer signature. The
//! plaintext is assembled inside the core and returned only when all of
//! them passed; on any failure it is wiped.

use core::cell::OnceCell;

use zeroize::Zeroizing;

use super::body::{BodyReader, FrameDesc};
use super::encryption_context::{EncryptionContext, PUBLIC_KEY_FIELD};
use super::footer::{ExternalSignature, FooterCheck, NO_PUBLIC_KEY, SignerKey, Transcript};
use super::gcm;
use super::header::{Header, ParseLimits};
use super::kdf;
use super::reader::TRUNCATED;
use super::rng::Drbg;
use super::secret::Secret;
use crate::keyring::LocalKeyring;
use crate::{Error, Result};

/// Default maximum of encrypted data keys a reader accepts.
pub const DEFAULT_MAX_ENCRYPTED_DATA_KEYS: usize = ParseLimits::DEFAULT.max_encrypted_data_keys;

/// Refuses, from the header alone and before any keyring runs, a message that
/// cannot carry the signature its reader relies on.
///
/// Signature stripping: whoever can decrypt a signed message's data key can
/// write a new *unsigned* message under it, keeping the context, whose
/// `aws-crypto-public-key` still says "a signer stood behind this". Writers
/// never put that key in an unsigned message's context (it is reserved and
/// only the signed suites add it), so its presence there is a forgery. Spec:
/// `framework/default-cmm.md` § "Decrypt Materials" (and `cmm-interface.md`):
/// an unsigned suite whose context holds the reserved key SHOULD fail — we fail.
///
/// # Errors
/// `TAMPERED` for an unsigned suite with `aws-crypto-public-key` in its context;
/// `SIGNATURE_REQUIRED` for any unsigned suite when `limits.require_signed`;
/// `MALFORMED_MESSAGE` for a signed suite whose context lacks a public key of
/// the suite's form. Returns that key, not yet decoded (see [`KeyCheck`]).
fn check_signature_policy(header: &Header, limits: &ParseLimits) -> Result<Option<SignerKey>> {
    if header.suite.is_signed() {
        return SignerKey::from_context(header.suite.signing, &header.encryption_context).map(Some);
    }
    if limits.require_signed {
        return Err(Error::SignatureRequired);
    }
    if header.encryption_context.get(PUBLIC_KEY_FIELD).is_some() {
        return Err(Error::Tampered);
    }
    Ok(None)
}

/// When an opener finds out whether a signed message's footer key is a point
/// of the suite's curve (decoding it: a square root, ~0.2 ms in wasm for P-384).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyCheck {
    /// With the header: a key that is not a point fails before any keyring
    /// is asked and before a stream releases its first frame (`default-cmm.md`).
    WithHeader,
    /// When the key is first used. For one-shot opens, which release nothing
    /// before the footer signature verified: a native engine imports the key
    /// as the message carries it ([`Opener::signer_key`]) and decodes it
    /// itself, and only where it refuses that form does the core decode it
    /// ([`Opener::signer_public_key`], `MALFORMED_MESSAGE` then, after the
    /// keyring). Its form (tag, length) is still checked with the header.
    OnUse,
}

/// One message being opened.
pub struct Opener {
    header: Header,
    serialized_context: Vec<u8>,
    data_key: Option<Secret>,
    /// The message key derived from `data_key`, once the commitment and the
    /// header tag verified under it: each later step (the native key, the
    /// plan, the body reader) starts from it instead of deriving and checking
    /// again. Set with `data_key` or by the first `start`; cleared whenever
    /// `data_key` is replaced.
    verified: OnceCell<Secret>,
    /// A signed message's footer key, decoded with the header or on first use ([`KeyCheck`]).
    signer: Option<SignerKey>,
    rng: Drbg,
    only_incapable_keyrings: Option<bool>,
    rejected_candidate: bool,
    max_body_size: usize,
}

impl Opener {
    /// Parses the header of `message` and checks the caller's required context.
    ///
    /// # Errors
    /// See [`Header::parse`]; `ENCRYPTION_CONTEXT_MISMATCH` if `required` is not met;
    /// `TAMPERED` or `SIGNATURE_REQUIRED` (see [`check_signature_policy`]).
    /// `entropy` (64 random bytes) blinds RSA private-key operations.
    pub fn new(
        message: &[u8],
        limits: &ParseLimits,
        required: &EncryptionContext,
        entropy: &[u8],
    ) -> Result<Self> {
        Self::with_key_check(message, limits, required, entropy, KeyCheck::WithHeader)
    }

    /// [`new`](Self::new), decoding a signed message's footer key when `key_check` says.
    ///
    /// # Errors
    /// As [`new`](Self::new); with [`KeyCheck::OnUse`], a footer key of the
    /// right form that is not a point of the curve is not among them.
    pub fn with_key_check(
        message: &[u8],
        limits: &ParseLimits,
        required: &EncryptionContext,
        entropy: &[u8],
        key_check: KeyCheck,
    ) -> Result<Self> {
        let rng = Drbg::new(entropy)?;
        let header = Header::parse(message, limits)?;
        let signer = check_signature_policy(&header, limits)?;
        if key_check == KeyCheck::WithHeader {
            signer.as_ref().map(SignerKey::point).transpose()?;
        }
        header.encryption_context.require(required)?;
        let mut opener = Self::with_header(header, rng, limits)?;
        opener.signer = signer;
        Ok(opener)
    }

    /// [`new`](Self::new) without the signature policy, for the test that proves
    /// a stripped message really is a forgery the policy must catch.
    #[cfg(test)]
    pub(crate) fn new_without_signature_policy(
        message: &[u8],
        limits: &ParseLimits,
        entropy: &[u8],
    ) -> Result<Self> {
        let header = Header::parse(message, limits)?;
        let signer = SignerKey::from_context(header.suite.signing, &header.encryption_context).ok();
        let mut opener = Self::with_header(header, Drbg::new(entropy)?, limits)?;
        opener.signer = signer;
        Ok(opener)
    }

    fn with_header(header: Header, rng: Drbg, limits: &ParseLimits) -> Result<Self> {
        let serialized_context = header.encryption_context.serialize()?;
        Ok(Self {
            header,
            serialized_context,
            data_key: None,
            verified: OnceCell::new(),
            signer: None,
            rng,
            only_incapable_keyrings: None,
            rejected_candidate: false,
            max_body_size: limits.max_body_size,
        })
    }

    /// Whether `key` is this message's data key: the commitment (v2) and the
    /// header tag verify under it. Lets a keyring whose unwrap cannot fail
    /// loudly (PKCS#1 v1.5 implicit rejection) fall through to the next one.
    fn accepts(&self, key: &Secret) -> Option<Secret> {
        self.authenticate(key).ok().map(|k| k.encryption_key)
    }

    /// Takes `key` as the data key, with its verified message key when known.
    fn take_data_key(&mut self, key: Secret, verified: Option<Secret>) {
        self.data_key = Some(key);
        self.verified = OnceCell::new();
        if let Some(k) = verified {
            let _ = self.verified.set(k); // the cell was just emptied
        }
    }

    /// Derives the message's keys from `key` and checks the key commitment
    /// (v2, in constant time) and the header tag under them.
    ///
    /// # Errors
    /// `TAMPERED` if either check fails.
    fn authenticate(&self, key: &Secret) -> Result<kdf::DerivedKeys> {
        let h = &self.header;
        let keys = kdf::derive(&h.suite, key, &h.message_id)?;
        if let Some(derived) = &keys.commitment {
            kdf::check_commitment(derived, h.commitment.as_ref().map_or(&[][..], |c| &c[..]))?;
        }
        gcm::open(
            keys.encryption_key.expose_secret(),
            &h.auth_iv,
            &h.authenticated,
            &mut [],
            &h.auth_tag,
        )?;
        Ok(keys)
    }

    /// Like [`new`](Self::new) for the first bytes of a stream: `Ok(None)` until
    /// the whole header is there, then the opener and the header's length.
    ///
    /// # Errors
    /// As [`new`](Self::new); `LIMIT_EXCEEDED` once `prefix` is longer than
    /// `limits.max_header_size` without holding a whole header.
    pub fn from_prefix(
        prefix: &[u8],
        limits: &ParseLimits,
        required: &EncryptionContext,
        entropy: &[u8],
    ) -> Result<Option<(Self, usize)>> {
        Self::from_prefix_with(prefix, limits, required, entropy, KeyCheck::WithHeader)
    }

    /// [`from_prefix`](Self::from_prefix) with [`with_key_check`](Self::with_key_check)'s `key_check`.
    ///
    /// # Errors
    /// As [`from_prefix`](Self::from_prefix).
    pub fn from_prefix_with(
        prefix: &[u8],
        limits: &ParseLimits,
        required: &EncryptionContext,
        entropy: &[u8],
        key_check: KeyCheck,
    ) -> Result<Option<(Self, usize)>> {
        match Self::with_key_check(prefix, limits, required, entropy, key_check) {
            Ok(o) => {
                let len = o.header.len;
                Ok(Some((o, len)))
            }
            Err(e) if e == TRUNCATED => {
                if prefix.len() > limits.max_header_size {
                    Err(Error::LimitExceeded("a header above maxHeaderSize"))
                } else {
                    Ok(None)
                }
            }
            Err(e) => Err(e),
        }
    }

    /// The parsed header.
    #[must_use]
    pub const fn header(&self) -> &Header {
        &self.header
    }

    /// Whether a data key has been found.
    #[must_use]
    pub const fn has_data_key(&self) -> bool {
        self.data_key.is_some()
    }

    /// Tries a local keyring on every encrypted data key; true once one unwraps.
    ///
    /// # Errors
    /// Only what the keyring reports as fatal (e.g. `KEYRING_CANNOT_DECRYPT`).
    pub fn try_keyring(&mut self, keyring: &dyn LocalKeyring) -> Result<bool> {
        // Keyrings bind the canonical serialization (sorted by UTF-8 bytes). A
        // writer that sorted otherwise is still tried with the bytes as written.
        let raw = self.header.encryption_context_bytes.clone();
        let canonical = self.serialized_context.clone();
        if raw == canonical {
            self.try_with(keyring, &[&canonical])
        } else {
            self.try_with(keyring, &[&canonical, &raw])
        }
    }

    /// Like [`try_keyring`](Self::try_keyring), binding the context serialized
    /// in `order`. The JavaScript ESDK sorts the context it binds with
    /// `localeCompare` by default (its issue #428), an order only JS can
    /// reproduce; the shim passes it here. The result is authenticated like
    /// any other candidate.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` if `order` is not a permutation of the keys.
    pub fn try_keyring_in_order(
        &mut self,
        keyring: &dyn LocalKeyring,
        order: &[String],
    ) -> Result<bool> {
        let bytes = self.header.encryption_context.serialize_in_order(order)?;
        self.try_with(keyring, &[&bytes])
    }

    fn try_with(&mut self, keyring: &dyn LocalKeyring, contexts: &[&[u8]]) -> Result<bool> {
        if self.data_key.is_some() {
            return Ok(true);
        }
        let capable = keyring.can_decrypt();
        self.note_keyring(capable);
        if !capable {
            return Ok(false);
        }
        let len = self.header.suite.data_key_len();
        for context in contexts {
            for edk in &self.header.encrypted_data_keys {
                if let Some(key) = keyring.unwrap(edk, context, len, &mut self.rng)? {
                    if let Some(verified) = self.accepts(&key) {
                        self.take_data_key(key, Some(verified));
                        return Ok(true);
                    }
                    // A key came out but the header does not authenticate under it.
                    self.rejected_candidate = true;
                }
            }
        }
        Ok(false)
    }

    /// Records that a keyring was asked, and whether it holds a key to unwrap
    /// with: a message that only keyrings without one were asked for fails
    /// `KEYRING_CANNOT_DECRYPT`, not `NO_DECRYPTABLE_DATA_KEY`. [`try_keyring`](Self::try_keyring)
    /// does it itself; the shim calls it for keyrings outside this module.
    pub fn note_keyring(&mut self, capable: bool) {
        self.only_incapable_keyrings =
            Some(self.only_incapable_keyrings.unwrap_or(true) && !capable);
    }

    /// Offers a data key that a keyring outside this module (the RSA keyrings
    /// of the `rsa` module) unwrapped from one of the header's encrypted data
    /// keys. Taken only if the header authenticates under it, exactly as a
    /// candidate of [`try_keyring`](Self::try_keyring); a key of the wrong
    /// length is not a candidate. True once the opener holds a data key.
    ///
    /// # Errors
    /// None today; `Result` for symmetry with the other keyring calls.
    pub fn offer_data_key(&mut self, key: Secret) -> Result<bool> {
        if self.data_key.is_some() {
            return Ok(true);
        }
        if key.len() != self.header.suite.data_key_len() {
            return Ok(false);
        }
        if let Some(verified) = self.accepts(&key) {
            self.take_data_key(key, Some(verified));
            return Ok(true);
        }
        self.rejected_candidate = true;
        Ok(false)
    }

    /// The length of this message's data key.
    #[must_use]
    pub fn data_key_len(&self) -> usize {
        self.header.suite.data_key_len()
    }

    /// The serialized (canonical) context, for cache ids.
    #[must_use]
    pub fn serialized_context(&self) -> &[u8] {
        &self.serialized_context
    }

    /// A copy of the data key, for the cache (after the message opened).
    #[must_use]
    pub fn data_key_for_cache(&self) -> Option<Secret> {
        self.data_key
            .as_ref()
            .map(|k| Secret::copy_from(k.expose_secret()))
    }

    /// Takes a data key decrypted elsewhere (a KMS `Decrypt` answer).
    ///
    /// # Errors
    /// `INVALID_DATA_KEY` if it has the wrong length for the suite.
    pub fn set_data_key(&mut self, key: Secret) -> Result<()> {
        if key.len() != self.header.suite.data_key_len() {
            return Err(Error::InvalidDataKey(
                "the data key has the wrong length for the algorithm suite",
            ));
        }
        self.take_data_key(key, None);
        Ok(())
    }

    /// Takes a KMS `Decrypt` answer for an `aws-kms-rsa` encrypted data key
    /// (context digest ‖ data key) after checking the digest.
    ///
    /// # Errors
    /// `ENCRYPTION_CONTEXT_MISMATCH`, `INVALID_DATA_KEY`; `UNSUPPORTED_ALGORITHM` for a signed suite.
    pub fn set_kms_rsa_data_key(&mut self, plaintext: &[u8]) -> Result<()> {
        // Anyone with the public key can write such a message, so a signature on
        // it would prove nothing: the keyring MUST refuse signed suites
        // (`aws-kms-rsa-keyring.md`), on decrypt as on encrypt.
        if self.header.suite.is_signed() {
            return Err(Error::UnsupportedAlgorithm(
                "the KMS RSA keyring opens unsigned suites only",
            ));
        }
        let key =
            crate::keyring::kms_rsa::open_kms_rsa_plaintext(plaintext, &self.serialized_context)?;
        self.set_data_key(key)
    }

    /// Checks the key commitment and header tag, and returns the body reader (streaming).
    ///
    /// # Errors
    /// `NO_DECRYPTABLE_DATA_KEY` without a data key; `TAMPERED`.
    pub fn start(&self) -> Result<BodyReader> {
        let h = &self.header;
        let encryption_key = Secret::copy_from(self.verified_message_key()?.expose_secret());
        let mut transcript = Transcript::new(h.suite.signing);
        transcript.update(&h.authenticated);
        if h.version == 1 {
            transcript.update(&h.auth_iv);
        }
        transcript.update(&h.auth_tag);
        Ok(BodyReader::new(
            encryption_key,
            h.message_id.clone(),
            h.content_type,
            h.frame_length,
            h.suite.signing,
            self.signer.clone(),
            transcript,
            self.max_body_size,
            h.len,
        ))
    }

    /// The message key for a native AES-GCM engine (to import, then wipe),
    /// once the key commitment and the header tag verify under the data key.
    ///
    /// # Errors
    /// As [`start`](Self::start).
    pub fn message_key(&self) -> Result<Secret> {
        Ok(Secret::copy_from(
            self.verified_message_key()?.expose_secret(),
        ))
    }

    /// The message key, once the commitment and the header tag verified under
    /// the data key (checked on the first call, then kept).
    ///
    /// # Errors
    /// `NO_DECRYPTABLE_DATA_KEY` (`KEYRING_CANNOT_DECRYPT`, or `TAMPERED` after
    /// a rejected candidate) without a data key; `TAMPERED`.
    fn verified_message_key(&self) -> Result<&Secret> {
        let key = self.data_key.as_ref().ok_or(if self.rejected_candidate {
            Error::Tampered
        } else if self.only_incapable_keyrings == Some(true) {
            Error::KeyringCannotDecrypt
        } else {
            Error::NoDecryptableDataKey
        })?;
        if let Some(k) = self.verified.get() {
            return Ok(k); // verified for this data key: the cell is emptied whenever it changes
        }
        let k = self.authenticate(key)?.encryption_key;
        Ok(self.verified.get_or_init(|| k))
    }

    /// The footer's public key (uncompressed point, checked on the curve) of
    /// a signed message, from its encryption context; `None` for unsigned suites.
    ///
    /// # Errors
    /// `MALFORMED_MESSAGE` if the context has no usable key.
    pub fn signer_public_key(&self) -> Result<Option<Vec<u8>>> {
        match self.signer_key() {
            Some(k) => k.point().map(|p| Some(p.to_vec())),
            None if self.header.suite.is_signed() => Err(NO_PUBLIC_KEY),
            None => Ok(None),
        }
    }

    /// A signed message's footer key ([`SignerKey`]: as the message carries
    /// it, for a native engine to import ahead of
    /// [`plan_external_signature`](Self::plan_external_signature), and decoded
    /// on demand, once); `None` for unsigned suites. Every constructor sets it
    /// for a signed suite (its form was checked with the header).
    #[must_use]
    pub const fn signer_key(&self) -> Option<&SignerKey> {
        self.signer.as_ref()
    }

    /// Plans opening for a native AES-GCM engine without holding the message:
    /// `read(at, n)` returns the `n` bytes at message offset `at` (fewer at the
    /// end), and only frame heads and the footer are read. Checks every frame's
    /// structure and sequence and parses the footer; returns where each frame
    /// is, the plaintext length, and the footer signature for the engine to
    /// verify (`None` for unsigned suites). The engine must verify the
    /// signature and every frame tag before releasing anything.
    ///
    /// # Errors
    /// `NO_DECRYPTABLE_DATA_KEY`, `TAMPERED` (commitment, header tag or a
    /// signature that is not DER), `MALFORMED_MESSAGE`, `LIMIT_EXCEEDED`.
    #[allow(clippy::type_complexity)]
    pub fn plan_external_signature(
        &self,
        message_len: usize,
        read: &mut dyn FnMut(usize, usize) -> Result<Vec<u8>>,
    ) -> Result<(Vec<FrameDesc>, usize, Option<ExternalSignature>)> {
        let mut reader = self.start()?.plan_only_external_signature(self.header.len);
        reader.plan_sparse(message_len, read)?;
        reader.finish()?;
        let sig = reader.take_external_signature();
        if self.header.suite.is_signed() != sig.is_some() {
            return Err(Error::InvalidState("signature bookkeeping"));
        }
        let (frames, len) = reader.into_plan();
        Ok((frames, len, sig))
    }

    /// [`start`](Self::start) for a reader whose footer signature is verified
    /// outside the core ([`BodyReader::with_verdict_outside`]).
    ///
    /// # Errors
    /// As [`start`](Self::start).
    pub fn start_with_verdict_outside(&self) -> Result<BodyReader> {
        Ok(self.start()?.with_verdict_outside())
    }

    /// Decrypts the whole message and verifies everything but the footer
    /// signature, which is left to a verifier outside the core: the plaintext
    /// stays inside the returned [`PendingOpen`] until it is told the verdict.
    ///
    /// # Errors
    /// As [`open`](Self::open), without the signature's verdict.
    pub fn open_pending(&self, message: &[u8]) -> Result<PendingOpen> {
        let mut reader = self.start_with_verdict_outside()?;
        let body = message
            .get(self.header.len..)
            .ok_or(Error::MalformedMessage("the message is truncated"))?;
        let plaintext = Zeroizing::new(reader.update(body)?);
        let check = match reader.take_footer_check() {
            Some(c) => Some(c),
            None => {
                reader.finish()?;
                None
            }
        };
        Ok(PendingOpen {
            plaintext,
            reader,
            check,
        })
    }

    /// Verifies and decrypts the whole message; returns nothing unless every
    /// check, including the footer signature, passed. Without the
    /// `footer-ecdsa` feature a signed message fails here (`TAMPERED`: its
    /// footer waits for a verdict): use [`open_pending`](Self::open_pending).
    ///
    /// # Errors
    /// `NO_DECRYPTABLE_DATA_KEY` without a data key; `TAMPERED` for any failed
    /// commitment, tag or signature; `MALFORMED_MESSAGE` for a body that does not parse.
    pub fn open(&self, message: &[u8]) -> Result<Vec<u8>> {
        let mut reader = self.start()?;
        let body = message
            .get(self.header.len..)
            .ok_or(Error::MalformedMessage("the message is truncated"))?;
        let out = Zeroizing::new(reader.update(body)?);
        reader.finish()?;
        Ok(out.to_vec())
    }
}

/// A message opened but for its footer signature (see [`Opener::open_pending`]).
/// Holds the plaintext, and for a signed suite the final frame's, until
/// [`release`](Self::release); dropped, it wipes them.
pub struct PendingOpen {
    plaintext: Zeroizing<Vec<u8>>,
    reader: BodyReader,
    check: Option<FooterCheck>,
}

impl PendingOpen {
    /// The footer to verify (`None` for an unsigned suite): its
    /// `signed_len` counts from the message's first byte.
    #[must_use]
    pub const fn footer_check(&self) -> Option<&FooterCheck> {
        self.check.as_ref()
    }

    /// The plaintext, if `verified` says the footer signature verified (an
    /// unsigned message has none, and `verified` is not looked at).
    ///
    /// # Errors
    /// `TAMPERED` for a signed message unless `verified`.
    pub fn release(mut self, verified: bool) -> Result<Vec<u8>> {
        if self.check.is_some() {
            let (last, _) = self.reader.footer_verdict(verified)?;
            let last = Zeroizing::new(last);
            self.reader.finish()?;
            self.plaintext.extend_from_slice(&last);
        }
        Ok(core::mem::take(&mut *self.plaintext))
    }
}
