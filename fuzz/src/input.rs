//! Reading a fuzz input as a few fields: every read succeeds (short input
//! reads as zeros or empty), so any byte string is a valid input.

/// A cursor over fuzz bytes.
pub struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    /// Reads `data` from the start.
    pub const fn new(data: &'a [u8]) -> Self {
        Self(data)
    }

    /// Up to `n` bytes.
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let (a, b) = self.0.split_at(n.min(self.0.len()));
        self.0 = b;
        a
    }

    /// Exactly `N` bytes, zero-padded.
    pub fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let got = self.take(N);
        out[..got.len()].copy_from_slice(got);
        out
    }

    /// One byte (0 at the end).
    pub fn byte(&mut self) -> u8 {
        self.array::<1>()[0]
    }

    /// A big-endian u16.
    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes(self.array())
    }

    /// A big-endian u32.
    pub fn u32(&mut self) -> u32 {
        u32::from_be_bytes(self.array())
    }

    /// Eight bytes as an f64 (any bit pattern: NaN, infinities, subnormals).
    pub fn f64(&mut self) -> f64 {
        f64::from_bits(u64::from_be_bytes(self.array()))
    }

    /// A u16 length, then up to that many bytes.
    pub fn prefixed(&mut self) -> &'a [u8] {
        let n = usize::from(self.u16());
        self.take(n)
    }

    /// How many bytes are left.
    pub const fn rest_len(&self) -> usize {
        self.0.len()
    }

    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        self.take(self.0.len())
    }
}

/// A tiny deterministic generator (xorshift64*) for chunk sizes and the like.
pub struct Rng(u64);

impl Rng {
    /// Seeded from `seed` (0 is fine).
    pub const fn new(seed: u64) -> Self {
        Self(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A value in `1..=max` (`max` ≥ 1).
    pub fn between_1_and(&mut self, max: usize) -> usize {
        let max = max.max(1) as u64;
        usize::try_from(self.next_u64() % max).unwrap_or(0) + 1
    }
}
