//! RSA keys from PEM or DER (SPKI / PKCS#1 public, PKCS#8 / PKCS#1 private).

use base64ct::{Base64, Encoding};
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::traits::PublicKeyParts;
use zeroize::Zeroizing;

use crate::{Error, Result};

/// Smallest modulus we accept for wrapping data keys.
pub const MIN_BITS: usize = 2048;

fn pem_body(text: &str) -> Option<(String, Zeroizing<Vec<u8>>)> {
    let text = text.trim();
    let rest = text.strip_prefix("-----BEGIN ")?;
    let (label, rest) = rest.split_once("-----")?;
    let end = format!("-----END {label}-----");
    let (body, _) = rest.split_once(end.as_str())?;
    let b64: Zeroizing<String> =
        Zeroizing::new(body.chars().filter(|c| !c.is_ascii_whitespace()).collect());
    let der = Base64::decode_vec(&b64).ok()?;
    Some((label.to_owned(), Zeroizing::new(der)))
}

fn check_size(bits: usize) -> Result<()> {
    if bits < MIN_BITS {
        return Err(Error::KeyAlgorithmMismatch(
            "RSA keys for wrapping data keys must be at least 2048 bits",
        ));
    }
    Ok(())
}

/// An RSA public key from PEM text or DER bytes.
///
/// # Errors
/// `MALFORMED_PUBLIC_KEY` if it does not parse; `KEY_ALGORITHM_MISMATCH` under 2048 bits.
pub fn public_key(input: &[u8]) -> Result<rsa::PublicKey> {
    let bad = Error::MalformedPublicKey("not an RSA public key (SPKI or PKCS#1, PEM or DER)");
    let key = match core::str::from_utf8(input).ok().and_then(pem_body) {
        Some((label, der)) if label == "PUBLIC KEY" => {
            rsa::PublicKey::from_public_key_der(&der).map_err(|_| bad)?
        }
        Some((label, der)) if label == "RSA PUBLIC KEY" => {
            rsa::PublicKey::from_pkcs1_der(&der).map_err(|_| bad)?
        }
        Some(_) => return Err(bad),
        None => rsa::PublicKey::from_public_key_der(input)
            .or_else(|_| rsa::PublicKey::from_pkcs1_der(input))
            .map_err(|_| bad)?,
    };
    check_size(key.n().bit_width() as usize)?;
    Ok(key)
}

/// An RSA private key from PEM text or DER bytes.
///
/// # Errors
/// `INVALID_ARGUMENT` if it does not parse; `KEY_ALGORITHM_MISMATCH` under 2048 bits.
pub fn private_key(input: &[u8]) -> Result<rsa::PrivateKey> {
    let bad = Error::InvalidArgument("not an RSA private key (PKCS#8 or PKCS#1, PEM or DER)");
    let key = match core::str::from_utf8(input).ok().and_then(pem_body) {
        Some((label, der)) if label == "PRIVATE KEY" => {
            rsa::PrivateKey::from_pkcs8_der(&der).map_err(|_| bad)?
        }
        Some((label, der)) if label == "RSA PRIVATE KEY" => {
            rsa::PrivateKey::from_pkcs1_der(&der).map_err(|_| bad)?
        }
        Some(_) => return Err(bad),
        None => rsa::PrivateKey::from_pkcs8_der(input)
            .or_else(|_| rsa::PrivateKey::from_pkcs1_der(input))
            .map_err(|_| bad)?,
    };
    check_size(key.n().bit_width() as usize)?;
    Ok(key)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Found by the `public_key` fuzz target: a 2000-bit modulus has a
    /// 2048-bit *precision* (whole 64-bit limbs), so the size check must look
    /// at the modulus's bit width.
    #[test]
    fn moduli_just_under_2048_bits_are_refused() {
        let public = include_bytes!("testdata/rsa2000.pub.pem");
        let private = include_bytes!("testdata/rsa2000.pem");
        assert_eq!(
            public_key(public).err().map(|e| e.code()),
            Some("KEY_ALGORITHM_MISMATCH")
        );
        assert_eq!(
            private_key(private).err().map(|e| e.code()),
            Some("KEY_ALGORITHM_MISMATCH")
        );
        assert!(public_key(include_bytes!("testdata/rsa2048.pub.pem")).is_ok());
        assert!(private_key(include_bytes!("testdata/rsa2048.pem")).is_ok());
    }
}
