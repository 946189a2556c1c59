//! kms (to be filled in).
