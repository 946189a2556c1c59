//! The one-shot opener (`Opener::new`, keyrings, `open`), as
//! `EnvelopeClient#decrypt` drives it through the wasm engine.
//!
//! Input: one flag byte, then the message. Flags: bit 0 repairs the message
//! first (`message::repair`) and checks the reader against the repair's
//! verdict; bit 1 re-signs the footer; bits 2-5 and 7 choose the reader's limits
//! (`message::limits`); bit 6 requires a context pair the seeds carry.
//!
//! Checks: no panic; at most 8 bytes allocated per message byte plus 256 KiB;
//! a repaired message opens exactly when the verdict says so, to exactly the
//! verdict's plaintext; whatever opens also passes `inspect` with its length.

#![no_main]

use edge_kms::envelope::decrypt::Opener;
use edge_kms::envelope::encryption_context::EncryptionContext;
use edge_kms::envelope::header::ParseLimits;
use edge_kms::envelope::inspect::inspect;
use edge_kms::keyring::LocalKeyring;
use edge_kms_fuzz::alloc::{measure, within_budget};
use edge_kms_fuzz::message::{self, Expect};
use libfuzzer_sys::fuzz_target;

/// The opener as the client drives it: both keyrings, then (for repaired
/// messages, whose encrypted data keys may no longer unwrap) the fixed data
/// key, as a KMS answer would give it.
fn open(
    msg: &[u8],
    limits: &ParseLimits,
    required: &EncryptionContext,
    fixed_key: bool,
) -> edge_kms::Result<Vec<u8>> {
    let mut o = Opener::new(msg, limits, required, &[9; 64])?;
    let keyrings = [message::seed_keyring(), message::sdk_vector_keyring()];
    for k in &keyrings {
        let r = o.try_keyring(k as &dyn LocalKeyring);
        if !fixed_key {
            r?;
        }
    }
    if fixed_key && !o.has_data_key() {
        o.set_data_key(message::data_key(&o.header().suite))?;
    }
    o.open(msg)
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let limits = message::limits(flags);
    let required = if flags & 0x40 != 0 {
        EncryptionContext::from_caller([("tenant".to_owned(), "acme".to_owned())]).expect("context")
    } else {
        EncryptionContext::new()
    };
    let mut msg = rest.to_vec();
    let repaired = flags & 1 != 0;
    let expect = repaired.then(|| message::repair(&mut msg, &limits, flags & 2 != 0));

    let (result, peak) = measure(|| open(&msg, &limits, &required, repaired));
    within_budget("open", peak, msg.len(), 8, 256 << 10);

    if let Some(expect) = expect {
        let needs_pair = required.iter().next().is_some();
        match (&expect, &result) {
            (Expect::Opens(want), Ok(got)) => assert_eq!(got, want, "wrong plaintext"),
            // The verdict does not look at the required pair; the reader must refuse without it.
            (Expect::Opens(_), Err(e))
                if needs_pair && e.code() == "ENCRYPTION_CONTEXT_MISMATCH" => {}
            (Expect::Opens(_), Err(e)) => panic!("a valid message was refused: {}", e.code()),
            (Expect::Refused(why), Ok(_)) => panic!("opened a message that must be refused: {why}"),
            (Expect::Refused(_), Err(_)) => {}
        }
    }
    if result.is_ok() {
        let info = inspect(&msg).expect("an opened message must inspect");
        assert_eq!(info.len, msg.len(), "inspect disagrees on the length");
    }
    if let Err(e) = &result {
        assert!(!e.code().is_empty());
    }
});
