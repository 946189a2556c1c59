//! Envelope encryption in the AWS Encryption SDK message format.
//!
//! Sans-IO: every function here is pure. Randomness comes in as a seed
//! ([`rng`]), KMS answers come in through [`encrypt::Sealer`] and
//! [`decrypt::Opener`] (the data-key seam), bytes go out as `Vec<u8>`.
//!
//! One file per part of the format: [`encryption_context`], [`suite`],
//! [`header`], [`frame`], [`kdf`], [`footer`]; [`encrypt`] and [`decrypt`]
//! put them together; [`inspect`] reads the structure without a key.

pub mod body;
pub mod decrypt;
pub mod encrypt;
pub mod encryption_context;
pub mod footer;
pub mod frame;
pub mod gcm;
pub mod header;
pub mod inspect;
pub mod kdf;
mod reader;
pub mod reencrypt;
pub mod rng;
pub mod secret;
pub mod suite;

#[cfg(test)]
mod tests;
