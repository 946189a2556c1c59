//! The encryption context: string pairs bound to a message as authenticated data.
//!
//! Spec: `data-format/message-header.md` § "AAD" / "Key Value Pairs", and
//! `framework/structures.md` § "Encryption Context". Pairs are serialized
//! sorted by the UTF-8 bytes of their keys (which is `str`'s `Ord`, so a
//! `BTreeMap` keeps them canonical), every length a big-endian u16.

use std::collections::BTreeMap;

use super::reader::{Reader, put_u16_prefixed};
use crate::{Error, Result};

/// Keys with this prefix are written by the library, never by callers.
pub const RESERVED_PREFIX: &str = "aws-crypto-";
/// Where a signed message keeps its signer's public key (base64, compressed point).
pub const PUBLIC_KEY_FIELD: &str = "aws-crypto-public-key";

const TOO_LARGE: Error =
    Error::InvalidEncryptionContext("the encryption context does not fit in 65535 bytes");

/// An encryption context, kept in canonical order.
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub struct EncryptionContext(BTreeMap<String, String>);

impl EncryptionContext {
    /// An empty context.
    #[must_use]
    pub const fn new() -> Self {
        Self(BTreeMap::new())
    }

    /// A context given by a caller: refuses the reserved prefix and duplicate keys.
    ///
    /// # Errors
    /// `INVALID_ENCRYPTION_CONTEXT` for a key starting with `aws-crypto-`, a
    /// duplicate key, or a context too large to serialize.
    pub fn from_caller<I>(pairs: I) -> Result<Self>
    where
        I: IntoIterator<Item = (String, String)>,
    {
        let mut map = BTreeMap::new();
        for (k, v) in pairs {
            if k.starts_with(RESERVED_PREFIX) {
                return Err(Error::InvalidEncryptionContext(
                    "keys starting with aws-crypto- are reserved",
                ));
            }
            if map.insert(k, v).is_some() {
                return Err(Error::InvalidEncryptionContext(
                    "duplicate encryption context key",
                ));
            }
        }
        let ec = Self(map);
        ec.serialize()?;
        Ok(ec)
    }

    /// Adds a pair under a reserved key (library use only).
    pub(crate) fn insert_reserved(&mut self, key: &str, value: String) {
        self.0.insert(key.into(), value);
    }

    /// The value under `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// The pairs in canonical order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Number of pairs.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no pairs.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The canonical serialization: empty for an empty context, otherwise
    /// count u16 then (key-len u16, key, value-len u16, value) per pair.
    ///
    /// # Errors
    /// `INVALID_ENCRYPTION_CONTEXT` if it would exceed 65535 bytes.
    pub fn serialize(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        if self.0.is_empty() {
            return Ok(out);
        }
        let count = u16::try_from(self.0.len()).map_err(|_| TOO_LARGE)?;
        out.extend_from_slice(&count.to_be_bytes());
        for (k, v) in &self.0 {
            put_u16_prefixed(&mut out, k.as_bytes(), TOO_LARGE)?;
            put_u16_prefixed(&mut out, v.as_bytes(), TOO_LARGE)?;
        }
        if out.len() > usize::from(u16::MAX) {
            return Err(TOO_LARGE);
        }
        Ok(out)
    }

    /// The serialization with pairs in the caller's `order` (a permutation of the
    /// keys) instead of the canonical one. Only for reading messages of writers
    /// that sorted differently; see `decrypt::Opener::try_keyring_in_order`.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` unless `order` names every key exactly once.
    pub fn serialize_in_order(&self, order: &[String]) -> Result<Vec<u8>> {
        let bad = Error::InvalidArgument("the order must name every encryption context key once");
        if order.len() != self.0.len() {
            return Err(bad);
        }
        let mut seen = std::collections::BTreeSet::new();
        let mut out = Vec::new();
        if order.is_empty() {
            return Ok(out);
        }
        let count = u16::try_from(order.len()).map_err(|_| TOO_LARGE)?;
        out.extend_from_slice(&count.to_be_bytes());
        for k in order {
            let v = self.0.get(k).ok_or(bad.clone())?;
            if !seen.insert(k) {
                return Err(bad);
            }
            put_u16_prefixed(&mut out, k.as_bytes(), TOO_LARGE)?;
            put_u16_prefixed(&mut out, v.as_bytes(), TOO_LARGE)?;
        }
        Ok(out)
    }

    /// Parses the AAD section of a header (the bytes after its u16 length).
    ///
    /// # Errors
    /// `MALFORMED_MESSAGE` for truncation, trailing bytes, invalid UTF-8 or a duplicate key.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let mut map = BTreeMap::new();
        if bytes.is_empty() {
            return Ok(Self(map));
        }
        let mut r = Reader::new(bytes);
        let count = r.u16()?;
        for _ in 0..count {
            let k = utf8(r.u16_prefixed()?)?;
            let v = utf8(r.u16_prefixed()?)?;
            if map.insert(k, v).is_some() {
                return Err(Error::MalformedMessage(
                    "duplicate key in the encryption context",
                ));
            }
        }
        if r.remaining() != 0 {
            return Err(Error::MalformedMessage(
                "trailing bytes after the encryption context",
            ));
        }
        Ok(Self(map))
    }

    /// Checks that every pair of `required` is in this context with the same value.
    ///
    /// # Errors
    /// `ENCRYPTION_CONTEXT_MISMATCH` if one is missing or different.
    pub fn require(&self, required: &Self) -> Result<()> {
        for (k, v) in &required.0 {
            if self.0.get(k) != Some(v) {
                return Err(Error::EncryptionContextMismatch);
            }
        }
        Ok(())
    }
}

fn utf8(b: &[u8]) -> Result<String> {
    core::str::from_utf8(b)
        .map(String::from)
        .map_err(|_| Error::MalformedMessage("the encryption context is not UTF-8"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn ec(pairs: &[(&str, &str)]) -> Result<EncryptionContext> {
        EncryptionContext::from_caller(pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())))
    }

    #[test]
    fn serializes_sorted_by_utf8_bytes() {
        // "a" < "b" < "é" (0xC3 0xA9) < "😀" (0xF0 ...), whatever the insertion order.
        let c = ec(&[("😀", "4"), ("b", "2"), ("é", "3"), ("a", "1")]).unwrap();
        let s = c.serialize().unwrap();
        let mut want = vec![0, 4];
        for (k, v) in [("a", "1"), ("b", "2"), ("é", "3"), ("😀", "4")] {
            want.extend_from_slice(&u16::try_from(k.len()).unwrap().to_be_bytes());
            want.extend_from_slice(k.as_bytes());
            want.extend_from_slice(&u16::try_from(v.len()).unwrap().to_be_bytes());
            want.extend_from_slice(v.as_bytes());
        }
        assert_eq!(s, want);
        assert_eq!(EncryptionContext::parse(&s).unwrap(), c);
    }

    #[test]
    fn empty_is_empty_bytes() {
        assert!(EncryptionContext::new().serialize().unwrap().is_empty());
        assert!(EncryptionContext::parse(&[]).unwrap().is_empty());
        // A count of zero (written by some old SDKs) is an empty context too.
        assert!(EncryptionContext::parse(&[0, 0]).unwrap().is_empty());
    }

    #[test]
    fn refuses_reserved_prefix() {
        assert_eq!(
            ec(&[("aws-crypto-public-key", "x")]).unwrap_err().code(),
            "INVALID_ENCRYPTION_CONTEXT"
        );
    }

    #[test]
    fn refuses_too_large() {
        let big = "x".repeat(40_000);
        assert_eq!(
            ec(&[("a", &big), ("b", &big)]).unwrap_err().code(),
            "INVALID_ENCRYPTION_CONTEXT"
        );
    }

    #[test]
    fn parse_refuses_bad_input() {
        for bad in [
            &[0u8, 1, 0, 1, b'a'][..],
            &[0, 1, 0, 1, b'a', 0, 1, b'b', 9],
            &[0, 1, 0, 1, 0xff, 0, 0],
        ] {
            assert_eq!(
                EncryptionContext::parse(bad).unwrap_err().code(),
                "MALFORMED_MESSAGE"
            );
        }
        let dup = [0, 2, 0, 1, b'a', 0, 0, 0, 1, b'a', 0, 0];
        assert_eq!(
            EncryptionContext::parse(&dup).unwrap_err().code(),
            "MALFORMED_MESSAGE"
        );
    }

    #[test]
    fn require_checks_pairs() {
        let c = ec(&[("tenant", "acme"), ("purpose", "x")]).unwrap();
        assert!(c.require(&ec(&[("tenant", "acme")]).unwrap()).is_ok());
        assert_eq!(
            c.require(&ec(&[("tenant", "evil")]).unwrap())
                .unwrap_err()
                .code(),
            "ENCRYPTION_CONTEXT_MISMATCH"
        );
        assert_eq!(
            c.require(&ec(&[("other", "acme")]).unwrap())
                .unwrap_err()
                .code(),
            "ENCRYPTION_CONTEXT_MISMATCH"
        );
    }
}
