//! The message header. Spec: `data-format/message-header.md`.
//!
//! We write version 2 only; we read versions 1 and 2. The parser checks the
//! commitment policy and the encrypted-data-key limit as soon as it has read
//! what they depend on, before doing any other work.

use super::encryption_context::EncryptionContext;
use super::gcm::{IV_LEN, TAG_LEN};
use super::kdf::COMMITMENT_LEN;
use super::reader::{Reader, put_u16_prefixed};
use super::suite::AlgorithmSuite;
use crate::{Error, Result};

/// Largest frame length we write (the reference SDKs' limit).
pub const MAX_FRAME_LENGTH: u32 = i32::MAX as u32;

const EDK_TOO_LARGE: Error =
    Error::InvalidDataKey("an encrypted data key field is longer than 65535 bytes");

/// One encrypted data key: who can unwrap it, and the wrapped bytes.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct EncryptedDataKey {
    /// Key provider id (`aws-kms`, a raw keyring's namespace, ...).
    pub provider_id: String,
    /// Key provider info (a KMS key ARN, a raw keyring's key name and IV, ...).
    pub provider_info: Vec<u8>,
    /// The wrapped data key.
    pub ciphertext: Vec<u8>,
}

/// Framed or non-framed body.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ContentType {
    /// One AES-GCM call over the whole plaintext (read only).
    NonFramed,
    /// Frames of `frame_length` bytes and a final frame.
    Framed,
}

/// What the reader must enforce while parsing.
#[derive(Clone, Copy, Debug)]
pub struct ParseLimits {
    /// Maximum number of encrypted data keys.
    pub max_encrypted_data_keys: usize,
    /// Whether non-committing suites (all of version 1) may be read.
    pub allow_non_committing: bool,
    /// Largest frame length (or non-framed content length) accepted, in bytes:
    /// the most a streaming reader buffers for one frame.
    pub max_body_size: usize,
    /// Largest header accepted, in bytes.
    pub max_header_size: usize,
    /// Whether only signed suites may be read (for readers whose writers always sign).
    pub require_signed: bool,
}

/// Default of [`ParseLimits::max_body_size`]: 64 MiB, far above any frame length
/// an SDK writes by default, far below what a hostile header could ask a stream to buffer.
pub const DEFAULT_MAX_BODY_SIZE: usize = 64 << 20;
/// Default of [`ParseLimits::max_header_size`]: 4 MiB (ten encrypted data keys
/// of the largest size the format allows fit well inside).
pub const DEFAULT_MAX_HEADER_SIZE: usize = 4 << 20;

impl ParseLimits {
    /// The defaults: 10 encrypted data keys, committing suites only, the body and
    /// header sizes above, unsigned suites allowed.
    pub const DEFAULT: Self = Self {
        max_encrypted_data_keys: 10,
        allow_non_committing: false,
        max_body_size: DEFAULT_MAX_BODY_SIZE,
        max_header_size: DEFAULT_MAX_HEADER_SIZE,
        require_signed: false,
    };
}

/// A parsed header.
#[derive(Clone, Debug)]
pub struct Header {
    /// 1 or 2.
    pub version: u8,
    /// The algorithm suite.
    pub suite: AlgorithmSuite,
    /// 16 (v1) or 32 (v2) bytes.
    pub message_id: Vec<u8>,
    /// The context as stored.
    pub encryption_context: EncryptionContext,
    /// The context's bytes exactly as the writer serialized them (see `decrypt::Opener::try_keyring`).
    pub encryption_context_bytes: Vec<u8>,
    /// The encrypted data keys.
    pub encrypted_data_keys: Vec<EncryptedDataKey>,
    /// Framed or not.
    pub content_type: ContentType,
    /// Frame length (0 for non-framed).
    pub frame_length: u32,
    /// The key commitment (v2).
    pub commitment: Option<[u8; COMMITMENT_LEN]>,
    /// The IV of the header tag (stored in v1, zeros in v2).
    pub auth_iv: [u8; IV_LEN],
    /// The header tag.
    pub auth_tag: [u8; TAG_LEN],
    /// The header bytes the tag authenticates (everything before the auth section).
    pub authenticated: Vec<u8>,
    /// Total header length including the authentication section.
    pub len: usize,
}

fn utf8(b: &[u8]) -> Result<String> {
    core::str::from_utf8(b)
        .map(String::from)
        .map_err(|_| Error::MalformedMessage("a key provider id is not UTF-8"))
}

impl Header {
    /// Parses the header at the start of `bytes`.
    ///
    /// # Errors
    /// `MALFORMED_MESSAGE` for anything that does not parse;
    /// `UNSUPPORTED_ALGORITHM` for an unknown suite;
    /// `COMMITMENT_POLICY_VIOLATION` for a non-committing suite under a strict policy;
    /// `TOO_MANY_ENCRYPTED_DATA_KEYS` above the limit.
    pub fn parse(bytes: &[u8], limits: &ParseLimits) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let version = r.u8()?;
        match version {
            1 => {
                if r.u8()? != 0x80 {
                    return Err(Error::MalformedMessage("unknown message type"));
                }
            }
            2 => {}
            // `A` begins the Base64 of both versions' first bytes (`AY…`, `Ag…`).
            b'A' => {
                return Err(Error::MalformedMessage(
                    "this looks like Base64 text: decode it to bytes first",
                ));
            }
            _ => return Err(Error::MalformedMessage("unknown message format version")),
        }
        let suite = AlgorithmSuite::from_id(r.u16()?)?;
        if suite.message_version != version {
            return Err(Error::MalformedMessage(
                "the algorithm suite does not belong to this message version",
            ));
        }
        if !suite.committing && !limits.allow_non_committing {
            return Err(Error::CommitmentPolicyViolation);
        }
        let message_id = r.take(suite.message_id_len())?.to_vec();
        let encryption_context_bytes = r.u16_prefixed()?.to_vec();
        let encryption_context = EncryptionContext::parse(&encryption_context_bytes)?;

        let count = usize::from(r.u16()?);
        if count == 0 {
            return Err(Error::MalformedMessage(
                "a message needs at least one encrypted data key",
            ));
        }
        if count > limits.max_encrypted_data_keys {
            return Err(Error::TooManyEncryptedDataKeys);
        }
        let mut encrypted_data_keys = Vec::with_capacity(count);
        for _ in 0..count {
            let provider_id = utf8(r.u16_prefixed()?)?;
            let provider_info = r.u16_prefixed()?.to_vec();
            let ciphertext = r.u16_prefixed()?.to_vec();
            encrypted_data_keys.push(EncryptedDataKey {
                provider_id,
                provider_info,
                ciphertext,
            });
        }
        let content_type = match r.u8()? {
            1 => ContentType::NonFramed,
            2 => ContentType::Framed,
            _ => return Err(Error::MalformedMessage("unknown content type")),
        };
        let frame_length;
        let mut commitment = None;
        if version == 1 {
            if r.u32()? != 0 {
                return Err(Error::MalformedMessage(
                    "reserved header bytes are not zero",
                ));
            }
            if usize::from(r.u8()?) != IV_LEN {
                return Err(Error::MalformedMessage("the IV length must be 12"));
            }
            frame_length = r.u32()?;
        } else {
            frame_length = r.u32()?;
            commitment = Some(r.array::<COMMITMENT_LEN>()?);
        }
        match (content_type, frame_length) {
            (ContentType::NonFramed, 0) => {}
            (ContentType::Framed, n) if n > 0 => {}
            _ => {
                return Err(Error::MalformedMessage(
                    "the frame length does not fit the content type",
                ));
            }
        }
        if usize::try_from(frame_length).map_or(true, |n| n > limits.max_body_size) {
            return Err(Error::LimitExceeded("a frame length above maxBodySize"));
        }
        let authenticated = bytes
            .get(..r.pos())
            .ok_or(Error::MalformedMessage("the message is truncated"))?
            .to_vec();
        let auth_iv = if version == 1 {
            r.array::<IV_LEN>()?
        } else {
            [0u8; IV_LEN]
        };
        let auth_tag = r.array::<TAG_LEN>()?;
        if r.pos() > limits.max_header_size {
            return Err(Error::LimitExceeded("a header above maxHeaderSize"));
        }
        Ok(Self {
            version,
            suite,
            message_id,
            encryption_context,
            encryption_context_bytes,
            encrypted_data_keys,
            content_type,
            frame_length,
            commitment,
            auth_iv,
            auth_tag,
            authenticated,
            len: r.pos(),
        })
    }
}

/// Serializes a version 2 header up to (not including) its tag.
///
/// # Errors
/// `INVALID_ARGUMENT` for a non-committing suite or a bad frame length;
/// `INVALID_DATA_KEY` for an encrypted data key field over 65535 bytes;
/// `INVALID_ENCRYPTION_CONTEXT` for a context too large.
pub fn serialize_v2(
    suite: &AlgorithmSuite,
    message_id: &[u8; 32],
    encryption_context: &[u8],
    encrypted_data_keys: &[EncryptedDataKey],
    frame_length: u32,
    commitment: &[u8; COMMITMENT_LEN],
) -> Result<Vec<u8>> {
    if suite.message_version != 2 {
        return Err(Error::InvalidArgument("only version 2 suites are written"));
    }
    if frame_length == 0 || frame_length > MAX_FRAME_LENGTH {
        return Err(Error::InvalidArgument(
            "the frame length must be between 1 and 2^31 - 1",
        ));
    }
    let mut out = Vec::with_capacity(128 + encryption_context.len());
    out.push(2);
    out.extend_from_slice(&suite.id.to_be_bytes());
    out.extend_from_slice(message_id);
    put_u16_prefixed(
        &mut out,
        encryption_context,
        Error::InvalidEncryptionContext("the encryption context is too large"),
    )?;
    let count = u16::try_from(encrypted_data_keys.len())
        .map_err(|_| Error::LimitExceeded("more than 65535 encrypted data keys"))?;
    if count == 0 {
        return Err(Error::InvalidArgument(
            "a message needs at least one encrypted data key",
        ));
    }
    out.extend_from_slice(&count.to_be_bytes());
    for edk in encrypted_data_keys {
        put_u16_prefixed(&mut out, edk.provider_id.as_bytes(), EDK_TOO_LARGE)?;
        put_u16_prefixed(&mut out, &edk.provider_info, EDK_TOO_LARGE)?;
        put_u16_prefixed(&mut out, &edk.ciphertext, EDK_TOO_LARGE)?;
    }
    out.push(2); // framed
    out.extend_from_slice(&frame_length.to_be_bytes());
    out.extend_from_slice(commitment);
    Ok(out)
}
