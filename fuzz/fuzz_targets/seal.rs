//! The writer's four paths, which must write the same bytes: one-shot
//! `Sealer::seal`; streaming `start` + `BodyWriter::update` per chunk +
//! `finish`; the native plan (`Sealer::plan`, frames sealed here as WebCrypto
//! would, `SealPlan::assemble`); and the native stream (`plan_frames` +
//! `absorb` per chunk). What they write must open to the plaintext.
//!
//! Input: `[suite bit][u16 frame length][u32 chunking seed][entropy byte]`,
//! then the plaintext.
//!
//! Checks: no panic; the four messages are byte-identical (or the four
//! paths fail with the same code); the one-shot reader opens it to the
//! plaintext; sealing allocates at most 4 bytes per byte of plaintext and
//! message plus 256 KiB.

#![no_main]

use edge_kms::Result;
use edge_kms::envelope::decrypt::Opener;
use edge_kms::envelope::encrypt::Sealer;
use edge_kms::envelope::encryption_context::EncryptionContext;
use edge_kms::envelope::gcm;
use edge_kms::envelope::header::ParseLimits;
use edge_kms::envelope::suite;
use edge_kms_fuzz::alloc::{measure, within_budget};
use edge_kms_fuzz::input::{Input, Rng};
use edge_kms_fuzz::message;
use libfuzzer_sys::fuzz_target;

fn chunks(pt: &[u8], seed: u32) -> Vec<&[u8]> {
    let mut rng = Rng::new(u64::from(seed));
    let max = [1, 7, 64, 1000, pt.len().max(1)][usize::try_from(seed % 5).unwrap_or(0)];
    let mut out = Vec::new();
    let mut rest = pt;
    while !rest.is_empty() {
        let (a, b) = rest.split_at(rng.between_1_and(max).min(rest.len()));
        out.push(a);
        rest = b;
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let mut i = Input::new(data);
    let s = if i.byte() & 1 == 0 {
        suite::ALL[9]
    } else {
        suite::ALL[10]
    };
    let frame = u32::from(i.u16());
    let seed = i.u32();
    let entropy = [i.byte() | 1; 64];
    let pt = i.rest();
    let make = || -> Result<Sealer> {
        let ctx = EncryptionContext::from_caller([("tenant".to_owned(), "acme".to_owned())])?;
        let mut sealer = Sealer::new(s, frame, ctx, &entropy)?;
        sealer.wrap_with(&message::seed_keyring())?;
        Ok(sealer)
    };
    let parts = chunks(pt, seed);

    // Bounded by what goes in and what comes out: with one-byte frames the
    // message is 33 times the plaintext.
    let (one, peak) = measure(|| make()?.seal(pt));
    let out_len = one.as_ref().map_or(0, Vec::len);
    within_budget("seal", peak, pt.len() + out_len, 4, 256 << 10);

    let streamed = (|| -> Result<Vec<u8>> {
        let (mut out, mut w) = make()?.start()?;
        for c in &parts {
            out.extend(w.update(c)?);
        }
        out.extend(w.finish()?);
        Ok(out)
    })();

    let planned = (|| -> Result<Vec<u8>> {
        let (key, plan) = make()?.plan(pt.len())?;
        let mut sealed = Vec::new();
        for f in plan.frames() {
            let mut b = pt[f.plaintext_start..f.plaintext_start + f.plaintext_len].to_vec();
            let tag = gcm::seal(key.expose_secret(), &f.iv, &f.aad, &mut b)?;
            sealed.extend(b);
            sealed.extend(tag);
        }
        plan.assemble(&sealed)
    })();

    let native_stream = (|| -> Result<Vec<u8>> {
        let (mut out, mut w) = make()?.start()?;
        let key = w.native_key().expose_secret().to_vec();
        let mut pending: Vec<u8> = Vec::new();
        let n = parts.len();
        for (k, c) in parts
            .iter()
            .map(Some)
            .chain(std::iter::once(None))
            .enumerate()
        {
            if let Some(c) = c {
                pending.extend_from_slice(c);
            }
            let last = k == n;
            let plans = w.plan_frames(pending.len(), last)?;
            let mut sealed = Vec::new();
            let mut used = 0;
            for f in &plans {
                let mut b =
                    pending[f.plaintext_start..f.plaintext_start + f.plaintext_len].to_vec();
                sealed.extend(
                    gcm::seal(&key, &f.iv, &f.aad, &mut b).map(|tag| [b, tag.to_vec()].concat())?,
                );
                used = f.plaintext_start + f.plaintext_len;
            }
            pending.drain(..used);
            out.extend(w.absorb(&sealed)?);
        }
        Ok(out)
    })();

    let code = |r: &Result<Vec<u8>>| r.as_ref().err().map(|e| e.code());
    match &one {
        Ok(m) => {
            assert_eq!(
                streamed.as_ref().ok(),
                Some(m),
                "streaming writes other bytes"
            );
            assert_eq!(
                planned.as_ref().ok(),
                Some(m),
                "the native plan writes other bytes"
            );
            assert_eq!(
                native_stream.as_ref().ok(),
                Some(m),
                "the native stream writes other bytes"
            );
            let mut o = Opener::new(
                m,
                &ParseLimits::DEFAULT,
                &EncryptionContext::new(),
                &[9; 64],
            )
            .expect("our own message parses");
            assert!(o.try_keyring(&message::seed_keyring()).expect("keyring"));
            assert_eq!(o.open(m).expect("our own message opens"), pt);
        }
        Err(e) => {
            assert_eq!(code(&streamed), Some(e.code()));
            assert_eq!(code(&planned), Some(e.code()));
            assert_eq!(code(&native_stream), Some(e.code()));
        }
    }
});
