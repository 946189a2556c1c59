//! The key-type advisor: which kind of KMS key fits, why, what it costs, and
//! the `aws kms` commands and key policy to create it.
//!
//! It follows the seed decision tree
//!
//! ```text
//! need key control? ─ no ─ cross-account? ─ audit each use in your CloudTrail? ─ yes → aws-managed
//!        │                                                                  └ no  → aws-owned
//!       yes ─ cross-account? ─ HSM required? ─ yes → cloudhsm-key-store
//!                                   └ no ─ import own key material? ─ yes → imported-key-material
//!                                               └ no ─ multi-Region? ─ yes → multi-region
//!                                                           └ no  → customer-managed
//! ```
//!
//! and knows the constraints KMS enforces. When answers contradict them it
//! never recommends something KMS would refuse: the recommended `key_type`
//! is always one the generated commands can create, and every requirement
//! that had to give way is reported in `conflicts` (with a stable code in
//! `conflict_codes`, in the same order) and, where one exists, an
//! alternative. The rules (AWS KMS Developer Guide, checked 2026-11-23):
//!
//! - AWS owned and AWS managed keys are symmetric encryption keys that only
//!   the AWS service they belong to can use; you cannot change their
//!   policies, use them from your own code, or share them with another
//!   account. Anything else needs a customer managed key.
//! - Custom key stores (CloudHSM) hold symmetric encryption keys only,
//!   generated in the cluster (origin `AWS_CLOUDHSM`): no asymmetric or HMAC
//!   keys, no multi-Region keys, no imported material, no automatic or
//!   on-demand rotation.
//! - Automatic rotation exists only for symmetric encryption keys whose
//!   material KMS generated. Keys with imported material can be rotated on
//!   demand (`RotateKeyOnDemand` after importing new material) since 2025,
//!   single-Region keys only; asymmetric and HMAC keys cannot be rotated.
//!   On-demand rotation: at most 25 times per key, a quota that cannot be
//!   raised (Developer Guide, "Perform on-demand key rotation" and "Resource
//!   quotas", checked 2026-12-02; older API reference copies say 10).
//! - Multi-Region keys can be symmetric, asymmetric or HMAC and can have
//!   imported material (the same material imported into every replica).

mod cli;
mod names;
mod policy;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use self::cli::cli_for;
use self::names::{Names, names};
use self::policy::key_policy;
use super::cost::{self, CostInput, CostLine};
use super::json::Json;
use super::spec::{Origin, Purpose};
use crate::{Error, Result};

/// The advisor's answers. Every field is optional; an unanswered question
/// counts as "no" unless another answer implies "yes" (multi-Region implies
/// key control, for example).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Answers {
    /// Do you need to control the key (policy, rotation, deletion) or call it from your own code?
    pub need_key_control: Option<bool>,
    /// Must principals in another AWS account use the key?
    pub cross_account: Option<bool>,
    /// Must the key live in an HSM cluster you own (CloudHSM key store)?
    pub hsm_required: Option<bool>,
    /// Must the key material be generated outside AWS and imported (BYOK)?
    pub import_key_material: Option<bool>,
    /// Must the same key work in several Regions?
    pub multi_region: Option<bool>,
    /// Encrypt (default), sign or HMAC.
    pub purpose: Option<Purpose>,
    /// Should KMS rotate the key material automatically?
    pub automatic_rotation: Option<bool>,
    /// Without key control: must each use of the key appear in your own CloudTrail?
    /// (Yes: AWS managed key; no: AWS owned key.)
    pub audit_key_use: Option<bool>,
    /// Alias for the generated commands (default `alias/my-app-key`).
    pub alias: Option<String>,
    /// Region for the generated commands (default `us-east-1`).
    pub region: Option<String>,
    /// Replica Regions of a multi-Region key (default `["eu-west-1"]`).
    pub replica_regions: Option<Vec<String>>,
    /// The key's account (default `111122223333`).
    pub account: Option<String>,
    /// The other account of a cross-account key (default `444455556666`).
    pub trusted_account: Option<String>,
    /// Encryption context pairs the key policy requires (default `{ "app": "my-app" }`).
    pub encryption_context: Option<BTreeMap<String, String>>,
    /// Symmetric requests per month, for the cost figure (default 0).
    pub requests_per_month: Option<f64>,
}

/// The six kinds of key the advisor recommends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyType {
    /// Owned and used by an AWS service, invisible to you, free.
    AwsOwned,
    /// Created in your account for one AWS service (`alias/aws/…`), read-only to you.
    AwsManaged,
    /// Yours: key policy, rotation, deletion, cross-account, direct use.
    CustomerManaged,
    /// A customer managed key generated in your CloudHSM cluster.
    CloudhsmKeyStore,
    /// A customer managed key with key material you import (origin EXTERNAL).
    ImportedKeyMaterial,
    /// A customer managed multi-Region key with replicas.
    MultiRegion,
}

impl KeyType {
    /// Every key type, in the order of the comparison table.
    pub const ALL: [Self; 6] = [
        Self::AwsOwned,
        Self::AwsManaged,
        Self::CustomerManaged,
        Self::CloudhsmKeyStore,
        Self::ImportedKeyMaterial,
        Self::MultiRegion,
    ];

    /// The type as the JS API spells it.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AwsOwned => "aws-owned",
            Self::AwsManaged => "aws-managed",
            Self::CustomerManaged => "customer-managed",
            Self::CloudhsmKeyStore => "cloudhsm-key-store",
            Self::ImportedKeyMaterial => "imported-key-material",
            Self::MultiRegion => "multi-region",
        }
    }
}

/// Another key type worth considering, and when.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Alternative {
    /// The alternative.
    pub key_type: KeyType,
    /// When it would be the better choice.
    pub why: &'static str,
}

/// What [`recommend_key_type`] returns.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Recommendation {
    /// The recommended key type (always one KMS can create with `cli`).
    pub key_type: KeyType,
    /// Why, one sentence each, in the order of the tree.
    pub reasons: Vec<String>,
    /// Requirements that KMS cannot meet together with the rest, and what gave way.
    pub conflicts: Vec<&'static str>,
    /// A stable code for each conflict, in the same order.
    pub conflict_codes: Vec<&'static str>,
    /// Other key types worth considering.
    pub alternatives: Vec<Alternative>,
    /// Fixed monthly cost of the key(s) and HSMs plus `requests_per_month`, us-east-1 list prices.
    pub monthly_cost_usd: f64,
    /// The cost, line by line.
    pub cost_breakdown: Vec<CostLine>,
    /// `KeySpec` of the key to create (`None` for AWS owned and AWS managed keys).
    pub key_spec: Option<&'static str>,
    /// `KeyUsage` of the key to create.
    pub key_usage: Option<&'static str>,
    /// `Origin` of the key to create.
    pub origin: Option<&'static str>,
    /// How the key material gets rotated: `automatic`, `on-demand`, `manual`, `aws` or `none`.
    pub rotation: &'static str,
    /// The effective purpose.
    pub purpose: Purpose,
    /// Shell lines: `aws kms` commands, comments start with `#`.
    pub cli: Vec<String>,
    /// A least-privilege key policy (`None` where AWS owns the policy).
    pub key_policy: Option<Json>,
}

/// Collects reasons and conflicts while walking the tree.
#[derive(Default)]
struct Walk {
    reasons: Vec<String>,
    conflicts: Vec<&'static str>,
    codes: Vec<&'static str>,
}

impl Walk {
    fn reason(&mut self, r: &str) {
        self.reasons.push(r.to_owned());
    }
    fn conflict(&mut self, code: &'static str, text: &'static str) {
        self.codes.push(code);
        self.conflicts.push(text);
    }
}

/// Recommends a key type for the answers.
///
/// # Errors
/// [`Error::InvalidArgument`] when a naming field (alias, Regions, accounts,
/// encryption context) or `requests_per_month` is malformed. Contradictory
/// answers are not errors: they come back as `conflicts`.
#[allow(clippy::too_many_lines)]
pub fn recommend_key_type(a: &Answers) -> Result<Recommendation> {
    let n = names(a)?;
    let yes = |v: Option<bool>| v == Some(true);
    let purpose = a.purpose.unwrap_or_default();
    let mut w = Walk::default();

    // 1. Key control. Several answers can only be met by a key you control.
    let mut control = yes(a.need_key_control);
    if a.need_key_control == Some(false) {
        let mut implied = false;
        if yes(a.cross_account) {
            implied = true;
            w.conflict("CONTROL_REQUIRED_FOR_CROSS_ACCOUNT", "Cross-account use needs a key policy you control: AWS managed keys can never be used from another account and AWS owned keys are invisible to you. Recommending a customer managed key instead.");
        }
        if !purpose.is_symmetric_encryption() {
            implied = true;
            w.conflict("CONTROL_REQUIRED_FOR_PURPOSE", "AWS owned and AWS managed keys are symmetric encryption keys only; signing and HMAC need a customer managed key. Recommending one instead.");
        }
        if yes(a.hsm_required) {
            implied = true;
            w.conflict("CONTROL_REQUIRED_FOR_HSM", "A key in your own CloudHSM cluster is a customer managed key; AWS owned and AWS managed keys live in KMS's own HSMs.");
        }
        if yes(a.import_key_material) {
            implied = true;
            w.conflict(
                "CONTROL_REQUIRED_FOR_IMPORT",
                "Only customer managed keys can hold imported key material.",
            );
        }
        if yes(a.multi_region) {
            implied = true;
            w.conflict(
                "CONTROL_REQUIRED_FOR_MULTI_REGION",
                "Only customer managed keys can be multi-Region keys.",
            );
        }
        control = implied;
    } else if a.need_key_control.is_none()
        && (yes(a.cross_account)
            || yes(a.hsm_required)
            || yes(a.import_key_material)
            || yes(a.multi_region)
            || !purpose.is_symmetric_encryption())
    {
        control = true;
    }

    if !control {
        return no_control(a, &n, w);
    }

    // 2. Customer managed from here on.
    w.reason("You need control over the key (its key policy, rotation and deletion) or to call it from your own code, so it must be a customer managed key: only those can be used directly by applications such as the edge-kms broker.");
    if yes(a.cross_account) {
        w.reason("Cross-account use: the key policy names the other account, and that account's IAM policies must also allow its principals to use the key.");
    }

    // 3. HSM.
    let mut hsm = yes(a.hsm_required);
    if hsm && !purpose.is_symmetric_encryption() {
        hsm = false;
        if purpose == Purpose::Sign {
            w.conflict("HSM_ASYMMETRIC", "A CloudHSM key store holds symmetric encryption keys only, so it cannot hold a signing key. The recommendation is an asymmetric key in KMS's own HSMs (FIPS 140-3 Security Level 3); if you must own the HSM, sign with AWS CloudHSM directly, outside KMS.");
        } else {
            w.conflict("HSM_HMAC", "A CloudHSM key store holds symmetric encryption keys only, so it cannot hold an HMAC key. The recommendation is an HMAC key in KMS's own HSMs (FIPS 140-3 Security Level 3); if you must own the HSM, compute HMACs with AWS CloudHSM directly.");
        }
    }
    let import = yes(a.import_key_material);
    let mut multi = yes(a.multi_region);
    let mut rotation_wanted = yes(a.automatic_rotation);

    let key_type = if hsm {
        w.reason("An HSM you control is required: the key is generated and used inside your AWS CloudHSM cluster, connected to KMS as a custom key store (origin AWS_CLOUDHSM). You operate the cluster: at least two HSMs in different Availability Zones.");
        if multi {
            multi = false;
            w.conflict("HSM_MULTI_REGION", "Custom key stores cannot hold multi-Region keys. The recommendation is a single-Region key in your CloudHSM key store; create a separate key (and key store) in each Region, or drop the HSM requirement to use a multi-Region key.");
        }
        if import {
            w.conflict("HSM_IMPORT", "Keys in a CloudHSM key store are generated in your cluster; KMS cannot import key material into them. Generating the key in your own HSM already keeps the material in hardware you control.");
        }
        if rotation_wanted {
            rotation_wanted = false;
            w.conflict("HSM_ROTATION", "Keys in a custom key store cannot be rotated automatically or on demand. Rotate manually: create a new key in the key store and point the alias at it (keep the old key to decrypt old data).");
        }
        KeyType::CloudhsmKeyStore
    } else if import {
        w.reason("You bring your own key material: KMS creates the key without material (origin EXTERNAL) and you import a copy wrapped with the public key from GetParametersForImport. You stay responsible for a durable copy of the material, and you can set it to expire or delete it at once.");
        if multi {
            w.reason("Multi-Region with imported material: create the primary with --multi-region, replicate it, and import the same key material into every replica.");
        }
        KeyType::ImportedKeyMaterial
    } else if multi {
        w.reason("The same key must work in several Regions: a multi-Region key has the same key id (mrk-…) and key material in each Region, so data encrypted in one Region decrypts in another without a cross-Region call. Each replica is billed as a key.");
        KeyType::MultiRegion
    } else {
        w.reason("KMS generates and keeps the key material in its FIPS 140-3 Security Level 3 validated HSMs; you decide who may use the key through its key policy.");
        KeyType::CustomerManaged
    };

    // 4. Rotation.
    let origin = match key_type {
        KeyType::CloudhsmKeyStore => Origin::AwsCloudHsm,
        KeyType::ImportedKeyMaterial => Origin::External,
        _ => Origin::AwsKms,
    };
    let mut rotation = "none";
    if rotation_wanted {
        match (purpose, origin) {
            (Purpose::Sign, _) => w.conflict("ROTATION_ASYMMETRIC", "Asymmetric keys cannot be rotated automatically (their public key is published). Rotate manually: create a new key, publish its public key and move the alias."),
            (Purpose::Hmac, _) => w.conflict("ROTATION_HMAC", "HMAC keys cannot be rotated automatically. Rotate manually: create a new HMAC key and move the alias."),
            (Purpose::Encrypt, Origin::External) => {
                if multi {
                    w.conflict("ROTATION_IMPORTED", "Automatic rotation needs KMS-generated key material, and multi-Region keys with imported material cannot be rotated on demand either. Rotate manually: create a new key and move the alias.");
                } else {
                    rotation = "on-demand";
                    w.conflict("ROTATION_IMPORTED", "Automatic rotation needs KMS-generated key material. Keys with imported material can be rotated on demand instead (since 2025): import new material with --import-type NEW_KEY_MATERIAL, then call rotate-key-on-demand (at most 25 on-demand rotations per key, a quota that cannot be raised).");
                }
            }
            (Purpose::Encrypt, _) => {
                rotation = "automatic";
                w.reason("Automatic rotation: KMS generates new key material every rotation period (default 365 days, 90 to 2560 allowed) and keeps the old material to decrypt older ciphertexts; the key id and ARN do not change.");
            }
        }
    } else if key_type == KeyType::CloudhsmKeyStore {
        rotation = "manual";
    }
    match purpose {
        Purpose::Sign => w.reason("Signing: an asymmetric ECC_NIST_P256 key (SIGN_VERIFY, ECDSA_SHA_256); the private key never leaves KMS and anyone can verify offline with the public key (verifyKmsSignature)."),
        Purpose::Hmac => w.reason("HMAC: an HMAC_256 key (GENERATE_VERIFY_MAC); the key never leaves KMS, so every tag is computed and verified by KMS."),
        Purpose::Encrypt => w.reason("Encryption: a symmetric SYMMETRIC_DEFAULT key (AES-256-GCM, never leaving its HSMs) used to wrap data keys, so large data is encrypted locally (envelope encryption) and KMS only sees 32-byte data keys."),
    }

    let mut alternatives = Vec::new();
    match key_type {
        KeyType::CloudhsmKeyStore => {
            alternatives.push(Alternative { key_type: KeyType::CustomerManaged, why: "If a FIPS 140-3 Security Level 3 HSM run by AWS satisfies your auditors: far cheaper, rotates automatically, and no cluster to operate." });
            alternatives.push(Alternative { key_type: KeyType::ImportedKeyMaterial, why: "If what you need is material generated by your own HSM rather than keys that live in it: import it into KMS." });
        }
        KeyType::ImportedKeyMaterial => {
            alternatives.push(Alternative { key_type: KeyType::CustomerManaged, why: "If you do not need to prove where the material came from: KMS-generated material is durable (no copy to keep) and rotates automatically." });
            alternatives.push(Alternative { key_type: KeyType::CloudhsmKeyStore, why: "If the key must stay in HSMs you control for its whole life, not just be generated there (symmetric encryption keys only)." });
        }
        KeyType::MultiRegion => {
            alternatives.push(Alternative { key_type: KeyType::CustomerManaged, why: "If data must never be decryptable outside one Region (data residency): independent single-Region keys keep each Region's data separate." });
        }
        _ => {
            alternatives.push(Alternative { key_type: KeyType::MultiRegion, why: "If you need disaster recovery or active-active across Regions without re-encrypting data." });
            alternatives.push(Alternative {
                key_type: KeyType::ImportedKeyMaterial,
                why: "If policy requires key material generated outside AWS (bring your own key).",
            });
        }
    }
    if !purpose.is_symmetric_encryption() && a.hsm_required == Some(true) {
        alternatives.retain(|alt| alt.key_type != KeyType::CloudhsmKeyStore);
    }

    let regions = if multi { n.replicas.len() + 1 } else { 1 };
    let (monthly, breakdown) = cost_of(
        a,
        1.0,
        regions,
        if key_type == KeyType::CloudhsmKeyStore {
            2.0
        } else {
            0.0
        },
        purpose,
    )?;
    if key_type == KeyType::CloudhsmKeyStore {
        w.reason("Cost: the CloudHSM cluster dominates (two HSMs at about $1.45 an hour each, about $2,117 a month in us-east-1), on top of $1 a month per key.");
    }

    let cli = cli_for(key_type, purpose, origin, multi, rotation, &n);
    let key_policy = Some(key_policy(
        purpose,
        key_type,
        multi,
        yes(a.cross_account),
        &n,
    ));

    Ok(Recommendation {
        key_type,
        reasons: w.reasons,
        conflicts: w.conflicts,
        conflict_codes: w.codes,
        alternatives,
        monthly_cost_usd: monthly,
        cost_breakdown: breakdown,
        key_spec: Some(purpose.key_spec()),
        key_usage: Some(purpose.key_usage()),
        origin: Some(origin.as_str()),
        rotation,
        purpose,
        cli,
        key_policy,
    })
}

fn cost_of(
    a: &Answers,
    keys: f64,
    regions: usize,
    hsms: f64,
    purpose: Purpose,
) -> Result<(f64, Vec<CostLine>)> {
    let requests = a.requests_per_month.unwrap_or(0.0);
    let (sym, asym) = if purpose == Purpose::Sign {
        (0.0, requests)
    } else {
        (requests, 0.0)
    };
    let regions = f64::from(u32::try_from(regions).unwrap_or(u32::MAX));
    let e = cost::estimate_cost(&CostInput {
        keys,
        regions: Some(regions),
        requests_per_month: sym,
        asymmetric_requests: asym,
        hsm_count: hsms,
        ..CostInput::default()
    })
    .map_err(|_| Error::InvalidArgument("requestsPerMonth must be a non-negative number"))?;
    Ok((e.total_usd, e.lines))
}

fn no_control(a: &Answers, n: &Names, mut w: Walk) -> Result<Recommendation> {
    w.reason("You do not need to control the key: an AWS service encrypts your data at rest with a key AWS manages, at no monthly charge. Only that service can use the key; your own code (and the edge-kms broker) cannot call KMS with it.");
    let managed = a.audit_key_use == Some(true);
    let key_type = if managed {
        w.reason("You want to see each use of the key in your own CloudTrail and read its key policy: an AWS managed key (alias/aws/<service>) lives in your account. It is rotated by AWS every year; you cannot change its policy, rotate, disable or delete it. Requests are billed to you (beyond the free tier); storage is free.");
        KeyType::AwsManaged
    } else {
        w.reason("You do not need to audit individual uses: an AWS owned key (the service's default encryption) costs nothing, is invisible in your account and is rotated by the service that owns it.");
        KeyType::AwsOwned
    };
    if a.automatic_rotation == Some(true) {
        w.reason("Rotation: AWS rotates these keys for you; you cannot change the schedule.");
    }
    let alternatives = if managed {
        vec![
            Alternative {
                key_type: KeyType::AwsOwned,
                why: "If you do not need key usage in your own CloudTrail: no request charges on your bill and nothing to look after.",
            },
            Alternative {
                key_type: KeyType::CustomerManaged,
                why: "If you need a key policy you write, cross-account use, your own rotation schedule, or to call the key from your code ($1/month).",
            },
        ]
    } else {
        vec![
            Alternative {
                key_type: KeyType::AwsManaged,
                why: "If auditors want every use of the key logged in your account's CloudTrail (only for services that still offer AWS managed keys).",
            },
            Alternative {
                key_type: KeyType::CustomerManaged,
                why: "If you need a key policy you write, cross-account use, your own rotation schedule, or to call the key from your code ($1/month).",
            },
        ]
    };
    // Requests to AWS managed keys are billed to you; AWS owned keys cost you nothing.
    let (monthly, breakdown) = if managed {
        cost_of(a, 0.0, 1, 0.0, Purpose::Encrypt)?
    } else {
        (0.0, Vec::new())
    };
    let cli = if managed {
        vec![
            "# Nothing to create: AWS creates alias/aws/<service> in your account the first time the service encrypts with it.".to_owned(),
            format!("aws kms list-aliases --region {} --query \"Aliases[?starts_with(AliasName, 'alias/aws/')]\"", n.region),
            format!("aws kms describe-key --region {} --key-id alias/aws/s3", n.region),
            format!("aws kms get-key-policy --region {} --key-id \"$(aws kms describe-key --region {} --key-id alias/aws/s3 --query KeyMetadata.KeyId --output text)\" --policy-name default", n.region, n.region),
        ]
    } else {
        vec!["# Nothing to create or manage: choose the service's default encryption (an AWS owned key). No aws kms command applies.".to_owned()]
    };
    Ok(Recommendation {
        key_type,
        reasons: w.reasons,
        conflicts: w.conflicts,
        conflict_codes: w.codes,
        alternatives,
        monthly_cost_usd: monthly,
        cost_breakdown: breakdown,
        key_spec: None,
        key_usage: None,
        origin: None,
        rotation: "aws",
        purpose: Purpose::Encrypt,
        cli,
        key_policy: None,
    })
}

#[cfg(test)]
#[allow(clippy::panic, clippy::indexing_slicing)]
mod tests;
