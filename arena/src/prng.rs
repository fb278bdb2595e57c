//! A tiny seeded PRNG (splitmix64) so the site is reproducible without a `rand` dependency.
//!
//! Each decision draws from its own stream, keyed by `(seed, domain, index)`: the links of
//! page 7 do not change when the number of pages or the price of page 6 does. That keeps
//! the site stable as the config changes and lets any page be rendered on its own.

/// Sebastiano Vigna's splitmix64: one u64 of state, good enough statistics for a test site.
#[derive(Clone, Debug)]
pub(crate) struct SplitMix64 {
    state: u64,
}

/// What a random stream is used for; mixed into the seed so streams never overlap.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Domain {
    ProductLinks = 1,
    Price = 2,
    Text = 3,
    Specials = 4,
    RedirectTarget = 5,
    FilmTitles = 6,
    Films = 7,
}

impl SplitMix64 {
    /// The stream for one `(seed, domain, index)` decision.
    pub(crate) fn stream(seed: u64, domain: Domain, index: u64) -> SplitMix64 {
        let mut rng = SplitMix64 {
            state: seed ^ (domain as u64).wrapping_mul(0xA076_1D64_78BD_642F),
        };
        let first = rng.next_u64();
        SplitMix64 {
            state: first ^ index.wrapping_mul(0xE703_7ED1_A0B4_28DB),
        }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`), by multiply-shift (no modulo bias worth mentioning).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0);
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// `true` with probability `1/n`.
    pub(crate) fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = {
            let mut r = SplitMix64::stream(1, Domain::Price, 7);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut r = SplitMix64::stream(1, Domain::Price, 7);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let c: Vec<u64> = {
            let mut r = SplitMix64::stream(1, Domain::Price, 8);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let d: Vec<u64> = {
            let mut r = SplitMix64::stream(2, Domain::Price, 7);
            (0..4).map(|_| r.next_u64()).collect()
        };
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }

    #[test]
    fn below_stays_in_range() {
        let mut r = SplitMix64::stream(3, Domain::Text, 0);
        for n in 1..50 {
            for _ in 0..20 {
                assert!(r.below(n) < n);
            }
        }
    }
}
