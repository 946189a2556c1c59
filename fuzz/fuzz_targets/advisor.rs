//! The key-type advisor (`recommend_key_type`) and the cost model
//! (`estimate_cost`), from JSON as `recommendKeyType`/`estimateKmsCost`
//! receive it and from structured values.
//!
//! Input: a mode byte, then: mode 0 — JSON answers; 1 — JSON cost input;
//! 2 — answers built field by field from the bytes; 3 — cost input built
//! from raw f64 bit patterns (NaN, infinities, negative zero, subnormals).
//!
//! Checks: no panic; refusals are `INVALID_ARGUMENT`; a recommendation has
//! one conflict code per conflict, a key type KMS can create for the
//! answers' purpose, and finite, non-negative costs; a cost estimate is
//! finite and non-negative, its total the sum of its parts; both serialize;
//! at most 64 bytes allocated per input byte plus 256 KiB.

#![no_main]

use std::collections::BTreeMap;

use edge_kms::kms::{
    Answers, CostEstimate, CostInput, KeyType, Recommendation, estimate_cost, recommend_key_type,
};
use edge_kms_fuzz::alloc::{measure, within_budget};
use edge_kms_fuzz::input::Input;
use libfuzzer_sys::fuzz_target;

fn finite(what: &str, v: f64) {
    assert!(v.is_finite() && v >= 0.0, "{what} is {v}");
}

fn check_recommendation(r: &Recommendation) {
    assert_eq!(
        r.conflicts.len(),
        r.conflict_codes.len(),
        "a conflict without its code"
    );
    finite("monthlyCostUsd", r.monthly_cost_usd);
    for l in &r.cost_breakdown {
        finite(l.item, l.usd);
        finite(l.item, l.quantity);
    }
    // Never something KMS refuses: AWS owned/managed and CloudHSM keys are
    // symmetric encryption keys, and CloudHSM keys are not rotated automatically.
    if matches!(
        r.key_type,
        KeyType::AwsOwned | KeyType::AwsManaged | KeyType::CloudhsmKeyStore
    ) {
        assert!(
            r.purpose.is_symmetric_encryption(),
            "{:?} for {:?}",
            r.key_type,
            r.purpose
        );
    }
    if r.key_type == KeyType::CloudhsmKeyStore {
        assert_ne!(r.rotation, "automatic");
    }
    assert!(["automatic", "on-demand", "manual", "aws", "none"].contains(&r.rotation));
    serde_json::to_string(r).expect("serializes");
}

fn check_cost(c: &CostEstimate) {
    for (what, v) in [
        ("keysUsd", c.keys_usd),
        ("requestsUsd", c.requests_usd),
        ("hsmUsd", c.hsm_usd),
        ("totalUsd", c.total_usd),
        ("kmsRequests", c.kms_requests),
        ("requestsSavedByCache", c.requests_saved_by_cache),
        ("totalWithoutCacheUsd", c.total_without_cache_usd),
    ] {
        finite(what, v);
    }
    let parts = c.keys_usd + c.requests_usd + c.hsm_usd;
    // Each figure is rounded to a tenth of a cent on its own.
    assert!(
        (c.total_usd - parts).abs() <= 0.002 + 1e-9 * parts,
        "total {} is not the sum {parts}",
        c.total_usd
    );
    serde_json::to_string(c).expect("serializes");
}

fn opt_bool(i: &mut Input<'_>) -> Option<bool> {
    match i.byte() % 3 {
        0 => None,
        1 => Some(false),
        _ => Some(true),
    }
}

fn opt_string(i: &mut Input<'_>) -> Option<String> {
    let n = usize::from(i.byte() % 40);
    (n > 0).then(|| String::from_utf8_lossy(i.take(n - 1)).into_owned())
}

fn structured_answers(i: &mut Input<'_>) -> Answers {
    Answers {
        need_key_control: opt_bool(i),
        cross_account: opt_bool(i),
        hsm_required: opt_bool(i),
        import_key_material: opt_bool(i),
        multi_region: opt_bool(i),
        purpose: match i.byte() % 4 {
            0 => None,
            1 => serde_json::from_str("\"encrypt\"").ok(),
            2 => serde_json::from_str("\"sign\"").ok(),
            _ => serde_json::from_str("\"hmac\"").ok(),
        },
        automatic_rotation: opt_bool(i),
        audit_key_use: opt_bool(i),
        alias: opt_string(i),
        region: opt_string(i),
        replica_regions: (i.byte() % 2 == 1)
            .then(|| (0..i.byte() % 4).filter_map(|_| opt_string(i)).collect()),
        account: opt_string(i),
        trusted_account: opt_string(i),
        encryption_context: (i.byte() % 2 == 1).then(|| {
            let mut m = BTreeMap::new();
            for _ in 0..i.byte() % 4 {
                if let (Some(k), Some(v)) = (opt_string(i), opt_string(i)) {
                    m.insert(k, v);
                }
            }
            m
        }),
        requests_per_month: (i.byte() % 2 == 1).then(|| i.f64()),
    }
}

fn structured_cost(i: &mut Input<'_>) -> CostInput {
    let flags = i.byte();
    CostInput {
        keys: i.f64(),
        regions: (flags & 1 != 0).then(|| i.f64()),
        requests_per_month: i.f64(),
        asymmetric_requests: i.f64(),
        hsm_count: i.f64(),
        hsm_hours: (flags & 2 != 0).then(|| i.f64()),
        cache_hit_ratio: i.f64(),
        rotations_per_key: i.f64(),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut i = Input::new(data);
    let mode = i.byte() % 4;
    let rest = i.rest();
    let ((), peak) = measure(|| match mode {
        0 | 2 => {
            let answers = if mode == 0 {
                match serde_json::from_slice::<Answers>(rest) {
                    Ok(a) => a,
                    Err(_) => return,
                }
            } else {
                structured_answers(&mut Input::new(rest))
            };
            match recommend_key_type(&answers) {
                Ok(r) => check_recommendation(&r),
                Err(e) => assert_eq!(e.code(), "INVALID_ARGUMENT"),
            }
        }
        _ => {
            let input = if mode == 1 {
                match serde_json::from_slice::<CostInput>(rest) {
                    Ok(c) => c,
                    Err(_) => return,
                }
            } else {
                structured_cost(&mut Input::new(rest))
            };
            match estimate_cost(&input) {
                Ok(c) => check_cost(&c),
                Err(e) => assert_eq!(e.code(), "INVALID_ARGUMENT"),
            }
        }
    });
    within_budget("advisor", peak, data.len(), 64, 256 << 10);
});
