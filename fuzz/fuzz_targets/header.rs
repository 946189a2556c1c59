//! Header and encryption-context parsing (`data-format/message-header.md`).
//!
//! Input: one flag byte, then bytes. Bit 0 clear: the bytes are a message
//! (`Header::parse`, `Opener::from_prefix`, `inspect`); bits 2-5 choose the
//! limits as in `open.rs`. Bit 0 set: the bytes are the AAD section
//! (`EncryptionContext::parse`), and the rest of the flags pick caller pairs.
//!
//! Checks: no panic; the header parser reads a prefix — it gives the same
//! header from `bytes[..len]`, and every shorter prefix is refused (or, to
//! `from_prefix`, incomplete); a version 2 framed header re-serializes to its
//! own bytes (`serialize_v2`); a context re-serializes to the same pairs, and
//! to its own bytes when those are canonical (sorted, count > 0); a caller
//! context survives serialize → parse; allocation at most 8 bytes per input
//! byte plus 64 KiB.

#![no_main]

use edge_kms::envelope::decrypt::Opener;
use edge_kms::envelope::encryption_context::EncryptionContext;
use edge_kms::envelope::header::{ContentType, Header, serialize_v2};
use edge_kms::envelope::inspect::inspect;
use edge_kms_fuzz::alloc::{measure, within_budget};
use edge_kms_fuzz::input::Rng;
use edge_kms_fuzz::message;
use libfuzzer_sys::fuzz_target;

/// The keys of an AAD section in the order written, read independently of
/// the crate; `None` unless it is well-formed (count, then u16-prefixed
/// UTF-8 keys and values, nothing after).
fn keys_as_written(bytes: &[u8]) -> Option<Vec<String>> {
    fn field<'a>(bytes: &'a [u8], at: &mut usize) -> Option<&'a [u8]> {
        let n = usize::from(u16::from_be_bytes(
            bytes.get(*at..*at + 2)?.try_into().ok()?,
        ));
        let f = bytes.get(*at + 2..*at + 2 + n)?;
        *at += 2 + n;
        Some(f)
    }
    let count = u16::from_be_bytes(bytes.get(..2)?.try_into().ok()?);
    let mut at = 2;
    let mut keys = Vec::new();
    for _ in 0..count {
        let k = std::str::from_utf8(field(bytes, &mut at)?).ok()?;
        std::str::from_utf8(field(bytes, &mut at)?).ok()?;
        keys.push(k.to_owned());
    }
    (at == bytes.len()).then_some(keys)
}

fn context(bytes: &[u8], flags: u8) {
    let (parsed, peak) = measure(|| EncryptionContext::parse(bytes));
    within_budget("header/context", peak, bytes.len(), 8, 64 << 10);
    let written = keys_as_written(bytes);
    match parsed {
        Ok(ec) => {
            if bytes.is_empty() {
                assert!(ec.is_empty());
                return;
            }
            let keys = written.expect("the context parser accepted what does not parse");
            assert_eq!(keys.len(), ec.len(), "pairs lost or invented");
            let s = ec.serialize().expect("a parsed context serializes");
            assert_eq!(
                EncryptionContext::parse(&s).expect("reparse"),
                ec,
                "round trip"
            );
            let canonical = !keys.is_empty() && keys.windows(2).all(|w| w[0] < w[1]);
            if canonical {
                assert_eq!(s, bytes, "a canonical context must serialize to itself");
            }
            // As written, whatever the order (what try_keyring binds for other writers).
            if !keys.is_empty() {
                assert_eq!(ec.serialize_in_order(&keys).expect("in order"), bytes);
            }
        }
        Err(e) => {
            assert_eq!(e.code(), "MALFORMED_MESSAGE");
            // Refused only for a reason: bad structure or a duplicate key.
            if let Some(keys) = written {
                let mut k = keys.clone();
                k.sort();
                k.dedup();
                assert!(
                    k.len() < keys.len(),
                    "a well-formed context without duplicates was refused"
                );
            }
        }
    }
    // A caller's pairs: serialize → parse gives them back.
    let mut rng = Rng::new(u64::from(flags) << 32 | bytes.len() as u64);
    let pairs: Vec<(String, String)> = bytes
        .chunks(7)
        .take(8)
        .map(|c| {
            let s = String::from_utf8_lossy(c).into_owned();
            let cut = rng.between_1_and(s.len()).min(s.len());
            let cut = (0..=cut)
                .rev()
                .find(|&i| s.is_char_boundary(i))
                .unwrap_or(0);
            (s[..cut].to_owned(), s[cut..].to_owned())
        })
        .collect();
    if let Ok(ec) = EncryptionContext::from_caller(pairs) {
        let s = ec.serialize().expect("a caller context serializes");
        assert_eq!(EncryptionContext::parse(&s).expect("parse"), ec);
    }
}

fn header(bytes: &[u8], flags: u8) {
    let limits = message::limits(flags);
    let (parsed, peak) = measure(|| Header::parse(bytes, &limits));
    within_budget("header", peak, bytes.len(), 8, 64 << 10);
    let none = EncryptionContext::new();
    match &parsed {
        Ok(h) => {
            assert!(h.len <= bytes.len() && h.authenticated.len() < h.len);
            assert_eq!(&bytes[..h.authenticated.len()], &h.authenticated[..]);
            let again = Header::parse(&bytes[..h.len], &limits).expect("the header alone parses");
            assert_eq!(again.len, h.len);
            // Shorter prefixes: refused, or to a stream "not yet".
            let mut rng = Rng::new(u64::from(flags) ^ bytes.len() as u64);
            let cut = rng.between_1_and(h.len) - 1;
            assert!(
                Header::parse(&bytes[..cut], &limits).is_err(),
                "a prefix parsed"
            );
            if let Ok(o) = Opener::from_prefix(&bytes[..cut], &limits, &none, &[9; 64]) {
                assert!(o.is_none(), "from_prefix found a header in a prefix");
            }
            if let Ok(Some((_, len))) = Opener::from_prefix(bytes, &limits, &none, &[9; 64]) {
                assert_eq!(len, h.len);
            }
            if h.version == 2 && h.content_type == ContentType::Framed {
                let s = serialize_v2(
                    &h.suite,
                    h.message_id.as_slice().try_into().expect("32-byte id"),
                    &h.encryption_context_bytes,
                    &h.encrypted_data_keys,
                    h.frame_length,
                    h.commitment.as_ref().expect("v2 commitment"),
                );
                if let Ok(s) = s {
                    assert_eq!(s, h.authenticated, "a v2 header re-serializes differently");
                }
            }
        }
        Err(e) => {
            if let Ok(Some(_)) = Opener::from_prefix(bytes, &limits, &none, &[9; 64]) {
                panic!(
                    "from_prefix opened what Header::parse refused ({})",
                    e.code()
                );
            }
        }
    }
    if let Ok(info) = inspect(bytes) {
        assert!(info.len <= bytes.len() && info.header.len <= info.len);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, bytes)) = data.split_first() else {
        return;
    };
    if flags & 1 == 0 {
        header(bytes, flags);
    } else {
        context(bytes, flags);
    }
});
