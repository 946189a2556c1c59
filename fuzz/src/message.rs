//! Messages for the envelope targets: the fixed data key and keyrings,
//! [`repair`] (with its verdict, an independent reading of the body and
//! footer format) and [`build`], the seed writer.
//!
//! Random mutation of an authenticated format stops at the first tag: a
//! flipped byte in the header fails the commitment or the header tag, and
//! the fuzzer never sees a frame parser. `repair` re-derives the commitment
//! and re-seals the header and every complete frame under a fixed data key
//! (the bytes where the ciphertext was become the plaintext), and with
//! `resign` signs the footer again with the fixed signer. The reader then
//! gets a message that is authentic wherever its structure allows, and
//! [`Expect`] says what a correct reader must do with it.

use base64ct::{Base64, Encoding as _};
use edge_kms::envelope::encryption_context::{EncryptionContext, PUBLIC_KEY_FIELD};
use edge_kms::envelope::frame::{
    FINAL_FRAME, FINAL_MARKER, FRAME, MAX_NON_FRAMED_LEN, SINGLE_BLOCK, body_aad, frame_iv,
};
use edge_kms::envelope::gcm::{self, IV_LEN, TAG_LEN};
use edge_kms::envelope::header::{ContentType, EncryptedDataKey, Header, ParseLimits};
use edge_kms::envelope::kdf;
use edge_kms::envelope::rng::Drbg;
use edge_kms::envelope::secret::Secret;
use edge_kms::envelope::suite::{AlgorithmSuite, Signing};
use edge_kms::keyring::LocalKeyring;
use edge_kms::keyring::raw_aes::RawAesKeyring;
use edge_kms::verify::ecdsa_der::der_to_raw;

use crate::keys;

/// The data key of every seed message (its first `data_key_len` bytes).
pub const DATA_KEY: [u8; 32] = [0x42; 32];

/// The data key for `suite`.
pub fn data_key(suite: &AlgorithmSuite) -> Secret {
    Secret::copy_from(&DATA_KEY[..suite.data_key_len()])
}

/// The raw AES keyring that wraps [`DATA_KEY`] in the seeds (namespace `fuzz`, name `aes`).
pub fn seed_keyring() -> RawAesKeyring {
    RawAesKeyring::new("fuzz".into(), "aes".into(), Secret::new(vec![0x01; 32])).expect("keyring")
}

/// The keyring of the reference SDK's vectors (`src/envelope/testdata/sdk_vectors.json`).
pub fn sdk_vector_keyring() -> RawAesKeyring {
    RawAesKeyring::new(
        "vectors".into(),
        "aes-256".into(),
        Secret::new((0u8..32).collect()),
    )
    .expect("keyring")
}

/// A parser that reads everything the format can say, so `repair` sees any header.
pub const LENIENT: ParseLimits = ParseLimits {
    max_encrypted_data_keys: 65535,
    allow_non_committing: true,
    max_body_size: usize::MAX,
    max_header_size: usize::MAX,
    ..ParseLimits::DEFAULT
};

/// The reader limits a target's flag bits choose (bits 2 to 5 and 7 of
/// `flags`): bit 2 allows non-committing suites, bits 3-4 pick
/// `max_body_size` (64 MiB, 4096, 64, 1), bit 5 allows one encrypted data key
/// instead of ten, bit 7 requires a signed suite (`requireSignature`).
pub fn limits(flags: u8) -> ParseLimits {
    ParseLimits {
        require_signed: flags & 0x80 != 0,
        max_encrypted_data_keys: if flags & 0x20 != 0 { 1 } else { 10 },
        allow_non_committing: flags & 0x04 != 0,
        max_body_size: [ParseLimits::DEFAULT.max_body_size, 4096, 64, 1]
            [usize::from((flags >> 3) & 3)],
        ..ParseLimits::DEFAULT
    }
}

/// What a correct reader must do with a repaired message.
#[derive(Debug, PartialEq, Eq)]
pub enum Expect {
    /// Open it and return exactly this plaintext.
    Opens(Vec<u8>),
    /// Refuse it (why, for the crash report).
    Refused(&'static str),
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes(s.try_into().ok()?))
}

fn be64(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at.checked_add(8)?)?;
    Some(u64::from_be_bytes(s.try_into().ok()?))
}

/// Seals `msg[ct_at..ct_at + len]` in place (those bytes are the plaintext)
/// and writes the tag after it; returns the plaintext.
fn seal_in_place(
    msg: &mut [u8],
    key: &[u8],
    iv_at: usize,
    ct_at: usize,
    len: usize,
    aad: &[u8],
) -> Vec<u8> {
    let iv: [u8; IV_LEN] = msg[iv_at..iv_at + IV_LEN].try_into().expect("iv");
    let plain = msg[ct_at..ct_at + len].to_vec();
    let tag = gcm::seal(key, &iv, aad, &mut msg[ct_at..ct_at + len]).expect("seal");
    msg[ct_at + len..ct_at + len + TAG_LEN].copy_from_slice(&tag);
    plain
}

/// The end of a complete footer at `at` (u16 length, then that many bytes).
fn footer_end(msg: &[u8], at: usize) -> Option<usize> {
    let n = u16::from_be_bytes(msg.get(at..at + 2)?.try_into().ok()?);
    let end = at + 2 + usize::from(n);
    (end <= msg.len()).then_some(end)
}

/// A footer signed by the fixed signer of `signing` over `signed`.
pub fn footer(signing: Signing, signed: &[u8]) -> Vec<u8> {
    use signature::Signer as _;
    let der: Vec<u8> = match signing {
        Signing::None => return Vec::new(),
        Signing::EcdsaP256Sha256 => {
            let s: p256::ecdsa::DerSignature = keys::p256().sign(signed);
            s.as_bytes().to_vec()
        }
        Signing::EcdsaP384Sha384 => {
            let s: p384::ecdsa::DerSignature = keys::p384().sign(signed);
            s.as_bytes().to_vec()
        }
    };
    let mut out = u16::try_from(der.len())
        .expect("short")
        .to_be_bytes()
        .to_vec();
    out.extend_from_slice(&der);
    out
}

/// `aws-crypto-public-key` of the fixed signer of `signing` (base64 of the compressed point).
pub fn public_key_b64(signing: Signing) -> String {
    let point = match signing {
        Signing::None => return String::new(),
        Signing::EcdsaP256Sha256 => keys::p256()
            .verifying_key()
            .to_sec1_point(true)
            .as_bytes()
            .to_vec(),
        Signing::EcdsaP384Sha384 => keys::p384()
            .verifying_key()
            .to_sec1_point(true)
            .as_bytes()
            .to_vec(),
    };
    Base64::encode_string(&point)
}

/// The footer check, done independently of the reader: the key from the
/// context, strict DER, the curve's hash over header and body.
fn signature_valid(
    signing: Signing,
    context: &EncryptionContext,
    signed: &[u8],
    der: &[u8],
) -> bool {
    use signature::Verifier as _;
    let Some(point) = context
        .get(PUBLIC_KEY_FIELD)
        .and_then(|b| Base64::decode_vec(b).ok())
    else {
        return false;
    };
    match signing {
        Signing::None => false,
        Signing::EcdsaP256Sha256 => {
            let (Ok(k), Some(raw)) = (
                p256::ecdsa::VerifyingKey::from_sec1_bytes(&point),
                der_to_raw(der, 32),
            ) else {
                return false;
            };
            p256::ecdsa::Signature::from_slice(&raw).is_ok_and(|s| k.verify(signed, &s).is_ok())
        }
        Signing::EcdsaP384Sha384 => {
            let (Ok(k), Some(raw)) = (
                p384::ecdsa::VerifyingKey::from_sec1_bytes(&point),
                der_to_raw(der, 48),
            ) else {
                return false;
            };
            p384::ecdsa::Signature::from_slice(&raw).is_ok_and(|s| k.verify(signed, &s).is_ok())
        }
    }
}

/// Makes `msg` authentic under [`DATA_KEY`] wherever its structure allows,
/// and says what a reader with `limits` must do with the result.
///
/// The verdict follows `data-format/message-body.md`, `message-footer.md`
/// and `client-apis/decrypt.md`, read here without the crate's reader:
/// frames in sequence from 1, regular frames exactly the frame length, a
/// final frame no longer than it, a non-framed body within the format's and
/// the reader's limits, a footer signature that verifies with the context's
/// `aws-crypto-public-key`, nothing after the end; and an unsigned message
/// must not carry `aws-crypto-public-key` (`framework/cmm-interface.md`),
/// nor be read at all when the limits require a signature.
/// The header itself is judged by `Header::parse` under `limits`.
pub fn repair(msg: &mut Vec<u8>, limits: &ParseLimits, resign: bool) -> Expect {
    let Ok(h) = Header::parse(msg, &LENIENT) else {
        return Expect::Refused("the header does not parse");
    };
    let keys = kdf::derive(&h.suite, &data_key(&h.suite), &h.message_id).expect("kdf");
    let key = keys.encryption_key.expose_secret().to_vec();
    let auth_end = h.authenticated.len();
    if let Some(c) = &keys.commitment {
        msg[auth_end - c.len()..auth_end].copy_from_slice(c);
    }
    let tag = gcm::seal(&key, &h.auth_iv, &msg[..auth_end], &mut []).expect("header tag");
    msg[h.len - TAG_LEN..h.len].copy_from_slice(&tag);

    let mut refused = None;
    if Header::parse(msg, limits).is_err() {
        refused = Some("the header is refused under the reader's limits");
    }
    if !h.suite.is_signed() && h.encryption_context.get(PUBLIC_KEY_FIELD).is_some() {
        refused.get_or_insert("an unsigned message with aws-crypto-public-key");
    }
    if !h.suite.is_signed() && limits.require_signed {
        refused.get_or_insert("an unsigned message where a signature is required");
    }

    let mut plaintext = Vec::new();
    let mut pos = h.len;
    match h.content_type {
        ContentType::NonFramed => {
            let Some(len) = be64(msg, pos + IV_LEN) else {
                return Expect::Refused("a truncated non-framed body");
            };
            if len > MAX_NON_FRAMED_LEN {
                return Expect::Refused("a non-framed body longer than the format allows");
            }
            if usize::try_from(len).map_or(true, |n| n > limits.max_body_size) {
                refused.get_or_insert("a non-framed body above max_body_size");
            }
            let ct_at = pos + IV_LEN + 8;
            let Some(end) = usize::try_from(len)
                .ok()
                .and_then(|n| ct_at.checked_add(n)?.checked_add(TAG_LEN))
                .filter(|&e| e <= msg.len())
            else {
                return Expect::Refused("a truncated non-framed body");
            };
            let n = end - TAG_LEN - ct_at;
            let aad = body_aad(&h.message_id, SINGLE_BLOCK, 1, n as u64);
            plaintext = seal_in_place(msg, &key, pos, ct_at, n, &aad);
            pos = end;
        }
        ContentType::Framed => {
            let frame_len = h.frame_length as usize;
            let mut sequence = 1u32;
            loop {
                let Some(first) = be32(msg, pos) else {
                    return Expect::Refused("a truncated frame");
                };
                let last = first == FINAL_MARKER;
                let (seq_at, iv_at, ct_at, len) = if last {
                    let Some(len) = be32(msg, pos + 8 + IV_LEN) else {
                        return Expect::Refused("a truncated final frame");
                    };
                    if len as usize > frame_len {
                        return Expect::Refused("a final frame longer than the frame length");
                    }
                    (pos + 4, pos + 8, pos + 8 + IV_LEN + 4, len as usize)
                } else {
                    (pos, pos + 4, pos + 4 + IV_LEN, frame_len)
                };
                let Some(end) = ct_at
                    .checked_add(len)
                    .and_then(|e| e.checked_add(TAG_LEN))
                    .filter(|&e| e <= msg.len())
                else {
                    return Expect::Refused("a truncated frame");
                };
                if be32(msg, seq_at) != Some(sequence) {
                    return Expect::Refused("a frame out of sequence");
                }
                let content = if last { FINAL_FRAME } else { FRAME };
                let aad = body_aad(&h.message_id, content, sequence, len as u64);
                plaintext.extend(seal_in_place(msg, &key, iv_at, ct_at, len, &aad));
                pos = end;
                if last {
                    break;
                }
                sequence += 1;
                if sequence == FINAL_MARKER {
                    return Expect::Refused("too many frames");
                }
            }
        }
    }

    if h.suite.is_signed() {
        if resign {
            let tail = footer_end(msg, pos).map(|e| msg[e..].to_vec());
            let f = footer(h.suite.signing, &msg[..pos]);
            msg.truncate(pos);
            msg.extend_from_slice(&f);
            msg.extend_from_slice(&tail.unwrap_or_default());
        }
        let Some(end) = footer_end(msg, pos) else {
            return Expect::Refused("no complete footer");
        };
        if !signature_valid(
            h.suite.signing,
            &h.encryption_context,
            &msg[..pos],
            &msg[pos + 2..end],
        ) {
            refused.get_or_insert("the footer signature does not verify");
        }
        pos = end;
    }
    if pos != msg.len() {
        refused.get_or_insert("bytes after the end of the message");
    }
    match refused {
        Some(why) => Expect::Refused(why),
        None => Expect::Opens(plaintext),
    }
}

/// How a seed message is laid out; [`build`] writes it and [`repair`] makes it authentic.
pub struct Build<'a> {
    /// Any suite, version 1 or 2.
    pub suite: AlgorithmSuite,
    /// Pairs in the order written (the canonical order sorts them).
    pub context: Vec<(String, String)>,
    /// Framed or not.
    pub framed: bool,
    /// Frame length (ignored for non-framed bodies).
    pub frame_length: u32,
    /// The plaintext.
    pub plaintext: &'a [u8],
    /// Extra encrypted data keys after the seed keyring's.
    pub extra_edks: Vec<EncryptedDataKey>,
    /// Fills the message id.
    pub id_byte: u8,
}

fn put16(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&u16::try_from(b.len()).expect("short").to_be_bytes());
    out.extend_from_slice(b);
}

/// Writes the message `b` describes, authentic and signed by the fixed keys,
/// with [`repair`]'s verdict on it. Signed suites get the fixed signer's
/// `aws-crypto-public-key`; the seed keyring wraps [`DATA_KEY`] over the
/// context as written.
pub fn build(b: &Build<'_>) -> (Vec<u8>, Expect) {
    let suite = &b.suite;
    let mut pairs = b.context.clone();
    if suite.is_signed() {
        pairs.push((PUBLIC_KEY_FIELD.into(), public_key_b64(suite.signing)));
        pairs.sort();
    }
    let mut ec = Vec::new();
    if !pairs.is_empty() {
        ec.extend_from_slice(&u16::try_from(pairs.len()).expect("short").to_be_bytes());
        for (k, v) in &pairs {
            put16(&mut ec, k.as_bytes());
            put16(&mut ec, v.as_bytes());
        }
    }
    let mut rng = Drbg::new(&[b.id_byte; 64]).expect("drbg");
    let mut edks = vec![
        seed_keyring()
            .wrap(&data_key(suite), &ec, &mut rng)
            .expect("wrap"),
    ];
    edks.extend(b.extra_edks.iter().cloned());

    let v1 = suite.message_version == 1;
    let mut m = if v1 { vec![1, 0x80] } else { vec![2] };
    m.extend_from_slice(&suite.id.to_be_bytes());
    m.extend(std::iter::repeat_n(b.id_byte, suite.message_id_len()));
    put16(&mut m, &ec);
    m.extend_from_slice(&u16::try_from(edks.len()).expect("short").to_be_bytes());
    for e in &edks {
        put16(&mut m, e.provider_id.as_bytes());
        put16(&mut m, &e.provider_info);
        put16(&mut m, &e.ciphertext);
    }
    m.push(if b.framed { 2 } else { 1 });
    let frame_length = if b.framed { b.frame_length } else { 0 };
    if v1 {
        m.extend_from_slice(&[0, 0, 0, 0, IV_LEN as u8]);
        m.extend_from_slice(&frame_length.to_be_bytes());
        m.extend_from_slice(&[0; IV_LEN]);
    } else {
        m.extend_from_slice(&frame_length.to_be_bytes());
        m.extend_from_slice(&[0; 32]);
    }
    m.extend_from_slice(&[0; TAG_LEN]);

    let pt = b.plaintext;
    if b.framed {
        let n = frame_length as usize;
        let regular = pt.len().saturating_sub(1) / n;
        let mut seq = 1u32;
        for chunk in pt.chunks(n).take(regular) {
            m.extend_from_slice(&seq.to_be_bytes());
            m.extend_from_slice(&frame_iv(seq));
            m.extend_from_slice(chunk);
            m.extend_from_slice(&[0; TAG_LEN]);
            seq += 1;
        }
        let last = &pt[regular * n..];
        m.extend_from_slice(&FINAL_MARKER.to_be_bytes());
        m.extend_from_slice(&seq.to_be_bytes());
        m.extend_from_slice(&frame_iv(seq));
        m.extend_from_slice(&u32::try_from(last.len()).expect("short").to_be_bytes());
        m.extend_from_slice(last);
        m.extend_from_slice(&[0; TAG_LEN]);
    } else {
        m.extend_from_slice(&frame_iv(1));
        m.extend_from_slice(&(pt.len() as u64).to_be_bytes());
        m.extend_from_slice(pt);
        m.extend_from_slice(&[0; TAG_LEN]);
    }
    let expect = repair(&mut m, &LENIENT, true);
    (m, expect)
}
