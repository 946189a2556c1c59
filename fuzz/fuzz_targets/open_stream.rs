//! The streaming opener under random chunking, against the one-shot opener.
//!
//! Input: one flag byte (as in `open.rs`: bit 0 repair, bit 1 re-sign, bits
//! 2-5 and 7 limits), four bytes seeding the chunk sizes, then the message. Three
//! readers open it:
//! - one-shot: `Opener::new` + `open`;
//! - the core stream: `Opener::from_prefix` on a growing prefix until the
//!   header is whole, then `BodyReader::update` per chunk and `finish`;
//! - the native stream: `plan_stream` + `plan_update` per chunk, with each
//!   described frame's tag checked here as WebCrypto would, then `finish`.
//!
//! Checks: no panic; the core stream returns the same plaintext as one-shot
//! or fails with the same error code; the native stream accepts exactly what
//! one-shot accepts, with the same plaintext (its error code may differ: it
//! checks a chunk's structure before the engine checks that chunk's tags);
//! the core stream holds at most 8 bytes per message byte plus 256 KiB.

#![no_main]

use edge_kms::envelope::decrypt::Opener;
use edge_kms::envelope::encryption_context::EncryptionContext;
use edge_kms::envelope::gcm::{self, TAG_LEN};
use edge_kms::envelope::header::ParseLimits;
use edge_kms::keyring::LocalKeyring;
use edge_kms::{Error, Result};
use edge_kms_fuzz::alloc::{measure, within_budget};
use edge_kms_fuzz::input::{Input, Rng};
use edge_kms_fuzz::message;
use libfuzzer_sys::fuzz_target;

const NONE: EncryptionContext = EncryptionContext::new();

fn keyed(o: &mut Opener, fixed_key: bool) -> Result<()> {
    for k in [message::seed_keyring(), message::sdk_vector_keyring()] {
        let r = o.try_keyring(&k as &dyn LocalKeyring);
        if !fixed_key {
            r?;
        }
    }
    if fixed_key && !o.has_data_key() {
        o.set_data_key(message::data_key(&o.header().suite))?;
    }
    Ok(())
}

fn one_shot(msg: &[u8], limits: &ParseLimits, fixed_key: bool) -> Result<Vec<u8>> {
    let mut o = Opener::new(msg, limits, &NONE, &[9; 64])?;
    keyed(&mut o, fixed_key)?;
    o.open(msg)
}

/// Splits `msg` into chunks whose sizes come from `seed`: mostly small,
/// sometimes large, sometimes one byte at a time.
fn chunks(msg: &[u8], seed: u32) -> Vec<&[u8]> {
    let mut rng = Rng::new(u64::from(seed));
    let max = [1, 3, 17, 64, 1000, msg.len().max(1)][usize::try_from(seed % 6).unwrap_or(0)];
    let mut out = Vec::new();
    let mut rest = msg;
    while !rest.is_empty() {
        let n = rng.between_1_and(max).min(rest.len());
        let (a, b) = rest.split_at(n);
        out.push(a);
        rest = b;
    }
    out
}

/// Feeds chunks to `from_prefix` until the header is whole; returns the
/// opener and the body bytes already received.
fn header<'a>(
    parts: &mut impl Iterator<Item = &'a [u8]>,
    limits: &ParseLimits,
) -> Result<(Opener, Vec<u8>)> {
    let mut prefix = Vec::new();
    loop {
        if let Some((o, len)) = Opener::from_prefix(&prefix, limits, &NONE, &[9; 64])? {
            let body = prefix.split_off(len);
            return Ok((o, body));
        }
        match parts.next() {
            Some(c) => prefix.extend_from_slice(c),
            // What the JS stream says when the input ends inside the header.
            None => return Err(Error::MalformedMessage("the message is truncated")),
        }
    }
}

fn core_stream(parts: &[&[u8]], limits: &ParseLimits, fixed_key: bool) -> Result<Vec<u8>> {
    let mut it = parts.iter().copied();
    let (mut o, first) = header(&mut it, limits)?;
    keyed(&mut o, fixed_key)?;
    let mut r = o.start()?;
    let mut out = r.update(&first)?;
    for c in it {
        out.extend(r.update(c)?);
    }
    r.finish()?;
    Ok(out)
}

fn native_stream(parts: &[&[u8]], limits: &ParseLimits, fixed_key: bool) -> Result<Vec<u8>> {
    let mut it = parts.iter().copied();
    let (mut o, first) = header(&mut it, limits)?;
    keyed(&mut o, fixed_key)?;
    let message_id = o.header().message_id.clone();
    let mut r = o.start()?.plan_stream();
    let key = r.native_key().expose_secret().to_vec();
    let mut out = Vec::new();
    for c in std::iter::once(&first[..]).chain(it) {
        for d in r.plan_update(c)? {
            let (ct, tag) = d
                .bytes
                .split_at_checked(
                    d.bytes
                        .len()
                        .checked_sub(TAG_LEN)
                        .expect("a frame holds its tag"),
                )
                .expect("split");
            let mut b = ct.to_vec();
            gcm::open(&key, &d.iv, &d.aad(&message_id), &mut b, tag)?;
            assert_eq!(d.plaintext_offset, out.len(), "frames out of order");
            out.extend(b);
        }
    }
    r.finish()?;
    Ok(out)
}

fn code<T>(r: &Result<T>) -> &'static str {
    r.as_ref().err().map_or("ok", Error::code)
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let flags = input.byte();
    let seed = input.u32();
    let mut msg = input.rest().to_vec();
    let limits = message::limits(flags);
    let repaired = flags & 1 != 0;
    if repaired {
        message::repair(&mut msg, &limits, flags & 2 != 0);
    }
    let parts = chunks(&msg, seed);

    let one = one_shot(&msg, &limits, repaired);
    let (core, peak) = measure(|| core_stream(&parts, &limits, repaired));
    within_budget("open_stream", peak, msg.len(), 8, 256 << 10);
    let native = native_stream(&parts, &limits, repaired);

    match (&one, &core) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "stream and one-shot plaintexts differ"),
        _ => assert_eq!(code(&one), code(&core), "stream and one-shot disagree"),
    }
    match (&one, &native) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "native stream and one-shot plaintexts differ"),
        (Ok(_), Err(e)) => panic!("native stream refused what one-shot opened: {}", e.code()),
        (Err(e), Ok(_)) => panic!("native stream opened what one-shot refused: {}", e.code()),
        (Err(_), Err(_)) => {}
    }
});
