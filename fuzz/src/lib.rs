//! What the fuzz targets share: a counting allocator that bounds what one
//! input may allocate, fixed keys, and [`message::repair`], which makes a
//! mutated message authentic again so that the fuzzer reaches frame bodies
//! and footers instead of stopping at the header tag.
//!
//! See `../FUZZING.md` for the targets, their input layouts and the runs.

pub mod alloc;
pub mod input;
pub mod keys;
pub mod message;

#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;

use edge_kms::verify::SigningAlgorithm;

/// Every KMS signing algorithm, in the order fuzz inputs index them.
pub const ALGORITHMS: [SigningAlgorithm; 12] = [
    SigningAlgorithm::RsassaPkcs1V15Sha256,
    SigningAlgorithm::RsassaPkcs1V15Sha384,
    SigningAlgorithm::RsassaPkcs1V15Sha512,
    SigningAlgorithm::RsassaPssSha256,
    SigningAlgorithm::RsassaPssSha384,
    SigningAlgorithm::RsassaPssSha512,
    SigningAlgorithm::EcdsaSha256,
    SigningAlgorithm::EcdsaSha384,
    SigningAlgorithm::EcdsaSha512,
    SigningAlgorithm::MlDsaShake256,
    SigningAlgorithm::Ed25519Sha512,
    SigningAlgorithm::Ed25519PhSha512,
];
