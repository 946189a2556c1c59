//! The body reader: frames back into plaintext (each released only once its tag
//! verified), the footer, and the plans a native engine opens by.

use zeroize::{Zeroize, Zeroizing};

use super::MAX_BUFFERED;
use crate::envelope::footer::{self, ExternalSignature, FooterCheck, SignerKey, Transcript};
use crate::envelope::frame::{
    self, FINAL_FRAME, FINAL_MARKER, FRAME, MAX_NON_FRAMED_LEN, SINGLE_BLOCK,
};
use crate::envelope::gcm::{self, IV_LEN, TAG_LEN};
use crate::envelope::header::ContentType;
use crate::envelope::secret::Secret;
use crate::envelope::suite::Signing;
use crate::{Error, Result};

#[derive(Clone, Copy, PartialEq, Eq)]
enum ReadState {
    Body,
    Footer,
    /// The footer was read; its [`FooterCheck`] waits for a verdict from outside.
    Verdict,
    /// A verdict said the signature does not verify: nothing more, ever.
    Failed,
    Done,
}

/// Where a native engine finds one frame of a message (offsets from the message start).
#[derive(Clone, Debug)]
pub struct FrameDesc {
    /// Start of the ciphertext.
    pub start: usize,
    /// End of the tag (ciphertext ‖ tag is `start..end`).
    pub end: usize,
    /// The frame's IV.
    pub iv: [u8; IV_LEN],
    /// The frame's sequence number (its AAD is built on demand by [`aad`](Self::aad),
    /// so a plan of many small frames holds no per-frame allocation).
    pub sequence: u32,
    /// The body AAD's content string (regular or final frame, or non-framed body).
    content: &'static [u8],
    /// Where its plaintext goes in the output.
    pub plaintext_offset: usize,
    /// For streams: a copy of ciphertext ‖ tag (the bytes leave with the description). Empty otherwise.
    pub bytes: Vec<u8>,
}

impl FrameDesc {
    /// The frame's AAD for a message with this `message_id`.
    #[must_use]
    pub fn aad(&self, message_id: &[u8]) -> Vec<u8> {
        let len = self.end.saturating_sub(self.start).saturating_sub(TAG_LEN);
        frame::body_aad(message_id, self.content, self.sequence, len as u64)
    }
}

/// The head of a frame, parsed: where its parts are and how long it is.
struct FrameHead {
    /// The body AAD's content string.
    content: &'static [u8],
    iv: [u8; IV_LEN],
    /// Offset of the ciphertext from the frame's start.
    ct_at: usize,
    /// Ciphertext (= plaintext) length.
    len: usize,
    last: bool,
    /// The whole frame, head to tag.
    total: usize,
}

/// The longest frame head: final-frame marker, sequence number, IV, content length.
const FRAME_HEAD_MAX: usize = 8 + IV_LEN + 4;

/// Reads frames as message bytes arrive.
pub struct BodyReader {
    /// `None`: decrypt here. `Some`: only describe frames for a native engine (nothing decrypted).
    plan: Option<Vec<FrameDesc>>,
    /// `Some`: one-shot native planning (`plan_sparse`): the footer is described
    /// for the engine, not verified here. `None` while planning: a native stream,
    /// whose descriptions carry a copy of their bytes.
    external: Option<Option<ExternalSignature>>,
    /// Message offset of the next unread body byte.
    position: usize,
    plaintext_len: usize,
    key: Secret,
    message_id: Vec<u8>,
    content_type: ContentType,
    frame_length: u32,
    signing: Signing,
    /// A signed message's footer key (decoded already, or when the footer check needs the point).
    signer: Option<SignerKey>,
    sequence: u32,
    buf: Vec<u8>,
    transcript: Transcript,
    state: ReadState,
    max_body_size: usize,
    /// A streamed signed message's final frame: its plaintext (or, streaming for
    /// a native engine, its description) waits here until the footer signature
    /// verifies. Spec: `client-apis/decrypt.md` § "Verify the signature" — the
    /// final frame MUST NOT be released before; so a stripped or forged footer
    /// releases at most the frames before it, never the end of the message.
    held_plaintext: Zeroizing<Vec<u8>>,
    held_desc: Option<FrameDesc>,
    /// Where the frames end (the footer starts), once the final frame was read: for re-keying streams.
    frames_end: Option<usize>,
    /// The footer signature is verified outside the core: the reader stops at
    /// [`ReadState::Verdict`] with a [`FooterCheck`]. Always so without the
    /// `footer-ecdsa` feature (no arithmetic here to verify with).
    verdict_outside: bool,
    /// The check of a read footer, until [`take_footer_check`](Self::take_footer_check).
    check: Option<FooterCheck>,
    /// Whether the check was handed out: only then does a verdict count.
    check_out: bool,
    /// Where the body starts in the message (the header's length): a
    /// [`FooterCheck`]'s `signed_len` counts from the message's first byte,
    /// whatever reader made it (`position` counts from the body's).
    body_offset: usize,
}

impl BodyReader {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        key: Secret,
        message_id: Vec<u8>,
        content_type: ContentType,
        frame_length: u32,
        signing: Signing,
        signer: Option<SignerKey>,
        transcript: Transcript,
        max_body_size: usize,
        body_offset: usize,
    ) -> Self {
        Self {
            plan: None,
            external: None,
            position: 0,
            plaintext_len: 0,
            key,
            message_id,
            content_type,
            frame_length,
            signing,
            signer,
            sequence: 1,
            buf: Vec::new(),
            transcript,
            state: ReadState::Body,
            max_body_size: max_body_size.min(MAX_BUFFERED),
            held_plaintext: Zeroizing::new(Vec::new()),
            held_desc: None,
            frames_end: None,
            verdict_outside: !cfg!(feature = "footer-ecdsa"),
            check: None,
            check_out: false,
            body_offset,
        }
    }

    /// The footer signature is verified outside the core: at the footer the
    /// reader stops, holding back the final frame, until
    /// [`footer_verdict`](Self::footer_verdict) after
    /// [`take_footer_check`](Self::take_footer_check).
    #[must_use]
    pub fn with_verdict_outside(mut self) -> Self {
        self.verdict_outside = true;
        self
    }

    /// Whether the reader waits for the verdict on its footer.
    #[must_use]
    pub fn awaits_verdict(&self) -> bool {
        self.state == ReadState::Verdict
    }

    /// The footer to verify, once (then [`footer_verdict`](Self::footer_verdict)).
    pub fn take_footer_check(&mut self) -> Option<FooterCheck> {
        let c = self.check.take()?;
        self.check_out = true;
        Some(c)
    }

    /// The verdict on the footer handed out by
    /// [`take_footer_check`](Self::take_footer_check): `true` only if its
    /// signature verified over its digest (or signed bytes) with its key.
    /// Releases the final frame held back: its plaintext (or, streaming for
    /// a native engine, its description). Anything but `true`, or a verdict
    /// before the check was handed out, wipes it and is `TAMPERED`, and the
    /// reader stays failed.
    ///
    /// # Errors
    /// `TAMPERED`; `INVALID_STATE` if no footer waits for a verdict.
    pub fn footer_verdict(&mut self, verified: bool) -> Result<(Vec<u8>, Option<FrameDesc>)> {
        if self.state != ReadState::Verdict {
            return Err(Error::InvalidState("no footer waits for a verdict"));
        }
        if !verified || !self.check_out {
            self.state = ReadState::Failed;
            self.check = None;
            self.held_plaintext.zeroize();
            self.held_desc = None;
            return Err(Error::Tampered);
        }
        self.state = ReadState::Done;
        let out = core::mem::take(&mut *self.held_plaintext);
        Ok((out, self.held_desc.take()))
    }

    /// Body bytes read so far, every frame among them verified (and the footer, once read).
    /// Counted from the start of the body, for a reader made by `Opener::start`.
    pub(crate) const fn consumed(&self) -> usize {
        self.position
    }

    /// Where the frames end, counted as [`consumed`](Self::consumed) is, once the final frame was read and verified.
    pub(crate) const fn frames_end(&self) -> Option<usize> {
        self.frames_end
    }

    /// Switches to one-shot native planning ([`plan_sparse`](Self::plan_sparse)):
    /// frames are checked and described, not decrypted, and the footer
    /// signature is left to the engine (nothing is hashed here; see
    /// [`ExternalSignature`]). `body_offset` is where the body starts in the message.
    pub(crate) fn plan_only_external_signature(mut self, body_offset: usize) -> Self {
        self.plan = Some(Vec::new());
        self.position = body_offset;
        self.body_offset = 0; // `position` counts from the message's first byte here
        self.transcript = Transcript::new(Signing::None);
        self.external = Some(None);
        self
    }

    /// The footer described by a planning reader made with `plan_only_external_signature`.
    pub(crate) fn take_external_signature(&mut self) -> Option<ExternalSignature> {
        self.external.as_mut().and_then(Option::take)
    }

    /// Switches to streaming for a native engine: each `plan_update` describes
    /// the frames completed so far, with a copy of their bytes.
    #[must_use]
    pub fn plan_stream(mut self) -> Self {
        self.plan = Some(Vec::new());
        self
    }

    /// Whether this reader streams for a native engine ([`plan_stream`](Self::plan_stream)):
    /// its verdict releases a description of the final frame, not its plaintext.
    #[must_use]
    pub const fn plans_stream(&self) -> bool {
        self.plan.is_some() && self.external.is_none()
    }

    /// The message key, for a native engine to import (then wipe).
    #[must_use]
    pub fn native_key(&self) -> &Secret {
        &self.key
    }

    /// Streams for a native engine: takes more bytes; returns the frames
    /// completed (structure, sequence and, at the end, the footer signature
    /// checked here). The engine verifies each frame's tag before releasing it.
    ///
    /// # Errors
    /// As [`update`](Self::update); `INVALID_STATE` unless made by `plan_stream`.
    pub fn plan_update(&mut self, bytes: &[u8]) -> Result<Vec<FrameDesc>> {
        if self.plan.is_none() || self.external.is_some() {
            return Err(Error::InvalidState("not a native stream"));
        }
        self.update(bytes)?;
        Ok(self.plan.as_mut().map(core::mem::take).unwrap_or_default())
    }

    /// The frame descriptions and total plaintext length of a planning reader.
    pub(crate) fn into_plan(self) -> (Vec<FrameDesc>, usize) {
        (self.plan.unwrap_or_default(), self.plaintext_len)
    }

    /// Takes more message bytes; returns the plaintext of every frame completed and verified.
    ///
    /// # Errors
    /// `TAMPERED` for a failed tag or signature; `MALFORMED_MESSAGE` for bytes
    /// that do not parse or come after the end; `LIMIT_EXCEEDED` for a non-framed
    /// body over the reader's `max_body_size`.
    pub fn update(&mut self, bytes: &[u8]) -> Result<Vec<u8>> {
        if self.state == ReadState::Failed {
            return Err(Error::Tampered);
        }
        if matches!(self.state, ReadState::Done | ReadState::Verdict) {
            return if bytes.is_empty() {
                Ok(Vec::new())
            } else {
                Err(Error::MalformedMessage(
                    "bytes after the end of the message",
                ))
            };
        }
        // Plaintext is never longer than the ciphertext at hand: reserving that
        // up front means no reallocation leaves an unwiped copy behind.
        let mut out = Zeroizing::new(Vec::with_capacity(if self.plan.is_some() {
            0
        } else {
            self.buf.len().saturating_add(bytes.len())
        }));
        if self.buf.is_empty() {
            // Nothing held back: read the frames straight from `bytes` and keep
            // only an incomplete tail (a one-shot open copies nothing here).
            let at = self.consume(bytes, &mut out)?;
            self.buf
                .extend_from_slice(bytes.get(at..).ok_or(Error::InvalidState("consumed"))?);
        } else {
            self.buf.extend_from_slice(bytes);
            let buf = core::mem::take(&mut self.buf);
            let r = self.consume(&buf, &mut out);
            self.buf = buf;
            let at = r?;
            self.buf.drain(..at);
        }
        Ok(core::mem::take(&mut *out))
    }

    /// Reads every complete frame (and the footer) from `buf`; returns the bytes used.
    fn consume(&mut self, buf: &[u8], out: &mut Vec<u8>) -> Result<usize> {
        let mut at = 0;
        loop {
            let rest = buf.get(at..).unwrap_or(&[]);
            let used = match self.state {
                ReadState::Body => self.read_frame(rest, out)?,
                ReadState::Footer => {
                    let used = self.read_footer(rest)?;
                    if self.state == ReadState::Done {
                        // The signature verified: the final frame may go.
                        out.extend_from_slice(&self.held_plaintext);
                        self.held_plaintext.zeroize();
                        if let Some(d) = self.held_desc.take() {
                            self.plan
                                .as_mut()
                                .ok_or(Error::InvalidState("not planning"))?
                                .push(d);
                        }
                    }
                    used
                }
                ReadState::Done | ReadState::Verdict if rest.is_empty() => None,
                ReadState::Done | ReadState::Verdict => {
                    return Err(Error::MalformedMessage(
                        "bytes after the end of the message",
                    ));
                }
                ReadState::Failed => return Err(Error::Tampered),
            };
            match used {
                Some(n) => at += n,
                None => return Ok(at),
            }
        }
    }

    /// Checks that the message ended exactly (final frame and, if signed, a verified footer).
    ///
    /// # Errors
    /// `MALFORMED_MESSAGE` if it is incomplete; `TAMPERED` if a footer read
    /// waits for its verdict or failed.
    pub fn finish(&self) -> Result<()> {
        if matches!(self.state, ReadState::Verdict | ReadState::Failed) {
            // A footer without a verdict is as good as a bad one.
            return Err(Error::Tampered);
        }
        if self.state == ReadState::Done && self.buf.is_empty() {
            Ok(())
        } else {
            Err(Error::MalformedMessage("the message is truncated"))
        }
    }

    fn need(rest: &[u8], n: usize) -> Result<bool> {
        if n > MAX_BUFFERED {
            return Err(Error::LimitExceeded(
                "a frame larger than this reader buffers",
            ));
        }
        Ok(rest.len() >= n)
    }

    /// Parses the head of the frame at the front of `rest` (at most
    /// [`FRAME_HEAD_MAX`] bytes are looked at): `None` until they are there.
    /// Checks the sequence number and the lengths.
    fn frame_head(&self, rest: &[u8]) -> Result<Option<FrameHead>> {
        let be32 = |b: &[u8], at: usize| -> u32 {
            let mut a = [0u8; 4];
            a.copy_from_slice(b.get(at..at + 4).unwrap_or(&[0; 4]));
            u32::from_be_bytes(a)
        };
        let (content, seq_at, iv_at, ct_at, len, last) = match self.content_type {
            ContentType::NonFramed => {
                if !Self::need(rest, IV_LEN + 8)? {
                    return Ok(None);
                }
                let mut l = [0u8; 8];
                l.copy_from_slice(rest.get(IV_LEN..IV_LEN + 8).unwrap_or(&[0; 8]));
                let len = u64::from_be_bytes(l);
                if len > MAX_NON_FRAMED_LEN {
                    return Err(Error::MalformedMessage(
                        "the non-framed content is too long",
                    ));
                }
                let len = usize::try_from(len)
                    .ok()
                    .filter(|&n| n <= self.max_body_size)
                    .ok_or(Error::LimitExceeded("a non-framed body above maxBodySize"))?;
                (SINGLE_BLOCK, None, 0, IV_LEN + 8, len, true)
            }
            ContentType::Framed => {
                if !Self::need(rest, 4)? {
                    return Ok(None);
                }
                if be32(rest, 0) == FINAL_MARKER {
                    if !Self::need(rest, 8 + IV_LEN + 4)? {
                        return Ok(None);
                    }
                    let len = be32(rest, 8 + IV_LEN);
                    if len > self.frame_length {
                        return Err(Error::MalformedMessage(
                            "the final frame is longer than the frame length",
                        ));
                    }
                    (
                        FINAL_FRAME,
                        Some(4),
                        8,
                        8 + IV_LEN + 4,
                        usize::try_from(len).map_err(|_| Error::LimitExceeded("frame"))?,
                        true,
                    )
                } else {
                    if !Self::need(rest, 4 + IV_LEN)? {
                        return Ok(None);
                    }
                    let len = usize::try_from(self.frame_length)
                        .map_err(|_| Error::LimitExceeded("frame"))?;
                    (FRAME, Some(0), 4, 4 + IV_LEN, len, false)
                }
            }
        };
        let total = ct_at
            .checked_add(len)
            .and_then(|n| n.checked_add(TAG_LEN))
            .ok_or(Error::LimitExceeded("frame"))?;
        let sequence = match seq_at {
            Some(at) => be32(rest, at),
            None => 1,
        };
        if sequence != self.sequence {
            return Err(Error::MalformedMessage("frame out of sequence"));
        }
        let mut iv = [0u8; IV_LEN];
        iv.copy_from_slice(
            rest.get(iv_at..iv_at + IV_LEN)
                .ok_or(Error::InvalidState("frame"))?,
        );
        Ok(Some(FrameHead {
            content,
            iv,
            ct_at,
            len,
            last,
            total,
        }))
    }

    /// Reads one frame from the front of `rest` if it is complete: Some(bytes used).
    fn read_frame(&mut self, rest: &[u8], out: &mut Vec<u8>) -> Result<Option<usize>> {
        let Some(head) = self.frame_head(rest)? else {
            return Ok(None);
        };
        if !Self::need(rest, head.total)? {
            return Ok(None);
        }
        let frame = rest.get(..head.total).ok_or(Error::InvalidState("frame"))?;
        let (ct, tag) = frame
            .get(head.ct_at..)
            .ok_or(Error::InvalidState("frame"))?
            .split_at(head.len);
        // A signed message's final frame waits for the footer (see `held_plaintext`).
        let hold = head.last && self.signing != Signing::None && self.external.is_none();
        if self.plan.is_some() {
            // Only a native stream plans through here: the description takes the bytes along.
            let bytes = frame
                .get(head.ct_at..)
                .ok_or(Error::InvalidState("frame"))?
                .to_vec();
            self.describe(&head, bytes)?;
            if hold {
                self.held_desc = self.plan.as_mut().and_then(Vec::pop);
            }
        } else {
            let aad = self.frame_aad(&head);
            let dest: &mut Vec<u8> = if hold { &mut self.held_plaintext } else { out };
            let start = dest.len();
            dest.extend_from_slice(ct);
            let buf = dest.get_mut(start..).ok_or(Error::InvalidState("frame"))?;
            if let Err(e) = gcm::open(self.key.expose_secret(), &head.iv, &aad, buf, tag) {
                dest.truncate(start);
                return Err(e);
            }
        }
        self.transcript.update(frame);
        self.advance(&head)?;
        Ok(Some(head.total))
    }

    fn frame_aad(&self, head: &FrameHead) -> Vec<u8> {
        frame::body_aad(
            &self.message_id,
            head.content,
            self.sequence,
            head.len as u64,
        )
    }

    /// Describes the frame at the reader's position for a native engine.
    fn describe(&mut self, head: &FrameHead, bytes: Vec<u8>) -> Result<()> {
        let start = self
            .position
            .checked_add(head.ct_at)
            .ok_or(Error::LimitExceeded("message"))?;
        let end = start
            .checked_add(head.len + TAG_LEN)
            .ok_or(Error::LimitExceeded("message"))?;
        let desc = FrameDesc {
            start,
            end,
            iv: head.iv,
            sequence: self.sequence,
            content: head.content,
            plaintext_offset: self.plaintext_len,
            bytes,
        };
        self.plan
            .as_mut()
            .ok_or(Error::InvalidState("not planning"))?
            .push(desc);
        Ok(())
    }

    /// Moves past a frame that was read (or described).
    fn advance(&mut self, head: &FrameHead) -> Result<()> {
        self.plaintext_len = self
            .plaintext_len
            .checked_add(head.len)
            .ok_or(Error::LimitExceeded("message"))?;
        self.position = self.position.saturating_add(head.total);
        if head.last {
            self.frames_end = Some(self.position);
            self.state = if matches!(self.signing, Signing::None) {
                ReadState::Done
            } else {
                ReadState::Footer
            };
        } else {
            self.sequence = frame::next_sequence(self.sequence)
                .ok_or(Error::MalformedMessage("too many frames"))?;
        }
        Ok(())
    }

    /// One-shot native planning of a message the core does not hold: `read(at, n)`
    /// returns the `n` bytes at message offset `at` (fewer at the end of the
    /// message). Only frame heads and the footer are read; the engine reads each
    /// frame's ciphertext itself and verifies its tag.
    ///
    /// # Errors
    /// As [`update`](Self::update); `INVALID_STATE` unless made by `plan_only_external_signature`.
    pub(crate) fn plan_sparse(
        &mut self,
        message_len: usize,
        read: &mut dyn FnMut(usize, usize) -> Result<Vec<u8>>,
    ) -> Result<()> {
        if self.plan.is_none() || self.external.is_none() {
            return Err(Error::InvalidState("not a sparse plan"));
        }
        let truncated = || Error::MalformedMessage("the message is truncated");
        loop {
            let remaining = message_len
                .checked_sub(self.position)
                .ok_or_else(truncated)?;
            match self.state {
                ReadState::Body => {
                    let bytes = read(self.position, remaining.min(FRAME_HEAD_MAX))?;
                    let head = self.frame_head(&bytes)?.ok_or_else(truncated)?;
                    if head.total > remaining {
                        return Err(truncated());
                    }
                    self.describe(&head, Vec::new())?;
                    self.advance(&head)?;
                }
                ReadState::Footer => {
                    let mut footer = read(self.position, remaining.min(2))?;
                    let n = match footer[..] {
                        [a, b] => usize::from(u16::from_be_bytes([a, b])),
                        _ => return Err(truncated()),
                    };
                    footer.extend_from_slice(&read(self.position.saturating_add(2), n)?);
                    if self.read_footer(&footer)? != Some(footer.len()) {
                        return Err(truncated());
                    }
                }
                ReadState::Done if remaining == 0 => return Ok(()),
                ReadState::Verdict | ReadState::Failed => {
                    return Err(Error::InvalidState("not a sparse plan"));
                }
                ReadState::Done => {
                    return Err(Error::MalformedMessage(
                        "bytes after the end of the message",
                    ));
                }
            }
        }
    }

    /// The footer key of a signed message, uncompressed and checked on the curve.
    fn signer_point(&self) -> Result<Vec<u8>> {
        self.signer
            .as_ref()
            .ok_or(footer::NO_PUBLIC_KEY)?
            .point()
            .map(<[u8]>::to_vec)
    }

    fn read_footer(&mut self, rest: &[u8]) -> Result<Option<usize>> {
        if rest.len() < 2 {
            return Ok(None);
        }
        let n = usize::from(u16::from_be_bytes([
            rest.first().copied().unwrap_or(0),
            rest.get(1).copied().unwrap_or(0),
        ]));
        let Some(sig) = rest.get(2..2 + n) else {
            return Ok(None);
        };
        if self.external.is_some() {
            let sig = footer::external(self.signing, sig, self.position)?;
            self.external = Some(Some(sig));
        } else {
            let t = core::mem::replace(&mut self.transcript, Transcript::new(Signing::None));
            let signed_len = self.body_offset.saturating_add(self.position);
            let check = FooterCheck::new(self.signing, self.signer_point()?, sig, t, signed_len)?;
            if self.verdict_outside {
                self.check = Some(check);
                self.position = self.position.saturating_add(2 + n);
                self.state = ReadState::Verdict;
                return Ok(Some(2 + n));
            }
            Self::verify_here(&check)?;
        }
        self.position = self.position.saturating_add(2 + n);
        self.state = ReadState::Done;
        Ok(Some(2 + n))
    }

    #[cfg(feature = "footer-ecdsa")]
    fn verify_here(check: &FooterCheck) -> Result<()> {
        if check.verify_here() {
            Ok(())
        } else {
            Err(Error::Tampered)
        }
    }

    #[cfg(not(feature = "footer-ecdsa"))]
    fn verify_here(_: &FooterCheck) -> Result<()> {
        Err(Error::InvalidState("no footer arithmetic in this build"))
    }
}
