//! KMS key identifiers (`parse_key_identifier`): key ids, key ARNs, alias
//! names and alias ARNs.
//!
//! Input: the identifier (UTF-8; other bytes are skipped).
//!
//! Checks: no panic; every refusal is `INVALID_KEY_IDENTIFIER`; what parses
//! is exactly what its fields say — an ARN rebuilds byte for byte from
//! partition, region, account and resource, its key id or alias parses on
//! its own to the same value, the partition is the region's — and the
//! result serializes; allocation at most 16 bytes per input byte plus 16 KiB.

#![no_main]

use edge_kms::kms::{IdentifierKind, parse_key_identifier};
use edge_kms_fuzz::alloc::{measure, within_budget};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let (r, peak) = measure(|| parse_key_identifier(s));
    within_budget("key_identifier", peak, s.len(), 16, 16 << 10);
    let id = match r {
        Ok(id) => id,
        Err(e) => {
            assert_eq!(e.code(), "INVALID_KEY_IDENTIFIER");
            return;
        }
    };
    assert!(!s.is_empty() && s.trim() == s);
    let arn = |resource: &str| {
        format!(
            "arn:{}:kms:{}:{}:{resource}",
            id.partition.as_deref().expect("partition"),
            id.region.as_deref().expect("region"),
            id.account.as_deref().expect("account"),
        )
    };
    match id.kind {
        IdentifierKind::KeyId => {
            assert_eq!(id.key_id.as_deref(), Some(s));
            assert!(id.partition.is_none() && id.alias.is_none());
        }
        IdentifierKind::AliasName => {
            assert_eq!(id.alias.as_deref(), Some(s));
            assert!(id.partition.is_none() && id.key_id.is_none() && !id.multi_region);
            assert_eq!(id.aws_managed, s.starts_with("alias/aws/"));
        }
        IdentifierKind::KeyArn => {
            let key_id = id.key_id.as_deref().expect("key id");
            assert_eq!(
                arn(&format!("key/{key_id}")),
                s,
                "a key ARN does not rebuild"
            );
            let alone = parse_key_identifier(key_id).expect("its key id parses alone");
            assert_eq!(alone.kind, IdentifierKind::KeyId);
            assert_eq!(alone.multi_region, id.multi_region);
        }
        IdentifierKind::AliasArn => {
            let alias = id.alias.as_deref().expect("alias");
            assert_eq!(arn(alias), s, "an alias ARN does not rebuild");
            let alone = parse_key_identifier(alias).expect("its alias parses alone");
            assert_eq!(alone.kind, IdentifierKind::AliasName);
            assert_eq!(alone.aws_managed, id.aws_managed);
        }
    }
    if let (Some(p), Some(r)) = (&id.partition, &id.region) {
        // Every region of a partition's ARN belongs to that partition: an ARN
        // in another partition with the same region must not parse.
        for other in [
            "aws",
            "aws-cn",
            "aws-us-gov",
            "aws-iso",
            "aws-iso-b",
            "aws-iso-e",
            "aws-iso-f",
            "aws-eusc",
        ] {
            if other != p {
                let moved = s.replacen(&format!("arn:{p}:"), &format!("arn:{other}:"), 1);
                assert!(
                    parse_key_identifier(&moved).is_err(),
                    "region {r} in two partitions"
                );
            }
        }
    }
    serde_json::to_string(&id).expect("serializes");
});
