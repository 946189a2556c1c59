//! Randomness without I/O.
//!
//! The core never asks the platform for entropy itself: the JS shim passes
//! 64 bytes from `crypto.getRandomValues` into each sealing operation, and
//! this deterministic generator expands them (SHA-512 in counter mode over
//! the seed, the construction of NIST SP 800-90A Hash_DRBG without reseeding,
//! which an operation never needs: it draws at most a few KiB).
//!
//! Why not `getrandom`: on `wasm32-unknown-unknown` it needs a backend chosen
//! at build time (`wasm_js` feature plus a cfg flag, depending on version),
//! which every downstream bundler and test runner would have to get right.
//! Passing entropy in keeps the core pure and lets tests be deterministic.

use core::convert::Infallible;

use rand_core::{TryCryptoRng, TryRng};
use sha2::{Digest, Sha512};
use zeroize::Zeroize;

use crate::{Error, Result};

/// Bytes of entropy a sealing operation takes from the caller.
pub const SEED_LEN: usize = 64;

/// A cryptographically secure generator expanded from caller entropy.
pub struct Drbg {
    seed: [u8; SEED_LEN],
    counter: u64,
    block: [u8; 64],
    used: usize,
}

impl Drbg {
    /// A generator from exactly [`SEED_LEN`] bytes of fresh entropy.
    ///
    /// # Errors
    /// `INVALID_ARGUMENT` if `seed` is not [`SEED_LEN`] bytes or is all zeros
    /// (a sign that the platform did not fill it).
    pub fn new(seed: &[u8]) -> Result<Self> {
        let seed: [u8; SEED_LEN] = seed
            .try_into()
            .map_err(|_| Error::InvalidArgument("the entropy seed must be 64 bytes"))?;
        if seed.iter().all(|&b| b == 0) {
            return Err(Error::InvalidArgument("the entropy seed is all zeros"));
        }
        Ok(Self {
            seed,
            counter: 0,
            block: [0; 64],
            used: 64,
        })
    }

    /// Fills `dst` with generator output.
    pub fn fill(&mut self, dst: &mut [u8]) {
        for b in dst.iter_mut() {
            if self.used == self.block.len() {
                self.refill();
            }
            // `used < 64` here, so the index is in bounds.
            *b = self.block.get(self.used).copied().unwrap_or(0);
            self.used += 1;
        }
    }

    /// `N` fresh bytes.
    pub fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        self.fill(&mut out);
        out
    }

    fn refill(&mut self) {
        self.counter = self.counter.wrapping_add(1);
        let mut h = Sha512::new();
        h.update(b"edge-kms drbg");
        h.update(self.seed);
        h.update(self.counter.to_be_bytes());
        self.block.copy_from_slice(&h.finalize());
        self.used = 0;
    }
}

impl Drop for Drbg {
    fn drop(&mut self) {
        self.seed.zeroize();
        self.block.zeroize();
    }
}

impl TryRng for Drbg {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> core::result::Result<u32, Infallible> {
        Ok(u32::from_be_bytes(self.bytes()))
    }

    fn try_next_u64(&mut self) -> core::result::Result<u64, Infallible> {
        Ok(u64::from_be_bytes(self.bytes()))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> core::result::Result<(), Infallible> {
        self.fill(dst);
        Ok(())
    }
}

impl TryCryptoRng for Drbg {}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn distinct_seeds_distinct_streams_and_no_short_cycle() {
        let mut a = Drbg::new(&[1; 64]).unwrap();
        let mut b = Drbg::new(&[2; 64]).unwrap();
        let x: [u8; 200] = a.bytes();
        let y: [u8; 200] = b.bytes();
        assert_ne!(x, y);
        assert_ne!(x[..64], x[64..128]);
    }

    #[test]
    fn refuses_bad_seeds() {
        assert_eq!(
            Drbg::new(&[0; 64]).err().map(|e| e.code()),
            Some("INVALID_ARGUMENT")
        );
        assert_eq!(
            Drbg::new(&[1; 63]).err().map(|e| e.code()),
            Some("INVALID_ARGUMENT")
        );
    }
}
