//! Data-key cache: reuse a data key for several messages (fewer KMS calls).
//!
//! Sans-IO like the rest: the caller passes the time. Limits follow the
//! reference SDK's caching CMM: an entry serves at most `max_messages`
//! messages and `max_bytes` of plaintext, for at most `max_age_ms`, and at
//! most `capacity` entries are kept (least recently used goes first). Every
//! key is a [`Secret`], so eviction, expiry and drop wipe it.
//!
//! Encryption entries are keyed by suite and the caller's context (each
//! message still gets its own message id, hence its own derived keys and
//! commitment); decryption entries by suite, encrypted data keys and
//! context, and are stored only after a message opened successfully.

use sha2::{Digest, Sha512};

use crate::envelope::encryption_context::EncryptionContext;
use crate::envelope::header::EncryptedDataKey;
use crate::envelope::secret::Secret;
use crate::envelope::suite::AlgorithmSuite;
use crate::{Error, Result};

/// What a cache may hold and for how long.
#[derive(Clone, Copy, Debug)]
pub struct CacheLimits {
    /// Age after which an entry is not used.
    pub max_age_ms: u64,
    /// Messages one encryption entry may protect (1 … 2^32).
    pub max_messages: u64,
    /// Plaintext bytes one encryption entry may protect.
    pub max_bytes: u64,
    /// Entries kept (encryption and decryption each).
    pub capacity: usize,
}

/// Everything needed to seal another message with the same data key.
pub struct CachedMaterials {
    /// The data key.
    pub data_key: Secret,
    /// Its encrypted copies.
    pub edks: Vec<EncryptedDataKey>,
    /// The signing key of a signed suite (the context carries its public half),
    /// when the core holds it (`footer-ecdsa` builds).
    pub signing_key: Option<Secret>,
    /// A signed suite whose signing key is held outside the core (WebCrypto,
    /// the `ecdsa` module), next to this entry: its holder finds it by the
    /// public key in `context` and may use it only for a sealer this cache
    /// hands out from this entry (see `src/js/envelope.js`, `#signers`).
    pub external_signer: bool,
    /// The full context, including `aws-crypto-public-key`.
    pub context: EncryptionContext,
}

struct EncryptEntry {
    id: [u8; 64],
    created: u64,
    last_used: u64,
    messages: u64,
    bytes: u64,
    materials: CachedMaterials,
}

struct DecryptEntry {
    id: [u8; 64],
    created: u64,
    last_used: u64,
    data_key: Secret,
}

/// An in-memory data-key cache.
pub struct DataKeyCache {
    limits: CacheLimits,
    encrypt: Vec<EncryptEntry>,
    decrypt: Vec<DecryptEntry>,
}

fn id(parts: &[&[u8]]) -> [u8; 64] {
    let mut h = Sha512::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p);
    }
    h.finalize().into()
}

impl DataKeyCache {
    /// An empty cache.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` for zero limits or more than 2^32 messages.
    pub fn new(limits: CacheLimits) -> Result<Self> {
        if limits.max_age_ms == 0
            || limits.max_messages == 0
            || limits.max_messages > 1 << 32
            || limits.max_bytes == 0
            || limits.capacity == 0
        {
            return Err(Error::InvalidArgument(
                "cache limits must be positive (maxMessages at most 2^32)",
            ));
        }
        Ok(Self {
            limits,
            encrypt: Vec::new(),
            decrypt: Vec::new(),
        })
    }

    /// The id of encryption materials for `suite` and the caller's serialized
    /// context within `partition` (the caching CMM's partition: entries of one
    /// partition are never found from another; empty is the default partition).
    #[must_use]
    pub fn encrypt_id(partition: &[u8], suite: &AlgorithmSuite, caller_context: &[u8]) -> [u8; 64] {
        id(&[
            b"encrypt",
            partition,
            &suite.id.to_be_bytes(),
            caller_context,
        ])
    }

    /// The id of a data key for `suite`, these encrypted data keys and this context, within `partition`.
    #[must_use]
    pub fn decrypt_id(
        partition: &[u8],
        suite: &AlgorithmSuite,
        edks: &[EncryptedDataKey],
        context: &[u8],
    ) -> [u8; 64] {
        let mut edk_ids: Vec<[u8; 64]> = edks
            .iter()
            .map(|e| id(&[e.provider_id.as_bytes(), &e.provider_info, &e.ciphertext]))
            .collect();
        edk_ids.sort_unstable();
        let sid = suite.id.to_be_bytes();
        let mut parts: Vec<&[u8]> = Vec::with_capacity(edk_ids.len() + 4);
        parts.push(b"decrypt");
        parts.push(partition);
        parts.push(&sid);
        parts.extend(edk_ids.iter().map(|e| &e[..]));
        parts.push(context);
        id(&parts)
    }

    fn expire(&mut self, now: u64) {
        let max = self.limits.max_age_ms;
        self.encrypt.retain(|e| now.saturating_sub(e.created) < max);
        self.decrypt.retain(|e| now.saturating_sub(e.created) < max);
    }

    /// Materials to seal one more message of `len` bytes, if an entry may still
    /// serve it; counts the message against the entry.
    pub fn use_for_encrypt(
        &mut self,
        id: &[u8; 64],
        len: u64,
        now: u64,
    ) -> Option<&CachedMaterials> {
        self.expire(now);
        let limits = self.limits;
        let i = self.encrypt.iter().position(|e| &e.id == id)?;
        let e = self.encrypt.get(i)?;
        let messages = e
            .messages
            .checked_add(1)
            .filter(|&m| m <= limits.max_messages);
        let bytes = e.bytes.checked_add(len).filter(|&b| b <= limits.max_bytes);
        let (Some(messages), Some(bytes)) = (messages, bytes) else {
            // Used up: drop (and wipe) it so a fresh data key is made.
            self.encrypt.remove(i);
            return None;
        };
        let e = self.encrypt.get_mut(i)?;
        e.messages = messages;
        e.bytes = bytes;
        e.last_used = now;
        Some(&e.materials)
    }

    /// Stores materials that just sealed a message of `len` bytes.
    pub fn put_encrypt(&mut self, id: [u8; 64], materials: CachedMaterials, len: u64, now: u64) {
        if len > self.limits.max_bytes {
            return;
        }
        self.encrypt.retain(|e| e.id != id);
        if self.encrypt.len() >= self.limits.capacity
            && let Some(lru) = self
                .encrypt
                .iter()
                .enumerate()
                .min_by_key(|(_, e)| e.last_used)
                .map(|(i, _)| i)
        {
            self.encrypt.remove(lru);
        }
        self.encrypt.push(EncryptEntry {
            id,
            created: now,
            last_used: now,
            messages: 1,
            bytes: len,
            materials,
        });
    }

    /// A data key that opened a message with this id before.
    pub fn get_decrypt(&mut self, id: &[u8; 64], now: u64) -> Option<&Secret> {
        self.expire(now);
        let e = self.decrypt.iter_mut().find(|e| &e.id == id)?;
        e.last_used = now;
        Some(&e.data_key)
    }

    /// Stores a data key that opened a message.
    pub fn put_decrypt(&mut self, id: [u8; 64], data_key: Secret, now: u64) {
        self.decrypt.retain(|e| e.id != id);
        if self.decrypt.len() >= self.limits.capacity
            && let Some(lru) = self
                .decrypt
                .iter()
                .enumerate()
                .min_by_key(|(_, e)| e.last_used)
                .map(|(i, _)| i)
        {
            self.decrypt.remove(lru);
        }
        self.decrypt.push(DecryptEntry {
            id,
            created: now,
            last_used: now,
            data_key,
        });
    }

    /// The public keys (`aws-crypto-public-key`) of the live encryption
    /// entries whose signing key is held outside the core: its holder keeps
    /// those keys and drops every other, so no key outlives its entry.
    pub fn live_external_signers(&mut self, now: u64) -> Vec<String> {
        self.expire(now);
        self.encrypt
            .iter()
            .filter(|e| e.materials.external_signer)
            .filter_map(|e| {
                e.materials
                    .context
                    .get(crate::envelope::encryption_context::PUBLIC_KEY_FIELD)
                    .map(str::to_owned)
            })
            .collect()
    }

    /// Entries held (encryption, decryption).
    #[must_use]
    pub fn len(&self) -> (usize, usize) {
        (self.encrypt.len(), self.decrypt.len())
    }

    /// Whether the cache holds nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.encrypt.is_empty() && self.decrypt.is_empty()
    }

    /// Drops (and wipes) every entry.
    pub fn clear(&mut self) {
        self.encrypt.clear();
        self.decrypt.clear();
    }
}
