//! The body writer: plaintext into frames, and the plans a native engine seals by.

use zeroize::Zeroizing;

use crate::envelope::footer::{self, PendingFooter, Signer, Transcript};
use crate::envelope::frame::{self, FINAL_FRAME, FINAL_MARKER, FRAME};
use crate::envelope::gcm::{self, IV_LEN, TAG_LEN};
use crate::envelope::secret::Secret;
use crate::envelope::suite::Signing;
use crate::{Error, Result};

/// Writes frames as plaintext arrives.
pub struct BodyWriter {
    key: Secret,
    message_id: Vec<u8>,
    frame_len: usize,
    sequence: u32,
    pending: Zeroizing<Vec<u8>>,
    transcript: Transcript,
    signer: Option<Signer>,
    /// An external signer's digest of header ‖ body, once the final frame is written.
    footer: PendingFooter,
    finished: bool,
    planned: Vec<FramePlan>,
    planned_last: bool,
}

impl BodyWriter {
    pub(crate) fn new(
        key: Secret,
        message_id: Vec<u8>,
        frame_len: usize,
        transcript: Transcript,
        signer: Option<Signer>,
    ) -> Self {
        Self {
            key,
            message_id,
            frame_len,
            sequence: 1,
            // Grown on demand (see `hold`): a frame length of 2^31 - 1 must not
            // cost 2 GiB before the first byte, as a reservation up front did.
            pending: Zeroizing::new(Vec::new()),
            transcript,
            signer,
            footer: PendingFooter::default(),
            finished: false,
            planned: Vec::new(),
            planned_last: false,
        }
    }

    fn seal_frame(&mut self, out: &mut Vec<u8>, chunk: &[u8]) -> Result<()> {
        let iv = frame::frame_iv(self.sequence);
        let start = out.len();
        out.extend_from_slice(&self.sequence.to_be_bytes());
        out.extend_from_slice(&iv);
        let ct_at = out.len();
        out.extend_from_slice(chunk);
        let aad = frame::body_aad(&self.message_id, FRAME, self.sequence, chunk.len() as u64);
        let ct = out.get_mut(ct_at..).ok_or(Error::InvalidState("frame"))?;
        let tag = gcm::seal(self.key.expose_secret(), &iv, &aad, ct)?;
        out.extend_from_slice(&tag);
        self.transcript.update(out.get(start..).unwrap_or(&[]));
        self.sequence = frame::next_sequence(self.sequence)
            .ok_or(Error::LimitExceeded("too many frames for one message"))?;
        Ok(())
    }

    /// Appends plaintext to the partial frame. It grows into a fresh buffer and
    /// the old one is wiped as it is dropped, so no reallocation leaves an
    /// unwiped copy of plaintext behind (which `extend` alone could).
    fn hold(&mut self, bytes: &[u8]) {
        let needed = self.pending.len().saturating_add(bytes.len());
        if needed > self.pending.capacity() {
            let cap = needed
                .max(self.pending.capacity().saturating_mul(2))
                .min(self.frame_len.max(needed));
            let mut grown = Zeroizing::new(Vec::with_capacity(cap));
            grown.extend_from_slice(&self.pending);
            self.pending = grown;
        }
        self.pending.extend_from_slice(bytes);
    }

    /// Encrypts every frame that is certainly not the last; returns their bytes.
    ///
    /// # Errors
    /// `INVALID_STATE` after `finish`; `LIMIT_EXCEEDED` past 2^32 - 2 frames.
    pub fn update(&mut self, mut input: &[u8]) -> Result<Vec<u8>> {
        if self.finished {
            return Err(Error::InvalidState("the message is already finished"));
        }
        let per_frame = 4 + IV_LEN + self.frame_len + TAG_LEN;
        let mut out = Vec::with_capacity(
            (self.pending.len() + input.len()) / self.frame_len.max(1) * per_frame,
        );
        // Every whole frame is written as soon as its bytes are known; the
        // final frame gets the 0..frame_len bytes left at the end (an exact
        // multiple ends with an empty final frame: see `plan`).
        if !self.pending.is_empty() {
            let take = (self.frame_len - self.pending.len()).min(input.len());
            let (head, rest) = input.split_at(take);
            self.hold(head);
            input = rest;
            if self.pending.len() == self.frame_len {
                let full = core::mem::take(&mut *self.pending);
                self.seal_frame(&mut out, &full)?;
                let mut full = Zeroizing::new(full);
                full.clear();
                self.pending = full;
            }
        }
        while input.len() >= self.frame_len {
            let (chunk, rest) = input.split_at(self.frame_len);
            self.seal_frame(&mut out, chunk)?;
            input = rest;
        }
        if !input.is_empty() {
            self.hold(input);
        }
        Ok(out)
    }

    /// Writes the final frame and, for signed suites, the footer.
    ///
    /// # Errors
    /// `INVALID_STATE` if called twice.
    pub fn finish(&mut self) -> Result<Vec<u8>> {
        if self.finished {
            return Err(Error::InvalidState("the message is already finished"));
        }
        self.finished = true;
        let last = core::mem::take(&mut *self.pending);
        let last = Zeroizing::new(last);
        let len = u32::try_from(last.len()).map_err(|_| Error::LimitExceeded("frame"))?;
        let iv = frame::frame_iv(self.sequence);
        let mut out = Vec::with_capacity(last.len() + 160);
        out.extend_from_slice(&FINAL_MARKER.to_be_bytes());
        out.extend_from_slice(&self.sequence.to_be_bytes());
        out.extend_from_slice(&iv);
        out.extend_from_slice(&len.to_be_bytes());
        let ct_at = out.len();
        out.extend_from_slice(&last);
        let aad = frame::body_aad(&self.message_id, FINAL_FRAME, self.sequence, u64::from(len));
        let ct = out.get_mut(ct_at..).ok_or(Error::InvalidState("frame"))?;
        let tag = gcm::seal(self.key.expose_secret(), &iv, &aad, ct)?;
        out.extend_from_slice(&tag);
        self.transcript.update(&out);
        self.end(&mut out)?;
        Ok(out)
    }

    /// After the final frame: the footer of a signer held here, or the digest
    /// an external signer signs ([`external_footer`](Self::external_footer)).
    fn end(&mut self, out: &mut Vec<u8>) -> Result<()> {
        if let Some(signer) = &self.signer {
            let t = core::mem::replace(&mut self.transcript, Transcript::new(Signing::None));
            self.footer.end(signer, t, out)?;
        }
        Ok(())
    }

    /// An external signer's job, once the final frame was written: the
    /// SHA-384 digest of header ‖ body to sign (`None` otherwise).
    #[must_use]
    pub fn footer_digest(&self) -> Option<&[u8]> {
        self.footer.digest()
    }

    /// The footer from an external signer's `r ‖ s` over
    /// [`footer_digest`](Self::footer_digest). Once.
    ///
    /// # Errors
    /// `INVALID_STATE` before the final frame or for a signer held here;
    /// `INVALID_ARGUMENT` for a signature that is not P-384 `r ‖ s`.
    pub fn external_footer(&mut self, rs: &[u8]) -> Result<Vec<u8>> {
        self.footer.sign(rs)
    }
}

/// One frame for a native engine to seal: plaintext range, IV, AAD, and the bytes before its ciphertext.
#[derive(Clone, Debug)]
pub struct FramePlan {
    /// Start of this frame's plaintext in the input.
    pub plaintext_start: usize,
    /// Its length.
    pub plaintext_len: usize,
    /// Sequence number (or final-frame marker, sequence number and length) and IV, written before the ciphertext.
    pub prefix: Vec<u8>,
    /// The IV.
    pub iv: [u8; IV_LEN],
    /// The AAD.
    pub aad: Vec<u8>,
}

/// A whole message planned for a native AES-GCM engine: the core decides
/// every byte of framing, the engine only seals each frame, and
/// [`SealPlan::assemble`] puts the message together and signs it.
pub struct SealPlan {
    header: Vec<u8>,
    frames: Vec<FramePlan>,
    transcript: Transcript,
    signer: Option<Signer>,
}

impl BodyWriter {
    /// Plans the frames of a `len`-byte plaintext (the same framing as `update` + `finish`):
    /// every whole frame regular, then a final frame of what is left, empty for
    /// an exact multiple. The specification lets a writer end an exact multiple
    /// either way (`encrypt.md`, "Construct the body"; `message-body.md` prefers a
    /// full final frame), but the AWS Encryption SDK for Python (3.3.1) refuses a
    /// final frame as long as the frame length, and every SDK reads an empty one.
    ///
    /// # Errors
    /// `INVALID_STATE` if the writer was used; `LIMIT_EXCEEDED` past 2^32 - 2 frames.
    pub(crate) fn plan(self, header: Vec<u8>, len: usize) -> Result<(Secret, SealPlan)> {
        if self.finished || !self.pending.is_empty() || self.sequence != 1 {
            return Err(Error::InvalidState("this message was already started"));
        }
        let regular = len / self.frame_len.max(1);
        let count = u32::try_from(regular)
            .ok()
            .and_then(|r| r.checked_add(1))
            .filter(|&c| c < FINAL_MARKER);
        let count = count.ok_or(Error::LimitExceeded("too many frames for one message"))?;
        let mut frames = Vec::with_capacity(regular + 1);
        for sequence in 1..=count {
            let last = sequence == count;
            let start = (sequence as usize - 1) * self.frame_len;
            let n = if last { len - start } else { self.frame_len };
            let iv = frame::frame_iv(sequence);
            let mut prefix = Vec::with_capacity(24);
            if last {
                prefix.extend_from_slice(&FINAL_MARKER.to_be_bytes());
            }
            prefix.extend_from_slice(&sequence.to_be_bytes());
            prefix.extend_from_slice(&iv);
            if last {
                prefix.extend_from_slice(
                    &u32::try_from(n)
                        .map_err(|_| Error::LimitExceeded("frame"))?
                        .to_be_bytes(),
                );
            }
            let aad = frame::body_aad(
                &self.message_id,
                if last { FINAL_FRAME } else { FRAME },
                sequence,
                n as u64,
            );
            frames.push(FramePlan {
                plaintext_start: start,
                plaintext_len: n,
                prefix,
                iv,
                aad,
            });
        }
        let Self {
            key,
            transcript,
            signer,
            ..
        } = self;
        Ok((
            key,
            SealPlan {
                header,
                frames,
                transcript,
                signer,
            },
        ))
    }
}

impl BodyWriter {
    /// The message key, for a native engine to import (then wipe).
    #[must_use]
    pub fn native_key(&self) -> &Secret {
        &self.key
    }

    /// Streams for a native engine, which holds `buffered` bytes of plaintext
    /// not yet sealed: plans the frames to seal now (ranges from the start of
    /// that buffer). Every whole frame goes; before `last`, the 0..frame_len
    /// bytes after them stay buffered; with `last`, they go too, as the final
    /// frame (empty for an exact multiple, as in `plan`).
    /// Every plan must be answered by [`absorb`](Self::absorb) before the next.
    ///
    /// # Errors
    /// `INVALID_STATE` out of order; `LIMIT_EXCEEDED` past 2^32 - 2 frames.
    pub fn plan_frames(&mut self, buffered: usize, last: bool) -> Result<Vec<FramePlan>> {
        if self.finished || !self.pending.is_empty() || !self.planned.is_empty() {
            return Err(Error::InvalidState("plan_frames out of order"));
        }
        let fl = self.frame_len.max(1);
        let regular = buffered / fl;
        let mut frames = Vec::with_capacity(regular + 1);
        let mut sequence = self.sequence;
        for i in 0..regular {
            let iv = frame::frame_iv(sequence);
            let mut prefix = Vec::with_capacity(4 + IV_LEN);
            prefix.extend_from_slice(&sequence.to_be_bytes());
            prefix.extend_from_slice(&iv);
            let aad = frame::body_aad(&self.message_id, FRAME, sequence, fl as u64);
            frames.push(FramePlan {
                plaintext_start: i * fl,
                plaintext_len: fl,
                prefix,
                iv,
                aad,
            });
            sequence = frame::next_sequence(sequence)
                .ok_or(Error::LimitExceeded("too many frames for one message"))?;
        }
        if last {
            let start = regular * fl;
            let n = buffered - start;
            let iv = frame::frame_iv(sequence);
            let mut prefix = Vec::with_capacity(8 + IV_LEN + 4);
            prefix.extend_from_slice(&FINAL_MARKER.to_be_bytes());
            prefix.extend_from_slice(&sequence.to_be_bytes());
            prefix.extend_from_slice(&iv);
            prefix.extend_from_slice(
                &u32::try_from(n)
                    .map_err(|_| Error::LimitExceeded("frame"))?
                    .to_be_bytes(),
            );
            let aad = frame::body_aad(&self.message_id, FINAL_FRAME, sequence, n as u64);
            frames.push(FramePlan {
                plaintext_start: start,
                plaintext_len: n,
                prefix,
                iv,
                aad,
            });
        }
        self.sequence = sequence;
        self.planned_last = last;
        self.planned = frames.clone();
        Ok(frames)
    }

    /// The engine's ciphertext ‖ tag for every planned frame, in order; returns
    /// the frames' bytes (and, after the final frame, the footer).
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for output of the wrong length; `INVALID_STATE` without a plan.
    pub fn absorb(&mut self, sealed: &[u8]) -> Result<Vec<u8>> {
        if self.finished {
            return Err(Error::InvalidState("the message is already finished"));
        }
        let mut out = Vec::with_capacity(sealed.len() + self.planned.len() * 24 + 160);
        interleave(&self.planned, sealed, &mut out)?;
        self.planned.clear();
        self.transcript.update(&out);
        if self.planned_last {
            self.finished = true;
            self.end(&mut out)?;
        }
        Ok(out)
    }
}

impl SealPlan {
    /// Whether the message gets a footer signature.
    #[must_use]
    pub fn is_signed(&self) -> bool {
        self.signer.is_some()
    }

    /// The header bytes, which start the message.
    #[must_use]
    pub fn header(&self) -> &[u8] {
        &self.header
    }

    /// Where every frame goes in the message: for each planned frame, the
    /// offset of its prefix (the ciphertext ‖ tag follows the prefix), and the
    /// length of header ‖ body. An engine can write its output straight into
    /// a buffer of that length; [`assemble_unsigned`](Self::assemble_unsigned)
    /// does exactly that.
    ///
    /// # Errors
    /// `LIMIT_EXCEEDED` if the message length overflows `usize`.
    pub fn layout(&self) -> Result<(Vec<usize>, usize)> {
        let mut offsets = Vec::with_capacity(self.frames.len());
        let mut at = self.header.len();
        for f in &self.frames {
            offsets.push(at);
            at = at
                .checked_add(f.prefix.len())
                .and_then(|n| n.checked_add(f.plaintext_len))
                .and_then(|n| n.checked_add(TAG_LEN))
                .ok_or(Error::LimitExceeded("message length"))?;
        }
        Ok((offsets, at))
    }

    /// Header ‖ body from the engine's output, without footer, for an engine
    /// that hashes it; then [`footer_for_digest`](Self::footer_for_digest).
    ///
    /// # Errors
    /// As [`assemble`](Self::assemble).
    pub fn assemble_unsigned(&self, sealed: &[u8]) -> Result<Vec<u8>> {
        let (_, total) = self.layout()?;
        let mut out = Vec::with_capacity(total + 160);
        out.extend_from_slice(&self.header);
        interleave(&self.frames, sealed, &mut out)?;
        debug_assert_eq!(out.len(), total);
        Ok(out)
    }

    /// The footer for the SHA-384 digest of what [`assemble_unsigned`](Self::assemble_unsigned) returned.
    ///
    /// # Errors
    /// `INVALID_STATE` for an unsigned suite or an external signer;
    /// `INVALID_ARGUMENT` for a digest that is not 48 bytes.
    #[cfg(feature = "footer-ecdsa")]
    pub fn footer_for_digest(&self, digest: &[u8]) -> Result<Vec<u8>> {
        match &self.signer {
            Some(Signer::Local(s)) => s.footer_for_digest(digest),
            _ => Err(Error::InvalidState("no signer here")),
        }
    }

    /// Whether the footer's key is held outside the core: then the footer is
    /// [`external_footer`](Self::external_footer) of its signature over what
    /// [`assemble_unsigned`](Self::assemble_unsigned) returned.
    #[must_use]
    pub fn signs_outside(&self) -> bool {
        self.signer.as_ref().is_some_and(Signer::is_external)
    }

    /// The footer from an external signer's `r ‖ s` over header ‖ body.
    ///
    /// # Errors
    /// `INVALID_STATE` unless the signer is external; `INVALID_ARGUMENT` for a bad signature.
    pub fn external_footer(&self, rs: &[u8]) -> Result<Vec<u8>> {
        if !self.signs_outside() {
            return Err(Error::InvalidState("the signer is not external"));
        }
        footer::encode(rs)
    }

    /// The frames to seal, in order.
    #[must_use]
    pub fn frames(&self) -> &[FramePlan] {
        &self.frames
    }

    /// The message from the engine's output: every frame's ciphertext ‖ tag, concatenated in order.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` if `sealed` does not have exactly the planned length.
    pub fn assemble(self, sealed: &[u8]) -> Result<Vec<u8>> {
        let mut out = self.assemble_unsigned(sealed)?;
        if let Some(signer) = &self.signer {
            let mut t = self.transcript;
            t.update(out.get(self.header.len()..).unwrap_or(&[]));
            let footer = signer
                .footer_here(t)?
                .ok_or(Error::InvalidState("the signer is external"))?;
            out.extend_from_slice(&footer);
        }
        Ok(out)
    }
}

/// Appends every planned frame to `out`: its prefix, then its ciphertext ‖ tag
/// from `sealed` (the engine's outputs for `frames`, concatenated in order).
///
/// # Errors
/// `INVALID_ARGUMENT` if `sealed` does not have exactly the planned length.
fn interleave(frames: &[FramePlan], sealed: &[u8], out: &mut Vec<u8>) -> Result<()> {
    let want = frames
        .iter()
        .try_fold(0usize, |n, f| n.checked_add(f.plaintext_len + TAG_LEN));
    if want != Some(sealed.len()) {
        return Err(Error::InvalidArgument(
            "the sealed frames do not have the planned length",
        ));
    }
    let mut at = 0;
    for f in frames {
        out.extend_from_slice(&f.prefix);
        let n = f.plaintext_len + TAG_LEN;
        out.extend_from_slice(sealed.get(at..at + n).ok_or(Error::InvalidState("frame"))?);
        at += n;
    }
    Ok(())
}
