//! The names the generated commands and key policy use (alias, Regions,
//! accounts, encryption context), checked, with their defaults.

use std::collections::BTreeMap;

use super::Answers;
use crate::kms::identifier::{alias_name, is_region, partition_of_region};
use crate::{Error, Result};

/// Generated-name defaults.
const DEFAULT_ALIAS: &str = "alias/my-app-key";
const DEFAULT_REGION: &str = "us-east-1";
const DEFAULT_REPLICA: &str = "eu-west-1";
const DEFAULT_ACCOUNT: &str = "111122223333";
const DEFAULT_TRUSTED_ACCOUNT: &str = "444455556666";

pub(super) struct Names {
    pub(super) alias: String,
    pub(super) region: String,
    pub(super) replicas: Vec<String>,
    pub(super) partition: &'static str,
    pub(super) account: String,
    pub(super) trusted_account: String,
    pub(super) context: BTreeMap<String, String>,
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

pub(super) fn names(a: &Answers) -> Result<Names> {
    let alias = a.alias.clone().unwrap_or_else(|| DEFAULT_ALIAS.to_owned());
    match alias_name(&alias) {
        Ok(false) => {}
        Ok(true) => {
            return Err(Error::InvalidArgument(
                "alias: the alias/aws/ prefix is reserved for AWS managed keys",
            ));
        }
        Err(_) => {
            return Err(Error::InvalidArgument(
                "alias must be alias/ followed by letters, digits, / _ or - (256 characters at most)",
            ));
        }
    }
    let region = a
        .region
        .clone()
        .unwrap_or_else(|| DEFAULT_REGION.to_owned());
    if !is_region(&region) {
        return Err(Error::InvalidArgument(
            "region must be a Region name like us-east-1",
        ));
    }
    let partition = partition_of_region(&region);
    let replicas = a.replica_regions.clone().unwrap_or_else(|| {
        let r = if region == DEFAULT_REPLICA {
            "us-west-2"
        } else {
            DEFAULT_REPLICA
        };
        vec![r.to_owned()]
    });
    if replicas.is_empty() || replicas.len() > 20 {
        return Err(Error::InvalidArgument(
            "replicaRegions must list 1 to 20 Regions",
        ));
    }
    for r in &replicas {
        if !is_region(r) {
            return Err(Error::InvalidArgument(
                "replicaRegions must be Region names like eu-west-1",
            ));
        }
        if *r == region {
            return Err(Error::InvalidArgument(
                "a replica Region must differ from the primary Region",
            ));
        }
        if partition_of_region(r) != partition {
            return Err(Error::InvalidArgument(
                "replica Regions must be in the primary Region's partition",
            ));
        }
    }
    let account = a
        .account
        .clone()
        .unwrap_or_else(|| DEFAULT_ACCOUNT.to_owned());
    let trusted_account = a
        .trusted_account
        .clone()
        .unwrap_or_else(|| DEFAULT_TRUSTED_ACCOUNT.to_owned());
    if !is_account(&account) || !is_account(&trusted_account) {
        return Err(Error::InvalidArgument(
            "account and trustedAccount must be 12-digit AWS account ids",
        ));
    }
    let context = a
        .encryption_context
        .clone()
        .unwrap_or_else(|| BTreeMap::from([("app".to_owned(), "my-app".to_owned())]));
    if context.len() > 8
        || context
            .iter()
            .any(|(k, v)| k.is_empty() || k.len() > 128 || v.len() > 256)
    {
        return Err(Error::InvalidArgument(
            "encryptionContext must have at most 8 pairs with non-empty keys",
        ));
    }
    Ok(Names {
        alias,
        region,
        replicas,
        partition,
        account,
        trusted_account,
        context,
    })
}
