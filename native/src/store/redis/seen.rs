//! Where a URL's fingerprint lives in the shared seen-set.
//!
//! The seen-set holds 64-bit fingerprints, never URL text, spread over 2^[`BUCKET_BITS`] small
//! Redis sets `seen:{bucket}`: the top bits of a fingerprint pick the bucket, the other
//! bits are the member, stored as an integer. A set of at most 512 integers
//! (`set-max-intset-entries`) is an *intset*, a sorted array of 8-byte integers, so a
//! fingerprint costs about 8 bytes plus its share of the bucket's key. One plain SET of
//! all fingerprints costs ~65-72 bytes each (a hash-table entry, a bucket pointer and the
//! member string). With 2^14 buckets the sets stay intsets up to about 6 million URLs;
//! past that they turn into plain sets one by one (still correct, just bigger). The
//! measured figures are in the module doc of `store::redis`.

/// How many seen-set buckets a crawl has (fixed: changing it would forget what was seen).
pub const BUCKET_BITS: u32 = 14;

/// The bucket and the member (the fingerprint's remaining 50 bits, as decimal) of `fp`.
pub fn slot(fp: u64) -> (String, String) {
    let bucket = fp >> (64 - BUCKET_BITS);
    let member = fp & ((1u64 << (64 - BUCKET_BITS)) - 1);
    (bucket.to_string(), member.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_and_member_keep_all_64_bits() {
        for fp in [
            0u64,
            1,
            u64::MAX,
            0x8000_0000_0000_0001,
            0x1234_5678_9abc_def0,
        ] {
            let (b, m) = slot(fp);
            let (b, m): (u64, u64) = (b.parse().unwrap(), m.parse().unwrap());
            assert!(b < 1 << BUCKET_BITS);
            assert_eq!(b << (64 - BUCKET_BITS) | m, fp);
        }
    }
}
