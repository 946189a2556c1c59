//! Keyring behaviour through whole messages.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::cast_possible_truncation)]

use super::kms_rsa::{KmsRsaPublicKeyring, PROVIDER_ID};
use super::raw_rsa::{Padding, RawRsaKeyring, rsa_decrypt};
use super::{LocalKeyring, rsa_key};
use crate::envelope::decrypt::Opener;
use crate::envelope::encrypt::Sealer;
use crate::envelope::encryption_context::EncryptionContext;
use crate::envelope::header::ParseLimits;
use crate::envelope::rng::Drbg;
use crate::envelope::suite;

const PRIV: &str = include_str!("testdata/rsa2048.pem");
const PUB: &str = include_str!("testdata/rsa2048.pub.pem");
const OTHER: &str = include_str!("testdata/other2048.pem");
const LIMITS: ParseLimits = ParseLimits { max_encrypted_data_keys: 10, allow_non_committing: false };

fn rsa(public: Option<&str>, private: Option<&str>, p: Padding) -> RawRsaKeyring {
    RawRsaKeyring::new("ns".into(), "rsa".into(), public.map(str::as_bytes), private.map(str::as_bytes), p).unwrap()
}

fn ctx() -> EncryptionContext {
    EncryptionContext::from_caller([("k".to_string(), "v".to_string())]).unwrap()
}

fn seal(k: &dyn LocalKeyring, s: suite::AlgorithmSuite) -> crate::Result<Vec<u8>> {
    let mut sealer = Sealer::new(s, 100, ctx(), &[3; 64])?;
    sealer.wrap_with(k)?;
    sealer.seal(b"rsa wrapped")
}

fn open(msg: &[u8], k: &dyn LocalKeyring) -> crate::Result<Vec<u8>> {
    let mut o = Opener::new(msg, &LIMITS, &EncryptionContext::new(), &[4; 64])?;
    o.try_keyring(k)?;
    o.open(msg)
}

#[test]
fn raw_rsa_every_padding_round_trips_and_wrong_key_fails() {
    for p in [Padding::OaepSha1, Padding::OaepSha256, Padding::OaepSha384, Padding::OaepSha512, Padding::Pkcs1] {
        let msg = seal(&rsa(Some(PUB), None, p), suite::DEFAULT).unwrap();
        assert_eq!(open(&msg, &rsa(None, Some(PRIV), p)).unwrap(), b"rsa wrapped", "{p:?}");
        assert_eq!(open(&msg, &rsa(None, Some(OTHER), p)).unwrap_err().code(), "NO_DECRYPTABLE_DATA_KEY", "{p:?}");
        assert_eq!(open(&msg, &rsa(Some(PUB), None, p)).unwrap_err().code(), "KEYRING_CANNOT_DECRYPT", "{p:?}");
    }
}

#[test]
fn raw_rsa_refuses_mismatched_pair_and_garbage() {
    let e = RawRsaKeyring::new("ns".into(), "rsa".into(), Some(PUB.as_bytes()), Some(OTHER.as_bytes()), Padding::OaepSha256);
    assert_eq!(e.err().unwrap().code(), "INVALID_ARGUMENT");
    assert_eq!(rsa_key::public_key(b"nope").unwrap_err().code(), "MALFORMED_PUBLIC_KEY");
    assert_eq!(Padding::from_name("OAEP_MD5").unwrap_err().code(), "UNSUPPORTED_ALGORITHM");
}

#[test]
fn kms_rsa_seals_digest_and_key_and_refuses_signed_suites() {
    let arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let k = KmsRsaPublicKeyring::new(arn.into(), PUB.as_bytes()).unwrap();
    assert_eq!(seal(&k, suite::DEFAULT).unwrap_err().code(), "UNSUPPORTED_ALGORITHM");
    let msg = seal(&k, suite::ALL[9]).unwrap();
    let mut o = Opener::new(&msg, &LIMITS, &EncryptionContext::new(), &[4; 64]).unwrap();
    let edk = o.header().encrypted_data_keys[0].clone();
    assert_eq!(edk.provider_id, PROVIDER_ID);
    assert_eq!(edk.provider_info, arn.as_bytes());
    // What KMS Decrypt (RSAES_OAEP_SHA_256) would answer.
    let sk = rsa_key::private_key(PRIV.as_bytes()).unwrap();
    let pt = rsa_decrypt(&sk, Padding::OaepSha256, &edk.ciphertext, &mut Drbg::new(&[5; 64]).unwrap()).unwrap();
    assert_eq!(pt.len(), 48 + 32);
    let mut bad = pt.expose_secret().to_vec();
    bad[0] ^= 1;
    assert_eq!(o.set_kms_rsa_data_key(&bad).unwrap_err().code(), "ENCRYPTION_CONTEXT_MISMATCH");
    o.set_kms_rsa_data_key(pt.expose_secret()).unwrap();
    assert_eq!(o.open(&msg).unwrap(), b"rsa wrapped");
    assert_eq!(KmsRsaPublicKeyring::new("alias/x".into(), PUB.as_bytes()).err().unwrap().code(), "INVALID_KEY_IDENTIFIER");
}
