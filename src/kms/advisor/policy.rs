//! The key policy of the recommended key.

use super::KeyType;
use super::names::Names;
use crate::kms::json::Json;
use crate::kms::spec::Purpose;

pub(super) fn key_policy(
    purpose: Purpose,
    key_type: KeyType,
    multi: bool,
    cross_account: bool,
    n: &Names,
) -> Json {
    let p = n.partition;
    let admin = format!("arn:{p}:iam::{}:role/KeyAdmin", n.account);
    let app = format!("arn:{p}:iam::{}:role/my-app", n.account);
    let mut admin_actions = vec![
        "kms:Create*",
        "kms:Describe*",
        "kms:Enable*",
        "kms:List*",
        "kms:Put*",
        "kms:Update*",
        "kms:Revoke*",
        "kms:Disable*",
        "kms:Get*",
        "kms:Delete*",
        "kms:TagResource",
        "kms:UntagResource",
        "kms:ScheduleKeyDeletion",
        "kms:CancelKeyDeletion",
    ];
    if purpose.is_symmetric_encryption() && key_type != KeyType::CloudhsmKeyStore {
        admin_actions.push("kms:RotateKeyOnDemand");
    }
    if key_type == KeyType::ImportedKeyMaterial {
        admin_actions.push("kms:ImportKeyMaterial");
    }
    if multi {
        admin_actions.push("kms:ReplicateKey");
    }
    let mut users = vec![Json::Str(app)];
    if cross_account {
        users.push(Json::Str(format!(
            "arn:{p}:iam::{}:root",
            n.trusted_account
        )));
    }
    let principal = || {
        Json::obj([(
            "AWS",
            if users.len() == 1 {
                users.first().cloned().unwrap_or(Json::Arr(Vec::new()))
            } else {
                Json::Arr(users.clone())
            },
        )])
    };

    let use_statement = match purpose {
        Purpose::Encrypt => {
            let ctx = Json::Obj(
                n.context
                    .iter()
                    .map(|(k, v)| (format!("kms:EncryptionContext:{k}"), Json::s(v)))
                    .collect(),
            );
            allow(
                "AllowUseOnlyWithThisEncryptionContext",
                principal(),
                &["kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt"],
                Some(ctx),
            )
        }
        Purpose::Sign => allow(
            "AllowSigningWithOneAlgorithm",
            principal(),
            &["kms:Sign", "kms:Verify"],
            Some(Json::obj([(
                "kms:SigningAlgorithm",
                Json::s("ECDSA_SHA_256"),
            )])),
        ),
        Purpose::Hmac => allow(
            "AllowMacWithOneAlgorithm",
            principal(),
            &["kms:GenerateMac", "kms:VerifyMac"],
            Some(Json::obj([("kms:MacAlgorithm", Json::s("HMAC_SHA_256"))])),
        ),
    };
    let describe_actions: &[&str] = if purpose == Purpose::Sign {
        &["kms:DescribeKey", "kms:GetPublicKey"]
    } else {
        &["kms:DescribeKey"]
    };
    Json::obj([
        ("Version", Json::s("2012-10-17")),
        ("Id", Json::s("edge-kms-least-privilege")),
        (
            "Statement",
            Json::Arr(vec![
                allow(
                    "KeyAdministrationWithoutUse",
                    Json::obj([("AWS", Json::Str(admin))]),
                    &admin_actions,
                    None,
                ),
                use_statement,
                allow("AllowDescribe", principal(), describe_actions, None),
            ]),
        ),
    ])
}

/// One `Allow` statement of a key policy (`Resource` is `*`: the key itself),
/// with `condition` under `StringEquals`.
fn allow(sid: &str, principal: Json, actions: &[&str], condition: Option<Json>) -> Json {
    let mut pairs = vec![
        ("Sid".to_owned(), Json::s(sid)),
        ("Effect".to_owned(), Json::s("Allow")),
        ("Principal".to_owned(), principal),
        ("Action".to_owned(), Json::strs(actions)),
        ("Resource".to_owned(), Json::s("*")),
    ];
    if let Some(c) = condition {
        pairs.push(("Condition".to_owned(), Json::obj([("StringEquals", c)])));
    }
    Json::Obj(pairs)
}
