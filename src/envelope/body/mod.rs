//! Incremental body writer and reader: the state machines behind both the
//! one-shot and the streaming APIs. Spec: `data-format/message-body.md`,
//! `message-body-aad.md`, `message-footer.md`.
//!
//! Memory is bounded by one frame plus the chunk being pushed. The reader
//! releases a frame's plaintext only after that frame's tag verified; the
//! footer signature can only be checked at the end, so a *streaming* reader
//! of a signed message releases authenticated-but-not-yet-signed frames and
//! reports a bad signature from `finish` (the one-shot API withholds
//! everything until then).
//!
//! [`writer`]: frames out of plaintext (wasm engine) and the plans a native
//! engine seals by; [`reader`]: frames back to plaintext, the footer, and the
//! plans a native engine opens by.

mod reader;
mod writer;

pub use reader::{BodyReader, FrameDesc};
pub use writer::{BodyWriter, FramePlan, SealPlan};

/// Largest frame (or non-framed body) a reader buffers, whatever `max_body_size` says.
pub const MAX_BUFFERED: usize = 1 << 30;
