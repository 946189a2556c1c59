//! keyring (to be filled in).
