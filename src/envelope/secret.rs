//! Secret bytes: zeroized on drop, no `Debug`, read only through `expose_secret`.

use zeroize::Zeroizing;

/// Key material (a data key, a derived key, a wrapping key).
///
/// Deliberately not `Debug`, `Clone` or `PartialEq`: a secret is moved, not
/// copied or printed, and it is wiped from memory when dropped.
pub struct Secret(Zeroizing<Vec<u8>>);

impl Secret {
    /// Takes ownership of `bytes`; they are wiped when the secret is dropped.
    #[must_use]
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// Copies `bytes` into a new secret (the caller wipes its own copy).
    #[must_use]
    pub fn copy_from(bytes: &[u8]) -> Self {
        Self::new(bytes.to_vec())
    }

    /// The secret bytes. Named so that every use is visible in review.
    #[must_use]
    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }

    pub(crate) fn expose_secret_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }

    /// Length in bytes (not secret).
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
