//! JWT verification (`verify::jwt`): decoding, the allow-list, the decision
//! for both engines, and the time claims.
//!
//! Input: `[key][u16 allowed][f64 now][f64 leeway][token]`. `key` indexes the
//! fixed keys (`keys::spkis()`: P-256, P-384, P-521, secp256k1, Ed25519,
//! RSA-2048); the bits of `allowed` pick names from `NAMES` (which include
//! `none` and `HS256`, which must be refused); the token must be UTF-8.
//!
//! Checks: no panic; `parse_allow_list` refuses exactly an empty list or one
//! naming `none`/an unsupported algorithm; a decoded token has three parts,
//! an allowed `alg` and JSON objects for header and payload; `decide` for
//! both engines and `verify` agree (same verdict or same error code); a
//! native plan's signature is the token's; `check_claims` never lets pass a
//! token that a fail-closed reading of `exp`/`nbf` calls expired or not yet
//! valid (NaN included); at most 16 bytes allocated per token byte plus 256 KiB.

#![no_main]

use edge_kms::verify::jwt::{self, JwsAlgorithm};
use edge_kms::verify::{Decision, EnginePreference, PublicKey};
use edge_kms_fuzz::alloc::{measure, within_budget};
use edge_kms_fuzz::input::Input;
use edge_kms_fuzz::keys;
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 13] = [
    "ES256", "ES384", "ES512", "ES256K", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
    "EdDSA", "none", "HS256",
];

fn code<T>(r: &edge_kms::Result<T>) -> &'static str {
    r.as_ref().err().map_or("ok", |e| e.code())
}

/// `exp`/`nbf` read with serde_json's `Value`, compared so that NaN fails.
fn claims_allow(payload: &str, now: f64, leeway: f64) -> bool {
    let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<serde_json::Value>(payload)
    else {
        return false;
    };
    let num = |k: &str| m.get(k).map(serde_json::Value::as_f64);
    let exp_ok = match num("exp") {
        None => true,
        Some(Some(exp)) => now < exp + leeway,
        Some(None) => false,
    };
    let nbf_ok = match num("nbf") {
        None => true,
        Some(Some(nbf)) => now >= nbf - leeway,
        Some(None) => false,
    };
    exp_ok && nbf_ok
}

fuzz_target!(|data: &[u8]| {
    let mut i = Input::new(data);
    let spkis = keys::spkis();
    let (_, spki) = &spkis[usize::from(i.byte()) % spkis.len()];
    let mask = i.u16();
    let now = i.f64();
    let leeway = i.f64();
    let Ok(token) = std::str::from_utf8(i.rest()) else {
        return;
    };

    let names: Vec<&str> = NAMES
        .iter()
        .enumerate()
        .filter(|(b, _)| mask & (1 << b) != 0)
        .map(|(_, n)| *n)
        .collect();
    let list = jwt::parse_allow_list(&names);
    let refusable = names.is_empty() || names.iter().any(|n| JwsAlgorithm::from_name(n).is_none());
    assert_eq!(list.is_err(), refusable, "allow-list {names:?}");
    let allowed = list.unwrap_or_else(|_| {
        NAMES
            .iter()
            .filter_map(|n| JwsAlgorithm::from_name(n))
            .collect()
    });
    let key = PublicKey::parse(spki).expect("fixed key");

    let (decoded, peak) = measure(|| jwt::decode(token, &allowed));
    within_budget("jwt", peak, token.len(), 16, 256 << 10);
    let core = jwt::decide(&key, token, &allowed, EnginePreference::Core);
    let native = jwt::decide(&key, token, &allowed, EnginePreference::Native);
    let verified = jwt::verify(&key, token, &allowed);

    match &decoded {
        Ok(d) => {
            assert!(allowed.contains(&d.alg));
            assert_eq!(token.matches('.').count(), 2);
            for part in [&d.header_json, &d.payload_json] {
                assert!(
                    matches!(serde_json::from_str(part), Ok(serde_json::Value::Object(_))),
                    "a part that is not a JSON object"
                );
            }
        }
        Err(e) => {
            assert_eq!(
                code(&core),
                e.code(),
                "decide fails differently from decode"
            );
        }
    }
    match &core {
        Ok((_, Decision::Verdict(v))) => {
            assert_eq!(verified.as_ref().map(|r| r.0).ok(), Some(*v));
            match &native {
                Ok((_, Decision::Verdict(n))) => assert_eq!(n, v, "engines disagree"),
                Ok((_, Decision::Native(plan))) => {
                    let dot = token.rfind('.').expect("three parts");
                    assert_eq!(
                        plan.data,
                        token.as_bytes()[..dot].to_vec(),
                        "the plan signs other data"
                    );
                }
                Ok((_, Decision::Fallback(_))) => panic!("decide left a fallback unrun"),
                Err(e) => panic!("native failed where the core did not: {}", e.code()),
            }
        }
        Ok((_, Decision::Native(_))) => panic!("the core engine returned a native plan"),
        Ok((_, Decision::Fallback(_))) => panic!("decide left a fallback unrun"),
        Err(e) => {
            assert_eq!(code(&native), e.code());
            assert_eq!(code(&verified), e.code());
        }
    }
    // The claims check, on any payload that decoded.
    if let Ok(d) = &decoded
        && jwt::check_claims(&d.payload_json, now, leeway).is_ok()
    {
        assert!(
            claims_allow(&d.payload_json, now, leeway),
            "check_claims let pass an expired or not-yet-valid payload (now {now}, leeway {leeway})"
        );
    }
});
