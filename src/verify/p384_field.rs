//! Arithmetic modulo the P-384 field prime `p = 2^384 − 2^128 − 2^96 + 2^32 − 1`,
//! for [`super::p384_vartime`] only: Montgomery form (`R = 2^384`) in twelve
//! 32-bit limbs.
//!
//! Why not the `p384` crate's field: on `wasm32` crypto-bigint promotes its
//! word to 64 bits, so each of a multiplication's 72 limb products is a
//! 64×64→128 multiplication, which WebAssembly does not have: a call to
//! compiler-rt's `__multi3` (a quarter of a verification's time in a
//! profile, with the generic Montgomery code around it another 40 %).
//! WebAssembly multiplies 32×32→64 natively, which is all this file uses.
//!
//! **Variable time**: the final subtraction and the comparisons branch on the
//! values. Public data only (signature verification); never a secret.

/// An element of the P-384 base field, in Montgomery form (`a·R mod p`),
/// always fully reduced (`< p`), so equal elements have equal limbs.
/// Limbs are little-endian.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Fe([u32; 12]);

/// `p`, little-endian limbs.
const P: [u32; 12] = [
    0xffff_ffff,
    0x0000_0000,
    0x0000_0000,
    0xffff_ffff,
    0xffff_fffe,
    0xffff_ffff,
    0xffff_ffff,
    0xffff_ffff,
    0xffff_ffff,
    0xffff_ffff,
    0xffff_ffff,
    0xffff_ffff,
];

/// `R² mod p`, to enter Montgomery form.
const R2: [u32; 12] = [
    0x0000_0001,
    0xffff_fffe,
    0x0000_0000,
    0x0000_0002,
    0x0000_0000,
    0xffff_fffe,
    0x0000_0000,
    0x0000_0002,
    0x0000_0001,
    0x0000_0000,
    0x0000_0000,
    0x0000_0000,
];

/// The low 32 bits of a 64-bit intermediate (the truncation is the point).
#[allow(clippy::cast_possible_truncation)]
const fn lo(v: u64) -> u32 {
    v as u32
}

// The limb loops below index arrays of twelve with counters below twelve:
// no index can be out of range (the compiler drops the checks), and plain
// loops are what keeps the hot path fast at the release profile's
// opt-level "s" (iterator adaptors there were not inlined: 10 % of a
// verification went to `Zip::size` calls).

/// `a + b` as twelve limbs and the carry out (0 or 1).
#[allow(clippy::indexing_slicing)]
fn add_limbs(a: &[u32; 12], b: &[u32; 12]) -> ([u32; 12], u64) {
    let mut out = [0u32; 12];
    let mut carry = 0u64;
    for i in 0..12 {
        let v = u64::from(a[i]) + u64::from(b[i]) + carry;
        out[i] = lo(v);
        carry = v >> 32;
    }
    (out, carry)
}

/// `a − b` modulo `2^384`, and whether it borrowed (`a < b`).
#[allow(clippy::indexing_slicing)]
fn sub_limbs(a: &[u32; 12], b: &[u32; 12]) -> ([u32; 12], bool) {
    let mut out = [0u32; 12];
    let mut borrow = 0u64;
    for i in 0..12 {
        let v = u64::from(a[i])
            .wrapping_sub(u64::from(b[i]))
            .wrapping_sub(borrow);
        out[i] = lo(v);
        borrow = v >> 63;
    }
    (out, borrow != 0)
}

/// Montgomery multiplication `a·b·R⁻¹ mod p` for `a, b < p` (CIOS: one
/// limb of `b` at a time, each step followed by one limb of reduction).
/// `−p⁻¹ ≡ 1 (mod 2^32)` because `p ≡ −1`, so the reduction multiplier is
/// the running low limb itself.
#[allow(clippy::indexing_slicing)]
fn mont_mul(a: &[u32; 12], b: &[u32; 12]) -> [u32; 12] {
    let mut t = [0u32; 12];
    let mut hi = 0u32;
    let a0 = u64::from(a[0]);
    for &bi in b {
        let bi = u64::from(bi);
        // Limb 0 of t + a·bi + m·p is zero by the choice of m; with
        // p₀ = 2^32 − 1 its carry out is m itself.
        let v = u64::from(t[0]) + a0 * bi;
        let m = v & 0xffff_ffff;
        let mut c1 = v >> 32;
        let mut c2 = m;
        // Limbs 1..12, written one limb down (the division by 2^32).
        for j in 1..12 {
            let v = u64::from(t[j]) + u64::from(a[j]) * bi + c1;
            c1 = v >> 32;
            let w = (v & 0xffff_ffff) + m * u64::from(P[j]) + c2;
            c2 = w >> 32;
            t[j - 1] = lo(w);
        }
        let v = u64::from(hi) + c1 + c2;
        t[11] = lo(v);
        hi = lo(v >> 32);
    }
    // t + hi·2^384 < 2p: subtract p once if it is ≥ p.
    let (d, borrow) = sub_limbs(&t, &P);
    if hi != 0 || !borrow { d } else { t }
}

impl Fe {
    /// Zero (also the Z of the point at infinity).
    pub(super) const ZERO: Self = Self([0; 12]);

    /// One, in Montgomery form: `R mod p = 2^128 + 2^96 − 2^32 + 1`.
    pub(super) const ONE: Self = Self([1, 0xffff_ffff, 0xffff_ffff, 0, 1, 0, 0, 0, 0, 0, 0, 0]);

    /// The element a 48-byte big-endian integer stands for; `None` if the
    /// slice is not 48 bytes or the integer is not below `p`.
    pub(super) fn from_be_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != 48 {
            return None;
        }
        let mut limbs = [0u32; 12];
        for (limb, chunk) in limbs.iter_mut().zip(bytes.rchunks_exact(4)) {
            let mut word = [0u8; 4];
            word.copy_from_slice(chunk);
            *limb = u32::from_be_bytes(word);
        }
        let (_, borrow) = sub_limbs(&limbs, &P);
        borrow.then(|| Self(mont_mul(&limbs, &R2)))
    }

    /// The canonical 48-byte big-endian encoding.
    pub(super) fn to_be_bytes(self) -> [u8; 48] {
        let mut one = [0u32; 12];
        one[0] = 1;
        let limbs = mont_mul(&self.0, &one);
        let mut out = [0u8; 48];
        for (chunk, limb) in out.rchunks_exact_mut(4).zip(limbs) {
            chunk.copy_from_slice(&limb.to_be_bytes());
        }
        out
    }

    /// Whether this is zero.
    pub(super) fn is_zero(&self) -> bool {
        self.0 == [0; 12]
    }

    /// `self + rhs`.
    pub(super) fn add(&self, rhs: &Self) -> Self {
        let (s, carry) = add_limbs(&self.0, &rhs.0);
        let (d, borrow) = sub_limbs(&s, &P);
        Self(if carry != 0 || !borrow { d } else { s })
    }

    /// `2·self`.
    pub(super) fn double(&self) -> Self {
        self.add(self)
    }

    /// `self − rhs`.
    pub(super) fn sub(&self, rhs: &Self) -> Self {
        let (d, borrow) = sub_limbs(&self.0, &rhs.0);
        Self(if borrow { add_limbs(&d, &P).0 } else { d })
    }

    /// `−self`.
    pub(super) fn neg(&self) -> Self {
        Self::ZERO.sub(self)
    }

    /// `self · rhs`.
    pub(super) fn mul(&self, rhs: &Self) -> Self {
        Self(mont_mul(&self.0, &rhs.0))
    }

    /// `self²`.
    pub(super) fn square(&self) -> Self {
        self.mul(self)
    }

    /// `self` squared `k` times (`self^(2^k)`).
    fn square_times(&self, k: u32) -> Self {
        let mut acc = *self;
        for _ in 0..k {
            acc = acc.square();
        }
        acc
    }

    /// `self^((p+1)/4)`: a square root of `self` if it is a square (`p ≡ 3
    /// mod 4`); the caller checks by squaring. An addition chain: `(p+1)/4 =
    /// 2^382 − 2^126 − 2^94 + 2^30` is, from the top, 255 ones, a zero, 32
    /// ones, 63 zeros, a one and 30 zeros, so with `xₖ = self^(2^k − 1)` it
    /// is `((x₂₅₅^(2^33)·x₃₂)^(2^64)·self)^(2^30)`: 383 squarings and 13
    /// multiplications, where square-and-multiply over the exponent's 288
    /// ones took 382 and 288 (decompressing a footer key was ~0.7 ms of a
    /// 1 KiB open in Node; BENCHMARKS.md).
    pub(super) fn sqrt_candidate(&self) -> Self {
        let x1 = *self;
        let x2 = x1.square().mul(&x1);
        let x3 = x2.square().mul(&x1);
        let x6 = x3.square_times(3).mul(&x3);
        let x12 = x6.square_times(6).mul(&x6);
        let x15 = x12.square_times(3).mul(&x3);
        let x30 = x15.square_times(15).mul(&x15);
        let x32 = x30.square_times(2).mul(&x2);
        let x60 = x30.square_times(30).mul(&x30);
        let x120 = x60.square_times(60).mul(&x60);
        let x240 = x120.square_times(120).mul(&x120);
        let x255 = x240.square_times(15).mul(&x15);
        x255.square_times(33)
            .mul(&x32)
            .square_times(64)
            .mul(&x1)
            .square_times(30)
    }

    /// `self⁻¹` (`self^(p−2)`, Fermat), and zero for zero.
    pub(super) fn invert(&self) -> Self {
        let (exponent, _) = sub_limbs(&P, &[2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let mut acc = Self::ONE;
        for limb in exponent.iter().rev() {
            for bit in (0..32).rev() {
                acc = acc.square();
                if (limb >> bit) & 1 == 1 {
                    acc = acc.mul(self);
                }
            }
        }
        acc
    }
}

/// `b` of the P-384 curve `y² = x³ − 3x + b`, big-endian.
const B: [u8; 48] = [
    0xb3, 0x31, 0x2f, 0xa7, 0xe2, 0x3e, 0xe7, 0xe4, 0x98, 0x8e, 0x05, 0x6b, 0xe3, 0xf8, 0x2d, 0x19,
    0x18, 0x1d, 0x9c, 0x6e, 0xfe, 0x81, 0x41, 0x12, 0x03, 0x14, 0x08, 0x8f, 0x50, 0x13, 0x87, 0x5a,
    0xc6, 0x56, 0x39, 0x8d, 0x8a, 0x2e, 0xd1, 0x9d, 0x2a, 0x85, 0xc8, 0xed, 0xd3, 0xec, 0x2a, 0xef,
];

/// `(p + 1) / 4`, big-endian: `a^((p+1)/4)` is a square root of a square `a`
/// (`p ≡ 3 mod 4`). Only the tests use it, to check [`Fe::sqrt_candidate`]'s
/// addition chain against plain square-and-multiply.
#[cfg(test)]
const SQRT_EXP: [u8; 48] = [
    0x3f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbf, 0xff, 0xff, 0xff, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00,
];

/// The uncompressed point (`04 ‖ x ‖ y`) of a compressed (`02`/`03 ‖ x`) or
/// uncompressed P-384 point, if it is on the curve (never the identity,
/// which has no such encoding). Variable time: public keys only. For the
/// envelope's footer keys: decompressing with the generic arithmetic of
/// [`super::point`] cost milliseconds per message in WebAssembly.
pub(crate) fn decode_point(point: &[u8]) -> Option<Vec<u8>> {
    let (&tag, rest) = point.split_first()?;
    let x_bytes = rest.get(..48)?;
    let x = Fe::from_be_bytes(x_bytes)?;
    let b = Fe::from_be_bytes(&B)?;
    let three_x = x.double().add(&x);
    let rhs = x.square().mul(&x).sub(&three_x).add(&b);
    let y = match (tag, rest.len()) {
        (0x04, 96) => {
            let y = Fe::from_be_bytes(rest.get(48..)?)?;
            (y.square() == rhs).then_some(y)?
        }
        (0x02 | 0x03, 48) => {
            let root = rhs.sqrt_candidate();
            if root.square() != rhs {
                return None;
            }
            let odd = root.to_be_bytes().last().is_some_and(|b| b & 1 == 1);
            if odd == (tag == 0x03) {
                root
            } else {
                root.neg()
            }
        }
        _ => return None,
    };
    let mut out = Vec::with_capacity(97);
    out.push(0x04);
    out.extend_from_slice(x_bytes);
    out.extend_from_slice(&y.to_be_bytes());
    Some(out)
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss
)]
mod tests {
    //! Multiplication against a slow, plainly written reference (schoolbook
    //! product, reduction by shift and subtract, no Montgomery form), the
    //! other operations through identities that pin each of them; edge
    //! values (0, 1, 2, p − 1, p − 2, the top bit) first. The curve
    //! arithmetic built on this is checked against the `p384` crate in
    //! `p384_vartime`.
    use super::*;
    use sha2::{Digest as _, Sha384};

    /// Deterministic stream of field elements (and the bytes they came from).
    fn samples(count: usize) -> Vec<[u8; 48]> {
        let mut out = vec![
            [0u8; 48],
            {
                let mut b = [0u8; 48];
                b[47] = 1;
                b
            },
            {
                let mut b = [0u8; 48];
                b[47] = 2;
                b
            },
            p_minus(1),
            p_minus(2),
            [0x7f; 48],
            {
                let mut b = [0u8; 48];
                b[0] = 0x80;
                b
            },
        ];
        let mut seed = Sha384::digest(b"p384_field").to_vec();
        while out.len() < count {
            seed = Sha384::digest(&seed).to_vec();
            let mut b = [0u8; 48];
            b.copy_from_slice(&seed);
            if Fe::from_be_bytes(&b).is_some() {
                out.push(b);
            }
        }
        out
    }

    fn p_minus(k: u8) -> [u8; 48] {
        let mut b = [0u8; 48];
        for (o, limb) in b.rchunks_exact_mut(4).zip(P) {
            o.copy_from_slice(&limb.to_be_bytes());
        }
        b[47] -= k;
        b
    }

    #[test]
    fn encoding_round_trips_and_refuses_p_and_above() {
        for b in samples(200) {
            assert_eq!(Fe::from_be_bytes(&b).unwrap().to_be_bytes(), b);
        }
        let mut p = p_minus(1);
        p[47] += 1;
        assert!(Fe::from_be_bytes(&p).is_none());
        assert!(Fe::from_be_bytes(&[0xff; 48]).is_none());
        assert!(Fe::from_be_bytes(&[0; 47]).is_none());
        assert_eq!(Fe::from_be_bytes(&samples(2)[1]).unwrap(), Fe::ONE);
    }

    /// Multiplication against a reference product computed with plain
    /// 32-bit-limb schoolbook multiplication and reduction by repeated
    /// subtraction of shifted `p` (slow, obviously correct).
    fn reference_mul(a: &[u8; 48], b: &[u8; 48]) -> [u8; 48] {
        // 768-bit product in 24 limbs, then long division remainder by p.
        let limbs = |x: &[u8; 48]| {
            let mut l = [0u64; 12];
            for (o, c) in l.iter_mut().zip(x.rchunks_exact(4)) {
                *o = u64::from(u32::from_be_bytes(c.try_into().unwrap()));
            }
            l
        };
        let (x, y) = (limbs(a), limbs(b));
        let mut prod = [0u64; 25];
        for i in 0..12 {
            let mut carry = 0u64;
            for j in 0..12 {
                let v = prod[i + j] + x[i] * y[j] + carry;
                prod[i + j] = v & 0xffff_ffff;
                carry = v >> 32;
            }
            prod[i + 12] += carry;
        }
        // Bitwise shift-subtract reduction.
        let bit = |v: &[u64; 25], i: usize| (v[i / 32] >> (i % 32)) & 1;
        let mut rem = [0u64; 25];
        for i in (0..768).rev() {
            // rem = 2·rem + bit
            let mut carry = bit(&prod, i);
            for r in rem.iter_mut() {
                let v = (*r << 1) | carry;
                *r = v & 0xffff_ffff;
                carry = v >> 32;
            }
            // if rem >= p: rem -= p
            let ge = {
                let mut ge = true;
                for k in (0..25).rev() {
                    let pk = if k < 12 { u64::from(P[k]) } else { 0 };
                    if rem[k] != pk {
                        ge = rem[k] > pk;
                        break;
                    }
                }
                ge
            };
            if ge {
                let mut borrow = 0i64;
                for k in 0..25 {
                    let pk = if k < 12 { i64::from(P[k]) } else { 0 };
                    let mut v = rem[k] as i64 - pk - borrow;
                    borrow = 0;
                    if v < 0 {
                        v += 1 << 32;
                        borrow = 1;
                    }
                    rem[k] = v as u64;
                }
            }
        }
        let mut out = [0u8; 48];
        for (o, l) in out.rchunks_exact_mut(4).zip(rem) {
            o.copy_from_slice(&(l as u32).to_be_bytes());
        }
        out
    }

    #[test]
    fn mul_matches_schoolbook_reference() {
        let s = samples(40);
        for a in &s {
            for b in s.iter().take(12) {
                let got = Fe::from_be_bytes(a)
                    .unwrap()
                    .mul(&Fe::from_be_bytes(b).unwrap());
                assert_eq!(got.to_be_bytes(), reference_mul(a, b));
            }
        }
    }

    #[test]
    fn add_sub_neg_invert_identities() {
        let s: Vec<Fe> = samples(60)
            .iter()
            .map(|b| Fe::from_be_bytes(b).unwrap())
            .collect();
        for (i, a) in s.iter().enumerate() {
            let b = &s[(i * 7 + 3) % s.len()];
            assert_eq!(a.add(b).sub(b), *a);
            assert_eq!(a.sub(b).add(b), *a);
            assert_eq!(a.add(&a.neg()), Fe::ZERO);
            assert_eq!(a.double(), a.mul(&Fe::ONE.double()));
            // (a + b)² = a² + 2ab + b²
            assert_eq!(
                a.add(b).square(),
                a.square().add(&a.mul(b).double()).add(&b.square())
            );
            if !a.is_zero() {
                assert_eq!(a.mul(&a.invert()), Fe::ONE);
            }
        }
        assert_eq!(Fe::ZERO.invert(), Fe::ZERO);
        assert_eq!(Fe::ZERO.neg(), Fe::ZERO);
    }

    #[test]
    fn sqrt_chain_matches_square_and_multiply() {
        // The addition chain against the plain exponentiation by (p + 1) / 4,
        // on the edge values, squares and non-squares alike.
        let plain = |a: &Fe| {
            let mut acc = Fe::ONE;
            for byte in SQRT_EXP {
                for bit in (0..8).rev() {
                    acc = acc.square();
                    if (byte >> bit) & 1 == 1 {
                        acc = acc.mul(a);
                    }
                }
            }
            acc
        };
        let mut squares = 0;
        for b in samples(40) {
            let a = Fe::from_be_bytes(&b).unwrap();
            let root = a.sqrt_candidate();
            assert_eq!(root, plain(&a));
            if root.square() == a {
                squares += 1;
            }
            // A square always has its root found.
            assert_eq!(a.square().sqrt_candidate().square(), a.square());
        }
        assert!(
            squares > 5 && squares < 35,
            "{squares} of 40 samples were squares"
        );
    }

    #[test]
    fn decode_point_agrees_with_the_generic_decoder() {
        use crate::verify::algorithm::KeySpec;
        use crate::verify::point::ec_point;
        use p384::elliptic_curve::sec1::ToSec1Point as _;
        for seed in 1u8..=40 {
            let sk = p384::SecretKey::from_slice(&[seed; 48]).unwrap();
            let pk = sk.public_key();
            let full = pk.to_sec1_point(false).as_bytes().to_vec();
            let short = pk.to_sec1_point(true).as_bytes().to_vec();
            assert_eq!(super::decode_point(&short).unwrap(), full);
            assert_eq!(super::decode_point(&full).unwrap(), full);
            let mut off = full.clone();
            off[96] ^= 1;
            assert!(super::decode_point(&off).is_none());
            let mut other_y = short.clone();
            other_y[0] ^= 1;
            let neg = super::decode_point(&other_y).unwrap();
            assert_eq!(neg[..49], full[..49]);
            assert_ne!(neg, full);
            // An x that may have no point: both decoders agree.
            let mut x = short.clone();
            x[48] ^= 1;
            assert_eq!(
                super::decode_point(&x),
                ec_point(KeySpec::EccNistP384, &x).ok()
            );
        }
        assert_eq!(
            super::decode_point(&[0x02; 49]),
            ec_point(KeySpec::EccNistP384, &[0x02; 49]).ok()
        );
        assert!(super::decode_point(&[0x02; 48]).is_none());
        assert!(super::decode_point(&[0x05; 49]).is_none());
        assert!(super::decode_point(&[]).is_none());
    }
}
