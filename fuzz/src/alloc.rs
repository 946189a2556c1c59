//! A global allocator that counts live bytes and their peak, so a target can
//! assert that one call allocated no more than a budget for its input size
//! (a small multiple of the input plus a constant), and refuses any single
//! allocation above [`MAX_SINGLE`] (the target then aborts: a finding).
//!
//! libFuzzer runs targets on one thread, so the counters are exact.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// The largest single allocation any target may make.
pub const MAX_SINGLE: usize = 64 << 20;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static WORST_RATIO_PERMILLE: AtomicUsize = AtomicUsize::new(0);
static WORST_PEAK: AtomicUsize = AtomicUsize::new(0);

/// Counts what passes through the system allocator.
pub struct Counting;

fn grew(n: usize) {
    let live = LIVE.fetch_add(n, Relaxed) + n;
    PEAK.fetch_max(live, Relaxed);
}

// SAFETY: every call is forwarded unchanged to `System`; the counters only observe.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > MAX_SINGLE {
            return std::ptr::null_mut();
        }
        // SAFETY: as the caller of `alloc` promised.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() > MAX_SINGLE {
            return std::ptr::null_mut();
        }
        // SAFETY: as the caller of `alloc_zeroed` promised.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as the caller of `dealloc` promised.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > MAX_SINGLE {
            return std::ptr::null_mut();
        }
        // SAFETY: as the caller of `realloc` promised.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            // Counted as if the old block lived until the new one existed (a copy).
            grew(new_size);
            LIVE.fetch_sub(layout.size(), Relaxed);
        }
        p
    }
}

/// Runs `f` and returns its result with the peak of bytes it had allocated
/// at once (what it returns included).
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let base = LIVE.load(Relaxed);
    PEAK.store(base, Relaxed);
    let r = f();
    (r, PEAK.load(Relaxed).saturating_sub(base))
}

/// Asserts `peak <= per_byte * input_len + constant`. With `FUZZ_ALLOC_REPORT`
/// set, prints every new worst peak and worst peak/input ratio (inputs of
/// 1 KiB and more), for FUZZING.md.
///
/// # Panics
/// When the budget is exceeded: that is the finding.
pub fn within_budget(what: &str, peak: usize, input_len: usize, per_byte: usize, constant: usize) {
    let budget = per_byte.saturating_mul(input_len).saturating_add(constant);
    assert!(
        peak <= budget,
        "{what}: allocated {peak} bytes at once for {input_len} input bytes (budget {budget})"
    );
    if std::env::var_os("FUZZ_ALLOC_REPORT").is_some() {
        if peak > WORST_PEAK.fetch_max(peak, Relaxed) {
            eprintln!("alloc {what}: new worst peak {peak} B for {input_len} B of input");
        }
        if input_len >= 1024 {
            let permille = peak.saturating_mul(1000) / input_len;
            if permille > WORST_RATIO_PERMILLE.fetch_max(permille, Relaxed) {
                eprintln!(
                    "alloc {what}: new worst ratio {}.{:03} x ({peak} B for {input_len} B)",
                    permille / 1000,
                    permille % 1000
                );
            }
        }
    }
}
