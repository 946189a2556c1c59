//! Body framing. Spec: `data-format/message-body.md` and
//! `data-format/message-body-aad.md`.

use super::gcm::IV_LEN;

/// Body AAD content string of a regular frame.
pub const FRAME: &[u8] = b"AWSKMSEncryptionClient Frame";
/// Body AAD content string of the final frame.
pub const FINAL_FRAME: &[u8] = b"AWSKMSEncryptionClient Final Frame";
/// Body AAD content string of a non-framed body.
pub const SINGLE_BLOCK: &[u8] = b"AWSKMSEncryptionClient Single Block";
/// Marks the final frame in place of a sequence number.
pub const FINAL_MARKER: u32 = u32::MAX;
/// The sequence number after `s`, if there is one: the final frame needs a
/// number too, and [`FINAL_MARKER`] is not one.
#[must_use]
pub fn next_sequence(s: u32) -> Option<u32> {
    s.checked_add(1).filter(|&n| n != FINAL_MARKER)
}

/// GCM's limit for one call, which bounds a non-framed body: 2^36 - 32 bytes.
pub const MAX_NON_FRAMED_LEN: u64 = (1 << 36) - 32;

/// message id ‖ content string ‖ sequence number u32 ‖ content length u64.
#[must_use]
pub fn body_aad(message_id: &[u8], content: &[u8], sequence: u32, len: u64) -> Vec<u8> {
    let mut aad = Vec::with_capacity(message_id.len() + content.len() + 12);
    aad.extend_from_slice(message_id);
    aad.extend_from_slice(content);
    aad.extend_from_slice(&sequence.to_be_bytes());
    aad.extend_from_slice(&len.to_be_bytes());
    aad
}

/// The IV of frame `sequence`: the sequence number, big-endian, left-padded to 12 bytes.
#[must_use]
pub fn frame_iv(sequence: u32) -> [u8; IV_LEN] {
    let mut iv = [0u8; IV_LEN];
    let [.., a, b, c, d] = &mut iv;
    [*a, *b, *c, *d] = sequence.to_be_bytes();
    iv
}
