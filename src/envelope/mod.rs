//! envelope (to be filled in).
