//! Keyring behaviour through whole messages.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

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
const LIMITS: ParseLimits = ParseLimits::DEFAULT;

fn rsa(public: Option<&str>, private: Option<&str>, p: Padding) -> RawRsaKeyring {
    RawRsaKeyring::new(
        "ns".into(),
        "rsa".into(),
        public.map(str::as_bytes),
        private.map(str::as_bytes),
        p,
    )
    .unwrap()
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
    for p in [
        Padding::OaepSha1,
        Padding::OaepSha256,
        Padding::OaepSha384,
        Padding::OaepSha512,
        Padding::Pkcs1,
    ] {
        let msg = seal(&rsa(Some(PUB), None, p), suite::DEFAULT).unwrap();
        assert_eq!(
            open(&msg, &rsa(None, Some(PRIV), p)).unwrap(),
            b"rsa wrapped",
            "{p:?}"
        );
        assert_eq!(
            open(&msg, &rsa(None, Some(OTHER), p)).unwrap_err().code(),
            "NO_DECRYPTABLE_DATA_KEY",
            "{p:?}"
        );
        assert_eq!(
            open(&msg, &rsa(Some(PUB), None, p)).unwrap_err().code(),
            "KEYRING_CANNOT_DECRYPT",
            "{p:?}"
        );
    }
}

#[test]
fn raw_rsa_refuses_mismatched_pair_and_garbage() {
    let e = RawRsaKeyring::new(
        "ns".into(),
        "rsa".into(),
        Some(PUB.as_bytes()),
        Some(OTHER.as_bytes()),
        Padding::OaepSha256,
    );
    assert_eq!(e.err().unwrap().code(), "INVALID_ARGUMENT");
    assert_eq!(
        rsa_key::public_key(b"nope").unwrap_err().code(),
        "MALFORMED_PUBLIC_KEY"
    );
    assert_eq!(
        Padding::from_name("OAEP_MD5").unwrap_err().code(),
        "UNSUPPORTED_ALGORITHM"
    );
}

#[test]
fn raw_rsa_with_only_a_private_key_decrypts_only() {
    let private_only = RawRsaKeyring::new(
        "ns".into(),
        "rsa".into(),
        None,
        Some(PRIV.as_bytes()),
        Padding::OaepSha256,
    )
    .unwrap();
    let mut s = Sealer::new(suite::ALL[9], 64, EncryptionContext::new(), &[1; 64]).unwrap();
    s.generate_data_key().unwrap();
    assert_eq!(
        s.wrap_with(&private_only).unwrap_err().code(),
        "INVALID_ARGUMENT"
    );
    let public = RawRsaKeyring::new(
        "ns".into(),
        "rsa".into(),
        Some(PUB.as_bytes()),
        None,
        Padding::OaepSha256,
    )
    .unwrap();
    let mut s = Sealer::new(suite::ALL[9], 64, EncryptionContext::new(), &[1; 64]).unwrap();
    s.wrap_with(&public).unwrap();
    let msg = s.seal(b"escrow").unwrap();
    let mut o = Opener::new(&msg, &LIMITS, &EncryptionContext::new(), &[2; 64]).unwrap();
    assert!(o.try_keyring(&private_only).unwrap());
    assert_eq!(o.open(&msg).unwrap(), b"escrow");
}

#[test]
fn base64_text_given_as_a_message_is_named() {
    for text in [&b"AYAD"[..], b"AgR4"] {
        let e = Opener::new(text, &LIMITS, &EncryptionContext::new(), &[1; 64]).err();
        assert_eq!(
            e.map(|e| e.message()),
            Some("this looks like Base64 text: decode it to bytes first")
        );
    }
}

#[test]
fn kms_rsa_seals_digest_and_key_and_refuses_signed_suites() {
    let arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let k = KmsRsaPublicKeyring::new(arn.into(), PUB.as_bytes()).unwrap();
    assert_eq!(
        seal(&k, suite::DEFAULT).unwrap_err().code(),
        "UNSUPPORTED_ALGORITHM"
    );
    let msg = seal(&k, suite::ALL[9]).unwrap();
    let mut o = Opener::new(&msg, &LIMITS, &EncryptionContext::new(), &[4; 64]).unwrap();
    let edk = o.header().encrypted_data_keys[0].clone();
    assert_eq!(edk.provider_id, PROVIDER_ID);
    assert_eq!(edk.provider_info, arn.as_bytes());
    // What KMS Decrypt (RSAES_OAEP_SHA_256) would answer.
    let sk = rsa_key::private_key(PRIV.as_bytes()).unwrap();
    let pt = rsa_decrypt(
        &sk,
        Padding::OaepSha256,
        &edk.ciphertext,
        &mut Drbg::new(&[5; 64]).unwrap(),
    )
    .unwrap();
    assert_eq!(pt.len(), 48 + 32);
    let mut bad = pt.expose_secret().to_vec();
    bad[0] ^= 1;
    assert_eq!(
        o.set_kms_rsa_data_key(&bad).unwrap_err().code(),
        "ENCRYPTION_CONTEXT_MISMATCH"
    );
    o.set_kms_rsa_data_key(pt.expose_secret()).unwrap();
    assert_eq!(o.open(&msg).unwrap(), b"rsa wrapped");
    // Our writer refuses to put a KMS RSA encrypted data key in a signed
    // message, however it was wrapped (the RSA keyrings wrap in another wasm
    // module and hand the key in).
    let key = crate::envelope::secret::Secret::new(vec![3; 32]);
    let edk = k
        .wrap(&key, &[], &mut Drbg::new(&[7; 64]).unwrap())
        .unwrap();
    let mut s = Sealer::new(suite::DEFAULT, 64, EncryptionContext::new(), &[6; 64]).unwrap();
    assert_eq!(
        s.set_data_key(
            crate::envelope::secret::Secret::copy_from(key.expose_secret()),
            edk.clone(),
        )
        .unwrap_err()
        .code(),
        "UNSUPPORTED_ALGORITHM"
    );
    // Nor does the reader open one: anyone with the public key can write one,
    // so its signature would prove nothing. Refused before the answer is looked
    // at. A hostile writer's message: sealed under a provider id of the same
    // length, then renamed (the header tag no longer matters: the refusal
    // comes first).
    let mut disguised = edk;
    disguised.provider_id = "aws-kms-rsX".into();
    let mut s = Sealer::new(suite::DEFAULT, 64, EncryptionContext::new(), &[6; 64]).unwrap();
    s.set_data_key(key, disguised).unwrap();
    let mut signed = s.seal(b"x").unwrap();
    let at = signed
        .windows(11)
        .position(|w| w == b"aws-kms-rsX")
        .unwrap();
    signed[at + 10] = b'a';
    let mut o = Opener::new(&signed, &LIMITS, &EncryptionContext::new(), &[4; 64]).unwrap();
    assert_eq!(o.header().encrypted_data_keys[0].provider_id, PROVIDER_ID);
    assert_eq!(
        o.set_kms_rsa_data_key(pt.expose_secret())
            .unwrap_err()
            .code(),
        "UNSUPPORTED_ALGORITHM"
    );
    assert_eq!(
        KmsRsaPublicKeyring::new("alias/x".into(), PUB.as_bytes())
            .err()
            .unwrap()
            .code(),
        "INVALID_KEY_IDENTIFIER"
    );
}

mod cache {
    use super::super::cache::{CacheLimits, DataKeyCache};
    use super::*;
    use crate::keyring::raw_aes::RawAesKeyring;

    const LIMITS: CacheLimits = CacheLimits {
        max_age_ms: 1000,
        max_messages: 3,
        max_bytes: 100,
        capacity: 2,
    };

    fn aes() -> RawAesKeyring {
        RawAesKeyring::new(
            "ns".into(),
            "k".into(),
            crate::envelope::secret::Secret::new(vec![1; 32]),
        )
        .unwrap()
    }

    /// Seals `len` bytes through the cache at time `now`; returns the message.
    fn seal(cache: &mut DataKeyCache, len: usize, now: u64, seed: u8) -> Vec<u8> {
        let id = DataKeyCache::encrypt_id(b"", &suite::DEFAULT, &ctx().serialize().unwrap());
        let pt = vec![7u8; len];
        if let Some(m) = cache.use_for_encrypt(&id, len as u64, now) {
            return Sealer::from_cached(suite::DEFAULT, 64, m, &[seed; 64])
                .unwrap()
                .seal(&pt)
                .unwrap();
        }
        let mut s = Sealer::new(suite::DEFAULT, 64, ctx(), &[seed; 64]).unwrap();
        s.wrap_with(&aes()).unwrap();
        cache.put_encrypt(id, s.materials_for_cache().unwrap(), len as u64, now);
        s.seal(&pt).unwrap()
    }

    fn edk_of(msg: &[u8]) -> Vec<u8> {
        Opener::new(msg, &LIMITS_PARSE, &EncryptionContext::new(), &[1; 64])
            .unwrap()
            .header()
            .encrypted_data_keys[0]
            .ciphertext
            .clone()
    }

    const LIMITS_PARSE: ParseLimits = ParseLimits::DEFAULT;

    #[test]
    fn max_messages_holds_exactly() {
        let mut c = DataKeyCache::new(LIMITS).unwrap();
        let msgs: Vec<Vec<u8>> = (0..7).map(|i| seal(&mut c, 10, 0, i + 1)).collect();
        let edks: Vec<Vec<u8>> = msgs.iter().map(|m| edk_of(m)).collect();
        // Messages 1-3 share a data key, 4-6 the next, 7 a third.
        assert!(edks[0] == edks[1] && edks[1] == edks[2]);
        assert_ne!(edks[2], edks[3]);
        assert!(edks[3] == edks[4] && edks[4] == edks[5]);
        assert_ne!(edks[5], edks[6]);
        // Every message still has its own id and opens.
        for m in &msgs {
            let mut o = Opener::new(m, &LIMITS_PARSE, &EncryptionContext::new(), &[1; 64]).unwrap();
            o.try_keyring(&aes()).unwrap();
            assert_eq!(o.open(m).unwrap(), vec![7u8; 10]);
        }
        assert_ne!(msgs[0][3..35], msgs[1][3..35]);
    }

    #[test]
    fn max_bytes_and_max_age_hold_exactly() {
        let mut c = DataKeyCache::new(LIMITS).unwrap();
        let a = edk_of(&seal(&mut c, 60, 0, 1));
        let b = edk_of(&seal(&mut c, 40, 0, 2)); // 100 bytes: still allowed
        let d = edk_of(&seal(&mut c, 1, 0, 3)); // 101: a new key
        assert_eq!(a, b);
        assert_ne!(b, d);
        let e = edk_of(&seal(&mut c, 1, 999, 4));
        assert_eq!(d, e);
        let f = edk_of(&seal(&mut c, 1, 1000, 5)); // max age reached
        assert_ne!(e, f);
        // A message larger than max_bytes is never cached.
        let mut c = DataKeyCache::new(LIMITS).unwrap();
        let g = edk_of(&seal(&mut c, 101, 0, 6));
        let h = edk_of(&seal(&mut c, 101, 0, 7));
        assert_ne!(g, h);
        assert!(c.is_empty());
    }

    #[test]
    fn decrypt_entries_capacity_and_expiry() {
        let mut c = DataKeyCache::new(LIMITS).unwrap();
        let key = |b: u8| crate::envelope::secret::Secret::new(vec![b; 32]);
        for i in 0..3u8 {
            c.put_decrypt([i; 64], key(i), u64::from(i));
        }
        assert_eq!(c.len(), (0, 2));
        assert!(
            c.get_decrypt(&[0; 64], 10).is_none(),
            "least recently used went first"
        );
        assert_eq!(
            c.get_decrypt(&[2; 64], 10).unwrap().expose_secret(),
            &[2; 32]
        );
        assert!(c.get_decrypt(&[2; 64], 1002).is_none(), "expired");
        assert!(
            DataKeyCache::new(CacheLimits {
                max_messages: 0,
                ..LIMITS
            })
            .is_err()
        );
    }

    #[test]
    fn partitions_never_share_entries() {
        use crate::envelope::suite;
        let c_ctx = ctx().serialize().unwrap();
        let (a, b) = (
            DataKeyCache::encrypt_id(b"alice", &suite::DEFAULT, &c_ctx),
            DataKeyCache::encrypt_id(b"bob", &suite::DEFAULT, &c_ctx),
        );
        assert_ne!(a, b);
        assert_ne!(a, DataKeyCache::encrypt_id(b"", &suite::DEFAULT, &c_ctx));
        let msg = {
            let mut c = DataKeyCache::new(LIMITS).unwrap();
            seal(&mut c, 10, 0, 1)
        };
        let o = Opener::new(&msg, &LIMITS_PARSE, &EncryptionContext::new(), &[1; 64]).unwrap();
        let h = o.header();
        let did = |p: &[u8]| {
            DataKeyCache::decrypt_id(p, &h.suite, &h.encrypted_data_keys, o.serialized_context())
        };
        let mut c = DataKeyCache::new(LIMITS).unwrap();
        c.put_decrypt(
            did(b"alice"),
            crate::envelope::secret::Secret::new(vec![1; 32]),
            0,
        );
        assert!(c.get_decrypt(&did(b"alice"), 1).is_some());
        assert!(c.get_decrypt(&did(b"bob"), 1).is_none());
        assert!(c.get_decrypt(&did(b""), 1).is_none());
        // Length-prefixed parts: moving bytes between partition and the rest changes the id.
        assert_ne!(
            DataKeyCache::encrypt_id(b"a", &suite::DEFAULT, &c_ctx),
            DataKeyCache::encrypt_id(b"", &suite::DEFAULT, &[&b"a"[..], &c_ctx].concat())
        );
    }
}
