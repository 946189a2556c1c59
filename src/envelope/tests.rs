//! Round trips and failure codes of the sealing and opening state machines.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use super::decrypt::{KeyCheck, Opener};
use super::encrypt::Sealer;
use super::encryption_context::EncryptionContext;
use super::header::ParseLimits;
use super::inspect::inspect;
use super::secret::Secret;
use super::suite::{self, AlgorithmSuite};
use crate::Result;
use crate::keyring::LocalKeyring;
use crate::keyring::raw_aes::RawAesKeyring;

const STRICT: ParseLimits = ParseLimits::DEFAULT;

fn aes(key: u8) -> RawAesKeyring {
    RawAesKeyring::new("ns".into(), "name".into(), Secret::new(vec![key; 32])).unwrap()
}

fn ctx(pairs: &[(&str, &str)]) -> EncryptionContext {
    EncryptionContext::from_caller(pairs.iter().map(|(k, v)| ((*k).into(), (*v).into()))).unwrap()
}

fn seal(suite: AlgorithmSuite, frame: u32, pt: &[u8], kr: &[&dyn LocalKeyring]) -> Vec<u8> {
    let mut s = Sealer::new(
        suite,
        frame,
        ctx(&[("tenant", "acme"), ("é", "😀")]),
        &[7; 64],
    )
    .unwrap();
    for k in kr {
        s.wrap_with(*k).unwrap();
    }
    s.seal(pt).unwrap()
}

/// A sealer with one context pair and the raw AES keyring `aes(1)`; `seed` fixes its randomness.
fn sealer(suite: AlgorithmSuite, frame: u32, (k, v): (&str, &str), seed: u8) -> Sealer {
    let mut s = Sealer::new(suite, frame, ctx(&[(k, v)]), &[seed; 64]).unwrap();
    s.wrap_with(&aes(1)).unwrap();
    s
}

fn open(msg: &[u8], kr: &dyn LocalKeyring) -> Result<Vec<u8>> {
    let mut o = Opener::new(msg, &STRICT, &EncryptionContext::new(), &[9; 64])?;
    o.try_keyring(kr)?;
    o.open(msg)
}

/// The sparse planner's `read` over a message in memory (fewer bytes at the end).
fn reading(msg: &[u8]) -> impl FnMut(usize, usize) -> Result<Vec<u8>> + '_ {
    move |at, n| Ok(msg[at.min(msg.len())..at.saturating_add(n).min(msg.len())].to_vec())
}

/// What the native engine does with a plan, done here with the core's own
/// AES-GCM and P-384: every frame tag, then the footer signature. As the
/// shim's one-shot open, the footer key is decoded only on use.
fn open_as_native_engine(msg: &[u8], kr: &dyn LocalKeyring) -> Result<Vec<u8>> {
    use p384::ecdsa::signature::Verifier;
    let none = EncryptionContext::new();
    let mut o = Opener::with_key_check(msg, &STRICT, &none, &[9; 64], KeyCheck::OnUse)?;
    o.try_keyring(kr)?;
    let key = o.message_key()?;
    let (frames, len, sig) = o.plan_external_signature(msg.len(), &mut reading(msg))?;
    let mut out = vec![0u8; len];
    for f in &frames {
        let (ct, tag) = msg[f.start..f.end].split_at(f.end - f.start - 16);
        let mut buf = ct.to_vec();
        super::gcm::open(
            key.expose_secret(),
            &f.iv,
            &f.aad(&o.header().message_id),
            &mut buf,
            tag,
        )?;
        out[f.plaintext_offset..f.plaintext_offset + buf.len()].copy_from_slice(&buf);
    }
    if let Some(sig) = sig {
        // A native engine imports the key as the message carries it (compressed).
        let key = o.signer_key().unwrap();
        assert_eq!(o.signer_public_key()?.as_deref(), Some(key.point()?));
        let vk = p384::ecdsa::VerifyingKey::from_sec1_bytes(key.encoded()).unwrap();
        let s = p384::ecdsa::Signature::from_slice(&sig.signature).unwrap();
        vk.verify(&msg[..sig.signed_len], &s)
            .map_err(|_| crate::Error::Tampered)?;
    }
    Ok(out)
}

#[test]
fn round_trips_every_edge_size_and_both_suites() {
    for suite in [suite::ALL[9], suite::ALL[10]] {
        for frame in [1u32, 7, 512] {
            let f = frame as usize;
            for n in [0, 1, f - 1, f, f + 1, 3 * f + 7] {
                let pt: Vec<u8> = (0..n).map(|i| (i * 31) as u8).collect();
                let msg = seal(suite, frame, &pt, &[&aes(1)]);
                assert_eq!(
                    open(&msg, &aes(1)).unwrap(),
                    pt,
                    "suite {:#x} frame {frame} n {n}",
                    suite.id
                );
                let info = inspect(&msg).unwrap();
                assert_eq!(info.len, msg.len());
                assert_eq!(info.signature_len.is_some(), suite.is_signed());
                // Whole frames, then the rest (an exact multiple: an empty final frame).
                assert_eq!(info.frame_count, (n / f + 1) as u64);
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
        assert_eq!(
            open(&longer, &aes(1)).unwrap_err().code(),
            "MALFORMED_MESSAGE"
        );
    }
}

/// The native engine's planner reads only frame heads and the footer; it must
/// accept exactly what the core's own reader accepts, with the same plaintext:
/// every single-bit flip and truncation of multi-frame messages, both suites,
/// and a byte too many.
#[test]
fn native_plans_agree_with_the_core_reader_on_every_damaged_message() {
    for suite in [suite::ALL[9], suite::ALL[10]] {
        // Signed messages are checked on one shape: every damaged copy costs two P-384 verifications.
        let shapes: &[(u32, usize)] = if suite.is_signed() {
            &[(4, 11)]
        } else {
            &[(4, 11), (16, 16), (5, 0)]
        };
        for &(frame, n) in shapes {
            let pt: Vec<u8> = (0..n).map(|i| (i * 7) as u8).collect();
            let msg = seal(suite, frame, &pt, &[&aes(1)]);
            assert_eq!(open_as_native_engine(&msg, &aes(1)).unwrap(), pt);
            let mut damaged: Vec<Vec<u8>> = (0..msg.len() * 8)
                .map(|i| {
                    let mut m = msg.clone();
                    m[i / 8] ^= 1 << (i % 8);
                    m
                })
                .collect();
            damaged.extend((0..msg.len()).map(|k| msg[..k].to_vec()));
            let mut longer = msg.clone();
            longer.push(0);
            damaged.push(longer);
            for m in &damaged {
                let core = open(m, &aes(1));
                let native = open_as_native_engine(m, &aes(1));
                assert!(core.is_err(), "damage must fail in the core");
                assert!(native.is_err(), "damage must fail natively");
            }
        }
    }
}

#[test]
fn error_codes() {
    let msg = seal(suite::DEFAULT, 64, b"x", &[&aes(1)]);
    assert_eq!(
        open(&msg, &aes(2)).unwrap_err().code(),
        "NO_DECRYPTABLE_DATA_KEY"
    );
    let e = Opener::new(&msg, &STRICT, &ctx(&[("tenant", "other")]), &[9; 64])
        .err()
        .unwrap();
    assert_eq!(e.code(), "ENCRYPTION_CONTEXT_MISMATCH");
    let three = seal(suite::DEFAULT, 64, b"x", &[&aes(1), &aes(2), &aes(3)]);
    let two = ParseLimits {
        max_encrypted_data_keys: 2,
        ..STRICT
    };
    assert_eq!(
        Opener::new(&three, &two, &EncryptionContext::new(), &[9; 64])
            .err()
            .unwrap()
            .code(),
        "TOO_MANY_ENCRYPTED_DATA_KEYS"
    );
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
    let e = Sealer::new(suite::ALL[5], 64, EncryptionContext::new(), &[1; 64])
        .err()
        .unwrap();
    assert_eq!(e.code(), "UNSUPPORTED_ALGORITHM");
    let e = Sealer::new(suite::DEFAULT, 0, EncryptionContext::new(), &[1; 64])
        .err()
        .unwrap();
    assert_eq!(e.code(), "INVALID_ARGUMENT");
    let s = Sealer::new(suite::DEFAULT, 64, EncryptionContext::new(), &[1; 64]).unwrap();
    assert_eq!(s.seal(b"x").err().unwrap().code(), "INVALID_STATE");
}

/// Messages written by the reference SDK, one per suite (see testdata/generate.mjs).
#[test]
fn opens_reference_sdk_vectors_of_every_suite() {
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("testdata/sdk_vectors.json")).unwrap();
    let key = RawAesKeyring::new(
        "vectors".into(),
        "aes-256".into(),
        Secret::new((0u8..32).collect()),
    )
    .unwrap();
    let allow = ParseLimits {
        allow_non_committing: true,
        ..STRICT
    };
    let vectors = vectors.as_array().unwrap();
    assert_eq!(vectors.len(), 11);
    for v in vectors {
        let id = u16::try_from(v["suite"].as_u64().unwrap()).unwrap();
        let msg = hex::decode(v["message"].as_str().unwrap()).unwrap();
        let suite = AlgorithmSuite::from_id(id).unwrap();
        let required = ctx(&[("vector", v["name"].as_str().unwrap())]);
        let mut o = Opener::new(&msg, &allow, &required, &[1; 64]).unwrap();
        assert!(o.try_keyring(&key).unwrap(), "suite {id:#06x}");
        assert_eq!(
            o.open(&msg).unwrap(),
            v["plaintext"].as_str().unwrap().as_bytes(),
            "suite {id:#06x}"
        );
        let info = inspect(&msg).unwrap();
        assert_eq!(
            (info.header.version, info.frame_count),
            (suite.message_version, 3)
        );
        if !suite.committing {
            let e = Opener::new(&msg, &STRICT, &EncryptionContext::new(), &[1; 64])
                .err()
                .unwrap();
            assert_eq!(e.code(), "COMMITMENT_POLICY_VIOLATION");
        }
        // The last byte is in a tag or the signature: always TAMPERED.
        let mut bad = msg.clone();
        *bad.last_mut().unwrap() ^= 1;
        let mut o = Opener::new(&bad, &allow, &required, &[1; 64]).unwrap();
        o.try_keyring(&key).unwrap();
        assert_eq!(
            o.open(&bad).unwrap_err().code(),
            "TAMPERED",
            "suite {id:#06x}"
        );
    }
}

/// A version 1 non-framed message (suite 0x0014, no KDF), built field by field
/// from `data-format/message-header.md` and `message-body.md` (non-framed data).
#[test]
fn opens_v1_non_framed() {
    use super::frame::{SINGLE_BLOCK, body_aad};
    use super::gcm;
    let data_key = [0x42u8; 16];
    let message_id = [7u8; 16];
    let ec = ctx(&[("a", "b")]).serialize().unwrap();
    let wrap = aes(9);
    let mut rng = super::rng::Drbg::new(&[5; 64]).unwrap();
    let edk = wrap
        .wrap(&Secret::new(data_key.to_vec()), &ec, &mut rng)
        .unwrap();

    let mut m = vec![1u8, 0x80, 0x00, 0x14];
    m.extend_from_slice(&message_id);
    m.extend_from_slice(&u16::try_from(ec.len()).unwrap().to_be_bytes());
    m.extend_from_slice(&ec);
    m.extend_from_slice(&1u16.to_be_bytes());
    for field in [
        edk.provider_id.as_bytes(),
        &edk.provider_info,
        &edk.ciphertext,
    ] {
        m.extend_from_slice(&u16::try_from(field.len()).unwrap().to_be_bytes());
        m.extend_from_slice(field);
    }
    m.push(1); // non-framed
    m.extend_from_slice(&[0, 0, 0, 0, 12, 0, 0, 0, 0]); // reserved, IV length, frame length 0
    let tag = gcm::seal(&data_key, &[0; 12], &m.clone(), &mut []).unwrap();
    m.extend_from_slice(&[0; 12]);
    m.extend_from_slice(&tag);
    let pt = b"non-framed body";
    let iv = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    let mut body = pt.to_vec();
    let tag = gcm::seal(
        &data_key,
        &iv,
        &body_aad(&message_id, SINGLE_BLOCK, 1, pt.len() as u64),
        &mut body,
    )
    .unwrap();
    m.extend_from_slice(&iv);
    m.extend_from_slice(&(pt.len() as u64).to_be_bytes());
    m.extend_from_slice(&body);
    m.extend_from_slice(&tag);

    let allow = ParseLimits {
        allow_non_committing: true,
        ..STRICT
    };
    let mut o = Opener::new(&m, &allow, &EncryptionContext::new(), &[1; 64]).unwrap();
    assert!(o.try_keyring(&wrap).unwrap());
    assert_eq!(o.open(&m).unwrap(), pt);
    assert_eq!(inspect(&m).unwrap().frame_count, 1);
    // The native engine's planner finds the same single block.
    let key = o.message_key().unwrap();
    let (frames, len, sig) = o
        .plan_external_signature(m.len(), &mut reading(&m))
        .unwrap();
    assert!(sig.is_none());
    assert_eq!((frames.len(), len), (1, pt.len()));
    let f = &frames[0];
    let mut block = m[f.start..f.end - 16].to_vec();
    gcm::open(
        key.expose_secret(),
        &f.iv,
        &f.aad(&o.header().message_id),
        &mut block,
        &m[f.end - 16..f.end],
    )
    .unwrap();
    assert_eq!(block, pt);
    // A content length beyond the message is MALFORMED, never an allocation or a panic.
    let at = m.len() - 16 - pt.len() - 8;
    let mut lying = m.clone();
    lying[at..at + 8].copy_from_slice(&u64::MAX.to_be_bytes());
    assert_eq!(o.open(&lying).unwrap_err().code(), "MALFORMED_MESSAGE");

    // maxBodySize bounds a non-framed body too: one byte short of it is refused.
    let tight = ParseLimits {
        max_body_size: pt.len() - 1,
        ..allow
    };
    let mut o = Opener::new(&m, &tight, &EncryptionContext::new(), &[1; 64]).unwrap();
    assert!(o.try_keyring(&wrap).unwrap());
    assert_eq!(o.open(&m).unwrap_err().code(), "LIMIT_EXCEEDED");
    let exact = ParseLimits {
        max_body_size: pt.len(),
        ..allow
    };
    let mut o = Opener::new(&m, &exact, &EncryptionContext::new(), &[1; 64]).unwrap();
    assert!(o.try_keyring(&wrap).unwrap());
    assert_eq!(o.open(&m).unwrap(), pt);
}

/// maxBodySize is checked against the header's frame length before any body
/// byte is read; maxHeaderSize against the header, in one piece or a stream.
#[test]
fn body_and_header_size_limits() {
    let big = "x".repeat(3000);
    let mut sealer = Sealer::new(suite::ALL[9], 4096, ctx(&[("tenant", &big)]), &[7; 64]).unwrap();
    sealer.wrap_with(&aes(1)).unwrap();
    let msg = sealer.seal(b"limits").unwrap();
    let with = |max_body_size, max_header_size| ParseLimits {
        max_body_size,
        max_header_size,
        ..STRICT
    };
    let none = EncryptionContext::new();
    let code = |r: Result<Opener>| r.err().map(|e| e.code());
    assert_eq!(
        code(Opener::new(&msg, &with(4095, 1 << 20), &none, &[1; 64])),
        Some("LIMIT_EXCEEDED")
    );
    assert!(Opener::new(&msg, &with(4096, 1 << 20), &none, &[1; 64]).is_ok());
    let header_len = Opener::new(&msg, &STRICT, &none, &[1; 64])
        .unwrap()
        .header()
        .len;
    assert!(header_len > 3000);
    assert_eq!(
        code(Opener::new(
            &msg,
            &with(4096, header_len - 1),
            &none,
            &[1; 64]
        )),
        Some("LIMIT_EXCEEDED")
    );
    assert!(Opener::new(&msg, &with(4096, header_len), &none, &[1; 64]).is_ok());
    // A stream: the prefix outgrows the limit before the header is complete.
    let small = with(4096, 1024);
    assert!(matches!(
        Opener::from_prefix(&msg[..1000], &small, &none, &[1; 64]),
        Ok(None)
    ));
    assert_eq!(
        Opener::from_prefix(&msg[..1025], &small, &none, &[1; 64])
            .err()
            .map(|e| e.code()),
        Some("LIMIT_EXCEEDED")
    );
}

#[test]
fn header_round_trips() {
    use super::header::{EncryptedDataKey, Header, serialize_v2};
    let edks = vec![
        EncryptedDataKey {
            provider_id: "aws-kms".into(),
            provider_info: b"arn:aws:kms:x".to_vec(),
            ciphertext: vec![1, 2, 3],
        },
        EncryptedDataKey {
            provider_id: "ns".into(),
            provider_info: vec![],
            ciphertext: vec![9; 300],
        },
    ];
    let ec = ctx(&[("k", "v"), ("ключ", "значение")]);
    let mut bytes = serialize_v2(
        &suite::DEFAULT,
        &[3; 32],
        &ec.serialize().unwrap(),
        &edks,
        777,
        &[4; 32],
    )
    .unwrap();
    bytes.extend_from_slice(&[5; 16]);
    let h = Header::parse(&bytes, &STRICT).unwrap();
    assert_eq!(
        (h.version, h.suite.id, h.frame_length, h.len),
        (2, 0x0578, 777, bytes.len())
    );
    assert_eq!(h.message_id, [3; 32]);
    assert_eq!(h.encryption_context, ec);
    assert_eq!(h.encrypted_data_keys, edks);
    assert_eq!(h.commitment, Some([4; 32]));
    assert_eq!(h.auth_tag, [5; 16]);
    assert_eq!(h.authenticated, bytes[..bytes.len() - 16]);
    // Limits are checked while parsing.
    let one = ParseLimits {
        max_encrypted_data_keys: 1,
        ..STRICT
    };
    assert_eq!(
        Header::parse(&bytes, &one).unwrap_err().code(),
        "TOO_MANY_ENCRYPTED_DATA_KEYS"
    );
    let mut v3 = bytes.clone();
    v3[0] = 3;
    assert_eq!(
        Header::parse(&v3, &STRICT).unwrap_err().code(),
        "MALFORMED_MESSAGE"
    );
    let mut unknown = bytes.clone();
    unknown[1] = 0x99;
    assert_eq!(
        Header::parse(&unknown, &STRICT).unwrap_err().code(),
        "UNSUPPORTED_ALGORITHM"
    );
    let mut v1_suite_in_v2 = bytes;
    v1_suite_in_v2[1..3].copy_from_slice(&0x0178u16.to_be_bytes());
    let allow = ParseLimits {
        allow_non_committing: true,
        ..STRICT
    };
    assert_eq!(
        Header::parse(&v1_suite_in_v2, &allow).unwrap_err().code(),
        "MALFORMED_MESSAGE"
    );
}

#[test]
fn kdf_v2_matches_a_fixed_vector() {
    // HKDF-SHA512(salt = message id, ikm = data key): computed independently with
    // Python's `cryptography` (HKDF(SHA512(), 32, salt, info).derive(ikm)).
    let keys = super::kdf::derive(&suite::ALL[9], &Secret::new(vec![1; 32]), &[2; 32]).unwrap();
    assert_eq!(hex::encode(keys.encryption_key.expose_secret()), KDF_ENC);
    assert_eq!(hex::encode(keys.commitment.unwrap()), KDF_COMMIT);
}

const KDF_ENC: &str = "8c897cf6e98130876f20bd711ec93f39e47fd8df26daeddf377ec1e9633ee1a4";
const KDF_COMMIT: &str = "2404c0ce344731f3f17b2b1837c7c20318a2717576fb6e957b82abf2a2dcd76c";

#[test]
fn streaming_is_byte_identical_to_one_shot_and_reads_byte_by_byte() {
    for suite in [suite::ALL[9], suite::ALL[10]] {
        for (frame, n) in [
            (16u32, 0usize),
            (16, 16),
            (16, 17),
            (16, 100),
            (1, 9),
            (4096, 5000),
        ] {
            let pt: Vec<u8> = (0..n).map(|i| (i * 7) as u8).collect();
            let make = || sealer(suite, frame, ("a", "b"), 42);
            let whole = make().seal(&pt).unwrap();
            for chunk in [1usize, 3, 15, 16, 17, 1000] {
                let (mut streamed, mut w) = make().start().unwrap();
                for c in pt.chunks(chunk) {
                    streamed.extend_from_slice(&w.update(c).unwrap());
                }
                streamed.extend_from_slice(&w.finish().unwrap());
                assert_eq!(
                    streamed, whole,
                    "suite {:#x} frame {frame} n {n} chunk {chunk}",
                    suite.id
                );
                assert_eq!(w.update(b"x").unwrap_err().code(), "INVALID_STATE");
            }
            // Read it back one byte at a time.
            let mut o = Opener::new(&whole, &STRICT, &EncryptionContext::new(), &[9; 64]).unwrap();
            o.try_keyring(&aes(1)).unwrap();
            let mut r = o.start().unwrap();
            let mut got = Vec::new();
            for b in &whole[o.header().len..] {
                got.extend_from_slice(&r.update(&[*b]).unwrap());
            }
            r.finish().unwrap();
            assert_eq!(got, pt);
            // A stream that stops early never finishes.
            let mut r = o.start().unwrap();
            r.update(&whole[o.header().len..whole.len() - 1]).unwrap();
            assert_eq!(r.finish().unwrap_err().code(), "MALFORMED_MESSAGE");
        }
    }
}

#[test]
fn from_prefix_waits_for_the_whole_header() {
    let msg = seal(suite::DEFAULT, 64, b"stream", &[&aes(1)]);
    let header_len = inspect(&msg).unwrap().header.len;
    for n in 0..header_len {
        assert!(
            Opener::from_prefix(&msg[..n], &STRICT, &EncryptionContext::new(), &[9; 64])
                .unwrap()
                .is_none(),
            "{n}"
        );
    }
    let (_, len) = Opener::from_prefix(
        &msg[..header_len],
        &STRICT,
        &EncryptionContext::new(),
        &[9; 64],
    )
    .unwrap()
    .unwrap();
    assert_eq!(len, header_len);
    assert_eq!(
        Opener::from_prefix(&[2, 0, 0], &STRICT, &EncryptionContext::new(), &[9; 64])
            .err()
            .unwrap()
            .code(),
        "UNSUPPORTED_ALGORITHM"
    );
}

/// The native-engine plans, driven here by the wasm AES-GCM as the "engine",
/// give byte-identical messages and the same plaintext.
#[test]
fn native_engine_plans_match_the_wasm_engine() {
    use super::gcm;
    for suite in [suite::ALL[9], suite::ALL[10]] {
        for (frame, n) in [
            (16u32, 0usize),
            (16, 16),
            (16, 17),
            (16, 100),
            (1, 3),
            (4096, 10_000),
        ] {
            let pt: Vec<u8> = (0..n).map(|i| (i * 13) as u8).collect();
            let make = || sealer(suite, frame, ("a", "b"), 77);
            let whole = make().seal(&pt).unwrap();
            let (key, plan) = make().plan(pt.len()).unwrap();
            let mut sealed = Vec::new();
            for f in plan.frames() {
                let mut buf = pt[f.plaintext_start..f.plaintext_start + f.plaintext_len].to_vec();
                let tag = gcm::seal(key.expose_secret(), &f.iv, &f.aad, &mut buf).unwrap();
                sealed.extend_from_slice(&buf);
                sealed.extend_from_slice(&tag);
            }
            assert_eq!(
                plan.assemble(&sealed).unwrap(),
                whole,
                "suite {:#x} frame {frame} n {n}",
                suite.id
            );

            let mut o = Opener::new(&whole, &STRICT, &EncryptionContext::new(), &[9; 64]).unwrap();
            o.try_keyring(&aes(1)).unwrap();
            let key = o.message_key().unwrap();
            let (descs, len, _) = o
                .plan_external_signature(whole.len(), &mut reading(&whole))
                .unwrap();
            assert_eq!(len, n);
            let mut out = vec![0u8; len];
            for d in &descs {
                let mut buf = whole[d.start..d.end - 16].to_vec();
                gcm::open(
                    key.expose_secret(),
                    &d.iv,
                    &d.aad(&o.header().message_id),
                    &mut buf,
                    &whole[d.end - 16..d.end],
                )
                .unwrap();
                out[d.plaintext_offset..d.plaintext_offset + buf.len()].copy_from_slice(&buf);
            }
            assert_eq!(out, pt);
            // The plan refuses a truncated body from its structure alone.
            let short = &whole[..whole.len() - 1];
            assert_eq!(
                o.plan_external_signature(short.len(), &mut reading(short))
                    .err()
                    .map(|e| e.code()),
                Some("MALFORMED_MESSAGE")
            );
        }
    }
    let (_, plan) = {
        let mut s = Sealer::new(suite::DEFAULT, 16, EncryptionContext::new(), &[1; 64]).unwrap();
        s.wrap_with(&aes(1)).unwrap();
        s.plan(5).unwrap()
    };
    assert_eq!(
        plan.assemble(&[0; 20]).unwrap_err().code(),
        "INVALID_ARGUMENT"
    );
}

/// A small deterministic fuzzer: random multi-byte mutations, truncations and
/// extensions of valid messages, and random bytes as headers. Nothing may
/// panic, and no mutated message may open.
#[test]
fn random_mutations_never_panic_or_open() {
    let mut rng = super::rng::Drbg::new(&[0x5a; 64]).unwrap();
    let msgs: Vec<Vec<u8>> = [suite::ALL[9], suite::ALL[10]]
        .iter()
        .flat_map(|&s| {
            [
                seal(s, 3, b"fuzz", &[&aes(1)]),
                seal(s, 64, &[1; 200], &[&aes(1), &aes(2)]),
            ]
        })
        .collect();
    let allow = ParseLimits {
        allow_non_committing: true,
        max_encrypted_data_keys: 100,
        ..STRICT
    };
    for i in 0..4000u32 {
        let [pick, kind, a, b]: [u8; 4] = rng.bytes();
        let mut m = msgs[usize::from(pick) % msgs.len()].clone();
        let at = (usize::from(a) << 8 | usize::from(b)) % m.len();
        match kind % 4 {
            0 => {
                for _ in 0..=(kind >> 4) {
                    let [x, y, z]: [u8; 3] = rng.bytes();
                    let j = (usize::from(x) << 8 | usize::from(y)) % m.len();
                    m[j] ^= z | 1;
                }
            }
            1 => m.truncate(at),
            2 => m.splice(at..at, rng.bytes::<5>()).for_each(drop),
            _ => m.drain(at..(at + 3).min(m.len())).for_each(drop),
        }
        if let Ok(mut o) = Opener::new(&m, &allow, &EncryptionContext::new(), &[1; 64]) {
            let _ = o.try_keyring(&aes(1));
            let _ = o.try_keyring(&aes(2));
            assert!(o.open(&m).is_err(), "mutation {i} opened");
            let _ = inspect(&m);
        }
        let noise: [u8; 96] = rng.bytes();
        let _ = inspect(&noise);
        let _ = super::header::Header::parse(&noise, &allow);
    }
}

/// Native-engine streaming, with the wasm AES-GCM standing in for WebCrypto:
/// the same bytes as the one-shot writer, and the reader's frame descriptions
/// decrypt to the plaintext.
#[test]
fn native_streams_match() {
    use super::gcm;
    for suite in [suite::ALL[9], suite::ALL[10]] {
        for (frame, n, chunk) in [
            (16u32, 0usize, 5usize),
            (16, 16, 16),
            (16, 17, 3),
            (16, 100, 7),
            (8, 64, 64),
        ] {
            let pt: Vec<u8> = (0..n).map(|i| (i * 5) as u8).collect();
            let make = || sealer(suite, frame, ("s", "n"), 31);
            let whole = make().seal(&pt).unwrap();
            let (mut out, mut w) = make().start().unwrap();
            let key = Secret::copy_from(w.native_key().expose_secret());
            let mut pending: Vec<u8> = Vec::new();
            let seal_plans =
                |w: &mut super::body::BodyWriter, pending: &mut Vec<u8>, last: bool| {
                    let plans = w.plan_frames(pending.len(), last).unwrap();
                    let mut sealed = Vec::new();
                    let mut used = 0;
                    for f in &plans {
                        let mut b = pending[f.plaintext_start..f.plaintext_start + f.plaintext_len]
                            .to_vec();
                        let tag = gcm::seal(key.expose_secret(), &f.iv, &f.aad, &mut b).unwrap();
                        sealed.extend_from_slice(&b);
                        sealed.extend_from_slice(&tag);
                        used = f.plaintext_start + f.plaintext_len;
                    }
                    pending.drain(..used);
                    w.absorb(&sealed).unwrap()
                };
            for c in pt.chunks(chunk) {
                pending.extend_from_slice(c);
                out.extend_from_slice(&seal_plans(&mut w, &mut pending, false));
            }
            out.extend_from_slice(&seal_plans(&mut w, &mut pending, true));
            assert_eq!(
                out, whole,
                "suite {:#x} frame {frame} n {n} chunk {chunk}",
                suite.id
            );
            assert!(w.plan_frames(0, true).is_err());

            let mut o = Opener::new(&whole, &STRICT, &EncryptionContext::new(), &[9; 64]).unwrap();
            o.try_keyring(&aes(1)).unwrap();
            let mut r = o.start().ok().unwrap().plan_stream();
            let key = Secret::copy_from(r.native_key().expose_secret());
            let mut got = Vec::new();
            for c in whole[o.header().len..].chunks(chunk) {
                for d in r.plan_update(c).unwrap() {
                    let (ct, tag) = d.bytes.split_at(d.bytes.len() - 16);
                    let mut b = ct.to_vec();
                    gcm::open(
                        key.expose_secret(),
                        &d.iv,
                        &d.aad(&o.header().message_id),
                        &mut b,
                        tag,
                    )
                    .unwrap();
                    got.extend_from_slice(&b);
                }
            }
            r.finish().unwrap();
            assert_eq!(got, pt);
        }
    }
}

/// The external-signature paths (a native engine hashes; WebCrypto verifies):
/// the digest-signed footer is byte-identical, and the described signature
/// verifies over exactly the described bytes with the described key.
#[test]
fn external_signature_paths_match() {
    use sha2::{Digest, Sha384};
    use signature::Verifier;
    for (n, frame) in [(0usize, 16u32), (100, 16), (5000, 4096)] {
        let pt: Vec<u8> = (0..n).map(|i| (i * 3) as u8).collect();
        let make = || sealer(suite::DEFAULT, frame, ("x", "y"), 55);
        let whole = make().seal(&pt).unwrap();
        let (key, plan) = make().plan(pt.len()).unwrap();
        assert!(plan.is_signed());
        let mut sealed = Vec::new();
        for f in plan.frames() {
            let mut b = pt[f.plaintext_start..f.plaintext_start + f.plaintext_len].to_vec();
            let tag = super::gcm::seal(key.expose_secret(), &f.iv, &f.aad, &mut b).unwrap();
            sealed.extend_from_slice(&b);
            sealed.extend_from_slice(&tag);
        }
        let mut body = plan.assemble_unsigned(&sealed).unwrap();
        body.extend_from_slice(&plan.footer_for_digest(&Sha384::digest(&body)).unwrap());
        assert_eq!(body, whole);
        assert_eq!(
            plan.footer_for_digest(&[0; 47]).unwrap_err().code(),
            "INVALID_ARGUMENT"
        );

        let mut o = Opener::new(&whole, &STRICT, &EncryptionContext::new(), &[9; 64]).unwrap();
        o.try_keyring(&aes(1)).unwrap();
        let (_, len, sig) = o
            .plan_external_signature(whole.len(), &mut reading(&whole))
            .ok()
            .unwrap();
        assert_eq!(len, n);
        let sig = sig.unwrap();
        let point = o.signer_public_key().unwrap().unwrap();
        assert_eq!((point.len(), sig.signature.len()), (97, 96));
        let vk = p384::ecdsa::VerifyingKey::from_sec1_bytes(&point).unwrap();
        let s = p384::ecdsa::Signature::from_slice(&sig.signature).unwrap();
        assert!(vk.verify(&whole[..sig.signed_len], &s).is_ok());
        assert_eq!(
            sig.signed_len
                + 2
                + usize::from(u16::from_be_bytes([
                    whole[sig.signed_len],
                    whole[sig.signed_len + 1]
                ])),
            whole.len()
        );
        // A broken signature no longer verifies but still parses; bad DER is TAMPERED.
        let mut bad = whole.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        if let Ok((_, _, Some(s2))) = o.plan_external_signature(bad.len(), &mut reading(&bad)) {
            let s2 = p384::ecdsa::Signature::from_slice(&s2.signature).unwrap();
            assert!(vk.verify(&bad[..sig.signed_len], &s2).is_err());
        }
    }
    // Unsigned suites describe no signature.
    let msg = seal(suite::ALL[9], 16, b"u", &[&aes(1)]);
    let mut o = Opener::new(&msg, &STRICT, &EncryptionContext::new(), &[9; 64]).unwrap();
    o.try_keyring(&aes(1)).unwrap();
    assert!(
        o.plan_external_signature(msg.len(), &mut reading(&msg))
            .ok()
            .unwrap()
            .2
            .is_none()
    );
    assert_eq!(o.signer_public_key().ok(), Some(None));
}

/// Signature stripping (issue 9): whoever can unwrap a signed message's data key
/// writes a new *unsigned* 0x0478 message under it with the same context (which
/// still holds `aws-crypto-public-key`) and encrypted data keys, any plaintext.
fn strip_signature(signed: &[u8], kr: &dyn LocalKeyring, forged_pt: &[u8]) -> Vec<u8> {
    let mut o = Opener::new(signed, &STRICT, &EncryptionContext::new(), &[9; 64]).unwrap();
    assert!(o.try_keyring(kr).unwrap());
    let key = o.data_key_for_cache().unwrap();
    let h = o.header().clone();
    assert!(
        h.encryption_context
            .get(super::encryption_context::PUBLIC_KEY_FIELD)
            .is_some()
    );
    let mut forged =
        Sealer::new(suite::ALL[9], 4096, h.encryption_context.clone(), &[3; 64]).unwrap();
    forged
        .set_data_key(key, h.encrypted_data_keys[0].clone())
        .unwrap();
    forged.seal(forged_pt).unwrap()
}

#[test]
fn signature_stripping_is_refused_before_any_keyring_runs() {
    let signed = seal(suite::ALL[10], 64, b"pay alice 10", &[&aes(1)]);
    let forged = strip_signature(&signed, &aes(1), b"pay mallory 10000");
    // The forgery is real: without the policy check it authenticates and opens
    // (so this test cannot pass because of a broken forgery).
    let mut o = Opener::new_without_signature_policy(&forged, &STRICT, &[9; 64]).unwrap();
    assert!(o.try_keyring(&aes(1)).unwrap());
    assert_eq!(o.open(&forged).unwrap(), b"pay mallory 10000");

    let refused = |r: Result<Opener>| r.err().map(|e| e.code());
    let none = EncryptionContext::new();
    assert_eq!(
        refused(Opener::new(&forged, &STRICT, &none, &[9; 64])),
        Some("TAMPERED")
    );
    assert_eq!(open(&forged, &aes(1)).unwrap_err().code(), "TAMPERED");
    assert_eq!(
        open_as_native_engine(&forged, &aes(1)).unwrap_err().code(),
        "TAMPERED"
    );
    // Streaming: refused from the header prefix, before any body byte.
    let header_len = inspect(&forged).unwrap().header.len;
    let e = Opener::from_prefix(&forged[..header_len], &STRICT, &none, &[9; 64]).err();
    assert_eq!(e.map(|e| e.code()), Some("TAMPERED"));
    // Under the lenient commitment policy too.
    let lenient = ParseLimits {
        allow_non_committing: true,
        ..STRICT
    };
    assert_eq!(
        refused(Opener::new(&forged, &lenient, &none, &[9; 64])),
        Some("TAMPERED")
    );
    // The original still opens.
    assert_eq!(open(&signed, &aes(1)).unwrap(), b"pay alice 10");
}

#[test]
fn require_signed_refuses_unsigned_suites_from_the_header() {
    let require = ParseLimits {
        require_signed: true,
        allow_non_committing: true,
        ..STRICT
    };
    let none = EncryptionContext::new();
    let unsigned = seal(suite::ALL[9], 64, b"hi", &[&aes(1)]);
    let signed = seal(suite::ALL[10], 64, b"hi", &[&aes(1)]);
    let header_len = inspect(&unsigned).unwrap().header.len;
    for m in [&unsigned[..], &unsigned[..header_len]] {
        let e = Opener::from_prefix(m, &require, &none, &[9; 64]).err();
        assert_eq!(e.map(|e| e.code()), Some("SIGNATURE_REQUIRED"));
    }
    let mut o = Opener::new(&signed, &require, &none, &[9; 64]).unwrap();
    o.try_keyring(&aes(1)).unwrap();
    assert_eq!(o.open(&signed).unwrap(), b"hi");
    // Every suite of the reference vectors: signed ones open, unsigned ones are refused.
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("testdata/sdk_vectors.json")).unwrap();
    for v in vectors.as_array().unwrap() {
        let id = u16::try_from(v["suite"].as_u64().unwrap()).unwrap();
        let msg = hex::decode(v["message"].as_str().unwrap()).unwrap();
        let r = Opener::new(&msg, &require, &none, &[1; 64]);
        if AlgorithmSuite::from_id(id).unwrap().is_signed() {
            assert!(r.is_ok(), "suite {id:#06x}");
        } else {
            assert_eq!(
                r.err().map(|e| e.code()),
                Some("SIGNATURE_REQUIRED"),
                "suite {id:#06x}"
            );
        }
    }
}

#[test]
fn a_streamed_signed_message_holds_its_final_frame_until_the_footer_verifies() {
    let pt: Vec<u8> = (0..100u8).collect();
    let msg = seal(suite::ALL[10], 16, &pt, &[&aes(1)]);
    let info = inspect(&msg).unwrap();
    let footer_len = info.signature_len.unwrap() + 2;
    let body_end = msg.len() - footer_len;
    let mut o = Opener::new(&msg, &STRICT, &EncryptionContext::new(), &[9; 64]).unwrap();
    o.try_keyring(&aes(1)).unwrap();
    // Wasm engine: everything up to the footer releases the regular frames only.
    let mut r = o.start().unwrap();
    let before = r.update(&msg[info.header.len..body_end]).unwrap();
    assert_eq!(before, &pt[..96], "the final frame (4 bytes) is held");
    let rest = r.update(&msg[body_end..]).unwrap();
    assert_eq!(rest, &pt[96..]);
    r.finish().unwrap();
    // A bad footer: the final frame never comes out.
    let mut bad = msg.clone();
    *bad.last_mut().unwrap() ^= 1;
    let mut r = o.start().unwrap();
    assert_eq!(r.update(&bad[info.header.len..body_end]).unwrap().len(), 96);
    assert_eq!(r.update(&bad[body_end..]).unwrap_err().code(), "TAMPERED");
    // Native stream: the final frame's description is held the same way.
    let mut r = o.start().unwrap().plan_stream();
    let descs = r.plan_update(&msg[info.header.len..body_end]).unwrap();
    assert_eq!(descs.len(), 6, "7 frames, the final one held");
    let descs = r.plan_update(&msg[body_end..]).unwrap();
    assert_eq!(descs.len(), 1);
    // Unsigned: nothing to wait for.
    let msg = seal(suite::ALL[9], 16, &pt, &[&aes(1)]);
    let mut o = Opener::new(&msg, &STRICT, &EncryptionContext::new(), &[9; 64]).unwrap();
    o.try_keyring(&aes(1)).unwrap();
    let h = inspect(&msg).unwrap().header.len;
    assert_eq!(o.start().unwrap().update(&msg[h..]).unwrap(), pt);
}

#[test]
fn a_signed_message_without_its_public_key_fails_from_the_header() {
    let signed = seal(suite::ALL[10], 64, b"x", &[&aes(1)]);
    let m = with_public_key(&signed, None);
    let e = Opener::from_prefix(&m, &STRICT, &EncryptionContext::new(), &[9; 64]).err();
    assert_eq!(e.map(|e| e.code()), Some("MALFORMED_MESSAGE"));
}

/// `signed` with its context's `aws-crypto-public-key` replaced by `value`, or
/// left out (the header tag no longer verifies: for checks made before any
/// key is sought).
fn with_public_key(signed: &[u8], value: Option<&str>) -> Vec<u8> {
    let o = Opener::new(signed, &STRICT, &EncryptionContext::new(), &[9; 64]).unwrap();
    let mut ec = EncryptionContext::new();
    for (k, v) in o.header().encryption_context.iter() {
        match (k == super::encryption_context::PUBLIC_KEY_FIELD, value) {
            (false, _) => ec.insert_reserved(k, v.into()),
            (true, Some(value)) => ec.insert_reserved(k, value.into()),
            (true, None) => {}
        }
    }
    let old = o.header().encryption_context.serialize().unwrap();
    let new = ec.serialize().unwrap();
    let at = 1 + 2 + 32 + 2;
    assert_eq!(&signed[at..at + old.len()], &old[..]);
    let mut m = signed[..at - 2].to_vec();
    m.extend_from_slice(&(new.len() as u16).to_be_bytes());
    m.extend_from_slice(&new);
    m.extend_from_slice(&signed[at + old.len()..]);
    m
}

/// A footer key of the suite's form that is no point of the curve: refused
/// with the header (`KeyCheck::WithHeader`, streams), or where the point is
/// first needed (`OnUse`, one-shot opens), with the same code. A key not of
/// the suite's form is refused with the header either way.
#[test]
fn a_footer_key_off_the_curve_fails_with_the_header_or_on_use() {
    use base64ct::{Base64, Encoding};
    let signed = seal(suite::ALL[10], 64, b"x", &[&aes(1)]);
    let none = EncryptionContext::new();
    let off_curve = (1u8..)
        .map(|b| [&[0x02][..], &[b; 48]].concat())
        .find(|k| crate::verify::p384_field::decode_point(k).is_none())
        .unwrap();
    let m = with_public_key(&signed, Some(&Base64::encode_string(&off_curve)));
    let e = Opener::from_prefix(&m, &STRICT, &none, &[9; 64]).err();
    assert_eq!(e.map(|e| e.code()), Some("MALFORMED_MESSAGE"));
    let (o, _) = Opener::from_prefix_with(&m, &STRICT, &none, &[9; 64], KeyCheck::OnUse)
        .unwrap()
        .unwrap();
    let key = o.signer_key().unwrap();
    assert_eq!(key.encoded(), &off_curve[..]);
    assert_eq!(key.point().unwrap_err().code(), "MALFORMED_MESSAGE");
    assert_eq!(
        o.signer_public_key().unwrap_err().code(),
        "MALFORMED_MESSAGE"
    );

    let p256_sized = [&[0x02][..], &[1; 32]].concat();
    let tag_05 = [&[0x05][..], &off_curve[1..]].concat();
    let short = off_curve[..48].to_vec();
    let long_compressed = [&off_curve[..], &[0]].concat();
    for wrong in [p256_sized, tag_05, short, long_compressed, vec![]] {
        let m = with_public_key(&signed, Some(&Base64::encode_string(&wrong)));
        for check in [KeyCheck::WithHeader, KeyCheck::OnUse] {
            let e = Opener::from_prefix_with(&m, &STRICT, &none, &[9; 64], check).err();
            assert_eq!(e.map(|e| e.code()), Some("MALFORMED_MESSAGE"), "{wrong:?}");
        }
    }
    // On the curve but uncompressed (SEC 1 allows it; the specification, every
    // writer and the other SDKs' readers do not): refused, one spelling per signer.
    let good = Opener::new(&signed, &STRICT, &none, &[9; 64]).unwrap();
    let point = good.signer_public_key().unwrap().unwrap();
    assert_eq!(point.first(), Some(&0x04));
    let m = with_public_key(&signed, Some(&Base64::encode_string(&point)));
    for check in [KeyCheck::WithHeader, KeyCheck::OnUse] {
        let e = Opener::from_prefix_with(&m, &STRICT, &none, &[9; 64], check).err();
        assert_eq!(e.map(|e| e.code()), Some("MALFORMED_MESSAGE"));
    }
}

/// An external footer key (a P-384 key of this test, as WebCrypto or the
/// `ecdsa` module would hold it): the core writes its public point, hands
/// out the digest, DER-encodes the signature; and on opening, nothing of a
/// signed message comes out without a `true` verdict on its footer.
mod external_footer {
    use super::*;
    use crate::envelope::footer::{self, MessageSigner};
    use crate::envelope::rng::Drbg;

    fn key(seed: u8) -> MessageSigner {
        MessageSigner::generate(&mut Drbg::new(&[seed; 64]).unwrap())
    }

    /// A message of `pt` whose footer `signer` signs outside the core.
    fn seal_with(signer: &MessageSigner, pt: &[u8]) -> Vec<u8> {
        let mut s = Sealer::with_signer(
            suite::ALL[10],
            16,
            ctx(&[("tenant", "acme")]),
            &[7; 64],
            Some(&signer.public_key()),
        )
        .unwrap();
        s.wrap_with(&aes(1)).unwrap();
        let (mut msg, digest) = s.seal_for_external_signer(pt).unwrap();
        let rs = signer.sign_digest(&digest.unwrap()).unwrap();
        msg.extend_from_slice(&footer::encode(&rs).unwrap());
        msg
    }

    /// The footers the core writes have the SDKs' fixed length wherever one
    /// of `s` and `n − s` gives it, and verify either way; `r` never changes.
    #[test]
    fn footers_take_the_fixed_length_and_still_verify() {
        use crate::verify::ecdsa_der::der_to_raw;
        use p384::ecdsa::signature::hazmat::PrehashVerifier;
        let signer = key(3);
        let verifier = p384::ecdsa::VerifyingKey::from_sec1_bytes(&signer.public_key()).unwrap();
        let (mut negated, mut kept, mut other_length) = (0, 0, 0);
        for i in 0..512u16 {
            let digest = <sha2::Sha384 as sha2::Digest>::digest(i.to_be_bytes());
            let rs = signer.sign_digest(&digest).unwrap();
            let f = footer::encode(&rs).unwrap();
            let written = der_to_raw(&f[2..], 48).unwrap();
            let sig = p384::ecdsa::Signature::from_slice(&written).unwrap();
            assert!(verifier.verify_prehash(&digest, &sig).is_ok());
            assert_eq!(written[..48], rs[..48]);
            let (s, flipped) = (&rs[48..], footer::order_minus(rs[48..].try_into().unwrap()));
            if written[48..] == *s {
                kept += 1;
            } else {
                assert_eq!(written[48..], flipped);
                negated += 1;
            }
            // An INTEGER's DER length: its significant bytes, and a 0 before a high bit.
            let len = |v: &[u8]| {
                let v = &v[v.iter().position(|&b| b != 0).unwrap()..];
                2 + v.len() + usize::from(v[0] & 0x80 != 0)
            };
            let reachable = [s, &flipped[..]]
                .iter()
                .any(|s| 2 + len(&rs[..48]) + len(s) == footer::FIXED_DER_LEN);
            assert_eq!(
                f.len() == footer::FIXED_DER_LEN + 2,
                reachable,
                "signature {i}"
            );
            other_length += usize::from(!reachable);
        }
        // Both ways were taken; about 1 in 256 keeps another length.
        assert!(
            negated > 100 && kept > 100,
            "{negated} negated, {kept} kept"
        );
        assert!(other_length < 20, "{other_length} of 512 of another length");
    }

    fn footer_len(msg: &[u8]) -> usize {
        inspect(msg).unwrap().signature_len.unwrap() + 2
    }

    fn opener(msg: &[u8]) -> Opener {
        let mut o = Opener::new(msg, &STRICT, &EncryptionContext::new(), &[9; 64]).unwrap();
        o.try_keyring(&aes(1)).unwrap();
        o
    }

    #[test]
    fn sealed_outside_opens_inside_and_outside() {
        let pt: Vec<u8> = (0..100u8).collect();
        let msg = seal_with(&key(1), &pt);
        // A reader with the arithmetic verifies it as any other message.
        assert_eq!(open(&msg, &aes(1)).unwrap(), pt);
        // The pending open: the check describes exactly the signed bytes.
        let p = opener(&msg).open_pending(&msg).unwrap();
        let check = p.footer_check().unwrap().clone();
        assert!(check.verify_here());
        assert_eq!(check.signed_len, msg.len() - footer_len(&msg));
        assert_eq!(p.release(true).unwrap(), pt);
        // Seal without the key's point for a signed suite is refused in bindings; a
        // point off the curve is refused here.
        let mut x_too_big = vec![0x02];
        x_too_big.extend_from_slice(&[0xff; 48]);
        for bad in [&x_too_big[..], &key(1).public_key()[..48], &[0u8][..]] {
            let e = Sealer::with_signer(suite::ALL[10], 16, ctx(&[]), &[7; 64], Some(bad));
            assert!(e.is_err_and(|e| e.code() == "INVALID_ARGUMENT"));
        }
        // The stream writer hands out the digest, the footer once.
        let mut s = Sealer::with_signer(
            suite::ALL[10],
            16,
            ctx(&[]),
            &[7; 64],
            Some(&key(2).public_key()),
        )
        .unwrap();
        s.wrap_with(&aes(1)).unwrap();
        let (mut out, mut w) = s.start().unwrap();
        out.extend(w.update(&pt).unwrap());
        assert!(
            w.footer_digest().is_none(),
            "no digest before the final frame"
        );
        out.extend(w.finish().unwrap());
        let rs = key(2).sign_digest(w.footer_digest().unwrap()).unwrap();
        out.extend(w.external_footer(&rs).unwrap());
        assert_eq!(w.external_footer(&rs).unwrap_err().code(), "INVALID_STATE");
        assert_eq!(open(&out, &aes(1)).unwrap(), pt);
    }

    /// A stream whose signer hashes the message itself: the same bytes as when
    /// the core hashes, no digest handed out, and the footer of the signer's
    /// `r ‖ s` over what it hashed; only an external signer may.
    #[test]
    fn a_signer_that_hashes_the_stream_itself() {
        use sha2::Digest;
        let pt: Vec<u8> = (0..100u8).collect();
        let sealer = |seed: u8| {
            let mut s = Sealer::with_signer(
                suite::ALL[10],
                16,
                ctx(&[("tenant", "acme")]),
                &[seed; 64],
                Some(&key(2).public_key()),
            )
            .unwrap();
            s.wrap_with(&aes(1)).unwrap();
            s
        };
        let (mut inside, mut w) = sealer(7).start().unwrap();
        for chunk in pt.chunks(7) {
            inside.extend(w.update(chunk).unwrap());
        }
        inside.extend(w.finish().unwrap());
        let core_digest = w.footer_digest().unwrap().to_vec();
        let (mut outside, mut w) = sealer(7).start_hashing_outside().unwrap();
        let mut hash = sha2::Sha384::new();
        hash.update(&outside);
        for chunk in pt.chunks(7) {
            let out = w.update(chunk).unwrap();
            hash.update(&out);
            outside.extend(out);
        }
        let last = w.finish().unwrap();
        hash.update(&last);
        outside.extend(last);
        assert_eq!(outside, inside, "the same header and frames");
        assert!(w.footer_digest().is_none(), "the core hashed nothing");
        let digest = hash.finalize();
        assert_eq!(&digest[..], &core_digest[..]);
        let rs = key(2).sign_digest(&digest).unwrap();
        outside.extend(w.external_footer(&rs).unwrap());
        assert_eq!(w.external_footer(&rs).unwrap_err().code(), "INVALID_STATE");
        assert_eq!(open(&outside, &aes(1)).unwrap(), pt);
        // An unsigned suite has no signer to hash for it.
        let mut s = Sealer::new(suite::ALL[9], 16, ctx(&[]), &[7; 64]).unwrap();
        s.wrap_with(&aes(1)).unwrap();
        assert!(
            s.start_hashing_outside()
                .is_err_and(|e| e.code() == "INVALID_STATE")
        );
    }

    #[test]
    fn no_plaintext_without_a_true_verdict() {
        let pt: Vec<u8> = (0..100u8).collect();
        let msg = seal_with(&key(1), &pt);
        let o = opener(&msg);
        // A negative verdict: TAMPERED, nothing released.
        let p = o.open_pending(&msg).unwrap();
        assert_eq!(p.release(false).unwrap_err().code(), "TAMPERED");
        // A footer signed by another key, a flipped signature: the check fails.
        let other = seal_with(&key(3), &pt);
        let mut forged = msg.clone();
        let (a, b) = (
            forged.len() - footer_len(&msg),
            other.len() - footer_len(&other),
        );
        forged.truncate(a);
        forged.extend_from_slice(&other[b..]);
        let mut flipped = msg.clone();
        *flipped.last_mut().unwrap() ^= 1;
        for m in [&forged, &flipped] {
            match o.open_pending(m) {
                Ok(p) => assert!(!p.footer_check().unwrap().verify_here()),
                Err(e) => assert_eq!(e.code(), "TAMPERED"),
            }
        }
        // Streams: the final frame waits; no verdict, or one before the check was
        // taken, is TAMPERED; so is `finish` while the verdict is due.
        let h = o.header().len;
        let body_end = msg.len() - footer_len(&msg);
        let mut r = o.start_with_verdict_outside().unwrap();
        assert_eq!(r.update(&msg[h..]).unwrap(), &pt[..96]);
        assert!(r.awaits_verdict());
        assert_eq!(r.finish().unwrap_err().code(), "TAMPERED");
        assert_eq!(
            r.footer_verdict(true).unwrap_err().code(),
            "TAMPERED",
            "verdict before the check"
        );
        assert_eq!(
            r.update(&[]).unwrap_err().code(),
            "TAMPERED",
            "failed for good"
        );
        let mut r = o.start_with_verdict_outside().unwrap();
        r.update(&msg[h..body_end]).unwrap();
        r.update(&msg[body_end..]).unwrap();
        let c = r.take_footer_check().unwrap();
        assert!(r.take_footer_check().is_none(), "once");
        assert!(c.verify_here());
        assert_eq!(r.footer_verdict(true).unwrap().0, &pt[96..]);
        r.finish().unwrap();
        // Bytes after the footer while the verdict is due.
        let mut r = o.start_with_verdict_outside().unwrap();
        r.update(&msg[h..]).unwrap();
        assert_eq!(r.update(&[0]).unwrap_err().code(), "MALFORMED_MESSAGE");
    }

    #[test]
    fn a_stripped_footer_never_opens() {
        let pt = b"signature stripping".to_vec();
        let msg = seal_with(&key(1), &pt);
        let stripped = &msg[..msg.len() - footer_len(&msg)];
        let o = opener(&msg);
        assert_eq!(
            o.open_pending(stripped).err().map(|e| e.code()),
            Some("MALFORMED_MESSAGE")
        );
        let mut r = o.start_with_verdict_outside().unwrap();
        r.update(&stripped[o.header().len..]).unwrap();
        assert!(r.take_footer_check().is_none());
        assert_eq!(r.finish().unwrap_err().code(), "MALFORMED_MESSAGE");
    }

    #[test]
    fn encode_writes_strict_der_and_refuses_out_of_range() {
        use crate::verify::ecdsa_der::der_to_raw;
        // r and s of 48 bytes each (DER 102): s becomes n − s, of 49 (DER 103).
        // r and s of 49 bytes each (DER 104): the same, n − s being of 48.
        for rs in [[1u8; 96], [0x80; 96]] {
            let f = footer::encode(&rs).unwrap();
            assert_eq!(usize::from(u16::from_be_bytes([f[0], f[1]])), f.len() - 2);
            assert_eq!(f.len(), footer::FIXED_DER_LEN + 2);
            let mut negated = rs;
            negated[48..].copy_from_slice(&footer::order_minus(rs[48..].try_into().unwrap()));
            assert_eq!(der_to_raw(&f[2..], 48).unwrap(), negated);
        }
        // Already of the fixed length: written as it is.
        let mut fits = [0x80u8; 96];
        fits[48..].fill(0x7f);
        assert_eq!(
            der_to_raw(&footer::encode(&fits).unwrap()[2..], 48).unwrap(),
            fits
        );
        let mut small = [0u8; 96];
        small[47] = 1;
        small[95] = 2;
        assert_eq!(
            der_to_raw(&footer::encode(&small).unwrap()[2..], 48).unwrap(),
            small
        );
        assert_eq!(
            footer::encode(&[0; 96]).unwrap_err().code(),
            "INVALID_ARGUMENT"
        );
        assert_eq!(
            footer::encode(&[0xff; 96]).unwrap_err().code(),
            "INVALID_ARGUMENT"
        );
        assert_eq!(
            footer::encode(&[1; 95]).unwrap_err().code(),
            "INVALID_ARGUMENT"
        );
    }
}
