//! Re-keying: the same message under other keyrings, its body not re-encrypted.
//! The `ReEncrypt` of AWS KMS, for whole messages.
//!
//! What binds what (spec: `data-format/message-header.md`, `message-body.md`,
//! `framework/algorithm-suites.md` § "Key Derivation"):
//! - every frame is sealed under the key derived from the data key with the
//!   message id as salt and the suite id as info, with AAD = message id ‖
//!   body string ‖ sequence number ‖ length. Neither the encrypted data keys
//!   nor the encryption context enter a frame or its key;
//! - the key commitment covers the data key and the message id;
//! - the header tag covers the whole header: context, encrypted data keys,
//!   frame length, commitment;
//! - the footer signature covers header ‖ body.
//!
//! So a message keeps its frames, byte for byte, under a new header with the
//! same suite, message id, frame length and data key, new encrypted data keys
//! and a new header tag. A signed suite needs a new footer: the original's
//! signing key is gone (it lived for one message), so a fresh one signs, its
//! public key replaces `aws-crypto-public-key` and header ‖ body is hashed again.
//!
//! The encryption context is kept. The format would allow another one (it is
//! under the header tag and the signature, both written anew), but a re-key
//! changes who can open a message, not what it says: a context is what its
//! writer bound to the data, and a reader requiring `tenant=acme` must not
//! find those bytes under another tenant because someone re-keyed them. A
//! caller who means to change a context decrypts and encrypts.
//!
//! Nothing is laundered: [`Resealer::verify`] checks the key commitment, the
//! header tag, every frame tag and the footer signature of the original (as a
//! decrypt does, the plaintext wiped at once) before anything is written.

use zeroize::Zeroizing;

use super::body::{BodyReader, FrameDesc};
use super::decrypt::Opener;
use super::encrypt::Sealer;
use super::footer::{FooterCheck, PendingFooter, Signer, Transcript};
use super::header::{ContentType, Header};
use super::secret::Secret;
use crate::{Error, Result};

/// Body bytes verified per step: bounds the plaintext alive at once while the
/// original is checked (it is wiped after each step).
const VERIFY_STEP: usize = 1 << 20;

/// A verified original and the sealer of its re-keyed form: wrap the data key
/// with the new keyrings through [`sealer_mut`](Self::sealer_mut), then
/// [`finish`](Self::finish).
pub struct Resealer {
    sealer: Sealer,
    /// The original's frames (header and footer excluded), verified; empty
    /// when a native engine verified them and holds them.
    body: Vec<u8>,
    /// The original's reader while its footer signature waits for a verdict
    /// from outside ([`verify_external`](Self::verify_external)): until then
    /// no keyring may wrap the data key and nothing is written.
    awaiting: Option<BodyReader>,
}

/// The message id, if the message is one this library can re-key: version 2,
/// committing (what we write), framed. Known from the header alone, so callers
/// check it before asking any keyring for the data key.
///
/// # Errors
/// `UNSUPPORTED_ALGORITHM` otherwise.
pub fn rekeyable(h: &Header) -> Result<[u8; 32]> {
    if h.version != 2 || !h.suite.committing {
        return Err(Error::UnsupportedAlgorithm(
            "only version 2 messages with a committing suite can be re-keyed: decrypt and encrypt instead",
        ));
    }
    if h.content_type != ContentType::Framed {
        return Err(Error::UnsupportedAlgorithm(
            "a non-framed message cannot be re-keyed: decrypt and encrypt instead",
        ));
    }
    <[u8; 32]>::try_from(&h.message_id[..])
        .map_err(|_| Error::InvalidState("a version 2 message id is 32 bytes"))
}

impl Resealer {
    /// Authenticates the whole of `message` (whose header `opener` parsed and
    /// for which it holds the data key): key commitment, header tag, every
    /// frame tag, the end of the message and the footer signature. Then keeps
    /// its frames for the re-keyed message. `message` is taken by value so
    /// that its frames are kept without a copy. `entropy`: 64 fresh random bytes.
    ///
    /// # Errors
    /// `UNSUPPORTED_ALGORITHM` for a message that cannot be re-keyed (before
    /// anything else); what decrypting it fails with (`NO_DECRYPTABLE_DATA_KEY`,
    /// `TAMPERED`, `MALFORMED_MESSAGE`, `LIMIT_EXCEEDED`).
    pub fn verify(opener: &Opener, message: Vec<u8>, entropy: &[u8]) -> Result<Self> {
        Self::verify_inner(opener, message, entropy, None)
    }

    /// [`verify`](Self::verify) with the footer signatures outside the core:
    /// the original's is left to a verifier outside
    /// ([`take_footer_check`](Self::take_footer_check), then
    /// [`footer_verdict`](Self::footer_verdict)), and the new message's is
    /// signed by the key whose public point is `signer_public` (a signed
    /// suite needs it). Every other check is made here.
    ///
    /// # Errors
    /// As [`verify`](Self::verify).
    pub fn verify_external(
        opener: &Opener,
        message: Vec<u8>,
        entropy: &[u8],
        signer_public: Option<&[u8]>,
    ) -> Result<Self> {
        Self::verify_inner(opener, message, entropy, Some(signer_public))
    }

    fn verify_inner(
        opener: &Opener,
        mut message: Vec<u8>,
        entropy: &[u8],
        external: Option<Option<&[u8]>>,
    ) -> Result<Self> {
        let h = opener.header();
        let id = rekeyable(h)?;
        let mut reader = match external {
            Some(_) => opener.start_with_verdict_outside()?,
            None => opener.start()?,
        };
        let body = message
            .get(h.len..)
            .ok_or(Error::MalformedMessage("the message is truncated"))?;
        for step in body.chunks(VERIFY_STEP) {
            drop(Zeroizing::new(reader.update(step)?));
        }
        let awaiting = if reader.awaits_verdict() {
            Some(reader)
        } else {
            reader.finish()?;
            None
        };
        // Where the frames end (the footer starts): the frame heads, read again.
        let len = message.len();
        let (_, _, signature) = opener.plan_external_signature(len, &mut |at, n| {
            Ok(message
                .get(at.min(len)..at.saturating_add(n).min(len))
                .unwrap_or(&[])
                .to_vec())
        })?;
        message.truncate(signature.map_or(len, |s| s.signed_len));
        message.drain(..h.len);
        let mut r = Self::new(opener, id, message, entropy, external.flatten())?;
        r.awaiting = awaiting;
        Ok(r)
    }

    /// The original's footer to verify, once (`None` unless
    /// [`verify_external`](Self::verify_external) read a signed original).
    pub fn take_footer_check(&mut self) -> Option<FooterCheck> {
        self.awaiting.as_mut()?.take_footer_check()
    }

    /// The verdict on the original's footer (see [`BodyReader::footer_verdict`]).
    ///
    /// # Errors
    /// `TAMPERED` unless `verified`; `INVALID_STATE` if nothing waits for it.
    pub fn footer_verdict(&mut self, verified: bool) -> Result<()> {
        let mut reader = self
            .awaiting
            .take()
            .ok_or(Error::InvalidState("no footer waits for a verdict"))?;
        let (last, _) = reader.footer_verdict(verified)?;
        drop(Zeroizing::new(last));
        reader.finish()
    }

    fn verified(&self) -> Result<()> {
        if self.awaiting.is_some() {
            return Err(Error::Tampered);
        }
        Ok(())
    }

    /// For a native engine that verified the original itself (every frame tag
    /// and the footer signature, after [`Opener::plan_external_signature`]):
    /// checks the commitment and header tag again and makes the sealer. The
    /// engine holds the frames and writes them after [`into_header`](Self::into_header).
    ///
    /// # Errors
    /// As [`verify`](Self::verify), without the body checks.
    pub fn after_external_verification(
        opener: &Opener,
        entropy: &[u8],
        signer_public: Option<&[u8]>,
    ) -> Result<Self> {
        let id = rekeyable(opener.header())?;
        opener.start()?;
        Self::new(opener, id, Vec::new(), entropy, signer_public)
    }

    fn new(
        opener: &Opener,
        message_id: [u8; 32],
        body: Vec<u8>,
        entropy: &[u8],
        signer_public: Option<&[u8]>,
    ) -> Result<Self> {
        let h = opener.header();
        let key = opener
            .data_key_for_cache()
            .ok_or(Error::NoDecryptableDataKey)?;
        let sealer = Sealer::for_rekey(
            h.suite,
            h.frame_length,
            message_id,
            h.encryption_context.clone(),
            key,
            entropy,
            signer_public,
        )?;
        Ok(Self {
            sealer,
            body,
            awaiting: None,
        })
    }

    /// The sealer of the new message: wrap the data key with the new keyrings here.
    ///
    /// # Errors
    /// `TAMPERED` while the original's footer waits for its verdict.
    pub fn sealer_mut(&mut self) -> Result<&mut Sealer> {
        self.verified()?;
        Ok(&mut self.sealer)
    }

    /// The new message's sealer, read only.
    #[must_use]
    pub const fn sealer(&self) -> &Sealer {
        &self.sealer
    }

    /// Writes the re-keyed message: new header ‖ the original's frames ‖ (signed
    /// suites) a new footer over both.
    ///
    /// # Errors
    /// `INVALID_STATE` if no keyring wrapped the data key; `TOO_MANY_ENCRYPTED_DATA_KEYS`.
    pub fn finish(self) -> Result<Vec<u8>> {
        match self.finish_for_external_signer()? {
            (out, None) => Ok(out),
            (_, Some(_)) => Err(Error::InvalidState(
                "the footer is signed outside: finish_for_external_signer",
            )),
        }
    }

    /// [`finish`](Self::finish) for an external signer: header ‖ frames, and
    /// for a signed suite the digest to sign ([`footer::encode`] makes the
    /// footer of the signature). With a signer held here the message is whole.
    ///
    /// # Errors
    /// As [`finish`](Self::finish); `TAMPERED` while the original's footer
    /// waits for its verdict.
    pub fn finish_for_external_signer(self) -> Result<(Vec<u8>, Option<Vec<u8>>)> {
        self.verified()?;
        let signing = self.sealer.suite().signing;
        let (header, signer) = self.sealer.rekey_header()?;
        let mut out = self.body;
        out.reserve(header.len().saturating_add(2 + 104));
        out.splice(0..0, header);
        if let Some(s) = signer {
            let mut t = Transcript::new(signing);
            t.update(&out);
            match s.footer_here(t.clone())? {
                Some(footer) => out.extend_from_slice(&footer),
                None => return Ok((out, Some(t.finish()))),
            }
        }
        Ok((out, None))
    }

    /// For a native engine: the new header, and for a signed suite the signer
    /// of the footer over header ‖ frames.
    ///
    /// # Errors
    /// As [`finish`](Self::finish).
    pub fn into_header(self) -> Result<(Vec<u8>, Option<Signer>)> {
        self.verified()?;
        self.sealer.rekey_header()
    }
}

/// Re-keying a stream (messages larger than memory), after [`Resealer::into_stream`]:
/// the original's body goes in as it arrives; out come its frames, each once its
/// tag verified. The final frame, and for a signed suite the new footer, come out
/// only from [`finish`](Self::finish), once the whole original verified (the
/// end of the message, and for a signed suite its footer signature): a re-keyed
/// stream of a tampered or truncated original never ends in a message any
/// reader accepts. (Frames that verified before an error are ciphertext under
/// the data key: no plaintext is released either way.)
pub struct RekeyStream {
    reader: BodyReader,
    message_id: Vec<u8>,
    /// Body bytes taken in but not released yet, from body offset `released`.
    pending: Vec<u8>,
    released: usize,
    /// Hashes the new header ‖ frames for the new footer (signed suites).
    transcript: Transcript,
    signer: Option<Signer>,
    /// An external signer's digest of the new header ‖ frames, after `finish`.
    footer: PendingFooter,
    /// Native engine: frames were described (by [`plan_update`](RekeyStream::plan_update)
    /// or, the final frame of a signed original, by [`footer_verdict`](RekeyStream::footer_verdict))
    /// and the engine has not yet said they verified ([`release_verified`](RekeyStream::release_verified)).
    /// [`finish`](RekeyStream::finish) refuses while it is so: every frame of the
    /// original is authenticated before the end of the re-keyed message goes out.
    unconfirmed: bool,
}

impl Resealer {
    /// For a stream: the new header, and the state that takes the original's
    /// body. `opener` is the opener this resealer was made from (with
    /// [`after_external_verification`](Self::after_external_verification)).
    ///
    /// # Errors
    /// As [`finish`](Self::finish); `NO_DECRYPTABLE_DATA_KEY`, `TAMPERED` (commitment, header tag).
    pub fn into_stream(self, opener: &Opener) -> Result<(Vec<u8>, RekeyStream)> {
        self.stream_with(opener.start()?, opener)
    }

    /// [`into_stream`](Self::into_stream) for a native AES-GCM engine: the
    /// stream describes each frame ([`RekeyStream::plan_update`]) for the engine
    /// to verify, and releases frames when told they verified
    /// ([`RekeyStream::release_verified`]); the footer signature is checked here.
    ///
    /// # Errors
    /// As [`into_stream`](Self::into_stream).
    pub fn into_native_stream(self, opener: &Opener) -> Result<(Vec<u8>, RekeyStream)> {
        self.stream_with(opener.start()?.plan_stream(), opener)
    }

    /// [`into_stream`](Self::into_stream) (`native`: [`into_native_stream`](Self::into_native_stream))
    /// with the original's footer signature verified outside the core
    /// ([`RekeyStream::take_footer_check`], [`RekeyStream::footer_verdict`]).
    ///
    /// # Errors
    /// As [`into_stream`](Self::into_stream).
    pub fn into_stream_with_verdict_outside(
        self,
        opener: &Opener,
        native: bool,
    ) -> Result<(Vec<u8>, RekeyStream)> {
        let reader = opener.start_with_verdict_outside()?;
        self.stream_with(if native { reader.plan_stream() } else { reader }, opener)
    }

    fn stream_with(self, reader: BodyReader, opener: &Opener) -> Result<(Vec<u8>, RekeyStream)> {
        self.verified()?;
        let signing = self.sealer.suite().signing;
        let (header, signer) = self.sealer.rekey_header()?;
        let mut transcript = Transcript::new(signing);
        transcript.update(&header);
        Ok((
            header,
            RekeyStream {
                reader,
                message_id: opener.header().message_id.clone(),
                pending: Vec::new(),
                released: 0,
                transcript,
                signer,
                footer: PendingFooter::default(),
                unconfirmed: false,
            },
        ))
    }
}

impl RekeyStream {
    /// Takes more of the original's body; returns the frames that verified
    /// since the last call (never the final frame).
    ///
    /// # Errors
    /// `TAMPERED`, `MALFORMED_MESSAGE`, `LIMIT_EXCEEDED`, as decrypting does.
    pub fn update(&mut self, bytes: &[u8]) -> Result<Vec<u8>> {
        self.pending.extend_from_slice(bytes);
        drop(Zeroizing::new(self.reader.update(bytes)?));
        if self.reader.frames_end().is_some() {
            return Ok(Vec::new()); // the final frame is in: everything waits for `finish`
        }
        self.release(self.reader.consumed())
    }

    /// Native engine: takes more of the original's body and describes the frames
    /// it completed (structure and sequence checked here; the footer signature
    /// too, at the end). The engine verifies every tag of them, then calls
    /// [`release_verified`](Self::release_verified).
    ///
    /// # Errors
    /// As [`update`](Self::update); `INVALID_STATE` for a stream not made by `into_native_stream`.
    pub fn plan_update(&mut self, bytes: &[u8]) -> Result<Vec<FrameDesc>> {
        self.pending.extend_from_slice(bytes);
        let descs = self.reader.plan_update(bytes)?;
        self.unconfirmed |= !descs.is_empty();
        Ok(descs)
    }

    /// Native engine, after it verified every frame described so far: the
    /// frames to release (never the final frame, which waits for [`finish`](Self::finish)).
    ///
    /// # Errors
    /// `INVALID_STATE` for broken bookkeeping.
    pub fn release_verified(&mut self) -> Result<Vec<u8>> {
        self.unconfirmed = false;
        if self.reader.frames_end().is_some() {
            return Ok(Vec::new());
        }
        self.release(self.reader.consumed())
    }

    /// The message key, for a native engine to import (then wipe).
    #[must_use]
    pub fn native_key(&self) -> &Secret {
        self.reader.native_key()
    }

    /// The message id (for the frames' AAD, [`FrameDesc::aad`]).
    #[must_use]
    pub fn message_id(&self) -> &[u8] {
        &self.message_id
    }

    /// Moves the pending bytes up to body offset `upto` out, into the transcript.
    fn release(&mut self, upto: usize) -> Result<Vec<u8>> {
        let n = upto
            .checked_sub(self.released)
            .filter(|&n| n <= self.pending.len())
            .ok_or(Error::InvalidState("re-key stream bookkeeping"))?;
        let out: Vec<u8> = self.pending.drain(..n).collect();
        self.released = upto;
        self.transcript.update(&out);
        Ok(out)
    }

    /// Checks that the original ended exactly (final frame, and for a signed
    /// suite a footer whose signature verified); returns the rest of the
    /// re-keyed message: the frames held back and the new footer.
    ///
    /// A second call returns nothing.
    ///
    /// # Errors
    /// `MALFORMED_MESSAGE` for a truncated original; `INVALID_STATE` while a
    /// native engine has not confirmed every frame described to it (the final
    /// frame included) with [`release_verified`](Self::release_verified).
    pub fn finish(&mut self) -> Result<Vec<u8>> {
        if self.unconfirmed {
            return Err(Error::InvalidState(
                "frames described to the native engine were not verified",
            ));
        }
        self.reader.finish()?;
        let end = self
            .reader
            .frames_end()
            .ok_or(Error::MalformedMessage("the message is truncated"))?;
        let mut out = self.release(end)?;
        self.pending.clear(); // the original's footer
        if let Some(s) = self.signer.take() {
            let t = core::mem::replace(&mut self.transcript, Transcript::None);
            self.footer.end(&s, t, &mut out)?;
        }
        Ok(out)
    }

    /// Whether the original's footer waits for a verdict from outside (a
    /// stream made with [`Resealer::into_stream_with_verdict_outside`]).
    #[must_use]
    pub fn awaits_verdict(&self) -> bool {
        self.reader.awaits_verdict()
    }

    /// The original's footer to verify, once.
    pub fn take_footer_check(&mut self) -> Option<FooterCheck> {
        self.reader.take_footer_check()
    }

    /// The verdict on the original's footer; `finish` fails `TAMPERED` without a `true` one.
    /// A native stream gets its final frame's description back: the engine
    /// verifies its tag as every other frame's, then calls
    /// [`release_verified`](Self::release_verified) (`finish` refuses before).
    /// A wasm stream verified that frame's tag when it read it: nothing returned.
    ///
    /// # Errors
    /// `TAMPERED` unless `verified`; `INVALID_STATE` if nothing waits for it.
    pub fn footer_verdict(&mut self, verified: bool) -> Result<Option<FrameDesc>> {
        let (last, desc) = self.reader.footer_verdict(verified)?;
        drop(Zeroizing::new(last));
        self.unconfirmed |= desc.is_some();
        Ok(desc)
    }

    /// An external signer's job after [`finish`](Self::finish): the digest of
    /// the new header ‖ frames to sign.
    #[must_use]
    pub fn footer_digest(&self) -> Option<&[u8]> {
        self.footer.digest()
    }

    /// The new footer from an external signer's `r ‖ s` over
    /// [`footer_digest`](Self::footer_digest). Once.
    ///
    /// # Errors
    /// `INVALID_STATE` before `finish`; `INVALID_ARGUMENT` for a bad signature.
    pub fn external_footer(&mut self, rs: &[u8]) -> Result<Vec<u8>> {
        self.footer.sign(rs)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::envelope::encryption_context::{EncryptionContext, PUBLIC_KEY_FIELD};
    use crate::envelope::header::ParseLimits;
    use crate::envelope::secret::Secret;
    use crate::envelope::suite::AlgorithmSuite;
    use crate::keyring::LocalKeyring;
    use crate::keyring::raw_aes::RawAesKeyring;

    const SIGNED: &str = "AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384";
    const UNSIGNED: &str = "AES_256_GCM_HKDF_SHA512_COMMIT_KEY";

    fn aes(key: u8) -> RawAesKeyring {
        RawAesKeyring::new("ns".into(), format!("k{key}"), Secret::new(vec![key; 32])).unwrap()
    }

    fn seal(suite: &str, frame: u32, pt: &[u8], kr: &dyn LocalKeyring) -> Vec<u8> {
        let ctx =
            EncryptionContext::from_caller([("tenant".to_string(), "acme".to_string())]).unwrap();
        let suite = AlgorithmSuite::writable_by_name(suite).unwrap();
        let mut s = Sealer::new(suite, frame, ctx, &[7; 64]).unwrap();
        s.wrap_with(kr).unwrap();
        s.seal(pt).unwrap()
    }

    fn opener(msg: &[u8], kr: &dyn LocalKeyring) -> Result<Opener> {
        let mut o = Opener::new(
            msg,
            &ParseLimits::DEFAULT,
            &EncryptionContext::new(),
            &[9; 64],
        )?;
        if !o.try_keyring(kr)? {
            return Err(Error::NoDecryptableDataKey);
        }
        Ok(o)
    }

    fn open(msg: &[u8], kr: &dyn LocalKeyring) -> Result<Vec<u8>> {
        opener(msg, kr)?.open(msg)
    }

    fn rekey(msg: &[u8], from: &dyn LocalKeyring, to: &[&dyn LocalKeyring]) -> Result<Vec<u8>> {
        let o = opener(msg, from)?;
        let mut r = Resealer::verify(&o, msg.to_vec(), &[3; 64])?;
        for k in to {
            r.sealer_mut()?.wrap_with(*k)?;
        }
        r.finish()
    }

    fn parse(msg: &[u8]) -> Header {
        Header::parse(msg, &ParseLimits::DEFAULT).unwrap()
    }

    #[test]
    fn unsigned_frames_are_copied_byte_for_byte() {
        let pt: Vec<u8> = (0..100u8).collect();
        let old = seal(UNSIGNED, 16, &pt, &aes(1));
        let new = rekey(&old, &aes(1), &[&aes(2)]).unwrap();
        let (ho, hn) = (parse(&old), parse(&new));
        assert_eq!(old[ho.len..], new[hn.len..]);
        assert_eq!(ho.message_id, hn.message_id);
        assert_eq!(ho.encryption_context, hn.encryption_context);
        assert_eq!(hn.frame_length, 16);
        assert_eq!(hn.encrypted_data_keys.len(), 1);
        assert_eq!(open(&new, &aes(2)).unwrap(), pt);
        assert_eq!(
            open(&new, &aes(1)).unwrap_err().code(),
            "NO_DECRYPTABLE_DATA_KEY"
        );
    }

    #[test]
    fn signed_gets_a_new_signer_and_footer_and_keeps_its_frames() {
        let pt = vec![5u8; 50];
        let old = seal(SIGNED, 16, &pt, &aes(1));
        let new = rekey(&old, &aes(1), &[&aes(2), &aes(3)]).unwrap();
        let (ho, hn) = (parse(&old), parse(&new));
        assert_ne!(
            ho.encryption_context.get(PUBLIC_KEY_FIELD),
            hn.encryption_context.get(PUBLIC_KEY_FIELD)
        );
        assert_eq!(hn.encryption_context.get("tenant"), Some("acme"));
        // Same frames (three of 16 bytes and a final one of 2), located by the planner.
        let o = opener(&old, &aes(1)).unwrap();
        let mut read =
            |at: usize, n: usize| Ok(old[at.min(old.len())..(at + n).min(old.len())].to_vec());
        let (_, _, sig) = o.plan_external_signature(old.len(), &mut read).unwrap();
        let old_frames = &old[ho.len..sig.unwrap().signed_len];
        let o2 = opener(&new, &aes(3)).unwrap();
        let mut read =
            |at: usize, n: usize| Ok(new[at.min(new.len())..(at + n).min(new.len())].to_vec());
        let (_, _, sig) = o2.plan_external_signature(new.len(), &mut read).unwrap();
        assert_eq!(old_frames, &new[hn.len..sig.unwrap().signed_len]);
        assert_eq!(open(&new, &aes(2)).unwrap(), pt);
        assert_eq!(open(&new, &aes(3)).unwrap(), pt);
        assert!(open(&new, &aes(1)).is_err());
    }

    #[test]
    fn every_flipped_bit_and_truncation_of_the_original_is_refused() {
        for suite in [UNSIGNED, SIGNED] {
            let old = seal(suite, 8, b"twenty bytes of text", &aes(1));
            for i in 0..old.len() {
                for bit in [0x01u8, 0x80] {
                    let mut bad = old.clone();
                    bad[i] ^= bit;
                    assert!(
                        rekey(&bad, &aes(1), &[&aes(2)]).is_err(),
                        "{suite} byte {i}"
                    );
                }
            }
            for n in 0..old.len() {
                assert!(
                    rekey(&old[..n], &aes(1), &[&aes(2)]).is_err(),
                    "{suite} cut {n}"
                );
            }
            let mut long = old.clone();
            long.push(0);
            assert_eq!(
                rekey(&long, &aes(1), &[&aes(2)]).unwrap_err().code(),
                "MALFORMED_MESSAGE"
            );
        }
    }

    #[test]
    fn a_tampered_frame_is_tampered_even_with_a_valid_header() {
        let mut old = seal(UNSIGNED, 8, b"twenty bytes of text", &aes(1));
        let last = old.len() - 1;
        old[last] ^= 1; // the final frame's tag
        assert_eq!(
            rekey(&old, &aes(1), &[&aes(2)]).unwrap_err().code(),
            "TAMPERED"
        );
    }

    #[test]
    fn without_a_new_keyring_nothing_is_written() {
        let old = seal(UNSIGNED, 8, b"x", &aes(1));
        let o = opener(&old, &aes(1)).unwrap();
        let r = Resealer::verify(&o, old.clone(), &[3; 64]).unwrap();
        assert_eq!(r.finish().unwrap_err().code(), "INVALID_STATE");
    }

    #[test]
    fn empty_and_exact_frame_bodies() {
        for (suite, pt) in [
            (UNSIGNED, &b""[..]),
            (SIGNED, &b""[..]),
            (SIGNED, &[1u8; 16][..]),
        ] {
            let old = seal(suite, 16, pt, &aes(1));
            let new = rekey(&old, &aes(1), &[&aes(2)]).unwrap();
            assert_eq!(open(&new, &aes(2)).unwrap(), pt);
        }
    }

    /// Re-keys `msg` as a stream fed in `chunk`-byte pieces; returns the output and
    /// how many bytes came out before `finish`.
    fn rekey_stream(msg: &[u8], chunk: usize, to: &dyn LocalKeyring) -> Result<(Vec<u8>, usize)> {
        let o = opener(msg, &aes(1))?;
        let mut r = Resealer::after_external_verification(&o, &[3; 64], None)?;
        r.sealer_mut()?.wrap_with(to)?;
        let (mut out, mut s) = r.into_stream(&o)?;
        for piece in msg[o.header().len..].chunks(chunk.max(1)) {
            out.extend_from_slice(&s.update(piece)?);
        }
        let before = out.len();
        out.extend_from_slice(&s.finish()?);
        assert!(s.finish()?.is_empty());
        Ok((out, before))
    }

    #[test]
    fn stream_rekey_matches_the_one_shot_form_and_holds_back_the_end() {
        for suite in [UNSIGNED, SIGNED] {
            for n in [0usize, 5, 16, 100] {
                let pt = vec![9u8; n];
                let old = seal(suite, 16, &pt, &aes(1));
                for chunk in [1, 7, 16, 1000] {
                    let (new, before) = rekey_stream(&old, chunk, &aes(2)).unwrap();
                    assert_eq!(open(&new, &aes(2)).unwrap(), pt, "{suite} {n} {chunk}");
                    let (ho, hn) = (parse(&old), parse(&new));
                    assert_eq!(ho.message_id, hn.message_id);
                    // Before `finish`: at most the header and the regular frames, never the final frame.
                    let regular = n / 16;
                    assert!(
                        before <= hn.len + regular * (4 + 12 + 16 + 16),
                        "{suite} {n} {chunk}"
                    );
                    if suite == UNSIGNED {
                        assert_eq!(old[ho.len..], new[hn.len..]);
                    }
                }
            }
        }
    }

    #[test]
    fn stream_rekey_of_a_tampered_original_never_completes() {
        for suite in [UNSIGNED, SIGNED] {
            let old = seal(suite, 8, b"twenty bytes of text", &aes(1));
            let h = parse(&old).len;
            for i in h..old.len() {
                let mut bad = old.clone();
                bad[i] ^= 1;
                assert!(rekey_stream(&bad, 5, &aes(2)).is_err(), "{suite} byte {i}");
            }
            for cut in h..old.len() {
                assert!(
                    rekey_stream(&old[..cut], 5, &aes(2)).is_err(),
                    "{suite} cut {cut}"
                );
            }
        }
    }

    #[test]
    fn native_stream_releases_only_what_the_engine_verified_and_holds_the_end() {
        use crate::envelope::gcm;
        for suite in [UNSIGNED, SIGNED] {
            let pt = vec![4u8; 40];
            let old = seal(suite, 16, &pt, &aes(1));
            let o = opener(&old, &aes(1)).unwrap();
            let mut r = Resealer::after_external_verification(&o, &[3; 64], None).unwrap();
            r.sealer_mut().unwrap().wrap_with(&aes(2)).unwrap();
            let (mut new, mut s) = r.into_native_stream(&o).unwrap();
            let key = Secret::copy_from(s.native_key().expose_secret());
            let mut seen = 0;
            for piece in old[o.header().len..].chunks(10) {
                for d in s.plan_update(piece).unwrap() {
                    // The engine: verify the frame's tag (here with the core's AES-GCM).
                    let mut ct = d.bytes[..d.bytes.len() - 16].to_vec();
                    gcm::open(
                        key.expose_secret(),
                        &d.iv,
                        &d.aad(s.message_id()),
                        &mut ct,
                        &d.bytes[d.bytes.len() - 16..],
                    )
                    .unwrap();
                    seen += 1;
                }
                new.extend_from_slice(&s.release_verified().unwrap());
            }
            assert_eq!(seen, 3);
            assert!(
                new.len() <= parse(&new).len + 2 * (4 + 12 + 16 + 16),
                "{suite}: the final frame waits"
            );
            new.extend_from_slice(&s.finish().unwrap());
            assert_eq!(open(&new, &aes(2)).unwrap(), pt);
        }
    }

    #[test]
    fn native_path_writes_the_same_header_shape() {
        let old = seal(SIGNED, 16, b"abc", &aes(1));
        let o = opener(&old, &aes(1)).unwrap();
        let mut r = Resealer::after_external_verification(&o, &[3; 64], None).unwrap();
        r.sealer_mut().unwrap().wrap_with(&aes(2)).unwrap();
        let (header, signer) = r.into_header().unwrap();
        let mut read =
            |at: usize, n: usize| Ok(old[at.min(old.len())..(at + n).min(old.len())].to_vec());
        let (_, _, sig) = o.plan_external_signature(old.len(), &mut read).unwrap();
        let ho = parse(&old);
        let mut new = header;
        new.extend_from_slice(&old[ho.len..sig.unwrap().signed_len]);
        let mut t = Transcript::new(ho.suite.signing);
        t.update(&new);
        let footer = signer.unwrap().footer_here(t).unwrap().unwrap();
        new.extend_from_slice(&footer);
        assert_eq!(open(&new, &aes(2)).unwrap(), b"abc");
    }

    /// Where the original's signed bytes end (its footer starts).
    fn signed_len(msg: &[u8], o: &Opener) -> usize {
        let mut read =
            |at: usize, n: usize| Ok(msg[at.min(msg.len())..(at + n).min(msg.len())].to_vec());
        let (_, _, sig) = o.plan_external_signature(msg.len(), &mut read).unwrap();
        sig.unwrap().signed_len
    }

    #[test]
    fn the_footer_check_of_a_rekey_counts_from_the_message_start() {
        // A verifier outside hashes message[..signed_len] itself (WebCrypto): the
        // header is part of it. (It counted the body only: every authentic
        // message was TAMPERED for the shim's one-shot re-key in wasm.)
        for frame in [8, 64, 4096] {
            let old = seal(SIGNED, frame, &[6u8; 300], &aes(1));
            let o = opener(&old, &aes(1)).unwrap();
            let mut r = Resealer::verify_external(&o, old.clone(), &[3; 64], None).unwrap();
            let check = r.take_footer_check().unwrap();
            assert_eq!(check.signed_len, signed_len(&old, &o), "frame {frame}");
            let pending = o.open_pending(&old).unwrap();
            assert_eq!(pending.footer_check().unwrap().signed_len, check.signed_len);
            assert!(check.verify_here());
            r.footer_verdict(true).unwrap();
            r.sealer_mut().unwrap().wrap_with(&aes(2)).unwrap();
            assert_eq!(open(&r.finish().unwrap(), &aes(2)).unwrap(), [6u8; 300]);
        }
    }

    #[test]
    fn a_native_stream_verifies_the_final_frame_after_the_verdict() {
        use crate::envelope::gcm;
        let pt = vec![4u8; 40];
        let old = seal(SIGNED, 16, &pt, &aes(1));
        let o = opener(&old, &aes(1)).unwrap();
        let mut r = Resealer::after_external_verification(&o, &[3; 64], None).unwrap();
        r.sealer_mut().unwrap().wrap_with(&aes(2)).unwrap();
        let (mut new, mut s) = r.into_stream_with_verdict_outside(&o, true).unwrap();
        let key = Secret::copy_from(s.native_key().expose_secret());
        let verify = |d: &FrameDesc, id: &[u8]| {
            let (ct, tag) = d.bytes.split_at(d.bytes.len() - 16);
            let mut ct = ct.to_vec();
            gcm::open(key.expose_secret(), &d.iv, &d.aad(id), &mut ct, tag)
        };
        let mut seen = 0;
        for piece in old[o.header().len..].chunks(10) {
            let descs = s.plan_update(piece).unwrap();
            if !descs.is_empty() {
                // Described and not yet confirmed: the end cannot go out.
                assert_eq!(s.finish().unwrap_err().code(), "INVALID_STATE");
            }
            for d in &descs {
                verify(d, s.message_id()).unwrap();
                seen += 1;
            }
            new.extend_from_slice(&s.release_verified().unwrap());
        }
        assert_eq!(seen, 2, "the final frame waits for the verdict");
        let check = s.take_footer_check().unwrap();
        assert!(check.verify_here());
        let last = s.footer_verdict(true).unwrap().unwrap(); // the final frame, described
        assert_eq!(
            last.bytes,
            old[signed_len(&old, &o) - last.bytes.len()..signed_len(&old, &o)]
        );
        assert_eq!(
            s.finish().unwrap_err().code(),
            "INVALID_STATE",
            "not before the engine verified the final frame"
        );
        verify(&last, s.message_id()).unwrap();
        assert!(s.release_verified().unwrap().is_empty());
        new.extend_from_slice(&s.finish().unwrap());
        assert_eq!(open(&new, &aes(2)).unwrap(), pt);
        // A second verdict is refused; the stream is spent.
        assert_eq!(s.footer_verdict(true).unwrap_err().code(), "INVALID_STATE");
    }
}
