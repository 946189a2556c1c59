//! verify (to be filled in).
