//! RFC 9180 vectors (Appendix A.3: the published P-256 base-mode vector) and
//! the properties the broker transport relies on: an answer opens only with
//! its recipient, for its request, untampered.

use super::*;
use serde_json::Value;

fn vector() -> Value {
    serde_json::from_str(include_str!("../testdata/hpke-rfc9180-a3.json")).unwrap()
}

fn hx(v: &Value, k: &str) -> Vec<u8> {
    hex::decode(v[k].as_str().unwrap()).unwrap()
}

/// The whole receiver natively: the key pair and DH (WebCrypto's or the
/// `ecdsa` module's part) and the core's remainder, as the shim puts them
/// together. Same entropy, same key pair and nonce.
struct Receiver {
    kp: HpkeKeyPair,
    pk: [u8; ENC_LEN],
    nonce: [u8; NONCE_LEN],
}

impl Receiver {
    fn new(entropy: &[u8]) -> Result<Self> {
        let kp = HpkeKeyPair::new(entropy)?;
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&<Sha256 as sha2::Digest>::digest(entropy)[..NONCE_LEN]);
        Ok(Self {
            pk: *kp.public_key(),
            kp,
            nonce,
        })
    }

    const fn public_key(&self) -> &[u8; ENC_LEN] {
        &self.pk
    }

    const fn nonce(&self) -> &[u8; NONCE_LEN] {
        &self.nonce
    }

    fn open(self, sealed: &[u8], req: &DataKeyRequest<'_>) -> Result<Secret> {
        let enc = sealed.get(..ENC_LEN).unwrap_or(&[]);
        let mut dh = Zeroizing::new([0u8; DH_LEN]);
        self.kp.dh(enc, &mut dh)?;
        HpkeRecipient::new(&self.pk, &self.nonce)?.open(&dh[..], sealed, req)
    }
}

/// `Encap` with a derived ephemeral key (the sender's side; the broker's, in JS).
fn encap(pk_r: &[u8; ENC_LEN], ikm_e: &[u8]) -> ([u8; ENC_LEN], Zeroizing<[u8; 32]>) {
    let sk_e = derive_key_pair(ikm_e).unwrap();
    let enc = public_bytes(&sk_e).unwrap();
    let pk = p256::PublicKey::from_sec1_bytes(pk_r).unwrap();
    let dh = p256::ecdh::diffie_hellman(sk_e.to_nonzero_scalar(), pk.as_affine());
    let sid = kem_suite_id();
    let eae_prk = labeled_extract(&sid, b"", b"eae_prk", dh.raw_secret_bytes());
    let mut kem_context = Vec::new();
    kem_context.extend_from_slice(&enc);
    kem_context.extend_from_slice(pk_r);
    let mut ss = Zeroizing::new([0u8; 32]);
    labeled_expand(&eae_prk, &sid, b"shared_secret", &kem_context, &mut ss[..]).unwrap();
    (enc, ss)
}

#[test]
fn rfc9180_a3_derive_key_pair() {
    let v = vector();
    for (ikm, sk, pk) in [("ikmE", "skEm", "pkEm"), ("ikmR", "skRm", "pkRm")] {
        let key = derive_key_pair(&hx(&v, ikm)).unwrap();
        assert_eq!(key.to_bytes().as_slice(), hx(&v, sk).as_slice(), "{sk}");
        assert_eq!(public_bytes(&key).unwrap().to_vec(), hx(&v, pk), "{pk}");
        let pair = HpkeKeyPair::from_ikm(&hx(&v, ikm)).unwrap();
        assert_eq!(pair.public_key().to_vec(), hx(&v, pk), "{pk}");
    }
}

/// The shared secret of the split receiver: `dh` from outside, the core's
/// `ExtractAndExpand`.
fn decap(pair: &HpkeKeyPair, enc: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut dh = [0u8; DH_LEN];
    pair.dh(enc, &mut dh).unwrap();
    extract_and_expand(&dh, enc.try_into().unwrap(), pair.public_key()).unwrap()
}

#[test]
fn rfc9180_a3_encap_decap_key_schedule_and_open() {
    let v = vector();
    let r = HpkeKeyPair::from_ikm(&hx(&v, "ikmR")).unwrap();
    let (enc, ss_sender) = encap(r.public_key(), &hx(&v, "ikmE"));
    assert_eq!(enc.to_vec(), hx(&v, "enc"));
    assert_eq!(ss_sender.to_vec(), hx(&v, "shared_secret"));
    let ss = decap(&r, &hx(&v, "enc"));
    assert_eq!(ss.to_vec(), hx(&v, "shared_secret"));
    let ctx = key_schedule(&ss, &hx(&v, "info"), AeadKind::Aes128Gcm).unwrap();
    assert_eq!(ctx.key.to_vec(), hx(&v, "key"));
    assert_eq!(ctx.base_nonce.to_vec(), hx(&v, "base_nonce"));
    let e = &v["encryptions"][0];
    assert_eq!(e["seq"], 0);
    let (pt, aad, ct) = (hx(e, "pt"), hx(e, "aad"), hx(e, "ct"));
    assert_eq!(ctx.seal(&aad, &pt).unwrap(), ct);
    assert_eq!(ctx.open(&aad, &ct).unwrap().expose_secret(), pt.as_slice());
    let mut bad = ct.clone();
    bad[0] ^= 1;
    assert_eq!(
        ctx.open(&aad, &bad).err().unwrap().code(),
        "INVALID_DATA_KEY"
    );
}

/// The A.3 vector through the split path as the shim runs it: the DH
/// computed apart from the core (here straight from the vector's `skRm`, as
/// WebCrypto's `deriveBits` would), handed to a core recipient that knows
/// only `pkRm`; its remainder (ExtractAndExpand, key schedule, open) gives
/// the vector's plaintext.
#[test]
fn rfc9180_a3_through_the_split_path() {
    let v = vector();
    let sk = SecretKey::from_slice(&hx(&v, "skRm")).unwrap();
    let enc = hx(&v, "enc");
    let pk_e = p256::PublicKey::from_sec1_bytes(&enc).unwrap();
    let dh = p256::ecdh::diffie_hellman(sk.to_nonzero_scalar(), pk_e.as_affine());
    let dh = dh.raw_secret_bytes().to_vec();
    // the ecdsa module's DH gives the same bytes
    let pair = HpkeKeyPair::from_ikm(&hx(&v, "ikmR")).unwrap();
    let mut out = [0u8; DH_LEN];
    pair.dh(&enc, &mut out).unwrap();
    assert_eq!(out.to_vec(), dh);
    let r = HpkeRecipient::new(&hx(&v, "pkRm"), &[1; NONCE_LEN]).unwrap();
    let ctx = r
        .context(&dh, &enc, &hx(&v, "info"), AeadKind::Aes128Gcm)
        .unwrap();
    assert_eq!(ctx.key.to_vec(), hx(&v, "key"));
    assert_eq!(ctx.base_nonce.to_vec(), hx(&v, "base_nonce"));
    let e = &v["encryptions"][0];
    let (pt, aad, ct) = (hx(e, "pt"), hx(e, "aad"), hx(e, "ct"));
    assert_eq!(ctx.open(&aad, &ct).unwrap().expose_secret(), pt.as_slice());
    // a wrong DH output (one bit) does not open
    let mut wrong = dh.clone();
    wrong[31] ^= 1;
    let r = HpkeRecipient::new(&hx(&v, "pkRm"), &[1; NONCE_LEN]).unwrap();
    let ctx = r
        .context(&wrong, &enc, &hx(&v, "info"), AeadKind::Aes128Gcm)
        .unwrap();
    assert_eq!(
        ctx.open(&aad, &ct).err().unwrap().code(),
        "INVALID_DATA_KEY"
    );
}

#[test]
fn the_core_recipient_checks_its_inputs() {
    let pk = *HpkeKeyPair::new(&[3u8; 64]).unwrap().public_key();
    for (key, nonce) in [
        (&pk[..64], &[1u8; NONCE_LEN][..]),
        (&pk[..], &[1u8; NONCE_LEN - 1][..]),
        (&pk[..], &[0u8; NONCE_LEN][..]),
    ] {
        assert_eq!(
            HpkeRecipient::new(key, nonce).err().unwrap().code(),
            "INVALID_ARGUMENT"
        );
    }
    let mut compressed = pk;
    compressed[0] = 0x02;
    assert_eq!(
        HpkeRecipient::new(&compressed, &[1; NONCE_LEN])
            .err()
            .unwrap()
            .code(),
        "INVALID_ARGUMENT"
    );
    // a DH output of the wrong length is a caller error, not a bad answer
    let ec = context();
    let blob = [7u8; 40];
    let req = request(&ec, &blob);
    let sealed = vec![4u8; ENC_LEN + TAG_LEN + 32];
    let r = HpkeRecipient::new(&pk, &[1; NONCE_LEN]).unwrap();
    assert_eq!(
        r.open(&[0; 31], &sealed, &req).err().unwrap().code(),
        "INVALID_ARGUMENT"
    );
    // an enc whose prefix is not 0x04 is refused by the core as well
    let mut sealed = vec![0u8; ENC_LEN + TAG_LEN + 32];
    sealed[0] = 0x02;
    let r = HpkeRecipient::new(&pk, &[1; NONCE_LEN]).unwrap();
    assert_eq!(
        r.open(&[0; 32], &sealed, &req).err().unwrap().code(),
        "INVALID_DATA_KEY"
    );
}

fn context() -> EncryptionContext {
    EncryptionContext::from_caller([
        ("tenant".to_string(), "acme".to_string()),
        ("b".to_string(), "ü".to_string()),
    ])
    .unwrap()
}

const ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn request<'a>(ec: &'a EncryptionContext, blob: &'a [u8]) -> DataKeyRequest<'a> {
    DataKeyRequest {
        operation: "GenerateDataKey",
        requested_key_id: "alias/app",
        answered_key_id: ARN,
        encryption_context: ec,
        encryption_algorithm: "SYMMETRIC_DEFAULT",
        data_key_len: 32,
        ciphertext_blob: blob,
    }
}

/// What the broker does: seal `key` to `r` for `req` (with AES-256-GCM, the suite in use).
fn broker_seal(r: &Receiver, req: &DataKeyRequest<'_>, key: &[u8], ikm_e: &[u8]) -> Vec<u8> {
    let (enc, ss) = encap(&r.pk, ikm_e);
    let ctx = key_schedule(&ss, INFO, AeadKind::Aes256Gcm).unwrap();
    let mut out = enc.to_vec();
    out.extend(ctx.seal(&req.aad(&r.nonce).unwrap(), key).unwrap());
    out
}

#[test]
fn a_sealed_data_key_opens_for_its_request() {
    let ec = context();
    let blob = [7u8; 40];
    let req = request(&ec, &blob);
    let r = Receiver::new(&[9u8; 64]).unwrap();
    let sealed = broker_seal(&r, &req, &[0x42; 32], &[1; 32]);
    assert_eq!(sealed.len(), ENC_LEN + 32 + TAG_LEN);
    assert_eq!(r.open(&sealed, &req).unwrap().expose_secret(), &[0x42; 32]);
}

#[test]
fn every_tampered_byte_is_refused() {
    let ec = context();
    let blob = [7u8; 40];
    let req = request(&ec, &blob);
    let entropy = [3u8; 64];
    let sealed = broker_seal(
        &Receiver::new(&entropy).unwrap(),
        &req,
        &[0x42; 32],
        &[1; 32],
    );
    for i in 0..sealed.len() {
        let mut bad = sealed.clone();
        bad[i] ^= 0x01;
        let r = Receiver::new(&entropy).unwrap();
        assert_eq!(
            r.open(&bad, &req).err().unwrap().code(),
            "INVALID_DATA_KEY",
            "byte {i}"
        );
    }
    for len in [0, 1, ENC_LEN, ENC_LEN + TAG_LEN, sealed.len() - 1] {
        let r = Receiver::new(&entropy).unwrap();
        assert_eq!(
            r.open(&sealed[..len], &req).err().unwrap().code(),
            "INVALID_DATA_KEY",
            "length {len}"
        );
    }
}

#[test]
fn an_answer_for_another_request_or_recipient_is_refused() {
    let ec = context();
    let other_ec =
        EncryptionContext::from_caller([("tenant".to_string(), "evil".to_string())]).unwrap();
    let blob = [7u8; 40];
    let other_blob = [8u8; 40];
    let req = request(&ec, &blob);
    let entropy = [5u8; 64];
    let sealed = broker_seal(
        &Receiver::new(&entropy).unwrap(),
        &req,
        &[0x42; 32],
        &[1; 32],
    );
    let variants: Vec<DataKeyRequest<'_>> = vec![
        DataKeyRequest {
            operation: "Decrypt",
            ..request(&ec, &blob)
        },
        DataKeyRequest {
            requested_key_id: "alias/other",
            ..request(&ec, &blob)
        },
        DataKeyRequest {
            answered_key_id: "arn:aws:kms:us-east-1:111122223333:key/other",
            ..request(&ec, &blob)
        },
        DataKeyRequest {
            encryption_algorithm: "RSAES_OAEP_SHA_256",
            ..request(&ec, &blob)
        },
        DataKeyRequest {
            data_key_len: 24,
            ..request(&ec, &blob)
        },
        request(&ec, &other_blob),
        request(&other_ec, &blob),
    ];
    for (i, v) in variants.iter().enumerate() {
        let r = Receiver::new(&entropy).unwrap();
        assert_eq!(
            r.open(&sealed, v).err().unwrap().code(),
            "INVALID_DATA_KEY",
            "variant {i}"
        );
    }
    // another recipient (a replay into a later request): another key pair and nonce
    let r = Receiver::new(&[6u8; 64]).unwrap();
    assert_eq!(
        r.open(&sealed, &req).err().unwrap().code(),
        "INVALID_DATA_KEY"
    );
    // the same key pair with another nonce
    let mut r = Receiver::new(&entropy).unwrap();
    r.nonce[0] ^= 1;
    assert_eq!(
        r.open(&sealed, &req).err().unwrap().code(),
        "INVALID_DATA_KEY"
    );
    // and the control: the right recipient and request open it
    assert!(Receiver::new(&entropy).unwrap().open(&sealed, &req).is_ok());
}

#[test]
fn a_key_of_the_wrong_length_is_refused_even_when_it_opens() {
    let ec = context();
    let blob = [7u8; 40];
    let req = request(&ec, &blob);
    let entropy = [4u8; 64];
    let sealed = broker_seal(
        &Receiver::new(&entropy).unwrap(),
        &req,
        &[0x42; 31],
        &[1; 32],
    );
    let r = Receiver::new(&entropy).unwrap();
    assert_eq!(
        r.open(&sealed, &req).err().unwrap().code(),
        "INVALID_DATA_KEY"
    );
}

#[test]
fn an_encapsulated_key_off_the_curve_is_refused() {
    let ec = context();
    let blob = [7u8; 40];
    let req = request(&ec, &blob);
    let entropy = [4u8; 64];
    let mut sealed = broker_seal(
        &Receiver::new(&entropy).unwrap(),
        &req,
        &[0x42; 32],
        &[1; 32],
    );
    sealed[ENC_LEN - 1] ^= 0x80; // y no longer on the curve
    assert_eq!(
        Receiver::new(&entropy)
            .unwrap()
            .open(&sealed, &req)
            .err()
            .unwrap()
            .code(),
        "INVALID_DATA_KEY"
    );
    // x = p (a coordinate out of range), then the point (0, 0), then the
    // identity's encoding padded to 65 bytes: none is a point of the curve
    let p_hex = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";
    let mut x_is_p = sealed.clone();
    x_is_p[1..33].copy_from_slice(&hex::decode(p_hex).unwrap());
    let mut zero = sealed.clone();
    zero[1..ENC_LEN].fill(0);
    let mut identity = sealed.clone();
    identity[..ENC_LEN].fill(0);
    for bad in [x_is_p, zero, identity] {
        assert_eq!(
            Receiver::new(&entropy)
                .unwrap()
                .open(&bad, &req)
                .err()
                .unwrap()
                .code(),
            "INVALID_DATA_KEY"
        );
    }
    sealed[0] = 0x02; // a compressed-point prefix in an uncompressed-length slot
    assert_eq!(
        Receiver::new(&entropy)
            .unwrap()
            .open(&sealed, &req)
            .err()
            .unwrap()
            .code(),
        "INVALID_DATA_KEY"
    );
}

#[test]
fn entropy_must_be_real() {
    assert_eq!(
        Receiver::new(&[0u8; 64]).err().unwrap().code(),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        Receiver::new(&[1u8; 32]).err().unwrap().code(),
        "INVALID_ARGUMENT"
    );
    let a = Receiver::new(&[1u8; 64]).unwrap();
    let b = Receiver::new(&[2u8; 64]).unwrap();
    assert_ne!(a.public_key(), b.public_key());
    assert_ne!(a.nonce(), b.nonce());
}

/// The AAD layout the broker (JS) reproduces: tests/js/hpke.test.js checks the same bytes.
#[test]
fn the_aad_is_the_documented_layout() {
    let v: Value = serde_json::from_str(include_str!("../testdata/hpke-aad.json")).unwrap();
    let pairs: Vec<(String, String)> = v["encryptionContext"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    let (reserved, caller): (Vec<_>, Vec<_>) = pairs
        .into_iter()
        .partition(|(k, _)| k.starts_with("aws-crypto-"));
    let mut ec = EncryptionContext::from_caller(caller).unwrap();
    for (k, v) in reserved {
        ec.insert_reserved(&k, v);
    }
    let blob = hx(&v, "ciphertextBlob");
    let req = DataKeyRequest {
        operation: v["operation"].as_str().unwrap(),
        requested_key_id: v["requestedKeyId"].as_str().unwrap(),
        answered_key_id: v["answeredKeyId"].as_str().unwrap(),
        encryption_context: &ec,
        encryption_algorithm: v["encryptionAlgorithm"].as_str().unwrap(),
        data_key_len: usize::try_from(v["dataKeyLength"].as_u64().unwrap()).unwrap(),
        ciphertext_blob: &blob,
    };
    assert_eq!(
        hex::encode(req.aad(&hx(&v, "nonce")).unwrap()),
        v["aad"].as_str().unwrap()
    );
}
