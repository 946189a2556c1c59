//! Data keys sealed to the client: HPKE (RFC 9180) base mode, receiver side,
//! for the broker's `keyTransport: 'hpke'`.
//!
//! Suite: DHKEM(P-256, HKDF-SHA256) (`kem_id` 0x0010), HKDF-SHA256 (`kdf_id`
//! 0x0001), AES-256-GCM (`aead_id` 0x0002). P-256 rather than X25519: every
//! runtime the broker runs in has P-256 ECDH in WebCrypto (X25519 arrived in
//! Chromium 133 and Safari 17 only). The cost difference on the broker (~1 ms
//! per request for an ephemeral key pair and one ECDH in Node's WebCrypto) is
//! small beside a KMS round trip; see BENCHMARKS.md.
//!
//! The receiver is split in two (issue 10: the `envelope` module carries no
//! elliptic-curve arithmetic):
//! - the key pair and the Diffie-Hellman step `DH(skR, enc)`: a non-extractable
//!   WebCrypto ECDH key in the shim, or, where WebCrypto has no P-256 ECDH,
//!   [`HpkeKeyPair`] in the `ecdsa` module (compiled only with the `hpke-dh`
//!   feature), whose private scalar never leaves that module;
//! - everything after it, here in the core: [`HpkeRecipient`] holds the public
//!   key and the request nonce, and [`HpkeRecipient::open`] runs
//!   `ExtractAndExpand` (`kem_context = enc ‖ pkRm`), the key schedule and the
//!   AEAD open with the request bound as AAD ([`DataKeyRequest::aad`]). It
//!   consumes the recipient, so an answer opens once, for the request it was
//!   made for, or not at all.
//!
//! Whoever computes the DH checks `enc` (an uncompressed point on the curve;
//! WebCrypto's `importKey` and [`HpkeKeyPair::dh`] refuse anything else); the
//! core checks its form again (length and the 0x04 prefix).

#[cfg(test)]
use aes_gcm::Aes128Gcm;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::{Hkdf, HkdfExtract};
#[cfg(any(test, feature = "hpke-dh"))]
use p256::SecretKey;
#[cfg(any(test, feature = "hpke-dh"))]
use p256::elliptic_curve::sec1::ToSec1Point;
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

use crate::envelope::encryption_context::EncryptionContext;
#[cfg(any(test, feature = "hpke-dh"))]
use crate::envelope::rng::Drbg;
use crate::envelope::secret::Secret;
use crate::{Error, Result};

/// `kem_id` of DHKEM(P-256, HKDF-SHA256).
pub const KEM_ID: u16 = 0x0010;
/// `kdf_id` of HKDF-SHA256.
pub const KDF_ID: u16 = 0x0001;
/// `aead_id` of AES-256-GCM.
pub const AEAD_ID: u16 = 0x0002;
/// The suite's name on the wire (the broker's `recipient.keyEncryptionAlgorithm`).
pub const ALGORITHM: &str = "HPKE_P256_SHA256_AES256GCM";
/// Bytes of an encapsulated key (`enc`, an uncompressed SEC1 point): `Nenc`.
pub const ENC_LEN: usize = 65;
/// Bytes of the request nonce bound into the AAD.
pub const NONCE_LEN: usize = 16;
/// Bytes of a P-256 Diffie-Hellman output (`Ndh`: the x-coordinate).
pub const DH_LEN: usize = 32;
/// Bytes of an AES-GCM tag.
const TAG_LEN: usize = 16;
/// Longest data key the broker protocol serves (KMS `NumberOfBytes`).
const MAX_DATA_KEY: usize = 1024;

const VERSION_LABEL: &[u8] = b"HPKE-v1";
/// The first field of every AAD: names this protocol and its version.
const AAD_LABEL: &[u8] = b"edge-kms broker data key v1";
/// HPKE `info`: the application, fixed (the request goes into the AAD).
pub const INFO: &[u8] = b"edge-kms/broker/hpke";

/// The AEAD of a suite: AES-256-GCM in use; AES-128-GCM only so that RFC 9180's
/// published P-256 vectors (Appendix A.3 uses AES-128-GCM) run against this code.
#[derive(Clone, Copy)]
pub(crate) enum AeadKind {
    Aes256Gcm,
    #[cfg(test)]
    Aes128Gcm,
}

impl AeadKind {
    const fn id(self) -> u16 {
        match self {
            Self::Aes256Gcm => AEAD_ID,
            #[cfg(test)]
            Self::Aes128Gcm => 0x0001,
        }
    }
    const fn key_len(self) -> usize {
        match self {
            Self::Aes256Gcm => 32,
            #[cfg(test)]
            Self::Aes128Gcm => 16,
        }
    }
}

fn kem_suite_id() -> [u8; 5] {
    let k = KEM_ID.to_be_bytes();
    [b'K', b'E', b'M', k[0], k[1]]
}

fn hpke_suite_id(aead: AeadKind) -> [u8; 10] {
    let k = KEM_ID.to_be_bytes();
    let f = KDF_ID.to_be_bytes();
    let a = aead.id().to_be_bytes();
    [b'H', b'P', b'K', b'E', k[0], k[1], f[0], f[1], a[0], a[1]]
}

/// `LabeledExtract(salt, label, ikm)` (RFC 9180 §4).
fn labeled_extract(suite_id: &[u8], salt: &[u8], label: &[u8], ikm: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut ex = HkdfExtract::<Sha256>::new(Some(salt));
    ex.input_ikm(VERSION_LABEL);
    ex.input_ikm(suite_id);
    ex.input_ikm(label);
    ex.input_ikm(ikm);
    let (mut prk, _) = ex.finalize();
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(&prk);
    prk.zeroize();
    out
}

/// `LabeledExpand(prk, label, info, L)` (RFC 9180 §4) into `out` (L = `out.len()`).
fn labeled_expand(
    prk: &[u8; 32],
    suite_id: &[u8],
    label: &[u8],
    info: &[u8],
    out: &mut [u8],
) -> Result<()> {
    let len =
        u16::try_from(out.len()).map_err(|_| Error::InvalidArgument("HPKE output too long"))?;
    let hk = Hkdf::<Sha256>::from_prk(prk).map_err(|_| Error::InvalidState("HPKE PRK length"))?;
    hk.expand_multi_info(
        &[&len.to_be_bytes(), VERSION_LABEL, suite_id, label, info],
        out,
    )
    .map_err(|_| Error::InvalidArgument("HPKE output too long"))
}

#[cfg(any(test, feature = "hpke-dh"))]
/// `DeriveKeyPair(ikm)` for P-256 (RFC 9180 §7.1.3): rejection sampling of
/// `LabeledExpand` candidates until one is a valid scalar.
pub(crate) fn derive_key_pair(ikm: &[u8]) -> Result<SecretKey> {
    let sid = kem_suite_id();
    let dkp_prk = labeled_extract(&sid, b"", b"dkp_prk", ikm);
    let mut bytes = Zeroizing::new([0u8; 32]);
    for counter in 0u8..=255 {
        labeled_expand(&dkp_prk, &sid, b"candidate", &[counter], &mut bytes[..])?;
        // bitmask 0xff for P-256: nothing to clear
        if let Ok(sk) = SecretKey::from_slice(&bytes[..]) {
            return Ok(sk);
        }
    }
    Err(Error::InvalidState("HPKE DeriveKeyPair found no scalar"))
}

#[cfg(any(test, feature = "hpke-dh"))]
fn public_bytes(sk: &SecretKey) -> Result<[u8; ENC_LEN]> {
    let point = sk.public_key().to_sec1_point(false);
    point
        .as_bytes()
        .try_into()
        .map_err(|_| Error::InvalidState("P-256 public key length"))
}

/// `ExtractAndExpand(dh, kem_context)` of `Decap` (RFC 9180 §4.1), with
/// `kem_context = enc ‖ pkRm`: the KEM shared secret from the DH output.
fn extract_and_expand(
    dh: &[u8; DH_LEN],
    enc: &[u8; ENC_LEN],
    pk_r: &[u8; ENC_LEN],
) -> Result<Zeroizing<[u8; 32]>> {
    let sid = kem_suite_id();
    let eae_prk = labeled_extract(&sid, b"", b"eae_prk", dh);
    let mut kem_context = [0u8; 2 * ENC_LEN];
    let (a, b) = kem_context.split_at_mut(ENC_LEN);
    a.copy_from_slice(enc);
    b.copy_from_slice(pk_r);
    let mut ss = Zeroizing::new([0u8; 32]);
    labeled_expand(&eae_prk, &sid, b"shared_secret", &kem_context, &mut ss[..])?;
    Ok(ss)
}

/// The AEAD key and base nonce of base mode (RFC 9180 §5.1, `KeySchedule` with
/// mode 0 and no PSK).
struct Context {
    key: Zeroizing<Vec<u8>>,
    base_nonce: [u8; 12],
    aead: AeadKind,
}

fn key_schedule(shared_secret: &[u8; 32], info: &[u8], aead: AeadKind) -> Result<Context> {
    let sid = hpke_suite_id(aead);
    let psk_id_hash = labeled_extract(&sid, b"", b"psk_id_hash", b"");
    let info_hash = labeled_extract(&sid, b"", b"info_hash", info);
    let mut ctx = [0u8; 65];
    let (mode, rest) = ctx.split_at_mut(1);
    mode.copy_from_slice(&[0]);
    let (p, i) = rest.split_at_mut(32);
    p.copy_from_slice(&psk_id_hash[..]);
    i.copy_from_slice(&info_hash[..]);
    let secret = labeled_extract(&sid, &shared_secret[..], b"secret", b"");
    let mut key = Zeroizing::new(vec![0u8; aead.key_len()]);
    labeled_expand(&secret, &sid, b"key", &ctx, &mut key)?;
    let mut base_nonce = [0u8; 12];
    labeled_expand(&secret, &sid, b"base_nonce", &ctx, &mut base_nonce)?;
    Ok(Context {
        key,
        base_nonce,
        aead,
    })
}

impl Context {
    /// `Open` of the first message (sequence number 0: the nonce is `base_nonce`).
    fn open(&self, aad: &[u8], ct: &[u8]) -> Result<Secret> {
        let bad = || Error::InvalidDataKey("the sealed data key did not open");
        let nonce = Nonce::from(self.base_nonce);
        let payload = Payload { msg: ct, aad };
        let pt = match self.aead {
            AeadKind::Aes256Gcm => Aes256Gcm::new_from_slice(&self.key)
                .map_err(|_| bad())?
                .decrypt(&nonce, payload),
            #[cfg(test)]
            AeadKind::Aes128Gcm => Aes128Gcm::new_from_slice(&self.key)
                .map_err(|_| bad())?
                .decrypt(&nonce, payload),
        };
        pt.map(Secret::new).map_err(|_| bad())
    }

    /// `Seal` of the first message: tests only (the broker seals, in JS).
    #[cfg(test)]
    fn seal(&self, aad: &[u8], pt: &[u8]) -> Result<Vec<u8>> {
        let nonce = Nonce::from(self.base_nonce);
        let payload = Payload { msg: pt, aad };
        let r = match self.aead {
            AeadKind::Aes256Gcm => Aes256Gcm::new_from_slice(&self.key)
                .map_err(|_| Error::InvalidState("key"))?
                .encrypt(&nonce, payload),
            AeadKind::Aes128Gcm => Aes128Gcm::new_from_slice(&self.key)
                .map_err(|_| Error::InvalidState("key"))?
                .encrypt(&nonce, payload),
        };
        r.map_err(|_| Error::InvalidState("seal"))
    }
}

/// The DH half of the receiver where WebCrypto cannot do it: one broker
/// request's P-256 key pair, derived from caller entropy (RFC 9180 §7.1.3
/// `DeriveKeyPair`), for the `ecdsa` module. The private scalar never leaves
/// it and zeroizes on drop; no `Debug`.
#[cfg(any(test, feature = "hpke-dh"))]
pub struct HpkeKeyPair {
    sk: SecretKey,
    pk: [u8; ENC_LEN],
}

#[cfg(any(test, feature = "hpke-dh"))]
impl HpkeKeyPair {
    /// A fresh key pair from 64 bytes of caller entropy (expanded as every
    /// sealing operation's is, `envelope::rng`).
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` if `entropy` is not 64 bytes or is all zeros.
    pub fn new(entropy: &[u8]) -> Result<Self> {
        let mut rng = Drbg::new(entropy)?;
        let mut ikm = Zeroizing::new([0u8; 32]);
        rng.fill(&mut ikm[..]);
        Self::from_ikm(&ikm[..])
    }

    /// `DeriveKeyPair(ikm)`.
    pub(crate) fn from_ikm(ikm: &[u8]) -> Result<Self> {
        let sk = derive_key_pair(ikm)?;
        let pk = public_bytes(&sk)?;
        Ok(Self { sk, pk })
    }

    /// The public key to send (`pkRm`, uncompressed SEC1, 65 bytes).
    #[must_use]
    pub const fn public_key(&self) -> &[u8; ENC_LEN] {
        &self.pk
    }

    /// `DH(skR, pkE)` for the broker's `enc`, the shared x-coordinate, into
    /// `out` (written in place rather than returned, so that no copy is left
    /// in the caller's stack frame by a move).
    ///
    /// # Errors
    /// `INVALID_DATA_KEY` for an `enc` that is not an uncompressed point on
    /// the curve (off the curve, the identity, compressed, a coordinate ≥ p).
    pub fn dh(&self, enc: &[u8], out: &mut [u8; DH_LEN]) -> Result<()> {
        let bad = || Error::InvalidDataKey("the sealed data key did not open");
        if enc.len() != ENC_LEN || enc.first() != Some(&0x04) {
            return Err(bad());
        }
        let pk_e = p256::PublicKey::from_sec1_bytes(enc).map_err(|_| bad())?;
        let shared = p256::ecdh::diffie_hellman(self.sk.to_nonzero_scalar(), pk_e.as_affine());
        out.copy_from_slice(shared.raw_secret_bytes());
        Ok(())
    }
}

/// One broker request's recipient in the core: the public key sent and the
/// nonce bound into the AAD. Single use: [`open`](Self::open) consumes it.
pub struct HpkeRecipient {
    pk: [u8; ENC_LEN],
    nonce: [u8; NONCE_LEN],
}

impl HpkeRecipient {
    /// The recipient of a key pair made outside the core (`public_key`,
    /// uncompressed SEC1, 65 bytes) and a fresh request nonce (16 bytes).
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for a public key that is not 65 bytes starting with
    /// 0x04, or a nonce that is not 16 bytes or is all zeros.
    pub fn new(public_key: &[u8], nonce: &[u8]) -> Result<Self> {
        let pk: [u8; ENC_LEN] = public_key
            .try_into()
            .map_err(|_| Error::InvalidArgument("the HPKE public key must be 65 bytes"))?;
        if pk[0] != 0x04 {
            return Err(Error::InvalidArgument(
                "the HPKE public key must be an uncompressed point",
            ));
        }
        let nonce: [u8; NONCE_LEN] = nonce
            .try_into()
            .map_err(|_| Error::InvalidArgument("the HPKE request nonce must be 16 bytes"))?;
        if nonce.iter().all(|&b| b == 0) {
            return Err(Error::InvalidArgument(
                "the HPKE request nonce is all zeros",
            ));
        }
        Ok(Self { pk, nonce })
    }

    /// The public key to send (`pkRm`, uncompressed SEC1, 65 bytes).
    #[must_use]
    pub const fn public_key(&self) -> &[u8; ENC_LEN] {
        &self.pk
    }

    /// The nonce to send with the request (bound into the AAD).
    #[must_use]
    pub const fn nonce(&self) -> &[u8; NONCE_LEN] {
        &self.nonce
    }

    /// The HPKE context of `enc` given `DH(skR, enc)`: `ExtractAndExpand`
    /// then the key schedule.
    fn context(&self, dh: &[u8], enc: &[u8], info: &[u8], aead: AeadKind) -> Result<Context> {
        let bad = || Error::InvalidDataKey("the sealed data key did not open");
        let dh: &[u8; DH_LEN] = dh
            .try_into()
            .map_err(|_| Error::InvalidArgument("the HPKE DH output must be 32 bytes"))?;
        let enc: &[u8; ENC_LEN] = enc.try_into().map_err(|_| bad())?;
        // The DH side checked the point; its form is checked again here.
        if enc[0] != 0x04 {
            return Err(bad());
        }
        let ss = extract_and_expand(dh, enc, &self.pk)?;
        key_schedule(&ss, info, aead)
    }

    /// Opens the broker's `ciphertextForRecipient` (`enc ‖ ciphertext`) for
    /// `request`, given `dh = DH(skR, enc)` computed by whoever holds the
    /// private key, consuming the recipient.
    ///
    /// # Errors
    /// `INVALID_DATA_KEY` for anything that does not open (tampered, replayed
    /// from another request, sealed for other request fields, or a key of the
    /// wrong length), with no detail of which; `INVALID_ARGUMENT` for a `dh`
    /// that is not 32 bytes.
    pub fn open(self, dh: &[u8], sealed: &[u8], request: &DataKeyRequest<'_>) -> Result<Secret> {
        let bad = || Error::InvalidDataKey("the sealed data key did not open");
        if sealed.len() < ENC_LEN + TAG_LEN + 1 || sealed.len() > ENC_LEN + TAG_LEN + MAX_DATA_KEY {
            return Err(bad());
        }
        let (enc, ct) = sealed.split_at(ENC_LEN);
        let ctx = self.context(dh, enc, INFO, AeadKind::Aes256Gcm)?;
        let key = ctx.open(&request.aad(&self.nonce)?, ct)?;
        if key.len() != request.data_key_len {
            return Err(bad());
        }
        Ok(key)
    }
}

/// What a data-key request asked, bound into the sealed answer's AAD so that
/// an answer opens only for the request it was made for.
pub struct DataKeyRequest<'a> {
    /// `GenerateDataKey` or `Decrypt`.
    pub operation: &'a str,
    /// The key identifier the client sent (alias, id or ARN).
    pub requested_key_id: &'a str,
    /// The key ARN the broker answered with.
    pub answered_key_id: &'a str,
    /// The encryption context the client sent.
    pub encryption_context: &'a EncryptionContext,
    /// `SYMMETRIC_DEFAULT` or the KMS RSA algorithm of the request.
    pub encryption_algorithm: &'a str,
    /// Bytes of data key expected.
    pub data_key_len: usize,
    /// The KMS ciphertext blob: the answer's (`GenerateDataKey`) or the request's (`Decrypt`).
    pub ciphertext_blob: &'a [u8],
}

impl DataKeyRequest<'_> {
    /// The AAD: a label, then each field as a 4-byte big-endian length and its
    /// bytes: operation, requested key id, answered key ARN, encryption
    /// algorithm, data key length (4 bytes), ciphertext blob, nonce, and the
    /// encryption context as a pair count then each key and value, sorted by
    /// the keys' UTF-8 bytes. (The broker builds the same bytes, `broker/hpke.js`.)
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for a field longer than 2^32 - 1 bytes.
    pub fn aad(&self, nonce: &[u8]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(256);
        let field = |out: &mut Vec<u8>, b: &[u8]| -> Result<()> {
            let n = u32::try_from(b.len())
                .map_err(|_| Error::InvalidArgument("request field too long"))?;
            out.extend_from_slice(&n.to_be_bytes());
            out.extend_from_slice(b);
            Ok(())
        };
        field(&mut out, AAD_LABEL)?;
        field(&mut out, self.operation.as_bytes())?;
        field(&mut out, self.requested_key_id.as_bytes())?;
        field(&mut out, self.answered_key_id.as_bytes())?;
        field(&mut out, self.encryption_algorithm.as_bytes())?;
        let n = u32::try_from(self.data_key_len)
            .map_err(|_| Error::InvalidArgument("data key length"))?;
        field(&mut out, &n.to_be_bytes())?;
        field(&mut out, self.ciphertext_blob)?;
        field(&mut out, nonce)?;
        // EncryptionContext iterates in UTF-8 byte order of its keys (canonical).
        let count = u32::try_from(self.encryption_context.len())
            .map_err(|_| Error::InvalidArgument("context too large"))?;
        out.extend_from_slice(&count.to_be_bytes());
        for (k, v) in self.encryption_context.iter() {
            field(&mut out, k.as_bytes())?;
            field(&mut out, v.as_bytes())?;
        }
        Ok(out)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests;
