//! A structural look at a message without any key: version, suite, context,
//! encrypted data keys, frame count, whether a footer is present. Nothing
//! here is authenticated; it is for tools and docs, not for decisions.

use super::frame::FINAL_MARKER;
use super::gcm::{IV_LEN, TAG_LEN};
use super::header::{ContentType, Header, ParseLimits};
use super::reader::Reader;
use crate::{Error, Result};

/// What [`inspect`] finds.
#[derive(Debug)]
pub struct MessageInfo {
    /// The parsed header.
    pub header: Header,
    /// Number of frames (1 for a non-framed body).
    pub frame_count: u64,
    /// Length of the footer signature, if the message has one.
    pub signature_len: Option<usize>,
    /// Total length of the message as its structure says.
    pub len: usize,
}

/// Walks `message` without decrypting.
///
/// # Errors
/// `MALFORMED_MESSAGE` if the structure does not parse.
pub fn inspect(message: &[u8]) -> Result<MessageInfo> {
    let limits = ParseLimits {
        max_encrypted_data_keys: usize::from(u16::MAX),
        allow_non_committing: true,
        max_body_size: usize::MAX,
        max_header_size: usize::MAX,
        require_signed: false,
    };
    let header = Header::parse(message, &limits)?;
    let body = message
        .get(header.len..)
        .ok_or(Error::MalformedMessage("the message is truncated"))?;
    let mut r = Reader::new(body);
    let mut frame_count: u64 = 0;
    match header.content_type {
        ContentType::NonFramed => {
            r.take(IV_LEN)?;
            let n = usize::try_from(r.u64()?)
                .map_err(|_| Error::MalformedMessage("the message is truncated"))?;
            r.take(n)?;
            r.take(TAG_LEN)?;
            frame_count = 1;
        }
        ContentType::Framed => {
            let frame_len =
                usize::try_from(header.frame_length).map_err(|_| Error::LimitExceeded("frame"))?;
            loop {
                frame_count += 1;
                if r.u32()? == FINAL_MARKER {
                    r.u32()?;
                    r.take(IV_LEN)?;
                    let n = usize::try_from(r.u32()?).map_err(|_| Error::LimitExceeded("frame"))?;
                    r.take(n)?;
                    r.take(TAG_LEN)?;
                    break;
                }
                r.take(IV_LEN)?;
                r.take(frame_len)?;
                r.take(TAG_LEN)?;
            }
        }
    }
    let signature_len = if header.suite.is_signed() {
        Some(r.u16_prefixed()?.len())
    } else {
        None
    };
    let len = header.len.saturating_add(r.pos());
    Ok(MessageInfo {
        header,
        frame_count,
        signature_len,
        len,
    })
}
