//! Signature verification for every key type, as `verifyKmsSignature` and
//! `KmsPublicKey#verify` drive it, and DER signature parsing.
//!
//! Input: `[algorithm][message type][flags][u16 n][key: n bytes][u16 m]
//! [message: m bytes][signature: the rest]`. The algorithm indexes
//! `edge_kms_fuzz::ALGORITHMS`, the message type RAW/DIGEST/EXTERNAL_MU; flags
//! 0/1/2 pass the key as DER, base64 or PEM.
//!
//! Checks: no panic; both engine preferences, `verify` and
//! `verify_kms_signature` (by names) agree — the same verdict or the same
//! error code; a native plan is only made where `native_capable` says, for
//! the message as given, with the signature in WebCrypto's form, and the
//! core's verdict on that form (JOSE) is the verdict; for ECDSA keys, the
//! strict DER reader (`der_to_raw` + range) accepts exactly what the `ecdsa`
//! crate's DER reader accepts (the one the message footer uses), with the
//! same `r ‖ s`; at most 16 bytes allocated per input byte plus 1 MiB.

#![no_main]

use base64ct::{Base64, Encoding as _};
use edge_kms::verify::ecdsa_der::der_to_raw;
use edge_kms::verify::{
    Decision, EnginePreference, KeySpec, Message, MessageType, PublicKey, SignatureForm,
    verify_kms_signature,
};
use edge_kms_fuzz::ALGORITHMS;
use edge_kms_fuzz::alloc::{measure, within_budget};
use edge_kms_fuzz::input::Input;
use libfuzzer_sys::fuzz_target;

fn pem(der: &[u8]) -> Vec<u8> {
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        Base64::encode_string(der)
    )
    .into_bytes()
}

/// `r ‖ s` as the `ecdsa` crate reads a DER signature for `spec`'s curve.
fn ecdsa_crate(spec: KeySpec, der: &[u8]) -> Option<Vec<u8>> {
    macro_rules! curve {
        ($c:ident) => {{
            let d = $c::ecdsa::DerSignature::from_bytes(der).ok()?;
            let s = $c::ecdsa::Signature::try_from(d).ok()?;
            Some(s.to_bytes().to_vec())
        }};
    }
    match spec {
        KeySpec::EccNistP256 => curve!(p256),
        KeySpec::EccNistP384 => curve!(p384),
        KeySpec::EccNistP521 => curve!(p521),
        KeySpec::EccSecgP256k1 => curve!(k256),
        _ => None,
    }
}

/// `r ‖ s` as the crate's strict reader gives it, in range for `spec`'s curve.
fn strict(spec: KeySpec, der: &[u8]) -> Option<Vec<u8>> {
    macro_rules! curve {
        ($c:ident, $n:expr) => {{
            let raw = der_to_raw(der, $n)?;
            $c::ecdsa::Signature::from_slice(&raw).ok()?;
            Some(raw)
        }};
    }
    match spec {
        KeySpec::EccNistP256 => curve!(p256, 32),
        KeySpec::EccNistP384 => curve!(p384, 48),
        KeySpec::EccNistP521 => curve!(p521, 66),
        KeySpec::EccSecgP256k1 => curve!(k256, 32),
        _ => None,
    }
}

fn code<T>(r: &edge_kms::Result<T>) -> &'static str {
    r.as_ref().err().map_or("ok", |e| e.code())
}

fuzz_target!(|data: &[u8]| {
    let mut i = Input::new(data);
    let alg = ALGORITHMS[usize::from(i.byte()) % ALGORITHMS.len()];
    let (mtype, mname) = [
        (MessageType::Raw, "RAW"),
        (MessageType::Digest, "DIGEST"),
        (MessageType::ExternalMu, "EXTERNAL_MU"),
    ][usize::from(i.byte()) % 3];
    let flags = i.byte();
    let der = i.prefixed();
    let msg = i.prefixed();
    let sig = i.rest();
    let key_input = match flags % 3 {
        0 => der.to_vec(),
        1 => Base64::encode_string(der).into_bytes(),
        _ => pem(der),
    };
    let Ok(key) = PublicKey::parse(&key_input) else {
        return;
    };
    let spec = key.key_spec();

    let (core, peak) = measure(|| key.decide(alg, mtype, msg, sig, EnginePreference::Core));
    within_budget("verify", peak, data.len(), 16, 1 << 20);
    let native = key.decide(alg, mtype, msg, sig, EnginePreference::Native);
    let verdict = key.verify(alg, mtype, msg, sig);
    let by_name = verify_kms_signature(&key_input, alg.as_str(), mname, msg, sig);
    // The `verify` module's answer: no arithmetic, a fallback request instead.
    let planned = key.plan(alg, mtype, msg, sig, EnginePreference::Core);

    let v = match &core {
        Ok(Decision::Verdict(v)) => *v,
        Ok(Decision::Native(_)) => panic!("the core engine returned a native plan"),
        Ok(Decision::Fallback(_)) => panic!("decide left a fallback unrun"),
        Err(e) => {
            assert_eq!(code(&planned), e.code(), "plan fails differently");
            assert_eq!(code(&native), e.code(), "engines fail differently");
            assert_eq!(code(&verdict), e.code());
            assert_eq!(code(&by_name), e.code());
            return;
        }
    };
    assert_eq!(verdict.as_ref().ok(), Some(&v));
    match planned.expect("plan failed where decide did not") {
        Decision::Verdict(p) => assert!(!p && !v, "plan's early verdict is only false"),
        Decision::Fallback(f) => assert_eq!(f.run(), v, "the fallback module disagrees"),
        Decision::Native(_) => panic!("the core engine planned WebCrypto"),
    }
    assert_eq!(
        by_name.as_ref().ok(),
        Some(&v),
        "verify_kms_signature disagrees"
    );
    match native.expect("the native preference failed where the core did not") {
        Decision::Verdict(n) => assert_eq!(n, v, "engines disagree"),
        Decision::Fallback(_) => panic!("decide left a fallback unrun"),
        Decision::Native(plan) => {
            assert!(
                key.native_capable(alg, mtype),
                "a plan where native_capable says no"
            );
            assert_eq!(plan.data, msg, "the plan signs other data");
            match spec {
                KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => {
                    assert_eq!(plan.signature, sig);
                }
                _ => {
                    assert_eq!(Some(&plan.signature), strict(spec, sig).as_ref());
                    let jose = key
                        .decide_message(
                            alg,
                            Message::Raw(msg),
                            &plan.signature,
                            SignatureForm::Jose,
                            EnginePreference::Core,
                        )
                        .expect("the JOSE form decides");
                    assert_eq!(
                        jose,
                        Decision::Verdict(v),
                        "the plan's signature verifies differently"
                    );
                }
            }
        }
    }
    if matches!(
        spec,
        KeySpec::EccNistP256 | KeySpec::EccNistP384 | KeySpec::EccNistP521 | KeySpec::EccSecgP256k1
    ) {
        assert_eq!(
            strict(spec, sig),
            ecdsa_crate(spec, sig),
            "the two DER readers disagree"
        );
        if v {
            assert!(
                strict(spec, sig).is_some(),
                "a signature verified that is not strict DER"
            );
        }
    }
});
