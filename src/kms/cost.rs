//! The KMS cost model: key-months, requests (with the free tier), CloudHSM
//! hours, and what a data-key cache saves.
//!
//! Prices are US East (N. Virginia) list prices; other Regions differ a
//! little. Source: <https://aws.amazon.com/kms/pricing/> and
//! <https://aws.amazon.com/cloudhsm/pricing/>, as read on 2026-11-23:
//!
//! - every customer managed key, each multi-Region primary and each replica,
//!   imported or custom-key-store key: $1/month (prorated hourly); AWS managed
//!   and AWS owned keys: no monthly charge;
//! - automatic or on-demand rotation: +$1/month for each of the first two
//!   rotations of a key; later rotations are free (the cap since May 2024);
//! - requests: $0.03 per 10,000 symmetric and RSA 2048 requests, $0.15 per
//!   10,000 other asymmetric requests, $0.10 per 10,000 ECC
//!   `GenerateDataKeyPair`, $12 per 10,000 RSA `GenerateDataKeyPair`;
//!   20,000 requests a month free, across all Regions, except that
//!   `GenerateDataKeyPair(WithoutPlaintext)` and requests that use an
//!   asymmetric key (`Sign`, `Verify`, `Encrypt`, `Decrypt`, `GetPublicKey`)
//!   are not part of the free tier (the pricing page's footnote, checked
//!   2026-12-02; the per-request prices above could not be re-read then);
//! - CloudHSM `hsm1.medium`/`hsm2m.medium`: $1.45 per HSM-hour, and a KMS
//!   custom key store needs a cluster of at least two HSMs.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The date the prices below were checked against the AWS pricing pages.
pub const PRICES_AS_OF: &str = "2026-11-23";
/// Where the prices come from.
pub const PRICES_SOURCE: &str =
    "aws.amazon.com/kms/pricing and aws.amazon.com/cloudhsm/pricing, us-east-1 list prices";

/// $ per key (and per multi-Region replica) per month.
pub const KEY_MONTH_USD: f64 = 1.0;
/// $ per month added by each of a key's first two rotations.
pub const ROTATION_MONTH_USD: f64 = 1.0;
/// Rotations after this many add nothing (the May 2024 cap).
pub const BILLED_ROTATIONS_CAP: u32 = 2;
/// $ per 10,000 symmetric (and RSA 2048) requests.
pub const SYMMETRIC_PER_10K_USD: f64 = 0.03;
/// $ per 10,000 asymmetric requests other than RSA 2048.
pub const ASYMMETRIC_PER_10K_USD: f64 = 0.15;
/// $ per 10,000 ECC `GenerateDataKeyPair` requests.
pub const ECC_DATA_KEY_PAIR_PER_10K_USD: f64 = 0.10;
/// $ per 10,000 RSA `GenerateDataKeyPair` requests.
pub const RSA_DATA_KEY_PAIR_PER_10K_USD: f64 = 12.0;
/// Free requests per month, account-wide; asymmetric requests never count against it.
pub const FREE_REQUESTS: f64 = 20_000.0;
/// $ per CloudHSM HSM-hour.
pub const HSM_HOUR_USD: f64 = 1.45;
/// Hours in the average month (8,760 / 12), as AWS's calculator uses.
pub const HOURS_PER_MONTH: f64 = 730.0;
/// The smallest CloudHSM cluster a custom key store accepts.
pub const MIN_HSMS_FOR_KEY_STORE: u32 = 2;

/// Inputs of [`estimate_cost`]; every field is optional and defaults to 0
/// (`regions` to 1, `hsm_hours` to a full month).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct CostInput {
    /// Customer managed keys (each multi-Region key counts once here).
    pub keys: f64,
    /// Regions each key exists in: 1 for single-Region keys, primary + replicas for multi-Region keys.
    pub regions: Option<f64>,
    /// Symmetric operations per month that need KMS (one per `Encrypt`/`Decrypt`/`GenerateDataKey`).
    pub requests_per_month: f64,
    /// Asymmetric requests per month (`Sign`, `Verify`, RSA/ECC other than RSA 2048), never cached.
    pub asymmetric_requests: f64,
    /// HSMs in the CloudHSM cluster behind a custom key store.
    pub hsm_count: f64,
    /// Hours each HSM runs this month (default: 730, a full month).
    pub hsm_hours: Option<f64>,
    /// Share of symmetric operations the data-key cache answers without KMS, 0 to 1.
    pub cache_hit_ratio: f64,
    /// Rotations each key has had (automatic or on demand); only the first two are billed.
    pub rotations_per_key: f64,
}

/// One line of the bill.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CostLine {
    /// What is billed.
    pub item: &'static str,
    /// How many units.
    pub quantity: f64,
    /// The unit, singular (`key-month`, `request`, `HSM-hour`).
    pub unit: &'static str,
    /// $ for this line.
    pub usd: f64,
}

/// What [`estimate_cost`] returns.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CostEstimate {
    /// The bill, line by line.
    pub lines: Vec<CostLine>,
    /// Key-months plus rotations.
    pub keys_usd: f64,
    /// Requests after the cache and the free tier.
    pub requests_usd: f64,
    /// CloudHSM hours.
    pub hsm_usd: f64,
    /// Everything.
    pub total_usd: f64,
    /// Symmetric requests that reach KMS after the cache.
    pub kms_requests: f64,
    /// Symmetric requests the cache answered.
    pub requests_saved_by_cache: f64,
    /// The total without a cache (`cache_hit_ratio` 0), for comparison.
    pub total_without_cache_usd: f64,
    /// What the cache saves per month.
    pub cache_savings_usd: f64,
    /// Caveats worth reading next to the figures.
    pub notes: Vec<&'static str>,
    /// When the prices were checked.
    pub prices_as_of: &'static str,
    /// Where the prices come from.
    pub source: &'static str,
}

fn count(v: f64, what: &'static str) -> Result<f64> {
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(Error::InvalidArgument(what))
    }
}

/// Rounds to a tenth of a cent, so sums print cleanly.
fn money(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Estimates a month of KMS (and CloudHSM) charges.
///
/// The free tier covers symmetric requests only: requests that use an
/// asymmetric key, and `GenerateDataKeyPair`, are excluded from it.
///
/// # Errors
/// [`Error::InvalidArgument`] for a negative or non-finite number, a
/// `cache_hit_ratio` outside 0..=1, `regions` below 1, or inputs so large
/// that a figure would not be finite.
pub fn estimate_cost(input: &CostInput) -> Result<CostEstimate> {
    let keys = count(input.keys, "keys must be a non-negative number")?;
    let regions = count(
        input.regions.unwrap_or(1.0),
        "regions must be a number of at least 1",
    )?;
    if regions < 1.0 {
        return Err(Error::InvalidArgument(
            "regions must be a number of at least 1",
        ));
    }
    let requests = count(
        input.requests_per_month,
        "requestsPerMonth must be a non-negative number",
    )?;
    let asym = count(
        input.asymmetric_requests,
        "asymmetricRequests must be a non-negative number",
    )?;
    let hsms = count(input.hsm_count, "hsmCount must be a non-negative number")?;
    let hsm_hours = count(
        input.hsm_hours.unwrap_or(HOURS_PER_MONTH),
        "hsmHours must be a non-negative number",
    )?;
    let rotations = count(
        input.rotations_per_key,
        "rotationsPerKey must be a non-negative number",
    )?;
    let ratio = input.cache_hit_ratio;
    if !(0.0..=1.0).contains(&ratio) {
        return Err(Error::InvalidArgument(
            "cacheHitRatio must be between 0 and 1",
        ));
    }

    let key_months = keys * regions;
    let billed_rotations = rotations.floor().min(f64::from(BILLED_ROTATIONS_CAP));
    let keys_usd = key_months * KEY_MONTH_USD + key_months * billed_rotations * ROTATION_MONTH_USD;

    let requests_for = |symmetric: f64| {
        let free_sym = symmetric.min(FREE_REQUESTS);
        (
            (symmetric - free_sym) / 10_000.0 * SYMMETRIC_PER_10K_USD,
            asym / 10_000.0 * ASYMMETRIC_PER_10K_USD,
        )
    };
    // Whole requests, never more than were made (0.6 rounds to 0.6, not 1).
    let kms_requests = (requests * (1.0 - ratio)).round().min(requests);
    let (sym_usd, asym_usd) = requests_for(kms_requests);
    let (sym_usd_nc, asym_usd_nc) = requests_for(requests);
    let requests_usd = sym_usd + asym_usd;
    let hsm_usd = hsms * hsm_hours * HSM_HOUR_USD;
    let total = keys_usd + requests_usd + hsm_usd;
    let total_without_cache = keys_usd + sym_usd_nc + asym_usd_nc + hsm_usd;

    let mut lines = Vec::new();
    if key_months > 0.0 {
        lines.push(CostLine {
            item: "KMS keys (each Region's copy billed)",
            quantity: key_months,
            unit: "key-month",
            usd: money(key_months * KEY_MONTH_USD),
        });
    }
    if key_months > 0.0 && billed_rotations > 0.0 {
        lines.push(CostLine {
            item: "Rotated key material (first two rotations)",
            quantity: key_months * billed_rotations,
            unit: "key-material-month",
            usd: money(key_months * billed_rotations * ROTATION_MONTH_USD),
        });
    }
    if requests > 0.0 {
        lines.push(CostLine {
            item: "Symmetric requests reaching KMS",
            quantity: kms_requests,
            unit: "request",
            usd: money(sym_usd),
        });
    }
    if asym > 0.0 {
        lines.push(CostLine {
            item: "Asymmetric requests",
            quantity: asym,
            unit: "request",
            usd: money(asym_usd),
        });
    }
    if hsms > 0.0 {
        lines.push(CostLine {
            item: "CloudHSM",
            quantity: hsms * hsm_hours,
            unit: "HSM-hour",
            usd: money(hsm_usd),
        });
    }

    let mut notes = vec![
        "The first 20,000 symmetric requests each month are free, across all Regions; requests that use an asymmetric key are not.",
    ];
    if hsms > 0.0 && hsms < f64::from(MIN_HSMS_FOR_KEY_STORE) {
        notes.push("A KMS custom key store needs a CloudHSM cluster with at least two HSMs in different Availability Zones.");
    }
    if ratio > 0.0 {
        notes.push("Cache hits avoid GenerateDataKey calls when sealing; opening still needs one Decrypt per message unless decrypted data keys are cached too.");
    }
    if asym > 0.0 {
        notes.push("Asymmetric prices assume non-RSA-2048 keys ($0.15 per 10,000); RSA 2048 requests cost $0.03 per 10,000, RSA GenerateDataKeyPair $12 per 10,000.");
    }

    let estimate = CostEstimate {
        lines,
        keys_usd: money(keys_usd),
        requests_usd: money(requests_usd),
        hsm_usd: money(hsm_usd),
        total_usd: money(total),
        kms_requests,
        requests_saved_by_cache: requests - kms_requests,
        total_without_cache_usd: money(total_without_cache),
        cache_savings_usd: money(total_without_cache - total),
        notes,
        prices_as_of: PRICES_AS_OF,
        source: PRICES_SOURCE,
    };
    // Finite inputs can still overflow (10^308 keys in 10^308 Regions).
    let figures = [
        estimate.keys_usd,
        estimate.requests_usd,
        estimate.hsm_usd,
        estimate.total_usd,
        estimate.kms_requests,
        estimate.total_without_cache_usd,
        estimate.cache_savings_usd,
    ];
    let lines_finite = estimate
        .lines
        .iter()
        .all(|l| l.quantity.is_finite() && l.usd.is_finite());
    if !lines_finite || figures.iter().any(|v| !v.is_finite()) {
        return Err(Error::InvalidArgument(
            "the inputs are too large for a cost estimate",
        ));
    }
    Ok(estimate)
}

#[cfg(test)]
#[allow(clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn est(input: CostInput) -> CostEstimate {
        match estimate_cost(&input) {
            Ok(e) => e,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn nothing_costs_nothing() {
        let e = est(CostInput::default());
        assert_eq!(e.total_usd, 0.0);
        assert!(e.lines.is_empty());
    }

    #[test]
    fn one_key_within_free_tier() {
        let e = est(CostInput {
            keys: 1.0,
            requests_per_month: 20_000.0,
            ..CostInput::default()
        });
        assert_eq!(e.keys_usd, 1.0);
        assert_eq!(e.requests_usd, 0.0);
        assert_eq!(e.total_usd, 1.0);
    }

    #[test]
    fn symmetric_requests_after_free_tier() {
        // 1,020,000 requests: 1,000,000 billable = 100 x $0.03 = $3.
        let e = est(CostInput {
            keys: 1.0,
            requests_per_month: 1_020_000.0,
            ..CostInput::default()
        });
        assert_eq!(e.requests_usd, 3.0);
        assert_eq!(e.total_usd, 4.0);
    }

    #[test]
    fn cache_cuts_request_cost() {
        let e = est(CostInput {
            keys: 1.0,
            requests_per_month: 10_020_000.0,
            cache_hit_ratio: 0.9,
            ..CostInput::default()
        });
        assert_eq!(e.total_without_cache_usd, 31.0); // $1 + 1,000 x $0.03
        assert_eq!(e.kms_requests, 1_002_000.0);
        assert_eq!(e.requests_saved_by_cache, 9_018_000.0);
        assert_eq!(
            e.requests_usd,
            money((1_002_000.0 - 20_000.0) / 10_000.0 * 0.03)
        );
        assert!(e.cache_savings_usd > 27.0 && e.cache_savings_usd < 28.0);
        assert!((e.total_usd + e.cache_savings_usd - e.total_without_cache_usd).abs() < 0.002);
    }

    #[test]
    fn multi_region_replicas_are_billed() {
        let e = est(CostInput {
            keys: 2.0,
            regions: Some(3.0),
            ..CostInput::default()
        });
        assert_eq!(e.keys_usd, 6.0);
    }

    #[test]
    fn rotation_is_capped_at_two() {
        let one = est(CostInput {
            keys: 1.0,
            rotations_per_key: 1.0,
            ..CostInput::default()
        });
        let five = est(CostInput {
            keys: 1.0,
            rotations_per_key: 5.0,
            ..CostInput::default()
        });
        assert_eq!(one.keys_usd, 2.0);
        assert_eq!(five.keys_usd, 3.0);
    }

    #[test]
    fn asymmetric_requests_are_outside_the_free_tier() {
        let e = est(CostInput {
            asymmetric_requests: 120_000.0,
            ..CostInput::default()
        });
        assert_eq!(e.requests_usd, money(120_000.0 / 10_000.0 * 0.15));
        // Symmetric requests within the free tier leave it unused by asymmetric ones.
        let both = est(CostInput {
            requests_per_month: 10_000.0,
            asymmetric_requests: 20_000.0,
            ..CostInput::default()
        });
        assert_eq!(both.requests_usd, money(20_000.0 / 10_000.0 * 0.15));
    }

    #[test]
    fn cloudhsm_hours() {
        let e = est(CostInput {
            keys: 1.0,
            hsm_count: 2.0,
            ..CostInput::default()
        });
        assert_eq!(e.hsm_usd, 2117.0); // 2 x 730 h x $1.45
        let one = est(CostInput {
            hsm_count: 1.0,
            hsm_hours: Some(10.0),
            ..CostInput::default()
        });
        assert_eq!(one.hsm_usd, 14.5);
        assert!(one.notes.iter().any(|n| n.contains("at least two HSMs")));
    }

    #[test]
    fn refuses_nonsense() {
        for bad in [
            CostInput {
                keys: -1.0,
                ..CostInput::default()
            },
            CostInput {
                keys: f64::NAN,
                ..CostInput::default()
            },
            CostInput {
                requests_per_month: f64::INFINITY,
                ..CostInput::default()
            },
            CostInput {
                cache_hit_ratio: 1.5,
                ..CostInput::default()
            },
            CostInput {
                cache_hit_ratio: -0.1,
                ..CostInput::default()
            },
            CostInput {
                regions: Some(0.0),
                ..CostInput::default()
            },
            CostInput {
                hsm_hours: Some(-1.0),
                ..CostInput::default()
            },
        ] {
            assert_eq!(
                estimate_cost(&bad).map_err(|e| e.code()),
                Err("INVALID_ARGUMENT")
            );
        }
    }

    /// Found by the `advisor` fuzz target: finite inputs whose product
    /// overflows gave `Infinity` or `NaN` figures (∞ key-months × 0 rotations).
    #[test]
    fn figures_too_large_to_compute_are_refused() {
        for input in [
            CostInput {
                keys: 1e308,
                regions: Some(1e308),
                ..CostInput::default()
            },
            CostInput {
                hsm_count: 1e306,
                ..CostInput::default()
            },
        ] {
            assert_eq!(
                estimate_cost(&input).map_err(|e| e.code()),
                Err("INVALID_ARGUMENT")
            );
        }
    }

    /// Found by the `advisor` fuzz target: rounding a fractional request
    /// count up made the cache "save" a negative number of requests.
    #[test]
    fn the_cache_never_adds_requests() {
        let e = est(CostInput {
            requests_per_month: 0.6,
            ..CostInput::default()
        });
        assert!(e.kms_requests <= 0.6);
        assert!(e.requests_saved_by_cache >= 0.0);
    }
}
