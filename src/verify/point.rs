//! Validation of public points at parse time, without the curve crates.
//!
//! `KmsPublicKey` refuses a point that is not on its curve when it is
//! constructed, synchronously, in the `verify` module, which holds no curve
//! arithmetic (the curve crates weigh ~31 KiB gzip there; the signature
//! arithmetic lives in the `ecdsa` and `rare` fallback modules). A point is
//! public data, so this is a small variable-time Montgomery arithmetic
//! (32-bit limbs, one width for every curve) for exactly three questions:
//! is `(x, y)` on `y² = x³ + ax + b` (SEC 1 §2.3.4, the four KMS Weierstrass
//! curves); what is `y` of a compressed or compact `x` (a square root, `p ≡ 3
//! mod 4` on all four); and does an Ed25519 `y` decompress (RFC 8032
//! §5.1.3: `u/v` a square). It accepts exactly what the RustCrypto crates'
//! `from_sec1_bytes` / `ed25519-dalek`'s `from_bytes` accept (differential
//! tests below), and is never used on secrets.

use core::cmp::Ordering;

use super::algorithm::KeySpec;
use crate::{Error, Result};

/// Limbs of 32 bits: 544 bits, enough for P-521.
const N: usize = 17;
type Limbs = [u32; N];

const BAD_POINT: Error =
    Error::MalformedPublicKey("EC public key is not a valid point on its curve");

/// The low 32 bits of `x`.
fn lo(x: u64) -> u32 {
    let b = x.to_le_bytes();
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// Big-endian bytes (at most `4 * N`) as limbs.
fn from_be(bytes: &[u8]) -> Option<Limbs> {
    if bytes.len() > 4 * N {
        return None;
    }
    let mut out = [0u32; N];
    for (limb, chunk) in out.iter_mut().zip(bytes.rchunks(4)) {
        *limb = chunk.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
    }
    Some(out)
}

/// The low `len` bytes of `x`, big-endian.
fn to_be(x: &Limbs, len: usize) -> Vec<u8> {
    let mut le: Vec<u8> = x.iter().flat_map(|l| l.to_le_bytes()).collect();
    le.truncate(len);
    le.resize(len, 0);
    le.reverse();
    le
}

fn cmp(a: &Limbs, b: &Limbs) -> Ordering {
    a.iter().rev().cmp(b.iter().rev())
}

fn add(a: &Limbs, b: &Limbs) -> (Limbs, bool) {
    let mut out = [0u32; N];
    let mut c = 0u64;
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        let s = u64::from(x) + u64::from(y) + c;
        *o = lo(s);
        c = s >> 32;
    }
    (out, c != 0)
}

fn sub(a: &Limbs, b: &Limbs) -> (Limbs, bool) {
    let mut out = [0u32; N];
    let mut borrow = false;
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        let (d, b1) = x.overflowing_sub(y);
        let (d, b2) = d.overflowing_sub(u32::from(borrow));
        *o = d;
        borrow = b1 || b2;
    }
    (out, borrow)
}

fn is_zero(a: &Limbs) -> bool {
    a.iter().all(|&l| l == 0)
}

/// Arithmetic modulo an odd prime `p`, in Montgomery form with `R = 2^(32N)`.
struct Field {
    p: Limbs,
    /// `−p⁻¹ mod 2³²`.
    inv: u32,
    /// `R² mod p`.
    r2: Limbs,
}

impl Field {
    fn new(p_be: &[u8]) -> Option<Self> {
        let p = from_be(p_be)?;
        // Newton's iteration for p⁻¹ mod 2³² (p odd): 5 steps double 1 correct bit to 32.
        let mut x = 1u32;
        for _ in 0..5 {
            x = x.wrapping_mul(2u32.wrapping_sub(p[0].wrapping_mul(x)));
        }
        let mut f = Self {
            p,
            inv: x.wrapping_neg(),
            r2: [0; N],
        };
        // R² mod p by doubling 1 (2 · 32N times).
        let mut r = [0u32; N];
        r[0] = 1;
        for _ in 0..2 * 32 * N {
            r = f.add(&r, &r);
        }
        f.r2 = r;
        Some(f)
    }

    fn add(&self, a: &Limbs, b: &Limbs) -> Limbs {
        let (s, carry) = add(a, b);
        if carry || cmp(&s, &self.p) != Ordering::Less {
            sub(&s, &self.p).0
        } else {
            s
        }
    }

    fn sub(&self, a: &Limbs, b: &Limbs) -> Limbs {
        let (d, borrow) = sub(a, b);
        if borrow { add(&d, &self.p).0 } else { d }
    }

    /// `a · b · R⁻¹ mod p` (CIOS), for `a, b < p`.
    fn mul(&self, a: &Limbs, b: &Limbs) -> Limbs {
        let mut t = [0u32; N];
        let mut t_n = 0u32;
        for &bi in b {
            let mut c = 0u64;
            for (tj, &aj) in t.iter_mut().zip(a) {
                let s = u64::from(*tj) + u64::from(aj) * u64::from(bi) + c;
                *tj = lo(s);
                c = s >> 32;
            }
            let s = u64::from(t_n) + c;
            t_n = lo(s);
            let t_n1 = lo(s >> 32);
            let m = t[0].wrapping_mul(self.inv);
            let mut c = (u64::from(t[0]) + u64::from(m) * u64::from(self.p[0])) >> 32;
            let mut out = [0u32; N];
            let mut slots = out.iter_mut();
            for (&tj, &pj) in t.iter().zip(&self.p).skip(1) {
                let s = u64::from(tj) + u64::from(m) * u64::from(pj) + c;
                if let Some(o) = slots.next() {
                    *o = lo(s);
                }
                c = s >> 32;
            }
            let s = u64::from(t_n) + c;
            if let Some(o) = slots.next() {
                *o = lo(s);
            }
            t_n = t_n1.wrapping_add(lo(s >> 32));
            t = out;
        }
        if t_n != 0 || cmp(&t, &self.p) != Ordering::Less {
            t = sub(&t, &self.p).0;
        }
        t
    }

    fn to_mont(&self, a: &Limbs) -> Limbs {
        self.mul(a, &self.r2)
    }

    fn out_of_mont(&self, a: &Limbs) -> Limbs {
        let mut one = [0u32; N];
        one[0] = 1;
        self.mul(a, &one)
    }

    /// `a^e` for `a` in Montgomery form (result in Montgomery form).
    fn pow(&self, a: &Limbs, e: &Limbs) -> Limbs {
        let mut one = [0u32; N];
        one[0] = 1;
        let mut acc = self.to_mont(&one);
        for limb in e.iter().rev() {
            for bit in (0..32).rev() {
                acc = self.mul(&acc, &acc);
                if (limb >> bit) & 1 == 1 {
                    acc = self.mul(&acc, a);
                }
            }
        }
        acc
    }

    /// `(p + 1) / 4`, the square-root exponent for `p ≡ 3 mod 4`.
    fn sqrt_exp(&self) -> Limbs {
        let mut one = [0u32; N];
        one[0] = 1;
        let (s, _) = add(&self.p, &one);
        shr(&s, 2)
    }

    /// `(p − 1) / 2`, Euler's criterion.
    fn euler_exp(&self) -> Limbs {
        shr(&self.p, 1)
    }
}

fn shr(a: &Limbs, k: u32) -> Limbs {
    let mut out = [0u32; N];
    let mut hi = 0u32;
    for (o, &l) in out.iter_mut().rev().zip(a.iter().rev()) {
        *o = (l >> k) | hi;
        hi = l.checked_shl(32 - k).unwrap_or(0);
    }
    out
}

/// A short-Weierstrass curve `y² = x³ + ax + b` over `F_p`, `p ≡ 3 mod 4`.
struct Curve {
    p: &'static [u8],
    /// `a`, as `p − 3` for the NIST curves or zero.
    a_is_minus_3: bool,
    b: &'static [u8],
    /// Primeorder's compact points take `min(y, p − y)`; k256's, even `y`.
    compact_min: bool,
}

const P256: Curve = Curve {
    p: &[
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff,
    ],
    a_is_minus_3: true,
    b: &[
        0x5a, 0xc6, 0x35, 0xd8, 0xaa, 0x3a, 0x93, 0xe7, 0xb3, 0xeb, 0xbd, 0x55, 0x76, 0x98, 0x86,
        0xbc, 0x65, 0x1d, 0x06, 0xb0, 0xcc, 0x53, 0xb0, 0xf6, 0x3b, 0xce, 0x3c, 0x3e, 0x27, 0xd2,
        0x60, 0x4b,
    ],
    compact_min: true,
};

const P384: Curve = Curve {
    p: &[
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff,
        0xff, 0xff, 0xff,
    ],
    a_is_minus_3: true,
    b: &[
        0xb3, 0x31, 0x2f, 0xa7, 0xe2, 0x3e, 0xe7, 0xe4, 0x98, 0x8e, 0x05, 0x6b, 0xe3, 0xf8, 0x2d,
        0x19, 0x18, 0x1d, 0x9c, 0x6e, 0xfe, 0x81, 0x41, 0x12, 0x03, 0x14, 0x08, 0x8f, 0x50, 0x13,
        0x87, 0x5a, 0xc6, 0x56, 0x39, 0x8d, 0x8a, 0x2e, 0xd1, 0x9d, 0x2a, 0x85, 0xc8, 0xed, 0xd3,
        0xec, 0x2a, 0xef,
    ],
    compact_min: true,
};

const P521: Curve = Curve {
    p: &[
        0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    ],
    a_is_minus_3: true,
    b: &[
        0x00, 0x51, 0x95, 0x3e, 0xb9, 0x61, 0x8e, 0x1c, 0x9a, 0x1f, 0x92, 0x9a, 0x21, 0xa0, 0xb6,
        0x85, 0x40, 0xee, 0xa2, 0xda, 0x72, 0x5b, 0x99, 0xb3, 0x15, 0xf3, 0xb8, 0xb4, 0x89, 0x91,
        0x8e, 0xf1, 0x09, 0xe1, 0x56, 0x19, 0x39, 0x51, 0xec, 0x7e, 0x93, 0x7b, 0x16, 0x52, 0xc0,
        0xbd, 0x3b, 0xb1, 0xbf, 0x07, 0x35, 0x73, 0xdf, 0x88, 0x3d, 0x2c, 0x34, 0xf1, 0xef, 0x45,
        0x1f, 0xd4, 0x6b, 0x50, 0x3f, 0x00,
    ],
    compact_min: true,
};

const K256: Curve = Curve {
    p: &[
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff,
        0xfc, 0x2f,
    ],
    a_is_minus_3: false,
    b: &[
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x07,
    ],
    compact_min: false,
};

/// The group orders `n`, big-endian at the scalar width (for `0 < r, s < n`).
pub(crate) const ORDER_P256: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];
pub(crate) const ORDER_P384: [u8; 48] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf,
    0x58, 0x1a, 0x0d, 0xb2, 0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73,
];
pub(crate) const ORDER_P521: [u8; 66] = [
    0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xfa, 0x51, 0x86, 0x87, 0x83, 0xbf, 0x2f, 0x96, 0x6b, 0x7f, 0xcc, 0x01, 0x48, 0xf7, 0x09,
    0xa5, 0xd0, 0x3b, 0xb5, 0xc9, 0xb8, 0x89, 0x9c, 0x47, 0xae, 0xbb, 0x6f, 0xb7, 0x1e, 0x91, 0x38,
    0x64, 0x09,
];
pub(crate) const ORDER_K256: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
];

/// `0 < v < n` for a big-endian `v` of the same width as `n`.
#[must_use]
pub(crate) fn scalar_in_range(v: &[u8], n: &[u8]) -> bool {
    v.len() == n.len() && v.iter().any(|&b| b != 0) && v < n
}

impl Curve {
    /// `x³ + ax + b` (Montgomery form in, Montgomery form out).
    fn rhs(&self, f: &Field, x: &Limbs) -> Option<Limbs> {
        let b = f.to_mont(&from_be(self.b)?);
        let x3 = f.mul(&f.mul(x, x), x);
        let mut r = f.add(&x3, &b);
        if self.a_is_minus_3 {
            let x3x = f.add(&f.add(x, x), x);
            r = f.sub(&r, &x3x);
        }
        Some(r)
    }

    /// The uncompressed point (`04 ‖ x ‖ y`) of a SEC 1 encoding, if it is a
    /// point on the curve other than the identity.
    fn decode(&self, point: &[u8]) -> Option<Vec<u8>> {
        let len = self.p.len();
        let f = Field::new(self.p)?;
        let (&tag, rest) = point.split_first()?;
        let x_bytes = rest.get(..len)?;
        let x = from_be(x_bytes)?;
        if cmp(&x, &f.p) != Ordering::Less {
            return None;
        }
        let xm = f.to_mont(&x);
        let rhs = self.rhs(&f, &xm)?;
        let y = match (tag, rest.len()) {
            (0x04, l) if l == 2 * len => {
                let y = from_be(rest.get(len..)?)?;
                if cmp(&y, &f.p) != Ordering::Less {
                    return None;
                }
                let ym = f.to_mont(&y);
                (f.mul(&ym, &ym) == rhs).then_some(y)?
            }
            (0x02 | 0x03 | 0x05, l) if l == len => {
                let root = f.pow(&rhs, &f.sqrt_exp());
                if f.mul(&root, &root) != rhs {
                    return None;
                }
                let y = f.out_of_mont(&root);
                let neg = f.sub(&[0; N], &y);
                let odd = y[0] & 1 == 1;
                match tag {
                    0x02 | 0x03 => {
                        if odd == (tag == 0x03) {
                            y
                        } else {
                            neg
                        }
                    }
                    _ if self.compact_min => {
                        if cmp(&y, &neg) == Ordering::Greater {
                            neg
                        } else {
                            y
                        }
                    }
                    _ => {
                        if odd {
                            neg
                        } else {
                            y
                        }
                    }
                }
            }
            _ => return None,
        };
        let mut out = Vec::with_capacity(1 + 2 * len);
        out.push(0x04);
        out.extend_from_slice(x_bytes);
        out.extend_from_slice(&to_be(&y, len));
        Some(out)
    }
}

/// Decodes a SEC 1 §2.3.3 point (compressed, compact or uncompressed) for
/// `spec` and returns it uncompressed (`04 ‖ x ‖ y`).
///
/// # Errors
/// [`Error::MalformedPublicKey`] if the bytes are not a point on the curve
/// (the identity included).
pub fn ec_point(spec: KeySpec, point: &[u8]) -> Result<Vec<u8>> {
    let curve = match spec {
        KeySpec::EccNistP256 => &P256,
        KeySpec::EccNistP384 => &P384,
        KeySpec::EccNistP521 => &P521,
        KeySpec::EccSecgP256k1 => &K256,
        _ => return Err(Error::MalformedPublicKey("not an EC key spec")),
    };
    curve.decode(point).ok_or(BAD_POINT)
}

/// Whether 32 bytes decompress to an Edwards25519 point (RFC 8032 §5.1.3
/// steps 1–3, as `ed25519-dalek` decodes: `y` taken mod p, `x` exists).
#[must_use]
pub fn ed25519_decompresses(bytes: &[u8; 32]) -> bool {
    const P: [u8; 32] = [
        0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xed,
    ];
    const D: [u8; 32] = [
        0x52, 0x03, 0x6c, 0xee, 0x2b, 0x6f, 0xfe, 0x73, 0x8c, 0xc7, 0x40, 0x79, 0x77, 0x79, 0xe8,
        0x98, 0x00, 0x70, 0x0a, 0x4d, 0x41, 0x41, 0xd8, 0xab, 0x75, 0xeb, 0x4d, 0xca, 0x13, 0x59,
        0x78, 0xa3,
    ];
    let Some(f) = Field::new(&P) else {
        return false;
    };
    let mut le = *bytes;
    le[31] &= 0x7f;
    le.reverse();
    let (Some(y), Some(d)) = (from_be(&le), from_be(&D)) else {
        return false;
    };
    // y < 2^255 < 2p: one subtraction reduces it.
    let y = if cmp(&y, &f.p) == Ordering::Less {
        y
    } else {
        sub(&y, &f.p).0
    };
    let ym = f.to_mont(&y);
    let one = f.to_mont(&{
        let mut o = [0u32; N];
        o[0] = 1;
        o
    });
    let y2 = f.mul(&ym, &ym);
    let u = f.sub(&y2, &one);
    let v = f.add(&f.mul(&f.to_mont(&d), &y2), &one);
    // u/v is a square iff u·v is (v ≠ 0 always: −1/d is not a square).
    let uv = f.mul(&u, &v);
    if is_zero(&uv) {
        return true;
    }
    f.pow(&uv, &f.euler_exp()) == one
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use p384::elliptic_curve::sec1::ToSec1Point as _;

    /// The crates' own decoders, which this module must agree with.
    fn crates(spec: KeySpec, point: &[u8]) -> Option<Vec<u8>> {
        macro_rules! c {
            ($c:ident) => {
                $c::ecdsa::VerifyingKey::from_sec1_bytes(point)
                    .ok()
                    .map(|k| k.to_sec1_point(false).as_bytes().to_vec())
            };
        }
        match spec {
            KeySpec::EccNistP256 => c!(p256),
            KeySpec::EccNistP384 => c!(p384),
            KeySpec::EccNistP521 => c!(p521),
            _ => c!(k256),
        }
    }

    /// A small deterministic generator (xorshift), for reproducible inputs.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u8 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0.to_le_bytes()[0]
        }
        fn bytes(&mut self, n: usize) -> Vec<u8> {
            (0..n).map(|_| self.next()).collect()
        }
    }

    const SPECS: [(KeySpec, usize); 4] = [
        (KeySpec::EccNistP256, 32),
        (KeySpec::EccNistP384, 48),
        (KeySpec::EccNistP521, 66),
        (KeySpec::EccSecgP256k1, 32),
    ];

    fn agree(spec: KeySpec, point: &[u8]) {
        assert_eq!(
            ec_point(spec, point).ok(),
            crates(spec, point),
            "{spec:?} {}",
            hex::encode(point)
        );
    }

    #[test]
    fn agrees_with_the_curve_crates() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for (spec, len) in SPECS {
            // Generator multiples from the crates: valid points in every encoding.
            for k in 1u64..12 {
                let point = match spec {
                    KeySpec::EccNistP256 => {
                        let sk = p256::SecretKey::from_slice(&{
                            let mut b = [0u8; 32];
                            b[24..].copy_from_slice(&(k * 7919).to_be_bytes());
                            b
                        })
                        .unwrap();
                        sk.public_key().to_sec1_point(false).as_bytes().to_vec()
                    }
                    KeySpec::EccNistP384 => {
                        let mut b = [0u8; 48];
                        b[40..].copy_from_slice(&(k * 7919).to_be_bytes());
                        let sk = p384::SecretKey::from_slice(&b).unwrap();
                        sk.public_key().to_sec1_point(false).as_bytes().to_vec()
                    }
                    KeySpec::EccNistP521 => {
                        let mut b = [0u8; 66];
                        b[58..].copy_from_slice(&(k * 7919).to_be_bytes());
                        let sk = p521::SecretKey::from_slice(&b).unwrap();
                        sk.public_key().to_sec1_point(false).as_bytes().to_vec()
                    }
                    _ => {
                        let mut b = [0u8; 32];
                        b[24..].copy_from_slice(&(k * 7919).to_be_bytes());
                        let sk = k256::SecretKey::from_slice(&b).unwrap();
                        sk.public_key().to_sec1_point(false).as_bytes().to_vec()
                    }
                };
                let x = &point[1..=len];
                let y_odd = point[2 * len] & 1;
                agree(spec, &point);
                for tag in [2u8, 3, 5] {
                    let mut c = vec![tag];
                    c.extend_from_slice(x);
                    agree(spec, &c);
                }
                assert_eq!(
                    ec_point(spec, &[&[2 + y_odd][..], x].concat()).unwrap(),
                    point
                );
                // Off the curve: y + 1; x + 1 compressed; truncated; bad tags.
                let mut off = point.clone();
                off[2 * len] ^= 1;
                agree(spec, &off);
                let mut c = vec![2u8];
                c.extend_from_slice(x);
                c[len] ^= 1;
                agree(spec, &c);
                agree(spec, &point[..point.len() - 1]);
                for tag in [0u8, 1, 6, 7] {
                    let mut t = point.clone();
                    t[0] = tag;
                    agree(spec, &t);
                }
            }
            // Random x: about half decompress.
            for _ in 0..40 {
                let mut c = vec![2 + (rng.next() & 1)];
                c.extend(rng.bytes(len));
                if len == 66 {
                    c[1] &= 1;
                }
                agree(spec, &c);
                let mut u = vec![4u8];
                u.extend(rng.bytes(2 * len));
                agree(spec, &u);
            }
            // Coordinates at and above p; the identity; empty.
            let p = match spec {
                KeySpec::EccNistP256 => P256.p,
                KeySpec::EccNistP384 => P384.p,
                KeySpec::EccNistP521 => P521.p,
                _ => K256.p,
            };
            for tag in [2u8, 3, 5] {
                agree(spec, &[&[tag][..], p].concat());
                agree(spec, &[&[tag][..], &vec![0xff; len][..]].concat());
                agree(spec, &[&[tag][..], &vec![0; len][..]].concat());
            }
            agree(spec, &[0]);
            agree(spec, &[]);
            agree(spec, &[&[4u8][..], p, p].concat());
        }
    }

    #[test]
    fn ed25519_agrees_with_dalek() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let mut cases: Vec<[u8; 32]> = (0..400)
            .map(|_| rng.bytes(32).try_into().unwrap())
            .collect();
        // y = p, p + 1, 2^255 − 1 (non-canonical), 0, 1, −1, with both sign bits.
        let p = [
            0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xed,
        ];
        for base in [p, [0xff; 32], [0; 32]] {
            for s in [0u8, 0x80] {
                let mut le = base;
                le.reverse();
                le[31] = (le[31] & 0x7f) | s;
                cases.push(le);
                le[0] = le[0].wrapping_add(1);
                cases.push(le);
            }
        }
        let mut one = [0u8; 32];
        one[0] = 1;
        cases.push(one);
        for c in cases {
            assert_eq!(
                ed25519_decompresses(&c),
                ed25519_dalek::VerifyingKey::from_bytes(&c).is_ok(),
                "{}",
                hex::encode(c)
            );
        }
    }

    #[test]
    fn order_range() {
        assert!(scalar_in_range(&[0, 1], &[0, 2]));
        assert!(!scalar_in_range(&[0, 2], &[0, 2]));
        assert!(!scalar_in_range(&[0, 0], &[0, 2]));
        assert!(!scalar_in_range(&[1], &[0, 2]));
    }
}
