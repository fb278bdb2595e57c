//! The seen-set: which URLs the crawl has already queued, in about 10–15 bytes per URL.
//!
//! It stores the 64-bit [`fingerprint`](crate::url_norm::fingerprint) of each normalised
//! URL, not the URL, in an open-addressing table of bare `u64` slots with linear probing.
//! That is the smallest layout that still answers exactly for fingerprints: no per-entry
//! allocation, no pointers, no stored hash next to the key (the key *is* a hash), and a
//! probe sequence that walks consecutive memory, so a lookup usually touches one cache line.
//!
//! Two kinds of collision are possible, and they are handled differently:
//! - **Fingerprint collisions** — two distinct URLs with the same 64-bit fingerprint — are
//!   not detected: the second URL is treated as already seen and skipped. For `n` URLs the
//!   chance of any such pair is about `n² / 2^65` (2.7e-6 at 10 million URLs).
//! - **Slot collisions** — different fingerprints whose home slot is the same — are
//!   resolved by linear probing: the entry goes into the next free slot.
//!
//! The value 0 marks an empty slot, so a fingerprint of 0 is stored as 1 (this merges two
//! of the 2^64 fingerprints, which changes nothing measurable).
//!
//! The home slot is `fp * capacity / 2^64` (Lemire's "fastrange") rather than
//! `fp & (capacity - 1)`: fingerprints are already well mixed, and not needing a
//! power-of-two capacity lets the table grow by 1.5x instead of 2x. With a maximum load of
//! 0.8 the load after growth is at least 0.53, so the table costs 10–15 bytes per URL at
//! any size. A power-of-two table with the same maximum load would cost up to 20 (at one
//! million URLs it would already need 16.8). During growth the old and new tables coexist
//! briefly, 2.5x the old table.

/// A set of URL fingerprints. See the module docs for the layout and collision handling.
#[derive(Debug, Clone, Default)]
pub struct SeenSet {
    /// Empty (zero-length) until the first insert; otherwise at least `MIN_SLOTS`.
    slots: Vec<u64>,
    len: usize,
}

const EMPTY: u64 = 0;
const MIN_SLOTS: usize = 16;
/// Maximum load as a fraction `LOAD_NUM / LOAD_DEN` (0.8).
const LOAD_NUM: usize = 4;
const LOAD_DEN: usize = 5;

impl SeenSet {
    /// An empty set; allocates nothing until the first insert.
    pub fn new() -> SeenSet {
        SeenSet::default()
    }

    /// An empty set that can hold `urls` fingerprints without growing.
    pub fn with_capacity(urls: usize) -> SeenSet {
        if urls == 0 {
            return SeenSet::new();
        }
        SeenSet {
            slots: vec![EMPTY; slots_for(urls)],
            len: 0,
        }
    }

    /// Adds `fp`; returns `true` if it was not in the set yet (the URL is new).
    pub fn insert(&mut self, fp: u64) -> bool {
        let fp = stored(fp);
        if (self.len + 1) * LOAD_DEN > self.slots.len() * LOAD_NUM {
            self.grow();
        }
        let slot = probe(&self.slots, fp);
        if self.slots[slot] == fp {
            return false;
        }
        self.slots[slot] = fp;
        self.len += 1;
        true
    }

    /// Whether `fp` has been inserted.
    pub fn contains(&self, fp: u64) -> bool {
        let fp = stored(fp);
        !self.slots.is_empty() && self.slots[probe(&self.slots, fp)] == fp
    }

    /// The number of distinct fingerprints inserted.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing has been inserted.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Heap bytes held by the table (for memory reporting and limits).
    pub fn bytes_allocated(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<u64>()
    }

    fn grow(&mut self) {
        let new_len = (self.slots.len() + self.slots.len() / 2)
            .max(slots_for(self.len + 1))
            .max(MIN_SLOTS);
        let old = std::mem::replace(&mut self.slots, vec![EMPTY; new_len]);
        for fp in old.into_iter().filter(|&fp| fp != EMPTY) {
            let slot = probe(&self.slots, fp);
            self.slots[slot] = fp;
        }
    }
}

/// The number of slots that keeps `urls` entries within the maximum load.
fn slots_for(urls: usize) -> usize {
    urls.saturating_mul(LOAD_DEN)
        .div_ceil(LOAD_NUM)
        .max(MIN_SLOTS)
}

fn stored(fp: u64) -> u64 {
    if fp == EMPTY {
        1
    } else {
        fp
    }
}

/// The slot holding `fp`, or the empty slot where it belongs. `slots` is never full, so
/// the walk ends.
fn probe(slots: &[u64], fp: u64) -> usize {
    let home = ((u128::from(fp) * slots.len() as u128) >> 64) as usize;
    let mut i = home;
    loop {
        let current = slots[i];
        if current == fp || current == EMPTY {
            return i;
        }
        i += 1;
        if i == slots.len() {
            i = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url_norm::fingerprint;

    /// A well-mixed stand-in for fingerprints (SplitMix64).
    fn mixed(i: u64) -> u64 {
        let mut z = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    #[test]
    fn insert_contains_len() {
        let mut set = SeenSet::new();
        assert!(set.is_empty());
        assert!(!set.contains(42));
        assert_eq!(set.bytes_allocated(), 0);
        assert!(set.insert(42));
        assert!(!set.insert(42));
        assert!(set.insert(7));
        assert!(set.contains(42) && set.contains(7) && !set.contains(8));
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn zero_fingerprint_is_stored_as_one() {
        let mut set = SeenSet::new();
        assert!(!set.contains(0));
        assert!(set.insert(0));
        assert!(set.contains(0));
        assert!(set.contains(1), "0 and 1 share a slot value");
        assert!(!set.insert(1));
        assert!(set.insert(u64::MAX));
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn grows_and_keeps_everything() {
        let mut set = SeenSet::with_capacity(1);
        let initial = set.bytes_allocated();
        for i in 0..10_000 {
            assert!(set.insert(mixed(i)));
        }
        assert!(set.bytes_allocated() > initial);
        assert_eq!(set.len(), 10_000);
        assert!((0..10_000).all(|i| set.contains(mixed(i))));
        assert!((10_000..20_000).all(|i| !set.contains(mixed(i))));
        assert!((0..10_000).all(|i| !set.insert(mixed(i))));
    }

    #[test]
    fn with_capacity_does_not_grow() {
        let mut set = SeenSet::with_capacity(1000);
        let bytes = set.bytes_allocated();
        (0..1000).for_each(|i| {
            set.insert(mixed(i));
        });
        assert_eq!(set.bytes_allocated(), bytes);
    }

    #[test]
    fn clustered_fingerprints_still_work() {
        // Small values all land in slot 0 and wrap: the worst case for linear probing.
        let mut set = SeenSet::new();
        for fp in 0..500 {
            set.insert(fp);
        }
        assert_eq!(set.len(), 499, "0 and 1 are the same entry");
        assert!((0..500).all(|fp| set.contains(fp)));
        assert!(!set.contains(500));
        set.insert(u64::MAX);
        assert!(set.contains(u64::MAX));
    }

    #[test]
    fn a_million_urls_cost_at_most_16_bytes_each() {
        let mut set = SeenSet::new();
        for i in 0..1_000_000u32 {
            let url = format!("https://example.com/{}/{i}", i % 1000);
            assert!(set.insert(fingerprint(&url)));
            if i > 1000 && i % 997 == 0 {
                assert!(set.bytes_allocated() <= 16 * set.len(), "at {i}");
            }
        }
        assert_eq!(set.len(), 1_000_000);
        let per_url = set.bytes_allocated() as f64 / set.len() as f64;
        assert!(per_url <= 16.0, "{per_url} bytes per URL");
    }
}
