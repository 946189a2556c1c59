//! RSASSA-PKCS1-v1_5 (RFC 8017 §8.2.2) and RSASSA-PSS (RFC 8017 §8.1.2)
//! verification with the `rsa` crate, on a prehashed message.
//!
//! PSS uses MGF1 with the message hash and a salt exactly as long as the
//! hash, which is how KMS signs (never "auto" salt length: a signature with
//! any other salt length is not one KMS made and does not verify).

use der::asn1::UintRef;
use der::{Decode as _, Reader as _};

use super::algorithm::{HashAlg, KeySpec};
use crate::{Error, Result};

/// A KMS RSA public key (2048, 3072 or 4096 bits), held as its modulus and
/// exponent bytes: the `verify` module parses and range-checks without big
/// integers; [`verify_prehash`] (the `rsa` fallback module) does the arithmetic.
#[derive(Clone, Debug)]
pub struct RsaKey {
    modulus: Vec<u8>,
    exponent: Vec<u8>,
}

/// RSA padding scheme of a KMS signing algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RsaPadding {
    /// EMSA-PKCS1-v1_5 (RFC 8017 §9.2).
    Pkcs1V15,
    /// EMSA-PSS (RFC 8017 §9.1), MGF1 with the same hash, salt length = hash length.
    Pss,
}

impl RsaKey {
    /// Decodes the `RSAPublicKey` of an SPKI (RFC 8017 Appendix A.1.1),
    /// with the checks the `rsa` crate makes of a public key: both integers
    /// positive and minimally encoded, `n` odd, `e` odd with `2 ≤ e < 2³³`
    /// and `e < n`; and `n` of 2048, 3072 or 4096 bits.
    ///
    /// # Errors
    /// [`Error::MalformedPublicKey`] if the DER is not an RSA public key, the
    /// exponent is out of range, or the modulus is not 2048, 3072 or 4096 bits.
    pub fn from_spki(spki: spki::SubjectPublicKeyInfoRef<'_>) -> Result<(Self, KeySpec)> {
        const BAD: Error = Error::MalformedPublicKey("not a valid RSA public key");
        let bytes = spki.subject_public_key.as_bytes().ok_or(BAD)?;
        let mut reader = der::SliceReader::new(bytes).map_err(|_| BAD)?;
        let (n, e) = reader
            .sequence(|r| Ok::<_, der::Error>((UintRef::decode(r)?, UintRef::decode(r)?)))
            .map_err(|_| BAD)?;
        reader.finish().map_err(|_| BAD)?;
        let (n, e) = (n.as_bytes(), e.as_bytes());
        let odd = |v: &[u8]| v.last().is_some_and(|b| b & 1 == 1);
        // Both are minimal and positive: a longer encoding is a larger number.
        let e_below_n = e.len() < n.len() || (e.len() == n.len() && e < n);
        let e_small = e.len() < 5 || (e.len() == 5 && e.first().is_some_and(|&b| b < 2));
        if !odd(n) || !odd(e) || e == [1] || !e_small || !e_below_n {
            return Err(BAD);
        }
        let bits = n
            .first()
            .map_or(0, |&top| 8 * n.len() - top.leading_zeros() as usize);
        let spec = match bits {
            2048 => KeySpec::Rsa2048,
            3072 => KeySpec::Rsa3072,
            4096 => KeySpec::Rsa4096,
            _ => {
                return Err(Error::MalformedPublicKey(
                    "RSA modulus is not 2048, 3072 or 4096 bits (no KMS key spec)",
                ));
            }
        };
        Ok((
            Self {
                modulus: n.to_vec(),
                exponent: e.to_vec(),
            },
            spec,
        ))
    }

    /// The modulus `n`, big-endian, without leading zeros.
    #[must_use]
    pub fn modulus(&self) -> &[u8] {
        &self.modulus
    }

    /// The public exponent `e`, big-endian, without leading zeros.
    #[must_use]
    pub fn exponent(&self) -> &[u8] {
        &self.exponent
    }

    /// The checks of RFC 8017 §8.2.2 step 1 and §5.2.2 step 1 that need no
    /// arithmetic: the signature is `k` bytes and, as an integer, below `n`.
    /// Both engines apply them, so both answer the same for such signatures.
    #[must_use]
    pub fn plausible(&self, signature: &[u8]) -> bool {
        signature.len() == self.modulus.len() && signature < self.modulus.as_slice()
    }
}

/// Verifies `signature` over a message hash computed with `hash`, with the
/// key whose SPKI is `spki` (the `rsa` fallback module's arithmetic).
/// `false` for anything that does not verify, including a key the `rsa`
/// crate refuses.
#[must_use]
pub fn verify_prehash(
    spki: &[u8],
    padding: RsaPadding,
    hash: HashAlg,
    prehash: &[u8],
    signature: &[u8],
) -> bool {
    use der::Decode as _;
    use rsa::traits::PublicKeyParts as _;
    let Ok(info) = spki::SubjectPublicKeyInfoRef::from_der(spki) else {
        return false;
    };
    let Ok(key) = rsa::PublicKey::try_from(info) else {
        return false;
    };
    let k = key.n().to_be_bytes_trimmed_vartime();
    if signature.len() != k.len() || signature >= &*k || prehash.len() != hash.output_len() {
        return false;
    }
    let r = match (padding, hash) {
        (RsaPadding::Pkcs1V15, HashAlg::Sha256) => {
            key.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), prehash, signature)
        }
        (RsaPadding::Pkcs1V15, HashAlg::Sha384) => {
            key.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha384>(), prehash, signature)
        }
        (RsaPadding::Pkcs1V15, HashAlg::Sha512) => {
            key.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha512>(), prehash, signature)
        }
        (RsaPadding::Pss, HashAlg::Sha256) => key.verify(
            rsa::Pss::<sha2::Sha256>::new_with_salt(32),
            prehash,
            signature,
        ),
        (RsaPadding::Pss, HashAlg::Sha384) => key.verify(
            rsa::Pss::<sha2::Sha384>::new_with_salt(48),
            prehash,
            signature,
        ),
        (RsaPadding::Pss, HashAlg::Sha512) => key.verify(
            rsa::Pss::<sha2::Sha512>::new_with_salt(64),
            prehash,
            signature,
        ),
    };
    r.is_ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        match body.len() {
            n if n < 0x80 => out.push(u8::try_from(n).unwrap()),
            n if n < 0x100 => out.extend([0x81, u8::try_from(n).unwrap()]),
            n => out.extend([
                0x82,
                u8::try_from(n >> 8).unwrap(),
                u8::try_from(n & 0xff).unwrap(),
            ]),
        }
        out.extend_from_slice(body);
        out
    }

    /// SPKI of `SEQUENCE { INTEGER n, INTEGER e }` with the contents given as is.
    fn spki(n: &[u8], e: &[u8], trailing: &[u8]) -> Vec<u8> {
        let mut key = tlv(0x30, &[tlv(0x02, n), tlv(0x02, e)].concat());
        key.extend_from_slice(trailing);
        let alg = hex::decode("300d06092a864886f70d0101010500").unwrap();
        tlv(0x30, &[alg, tlv(0x03, &[&[0][..], &key].concat())].concat())
    }

    /// The `rsa` crate's answer (what this parser replaced) and ours agree.
    fn agree(der: &[u8]) -> bool {
        let info = spki::SubjectPublicKeyInfoRef::from_der(der).unwrap();
        let ours = RsaKey::from_spki(info.clone()).ok();
        let theirs = rsa::PublicKey::try_from(info).ok().and_then(|k| {
            use rsa::traits::PublicKeyParts as _;
            let n = k.n().to_be_bytes_trimmed_vartime().into_vec();
            let e = k.e().to_be_bytes_trimmed_vartime().into_vec();
            matches!(k.n().bit_width(), 2048 | 3072 | 4096).then_some((n, e))
        });
        assert_eq!(
            ours.as_ref()
                .map(|(k, _)| (k.modulus.clone(), k.exponent.clone())),
            theirs,
            "{}",
            hex::encode(der)
        );
        ours.is_some()
    }

    #[test]
    fn agrees_with_the_rsa_crate() {
        // An odd 2048-bit modulus (its value matters to neither parser).
        let mut n = vec![0xc3; 256];
        n[255] = 0x35;
        let pos = |v: &[u8]| [&[0u8][..], v].concat();
        assert!(agree(&spki(&pos(&n), &[1, 0, 1], &[])));
        assert!(agree(&spki(&pos(&n), &[3], &[])));
        assert!(agree(&spki(&pos(&n), &[1, 0xff, 0xff, 0xff, 0xff], &[]))); // 2^33 − 1
        for (modulus, e, trailing) in [
            (pos(&n), vec![1, 0, 1], vec![0]),      // trailing byte
            (pos(&n), vec![2, 0, 0, 0, 1], vec![]), // e > 2^33 − 1
            (pos(&n), vec![1], vec![]),             // e = 1
            (pos(&n), vec![0x01, 0x00], vec![]),    // e even
            (pos(&n), vec![0, 1, 0, 1], vec![]),    // e not minimal
            (pos(&n), vec![0x81], vec![]),          // e negative
            (pos(&n), vec![], vec![]),              // e empty
            (n.clone(), vec![1, 0, 1], vec![]),     // n negative
            ([&[0, 0][..], &n].concat(), vec![1, 0, 1], vec![]), // n not minimal
            (
                pos(&[&n[..255], &[0x34][..]].concat()),
                vec![1, 0, 1],
                vec![],
            ), // n even
            (pos(&n[..255]), vec![1, 0, 1], vec![]), // 2040 bits
            (pos(&[&[0x43][..], &n[1..]].concat()), vec![1, 0, 1], vec![]), // 2047 bits
        ] {
            assert!(!agree(&spki(&modulus, &e, &trailing)));
        }
        let mut n3 = vec![0xd1; 384];
        n3[383] = 0x01;
        assert!(agree(&spki(&pos(&n3), &[1, 0, 1], &[])));
        let mut n4 = vec![0xe7; 512];
        n4[511] = 0x0b;
        assert!(agree(&spki(&pos(&n4), &[1, 0, 1], &[])));
        let small = pos(&[0xc5; 4]);
        assert!(!agree(&spki(&small, &[3], &[]))); // e ≥ n is moot: too small anyway
    }
}
