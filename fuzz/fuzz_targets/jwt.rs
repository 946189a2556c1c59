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
//! token that a fail-closed reading of `exp`/`nbf` by serde_json calls
//! expired or not yet valid (NaN included; 1e-14 relative slack for the
//! library's serde-free number reading); at most 16 bytes allocated per token byte plus 256 KiB.

#![no_main]

use base64ct::{Base64UrlUnpadded, Encoding as _};
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
/// The library reads numbers without serde (within 1e-14 of a correctly
/// rounded reading, `verify/jwt/json.rs`), so the comparison allows that
/// much slack; a payload `Value` cannot hold (nesting beyond 128, a number
/// beyond f64 elsewhere in it) is not judged (`None`).
fn claims_allow(payload: &str, now: f64, leeway: f64) -> Option<bool> {
    let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<serde_json::Value>(payload)
    else {
        return None;
    };
    let num = |k: &str| m.get(k).map(serde_json::Value::as_f64);
    let slack = |x: f64| (x.abs() + leeway.abs() + now.abs()) * 1e-14 + 1e-300;
    let exp_ok = match num("exp") {
        None => true,
        Some(Some(exp)) => now < exp + leeway + slack(exp),
        Some(None) => false,
    };
    let nbf_ok = match num("nbf") {
        None => true,
        Some(Some(nbf)) => now >= nbf - leeway - slack(nbf),
        Some(None) => false,
    };
    Some(exp_ok && nbf_ok)
}

/// serde_json's reading of a header: an object `Value` holds (valid
/// Unicode, nesting within 128) with one string `alg` and no `crit`/`b64`.
fn serde_alg(header: &str) -> Option<String> {
    /// Present with any value, `null` included (the library refuses both).
    fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<()>, D::Error> {
        <serde::de::IgnoredAny as serde::Deserialize>::deserialize(d).map(|_| Some(()))
    }
    #[derive(serde::Deserialize)]
    struct Header {
        alg: String,
        #[serde(default, deserialize_with = "present")]
        crit: Option<()>,
        #[serde(default, deserialize_with = "present")]
        b64: Option<()>,
    }
    if !serde_object(header) {
        return None;
    }
    let h: Header = serde_json::from_str(header).ok()?;
    (h.crit.is_none() && h.b64.is_none()).then_some(h.alg)
}

fn serde_object(text: &str) -> bool {
    text.trim_start().starts_with('{')
        && matches!(serde_json::from_str(text), Ok(serde_json::Value::Object(_)))
}

fuzz_target!(|data: &[u8]| {
    let mut i = Input::new(data);
    let spkis = keys::spkis();
    let (_, spki) = &spkis[usize::from(i.byte()) % spkis.len()];
    let mask = i.u16();
    let now = i.f64();
    let leeway = i.f64();
    let Ok(rest) = std::str::from_utf8(i.rest()) else {
        return;
    };
    // Bit 15 of `allowed`: the rest is `header JSON \0 payload JSON`, encoded
    // here, so that mutations reach the JSON reader directly.
    let built;
    let token = if mask & 0x8000 != 0 {
        let (h, p) = rest.split_once('\0').unwrap_or((rest, "{}"));
        built = format!(
            "{}.{}.AQID",
            Base64UrlUnpadded::encode_string(h.as_bytes()),
            Base64UrlUnpadded::encode_string(p.as_bytes())
        );
        if let (Some(alg), true) = (serde_alg(h), serde_object(p)) {
            // What serde_json read as a valid header and payload (strings
            // valid Unicode, nesting within its limit) the library reads too.
            let names: Vec<&str> = NAMES
                .iter()
                .copied()
                .filter(|n| JwsAlgorithm::from_name(n).is_some())
                .collect();
            let every = jwt::parse_allow_list(&names).expect("the supported names");
            assert_eq!(
                jwt::decode(&built, &every)
                    .map(|d| d.alg.name())
                    .map_err(|e| e.code()),
                JwsAlgorithm::from_name(&alg)
                    .map(JwsAlgorithm::name)
                    .ok_or("UNSUPPORTED_ALGORITHM"),
                "header {h:?}, payload {p:?}"
            );
        }
        built.as_str()
    } else {
        rest
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
                // serde_json as the reader before it read them: IgnoredAny
                // (any depth, numbers beyond f64 skipped) over an object.
                assert!(
                    part.trim_start().starts_with('{')
                        && serde_json::from_str::<serde::de::IgnoredAny>(part).is_ok(),
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
            claims_allow(&d.payload_json, now, leeway) != Some(false),
            "check_claims let pass an expired or not-yet-valid payload (now {now}, leeway {leeway})"
        );
    }
});
