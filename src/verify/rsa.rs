//! RSASSA-PKCS1-v1_5 (RFC 8017 §8.2.2) and RSASSA-PSS (RFC 8017 §8.1.2)
//! verification with the `rsa` crate, on a prehashed message.
//!
//! PSS uses MGF1 with the message hash and a salt exactly as long as the
//! hash, which is how KMS signs (never "auto" salt length: a signature with
//! any other salt length is not one KMS made and does not verify).

use rsa::traits::PublicKeyParts as _;

use super::algorithm::{HashAlg, KeySpec};
use crate::{Error, Result};

/// A parsed RSA public key of one of KMS's three sizes.
#[derive(Clone, Debug)]
pub struct RsaKey {
    key: rsa::PublicKey,
    modulus: Vec<u8>,
}

/// RSA padding scheme of a KMS signing algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RsaPadding {
    /// EMSA-PKCS1-v1_5 (RFC 8017 §9.2).
    Pkcs1V15,
    /// EMSA-PSS (RFC 8017 §9.1), MGF1 with the same hash, salt length = hash length.
    Pss,
}

impl RsaKey {
    /// Decodes the `RSAPublicKey` of an SPKI (RFC 8017 Appendix A.1.1).
    ///
    /// # Errors
    /// [`Error::MalformedPublicKey`] if the DER is not an RSA public key, the
    /// exponent is out of range, or the modulus is not 2048, 3072 or 4096 bits.
    pub fn from_spki(spki: spki::SubjectPublicKeyInfoRef<'_>) -> Result<(Self, KeySpec)> {
        let key = rsa::PublicKey::try_from(spki)
            .map_err(|_| Error::MalformedPublicKey("not a valid RSA public key"))?;
        let spec = match key.n().bit_width() {
            2048 => KeySpec::Rsa2048,
            3072 => KeySpec::Rsa3072,
            4096 => KeySpec::Rsa4096,
            _ => {
                return Err(Error::MalformedPublicKey(
                    "RSA modulus is not 2048, 3072 or 4096 bits (no KMS key spec)",
                ));
            }
        };
        let modulus = key.n().to_be_bytes_trimmed_vartime().into_vec();
        Ok((Self { key, modulus }, spec))
    }

    /// The checks of RFC 8017 §8.2.2 step 1 and §5.2.2 step 1 that need no
    /// arithmetic: the signature is `k` bytes and, as an integer, below `n`.
    /// Both engines apply them, so both answer the same for such signatures.
    #[must_use]
    pub fn plausible(&self, signature: &[u8]) -> bool {
        signature.len() == self.modulus.len() && signature < self.modulus.as_slice()
    }

    /// Verifies `signature` over a message hash computed with `hash`.
    #[must_use]
    pub fn verify_prehash(
        &self,
        padding: RsaPadding,
        hash: HashAlg,
        prehash: &[u8],
        signature: &[u8],
    ) -> bool {
        if !self.plausible(signature) || prehash.len() != hash.output_len() {
            return false;
        }
        let r = match (padding, hash) {
            (RsaPadding::Pkcs1V15, HashAlg::Sha256) => {
                self.key
                    .verify(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), prehash, signature)
            }
            (RsaPadding::Pkcs1V15, HashAlg::Sha384) => {
                self.key
                    .verify(rsa::Pkcs1v15Sign::new::<sha2::Sha384>(), prehash, signature)
            }
            (RsaPadding::Pkcs1V15, HashAlg::Sha512) => {
                self.key
                    .verify(rsa::Pkcs1v15Sign::new::<sha2::Sha512>(), prehash, signature)
            }
            (RsaPadding::Pss, HashAlg::Sha256) => self.key.verify(
                rsa::Pss::<sha2::Sha256>::new_with_salt(32),
                prehash,
                signature,
            ),
            (RsaPadding::Pss, HashAlg::Sha384) => self.key.verify(
                rsa::Pss::<sha2::Sha384>::new_with_salt(48),
                prehash,
                signature,
            ),
            (RsaPadding::Pss, HashAlg::Sha512) => self.key.verify(
                rsa::Pss::<sha2::Sha512>::new_with_salt(64),
                prehash,
                signature,
            ),
        };
        r.is_ok()
    }
}
