//! Fixed signing keys (the fuzzer needs valid signatures to mutate) and the
//! DER SPKI of their public halves, as KMS `GetPublicKey` returns them.

use std::sync::OnceLock;

/// SPKI prefixes (RFC 5480 / RFC 8410) before the public key bytes.
const SPKI_P256: &[u8] = &[
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];
const SPKI_P384: &[u8] = &[
    0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b,
    0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00,
];
const SPKI_P521: &[u8] = &[
    0x30, 0x81, 0x9b, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05,
    0x2b, 0x81, 0x04, 0x00, 0x23, 0x03, 0x81, 0x86, 0x00,
];
const SPKI_K256: &[u8] = &[
    0x30, 0x56, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b,
    0x81, 0x04, 0x00, 0x0a, 0x03, 0x42, 0x00,
];
const SPKI_ED25519: &[u8] = &[
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// An RSA-2048 public key made by node:crypto (the same as tests/verify_keys.rs).
pub const RSA2048_SPKI_B64: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAmflzEZEbZOJkgcu2UBHKaZe8Y5BI2j1BjqwYOeeRpHnN304zfblabU1htZ7tBI+g8Fk5ikf1mnWdJd+dzlsIUIpKjRNGxIQbjjl5/Duq/afkuTcIZoDnL6pBJSbH1OQWbDa3KdDN+eI7EvXE6Iu8CHJKo+s3452xH32YJAEeSs9ja/3hrMpzrFKifzO7grLpw01up45nG5WYZp/IK+X25sjk1jGfUz5Ds51o14EvAqg0O3i3dVTOj4m3pB7zIEshgx+S476PK1Asf25DZpaLC+b0m+A+OHACuKPmrSMUAlwpXd+MFnOxC7CoEa5r/eFwPg+9B4hNFt7EALFcV1M8LwIDAQAB";

fn spki(prefix: &[u8], key: &[u8]) -> Vec<u8> {
    [prefix, key].concat()
}

/// The fixed P-256 key.
pub fn p256() -> &'static p256::ecdsa::SigningKey {
    static K: OnceLock<p256::ecdsa::SigningKey> = OnceLock::new();
    K.get_or_init(|| p256::ecdsa::SigningKey::from_slice(&[0x11; 32]).expect("scalar"))
}

/// The fixed P-384 key (also the signer of every signed seed message).
pub fn p384() -> &'static p384::ecdsa::SigningKey {
    static K: OnceLock<p384::ecdsa::SigningKey> = OnceLock::new();
    K.get_or_init(|| p384::ecdsa::SigningKey::from_slice(&[0x22; 48]).expect("scalar"))
}

/// The fixed P-521 key.
pub fn p521() -> &'static p521::ecdsa::SigningKey {
    static K: OnceLock<p521::ecdsa::SigningKey> = OnceLock::new();
    K.get_or_init(|| {
        let mut s = [0x33u8; 66];
        s[0] = 0;
        p521::ecdsa::SigningKey::from_slice(&s).expect("scalar")
    })
}

/// The fixed secp256k1 key.
pub fn k256() -> &'static k256::ecdsa::SigningKey {
    static K: OnceLock<k256::ecdsa::SigningKey> = OnceLock::new();
    K.get_or_init(|| k256::ecdsa::SigningKey::from_slice(&[0x44; 32]).expect("scalar"))
}

/// The fixed Ed25519 key.
pub fn ed25519() -> &'static ed25519_dalek::SigningKey {
    static K: OnceLock<ed25519_dalek::SigningKey> = OnceLock::new();
    K.get_or_init(|| ed25519_dalek::SigningKey::from_bytes(&[0x55; 32]))
}

/// DER SPKI of every fixed key, and of the RSA key: index → (KMS-style name, SPKI).
pub fn spkis() -> &'static [(&'static str, Vec<u8>)] {
    static S: OnceLock<Vec<(&'static str, Vec<u8>)>> = OnceLock::new();
    S.get_or_init(|| {
        use base64ct::{Base64, Encoding as _};
        vec![
            (
                "ECC_NIST_P256",
                spki(
                    SPKI_P256,
                    p256().verifying_key().to_sec1_point(false).as_bytes(),
                ),
            ),
            (
                "ECC_NIST_P384",
                spki(
                    SPKI_P384,
                    p384().verifying_key().to_sec1_point(false).as_bytes(),
                ),
            ),
            (
                "ECC_NIST_P521",
                spki(
                    SPKI_P521,
                    p521().verifying_key().to_sec1_point(false).as_bytes(),
                ),
            ),
            (
                "ECC_SECG_P256K1",
                spki(
                    SPKI_K256,
                    k256().verifying_key().to_sec1_point(false).as_bytes(),
                ),
            ),
            (
                "ECC_NIST_EDWARDS25519",
                spki(SPKI_ED25519, ed25519().verifying_key().as_bytes()),
            ),
            (
                "RSA_2048",
                Base64::decode_vec(RSA2048_SPKI_B64).expect("base64"),
            ),
        ]
    })
}
