//! The `aws kms` commands that create the recommended key.

use super::KeyType;
use super::names::Names;
use crate::kms::spec::{Origin, Purpose};

pub(super) fn cli_for(
    key_type: KeyType,
    purpose: Purpose,
    origin: Origin,
    multi: bool,
    rotation: &str,
    n: &Names,
) -> Vec<String> {
    let r = &n.region;
    let mut cli = Vec::new();
    let mut create = format!("KEY_ID=$(aws kms create-key --region {r}");
    if key_type == KeyType::CloudhsmKeyStore {
        cli.push("# Prerequisite: an initialized, active CloudHSM cluster with at least two HSMs in different Availability Zones, its trust anchor certificate, and a kmsuser crypto user whose password is in $KMSUSER_PASSWORD.".to_owned());
        cli.push(format!("KEY_STORE_ID=$(aws kms create-custom-key-store --region {r} --custom-key-store-name my-app-key-store --cloud-hsm-cluster-id \"$CLUSTER_ID\" --trust-anchor-certificate file://customerCA.crt --key-store-password \"$KMSUSER_PASSWORD\" --query CustomKeyStoreId --output text)"));
        cli.push(format!(
            "aws kms connect-custom-key-store --region {r} --custom-key-store-id \"$KEY_STORE_ID\""
        ));
        cli.push(
            "# Wait until describe-custom-key-stores shows ConnectionState CONNECTED.".to_owned(),
        );
    }
    create.push_str(&format!(
        " --key-spec {} --key-usage {}",
        purpose.key_spec(),
        purpose.key_usage()
    ));
    match origin {
        Origin::External => create.push_str(" --origin EXTERNAL"),
        Origin::AwsCloudHsm => {
            create.push_str(" --origin AWS_CLOUDHSM --custom-key-store-id \"$KEY_STORE_ID\"")
        }
        Origin::AwsKms => {}
    }
    if multi {
        create.push_str(" --multi-region");
    }
    create.push_str(&format!(" --description \"{}\" --policy file://key-policy.json --query KeyMetadata.KeyId --output text)", description(purpose)));
    cli.push("# Save the key policy below as key-policy.json and run these as the KeyAdmin role (KMS refuses a policy that would lock the caller out).".to_owned());
    cli.push(create);
    if multi {
        for rep in &n.replicas {
            cli.push(format!("aws kms replicate-key --region {r} --key-id \"$KEY_ID\" --replica-region {rep} --policy file://key-policy.json"));
        }
    }
    if origin == Origin::External {
        let mut regions = vec![r.clone()];
        if multi {
            regions.extend(n.replicas.iter().cloned());
            cli.push(
                "# Import the same key material into the primary and into every replica."
                    .to_owned(),
            );
        }
        for reg in regions {
            cli.push(format!("aws kms get-parameters-for-import --region {reg} --key-id \"$KEY_ID\" --wrapping-algorithm RSAES_OAEP_SHA_256 --wrapping-key-spec RSA_4096 > import-parameters-{reg}.json"));
            cli.push(format!("# Wrap your key material with the PublicKey in import-parameters-{reg}.json (RSAES_OAEP_SHA_256) into EncryptedKeyMaterial.bin; save the ImportToken as ImportToken-{reg}.bin."));
            cli.push(format!("aws kms import-key-material --region {reg} --key-id \"$KEY_ID\" --encrypted-key-material fileb://EncryptedKeyMaterial.bin --import-token fileb://ImportToken-{reg}.bin --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE"));
        }
    }
    cli.push(format!(
        "aws kms create-alias --region {r} --alias-name {} --target-key-id \"$KEY_ID\"",
        n.alias
    ));
    if multi {
        for rep in &n.replicas {
            cli.push(format!(
                "aws kms create-alias --region {rep} --alias-name {} --target-key-id \"$KEY_ID\"",
                n.alias
            ));
        }
    }
    match rotation {
        "automatic" => cli.push(format!("aws kms enable-key-rotation --region {r} --key-id \"$KEY_ID\" --rotation-period-in-days 365")),
        "on-demand" => {
            cli.push("# To rotate later: import new material with --import-type NEW_KEY_MATERIAL, then:".to_owned());
            cli.push(format!("aws kms rotate-key-on-demand --region {r} --key-id \"$KEY_ID\""));
        }
        _ => {}
    }
    cli
}

fn description(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::Encrypt => "my-app data key wrapping key",
        Purpose::Sign => "my-app signing key",
        Purpose::Hmac => "my-app HMAC key",
    }
}
