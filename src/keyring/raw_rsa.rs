//! Raw RSA keyring. Spec: `framework/raw-rsa-keyring.md`.
//!
//! Provider id = key namespace, provider info = key name, ciphertext = the
//! data key encrypted with OAEP (SHA-1/256/384/512, MGF1 with the same hash)
//! or PKCS#1 v1.5. The private key is only needed to decrypt.

use rsa::traits::PublicKeyParts;
use sha1::Sha1;
use sha2::{Sha256, Sha384, Sha512};

use super::LocalKeyring;
use super::rsa_key;
use crate::envelope::header::EncryptedDataKey;
use crate::envelope::rng::Drbg;
use crate::envelope::secret::Secret;
use crate::{Error, Result};

/// RSA encryption padding of a raw RSA keyring.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Padding {
    /// OAEP with SHA-1 and MGF1-SHA-1.
    OaepSha1,
    /// OAEP with SHA-256 and MGF1-SHA-256.
    OaepSha256,
    /// OAEP with SHA-384 and MGF1-SHA-384.
    OaepSha384,
    /// OAEP with SHA-512 and MGF1-SHA-512.
    OaepSha512,
    /// PKCS#1 v1.5 (legacy; decryption uses implicit rejection).
    Pkcs1,
}

impl Padding {
    /// From the JS name.
    ///
    /// # Errors
    /// `UNSUPPORTED_ALGORITHM` for another name.
    pub fn from_name(name: &str) -> Result<Self> {
        Ok(match name {
            "OAEP_SHA1" => Self::OaepSha1,
            "OAEP_SHA256" => Self::OaepSha256,
            "OAEP_SHA384" => Self::OaepSha384,
            "OAEP_SHA512" => Self::OaepSha512,
            "PKCS1" => Self::Pkcs1,
            _ => {
                return Err(Error::UnsupportedAlgorithm(
                    "padding must be OAEP_SHA1, OAEP_SHA256, OAEP_SHA384, OAEP_SHA512 or PKCS1",
                ));
            }
        })
    }
}

pub(crate) fn rsa_encrypt(
    key: &rsa::PublicKey,
    padding: Padding,
    msg: &[u8],
    rng: &mut Drbg,
) -> Result<Vec<u8>> {
    let r = match padding {
        Padding::OaepSha1 => key.encrypt(rng, rsa::Oaep::<Sha1>::new(), msg),
        Padding::OaepSha256 => key.encrypt(rng, rsa::Oaep::<Sha256>::new(), msg),
        Padding::OaepSha384 => key.encrypt(rng, rsa::Oaep::<Sha384>::new(), msg),
        Padding::OaepSha512 => key.encrypt(rng, rsa::Oaep::<Sha512>::new(), msg),
        Padding::Pkcs1 => key.encrypt(rng, rsa::Pkcs1v15Encrypt, msg),
    };
    r.map_err(|_| {
        Error::KeyAlgorithmMismatch("the RSA key is too small for this padding and data key")
    })
}

pub(crate) fn rsa_decrypt(
    key: &rsa::PrivateKey,
    padding: Padding,
    ct: &[u8],
    rng: &mut Drbg,
) -> Option<Secret> {
    let r = match padding {
        Padding::OaepSha1 => key.decrypt_blinded(rng, rsa::Oaep::<Sha1>::new(), ct),
        Padding::OaepSha256 => key.decrypt_blinded(rng, rsa::Oaep::<Sha256>::new(), ct),
        Padding::OaepSha384 => key.decrypt_blinded(rng, rsa::Oaep::<Sha384>::new(), ct),
        Padding::OaepSha512 => key.decrypt_blinded(rng, rsa::Oaep::<Sha512>::new(), ct),
        Padding::Pkcs1 => key.decrypt_blinded(rng, rsa::Pkcs1v15Encrypt, ct),
    };
    r.ok().map(Secret::new)
}

/// A raw RSA keyring: a public key to wrap, optionally a private key to unwrap.
pub struct RawRsaKeyring {
    namespace: String,
    name: String,
    public: Option<rsa::PublicKey>,
    private: Option<rsa::PrivateKey>,
    padding: Padding,
}

impl RawRsaKeyring {
    /// A keyring from PEM/DER keys; at least one of them.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` without keys, with a bad namespace, or with a public
    /// key that is not the private key's; key parse errors from [`rsa_key`].
    pub fn new(
        namespace: String,
        name: String,
        public: Option<&[u8]>,
        private: Option<&[u8]>,
        padding: Padding,
    ) -> Result<Self> {
        if namespace.is_empty() || namespace.starts_with("aws-kms") {
            return Err(Error::InvalidArgument(
                "the key namespace must be non-empty and not start with aws-kms",
            ));
        }
        let private = private.map(rsa_key::private_key).transpose()?;
        let public = public.map(rsa_key::public_key).transpose()?;
        // The public key is never derived from the private one: a keyring given
        // only a private key decrypts only (`raw-rsa-keyring.md`: OnEncrypt MUST
        // fail without a public key, which MUST NOT be derived).
        if let (Some(sk), Some(pk)) = (&private, &public) {
            let derived = sk.to_public_key();
            if pk.n() != derived.n() || pk.e() != derived.e() {
                return Err(Error::InvalidArgument(
                    "the public key is not the private key's",
                ));
            }
        }
        if public.is_none() && private.is_none() {
            return Err(Error::InvalidArgument(
                "a raw RSA keyring needs a public or a private key",
            ));
        }
        Ok(Self {
            namespace,
            name,
            public,
            private,
            padding,
        })
    }
}

impl LocalKeyring for RawRsaKeyring {
    fn wrap(
        &self,
        data_key: &Secret,
        _serialized_context: &[u8],
        rng: &mut Drbg,
    ) -> Result<EncryptedDataKey> {
        let pk = self.public.as_ref().ok_or(Error::InvalidArgument(
            "this raw RSA keyring has no public key to encrypt with",
        ))?;
        let ciphertext = rsa_encrypt(pk, self.padding, data_key.expose_secret(), rng)?;
        Ok(EncryptedDataKey {
            provider_id: self.namespace.clone(),
            provider_info: self.name.as_bytes().to_vec(),
            ciphertext,
        })
    }

    fn unwrap(
        &self,
        edk: &EncryptedDataKey,
        _ctx: &[u8],
        data_key_len: usize,
        rng: &mut Drbg,
    ) -> Result<Option<Secret>> {
        if edk.provider_id != self.namespace || edk.provider_info != self.name.as_bytes() {
            return Ok(None);
        }
        let sk = self.private.as_ref().ok_or(Error::KeyringCannotDecrypt)?;
        Ok(rsa_decrypt(sk, self.padding, &edk.ciphertext, rng).filter(|k| k.len() == data_key_len))
    }

    fn can_decrypt(&self) -> bool {
        self.private.is_some()
    }
}
