//! Round trips and failure codes of the sealing and opening state machines.

use super::decrypt::Opener;
use super::encrypt::Sealer;
use super::encryption_context::EncryptionContext;
use super::header::ParseLimits;
use super::inspect::inspect;
use super::secret::Secret;
use super::suite::{self, AlgorithmSuite};
use crate::keyring::LocalKeyring;
use crate::keyring::raw_aes::RawAesKeyring;
use crate::Result;

const STRICT: ParseLimits = ParseLimits { max_encrypted_data_keys: 10, allow_non_committing: false };

fn aes(key: u8) -> RawAesKeyring {
    RawAesKeyring::new("ns".into(), "name".into(), Secret::new(vec![key; 32])).unwrap()
}

fn ctx(pairs: &[(&str, &str)]) -> EncryptionContext {
    EncryptionContext::from_caller(pairs.iter().map(|(k, v)| ((*k).into(), (*v).into()))).unwrap()
}

fn seal(suite: AlgorithmSuite, frame: u32, pt: &[u8], kr: &[&dyn LocalKeyring]) -> Vec<u8> {
    let mut s = Sealer::new(suite, frame, ctx(&[("tenant", "acme"), ("é", "😀")]), &[7; 64]).unwrap();
    for k in kr {
        s.wrap_with(*k).unwrap();
    }
    s.seal(pt).unwrap()
}

fn open(msg: &[u8], kr: &dyn LocalKeyring) -> Result<Vec<u8>> {
    let mut o = Opener::new(msg, &STRICT, &EncryptionContext::new(), &[9; 64])?;
    o.try_keyring(kr)?;
    o.open(msg)
}

#[test]
fn round_trips_every_edge_size_and_both_suites() {
    for suite in [suite::ALL[9], suite::ALL[10]] {
        for frame in [1u32, 7, 512] {
            let f = frame as usize;
            for n in [0, 1, f - 1, f, f + 1, 3 * f + 7] {
                let pt: Vec<u8> = (0..n).map(|i| (i * 31) as u8).collect();
                let msg = seal(suite, frame, &pt, &[&aes(1)]);
                assert_eq!(open(&msg, &aes(1)).unwrap(), pt, "suite {:#x} frame {frame} n {n}", suite.id);
                let info = inspect(&msg).unwrap();
                assert_eq!(info.len, msg.len());
                assert_eq!(info.signature_len.is_some(), suite.is_signed());
                assert_eq!(info.frame_count, (n.saturating_sub(1) / f + 1) as u64);
            }
        }
    }
}

#[test]
fn every_bit_flip_and_truncation_fails_with_a_code() {
    for suite in [suite::ALL[9], suite::ALL[10]] {
        let msg = seal(suite, 4, b"hello world", &[&aes(1)]);
        for i in 0..msg.len() * 8 {
            let mut m = msg.clone();
            m[i / 8] ^= 1 << (i % 8);
            let e = open(&m, &aes(1)).expect_err("a flipped bit must fail");
            assert!(!e.code().is_empty());
        }
        for n in 0..msg.len() {
            assert!(open(&msg[..n], &aes(1)).is_err(), "truncated at {n}");
        }
        let mut longer = msg.clone();
        longer.push(0);
        assert_eq!(open(&longer, &aes(1)).unwrap_err().code(), "MALFORMED_MESSAGE");
    }
}

#[test]
fn error_codes() {
    let msg = seal(suite::DEFAULT, 64, b"x", &[&aes(1)]);
    assert_eq!(open(&msg, &aes(2)).unwrap_err().code(), "NO_DECRYPTABLE_DATA_KEY");
    let e = Opener::new(&msg, &STRICT, &ctx(&[("tenant", "other")]), &[9; 64]).err().unwrap();
    assert_eq!(e.code(), "ENCRYPTION_CONTEXT_MISMATCH");
    let three = seal(suite::DEFAULT, 64, b"x", &[&aes(1), &aes(2), &aes(3)]);
    let two = ParseLimits { max_encrypted_data_keys: 2, ..STRICT };
    assert_eq!(Opener::new(&three, &two, &EncryptionContext::new(), &[9; 64]).err().unwrap().code(), "TOO_MANY_ENCRYPTED_DATA_KEYS");
    // A second keyring opens a multi-wrapped message.
    assert_eq!(open(&three, &aes(3)).unwrap(), b"x");
}

#[test]
fn wrong_commitment_is_tampered_before_anything_else() {
    let msg = seal(suite::ALL[9], 64, b"secret", &[&aes(1)]);
    let info = inspect(&msg).unwrap();
    // The commitment is the 32 bytes before the 16-byte header tag.
    let at = info.header.len - 16 - 32;
    let mut m = msg.clone();
    m[at] ^= 1;
    assert_eq!(open(&m, &aes(1)).unwrap_err().code(), "TAMPERED");
}

#[test]
fn sealer_refuses_bad_arguments() {
    let e = Sealer::new(suite::ALL[5], 64, EncryptionContext::new(), &[1; 64]).err().unwrap();
    assert_eq!(e.code(), "UNSUPPORTED_ALGORITHM");
    let e = Sealer::new(suite::DEFAULT, 0, EncryptionContext::new(), &[1; 64]).err().unwrap();
    assert_eq!(e.code(), "INVALID_ARGUMENT");
    let s = Sealer::new(suite::DEFAULT, 64, EncryptionContext::new(), &[1; 64]).unwrap();
    assert_eq!(s.seal(b"x").err().unwrap().code(), "INVALID_STATE");
}
