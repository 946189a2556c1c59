//! ECDSA P-384 verification (FIPS 186-5 §6.4.2) with a variable-time
//! `u1·G + u2·Q`, for the `ecdsa` fallback module.
//!
//! **Public data only.** Everything here takes time that depends on the
//! scalars and points it is given (wNAF digits, table lookups by digit,
//! early exits, branches in the field arithmetic of [`super::p384_field`]).
//! That is harmless for verification, whose inputs (key, hash, signature)
//! are all public, and fatal for signing or key generation, whose scalars
//! are secret. So the only item this module exports is [`verify_prehash`],
//! a yes/no verdict over public inputs; the multiplication itself is
//! private and no other path of the crate (the signers in `envelope` and
//! `keyring` use the `p384` crate's constant-time arithmetic) can reach it.
//!
//! Why not `p384`'s own verifier: its field arithmetic runs on 64-bit limbs
//! in WebAssembly (every limb product a `__multi3` call), and its
//! `u1·G + u2·Q` uses complete projective formulas and builds a window
//! table for `G` on every call. Here: Jacobian coordinates (a = −3
//! doubling, 3M + 5S), Straus interleaving of a width-8 wNAF of `u1` over a
//! table of 64 odd multiples of `G` kept in affine form (computed once, on
//! first use, so it costs no bytes in the module) and a width-5 wNAF of
//! `u2` over 8 odd multiples of `Q`, and no inversion at the end (`x(R)` is
//! compared with `r` as `X == r·Z²`).
//!
//! Every result is checked against the `p384` crate in the tests below
//! (random and edge scalars, cancellation to the identity) and against
//! Wycheproof's P-384 vectors.

use std::sync::OnceLock;

use p384::elliptic_curve::ff::PrimeField as _;
use p384::elliptic_curve::ops::Reduce;
use p384::elliptic_curve::point::AffineCoordinates as _;
use p384::{FieldBytes, Scalar};

use super::p384_field::Fe;
use super::point::ORDER_P384;

/// A point in Jacobian coordinates, `(X/Z², Y/Z³)`; `Z = 0` is the identity.
#[derive(Clone, Copy, Debug)]
struct Jacobian {
    x: Fe,
    y: Fe,
    z: Fe,
}

/// An affine point `(x, y)`, never the identity.
#[derive(Clone, Copy, Debug)]
struct Affine {
    x: Fe,
    y: Fe,
}

impl Affine {
    fn neg(&self) -> Self {
        Self {
            x: self.x,
            y: self.y.neg(),
        }
    }
}

impl From<Affine> for Jacobian {
    fn from(p: Affine) -> Self {
        Self {
            x: p.x,
            y: p.y,
            z: Fe::ONE,
        }
    }
}

impl Jacobian {
    const IDENTITY: Self = Self {
        x: Fe::ONE,
        y: Fe::ONE,
        z: Fe::ZERO,
    };

    fn is_identity(&self) -> bool {
        self.z.is_zero()
    }

    fn neg(&self) -> Self {
        Self {
            y: self.y.neg(),
            ..*self
        }
    }

    /// `2P` (EFD `dbl-2001-b`, a = −3). P-384 has no point of order 2, so
    /// only the identity doubles to the identity.
    fn double(&self) -> Self {
        if self.is_identity() {
            return *self;
        }
        let delta = self.z.square();
        let gamma = self.y.square();
        let beta = self.x.mul(&gamma);
        let alpha = self.x.sub(&delta).mul(&self.x.add(&delta));
        let alpha = alpha.double().add(&alpha);
        let beta4 = beta.double().double();
        let x = alpha.square().sub(&beta4.double());
        let z = self.y.add(&self.z).square().sub(&gamma).sub(&delta);
        let y = alpha
            .mul(&beta4.sub(&x))
            .sub(&gamma.square().double().double().double());
        Self { x, y, z }
    }

    /// `P + Q` (EFD `add-2007-bl`), with the cases its formula does not
    /// cover (either input the identity, `P = Q`, `P = −Q`) handled first.
    fn add(&self, q: &Self) -> Self {
        if self.is_identity() {
            return *q;
        }
        if q.is_identity() {
            return *self;
        }
        let z1z1 = self.z.square();
        let z2z2 = q.z.square();
        let u1 = self.x.mul(&z2z2);
        let u2 = q.x.mul(&z1z1);
        let s1 = self.y.mul(&q.z).mul(&z2z2);
        let s2 = q.y.mul(&self.z).mul(&z1z1);
        let h = u2.sub(&u1);
        if h.is_zero() {
            return if s1 == s2 {
                self.double()
            } else {
                Self::IDENTITY
            };
        }
        let i = h.double().square();
        let j = h.mul(&i);
        let r = s2.sub(&s1).double();
        let v = u1.mul(&i);
        let x = r.square().sub(&j).sub(&v.double());
        let y = r.mul(&v.sub(&x)).sub(&s1.mul(&j).double());
        let z = self.z.add(&q.z).square().sub(&z1z1).sub(&z2z2).mul(&h);
        Self { x, y, z }
    }

    /// `P + Q` for an affine `Q` (EFD `madd-2007-bl`), exceptional cases first.
    fn add_affine(&self, q: &Affine) -> Self {
        if self.is_identity() {
            return Self::from(*q);
        }
        let z1z1 = self.z.square();
        let u2 = q.x.mul(&z1z1);
        let s2 = q.y.mul(&self.z).mul(&z1z1);
        let h = u2.sub(&self.x);
        if h.is_zero() {
            return if s2 == self.y {
                self.double()
            } else {
                Self::IDENTITY
            };
        }
        let hh = h.square();
        let i = hh.double().double();
        let j = h.mul(&i);
        let r = s2.sub(&self.y).double();
        let v = self.x.mul(&i);
        let x = r.square().sub(&j).sub(&v.double());
        let y = r.mul(&v.sub(&x)).sub(&self.y.mul(&j).double());
        let z = self.z.add(&h).square().sub(&z1z1).sub(&hh);
        Self { x, y, z }
    }
}

/// wNAF window of `u1` (over the fixed table of `G`) and of `u2` (over a
/// table of `Q` built per call): 64 and 8 odd multiples.
const G_WINDOW: u32 = 8;
const Q_WINDOW: u32 = 5;
/// Digits of a wNAF of a scalar below `2^384` (one more than its bits, and
/// one spare that stays zero).
const DIGITS: usize = 386;

/// Width-`w` NAF of a big-endian integer of at most 384 bits: digits odd
/// and of absolute value below `2^(w−1)`, or zero, with
/// `Σ digits[i]·2^i = k`.
fn wnaf(k: &[u8], w: u32) -> [i8; DIGITS] {
    let bit = |i: usize| -> u32 {
        k.len()
            .checked_sub(1 + i / 8)
            .and_then(|byte| k.get(byte))
            .map_or(0, |b| u32::from(b >> (i % 8)) & 1)
    };
    let width = 1u32 << w;
    let mut digits = [0i8; DIGITS];
    let mut carry = 0u32;
    let mut pos = 0usize;
    while pos < DIGITS {
        let window = (0..w as usize).fold(0, |acc, j| acc | (bit(pos + j) << j));
        let value = carry + window;
        if value & 1 == 0 {
            // The digit here is 0; a carry stays a carry.
            pos += 1;
            continue;
        }
        let digit = if value < width / 2 {
            carry = 0;
            i32::try_from(value).unwrap_or(0)
        } else {
            carry = 1;
            i32::try_from(value).unwrap_or(0) - i32::try_from(width).unwrap_or(0)
        };
        if let Some(d) = digits.get_mut(pos) {
            *d = i8::try_from(digit).unwrap_or(0);
        }
        pos += w as usize;
    }
    digits
}

/// `[P, 3P, 5P, …, (2·len − 1)P]`.
fn odd_multiples<const N: usize>(p: Jacobian) -> [Jacobian; N] {
    let twice = p.double();
    let mut table = [p; N];
    let mut acc = p;
    for entry in table.iter_mut().skip(1) {
        acc = acc.add(&twice);
        *entry = acc;
    }
    table
}

/// The odd multiples `G, 3G, …, 127G` in affine form, made on first use
/// (64 additions and one inversion, shared through Montgomery's trick).
fn g_table() -> &'static [Affine; 64] {
    static TABLE: OnceLock<[Affine; 64]> = OnceLock::new();
    TABLE.get_or_init(|| {
        let g = p384::AffinePoint::GENERATOR;
        let g = match (Fe::from_be_bytes(&g.x()), Fe::from_be_bytes(&g.y())) {
            (Some(x), Some(y)) => Affine { x, y },
            // The crate's generator always has coordinates below p.
            _ => Affine {
                x: Fe::ZERO,
                y: Fe::ZERO,
            },
        };
        let table: [Jacobian; 64] = odd_multiples(Jacobian::from(g));
        // Batch inversion: prefix products of the Zs, one inversion, then
        // back down the prefixes. No odd multiple of G (of prime order n,
        // far above 127) is the identity, so no Z is zero.
        let mut prefix = [Fe::ONE; 64];
        let mut acc = Fe::ONE;
        for (pre, p) in prefix.iter_mut().zip(&table) {
            *pre = acc;
            acc = acc.mul(&p.z);
        }
        let mut inv = acc.invert();
        let mut out = [g; 64];
        for ((o, p), pre) in out.iter_mut().zip(&table).zip(&prefix).rev() {
            let z_inv = inv.mul(pre);
            inv = inv.mul(&p.z);
            let z_inv2 = z_inv.square();
            *o = Affine {
                x: p.x.mul(&z_inv2),
                y: p.y.mul(&z_inv2).mul(&z_inv),
            };
        }
        out
    })
}

/// `u1·G + u2·Q`, scalars as big-endian bytes (below `2^384`). Variable
/// time: public scalars and points only (see the module documentation).
fn mul_g_add_q(u1: &[u8], u2: &[u8], q: &Affine) -> Jacobian {
    let g_table = g_table();
    let q_table: [Jacobian; 8] = odd_multiples(Jacobian::from(*q));
    let (d1, d2) = (wnaf(u1, G_WINDOW), wnaf(u2, Q_WINDOW));
    let mut acc = Jacobian::IDENTITY;
    for (&a, &b) in d1.iter().zip(&d2).rev() {
        acc = acc.double();
        if b != 0 {
            if let Some(p) = q_table.get(usize::from(b.unsigned_abs() / 2)) {
                acc = acc.add(&if b < 0 { p.neg() } else { *p });
            }
        }
        if a != 0 {
            if let Some(p) = g_table.get(usize::from(a.unsigned_abs() / 2)) {
                acc = acc.add_affine(&if a < 0 { p.neg() } else { *p });
            }
        }
    }
    acc
}

/// `e` of FIPS 186-5 §6.4.2 step 3 for P-384: the leftmost 384 bits of the
/// hash (all of a shorter one), as an integer, reduced modulo n.
fn hash_scalar(prehash: &[u8]) -> Scalar {
    let taken = prehash.get(..48).unwrap_or(prehash);
    let mut bytes = FieldBytes::default();
    for (b, h) in bytes.iter_mut().rev().zip(taken.iter().rev()) {
        *b = *h;
    }
    <Scalar as Reduce<FieldBytes>>::reduce(&bytes)
}

/// `a + b` of two 48-byte big-endian integers, `None` on overflow.
fn add_be(a: &[u8], b: &[u8]) -> Option<[u8; 48]> {
    let mut out = [0u8; 48];
    let mut carry = 0u16;
    for ((o, x), y) in out.iter_mut().zip(a).zip(b).rev() {
        let v = u16::from(*x) + u16::from(*y) + carry;
        *o = v.to_be_bytes()[1];
        carry = v >> 8;
    }
    (carry == 0).then_some(out)
}

/// Verifies `r ‖ s` (96 bytes, `0 < r, s < n`, high S accepted) over a
/// message hash with the P-384 key `(x, y)` (48 bytes each, big-endian).
/// `false` for anything that does not verify, including points off the
/// curve and out-of-range or wrong-width signatures.
pub(super) fn verify_prehash(x: &[u8], y: &[u8], prehash: &[u8], raw: &[u8]) -> bool {
    // The key: the crate checks that (x, y) is on the curve.
    let (Ok(xb), Ok(yb)) = (FieldBytes::try_from(x), FieldBytes::try_from(y)) else {
        return false;
    };
    if Option::<p384::AffinePoint>::from(p384::AffinePoint::from_coordinates(&xb, &yb)).is_none() {
        return false;
    }
    let (Some(qx), Some(qy)) = (Fe::from_be_bytes(x), Fe::from_be_bytes(y)) else {
        return false;
    };
    // The signature: the crate checks 0 < r, s < n.
    let Ok(sig) = p384::ecdsa::Signature::from_slice(raw) else {
        return false;
    };
    let (r, s) = sig.split_scalars();
    // s ≠ 0 (checked above), so the inverse exists.
    let Some(s_inv) = Option::<Scalar>::from(s.invert_vartime()) else {
        return false;
    };
    let u1 = hash_scalar(prehash) * s_inv;
    let u2 = *r * s_inv;
    let point = mul_g_add_q(&u1.to_repr(), &u2.to_repr(), &Affine { x: qx, y: qy });
    if point.is_identity() {
        return false;
    }
    // x(R) mod n == r, without leaving Jacobian coordinates: x(R) = X/Z² is
    // below p < 2n, so it is r or, when r + n < p, r + n.
    let zz = point.z.square();
    let r_bytes = r.to_repr();
    let matches =
        |candidate: &[u8]| Fe::from_be_bytes(candidate).is_some_and(|c| c.mul(&zz) == point.x);
    matches(&r_bytes) || add_be(&r_bytes, &ORDER_P384).is_some_and(|rn| matches(&rn))
}

#[cfg(test)]
#[path = "p384_vartime_tests.rs"]
mod tests;
