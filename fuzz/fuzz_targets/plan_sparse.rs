//! The native sparse planner (`Opener::plan_external_signature`, what a
//! native open of a whole message runs) against the core reader.
//!
//! Input: one flag byte (as in `open.rs`: bit 0 repair, bit 1 re-sign, bits
//! 2-5 and 7 limits), then the message. The target plays the native engine: it
//! decrypts each planned frame with the core's AES-GCM and verifies the
//! planned footer signature with the curve crates.
//!
//! Checks: no panic; the native open accepts exactly what the core reader
//! accepts, with the same plaintext; when the core reader refuses for
//! structure (`MALFORMED_MESSAGE`, `LIMIT_EXCEEDED`) the planner refuses with
//! the same code; the plan's frames are in order, inside the message, and
//! cover exactly the plaintext length; the planner reads only frame heads and
//! the footer (at most 24 bytes per frame plus the footer); it allocates at
//! most 16 bytes per message byte plus 256 KiB.

#![no_main]

use edge_kms::envelope::body::FrameDesc;
use edge_kms::envelope::decrypt::Opener;
use edge_kms::envelope::encryption_context::EncryptionContext;
use edge_kms::envelope::footer::ExternalSignature;
use edge_kms::envelope::gcm::{self, TAG_LEN};
use edge_kms::envelope::header::ParseLimits;
use edge_kms::envelope::suite::Signing;
use edge_kms::keyring::LocalKeyring;
use edge_kms::{Error, Result};
use edge_kms_fuzz::alloc::{measure, within_budget};
use edge_kms_fuzz::message;
use libfuzzer_sys::fuzz_target;
use signature::Verifier as _;

const NONE: EncryptionContext = EncryptionContext::new();

fn opener(msg: &[u8], limits: &ParseLimits, fixed_key: bool) -> Result<Opener> {
    let mut o = Opener::new(msg, limits, &NONE, &[9; 64])?;
    for k in [message::seed_keyring(), message::sdk_vector_keyring()] {
        let r = o.try_keyring(&k as &dyn LocalKeyring);
        if !fixed_key {
            r?;
        }
    }
    if fixed_key && !o.has_data_key() {
        o.set_data_key(message::data_key(&o.header().suite))?;
    }
    Ok(o)
}

type Plan = (Vec<FrameDesc>, usize, Option<ExternalSignature>);

/// The plan, and how many bytes the planner read.
fn plan(o: &Opener, msg: &[u8]) -> (Result<Plan>, usize) {
    let mut read = 0usize;
    let r = o.plan_external_signature(msg.len(), &mut |at, n| {
        let s = msg
            .get(at.min(msg.len())..at.saturating_add(n).min(msg.len()))
            .unwrap_or(&[]);
        read += s.len();
        Ok(s.to_vec())
    });
    (r, read)
}

/// What the native engine does with a plan: every frame tag, then the signature.
fn engine(o: &Opener, msg: &[u8], plan: &Plan) -> Result<Vec<u8>> {
    let key = o.message_key()?;
    let (frames, len, sig) = plan;
    let mut out = vec![0u8; *len];
    for f in frames {
        let (ct, tag) = msg[f.start..f.end].split_at(f.end - f.start - TAG_LEN);
        let mut b = ct.to_vec();
        gcm::open(
            key.expose_secret(),
            &f.iv,
            &f.aad(&o.header().message_id),
            &mut b,
            tag,
        )?;
        out[f.plaintext_offset..f.plaintext_offset + b.len()].copy_from_slice(&b);
    }
    if let Some(s) = sig {
        // The key as the message carries it (compressed), as WebCrypto imports
        // it; the core's own decoding of it must be the same point.
        let encoded = o.signer_key().expect("a signed plan has a key").encoded();
        let point = o.signer_public_key()?.expect("a signed suite has a point");
        let signed = &msg[..s.signed_len];
        let ok = match s.signing {
            Signing::EcdsaP256Sha256 => {
                let k = p256::ecdsa::VerifyingKey::from_sec1_bytes(encoded).expect("planned key");
                assert!(p256::ecdsa::VerifyingKey::from_sec1_bytes(&point).is_ok_and(|p| p == k));
                let sg =
                    p256::ecdsa::Signature::from_slice(&s.signature).expect("planned signature");
                k.verify(signed, &sg).is_ok()
            }
            Signing::EcdsaP384Sha384 => {
                let k = p384::ecdsa::VerifyingKey::from_sec1_bytes(encoded).expect("planned key");
                assert!(p384::ecdsa::VerifyingKey::from_sec1_bytes(&point).is_ok_and(|p| p == k));
                let sg =
                    p384::ecdsa::Signature::from_slice(&s.signature).expect("planned signature");
                k.verify(signed, &sg).is_ok()
            }
            Signing::None => panic!("a signature planned for an unsigned suite"),
        };
        if !ok {
            return Err(Error::Tampered);
        }
    }
    Ok(out)
}

/// The plan's layout: frames in order, each inside the message after the
/// header and holding its tag, their plaintext covering exactly `len`.
fn check_layout(o: &Opener, msg: &[u8], (frames, len, sig): &Plan) {
    let mut at = o.header().len;
    let mut pt = 0usize;
    for f in frames {
        assert!(f.start >= at, "frames overlap or go backwards");
        assert!(
            f.end <= msg.len() && f.end >= f.start + TAG_LEN,
            "a frame outside the message"
        );
        assert_eq!(
            f.plaintext_offset, pt,
            "plaintext offsets are not contiguous"
        );
        assert!(f.bytes.is_empty(), "a sparse plan copied frame bytes");
        pt += f.end - f.start - TAG_LEN;
        at = f.end;
    }
    assert_eq!(pt, *len, "the frames do not cover the plaintext length");
    if let Some(s) = sig {
        assert_eq!(
            s.signed_len, at,
            "the signature does not start after the last frame"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let limits = message::limits(flags);
    let mut msg = rest.to_vec();
    let repaired = flags & 1 != 0;
    if repaired {
        message::repair(&mut msg, &limits, flags & 2 != 0);
    }
    let core = opener(&msg, &limits, repaired).and_then(|o| o.open(&msg));
    let native = opener(&msg, &limits, repaired).and_then(|o| {
        let ((planned, read), peak) = measure(|| plan(&o, &msg));
        within_budget("plan_sparse", peak, msg.len(), 16, 256 << 10);
        let planned = planned?;
        let footer = planned
            .2
            .as_ref()
            .map_or(0, |s| msg.len().saturating_sub(s.signed_len));
        assert!(
            read <= 24 * (planned.0.len() + 1) + footer,
            "the planner read {read} bytes for {} frames",
            planned.0.len()
        );
        check_layout(&o, &msg, &planned);
        engine(&o, &msg, &planned)
    });
    match (&core, &native) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "native and core plaintexts differ"),
        (Ok(_), Err(e)) => panic!("the native open refused what the core opened: {}", e.code()),
        (Err(e), Ok(_)) => panic!(
            "the native open accepted what the core refused: {}",
            e.code()
        ),
        (Err(c), Err(n)) => {
            if matches!(c.code(), "MALFORMED_MESSAGE" | "LIMIT_EXCEEDED") {
                assert_eq!(c.code(), n.code(), "structure refused differently");
            }
        }
    }
});
