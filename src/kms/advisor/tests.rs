//! Every path of the advisor's tree and every conflict.
use super::*;

fn rec(a: Answers) -> Recommendation {
    match recommend_key_type(&a) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    }
}

fn control() -> Answers {
    Answers {
        need_key_control: Some(true),
        ..Answers::default()
    }
}

fn has(cli: &[String], needle: &str) -> bool {
    cli.iter().any(|l| l.contains(needle))
}

fn policy(r: &Recommendation) -> serde_json::Value {
    serde_json::from_str(&r.key_policy.as_ref().map(Json::pretty).unwrap_or_default())
        .unwrap_or_default()
}

// ---- the six leaves -------------------------------------------------------

#[test]
fn leaf_aws_owned() {
    let r = rec(Answers {
        need_key_control: Some(false),
        cross_account: Some(false),
        audit_key_use: Some(false),
        ..Answers::default()
    });
    assert_eq!(r.key_type, KeyType::AwsOwned);
    assert!(r.conflicts.is_empty());
    assert_eq!(r.monthly_cost_usd, 0.0);
    assert_eq!(r.key_policy, None);
    assert_eq!(r.rotation, "aws");
    assert!(
        r.cli.iter().all(|l| l.starts_with('#')),
        "no commands for an AWS owned key"
    );
    assert!(
        r.alternatives
            .iter()
            .any(|a| a.key_type == KeyType::CustomerManaged)
    );
}

#[test]
fn empty_answers_mean_aws_owned() {
    assert_eq!(rec(Answers::default()).key_type, KeyType::AwsOwned);
}

#[test]
fn leaf_aws_managed() {
    let r = rec(Answers {
        need_key_control: Some(false),
        cross_account: Some(false),
        audit_key_use: Some(true),
        ..Answers::default()
    });
    assert_eq!(r.key_type, KeyType::AwsManaged);
    assert!(r.conflicts.is_empty());
    assert_eq!(r.monthly_cost_usd, 0.0);
    assert_eq!(r.key_policy, None);
    assert!(has(
        &r.cli,
        "aws kms describe-key --region us-east-1 --key-id alias/aws/s3"
    ));
    assert!(!has(&r.cli, "create-key"));
}

#[test]
fn leaf_customer_managed() {
    let r = rec(Answers {
        cross_account: Some(false),
        hsm_required: Some(false),
        import_key_material: Some(false),
        multi_region: Some(false),
        ..control()
    });
    assert_eq!(r.key_type, KeyType::CustomerManaged);
    assert!(r.conflicts.is_empty());
    assert_eq!(r.monthly_cost_usd, 1.0);
    assert_eq!(
        (r.key_spec, r.key_usage, r.origin),
        (
            Some("SYMMETRIC_DEFAULT"),
            Some("ENCRYPT_DECRYPT"),
            Some("AWS_KMS")
        )
    );
    assert_eq!(
        r.cli.get(1).map(String::as_str),
        Some(
            "KEY_ID=$(aws kms create-key --region us-east-1 --key-spec SYMMETRIC_DEFAULT --key-usage ENCRYPT_DECRYPT --description \"my-app data key wrapping key\" --policy file://key-policy.json --query KeyMetadata.KeyId --output text)"
        )
    );
    assert!(has(
        &r.cli,
        "aws kms create-alias --region us-east-1 --alias-name alias/my-app-key --target-key-id \"$KEY_ID\""
    ));
    assert!(
        !has(&r.cli, "enable-key-rotation"),
        "rotation only when asked for"
    );
    assert!(!has(&r.cli, "--origin"));
    let p = policy(&r);
    assert_eq!(
        p["Statement"][1]["Condition"]["StringEquals"]["kms:EncryptionContext:app"],
        "my-app"
    );
    assert_eq!(
        p["Statement"][1]["Principal"]["AWS"],
        "arn:aws:iam::111122223333:role/my-app"
    );
    let admin = p["Statement"][0]["Action"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        !admin.iter().any(|a| a == "kms:Decrypt" || a == "kms:*"),
        "administrators cannot use the key"
    );
}

#[test]
fn leaf_customer_managed_with_rotation() {
    let r = rec(Answers {
        automatic_rotation: Some(true),
        ..control()
    });
    assert_eq!(r.rotation, "automatic");
    assert!(has(
        &r.cli,
        "aws kms enable-key-rotation --region us-east-1 --key-id \"$KEY_ID\" --rotation-period-in-days 365"
    ));
    assert!(r.conflicts.is_empty());
}

#[test]
fn leaf_cloudhsm_key_store() {
    let r = rec(Answers {
        hsm_required: Some(true),
        ..control()
    });
    assert_eq!(r.key_type, KeyType::CloudhsmKeyStore);
    assert!(r.conflicts.is_empty());
    assert_eq!(r.origin, Some("AWS_CLOUDHSM"));
    assert_eq!(r.rotation, "manual");
    assert!(has(&r.cli, "aws kms create-custom-key-store"));
    assert!(has(&r.cli, "aws kms connect-custom-key-store"));
    assert!(has(
        &r.cli,
        "--origin AWS_CLOUDHSM --custom-key-store-id \"$KEY_STORE_ID\""
    ));
    assert!(!has(&r.cli, "enable-key-rotation"));
    assert!(r.monthly_cost_usd > 2000.0, "two HSMs a month");
    assert!(
        r.alternatives
            .iter()
            .any(|a| a.key_type == KeyType::CustomerManaged)
    );
    let admin = policy(&r)["Statement"][0]["Action"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!admin.iter().any(|a| a == "kms:RotateKeyOnDemand"));
}

#[test]
fn leaf_imported_key_material() {
    let r = rec(Answers {
        hsm_required: Some(false),
        import_key_material: Some(true),
        ..control()
    });
    assert_eq!(r.key_type, KeyType::ImportedKeyMaterial);
    assert!(r.conflicts.is_empty());
    assert_eq!(r.origin, Some("EXTERNAL"));
    assert!(has(&r.cli, "--origin EXTERNAL"));
    assert!(has(
        &r.cli,
        "aws kms get-parameters-for-import --region us-east-1 --key-id \"$KEY_ID\" --wrapping-algorithm RSAES_OAEP_SHA_256 --wrapping-key-spec RSA_4096"
    ));
    assert!(has(
        &r.cli,
        "aws kms import-key-material --region us-east-1"
    ));
    assert!(!has(&r.cli, "enable-key-rotation"));
    assert!(!has(&r.cli, "--multi-region"));
    let admin = policy(&r)["Statement"][0]["Action"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(admin.iter().any(|a| a == "kms:ImportKeyMaterial"));
}

#[test]
fn leaf_multi_region() {
    let r = rec(Answers {
        multi_region: Some(true),
        automatic_rotation: Some(true),
        ..control()
    });
    assert_eq!(r.key_type, KeyType::MultiRegion);
    assert!(r.conflicts.is_empty());
    assert!(has(&r.cli, "--multi-region"));
    assert!(has(
        &r.cli,
        "aws kms replicate-key --region us-east-1 --key-id \"$KEY_ID\" --replica-region eu-west-1 --policy file://key-policy.json"
    ));
    assert!(has(&r.cli, "aws kms create-alias --region eu-west-1"));
    assert!(
        has(&r.cli, "enable-key-rotation --region us-east-1"),
        "rotation is set on the primary"
    );
    assert_eq!(r.monthly_cost_usd, 2.0, "primary + one replica");
    let admin = policy(&r)["Statement"][0]["Action"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(admin.iter().any(|a| a == "kms:ReplicateKey"));
}

#[test]
fn multi_region_with_imported_material() {
    let r = rec(Answers {
        import_key_material: Some(true),
        multi_region: Some(true),
        replica_regions: Some(vec!["ap-south-1".into(), "eu-west-2".into()]),
        ..control()
    });
    assert_eq!(r.key_type, KeyType::ImportedKeyMaterial);
    assert!(r.conflicts.is_empty());
    assert!(has(&r.cli, "--origin EXTERNAL --multi-region"));
    for reg in ["us-east-1", "ap-south-1", "eu-west-2"] {
        assert!(
            has(&r.cli, &format!("import-key-material --region {reg}")),
            "{reg}"
        );
    }
    assert_eq!(r.monthly_cost_usd, 3.0);
}

// ---- implied control ------------------------------------------------------

#[test]
fn unanswered_control_is_implied_without_conflict() {
    let r = rec(Answers {
        multi_region: Some(true),
        ..Answers::default()
    });
    assert_eq!(r.key_type, KeyType::MultiRegion);
    assert!(r.conflicts.is_empty());
    let r = rec(Answers {
        purpose: Some(Purpose::Sign),
        ..Answers::default()
    });
    assert_eq!(r.key_type, KeyType::CustomerManaged);
    assert!(r.conflicts.is_empty());
}

// ---- every conflict -------------------------------------------------------

fn codes(r: &Recommendation) -> Vec<&'static str> {
    assert_eq!(r.conflicts.len(), r.conflict_codes.len());
    r.conflict_codes.clone()
}

#[test]
fn conflict_no_control_but_cross_account() {
    let r = rec(Answers {
        need_key_control: Some(false),
        cross_account: Some(true),
        ..Answers::default()
    });
    assert_eq!(r.key_type, KeyType::CustomerManaged);
    assert_eq!(codes(&r), ["CONTROL_REQUIRED_FOR_CROSS_ACCOUNT"]);
    assert_eq!(
        policy(&r)["Statement"][1]["Principal"]["AWS"][1],
        "arn:aws:iam::444455556666:root"
    );
}

#[test]
fn conflict_no_control_but_signing_or_hmac() {
    for p in [Purpose::Sign, Purpose::Hmac] {
        let r = rec(Answers {
            need_key_control: Some(false),
            purpose: Some(p),
            ..Answers::default()
        });
        assert_eq!(r.key_type, KeyType::CustomerManaged);
        assert_eq!(codes(&r), ["CONTROL_REQUIRED_FOR_PURPOSE"]);
    }
}

#[test]
fn conflict_no_control_but_hsm_import_multi_region() {
    let r = rec(Answers {
        need_key_control: Some(false),
        hsm_required: Some(true),
        ..Answers::default()
    });
    assert_eq!(
        (r.key_type, codes(&r)),
        (KeyType::CloudhsmKeyStore, vec!["CONTROL_REQUIRED_FOR_HSM"])
    );
    let r = rec(Answers {
        need_key_control: Some(false),
        import_key_material: Some(true),
        ..Answers::default()
    });
    assert_eq!(
        (r.key_type, codes(&r)),
        (
            KeyType::ImportedKeyMaterial,
            vec!["CONTROL_REQUIRED_FOR_IMPORT"]
        )
    );
    let r = rec(Answers {
        need_key_control: Some(false),
        multi_region: Some(true),
        ..Answers::default()
    });
    assert_eq!(
        (r.key_type, codes(&r)),
        (
            KeyType::MultiRegion,
            vec!["CONTROL_REQUIRED_FOR_MULTI_REGION"]
        )
    );
}

#[test]
fn conflict_hsm_and_multi_region() {
    let r = rec(Answers {
        hsm_required: Some(true),
        multi_region: Some(true),
        ..control()
    });
    assert_eq!(r.key_type, KeyType::CloudhsmKeyStore);
    assert_eq!(codes(&r), ["HSM_MULTI_REGION"]);
    assert!(!has(&r.cli, "--multi-region") && !has(&r.cli, "replicate-key"));
}

#[test]
fn conflict_hsm_and_import() {
    let r = rec(Answers {
        hsm_required: Some(true),
        import_key_material: Some(true),
        ..control()
    });
    assert_eq!(r.key_type, KeyType::CloudhsmKeyStore);
    assert_eq!(codes(&r), ["HSM_IMPORT"]);
    assert!(!has(&r.cli, "EXTERNAL"));
}

#[test]
fn conflict_hsm_and_rotation() {
    let r = rec(Answers {
        hsm_required: Some(true),
        automatic_rotation: Some(true),
        ..control()
    });
    assert_eq!(r.key_type, KeyType::CloudhsmKeyStore);
    assert_eq!(codes(&r), ["HSM_ROTATION"]);
    assert_eq!(r.rotation, "manual");
    assert!(!has(&r.cli, "enable-key-rotation"));
}

#[test]
fn conflict_hsm_and_asymmetric() {
    let r = rec(Answers {
        hsm_required: Some(true),
        purpose: Some(Purpose::Sign),
        ..control()
    });
    assert_eq!(r.key_type, KeyType::CustomerManaged);
    assert_eq!(codes(&r), ["HSM_ASYMMETRIC"]);
    assert_eq!(
        (r.key_spec, r.key_usage),
        (Some("ECC_NIST_P256"), Some("SIGN_VERIFY"))
    );
    assert!(!has(&r.cli, "AWS_CLOUDHSM"));
    assert!(
        r.alternatives
            .iter()
            .all(|a| a.key_type != KeyType::CloudhsmKeyStore)
    );
    let p = policy(&r);
    assert_eq!(
        p["Statement"][1]["Condition"]["StringEquals"]["kms:SigningAlgorithm"],
        "ECDSA_SHA_256"
    );
}

#[test]
fn conflict_hsm_and_hmac_still_walks_the_tree() {
    let r = rec(Answers {
        hsm_required: Some(true),
        multi_region: Some(true),
        purpose: Some(Purpose::Hmac),
        ..control()
    });
    assert_eq!(r.key_type, KeyType::MultiRegion);
    assert_eq!(codes(&r), ["HSM_HMAC"]);
    assert!(has(
        &r.cli,
        "--key-spec HMAC_256 --key-usage GENERATE_VERIFY_MAC"
    ));
}

#[test]
fn conflict_rotation_and_asymmetric_or_hmac() {
    let r = rec(Answers {
        purpose: Some(Purpose::Sign),
        automatic_rotation: Some(true),
        ..control()
    });
    assert_eq!(codes(&r), ["ROTATION_ASYMMETRIC"]);
    assert!(!has(&r.cli, "enable-key-rotation"));
    let r = rec(Answers {
        purpose: Some(Purpose::Hmac),
        automatic_rotation: Some(true),
        ..control()
    });
    assert_eq!(codes(&r), ["ROTATION_HMAC"]);
    assert!(!has(&r.cli, "enable-key-rotation"));
}

#[test]
fn conflict_rotation_and_imported() {
    let r = rec(Answers {
        import_key_material: Some(true),
        automatic_rotation: Some(true),
        ..control()
    });
    assert_eq!(r.key_type, KeyType::ImportedKeyMaterial);
    assert_eq!(codes(&r), ["ROTATION_IMPORTED"]);
    assert_eq!(r.rotation, "on-demand");
    assert!(!has(&r.cli, "enable-key-rotation"));
    assert!(has(
        &r.cli,
        "aws kms rotate-key-on-demand --region us-east-1 --key-id \"$KEY_ID\""
    ));
    // Multi-Region keys with imported material cannot be rotated on demand either.
    let r = rec(Answers {
        import_key_material: Some(true),
        multi_region: Some(true),
        automatic_rotation: Some(true),
        ..control()
    });
    assert_eq!(codes(&r), ["ROTATION_IMPORTED"]);
    assert_eq!(r.rotation, "none");
    assert!(!has(&r.cli, "rotate-key-on-demand"));
}

#[test]
fn several_conflicts_at_once() {
    let r = rec(Answers {
        hsm_required: Some(true),
        import_key_material: Some(true),
        multi_region: Some(true),
        automatic_rotation: Some(true),
        ..control()
    });
    assert_eq!(
        codes(&r),
        ["HSM_MULTI_REGION", "HSM_IMPORT", "HSM_ROTATION"]
    );
}

// ---- policy, names, cost ----------------------------------------------------

#[test]
fn hmac_policy_and_cli() {
    let r = rec(Answers {
        purpose: Some(Purpose::Hmac),
        ..control()
    });
    assert!(has(
        &r.cli,
        "--key-spec HMAC_256 --key-usage GENERATE_VERIFY_MAC"
    ));
    assert_eq!(
        policy(&r)["Statement"][1]["Condition"]["StringEquals"]["kms:MacAlgorithm"],
        "HMAC_SHA_256"
    );
}

#[test]
fn signing_policy_lets_users_read_the_public_key() {
    let r = rec(Answers {
        purpose: Some(Purpose::Sign),
        ..control()
    });
    let describe = policy(&r)["Statement"][2]["Action"].clone();
    assert_eq!(
        describe,
        serde_json::json!(["kms:DescribeKey", "kms:GetPublicKey"])
    );
}

#[test]
fn custom_names_and_partition() {
    let r = rec(Answers {
        region: Some("cn-north-1".into()),
        replica_regions: Some(vec!["cn-northwest-1".into()]),
        alias: Some("alias/tenant/acme".into()),
        account: Some("000011112222".into()),
        multi_region: Some(true),
        cross_account: Some(true),
        trusted_account: Some("333344445555".into()),
        encryption_context: Some(BTreeMap::from([("tenant".into(), "acme".into())])),
        ..control()
    });
    assert!(has(&r.cli, "--replica-region cn-northwest-1"));
    assert!(has(&r.cli, "--alias-name alias/tenant/acme"));
    let p = policy(&r);
    assert_eq!(
        p["Statement"][0]["Principal"]["AWS"],
        "arn:aws-cn:iam::000011112222:role/KeyAdmin"
    );
    assert_eq!(
        p["Statement"][1]["Principal"]["AWS"][1],
        "arn:aws-cn:iam::333344445555:root"
    );
    assert_eq!(
        p["Statement"][1]["Condition"]["StringEquals"]["kms:EncryptionContext:tenant"],
        "acme"
    );
}

#[test]
fn refuses_malformed_names() {
    for a in [
        Answers {
            alias: Some("my-key".into()),
            ..control()
        },
        Answers {
            alias: Some("alias/aws/s3".into()),
            ..control()
        },
        Answers {
            region: Some("mars-1".into()),
            ..control()
        },
        Answers {
            replica_regions: Some(vec!["us-east-1".into()]),
            ..control()
        },
        Answers {
            replica_regions: Some(vec!["cn-north-1".into()]),
            ..control()
        },
        Answers {
            replica_regions: Some(vec![]),
            ..control()
        },
        Answers {
            account: Some("123".into()),
            ..control()
        },
        Answers {
            trusted_account: Some("abcdabcdabcd".into()),
            ..control()
        },
        Answers {
            encryption_context: Some(BTreeMap::from([(String::new(), "x".into())])),
            ..control()
        },
        Answers {
            requests_per_month: Some(-1.0),
            ..control()
        },
    ] {
        assert_eq!(
            recommend_key_type(&a).map(|_| ()).map_err(|e| e.code()),
            Err("INVALID_ARGUMENT"),
            "{a:?}"
        );
    }
}

#[test]
fn requests_add_to_the_monthly_cost() {
    let r = rec(Answers {
        requests_per_month: Some(1_020_000.0),
        ..control()
    });
    assert_eq!(r.monthly_cost_usd, 4.0);
    let r = rec(Answers {
        requests_per_month: Some(120_000.0),
        purpose: Some(Purpose::Sign),
        ..control()
    });
    assert_eq!(r.monthly_cost_usd, 2.8); // $1 + 120,000 x $0.15 / 10,000: asymmetric requests get no free tier
}

#[test]
fn requests_to_aws_managed_keys_are_billed_to_you_aws_owned_are_not() {
    let base = Answers {
        need_key_control: Some(false),
        requests_per_month: Some(1_020_000.0),
        ..Answers::default()
    };
    assert_eq!(
        rec(Answers {
            audit_key_use: Some(true),
            ..base.clone()
        })
        .monthly_cost_usd,
        3.0
    );
    assert_eq!(
        rec(Answers {
            audit_key_use: Some(false),
            ..base
        })
        .monthly_cost_usd,
        0.0
    );
}

#[test]
fn key_type_strings_match_serde() {
    for k in KeyType::ALL {
        assert_eq!(
            serde_json::to_string(&k).unwrap_or_default(),
            format!("\"{}\"", k.as_str())
        );
    }
}

#[test]
fn answers_refuse_unknown_fields() {
    let err = serde_json::from_str::<Answers>(r#"{"needKeyControll": true}"#);
    assert!(err.is_err());
    let ok: Answers =
        serde_json::from_str(r#"{"needKeyControl": true, "purpose": "hmac", "multiRegion": null}"#)
            .unwrap_or_default();
    assert_eq!(
        (ok.need_key_control, ok.purpose, ok.multi_region),
        (Some(true), Some(Purpose::Hmac), None)
    );
}
