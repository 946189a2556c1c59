//! One error type for the whole crate, with a stable string code per variant.
//!
//! Parsing failures are precise (`MALFORMED_PUBLIC_KEY`, `MALFORMED_MESSAGE`,
//! ...). Cryptographic failures after parsing are deliberately uninformative:
//! every failed tag, commitment or signature check of a message is
//! [`Error::Tampered`], so an attacker learns nothing from the error.
//!
//! Messages never carry key material or plaintext: the `&'static str` detail
//! fields are literals chosen at the call site, never formatted from input.

use core::fmt;

/// Every way an `edge-kms` operation can fail.
///
/// The [`code`](Error::code) string of each variant is part of the public API
/// (it becomes `EdgeKmsError.code` in JavaScript) and never changes.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A caller-supplied argument is out of range or of the wrong shape.
    InvalidArgument(&'static str),
    /// The algorithm (signing algorithm, suite, padding, JWT `alg`) is not supported or not allowed.
    UnsupportedAlgorithm(&'static str),
    /// The public key is not valid DER/PEM SPKI, or not a key type we know.
    MalformedPublicKey(&'static str),
    /// The key's type or size does not fit the requested algorithm.
    KeyAlgorithmMismatch(&'static str),
    /// A `DIGEST` message whose length is not the hash length of the algorithm.
    InvalidDigestLength,
    /// A `RAW` message longer than KMS accepts (4096 bytes).
    MessageTooLong,
    /// The signature is not well-formed DER / has the wrong length for the key.
    MalformedSignature(&'static str),
    /// A key identifier (id, ARN, alias) that KMS would reject.
    InvalidKeyIdentifier(&'static str),
    /// A JWT that is not three base64url parts of JSON.
    MalformedJwt(&'static str),
    /// An encrypted message that does not parse (wrong version, bad lengths, truncated).
    MalformedMessage(&'static str),
    /// Authentication failed: a tag, the key commitment or the footer signature did not verify.
    Tampered,
    /// The message's encryption context lacks a pair the caller required, or has another value for it.
    EncryptionContextMismatch,
    /// A caller-supplied encryption context uses the reserved `aws-crypto-` prefix or is too large.
    InvalidEncryptionContext(&'static str),
    /// More encrypted data keys than the configured maximum.
    TooManyEncryptedDataKeys,
    /// None of the keyring's wrapping keys could decrypt any encrypted data key.
    NoDecryptableDataKey,
    /// The message is not key-committing and the commitment policy requires commitment.
    CommitmentPolicyViolation,
    /// The message's suite has no signature and the reader requires one.
    SignatureRequired,
    /// A keyring cannot perform this operation (for example a public-key-only keyring asked to decrypt).
    KeyringCannotDecrypt,
    /// The data-key provider answered something that is not a valid data key.
    InvalidDataKey(&'static str),
    /// A limit of this library (frame count, header size) was exceeded.
    LimitExceeded(&'static str),
    /// The stream was used out of order (for example `finish` before the final frame).
    InvalidState(&'static str),
    /// A JWT whose signature verified but whose `exp` claim has passed.
    JwtExpired,
    /// A JWT whose signature verified but whose `nbf` claim is in the future.
    JwtNotYetValid,
}

impl Error {
    /// The stable, machine-readable code of this error.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::InvalidArgument(_) => "INVALID_ARGUMENT",
            Self::UnsupportedAlgorithm(_) => "UNSUPPORTED_ALGORITHM",
            Self::MalformedPublicKey(_) => "MALFORMED_PUBLIC_KEY",
            Self::KeyAlgorithmMismatch(_) => "KEY_ALGORITHM_MISMATCH",
            Self::InvalidDigestLength => "INVALID_DIGEST_LENGTH",
            Self::MessageTooLong => "MESSAGE_TOO_LONG",
            Self::MalformedSignature(_) => "MALFORMED_SIGNATURE",
            Self::InvalidKeyIdentifier(_) => "INVALID_KEY_IDENTIFIER",
            Self::MalformedJwt(_) => "MALFORMED_JWT",
            Self::MalformedMessage(_) => "MALFORMED_MESSAGE",
            Self::Tampered => "TAMPERED",
            Self::EncryptionContextMismatch => "ENCRYPTION_CONTEXT_MISMATCH",
            Self::InvalidEncryptionContext(_) => "INVALID_ENCRYPTION_CONTEXT",
            Self::TooManyEncryptedDataKeys => "TOO_MANY_ENCRYPTED_DATA_KEYS",
            Self::NoDecryptableDataKey => "NO_DECRYPTABLE_DATA_KEY",
            Self::CommitmentPolicyViolation => "COMMITMENT_POLICY_VIOLATION",
            Self::SignatureRequired => "SIGNATURE_REQUIRED",
            Self::KeyringCannotDecrypt => "KEYRING_CANNOT_DECRYPT",
            Self::InvalidDataKey(_) => "INVALID_DATA_KEY",
            Self::LimitExceeded(_) => "LIMIT_EXCEEDED",
            Self::InvalidState(_) => "INVALID_STATE",
            Self::JwtExpired => "JWT_EXPIRED",
            Self::JwtNotYetValid => "JWT_NOT_YET_VALID",
        }
    }

    /// A human-readable explanation. Contains no input bytes, keys or plaintext.
    #[must_use]
    pub const fn message(&self) -> &'static str {
        match self {
            Self::InvalidArgument(d)
            | Self::UnsupportedAlgorithm(d)
            | Self::MalformedPublicKey(d)
            | Self::KeyAlgorithmMismatch(d)
            | Self::MalformedSignature(d)
            | Self::InvalidKeyIdentifier(d)
            | Self::MalformedJwt(d)
            | Self::MalformedMessage(d)
            | Self::InvalidEncryptionContext(d)
            | Self::InvalidDataKey(d)
            | Self::LimitExceeded(d)
            | Self::InvalidState(d) => d,
            Self::InvalidDigestLength => {
                "a DIGEST message must be exactly as long as the signing algorithm's hash"
            }
            Self::MessageTooLong => {
                "a RAW message may be at most 4096 bytes (use messageType DIGEST)"
            }
            Self::Tampered => "the message failed authentication",
            Self::EncryptionContextMismatch => {
                "the message's encryption context does not contain the required pairs"
            }
            Self::TooManyEncryptedDataKeys => {
                "the message has more encrypted data keys than the configured maximum"
            }
            Self::NoDecryptableDataKey => "no keyring could decrypt any of the message's data keys",
            Self::CommitmentPolicyViolation => {
                "the commitment policy forbids this algorithm suite or message version"
            }
            Self::SignatureRequired => {
                "the message is not signed and this reader requires a signed algorithm suite"
            }
            Self::KeyringCannotDecrypt => {
                "this keyring holds no private or secret key to decrypt with"
            }
            Self::JwtExpired => "the JWT has expired (exp)",
            Self::JwtNotYetValid => "the JWT is not valid yet (nbf)",
        }
    }

    /// Every variant once, for tests that walk the whole mapping.
    #[doc(hidden)]
    #[must_use]
    pub fn all_for_tests() -> [Self; 23] {
        [
            Self::InvalidArgument(""),
            Self::UnsupportedAlgorithm(""),
            Self::MalformedPublicKey(""),
            Self::KeyAlgorithmMismatch(""),
            Self::InvalidDigestLength,
            Self::MessageTooLong,
            Self::MalformedSignature(""),
            Self::InvalidKeyIdentifier(""),
            Self::MalformedJwt(""),
            Self::MalformedMessage(""),
            Self::Tampered,
            Self::EncryptionContextMismatch,
            Self::InvalidEncryptionContext(""),
            Self::TooManyEncryptedDataKeys,
            Self::NoDecryptableDataKey,
            Self::CommitmentPolicyViolation,
            Self::SignatureRequired,
            Self::KeyringCannotDecrypt,
            Self::InvalidDataKey(""),
            Self::LimitExceeded(""),
            Self::InvalidState(""),
            Self::JwtExpired,
            Self::JwtNotYetValid,
        ]
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl core::error::Error for Error {}

/// Shorthand used across the crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_upper_snake_case() {
        let all = Error::all_for_tests();
        for (i, a) in all.iter().enumerate() {
            assert!(
                a.code()
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b == b'_'),
                "{}",
                a.code()
            );
            for b in all.iter().skip(i + 1) {
                assert_ne!(a.code(), b.code());
            }
        }
    }
}
