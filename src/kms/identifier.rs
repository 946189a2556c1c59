//! KMS key identifiers: key ids, multi-Region key ids, key ARNs, alias names
//! and alias ARNs, parsed with the rules KMS itself applies.
//!
//! The rules, from the AWS KMS API reference (`KeyId`, `CreateAlias`,
//! `AliasName`) and the ARN format of the AWS General Reference:
//!
//! - **key id**: a UUID in KMS's canonical form, 8-4-4-4-12 lowercase hex
//!   (`1234abcd-12ab-34cd-56ef-1234567890ab`). KMS generates lowercase ids
//!   and looks them up exactly, so an uppercase id can only ever be
//!   `NotFound`; we refuse it here with a clear code instead.
//! - **multi-Region key id**: `mrk-` followed by 32 lowercase hex digits.
//! - **key ARN**: `arn:PARTITION:kms:REGION:ACCOUNT:key/KEY-ID`.
//! - **alias name**: `alias/` followed by 1+ of `[a-zA-Z0-9/_-]`, at most
//!   256 characters in total. The prefix `alias/aws/` is reserved for AWS
//!   managed keys: such aliases are valid to *use* (`alias/aws/s3`) but
//!   nobody can create one; the result flags them `aws_managed`.
//! - **alias ARN**: `arn:PARTITION:kms:REGION:ACCOUNT:alias/NAME`.
//! - **account**: exactly 12 decimal digits.
//! - **region**: lowercase words joined by `-`, ending in a number
//!   (`us-east-1`, `us-gov-west-1`, `cn-north-1`, `us-isob-east-1`,
//!   `eusc-de-east-1`), and it must belong to the ARN's partition: a
//!   `cn-` region only exists in `aws-cn`, and so on.
//!
//! The whole input is at most 2048 characters (the `KeyId` length limit).

use serde::Serialize;

use crate::{Error, Result};

/// The longest `KeyId` the KMS API accepts.
pub const MAX_KEY_ID_INPUT: usize = 2048;
/// The longest alias name (`alias/` included) `CreateAlias` accepts.
pub const MAX_ALIAS_NAME: usize = 256;

/// What kind of identifier a string is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentifierKind {
    /// A bare key id (UUID) or multi-Region key id (`mrk-…`).
    KeyId,
    /// `arn:…:kms:…:key/…`
    KeyArn,
    /// `alias/…`
    AliasName,
    /// `arn:…:kms:…:alias/…`
    AliasArn,
}

impl IdentifierKind {
    /// The kind as the JS API spells it.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::KeyId => "key-id",
            Self::KeyArn => "key-arn",
            Self::AliasName => "alias-name",
            Self::AliasArn => "alias-arn",
        }
    }
}

/// A parsed key identifier. Fields that the identifier does not carry are
/// `None` (an alias name names no region or account: KMS resolves it in the
/// caller's own account and region).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyIdentifier {
    /// Which of the four shapes the input has.
    pub kind: IdentifierKind,
    /// ARN partition (`aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, …); ARNs only.
    pub partition: Option<String>,
    /// AWS Region; ARNs only.
    pub region: Option<String>,
    /// 12-digit AWS account id; ARNs only.
    pub account: Option<String>,
    /// The key id (UUID or `mrk-…`); key ids and key ARNs only.
    pub key_id: Option<String>,
    /// The alias name, always with its `alias/` prefix; aliases only.
    pub alias: Option<String>,
    /// True when the key id is a multi-Region key id (`mrk-…`).
    pub multi_region: bool,
    /// True for aliases under the reserved `alias/aws/` prefix (AWS managed keys).
    pub aws_managed: bool,
}

/// Partitions and the region prefixes that live in them. A region belongs to
/// the partition of the longest matching prefix; everything else is `aws`.
const PARTITION_REGION_PREFIXES: &[(&str, &[&str])] = &[
    ("aws-cn", &["cn-"]),
    ("aws-us-gov", &["us-gov-"]),
    ("aws-iso", &["us-iso-"]),
    ("aws-iso-b", &["us-isob-"]),
    ("aws-iso-e", &["eu-isoe-"]),
    ("aws-iso-f", &["us-isof-"]),
    ("aws-eusc", &["eusc-"]),
];

/// The partition a region belongs to.
pub(crate) fn partition_of_region(region: &str) -> &'static str {
    for (partition, prefixes) in PARTITION_REGION_PREFIXES {
        if prefixes.iter().any(|p| region.starts_with(p)) {
            return partition;
        }
    }
    "aws"
}

fn is_known_partition(p: &str) -> bool {
    p == "aws" || PARTITION_REGION_PREFIXES.iter().any(|(name, _)| *name == p)
}

fn is_lower_hex(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lowercase hex.
fn is_uuid(s: &str) -> bool {
    let mut parts = s.split('-');
    for want in [8usize, 4, 4, 4, 12] {
        match parts.next() {
            Some(p) if p.len() == want && is_lower_hex(p) => {}
            _ => return false,
        }
    }
    parts.next().is_none()
}

/// `mrk-` + 32 lowercase hex digits.
fn is_mrk_id(s: &str) -> bool {
    s.strip_prefix("mrk-")
        .is_some_and(|h| h.len() == 32 && is_lower_hex(h))
}

/// Validates a bare key id and says whether it is multi-Region.
fn key_id(s: &str) -> Result<bool> {
    if is_mrk_id(s) {
        Ok(true)
    } else if is_uuid(s) {
        Ok(false)
    } else if s.starts_with("mrk-") {
        Err(Error::InvalidKeyIdentifier(
            "a multi-Region key id is mrk- followed by 32 lowercase hex digits",
        ))
    } else if s.bytes().any(|b| b.is_ascii_uppercase()) && is_uuid(&s.to_ascii_lowercase()) {
        Err(Error::InvalidKeyIdentifier(
            "key ids are lowercase; KMS would not find an uppercase key id",
        ))
    } else {
        Err(Error::InvalidKeyIdentifier(
            "not a key id, key ARN, alias name or alias ARN (a key id is a UUID like 1234abcd-12ab-34cd-56ef-1234567890ab)",
        ))
    }
}

/// Validates an alias name (with its `alias/` prefix) and says whether it is AWS managed.
pub(crate) fn alias_name(s: &str) -> Result<bool> {
    let Some(rest) = s.strip_prefix("alias/") else {
        return Err(Error::InvalidKeyIdentifier(
            "an alias name starts with alias/",
        ));
    };
    if rest.is_empty() {
        return Err(Error::InvalidKeyIdentifier(
            "an alias name needs a name after alias/",
        ));
    }
    if s.len() > MAX_ALIAS_NAME {
        return Err(Error::InvalidKeyIdentifier(
            "an alias name is at most 256 characters, alias/ included",
        ));
    }
    if !rest
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-'))
    {
        return Err(Error::InvalidKeyIdentifier(
            "an alias name may contain only letters, digits, / _ and - after alias/",
        ));
    }
    // `alias/aws` alone is an ordinary (if confusing) name; the reserved prefix is `alias/aws/`.
    Ok(rest.starts_with("aws/"))
}

/// `us-east-1`, `us-gov-west-1`, `eusc-de-east-1`: lowercase words joined by
/// `-`, at least two of them, then a number of at most two digits.
pub(crate) fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let Some((last, words)) = parts.split_last() else {
        return false;
    };
    words.len() >= 2
        && (1..=2).contains(&last.len())
        && last.bytes().all(|b| b.is_ascii_digit())
        && words
            .iter()
            .all(|w| !w.is_empty() && w.len() <= 12 && w.bytes().all(|b| b.is_ascii_lowercase()))
        && words.first().is_some_and(|w| (2..=4).contains(&w.len()))
}

fn parse_arn(s: &str) -> Result<KeyIdentifier> {
    // arn:partition:service:region:account:resource; the resource has no colon for KMS.
    let mut it = s.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(service), Some(region), Some(account), Some(resource)) = (
        it.next(),
        it.next(),
        it.next(),
        it.next(),
        it.next(),
        it.next(),
    ) else {
        return Err(Error::InvalidKeyIdentifier(
            "an ARN has six colon-separated fields: arn:partition:kms:region:account:resource",
        ));
    };
    if !is_known_partition(partition) {
        return Err(Error::InvalidKeyIdentifier(
            "unknown ARN partition (expected aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f or aws-eusc)",
        ));
    }
    if service != "kms" {
        return Err(Error::InvalidKeyIdentifier(
            "not a KMS ARN (the service field must be kms)",
        ));
    }
    if !is_region(region) {
        return Err(Error::InvalidKeyIdentifier(
            "the ARN's region is not a region name like us-east-1",
        ));
    }
    if partition_of_region(region) != partition {
        return Err(Error::InvalidKeyIdentifier(
            "the ARN's region does not belong to its partition",
        ));
    }
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::InvalidKeyIdentifier(
            "the ARN's account must be exactly 12 digits",
        ));
    }
    let base = |kind| KeyIdentifier {
        kind,
        partition: Some(partition.to_owned()),
        region: Some(region.to_owned()),
        account: Some(account.to_owned()),
        key_id: None,
        alias: None,
        multi_region: false,
        aws_managed: false,
    };
    if let Some(id) = resource.strip_prefix("key/") {
        let multi_region = key_id(id)?;
        Ok(KeyIdentifier {
            key_id: Some(id.to_owned()),
            multi_region,
            ..base(IdentifierKind::KeyArn)
        })
    } else if resource.starts_with("alias/") {
        let aws_managed = alias_name(resource)?;
        Ok(KeyIdentifier {
            alias: Some(resource.to_owned()),
            aws_managed,
            ..base(IdentifierKind::AliasArn)
        })
    } else {
        Err(Error::InvalidKeyIdentifier(
            "a KMS ARN's resource is key/KEY-ID or alias/NAME",
        ))
    }
}

/// Parses a KMS key identifier exactly as KMS's `KeyId` parameter accepts it.
///
/// Leading or trailing whitespace is refused rather than trimmed: KMS would
/// refuse it too, and a copy-paste accident is better found here.
///
/// # Errors
/// [`Error::InvalidKeyIdentifier`] for anything KMS would reject, with a
/// message that says which rule failed.
pub fn parse_key_identifier(s: &str) -> Result<KeyIdentifier> {
    if s.is_empty() {
        return Err(Error::InvalidKeyIdentifier("the key identifier is empty"));
    }
    if s.len() > MAX_KEY_ID_INPUT {
        return Err(Error::InvalidKeyIdentifier(
            "a key identifier is at most 2048 characters",
        ));
    }
    if s.trim() != s {
        return Err(Error::InvalidKeyIdentifier(
            "the key identifier has leading or trailing whitespace",
        ));
    }
    if s.starts_with("arn:") {
        return parse_arn(s);
    }
    if s.starts_with("alias/") {
        let aws_managed = alias_name(s)?;
        return Ok(KeyIdentifier {
            kind: IdentifierKind::AliasName,
            partition: None,
            region: None,
            account: None,
            key_id: None,
            alias: Some(s.to_owned()),
            multi_region: false,
            aws_managed,
        });
    }
    let multi_region = key_id(s)?;
    Ok(KeyIdentifier {
        kind: IdentifierKind::KeyId,
        partition: None,
        region: None,
        account: None,
        key_id: Some(s.to_owned()),
        alias: None,
        multi_region,
        aws_managed: false,
    })
}

#[cfg(test)]
#[allow(clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    const UUID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";
    const MRK: &str = "mrk-1234abcd12ab34cd56ef1234567890ab";

    fn ok(s: &str) -> KeyIdentifier {
        match parse_key_identifier(s) {
            Ok(k) => k,
            Err(e) => panic!("{s:?} should parse, got {e}"),
        }
    }

    fn bad(s: &str) {
        match parse_key_identifier(s) {
            Ok(k) => panic!("{s:?} should be refused, parsed as {k:?}"),
            Err(e) => assert_eq!(e.code(), "INVALID_KEY_IDENTIFIER", "{s:?}"),
        }
    }

    #[test]
    fn key_id() {
        let k = ok(UUID);
        assert_eq!(k.kind, IdentifierKind::KeyId);
        assert_eq!(k.key_id.as_deref(), Some(UUID));
        assert!(!k.multi_region && !k.aws_managed);
        assert_eq!(
            (k.partition, k.region, k.account, k.alias),
            (None, None, None, None)
        );
    }

    #[test]
    fn multi_region_key_id() {
        let k = ok(MRK);
        assert_eq!(k.kind, IdentifierKind::KeyId);
        assert!(k.multi_region);
        assert_eq!(k.key_id.as_deref(), Some(MRK));
    }

    #[test]
    fn key_arn_every_partition() {
        for (partition, region) in [
            ("aws", "us-east-1"),
            ("aws", "eu-central-2"),
            ("aws", "ap-southeast-5"),
            ("aws", "il-central-1"),
            ("aws-cn", "cn-north-1"),
            ("aws-cn", "cn-northwest-1"),
            ("aws-us-gov", "us-gov-west-1"),
            ("aws-iso", "us-iso-east-1"),
            ("aws-iso-b", "us-isob-east-1"),
            ("aws-iso-e", "eu-isoe-west-1"),
            ("aws-iso-f", "us-isof-south-1"),
            ("aws-eusc", "eusc-de-east-1"),
        ] {
            let arn = format!("arn:{partition}:kms:{region}:111122223333:key/{UUID}");
            let k = ok(&arn);
            assert_eq!(k.kind, IdentifierKind::KeyArn);
            assert_eq!(k.partition.as_deref(), Some(partition));
            assert_eq!(k.region.as_deref(), Some(region));
            assert_eq!(k.account.as_deref(), Some("111122223333"));
            assert_eq!(k.key_id.as_deref(), Some(UUID));
            assert!(!k.multi_region);
        }
    }

    #[test]
    fn multi_region_key_arn() {
        let k = ok(&format!("arn:aws:kms:eu-west-1:111122223333:key/{MRK}"));
        assert_eq!(k.kind, IdentifierKind::KeyArn);
        assert!(k.multi_region);
    }

    #[test]
    fn alias_names() {
        let k = ok("alias/my-app_key/prod-2");
        assert_eq!(k.kind, IdentifierKind::AliasName);
        assert_eq!(k.alias.as_deref(), Some("alias/my-app_key/prod-2"));
        assert!(!k.aws_managed);
        assert_eq!(
            (k.partition, k.region, k.account, k.key_id),
            (None, None, None, None)
        );
        assert!(ok("alias/aws/s3").aws_managed);
        assert!(ok("alias/aws/ebs").aws_managed);
        // Only the `alias/aws/` prefix is reserved.
        assert!(!ok("alias/aws").aws_managed);
        assert!(!ok("alias/awsome").aws_managed);
        assert!(!ok("alias/AWS/s3").aws_managed);
    }

    #[test]
    fn alias_length_limit() {
        let longest = format!("alias/{}", "a".repeat(MAX_ALIAS_NAME - 6));
        assert_eq!(longest.len(), 256);
        ok(&longest);
        bad(&format!("{longest}a"));
    }

    #[test]
    fn alias_arn() {
        let k = ok("arn:aws:kms:us-west-2:111122223333:alias/ExampleAlias");
        assert_eq!(k.kind, IdentifierKind::AliasArn);
        assert_eq!(k.alias.as_deref(), Some("alias/ExampleAlias"));
        assert_eq!(k.region.as_deref(), Some("us-west-2"));
        assert_eq!(k.key_id, None);
        assert!(!k.aws_managed);
        assert!(ok("arn:aws-us-gov:kms:us-gov-east-1:111122223333:alias/aws/s3").aws_managed);
    }

    #[test]
    fn refuses_bad_key_ids() {
        bad("");
        bad("1234abcd-12ab-34cd-56ef-1234567890a"); // short
        bad("1234abcd-12ab-34cd-56ef-1234567890abc"); // long
        bad("1234abcd12ab34cd56ef1234567890ab"); // no hyphens
        bad("1234abcd-12ab-34cd-56ef-1234567890ag"); // not hex
        bad("1234ABCD-12AB-34CD-56EF-1234567890AB"); // uppercase
        bad("1234abcd-12ab-34cd-56ef1-234567890ab"); // misplaced hyphen
        bad("mrk-1234abcd12ab34cd56ef1234567890a"); // 31 hex
        bad("mrk-1234abcd12ab34cd56ef1234567890abc"); // 33 hex
        bad("mrk-1234ABCD12AB34CD56EF1234567890AB");
        bad("MRK-1234abcd12ab34cd56ef1234567890ab");
        bad("my-key");
        bad(&format!(" {UUID}"));
        bad(&format!("{UUID}\n"));
        bad(&"a".repeat(MAX_KEY_ID_INPUT + 1));
    }

    #[test]
    fn refuses_bad_aliases() {
        bad("alias/");
        bad("alias");
        bad("Alias/foo");
        bad("alias/has space");
        bad("alias/colon:name");
        bad("alias/dot.name");
        bad("alias/ünïcode");
        bad("alias/star*");
        bad("arn:aws:kms:us-east-1:111122223333:alias/");
        bad("arn:aws:kms:us-east-1:111122223333:alias/bad.name");
    }

    #[test]
    fn refuses_bad_arns() {
        let good = format!("arn:aws:kms:us-east-1:111122223333:key/{UUID}");
        ok(&good);
        bad(&good.replace("arn:aws:", "arn:aws-moon:"));
        bad(&good.replace(":kms:", ":s3:"));
        bad(&good.replace(":kms:", ":KMS:"));
        bad(&good.replace("us-east-1", "US-EAST-1"));
        bad(&good.replace("us-east-1", "useast1"));
        bad(&good.replace("us-east-1", "us-east"));
        bad(&good.replace("us-east-1", "east-1"));
        bad(&good.replace("us-east-1", ""));
        bad(&good.replace("111122223333", "11112222333")); // 11 digits
        bad(&good.replace("111122223333", "1111222233334")); // 13 digits
        bad(&good.replace("111122223333", "11112222333a"));
        bad(&good.replace("111122223333", ""));
        bad(&good.replace("key/", "keys/"));
        bad(&good.replace("key/", "key:"));
        bad(&good.replace(UUID, "not-a-uuid"));
        bad(&good.replace(UUID, ""));
        bad(&format!("{good}/extra"));
        bad("arn:aws:kms:us-east-1:111122223333");
        bad("arn:aws:kms");
        bad("arn:");
    }

    #[test]
    fn region_must_match_partition() {
        bad(&format!("arn:aws:kms:cn-north-1:111122223333:key/{UUID}"));
        bad(&format!("arn:aws-cn:kms:us-east-1:111122223333:key/{UUID}"));
        bad(&format!(
            "arn:aws:kms:us-gov-west-1:111122223333:key/{UUID}"
        ));
        bad(&format!(
            "arn:aws-us-gov:kms:us-west-1:111122223333:key/{UUID}"
        ));
        bad(&format!(
            "arn:aws-iso:kms:us-isob-east-1:111122223333:key/{UUID}"
        ));
        bad(&format!(
            "arn:aws:kms:eusc-de-east-1:111122223333:key/{UUID}"
        ));
    }

    #[test]
    fn kind_strings_match_serde() {
        for k in [
            IdentifierKind::KeyId,
            IdentifierKind::KeyArn,
            IdentifierKind::AliasName,
            IdentifierKind::AliasArn,
        ] {
            let json = serde_json::to_string(&k).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        for s in [
            "arn::::::",
            "arn:aws:kms:-:-:-",
            "::::",
            "alias//",
            "mrk-",
            "-",
            "arn:aws:kms:us-east-1:111122223333:key/",
            "\u{0}",
            "arn:aws:kms:a-b-1:111122223333:key/x",
        ] {
            let _ = parse_key_identifier(s);
        }
    }
}
