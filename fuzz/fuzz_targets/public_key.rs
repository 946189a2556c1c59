//! Public-key parsing: DER SPKI, base64 and PEM text (`PublicKey::parse`),
//! and the RSA key parser of the RSA keyrings (`rsa_key::public_key`).
//!
//! Input: the key bytes, as a caller would pass them.
//!
//! Checks: no panic; errors are `MALFORMED_PUBLIC_KEY`; a parsed key's own
//! (canonical) SPKI parses to the same key spec and SPKI; DER, its base64
//! and its PEM parse alike (same key or same error); text that decodes to
//! DER parses like that DER; an RSA keyring key has at least 2048 bits, and
//! `KmsRsaPublicKeyring` accepts exactly the keys the RSA parser accepts;
//! the `verify` module's own point validation (`verify::point`, no curve
//! crates) accepts exactly the SEC 1 points and Ed25519 keys the curve
//! crates accept, with the same uncompressed point (the input read as a
//! curve selector and a point); at most 16 bytes allocated per input byte
//! plus 1 MiB.

#![no_main]

use base64ct::{Base64, Encoding as _};
use edge_kms::keyring::kms_rsa::KmsRsaPublicKeyring;
use edge_kms::keyring::rsa_key::{self, MIN_BITS};
use edge_kms::verify::key_input::decode_key_input;
use edge_kms::verify::point::{ec_point, ed25519_decompresses};
use edge_kms::verify::{KeySpec, MessageType, PublicKey};
use edge_kms_fuzz::ALGORITHMS;
use edge_kms_fuzz::alloc::{measure, within_budget};
use libfuzzer_sys::fuzz_target;
use rsa::traits::PublicKeyParts as _;

/// Longest text `decode_key_input` reads.
const MAX_TEXT: usize = 16 * 1024;

fn outcome(r: &edge_kms::Result<PublicKey>) -> Result<(String, Vec<u8>), &'static str> {
    match r {
        Ok(k) => Ok((k.key_spec().as_str().to_owned(), k.spki_der().to_vec())),
        Err(e) => Err(e.code()),
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

/// The uncompressed point the curve crate decodes from `point`, if any.
fn crates_point(spec: KeySpec, point: &[u8]) -> Option<Vec<u8>> {
    macro_rules! c {
        ($c:ident) => {{
            $c::ecdsa::VerifyingKey::from_sec1_bytes(point)
                .ok()
                .map(|k| k.to_sec1_point(false).as_bytes().to_vec())
        }};
    }
    match spec {
        KeySpec::EccNistP256 => c!(p256),
        KeySpec::EccNistP384 => c!(p384),
        KeySpec::EccNistP521 => c!(p521),
        _ => c!(k256),
    }
}

fuzz_target!(|data: &[u8]| {
    if let Some((&sel, point)) = data.split_first() {
        let spec = [
            KeySpec::EccNistP256,
            KeySpec::EccNistP384,
            KeySpec::EccNistP521,
            KeySpec::EccSecgP256k1,
        ][usize::from(sel) % 4];
        assert_eq!(
            ec_point(spec, point).ok(),
            crates_point(spec, point),
            "point validation disagrees with the curve crate"
        );
        if let Ok(b) = <[u8; 32]>::try_from(point) {
            assert_eq!(
                ed25519_decompresses(&b),
                ed25519_dalek::VerifyingKey::from_bytes(&b).is_ok(),
                "Ed25519 decoding disagrees with ed25519-dalek"
            );
        }
    }
    let (parsed, peak) = measure(|| PublicKey::parse(data));
    within_budget("public_key", peak, data.len(), 16, 1 << 20);
    match &parsed {
        Ok(k) => {
            let again = PublicKey::parse(k.spki_der()).expect("a key's own SPKI parses");
            assert_eq!(again.key_spec(), k.key_spec());
            assert_eq!(
                again.spki_der(),
                k.spki_der(),
                "the canonical SPKI is not a fixed point"
            );
            for alg in ALGORITHMS {
                for mt in [
                    MessageType::Raw,
                    MessageType::Digest,
                    MessageType::ExternalMu,
                ] {
                    if k.native_capable(alg, mt) {
                        assert!(mt == MessageType::Raw && alg.fits(k.key_spec()));
                    }
                }
            }
        }
        Err(e) => assert_eq!(e.code(), "MALFORMED_PUBLIC_KEY"),
    }
    let want = outcome(&parsed);
    if data.first() == Some(&0x30) {
        let b64 = Base64::encode_string(data);
        if b64.len() <= MAX_TEXT {
            assert_eq!(
                outcome(&PublicKey::parse(b64.as_bytes())),
                want,
                "base64 parses differently"
            );
        }
        let p = pem(data);
        if p.len() <= MAX_TEXT {
            assert_eq!(
                outcome(&PublicKey::parse(p.as_bytes())),
                want,
                "PEM parses differently"
            );
        }
    } else if let Ok(der) = decode_key_input(data) {
        if der.first() == Some(&0x30) {
            assert_eq!(
                outcome(&PublicKey::parse(&der)),
                want,
                "text and its DER parse differently"
            );
        } else {
            assert!(parsed.is_err(), "text that is not DER parsed");
        }
    }

    let rsa = rsa_key::public_key(data);
    if let Ok(k) = &rsa {
        assert!(
            k.n().bit_width_vartime() as usize >= MIN_BITS,
            "an RSA keyring accepted a {}-bit modulus",
            k.n().bit_width_vartime()
        );
    }
    let arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let kms = KmsRsaPublicKeyring::new(arn.into(), data);
    assert_eq!(
        kms.as_ref().err().map(|e| e.code()),
        rsa.as_ref().err().map(|e| e.code()),
        "the KMS RSA keyring and the RSA parser disagree"
    );
});
