//! Verifying JWTs (RFC 7519) in JWS compact serialization (RFC 7515 §7.1)
//! signed by a KMS key: `ES256`/`ES384`/`ES512`/`ES256K` (JOSE `r ‖ s`,
//! RFC 7518 §3.4, RFC 8812 §3.2), `RS256`/`RS384`/`RS512` (RFC 7518 §3.3),
//! `PS256`/`PS384`/`PS512` (RFC 7518 §3.5, salt = hash length, as KMS
//! signs), `EdDSA` with Ed25519 (RFC 8037 §3.1).
//!
//! Policy: the caller's allow-list is required and `none` is never allowed;
//! the header's `alg` must be in the list and fit the key exactly (`ES256`
//! needs a P-256 key, not secp256k1). A `crit` header is refused (we
//! understand no extensions, RFC 7515 §4.1.11), duplicate `alg`/`crit`/`b64`
//! members are refused, and header and payload must be JSON objects.

use base64ct::{Base64UrlUnpadded, Encoding as _};

use super::algorithm::{KeySpec, SigningAlgorithm};
use super::public_key::{Decision, EnginePreference, Message, PublicKey, SignatureForm};
use crate::{Error, Result};

mod json;

use json::{Kind, Refused};

/// Longest token accepted (bytes).
pub const MAX_TOKEN_LEN: usize = 256 * 1024;

/// A JWS `alg` this library verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum JwsAlgorithm {
    Es256,
    Es384,
    Es512,
    Es256k,
    Rs256,
    Rs384,
    Rs512,
    Ps256,
    Ps384,
    Ps512,
    EdDsa,
}

impl JwsAlgorithm {
    /// Parses a JWS `alg` name. `None` for `none`, HMAC and everything else.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "ES256" => Self::Es256,
            "ES384" => Self::Es384,
            "ES512" => Self::Es512,
            "ES256K" => Self::Es256k,
            "RS256" => Self::Rs256,
            "RS384" => Self::Rs384,
            "RS512" => Self::Rs512,
            "PS256" => Self::Ps256,
            "PS384" => Self::Ps384,
            "PS512" => Self::Ps512,
            "EdDSA" => Self::EdDsa,
            _ => return None,
        })
    }

    /// The JWS name (`ES256`, …).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Es256 => "ES256",
            Self::Es384 => "ES384",
            Self::Es512 => "ES512",
            Self::Es256k => "ES256K",
            Self::Rs256 => "RS256",
            Self::Rs384 => "RS384",
            Self::Rs512 => "RS512",
            Self::Ps256 => "PS256",
            Self::Ps384 => "PS384",
            Self::Ps512 => "PS512",
            Self::EdDsa => "EdDSA",
        }
    }

    /// The KMS signing algorithm that makes these signatures.
    #[must_use]
    pub const fn kms_algorithm(self) -> SigningAlgorithm {
        use SigningAlgorithm as K;
        match self {
            Self::Es256 | Self::Es256k => K::EcdsaSha256,
            Self::Es384 => K::EcdsaSha384,
            Self::Es512 => K::EcdsaSha512,
            Self::Rs256 => K::RsassaPkcs1V15Sha256,
            Self::Rs384 => K::RsassaPkcs1V15Sha384,
            Self::Rs512 => K::RsassaPkcs1V15Sha512,
            Self::Ps256 => K::RsassaPssSha256,
            Self::Ps384 => K::RsassaPssSha384,
            Self::Ps512 => K::RsassaPssSha512,
            Self::EdDsa => K::Ed25519Sha512,
        }
    }

    /// Whether a key of `spec` is the one this `alg` names (stricter than the
    /// KMS pairing: `ES256` is P-256 only, `ES256K` secp256k1 only).
    #[must_use]
    pub const fn fits(self, spec: KeySpec) -> bool {
        match self {
            Self::Es256 => matches!(spec, KeySpec::EccNistP256),
            Self::Es256k => matches!(spec, KeySpec::EccSecgP256k1),
            _ => self.kms_algorithm().fits(spec),
        }
    }
}

/// Parses the caller's allow-list.
///
/// # Errors
/// [`Error::InvalidArgument`] if it is empty, names `none`, or names an
/// algorithm this library does not verify.
pub fn parse_allow_list<S: AsRef<str>>(names: &[S]) -> Result<Vec<JwsAlgorithm>> {
    if names.is_empty() {
        return Err(Error::InvalidArgument(
            "algorithms: an allow-list of JWS algorithms is required",
        ));
    }
    names
        .iter()
        .map(|n| match n.as_ref() {
            "none" => Err(Error::InvalidArgument(
                "algorithms: 'none' is never allowed",
            )),
            n => JwsAlgorithm::from_name(n).ok_or(Error::InvalidArgument(
                "algorithms: unknown or unsupported JWS algorithm",
            )),
        })
        .collect()
}

/// A token whose structure has been checked and whose `alg` is allowed.
#[derive(Clone, Debug)]
pub struct DecodedJwt {
    /// The header's `alg`.
    pub alg: JwsAlgorithm,
    /// The decoded header, JSON text of an object.
    pub header_json: String,
    /// The decoded payload, JSON text of an object.
    pub payload_json: String,
    signing_input_len: usize,
    signature: Vec<u8>,
}

impl DecodedJwt {
    /// The JWS signature (decoded third part).
    #[must_use]
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The JWS signing input of `token` (the text before the second `.`),
    /// `token` being the one this was decoded from.
    #[must_use]
    pub fn signing_input<'t>(&self, token: &'t str) -> Option<&'t [u8]> {
        token.as_bytes().get(..self.signing_input_len)
    }
}

/// Decides a decoded token's signature under `key`: the `alg` must name
/// this key's type and size. The half of [`decide`] after [`decode`], for a
/// caller that decoded elsewhere (the `jwt` WebAssembly module).
///
/// # Errors
/// [`Error::KeyAlgorithmMismatch`] if `alg` does not fit the key; as
/// [`PublicKey::plan_message`].
pub fn plan_signature(
    key: &PublicKey,
    alg: JwsAlgorithm,
    signing_input: &[u8],
    signature: &[u8],
    engine: EnginePreference,
) -> Result<Decision> {
    if !alg.fits(key.key_spec()) {
        return Err(Error::KeyAlgorithmMismatch(
            "the token's alg does not fit the key",
        ));
    }
    key.plan_message(
        alg.kms_algorithm(),
        Message::Raw(signing_input),
        signature,
        SignatureForm::Jose,
        engine,
    )
}

fn b64(part: &str) -> Result<Vec<u8>> {
    Base64UrlUnpadded::decode_vec(part)
        .map_err(|_| Error::MalformedJwt("a JWT part is not unpadded base64url"))
}

fn json_object(bytes: Vec<u8>) -> Result<String> {
    let text =
        String::from_utf8(bytes).map_err(|_| Error::MalformedJwt("a JWT part is not UTF-8"))?;
    json::for_each_member(&text, |_, _, _| Ok::<(), ()>(())).map_err(not_json)?;
    Ok(text)
}

fn not_json<E>(r: Refused<E>) -> Error {
    Error::MalformedJwt(match r {
        Refused::NotAnObject => "JWT header and payload must be JSON objects",
        Refused::NotJson | Refused::Member(_) => "a JWT part is not JSON",
    })
}

/// The header's `alg`: exactly one member named `alg` (names compared
/// decoded), a string; no `crit` or `b64` member, whatever its value (the
/// old serde reader let a `null` one pass as absent).
fn header_alg(header_json: &str) -> Result<String> {
    const NEEDS_ALG: Error = Error::MalformedJwt("JWT header needs one string alg");
    let mut alg = None;
    let mut extension = false;
    json::for_each_member(header_json, |name, kind, value| {
        match name {
            "alg" if alg.is_some() || kind != Kind::String => return Err(NEEDS_ALG),
            "alg" => alg = Some(json::string_value(value).ok_or(NEEDS_ALG)?),
            "crit" | "b64" => extension = true,
            _ => {}
        }
        Ok(())
    })
    .map_err(|r| match r {
        Refused::Member(e) => e,
        r => not_json(r),
    })?;
    if extension {
        return Err(Error::MalformedJwt(
            "JWT header extensions (crit, b64) are not supported",
        ));
    }
    alg.ok_or(NEEDS_ALG)
}

/// Splits and decodes `token`, and checks its `alg` against `allowed`.
///
/// # Errors
/// [`Error::MalformedJwt`] for anything but three base64url parts of JSON
/// objects with a string `alg`, a `crit` or `b64` header, or duplicate
/// members among those; [`Error::UnsupportedAlgorithm`] for `alg` `none` or
/// one outside `allowed`.
pub fn decode(token: &str, allowed: &[JwsAlgorithm]) -> Result<DecodedJwt> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(Error::MalformedJwt("token is too long"));
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Error::MalformedJwt(
            "a JWS compact token has exactly three parts",
        ));
    };
    let header_json = json_object(b64(h)?)?;
    let payload_json = json_object(b64(p)?)?;
    let signature = b64(s)?;
    let alg = header_alg(&header_json)?;
    let alg = JwsAlgorithm::from_name(&alg)
        .filter(|a| allowed.contains(a))
        .ok_or(Error::UnsupportedAlgorithm(
            "the token's alg is not in the allowed algorithms",
        ))?;
    // Header and payload parts are ASCII; the signing input is their text.
    let signing_input_len = h.len().saturating_add(1).saturating_add(p.len());
    Ok(DecodedJwt {
        alg,
        header_json,
        payload_json,
        signing_input_len,
        signature,
    })
}

/// Decodes `token` and decides its signature under `key` (see [`PublicKey::decide`]).
///
/// # Errors
/// Those of [`decode`], and [`Error::KeyAlgorithmMismatch`] if `alg` does
/// not name this key's type and size.
pub fn decide(
    key: &PublicKey,
    token: &str,
    allowed: &[JwsAlgorithm],
    engine: EnginePreference,
) -> Result<(DecodedJwt, Decision)> {
    let jwt = decode(token, allowed)?;
    if !jwt.alg.fits(key.key_spec()) {
        return Err(Error::KeyAlgorithmMismatch(
            "the token's alg does not fit the key",
        ));
    }
    let input = token
        .as_bytes()
        .get(..jwt.signing_input_len)
        .ok_or(Error::MalformedJwt("token"))?;
    let decision = key.decide_message(
        jwt.alg.kms_algorithm(),
        Message::Raw(input),
        &jwt.signature,
        SignatureForm::Jose,
        engine,
    )?;
    Ok((jwt, decision))
}

/// Verifies `token` under `key` with the core's arithmetic: `Ok((true, jwt))`
/// if the signature verifies, `Ok((false, jwt))` if not. Time claims are not
/// checked here; see [`check_claims`].
///
/// # Errors
/// As [`decide`].
pub fn verify(
    key: &PublicKey,
    token: &str,
    allowed: &[JwsAlgorithm],
) -> Result<(bool, DecodedJwt)> {
    let (jwt, decision) = decide(key, token, allowed, EnginePreference::Core)?;
    Ok((decision == Decision::Verdict(true), jwt))
}

/// Checks `exp` and `nbf` (RFC 7519 §4.1.4, §4.1.5) at `now` (seconds since
/// the epoch) with `leeway` seconds of clock skew. Call only after the
/// signature verified: claims of an unverified token mean nothing.
///
/// # Errors
/// [`Error::MalformedJwt`] if the payload is not a JSON object, or `exp` or
/// `nbf` is present but not a finite number (`null` included) or present
/// twice,
/// [`Error::JwtExpired`] if `now ≥ exp + leeway`,
/// [`Error::JwtNotYetValid`] if `now < nbf − leeway`;
/// [`Error::InvalidArgument`] if `now` or `leeway` is not finite or `leeway`
/// is negative (a NaN would make every comparison false: fail open).
pub fn check_claims(payload_json: &str, now: f64, leeway: f64) -> Result<()> {
    if !now.is_finite() || !leeway.is_finite() || leeway < 0.0 {
        return Err(Error::InvalidArgument(
            "now and leeway must be finite, and leeway not negative",
        ));
    }
    let (mut exp, mut nbf) = (None, None);
    json::for_each_member(payload_json, |name, kind, value| {
        let slot = match name {
            "exp" => &mut exp,
            "nbf" => &mut nbf,
            _ => return Ok::<(), ()>(()),
        };
        // Once, a number, below 1e308 (serde_json refused 1e400 too).
        let n = (slot.is_none() && kind == Kind::Number)
            .then(|| json::number_value(value))
            .flatten()
            .ok_or(())?;
        *slot = Some(n);
        Ok(())
    })
    .map_err(|_| Error::MalformedJwt("exp and nbf must be NumericDate numbers"))?;
    if exp.is_some_and(|exp| now >= exp + leeway) {
        return Err(Error::JwtExpired);
    }
    if nbf.is_some_and(|nbf| now < nbf - leeway) {
        return Err(Error::JwtNotYetValid);
    }
    Ok(())
}

/// The JWS signature bytes of `alg` (RFC 7515 §7.1, the third part of a
/// compact token) from a signature as KMS `Sign` returns it over the JWS
/// signing input: ECDSA's strict-DER `Ecdsa-Sig-Value` becomes JOSE's
/// fixed-width `r ‖ s` (RFC 7518 §3.4: 32, 48, 66 bytes per integer for
/// `ES256`/`ES256K`, `ES384`, `ES512`); RSA and Ed25519 signatures are the
/// same bytes in both (`EdDSA`: exactly 64, RFC 8032 §5.1.6).
///
/// Converts only; it does not verify. Range checks (`0 < r, s < n`) are the
/// verifier's, which knows the key.
///
/// # Errors
/// [`Error::MalformedSignature`] for an ECDSA signature that is not strict
/// DER or whose integers are wider than the curve's, an `EdDSA` signature
/// that is not 64 bytes, or an empty signature.
pub fn jws_signature(alg: JwsAlgorithm, kms_signature: &[u8]) -> Result<Vec<u8>> {
    use JwsAlgorithm as A;
    let scalar_len = match alg {
        A::Es256 | A::Es256k => 32,
        A::Es384 => 48,
        A::Es512 => 66,
        A::EdDsa => {
            return if kms_signature.len() == 64 {
                Ok(kms_signature.to_vec())
            } else {
                Err(Error::MalformedSignature(
                    "an Ed25519 signature is 64 bytes",
                ))
            };
        }
        A::Rs256 | A::Rs384 | A::Rs512 | A::Ps256 | A::Ps384 | A::Ps512 => {
            return if kms_signature.is_empty() {
                Err(Error::MalformedSignature("the signature is empty"))
            } else {
                Ok(kms_signature.to_vec())
            };
        }
    };
    super::ecdsa_der::der_to_raw(kms_signature, scalar_len).ok_or(Error::MalformedSignature(
        "not a strict-DER ECDSA signature of this curve's size",
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn enc(s: &str) -> String {
        Base64UrlUnpadded::encode_string(s.as_bytes())
    }

    fn token(header: &str, payload: &str) -> String {
        format!(
            "{}.{}.{}",
            enc(header),
            enc(payload),
            Base64UrlUnpadded::encode_string(&[1, 2, 3])
        )
    }

    fn code(r: Result<DecodedJwt>) -> &'static str {
        r.err().map_or("ok", |e| e.code())
    }

    #[test]
    fn allow_list() {
        assert_eq!(
            parse_allow_list(&["ES256", "PS512"]).unwrap(),
            vec![JwsAlgorithm::Es256, JwsAlgorithm::Ps512]
        );
        assert_eq!(
            parse_allow_list::<&str>(&[]).unwrap_err().code(),
            "INVALID_ARGUMENT"
        );
        assert_eq!(
            parse_allow_list(&["none"]).unwrap_err().code(),
            "INVALID_ARGUMENT"
        );
        assert_eq!(
            parse_allow_list(&["HS256"]).unwrap_err().code(),
            "INVALID_ARGUMENT"
        );
    }

    #[test]
    fn structure_and_alg_policy() {
        let es = [JwsAlgorithm::Es256];
        assert_eq!(code(decode(&token(r#"{"alg":"ES256"}"#, "{}"), &es)), "ok");
        assert_eq!(
            code(decode(&token(r#"{"alg":"none"}"#, "{}"), &es)),
            "UNSUPPORTED_ALGORITHM"
        );
        assert_eq!(
            code(decode(&token(r#"{"alg":"RS256"}"#, "{}"), &es)),
            "UNSUPPORTED_ALGORITHM"
        );
        assert_eq!(
            code(decode(&token(r#"{"alg":"HS256"}"#, "{}"), &es)),
            "UNSUPPORTED_ALGORITHM"
        );
        assert_eq!(
            code(decode(&token(r#"{"alg":"ES256","alg":"none"}"#, "{}"), &es)),
            "MALFORMED_JWT"
        );
        assert_eq!(
            code(decode(&token(r#"{"alg":"ES256","crit":["x"]}"#, "{}"), &es)),
            "MALFORMED_JWT"
        );
        assert_eq!(
            code(decode(&token(r#"{"alg":"ES256","b64":false}"#, "{}"), &es)),
            "MALFORMED_JWT"
        );
        assert_eq!(
            code(decode(&token(r#"["ES256"]"#, "{}"), &es)),
            "MALFORMED_JWT"
        );
        assert_eq!(
            code(decode(&token(r#"{"alg":1}"#, "{}"), &es)),
            "MALFORMED_JWT"
        );
        assert_eq!(
            code(decode(&token(r#"{"alg":"ES256"}"#, "[1]"), &es)),
            "MALFORMED_JWT"
        );
        assert_eq!(
            code(decode(&token(r#"{"alg":"ES256"}"#, "{"), &es)),
            "MALFORMED_JWT"
        );
        assert_eq!(code(decode("a.b", &es)), "MALFORMED_JWT");
        assert_eq!(code(decode("a.b.c.d", &es)), "MALFORMED_JWT");
        let padded = format!("{}=.{}.AQID", enc(r#"{"alg":"ES256"}"#), enc("{}"));
        assert_eq!(code(decode(&padded, &es)), "MALFORMED_JWT");
    }

    /// RFC 7515 Appendix A.3: ES256, JOSE `r ‖ s` signature.
    #[test]
    fn rfc7515_a3_es256() {
        let spki = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEf83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEXH8UTNG72bfocs3+257rn0s2ldbqkLJK2KRiMohYjlrQ==";
        let key = PublicKey::parse(spki.as_bytes()).unwrap();
        let token = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
        let (valid, jwt) = verify(&key, token, &[JwsAlgorithm::Es256]).unwrap();
        assert!(valid);
        assert!(jwt.payload_json.contains("\"iss\":\"joe\""));
        assert_eq!(
            check_claims(&jwt.payload_json, 1_300_819_379.0, 0.0),
            Ok(())
        );
        assert_eq!(
            check_claims(&jwt.payload_json, 1_300_819_380.0, 0.0),
            Err(Error::JwtExpired)
        );
        let tampered = token.replacen(".eyJpc3MiOiJqb2Ui", ".eyJpc3MiOiJqb2Ei", 1);
        assert!(!verify(&key, &tampered, &[JwsAlgorithm::Es256]).unwrap().0);
        assert_eq!(
            verify(&key, token, &[JwsAlgorithm::Es384])
                .unwrap_err()
                .code(),
            "UNSUPPORTED_ALGORITHM"
        );
    }

    #[test]
    fn claims() {
        assert!(check_claims(r#"{"exp":100,"nbf":50}"#, 75.0, 0.0).is_ok());
        assert!(check_claims("{}", 75.0, 0.0).is_ok());
        assert_eq!(
            check_claims(r#"{"exp":100}"#, 100.0, 0.0)
                .unwrap_err()
                .code(),
            "JWT_EXPIRED"
        );
        assert!(check_claims(r#"{"exp":100}"#, 100.0, 5.0).is_ok());
        assert_eq!(
            check_claims(r#"{"nbf":100}"#, 99.0, 0.0)
                .unwrap_err()
                .code(),
            "JWT_NOT_YET_VALID"
        );
        assert_eq!(
            check_claims(r#"{"exp":"soon"}"#, 1.0, 0.0)
                .unwrap_err()
                .code(),
            "MALFORMED_JWT"
        );
    }

    /// The reader the serde-free one replaced, as it was (serde_json with
    /// derived structs), for the differential test below.
    mod old {
        use serde::Deserialize;

        #[derive(Deserialize)]
        struct Header {
            alg: String,
            #[serde(default)]
            crit: Option<serde::de::IgnoredAny>,
            #[serde(default)]
            b64: Option<serde::de::IgnoredAny>,
        }

        #[derive(Deserialize)]
        struct Claims {
            #[serde(default)]
            exp: Option<f64>,
            #[serde(default)]
            nbf: Option<f64>,
        }

        fn object(text: &str) -> bool {
            text.trim_start().starts_with('{')
                && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
        }

        /// `Ok(alg)` or the old message's code path: `Err(())`.
        pub fn header_alg(text: &str) -> Result<String, ()> {
            if !object(text) {
                return Err(());
            }
            let h: Header = serde_json::from_str(text).map_err(|_| ())?;
            if h.crit.is_some() || h.b64.is_some() {
                return Err(());
            }
            Ok(h.alg)
        }

        pub fn claims(text: &str) -> Result<(Option<f64>, Option<f64>), ()> {
            if !object(text) {
                return Err(());
            }
            let c: Claims = serde_json::from_str(text).map_err(|_| ())?;
            Ok((c.exp, c.nbf))
        }
    }

    /// Headers and payloads built from the members that matter (each name
    /// spelt plainly and escaped, values of every kind, `null` included) and
    /// others: the serde-free reader reads `alg`, `exp` and `nbf` as the old
    /// one did, except where it is deliberately stricter (a `null` `crit`,
    /// `b64`, `exp` or `nbf`, which the old one took as absent; a lone
    /// surrogate escape anywhere).
    #[test]
    fn reads_alg_exp_nbf_as_the_serde_reader_did() {
        let names = [
            r#""alg""#,
            r#""al\u0067""#,
            r#""ALG""#,
            r#""crit""#,
            r#""b64""#,
            r#""b\u0036\u0034""#,
            r#""exp""#,
            r#""e\u0078p""#,
            r#""nbf""#,
            r#""kid""#,
            r#""\ud800""#,
            r#""""#,
        ];
        let values = [
            r#""ES256""#,
            r#""ES\u0032\u0035\u0036""#,
            r#""\ud800""#,
            "null",
            "true",
            "1",
            "1300819380",
            "-1.5e3",
            "1e400",
            "123456789012345678901234567890",
            "[\"ES256\"]",
            r#"{"alg":"ES256"}"#,
            r#""""#,
            "0.1",
        ];
        let mut seed = 0x2545_f491_u32;
        let mut rnd = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            usize::try_from(seed).unwrap() % n
        };
        let (mut same_ok, mut stricter) = (0, 0);
        for _ in 0..80_000 {
            let mut text = String::from("{");
            for i in 0..rnd(4) {
                if i > 0 {
                    text.push(',');
                }
                text.push_str(names[rnd(names.len())]);
                text.push(':');
                text.push_str(values[rnd(values.len())]);
            }
            text.push('}');
            let surrogate = text.contains("\\ud800");
            let null_of = |n: &[&str]| n.iter().any(|n| text.contains(&format!("{n}:null")));
            // header
            let new = header_alg(&text).map_err(|e| assert_eq!(e.code(), "MALFORMED_JWT"));
            match old::header_alg(&text) {
                Ok(alg)
                    if surrogate || null_of(&[r#""crit""#, r#""b64""#, r#""b\u0036\u0034""#]) =>
                {
                    assert!(new.is_err(), "{text}: the old reader read alg {alg:?}");
                    stricter += 1;
                }
                Ok(alg) => {
                    assert_eq!(new, Ok(alg), "{text}");
                    same_ok += 1;
                }
                Err(()) => assert!(new.is_err(), "{text}: the old reader refused it"),
            }
            // payload
            let new = check_claims(&text, 0.0, 0.0);
            assert!(matches!(
                new.as_ref().map_err(Error::code),
                Ok(()) | Err("MALFORMED_JWT" | "JWT_EXPIRED" | "JWT_NOT_YET_VALID")
            ));
            match old::claims(&text) {
                Ok(_) if surrogate || null_of(&[r#""exp""#, r#""e\u0078p""#, r#""nbf""#]) => {
                    assert_eq!(new.map_err(|e| e.code()), Err("MALFORMED_JWT"), "{text}");
                }
                Ok((exp, nbf)) => {
                    let want = if exp.is_some_and(|e| 0.0 >= e) {
                        Err("JWT_EXPIRED")
                    } else if nbf.is_some_and(|n| 0.0 < n) {
                        Err("JWT_NOT_YET_VALID")
                    } else {
                        Ok(())
                    };
                    assert_eq!(new.map_err(|e| e.code()), want, "{text}");
                }
                Err(()) => assert_eq!(new.map_err(|e| e.code()), Err("MALFORMED_JWT"), "{text}"),
            }
        }
        assert!(same_ok > 1_000 && stricter > 100, "{same_ok} / {stricter}");
    }

    /// Each deliberate difference from the serde reader, through `decode`
    /// and `check_claims`; the serde reader let all of these pass.
    #[test]
    fn stricter_than_the_serde_reader() {
        let es = [JwsAlgorithm::Es256];
        for header in [
            r#"{"alg":"ES256","crit":null}"#,
            r#"{"alg":"ES256","b64":null}"#,
            r#"{"alg":"ES256","kid":"\ud800"}"#,
            r#"{"alg":"ES256","x":["\udc00"]}"#,
        ] {
            assert_eq!(
                code(decode(&token(header, "{}"), &es)),
                "MALFORMED_JWT",
                "{header}"
            );
        }
        assert_eq!(
            code(decode(
                &token(r#"{"alg":"ES256"}"#, r#"{"sub":"\ud800x"}"#),
                &es
            )),
            "MALFORMED_JWT"
        );
        for payload in [
            r#"{"exp":null}"#,
            r#"{"nbf":null}"#,
            r#"[100,50]"#,
            r#"{"exp":1e999}"#,
        ] {
            assert_eq!(
                check_claims(payload, 200.0, 0.0).unwrap_err().code(),
                "MALFORMED_JWT",
                "{payload}"
            );
        }
        // and the readings the serde reader had, kept
        assert_eq!(
            code(decode(
                &token(r#"{"al\u0067":"ES256","alg":"ES256"}"#, "{}"),
                &es
            )),
            "MALFORMED_JWT"
        );
        assert_eq!(
            code(decode(
                &token(r#"{"alg":"ES\u0032\u0035\u0036"}"#, "{}"),
                &es
            )),
            "ok"
        );
        assert_eq!(
            code(decode(&token(r#"{"ALG":"none","alg":"ES256"}"#, "{}"), &es)),
            "ok"
        );
        assert_eq!(
            check_claims(r#"{"exp":300,"e\u0078p":100}"#, 200.0, 0.0)
                .unwrap_err()
                .code(),
            "MALFORMED_JWT"
        );
        assert!(check_claims(r#"{"EXP":100,"exp":300}"#, 200.0, 0.0).is_ok());
        assert_eq!(
            check_claims(r#"{"exp":1.5e2}"#, 200.0, 0.0)
                .unwrap_err()
                .code(),
            "JWT_EXPIRED"
        );
    }

    /// Found by the `jwt` fuzz target: with a NaN `now` or leeway every
    /// comparison is false, so an expired token passed the check.
    #[test]
    fn claims_refuse_non_finite_times() {
        for (now, leeway) in [
            (f64::NAN, 0.0),
            (75.0, f64::NAN),
            (f64::NEG_INFINITY, 0.0),
            (75.0, f64::INFINITY),
            (75.0, -1.0),
        ] {
            assert_eq!(
                check_claims(r#"{"exp":50,"nbf":100}"#, now, leeway)
                    .unwrap_err()
                    .code(),
                "INVALID_ARGUMENT",
                "now {now}, leeway {leeway}"
            );
        }
    }

    /// signJwt's conversion: a DER signature as KMS returns it becomes the
    /// fixed-width `r ‖ s` JOSE wants, for every curve (P-521: 66 bytes per
    /// integer, so small integers are left-padded).
    #[test]
    fn jws_signature_from_kms_der() {
        use signature::Signer as _;
        let msg = b"header.payload";
        for seed in 1u8..=40 {
            let k256 = p256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap();
            let sig: p256::ecdsa::Signature = k256.sign(msg);
            let der = sig.to_der();
            assert_eq!(
                jws_signature(JwsAlgorithm::Es256, der.as_bytes()).unwrap(),
                sig.to_bytes().to_vec()
            );
            let k384 = p384::ecdsa::SigningKey::from_slice(&[seed; 48]).unwrap();
            let sig: p384::ecdsa::Signature = k384.sign(msg);
            assert_eq!(
                jws_signature(JwsAlgorithm::Es384, sig.to_der().as_bytes()).unwrap(),
                sig.to_bytes().to_vec()
            );
        }
        let mut scalar = [0u8; 66];
        scalar[65] = 7;
        let k521 = p521::ecdsa::SigningKey::from_slice(&scalar).unwrap();
        let sig: p521::ecdsa::Signature = k521.sign(msg);
        let raw = jws_signature(JwsAlgorithm::Es512, sig.to_der().as_bytes()).unwrap();
        assert_eq!(raw.len(), 132);
        assert_eq!(raw, sig.to_bytes().to_vec());
        // r = 1, s = 2: each left-padded to the curve's width
        let tiny = [0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02];
        let raw = jws_signature(JwsAlgorithm::Es512, &tiny).unwrap();
        assert_eq!((raw.len(), raw[65], raw[131]), (132, 1, 2));
        assert_eq!(raw.iter().filter(|&&b| b != 0).count(), 2);
    }

    #[test]
    fn jws_signature_refuses_what_kms_never_returns() {
        let code = |alg, sig: &[u8]| jws_signature(alg, sig).unwrap_err().code();
        // a P-384 signature is too wide for ES256
        let k384 = p384::ecdsa::SigningKey::from_slice(&[9; 48]).unwrap();
        let sig: p384::ecdsa::Signature = signature::Signer::sign(&k384, b"m");
        assert_eq!(
            code(JwsAlgorithm::Es256, sig.to_der().as_bytes()),
            "MALFORMED_SIGNATURE"
        );
        // r ‖ s is not DER
        assert_eq!(
            code(JwsAlgorithm::Es384, &sig.to_bytes()),
            "MALFORMED_SIGNATURE"
        );
        assert_eq!(code(JwsAlgorithm::EdDsa, &[0; 63]), "MALFORMED_SIGNATURE");
        assert_eq!(code(JwsAlgorithm::Rs256, &[]), "MALFORMED_SIGNATURE");
        assert_eq!(
            jws_signature(JwsAlgorithm::EdDsa, &[5; 64]).unwrap(),
            [5; 64]
        );
        assert_eq!(
            jws_signature(JwsAlgorithm::Ps512, &[1, 2, 3]).unwrap(),
            [1, 2, 3]
        );
    }
}
