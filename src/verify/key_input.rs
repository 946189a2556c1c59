//! The three shapes a public key arrives in: DER bytes (what KMS
//! `GetPublicKey` returns), base64 of those bytes (what the KMS JSON API and
//! the AWS CLI print), or PEM text with the `PUBLIC KEY` label (RFC 7468 §13).

use base64ct::{Base64, Encoding as _};

use crate::{Error, Result};

const PEM_BEGIN: &str = "-----BEGIN PUBLIC KEY-----";
const PEM_END: &str = "-----END PUBLIC KEY-----";

/// Longest key input accepted: an ML-DSA-87 SPKI is 2,614 bytes of DER, so
/// 16 KiB of text is generous and keeps hostile input bounded.
const MAX_INPUT_LEN: usize = 16 * 1024;

/// Returns the DER bytes of a key given as DER, base64 text or PEM text.
///
/// DER is recognised by its first byte (`0x30`, a SEQUENCE), which no base64
/// or PEM text starts with.
///
/// # Errors
/// [`Error::MalformedPublicKey`] when the input is empty, too long, or text
/// that is neither valid PEM nor valid standard base64.
pub fn decode_key_input(input: &[u8]) -> Result<Vec<u8>> {
    if input.len() > MAX_INPUT_LEN {
        return Err(Error::MalformedPublicKey("public key input is too long"));
    }
    match input.first() {
        None => Err(Error::MalformedPublicKey("public key is empty")),
        Some(0x30) => Ok(input.to_vec()),
        Some(_) => {
            let text = core::str::from_utf8(input)
                .map_err(|_| Error::MalformedPublicKey("public key is neither DER nor text"))?
                .trim();
            let body = if text.starts_with("-----BEGIN") {
                pem_body(text)?
            } else {
                text
            };
            decode_base64(body)
        }
    }
}

/// The base64 body between the `PUBLIC KEY` encapsulation boundaries
/// (RFC 7468 §2: only whitespace may follow the post-boundary; no headers).
fn pem_body(text: &str) -> Result<&str> {
    let rest = text
        .strip_prefix(PEM_BEGIN)
        .ok_or(Error::MalformedPublicKey(
            "PEM label must be PUBLIC KEY (SubjectPublicKeyInfo)",
        ))?;
    let end = rest
        .find(PEM_END)
        .ok_or(Error::MalformedPublicKey("PEM has no END PUBLIC KEY line"))?;
    let (body, tail) = rest.split_at(end);
    if !tail
        .get(PEM_END.len()..)
        .is_some_and(|t| t.trim().is_empty())
    {
        return Err(Error::MalformedPublicKey("data after the PEM END line"));
    }
    Ok(body)
}

/// Strict standard base64 (padding required), ignoring ASCII whitespace.
fn decode_base64(text: &str) -> Result<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact.is_empty() {
        return Err(Error::MalformedPublicKey("public key is empty"));
    }
    Base64::decode_vec(&compact)
        .map_err(|_| Error::MalformedPublicKey("public key text is not valid base64 or PEM"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn code(r: Result<Vec<u8>>) -> &'static str {
        r.err().map_or("ok", |e| e.code())
    }

    #[test]
    fn der_passes_through() {
        assert_eq!(decode_key_input(&[0x30, 0x00]), Ok(vec![0x30, 0x00]));
    }

    #[test]
    fn base64_and_pem() {
        assert_eq!(decode_key_input(b"MAA="), Ok(vec![0x30, 0x00]));
        assert_eq!(decode_key_input(b"  MA\nA=\n"), Ok(vec![0x30, 0x00]));
        let pem = b"-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----\n";
        assert_eq!(decode_key_input(pem), Ok(vec![0x30, 0x00]));
        let crlf = b"-----BEGIN PUBLIC KEY-----\r\nMAA=\r\n-----END PUBLIC KEY-----\r\n";
        assert_eq!(decode_key_input(crlf), Ok(vec![0x30, 0x00]));
    }

    #[test]
    fn bad_text() {
        assert_eq!(code(decode_key_input(b"")), "MALFORMED_PUBLIC_KEY");
        assert_eq!(code(decode_key_input(b"   ")), "MALFORMED_PUBLIC_KEY");
        assert_eq!(code(decode_key_input(b"MAA")), "MALFORMED_PUBLIC_KEY");
        assert_eq!(code(decode_key_input(b"M!A=")), "MALFORMED_PUBLIC_KEY");
        assert_eq!(
            code(decode_key_input(&[0xff, 0xfe])),
            "MALFORMED_PUBLIC_KEY"
        );
        let rsa = b"-----BEGIN RSA PUBLIC KEY-----\nMAA=\n-----END RSA PUBLIC KEY-----\n";
        assert_eq!(code(decode_key_input(rsa)), "MALFORMED_PUBLIC_KEY");
        let no_end = b"-----BEGIN PUBLIC KEY-----\nMAA=\n";
        assert_eq!(code(decode_key_input(no_end)), "MALFORMED_PUBLIC_KEY");
        let trailing = b"-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----\nxx";
        assert_eq!(code(decode_key_input(trailing)), "MALFORMED_PUBLIC_KEY");
        assert_eq!(
            code(decode_key_input(&vec![b'A'; MAX_INPUT_LEN + 1])),
            "MALFORMED_PUBLIC_KEY"
        );
    }
}
