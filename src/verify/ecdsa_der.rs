//! Strict DER decoding of ECDSA signatures into the fixed-width `r ‖ s`
//! form (IEEE P1363) that WebCrypto and JOSE use.
//!
//! `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` (RFC 3279 §2.2.3,
//! SEC 1 v2 §C.5), encoded with the DER rules of X.690: definite lengths in
//! their shortest form (§10.1), INTEGER contents minimal and non-negative
//! (§8.3.2), nothing after the SEQUENCE. Anything else (BER, negative or
//! padded integers, integers wider than the curve order, trailing bytes) is
//! not a signature KMS made and does not verify.
//!
//! Range checks (`0 < r, s < n`) are left to the curve code, which knows `n`.

/// Decodes `der` into `r ‖ s`, each left-padded to `scalar_len` bytes.
///
/// Returns `None` for anything that is not exactly one strict-DER
/// `Ecdsa-Sig-Value` whose integers fit in `scalar_len` bytes.
#[must_use]
pub fn der_to_raw(der: &[u8], scalar_len: usize) -> Option<Vec<u8>> {
    let (body, rest) = read_tlv(der, 0x30)?;
    if !rest.is_empty() {
        return None;
    }
    let (r, body) = read_tlv(body, 0x02)?;
    let (s, body) = read_tlv(body, 0x02)?;
    if !body.is_empty() {
        return None;
    }
    let mut out = vec![0u8; scalar_len.checked_mul(2)?];
    put_unsigned(out.get_mut(..scalar_len)?, r)?;
    put_unsigned(out.get_mut(scalar_len..)?, s)?;
    Some(out)
}

/// Reads one tag-length-value with the expected single-byte `tag`; returns
/// the contents and what follows.
fn read_tlv(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&t, input) = input.split_first()?;
    if t != tag {
        return None;
    }
    let (&first, mut input) = input.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        // Long form: 0x81..=0x82 are all an ECDSA signature can need (P-521
        // DER signatures are at most 139 bytes). X.690 §10.1: shortest form.
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 2 {
            return None;
        }
        let (len_bytes, after) = input.split_at_checked(n)?;
        input = after;
        let len = len_bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        if len < 0x80 || len_bytes.first() == Some(&0) {
            return None;
        }
        len
    };
    input.split_at_checked(len)
}

/// Writes the contents of a DER INTEGER, which must be non-negative and
/// minimally encoded (X.690 §8.3.2), right-aligned into `out`.
fn put_unsigned(out: &mut [u8], int: &[u8]) -> Option<()> {
    let (&first, tail) = int.split_first()?;
    if first & 0x80 != 0 {
        return None; // negative
    }
    let magnitude = if first == 0 {
        match tail.first() {
            None => int, // the value zero: rejected later by the range check
            Some(&b) if b & 0x80 != 0 => tail,
            Some(_) => return None, // a needless leading zero
        }
    } else {
        int
    };
    let start = out.len().checked_sub(magnitude.len())?;
    out.get_mut(start..)?.copy_from_slice(magnitude);
    Some(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn minimal_signature() {
        // r = 1, s = 0x80 (needs its leading zero).
        let der = [0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x02, 0x00, 0x80];
        let raw = der_to_raw(&der, 2).unwrap();
        assert_eq!(raw, [0, 1, 0, 0x80]);
    }

    #[test]
    fn rejects_ber_and_junk() {
        let ok = [0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01];
        assert!(der_to_raw(&ok, 32).is_some());
        let cases: &[&[u8]] = &[
            &[],
            &[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00], // trailing byte
            &[0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01], // long form for a short length
            &[0x30, 0x80, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00, 0x00], // indefinite length
            &[0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01], // padded integer
            &[0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01],       // negative integer
            &[0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x01],             // empty integer
            &[0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01],       // SET, not SEQUENCE
            &[0x30, 0x06, 0x02, 0x01, 0x01, 0x03, 0x01, 0x01],       // BIT STRING for s
            &[
                0x30, 0x09, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x05, 0x00, 0x00,
            ], // extra element
            &[0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01],       // length past the end
        ];
        for c in cases {
            assert!(der_to_raw(c, 32).is_none(), "{c:02x?}");
        }
        // An integer wider than the scalar.
        let wide = [0x30, 0x07, 0x02, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01];
        assert!(der_to_raw(&wide, 1).is_none());
        assert!(der_to_raw(&wide, 2).is_some());
    }

    #[test]
    fn long_form_length() {
        let mut der = vec![0x30, 0x81, 0x84, 0x02, 0x40];
        der.extend([0x11; 0x40]);
        der.extend([0x02, 0x40]);
        der.extend([0x22; 0x40]);
        let raw = der_to_raw(&der, 66).unwrap();
        assert_eq!(raw.len(), 132);
        assert_eq!(raw[2], 0x11);
        assert_eq!(raw[131], 0x22);
    }
}
