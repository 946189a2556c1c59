//! JWT (to be written)
