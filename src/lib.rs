#![doc = include_str!("../README.md")]
#![cfg_attr(not(test), warn(clippy::indexing_slicing))]

pub mod envelope;
pub mod error;
pub mod keyring;
pub mod kms;
pub mod verify;

#[cfg(target_arch = "wasm32")]
mod wasm;

pub use error::{Error, Result};
